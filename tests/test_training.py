import numpy as np

from leafdream.data.dataset import normalised_leaves
from leafdream.data.leaves import load_leaf_folder
from leafdream.model.rbm import RBM
from leafdream.training.trainer import RBMTrainingConfig, learning_rate_at, train_rbm


def test_training_lowers_reconstruction_error_and_reports_every_epoch(tiny_model):
    history = tiny_model.metadata["training"]["history"]
    first_layer = [h for h in history if h["layer"] == 1]
    assert len(first_layer) == 25
    assert first_layer[-1]["reconstruction_error"] < 0.5 * first_layer[0]["reconstruction_error"]
    assert first_layer[-1]["held_out_reconstruction_error"] < first_layer[0]["held_out_reconstruction_error"]


def test_pcd_layer_keeps_its_hidden_units_alive(tiny_model):
    history = [h for h in tiny_model.metadata["training"]["history"] if h["layer"] == 2]
    # the failure measured without centering: hidden activity collapsing towards ~4 %
    assert all(0.15 < h["hidden_activity"] < 0.85 for h in history[5:])
    assert np.isfinite(history[-1]["chain_activity"])


def test_training_is_reproducible_for_a_seed(leaf_folder):
    leafset = load_leaf_folder(leaf_folder)
    data = normalised_leaves(leafset, 16)
    config = RBMTrainingConfig(epochs=2, batch_size=8, method="pcd", gibbs_steps=2, persistent_chains=8)
    a, _ = train_rbm(data, 20, config, seed=3, progress=False)
    b, _ = train_rbm(data, 20, config, seed=3, progress=False)
    c, _ = train_rbm(data, 20, config, seed=4, progress=False)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)
    assert a.weights.dtype == np.float32


def test_learning_rate_decays_in_the_second_half():
    config = RBMTrainingConfig(epochs=10, learning_rate=0.1, final_learning_rate_fraction=0.1)
    rates = [learning_rate_at(config, e) for e in range(10)]
    assert rates[:5] == [0.1] * 5
    assert all(a > b for a, b in zip(rates[5:], rates[6:]))
    assert rates[-1] >= 0.01


def test_free_energy_prefers_training_like_data(tiny_model, leaf_folder):
    leafset = load_leaf_folder(leaf_folder)
    data = normalised_leaves(leafset, 32)
    rbm: RBM = tiny_model.dbn.layers[0]
    noise = (np.random.default_rng(0).random(data.shape) < data.mean()).astype(np.float32)
    assert rbm.free_energy(data).mean() < rbm.free_energy(noise).mean()
