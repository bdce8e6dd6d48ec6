import numpy as np
import pytest

from leafdream.model.dreaming import DreamChains, energy
from leafdream.errors import LeafdreamError


def test_tempered_chains_swap_and_stay_consistent(tiny_model):
    dream = DreamChains(tiny_model.dbn, chains=6, seed=3, ladder=(1.0, 0.95, 0.9, 0.85))
    dream.advance(400)
    assert dream.swaps_tried > 0 and 0 < dream.swaps_taken < dream.swaps_tried
    top = tiny_model.dbn.top
    for rung in dream.rungs:
        np.testing.assert_allclose(rung.pre_hidden, rung.visible @ top.weights, atol=1e-3)
        assert set(np.unique(rung.visible)) <= {0.0, 1.0}
    direct = -(np.einsum("ij,jk,ik->i", dream.gibbs.visible, top.weights, dream.gibbs.hidden)
               + dream.gibbs.visible @ top.visible_bias + dream.gibbs.hidden @ top.hidden_bias)
    np.testing.assert_allclose(energy(dream.gibbs), direct, rtol=1e-4, atol=1e-3)


def test_dreams_are_leaves_and_move(tiny_model):
    dream = DreamChains(tiny_model.dbn, chains=4, seed=1, ladder=(1.0, 0.9))
    dream.advance(300)
    first = dream.images()
    dream.advance(2000)
    later = dream.images()
    assert first.shape == (4, 32, 32)
    leafy = later > 0.5
    assert np.all((leafy.mean(axis=(1, 2)) > 0.03) & (leafy.mean(axis=(1, 2)) < 0.8))
    assert np.abs(later - first).mean() > 0.003  # the chains moved (species mixing is measured by eval on the real model)


def test_same_seed_same_dream(tiny_model):
    a = DreamChains(tiny_model.dbn, chains=3, seed=9, ladder=(1.0, 0.9))
    b = DreamChains(tiny_model.dbn, chains=3, seed=9, ladder=(1.0, 0.9))
    a.advance(250)
    b.advance(250)
    np.testing.assert_array_equal(a.images(), b.images())


def test_bad_ladder_is_refused(tiny_model):
    with pytest.raises(LeafdreamError, match="inverse temperatures"):
        DreamChains(tiny_model.dbn, chains=2, seed=0, ladder=(1.0, -0.5))


def test_solidity_tells_lobed_leaves_from_round_ones():
    import cv2

    from leafdream.measure.quality import LOBED_SOLIDITY, solidity

    disc = np.zeros((64, 64), np.float32)
    cv2.circle(disc, (32, 32), 20, 1.0, -1)
    plus = np.zeros((64, 64), np.float32)
    plus[28:36, 8:56] = 1.0
    plus[8:56, 28:36] = 1.0
    assert solidity(disc) > 0.95 and solidity(plus) < LOBED_SOLIDITY
    assert np.isnan(solidity(np.zeros((64, 64), np.float32)))


def test_dream_figures_report_how_often_the_dream_is_lobed(tiny_model, leaf_folder):
    from leafdream.measure.quality import dream_figures
    from leafdream.data.leaves import load_leaf_folder

    leafset = load_leaf_folder(leaf_folder)
    figures = dream_figures(tiny_model, leafset, np.nonzero(~leafset.held_out)[0], seed=0, steps=400, chains=3,
                            burn_in=50)
    assert 0.0 <= figures["dream_share_lobed"] <= 1.0
    assert 0.0 <= figures["dream_share_lobed_error"] <= 0.5
    assert 0.0 < figures["training_share_lobed"] < 1.0  # the generated species include lobed and round ones


def test_chains_given_leaf_codes_start_each_at_another_leaf(tiny_model, leaf_folder):
    from leafdream.data.dataset import normalised_leaves
    from leafdream.data.leaves import load_leaf_folder

    leafset = load_leaf_folder(leaf_folder)
    train = np.nonzero(~leafset.held_out)[0]
    species = np.array(leafset.species)[train]
    picked = [int(np.nonzero(species == name)[0][0]) for name in sorted(set(species))[:3]]  # three species' leaves
    images = normalised_leaves(leafset, tiny_model.size, train[picked]).reshape(3, -1)
    codes = tiny_model.dbn.up(images)
    top = tiny_model.dbn.top
    p = np.clip(top.mean_visibles(codes), 1e-6, 1 - 1e-6)

    def likeliest_leaf(states):  # (chains,) which code's p(v | code) each chain's states are likeliest under
        log_likelihood = states @ np.log(p).T + (1 - states) @ np.log(1 - p).T
        return log_likelihood.argmax(axis=1), log_likelihood.max(axis=1)

    for seed in range(3):
        dream = DreamChains(tiny_model.dbn, chains=3, seed=seed, ladder=(1.0, 0.9), codes=codes)
        for rung in dream.rungs:
            leaf, _ = likeliest_leaf(rung.visible)
            assert sorted(leaf) == [0, 1, 2]  # every chain at a leaf of its own, in every rung
    _, from_leaves = likeliest_leaf(DreamChains(tiny_model.dbn, chains=3, seed=0, codes=codes).gibbs.visible)
    _, from_random = likeliest_leaf(DreamChains(tiny_model.dbn, chains=3, seed=0).gibbs.visible)
    assert from_leaves.min() > from_random.max()
