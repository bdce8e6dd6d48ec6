"""Hidden-region masks for evaluation and tests: organic blobs that hide a set share of a leaf."""

from __future__ import annotations

import cv2
import numpy as np


def blob_mask(leaf: np.ndarray, hidden_share: float, rng: np.random.Generator, smoothness: float = 0.12) -> np.ndarray:
    """bool (H, W): smooth random blobs covering ``hidden_share`` of the leaf's pixels.

    A blurred random field (blur ``smoothness`` x the image size) is thresholded at the
    quantile that hides exactly that share of leaf pixels, so blobs have organic outlines
    and often cover the leaf's edge as well as its inside.
    """
    height, width = leaf.shape
    noise = rng.standard_normal((height, width)).astype(np.float32)
    field = cv2.GaussianBlur(noise, (0, 0), smoothness * max(height, width))
    on_leaf = field[leaf > 0.5]
    threshold = np.quantile(on_leaf, 1 - hidden_share)
    return field > threshold


def hand_mask(shape: tuple[int, int], rng: np.random.Generator, reach: float = 0.45) -> np.ndarray:
    """bool (H, W): a hand-like occluder (a palm and 2-4 fingers) reaching in from a random side."""
    height, width = shape
    canvas = np.zeros(shape, np.uint8)
    scale = max(height, width)
    angle = rng.uniform(0, 2 * np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    centre = np.array([width / 2, height / 2])
    palm = centre - direction * scale * (0.55 + rng.uniform(-0.05, 0.1))
    cv2.circle(canvas, tuple(int(v) for v in palm), int(scale * 0.22), 1, -1)
    side = np.array([-direction[1], direction[0]])
    # An adult finger is 15-20 mm across: 12-18 % of a 10-12 cm leaf, which spans ~85 % of the frame.
    finger = max(2, int(scale * rng.uniform(0.07, 0.10)))
    for k in range(rng.integers(2, 5)):
        offset = (k - 1.5) * max(scale * 0.07, finger * 1.1)
        start = palm + side * offset
        end = start + direction * scale * (reach + rng.uniform(-0.08, 0.08))
        cv2.line(canvas, tuple(int(v) for v in start), tuple(int(v) for v in end), 1, finger)
    return canvas.astype(bool)
