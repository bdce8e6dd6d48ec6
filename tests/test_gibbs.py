import itertools

import numpy as np

from leafdream.model.gibbs import GibbsChains
from leafdream.model.kernels import RandomKeys
from leafdream.model.rbm import RBM


def small_rbm(seed=0, n_visible=8, n_hidden=4):
    rng = np.random.default_rng(seed)
    return RBM(
        weights=(rng.standard_normal((n_visible, n_hidden)) * 1.5).astype(np.float32),
        visible_bias=(rng.standard_normal(n_visible) * 0.5).astype(np.float32),
        hidden_bias=(rng.standard_normal(n_hidden) * 0.5).astype(np.float32),
    )


def exact_visible_marginals(rbm: RBM) -> np.ndarray:
    states = np.array(list(itertools.product([0, 1], repeat=rbm.n_visible)), np.float32)
    log_p = -rbm.free_energy(states)
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    return p @ states


def test_chains_sample_the_exact_distribution_of_a_small_rbm():
    rbm = small_rbm()
    start = np.zeros((2000, rbm.n_visible), np.float32)
    chains = GibbsChains(rbm, start, RandomKeys(5))
    chains.run(50)
    total = np.zeros(rbm.n_visible)
    for _ in range(100):
        chains.run(1)
        total += chains.visible.mean(axis=0)
    np.testing.assert_allclose(total / 100, exact_visible_marginals(rbm), atol=0.02)


def test_incremental_pre_activations_stay_equal_to_dense_ones():
    rbm = small_rbm(1, 300, 40)
    start = (np.random.default_rng(2).random((16, 300)) < 0.3).astype(np.float32)
    chains = GibbsChains(rbm, start, RandomKeys(3), resync_every=10_000, dense_above=1.0)
    chains.run(200)
    assert chains.sparse_updates == 400 and chains.dense_updates == 0
    np.testing.assert_allclose(chains._pre_hidden, chains.visible @ rbm.weights, atol=1e-3)
    np.testing.assert_allclose(chains._pre_visible, chains.hidden @ rbm.weights.T, atol=1e-3)


def test_incremental_and_dense_updates_give_the_same_chains():
    rbm = small_rbm(4, 200, 30)
    start = (np.random.default_rng(2).random((8, 200)) < 0.5).astype(np.float32)
    sparse = GibbsChains(rbm, start, RandomKeys(9), dense_above=1.0)
    dense = GibbsChains(rbm, start, RandomKeys(9), dense_above=0.0)
    sparse.run(30)
    dense.run(30)
    assert dense.dense_updates >= 30 and sparse.dense_updates == 0
    # identical random streams; only float rounding of the pre-activations differs
    assert np.mean(sparse.visible == dense.visible) > 0.99


def test_clamped_units_never_move():
    rbm = small_rbm(2, 50, 10)
    start = np.zeros((4, 50), np.float32)
    mask = np.zeros((1, 50), np.uint8)
    mask[0, :10] = 1
    values = np.zeros((1, 50), np.float32)
    values[0, :5] = 1
    chains = GibbsChains(rbm, start, RandomKeys(1), clamp_mask=mask, clamp_values=values)
    for _ in range(20):
        chains.run(1)
        np.testing.assert_array_equal(chains.visible[:, :10], np.tile(values[0, :10], (4, 1)))


def test_gibbs_from_given_hidden_states_is_the_same_chain_as_sampling_them():
    """CD training hands the negative phase the hidden states its positive phase sampled: the chain must be
    the one that sampling them again (same random stream) would have run."""
    rng = np.random.default_rng(2)
    rbm = RBM.initial(30, 12, np.full(30, 0.3, np.float32), rng)
    rbm.weights[:] = rng.normal(0, 0.5, rbm.weights.shape).astype(np.float32)
    rbm.weights_changed()
    visible = (rng.random((5, 30)) < 0.3).astype(np.float32)
    again = rbm.gibbs(visible, 3, RandomKeys(9))
    keys = RandomKeys(9)
    states, _ = rbm.sample_hiddens(visible, keys)
    reused = rbm.gibbs(visible, 3, keys, hidden=states)
    for a, b in zip(again, reused):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(again[0], rbm.gibbs(visible, 3, RandomKeys(10))[0])  # the stream matters
