import logging

import numpy as np
import pytest
from PIL import Image

from leafdream.commands.cli import main
from leafdream.leafspace.cursor import Wander, WaypointPath, resolve_waypoint
from leafdream.data.dataset import normalised_leaves
from leafdream.errors import LeafdreamError
from leafdream.leafspace.space import mirrored, imagine
from leafdream.data.leaves import load_leaf_folder
from leafdream.measure.leafspace import knn_species_accuracy
from leafdream.leafspace.store import leaf_space
from leafdream.model.modelfile import Model


@pytest.fixture(scope="module")
def space(tiny_model):
    return leaf_space(tiny_model)


def test_training_stores_a_map_of_every_training_leaf(tiny_model, space):
    assert space.positions.shape == (36, 2)
    assert space.positions.min() >= 0 and space.positions.max() <= 1
    assert space.codes.shape == (36, tiny_model.dbn.top.n_hidden)
    assert set(space.species) == set(tiny_model.metadata["data"]["species"])


def test_map_groups_species(space):
    # generated species are distinct shapes: neighbours on the map share species far above chance (1/6)
    assert knn_species_accuracy(space.positions, space.species) > 0.6


def test_a_model_without_a_map_says_how_to_make_one(tiny_model):
    bare = Model(dbn=tiny_model.dbn, metadata=tiny_model.metadata, extras={}, path="bare.npz")
    with pytest.raises(LeafdreamError, match="leafdream map --compute"):
        leaf_space(bare)


def test_unknown_species_gets_did_you_mean(space):
    with pytest.raises(LeafdreamError, match="did you mean 'palmata'"):
        space.species_position("palmatta")
    assert np.all(np.abs(space.species_position("Palmata") - space.positions[space.species == "palmata"].mean(0)) < 1e-6)


def test_points_outside_the_map_are_clamped_with_a_warning(space, caplog):
    with caplog.at_level(logging.WARNING):
        point = space.clamp([1.4, -0.2])
    np.testing.assert_array_equal(point, [1.0, 0.0])
    assert "outside the map" in caplog.text


def test_moving_the_cursor_slowly_morphs_one_leaf_into_another(tiny_model, space):
    start, end = space.species_position("lanceolata"), space.species_position("palmata")
    images = [imagine(tiny_model.dbn, space.code_at(start + (end - start) * u)) for u in np.linspace(0, 1, 400)]
    changes = [np.abs(a - b).mean() for a, b in zip(images, images[1:])]
    total = np.abs(images[-1] - images[0]).mean()
    assert images[0].shape == (32, 32)
    assert total > 0.05  # a different leaf at the far end
    assert max(changes) < 0.2 * total  # no single step pops from one leaf to the other


def test_a_leaf_is_imagined_at_its_own_position_and_placed_near_it(tiny_model, space, leaf_folder):
    leafset = load_leaf_folder(leaf_folder)
    index = np.nonzero(~leafset.held_out)[0][:12]
    pixels = normalised_leaves(leafset, 32, index)
    features = space.features_of(tiny_model.dbn, pixels)
    distances = [np.linalg.norm(space.place(feature) - space.positions[k]) for k, feature in enumerate(features)]
    assert np.median(distances) < 0.05
    mirror = mirrored(pixels)  # a leaf and its mirror image are the same leaf: one place on the map
    np.testing.assert_allclose(space.features_of(tiny_model.dbn, mirror), features, atol=1e-5)
    ious = []
    for k, leaf in enumerate(pixels):
        picture = imagine(tiny_model.dbn, space.code_at(space.positions[k]))
        a, b = picture > 0.5, leaf.reshape(32, 32) > 0.5
        ious.append((a & b).sum() / max((a | b).sum(), 1))
    assert np.mean(ious) > 0.6


def test_the_relatives_of_a_leaf_are_the_training_leaves_nearest_its_features(space):
    """The nearest training leaves and their distances, nearest first, as the plain distance to every one gives them:
    for a training leaf's own features (itself first, at 0), for features between leaves and far from all."""
    rng = np.random.default_rng(5)
    known = space.features
    for features in [known[3], (known[0] + known[7]) / 2, known[5] + rng.normal(0, 0.3, known.shape[1]),
                     rng.normal(0, 4.0, known.shape[1])]:
        nearest, distances = space.relatives(features.astype(np.float32), count=5)
        plain = np.linalg.norm(known.astype(np.float64) - features, axis=1)
        np.testing.assert_array_equal(nearest, np.argsort(plain, kind="stable")[:5])
        np.testing.assert_allclose(distances, np.sort(plain)[:5], rtol=1e-4, atol=1e-3)
    assert space.relatives(known[3])[0][0] == 3
    assert len(space.relatives(known[3], count=len(known) + 4)[0]) == len(known)


def test_waypoint_path_eases_between_points_and_loops():
    path = WaypointPath(np.array([[0.1, 0.1], [0.5, 0.1]]), speed=0.1, ease="sine", loop=True)
    np.testing.assert_allclose(path.position(0), [0.1, 0.1])
    np.testing.assert_allclose(path.position(4.0), [0.5, 0.1])
    np.testing.assert_allclose(path.position(2.0), [0.3, 0.1])
    assert path.position(0.4)[0] - 0.1 < 0.04 * 0.4  # eased: slower than linear at the start
    np.testing.assert_allclose(path.position(8.0), [0.1, 0.1], atol=1e-9)  # back at the start
    with pytest.raises(LeafdreamError, match="unknown easing 'bounce'"):
        WaypointPath(np.array([[0, 0], [1, 1]]), ease="bounce")


