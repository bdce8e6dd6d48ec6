"""Finding the leaf among what is not backdrop and not hand: the visitor's body, clothes, sleeves, a wall.

The candidate pixels are split into regions of one colour (a graph-based segmentation, then
connected pieces). What reaches in from the frame's edge — a torso, a sleeve, a wall, a table — is not
the leaf: a leaf is held up *inside* the picture. So the leaf is the largest region of one
colour that stays inside the frame (one the hand touches first), grown by the regions it
encloses (a variegated leaf's pale margin, veins, glare), and by the pieces of its own colour
that fingers cut off it. Only when nothing stays inside the frame is a leaf cut by the frame
edge taken: the region of least edge contact.
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.segmentation import felzenszwalb

from leafdream.camera.skin import edge_band

SMALLEST_LEAF = 0.01       # share of the frame a leaf region covers at least
REGION_SCALE = 200         # Felzenszwalb's scale: larger merges more
SAME_COLOUR = 14.0         # Lab distance within which two pieces are one leaf's colour
OUTLINE = 3                # pixels around the chosen regions where the outline is looked for


def colour_regions(frame_bgr: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """int32 (H, W): regions of one colour (Felzenszwalb's graph-based segmentation on a half-size frame, which
    merges across soft changes — shading, a cloth's folds and prints — and splits at sharp ones, like a
    leaf's outline), numbered from 0; -1 outside ``candidates``."""
    height, width = candidates.shape
    small = cv2.resize(frame_bgr, (max(8, width // 2), max(8, height // 2)), interpolation=cv2.INTER_AREA)
    labels = felzenszwalb(cv2.cvtColor(small, cv2.COLOR_BGR2RGB), scale=REGION_SCALE, sigma=0.8, min_size=20)
    labels = cv2.resize(labels.astype(np.int32), (width, height), interpolation=cv2.INTER_NEAREST)
    return np.where(candidates, labels, -1)


def _regions(labels: np.ndarray, lab: np.ndarray, least: int) -> list[dict]:
    """The connected pieces of each label at least ``least`` pixels large: mask, area, mean Lab colour, and
    how many of their pixels lie on the frame's edge."""
    band = edge_band(labels.shape)
    regions = []
    for label in range(labels.max() + 1):
        count, pieces, stats, _ = cv2.connectedComponentsWithStats((labels == label).astype(np.uint8), connectivity=8)
        for piece in range(1, count):
            if stats[piece, cv2.CC_STAT_AREA] < least:
                continue
            mask = pieces == piece
            regions.append({"mask": mask, "area": int(stats[piece, cv2.CC_STAT_AREA]), "colour": lab[mask].mean(axis=0),
                            "edge": int((mask & band).sum())})
    return regions


def _near(mask: np.ndarray, other: np.ndarray, reach: int = 5) -> int:
    """How many pixels of ``other`` lie within ``reach`` pixels of ``mask``."""
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)).astype(bool)
    return int((grown & other).sum())


def fill_holes(mask: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros(mask.shape, np.uint8)
    cv2.drawContours(filled, contours, -1, 1, -1)
    return filled.astype(bool)


def _choose_seed(big: list[dict], hands: np.ndarray) -> dict | None:
    """The leaf's main region: the largest one inside the frame (one the hand touches first); else, for a leaf
    cut by the frame edge, the one with the least edge for its size, if it is not mostly edge."""
    inside = [r for r in big if r["edge"] == 0]
    if inside:
        held = [r for r in inside if hands.any() and _near(r["mask"], hands) > 0]
        return max(held or inside, key=lambda r: r["area"])
    seed = min(big, key=lambda r: r["edge"] / np.sqrt(r["area"]))
    return seed if seed["edge"] / np.sqrt(seed["area"]) <= 0.6 else None


def find_leaf(frame_bgr: np.ndarray, candidates: np.ndarray, hands: np.ndarray) -> np.ndarray:
    """bool (H, W): the leaf among ``candidates`` (bool (H, W): not backdrop, not hand); all False if none.

    frame_bgr: uint8 (H, W, 3); hands: bool (H, W) the visitor's hands and arms. Regions choose *which* pixels
    are leaf; the outline comes from the candidates themselves, so it is as exact as they are.
    """
    height, width = candidates.shape
    frame = height * width
    lab = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2LAB).astype(np.float32)
    regions = _regions(colour_regions(frame_bgr, candidates), lab, least=max(8, int(0.002 * frame)))
    big = [r for r in regions if r["area"] >= SMALLEST_LEAF * frame]
    seed = _choose_seed(big, hands) if big else None
    if seed is None:
        return np.zeros(candidates.shape, bool)
    leaf = seed["mask"].copy()
    chosen = [seed]
    for region in sorted(regions, key=lambda r: -r["area"]):
        if region is seed or region["edge"] > 0:
            continue
        outline = cv2.dilate(region["mask"].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~region["mask"]
        enclosed = (outline & (leaf | hands)).sum() / max(outline.sum(), 1)
        # a piece of the leaf's own colour that the fingers cut off it
        cut_off = (np.linalg.norm(region["colour"] - seed["colour"]) < SAME_COLOUR and region["area"] >= 0.02 * seed["area"]
                   and _near(region["mask"], hands) > 0 and _near(region["mask"], leaf | hands, 3) > 0)
        if enclosed > 0.6 or cut_off:
            leaf |= region["mask"]
            chosen.append(region)
    # the outline: candidate pixels next to the leaf that no other region claims (mixed edge pixels, slivers)
    others = np.any([r["mask"] for r in regions if not any(r is c for c in chosen)], axis=0) \
        if len(regions) > len(chosen) else np.zeros(candidates.shape, bool)
    near = cv2.dilate(leaf.astype(np.uint8), np.ones((2 * OUTLINE + 1, 2 * OUTLINE + 1), np.uint8)).astype(bool)
    leaf |= near & candidates & ~others
    return fill_holes(leaf) & ~hands
