import numpy as np
import pytest

from leafdream.model.completion import complete, network_filler, telea_completion
from leafdream.errors import LeafdreamError
from leafdream.model.kernels import RandomKeys
from leafdream.data.leaves import load_leaf_folder
from leafdream.data.occluders import blob_mask, hand_mask
from leafdream.camera.photo import reconstruct


def test_blob_mask_hides_the_asked_share_of_the_leaf(rng):
    leaf = np.zeros((100, 120), np.float32)
    leaf[20:80, 30:90] = 1
    hidden = blob_mask(leaf, 0.25, rng)
    assert abs(hidden[leaf > 0.5].mean() - 0.25) < 0.01
    assert hand_mask((100, 120), rng).any()


@pytest.fixture(scope="module")
def occluded_leaves(leaf_folder):
    leafset = load_leaf_folder(leaf_folder)
    rng = np.random.default_rng(7)
    cases = []
    for index in np.nonzero(leafset.held_out)[0]:
        leaf = leafset.masks[index]
        cases.append((leaf, blob_mask(leaf, 0.25, rng)))
    return cases


def test_known_pixels_come_out_exactly_as_they_went_in(tiny_model, occluded_leaves):
    leaf, hidden = occluded_leaves[0]
    result = complete(leaf * ~hidden, hidden, tiny_model.size, network_filler(tiny_model, RandomKeys(0)))
    assert result.probability.shape == leaf.shape
    np.testing.assert_array_equal(result.probability[~hidden], leaf[~hidden])
    assert 0 <= result.probability.min() and result.probability.max() <= 1


def test_network_fill_recovers_most_hidden_pixels_with_a_sharp_edge(tiny_model, occluded_leaves):
    errors, blank_errors, soft = [], [], []
    for leaf, hidden in occluded_leaves:
        result = complete(leaf * ~hidden, hidden, tiny_model.size, network_filler(tiny_model, RandomKeys(1)))
        truth = leaf[hidden] > 0.5
        errors.append(np.mean((result.probability[hidden] > 0.5) != truth))
        blank_errors.append(np.mean(truth))
        filled = result.probability[hidden]
        soft.append(np.mean((filled > 0.1) & (filled < 0.9)))
    # blobs cover much ground too, so "all hidden is ground" is a strong baseline for a 32-px toy model
    assert np.mean(errors) < 0.8 * np.mean(blank_errors)
    assert np.mean(errors) < 0.13
    # a blurred upscale of a 32-px image would leave a wide grey rim; the fill is sharp
    assert np.mean(soft) < 0.08


def test_telea_baseline_fills_small_holes(occluded_leaves):
    leaf, _ = occluded_leaves[0]
    hidden = np.zeros_like(leaf, bool)
    ys, xs = np.nonzero(leaf > 0.5)
    hidden[ys.mean().astype(int) - 3: ys.mean().astype(int) + 3, xs.mean().astype(int) - 3: xs.mean().astype(int) + 3] = True
    filled = telea_completion(np.where(hidden, 0, leaf).astype(np.float32), hidden)
    assert filled[hidden].mean() > 0.9


def test_reconstruct_rejects_mismatched_and_total_masks(tiny_model, occluded_leaves):
    leaf, hidden = occluded_leaves[0]
    photo = (leaf * 255).astype(np.uint8)
    with pytest.raises(LeafdreamError, match="same size"):
        reconstruct(tiny_model, photo, hidden[:-1])
    with pytest.raises(LeafdreamError, match="hides every pixel"):
        reconstruct(tiny_model, photo, np.ones_like(hidden))


def test_a_fully_hidden_leaf_is_an_error_not_a_crash(tiny_model, occluded_leaves):
    leaf, _ = occluded_leaves[0]
    with pytest.raises(LeafdreamError, match="no visible leaf"):
        complete(np.zeros_like(leaf), leaf > 0.5, tiny_model.size, network_filler(tiny_model, RandomKeys(0)))


def test_thin_hidden_parts_are_telea_and_wide_ones_the_network():
    from leafdream.model.completion import telea_weight

    hidden = np.zeros((256, 256), bool)
    hidden[:, 40:50] = True          # a finger, 10 px across
    hidden[100:200, 120:220] = True  # a palm, 100 px across
    weight = telea_weight(hidden)
    assert np.all(weight[:, 40:50] == 1.0)
    assert weight[150, 170] < 0.01                 # the palm's middle: the network
    assert 0.3 < weight[150, 121] < 1.0            # its rim: mostly Telea, blending inward
    assert weight.dtype == np.float32 and weight.shape == hidden.shape


