"""A leaf's margin of another colour is leaf; what merely touches the leaf is not (camera/margin.py)."""

import cv2
import numpy as np

from leafdream.camera.margin import grown_by_margin
from leafdream.camera.segment import Segmenter


def iou(a, b):
    return (a & b).sum() / max((a | b).sum(), 1)


def _lab(bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB).astype(np.float32)


def _noisy(rng, image: np.ndarray) -> np.ndarray:
    return np.clip(image.astype(np.int16) + rng.integers(-4, 5, image.shape), 0, 255).astype(np.uint8)


def _variegated_leaf(wall_bgr, margin_bgr=(150, 210, 215), blade_bgr=(40, 110, 45)):
    """(frame uint8 (240, 320, 3), whole leaf bool, blade alone bool): a green blade with a margin 8 px wide."""
    frame = np.empty((240, 320, 3), np.uint8)
    frame[:] = wall_bgr
    whole, blade = np.zeros((240, 320), np.uint8), np.zeros((240, 320), np.uint8)
    for mask, axes in ((whole, (78, 50)), (blade, (70, 42))):
        cv2.ellipse(mask, (160, 120), axes, 20, 0, 360, 1, -1)
    frame[whole > 0] = margin_bgr
    frame[blade > 0] = blade_bgr
    return frame, whole.astype(bool), blade.astype(bool)


def test_a_pale_margin_all_round_the_leaf_is_grown_onto_it():
    rng = np.random.default_rng(0)
    frame, whole, blade = _variegated_leaf(wall_bgr=(70, 150, 160))  # a pale rim on an olive wall
    nothing = np.zeros(blade.shape, bool)
    grown = grown_by_margin(_lab(_noisy(rng, frame)), blade, ~nothing, nothing)
    assert iou(blade, whole) < 0.85  # what the regions found: the blade alone
    assert iou(grown, whole) > 0.95


def test_a_photos_variegated_leaf_keeps_its_margin():
    rng = np.random.default_rng(1)
    frame, whole, _ = _variegated_leaf(wall_bgr=(70, 150, 160))
    segmenter = Segmenter((240, 320), without_background=True, on_frames=1)
    found = segmenter.segment(_noisy(rng, frame)).leaf > 0.5
    assert iou(found, whole) > 0.9  # 0.81 without the margin grown


def test_a_blotched_wall_touching_the_leaf_is_not_taken_for_its_margin():
    """Dark blotches of the wall that touch the leaf go on beyond it: the wall's pattern, not a margin."""
    rng = np.random.default_rng(2)
    frame, blade, _ = _variegated_leaf(wall_bgr=(70, 170, 190), margin_bgr=(40, 110, 45))  # a plain leaf
    for _ in range(60):  # dark blotches all over the wall, some against the leaf
        centre = (int(rng.integers(0, 320)), int(rng.integers(0, 240)))
        cv2.circle(frame, centre, int(rng.integers(8, 16)), (30, 60, 80), -1)
    frame[blade] = (40, 110, 45)
    nothing = np.zeros(blade.shape, bool)
    grown = grown_by_margin(_lab(_noisy(rng, frame)), blade, ~nothing, nothing)
    assert (grown & ~blade).sum() < 0.02 * blade.sum()

