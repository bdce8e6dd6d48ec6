"""How crisp and how smooth a frame's outlines are, and how closely an outline follows the true one.

* **Edge width**: the number of pixels between 10 % and 90 % intensity per pixel of outline length (the 0.5
  level): the width of the band a viewer sees as the edge, in output pixels.
* **Staircase**: how much longer the outline is than the same outline smoothed over ``SMOOTHING_PX`` of its
  length. A 64-px grid shows through as steps and wiggles that make the outline longer; a smooth curve loses
  only a little to the smoothing (its own curvature).

* **Boundary F-score**: the share of one outline's pixels within a tolerance of the other outline, both ways
  (precision and recall), combined as their harmonic mean: 1 when the two outlines agree everywhere to within the
  tolerance, whatever the areas do.

Outlines are traced with sub-pixel marching squares (``skimage.measure.find_contours``), so a straight edge
at any angle measures its true length, not the length of a pixel chain.
"""

from __future__ import annotations

import cv2
import numpy as np

SMOOTHING_PX = 48.0
SHORTEST_OUTLINE_PX = 2 * SMOOTHING_PX  # shorter bits (specks, text) say nothing about the staircase


def intensity(frame: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """float32 (H, W) in [0, 1]: the palette position of each pixel of ``frame`` uint8 (H, W, 3), found by
    its luminance along the palette ``lut`` uint8 (256, 3) (palettes are monotonic in luminance)."""
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    ramp = lut.astype(np.float32) @ weights
    lum = frame.astype(np.float32) @ weights
    if ramp[-1] < ramp[0]:  # a light-ground palette (ink): read it backwards
        ramp, lum = -ramp, -lum
    return np.interp(lum, ramp, np.linspace(0.0, 1.0, len(ramp))).astype(np.float32)


def _length(points: np.ndarray, closed: bool) -> float:
    steps = np.diff(np.vstack([points, points[:1]]) if closed else points, axis=0)
    return float(np.sqrt((steps ** 2).sum(axis=1)).sum())


def _smoothed(points: np.ndarray, closed: bool) -> np.ndarray:
    """``points`` (N, 2) resampled every pixel of length and averaged over SMOOTHING_PX of it."""
    ring = np.vstack([points, points[:1]]) if closed else points
    along = np.concatenate([[0.0], np.cumsum(np.sqrt((np.diff(ring, axis=0) ** 2).sum(axis=1)))])
    samples = np.arange(0.0, along[-1], 1.0)
    even = np.stack([np.interp(samples, along, ring[:, k]) for k in range(2)], axis=1)
    window = int(SMOOTHING_PX)
    if closed:
        padded = np.vstack([even[-(window // 2):], even, even[:window - window // 2]])
    else:
        padded = np.vstack([np.repeat(even[:1], window // 2, 0), even, np.repeat(even[-1:], window - window // 2, 0)])
    kernel = np.ones(window) / window
    return np.stack([np.convolve(padded[:, k], kernel, mode="valid")[:len(even)] for k in range(2)], axis=1)


def outline_figures(level: np.ndarray) -> dict:
    """{"edge_width_px", "staircase", "outline_px"} of ``level`` float (H, W) in [0, 1] (see the module);
    NaN figures when there is no outline long enough."""
    from skimage.measure import find_contours

    outlines = [c for c in find_contours(level, 0.5) if len(c) > 2]
    lengths = [_length(c, np.allclose(c[0], c[-1])) for c in outlines]
    total = float(sum(lengths))
    band = int(((level > 0.1) & (level < 0.9)).sum())
    raw = smooth = 0.0
    for points, length in zip(outlines, lengths):
        if length >= SHORTEST_OUTLINE_PX:
            closed = bool(np.allclose(points[0], points[-1]))
            raw += length
            smooth += _length(_smoothed(points, closed), closed)
    return {
        "edge_width_px": band / total if total else float("nan"),
        "staircase": raw / smooth - 1.0 if smooth else float("nan"),
        "outline_px": total,
    }


def _outline_pixels(inside: np.ndarray) -> np.ndarray:
    """bool (H, W): the pixels of ``inside`` (bool (H, W)) that touch a pixel outside it (8-neighbours)."""
    solid = inside.astype(np.uint8)
    return (solid - cv2.erode(solid, np.ones((3, 3), np.uint8), borderValue=0)) > 0


def boundary_f_score(predicted: np.ndarray, truth: np.ndarray, tolerance_px: float = 2.0) -> float:
    """The boundary F-score of ``predicted`` against ``truth`` (bool (H, W) each; see the module docstring).

    0 when either has no outline (and the other has one); 1 when neither has.
    """
    mine, theirs = _outline_pixels(predicted), _outline_pixels(truth)
    if not mine.any() or not theirs.any():
        return float(mine.any() == theirs.any())
    to_theirs = cv2.distanceTransform((~theirs).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    to_mine = cv2.distanceTransform((~mine).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    precision = float(np.mean(to_theirs[mine] <= tolerance_px))
    recall = float(np.mean(to_mine[theirs] <= tolerance_px))
    return 2 * precision * recall / max(precision + recall, 1e-12)