def test_deep_passes_keep_known_pixels_and_follow_the_seed(tiny_model, occluded_leaves):
    from leafdream.data.normalise import normalise

    leaf, _ = occluded_leaves[1]
    image, _ = normalise(leaf, tiny_model.size)
    visible = np.repeat(image.reshape(1, -1), 3, axis=0).astype(np.float32)
    known = np.ones((1, visible.shape[1]), bool)
    known[0, : visible.shape[1] // 2] = False  # the top half is unknown
    runs = [tiny_model.dbn.complete(visible, known, RandomKeys(seed), steps=5, deep_passes=2) for seed in (4, 4, 5)]
    np.testing.assert_allclose(runs[0][:, known[0]], visible[:, known[0]], atol=1e-6)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])
    truth = visible[0, ~known[0]] > 0.5
    assert np.mean((runs[0][:, ~known[0]].mean(axis=0) > 0.5) != truth) < 0.2  # the hidden half comes back


def test_pose_change_is_how_far_the_model_frame_moves():
    from leafdream.data.normalise import Pose
    from leafdream.model.completion import pose_change

    pose = Pose(np.array([[0.5, 0.0, 3.0], [0.0, 0.5, -2.0]]), 32)
    assert pose_change(pose, pose) == pytest.approx(0.0, abs=1e-9)
    shifted = Pose(pose.matrix + np.array([[0, 0, 2.0], [0, 0, 0]]), 32)
    assert pose_change(pose, shifted) == pytest.approx(2.0)
    grown = Pose(pose.matrix * np.array([[1.1], [1.1]]), 32)  # 10 % larger about the image origin
    assert pose_change(pose, grown) > 1.0
    turned_over = Pose(np.array([[-1.0, 0.0], [0.0, 1.0]]) @ pose.matrix + np.array([[0, 0, 31.0], [0, 0, 0]]), 32)
    assert pose_change(pose, turned_over) == pytest.approx(31.0)  # the leaf facing the other way: filled anew


def test_the_pose_is_refined_until_it_settles_on_the_leafs_own(tiny_model, occluded_leaves, monkeypatch):
    """With a filler that knows the true leaf, the pose converges to the true leaf's pose in a few rounds,
    and the rounds stop there instead of running to the limit."""
    from leafdream.data.normalise import Pose, estimate_pose, warp_to_model
    from leafdream.model import completion
    from leafdream.model.completion import MOST_POSE_ROUNDS, POSE_SETTLED_PX, pose_change

    leaf, hidden = max(occluded_leaves, key=lambda case: case[1][case[0] > 0.5].mean())
    poses = []

    def oracle(values, known, initial):  # the true leaf in the pose being tried
        return np.clip(warp_to_model(leaf, poses[-1]), 0, 1).ravel()

    fill_in_photo = completion._fill_in_photo

    def remember_pose(filler, mask, hidden_, guess, pose):
        poses.append(pose)
        return fill_in_photo(filler, mask, hidden_, guess, pose)

    monkeypatch.setattr(completion, "_fill_in_photo", remember_pose)
    one_round = complete(leaf * ~hidden, hidden, tiny_model.size, oracle, pose_rounds=0)
    poses.clear()
    settled = complete(leaf * ~hidden, hidden, tiny_model.size, oracle)
    truth = estimate_pose(leaf, tiny_model.size)
    edge = tiny_model.size - 1

    def off(pose):  # how far from the true frame, whichever way the leaf faces in it
        turns = [np.array([[sx, 0, edge * (sx < 0)], [0, sy, edge * (sy < 0)], [0, 0, 1]]) for sx in (1, -1)
                 for sy in (1, -1)]
        return min(pose_change(truth, Pose((turn @ np.vstack([pose.matrix, [0, 0, 1]]))[:2], pose.size))
                   for turn in turns)

    assert off(settled.pose) < 2 * POSE_SETTLED_PX
    assert off(settled.pose) < off(one_round.pose)
    assert 2 <= len(poses) <= MOST_POSE_ROUNDS + 1
