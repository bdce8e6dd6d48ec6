"""An artist's own leaf photos as leaf masks: one leaf on a plain background, any colours, either polarity.

The background is whatever colour the photo's border ring has; the leaf is what differs from it in colour
(CIELAB distance; a soft shadow differs less than a leaf does, and Otsu's threshold falls between). The
difference is thresholded with Otsu's method, the largest blob kept and its holes (highlights, pale veins)
filled. Photos that break these assumptions are refused with the reason, in the photographer's words:
a busy background, nothing standing out from it, a leaf running off the edge, a leaf too small or too big.

A leaf mask here is float32 (H, W) in [0, 1], leaf = 1, at most ``LONGEST_SIDE`` px on its long side.
"""

from __future__ import annotations

import cv2
import numpy as np

from leafdream.data.normalise import fill_holes
from leafdream.errors import LeafdreamError

LONGEST_SIDE = 512        # photos are read down to this: the model's 64-px frame needs far less
RING_PX = 4               # width of the border ring the background colour is taken from
# The border ring is "plain" when 90 % of it lies within this CIELAB distance of its median colour.
PLAIN_BACKGROUND_SPREAD = 18.0
# The leaf must stand out from the background by at least this (CIELAB units) at Otsu's threshold.
LEAST_CONTRAST = 12.0
LIGHTNESS_WEIGHT = 1.0  # plain CIELAB distance (Delta E 1976); 0.5, to discount shadows, lost brown leaves on beige
MOST_BORDER_TOUCHED = 0.15  # share of the border ring the leaf may cover (a leaf may touch an edge, not run off it)
MIN_LEAF_FRACTION = 0.005
MAX_LEAF_FRACTION = 0.9
NOTHING_STANDS_OUT = ("nothing stands out from the background: use a background of another colour or brightness "
                      "than the leaf")


def _shrunk(image: np.ndarray) -> np.ndarray:
    scale = LONGEST_SIDE / max(image.shape[:2])
    if scale >= 1.0:
        return image
    size = (max(8, int(round(image.shape[1] * scale))), max(8, int(round(image.shape[0] * scale))))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _border_ring(shape: tuple[int, int]) -> np.ndarray:
    """bool (H, W): the outermost RING_PX pixels."""
    ring = np.ones(shape, bool)
    ring[RING_PX:-RING_PX, RING_PX:-RING_PX] = False
    return ring


def _colour_distance(image: np.ndarray, ring: np.ndarray) -> tuple[np.ndarray, float]:
    """(distance of every pixel from the background colour float32 (H, W), the ring's 90th percentile of it)."""
    if image.ndim == 2:
        lab = image.astype(np.float32)[..., None] * (100.0 / 255.0)
        weights = np.ones(1, np.float32)
    else:
        lab = cv2.cvtColor(image.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
        weights = np.array([LIGHTNESS_WEIGHT, 1.0, 1.0], np.float32)
    background = np.median(lab[ring], axis=0)
    distance = np.sqrt((((lab - background) * weights) ** 2).sum(axis=-1)).astype(np.float32)
    return distance, float(np.percentile(distance[ring], 90))


def mask_from_photo(image: np.ndarray, source: str = "photo") -> np.ndarray:
    """The leaf in a photo uint8 (H, W, 3) RGB or (H, W) grey of one leaf on a plain background:
    float32 (h, w) in {0, 1}, leaf = 1, the photo scaled to at most LONGEST_SIDE px.

    Raises LeafdreamError naming ``source`` and what is wrong with the photo.
    """
    image = _shrunk(image)
    ring = _border_ring(image.shape[:2])
    distance, spread = _colour_distance(image, ring)
    if spread > PLAIN_BACKGROUND_SPREAD:
        raise LeafdreamError(f"{source}: the background is not plain (its edge varies by {spread:.0f} colour "
                             f"units, at most {PLAIN_BACKGROUND_SPREAD:.0f} expected): photograph the leaf on "
                             "one plain sheet that fills the picture")
    smooth = cv2.GaussianBlur(distance, (0, 0), 1.0)
    top = float(smooth.max())
    if top < LEAST_CONTRAST:
        raise LeafdreamError(f"{source}: {NOTHING_STANDS_OUT}")
    scaled = np.clip(smooth * (255.0 / top), 0, 255).astype(np.uint8)
    level, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = max(level * top / 255.0, LEAST_CONTRAST, 2 * spread)
    standing_out = smooth > threshold
    count, labels, stats, _ = cv2.connectedComponentsWithStats(standing_out.astype(np.uint8), connectivity=8)
    if count <= 1:
        raise LeafdreamError(f"{source}: {NOTHING_STANDS_OUT}")
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    leaf = fill_holes(labels == largest)
    fraction = float(leaf.mean())
    if fraction < MIN_LEAF_FRACTION:
        raise LeafdreamError(f"{source}: no leaf found: nothing of at least {MIN_LEAF_FRACTION:.1%} of the photo "
                             "stands out from the background (a leaf too small, or of the background's colour)")
    if fraction > MAX_LEAF_FRACTION:
        raise LeafdreamError(f"{source}: the leaf fills {fraction:.0%} of the photo: step back so some "
                             "background shows all round it")
    touched = float(leaf[ring].mean())
    if touched > MOST_BORDER_TOUCHED:
        raise LeafdreamError(f"{source}: the leaf runs off the edge of the photo ({touched:.0%} of the edge is "
                             "leaf): the whole leaf must be in the picture")
    return leaf.astype(np.float32)