def test_wander_is_smooth_seeded_and_seekable(space):
    a, b, c = Wander(space, seed=5, speed=0.01), Wander(space, seed=5, speed=0.01), Wander(space, seed=6, speed=0.01)
    times = np.arange(0, 300, 1 / 30)
    track = np.array([a.position(t) for t in times])
    np.testing.assert_array_equal(b.position(200.0), a.position(200.0))  # b jumped straight there
    assert np.linalg.norm(c.position(200.0) - a.position(200.0)) > 0
    steps = np.linalg.norm(np.diff(track, axis=0), axis=1)
    assert steps.max() < 0.004 and track.min() >= 0 and track.max() <= 1
    speed = steps.sum() / times[-1]
    assert 0.005 < speed < 0.03


def test_waypoints_resolve_species_files_and_coordinates(space, tiny_model):
    files = [tiny_model.metadata["data"]["files"][i] for i in tiny_model.extras["map_leaf"]]
    np.testing.assert_allclose(resolve_waypoint(space, [0.2, 0.8]), [0.2, 0.8])
    np.testing.assert_allclose(resolve_waypoint(space, "ovata"), space.species_position("ovata"))
    np.testing.assert_allclose(resolve_waypoint(space, files[3], files), space.positions[3])
    with pytest.raises(LeafdreamError, match="did you mean"):
        resolve_waypoint(space, "ovatta", files)
    with pytest.raises(LeafdreamError, match="expected"):
        resolve_waypoint(space, 42, files)


def test_poster_command_draws_the_map(capsys, tiny_model_file, tmp_path):
    out = tmp_path / "poster.png"
    assert main(["map", "--model", str(tiny_model_file), "--out", str(out), "--size", "400x300", "--tiles", "10"]) == 0
    picture = np.asarray(Image.open(out))
    assert picture.shape == (300, 400, 3)
    assert picture.std() > 10  # leaves and points, not a blank page
    assert main(["map", "--model", str(tiny_model_file)]) == 1
    assert "--out POSTER.png" in capsys.readouterr().err


def test_recomputing_the_map_refuses_other_data(capsys, tiny_model_file, tmp_path):
    from leafdream.data.procedural import write_leaf_folder

    other = write_leaf_folder(tmp_path / "other", per_species=8, size=96, seed=99)
    assert main(["map", "--compute", "--data", str(other), "--model", str(tiny_model_file)]) == 1
    assert "fingerprint differs" in capsys.readouterr().err


def _map(seed: int, leaves: int = 40, units: int = 6):
    rng = np.random.default_rng(seed)
    return rng.random((leaves, 2)).astype(np.float32), rng.random((leaves, units)).astype(np.float32)


def test_the_code_grid_is_computed_once_per_map_and_read_back_exactly(tmp_path, monkeypatch):
    from leafdream.leafspace import grid_cache
    from leafdream.leafspace.space import code_grid

    calls = []
    monkeypatch.setattr(grid_cache, "code_grid", lambda *a: calls.append(1) or code_grid(*a))
    positions, codes = _map(0)
    first = grid_cache.cached_code_grid(positions, codes, 16, 0.05, folder=tmp_path)
    second = grid_cache.cached_code_grid(positions, codes, 16, 0.05, folder=tmp_path)
    assert len(calls) == 1
    for made, read, direct in zip(first, second, code_grid(positions, codes, 16, 0.05)):
        np.testing.assert_array_equal(made, direct)
        np.testing.assert_array_equal(read, direct)
    assert first[0].shape == (16, 16, 6) and first[1].shape == (16, 16) and first[1].max() == 1.0
    # another map, another grid size or kernel finds no stale grid
    other_positions, other_codes = _map(1)
    np.testing.assert_array_equal(grid_cache.cached_code_grid(other_positions, other_codes, 16, 0.05, folder=tmp_path)[0],
                                  code_grid(other_positions, other_codes, 16, 0.05)[0])
    assert grid_cache.cached_code_grid(positions, codes, 12, 0.05, folder=tmp_path)[0].shape == (12, 12, 6)
    np.testing.assert_array_equal(grid_cache.cached_code_grid(positions, codes, 16, 0.08, folder=tmp_path)[0],
                                  code_grid(positions, codes, 16, 0.08)[0])
    assert len(calls) == 4 and len(list(tmp_path.glob("*.npz"))) == 4


def test_a_damaged_or_unwritable_grid_cache_only_costs_the_time(tmp_path, caplog):
    from leafdream.leafspace.grid_cache import KEPT, cached_code_grid
    from leafdream.leafspace.space import code_grid

    positions, codes = _map(2)
    expected = code_grid(positions, codes, 16, 0.05)[0]
    cached_code_grid(positions, codes, 16, 0.05, folder=tmp_path)
    (kept,) = tmp_path.glob("*.npz")
    for damage in (b"not a zip", b""):
        kept.write_bytes(damage)
        with caplog.at_level(logging.INFO):
            np.testing.assert_array_equal(cached_code_grid(positions, codes, 16, 0.05, folder=tmp_path)[0], expected)
        assert "could not be read" in caplog.text and kept.stat().st_size > 1000  # kept again, whole
        caplog.clear()
    np.savez(kept, grid_codes=np.zeros((3, 3, 6), np.float32), density=np.zeros((3, 3), np.float32))
    with caplog.at_level(logging.INFO):
        np.testing.assert_array_equal(cached_code_grid(positions, codes, 16, 0.05, folder=tmp_path)[0], expected)
    assert "does not fit" in caplog.text
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with caplog.at_level(logging.INFO):
        np.testing.assert_array_equal(cached_code_grid(positions, codes, 16, 0.05, folder=blocked / "grids")[0],
                                      expected)
    assert "could not be kept" in caplog.text
    for seed in range(3, 3 + KEPT + 2):
        cached_code_grid(*_map(seed), 8, 0.05, folder=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == KEPT and not list(tmp_path.glob("*.tmp*"))
