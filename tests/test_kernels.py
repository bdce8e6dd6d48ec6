import numpy as np

from leafdream.model.kernels import NO_CLAMP_MASK, NO_CLAMP_VALUES, NO_OUTPUT, RandomKeys, bernoulli_layer, mean_field_layer, sample_layer, uniform_fill


def test_uniform_stream_has_the_moments_and_independence_of_u01():
    out = np.empty((200, 5000), np.float32)
    uniform_fill(np.uint64(12345), out)
    assert abs(out.mean() - 0.5) < 2e-3
    assert abs(out.var() - 1 / 12) < 1e-3
    assert out.min() >= 0 and out.max() < 1
    flat = out.ravel()
    assert abs(np.corrcoef(flat[:-1], flat[1:])[0, 1]) < 5e-3
    hist, _ = np.histogram(flat, bins=20, range=(0, 1))
    assert hist.min() > 0.97 * hist.mean() and hist.max() < 1.03 * hist.mean()


def test_samples_follow_the_sigmoid_of_the_preactivation():
    pre = np.linspace(-6, 6, 13, dtype=np.float32)[None, :].repeat(20000, axis=0)
    bias = np.zeros(13, np.float32)
    samples = np.empty_like(pre)
    probs = np.empty_like(pre)
    bernoulli_layer(pre, bias, 1.0, np.uint64(7), NO_CLAMP_MASK, NO_CLAMP_VALUES, samples, probs)
    expected = 1 / (1 + np.exp(-pre[0].astype(np.float64)))
    np.testing.assert_allclose(probs[0], expected, rtol=1e-4)
    np.testing.assert_allclose(samples.mean(axis=0), expected, atol=0.012)
    assert set(np.unique(samples)) <= {0.0, 1.0}


def test_extreme_preactivations_are_clipped_and_finite():
    pre = np.array([[-1e6, -100, 100, 1e6, np.float32(3e38)]], np.float32)
    probs = np.empty_like(pre)
    bernoulli_layer(pre, np.zeros(5, np.float32), 1.0, np.uint64(1), NO_CLAMP_MASK, NO_CLAMP_VALUES, NO_OUTPUT, probs)
    assert np.all(np.isfinite(probs))
    assert probs[0, 0] < 1e-12 and probs[0, 3] > 1 - 1e-6
    # no denormals: the smallest probability stays a normal float32
    assert probs[0, 0] >= np.finfo(np.float32).tiny


def test_inverse_temperature_zero_gives_coin_flips():
    pre = np.full((1, 8), 5.0, np.float32)
    probs = np.empty_like(pre)
    bernoulli_layer(pre, np.ones(8, np.float32), 0.0, np.uint64(1), NO_CLAMP_MASK, NO_CLAMP_VALUES, NO_OUTPUT, probs)
    np.testing.assert_allclose(probs, 0.5)


def test_clamped_units_keep_their_values_in_samples_and_probabilities():
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((6, 10)).astype(np.float32)
    inputs = (rng.random((4, 6)) < 0.5).astype(np.float32)
    mask = np.zeros((1, 10), np.uint8)
    mask[0, [1, 4, 7]] = 1
    values = np.zeros((1, 10), np.float32)
    values[0, [1, 4, 7]] = [1.0, 0.0, 0.25]
    probs = np.empty((4, 10), np.float32)
    samples, _ = sample_layer(inputs, weights, np.zeros(10, np.float32), 1.0, RandomKeys(3), out_probs=probs,
                              clamp_mask=mask, clamp_values=values)
    np.testing.assert_array_equal(samples[:, [1, 4, 7]], np.tile([1.0, 0.0, 0.25], (4, 1)))
    np.testing.assert_array_equal(probs[:, [1, 4, 7]], np.tile([1.0, 0.0, 0.25], (4, 1)))
    free = np.delete(np.arange(10), [1, 4, 7])
    assert set(np.unique(samples[:, free])) <= {0.0, 1.0}


def test_per_chain_clamps_differ_between_chains():
    weights = np.zeros((3, 4), np.float32)
    mask = np.array([[1, 0, 0, 0], [0, 0, 0, 1]], np.uint8)
    values = np.array([[1, 0, 0, 0], [0, 0, 0, 1]], np.float32)
    probs = mean_field_layer(np.zeros((2, 3), np.float32), weights, np.zeros(4, np.float32), clamp_mask=mask,
                             clamp_values=values)
    np.testing.assert_allclose(probs, [[1, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 1]], atol=1e-6)
    assert probs[0, 0] == 1.0 and probs[1, 3] == 1.0


def test_same_seed_same_samples_other_seed_other_samples():
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((50, 40)).astype(np.float32)
    inputs = (rng.random((8, 50)) < 0.5).astype(np.float32)
    bias = np.zeros(40, np.float32)
    first, _ = sample_layer(inputs, weights, bias, 1.0, RandomKeys(42))
    again, _ = sample_layer(inputs, weights, bias, 1.0, RandomKeys(42))
    other, _ = sample_layer(inputs, weights, bias, 1.0, RandomKeys(43))
    np.testing.assert_array_equal(first, again)
    assert np.any(first != other)
    keys = RandomKeys(42)
    assert keys.next_key() != keys.next_key()


def test_python_keys_are_the_kernels_splitmix64():
    from leafdream.model.kernels import _GOLDEN, splitmix64

    keys = RandomKeys(99)
    for call in range(1, 4):
        expected = splitmix64(np.uint64((99 + call * int(_GOLDEN)) & 0xFFFFFFFFFFFFFFFF))
        assert int(keys.next_key()) == int(np.uint64(expected))
