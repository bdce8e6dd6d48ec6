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
EDGE_BAND = 2              # pixels: a region this close to the frame's edge touches it
MOST_EDGE_FOR_SIZE = 1.1   # edge contact / sqrt(area) above which an edge region is a torso or a wall, not a leaf
OUTLINE = 6                # pixels around the chosen regions where the outline is decided pixel by pixel


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
    band = edge_band(labels.shape, EDGE_BAND)
    regions = []
    for label in range(labels.max() + 1):
        count, pieces, stats, _ = cv2.connectedComponentsWithStats((labels == label).astype(np.uint8), connectivity=8)
        for piece in range(1, count):
            if stats[piece, cv2.CC_STAT_AREA] < least:
                continue
            mask = pieces == piece
            regions.append({"mask": mask, "area": int(stats[piece, cv2.CC_STAT_AREA]), "colour": lab[mask].mean(axis=0),
                            "edge": int((mask & band).sum()) // EDGE_BAND})
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


def _edge_share(region: dict) -> float:
    return region["edge"] / np.sqrt(region["area"])


def _choose_seed(big: list[dict], hands: np.ndarray) -> dict | None:
    """The leaf's main region: of the regions that stay inside the frame or touch its edge no more than a cut
    leaf does (a torso's or a wall's contact is wider than their depth), the largest one the hand touches, or
    else the largest; a region inside the frame counts double."""
    eligible = [r for r in big if _edge_share(r) <= MOST_EDGE_FOR_SIZE]
    if not eligible:
        return None
    inside = [r for r in eligible if r["edge"] == 0] or eligible
    held = [r for r in inside if hands.any() and _near(r["mask"], hands) > 0]
    return max(held or inside, key=lambda r: r["area"])


def _belongs(region: dict, leaf: np.ndarray, seed: dict, hands: np.ndarray) -> bool:
    """Whether ``region`` is more of the leaf: one colour with it and next to it, enclosed by it (a variegated
    margin, veins, glare), or a piece of its colour that fingers cut off it."""
    outline = cv2.dilate(region["mask"].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~region["mask"]
    touching = (outline & leaf).sum()
    same_colour = np.linalg.norm(region["colour"] - seed["colour"]) < SAME_COLOUR
    if same_colour and touching > 0 and (region["edge"] == 0 or (
            _edge_share(region) <= MOST_EDGE_FOR_SIZE and region["area"] <= seed["area"])):
        return True  # an edge piece joins only when smaller than the seed: a leaf cut by the edge, not a torso
    if region["edge"] == 0 and (outline & (leaf | hands)).sum() / max(outline.sum(), 1) > 0.6:
        return True
    return (same_colour and region["edge"] == 0 and region["area"] >= 0.02 * seed["area"]
            and _near(region["mask"], hands) > 0 and _near(region["mask"], leaf | hands, 3) > 0)


def find_leaf(frame_bgr: np.ndarray, candidates: np.ndarray, hands: np.ndarray) -> np.ndarray:
    """bool (H, W): the leaf among ``candidates`` (bool (H, W): not backdrop, not hand); all False if none.

    frame_bgr: uint8 (H, W, 3); hands: bool (H, W) the visitor's hands and arms. Regions choose *which* pixels
    are leaf; the outline is then decided pixel by pixel at full size.
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
    waiting = [r for r in regions if r is not seed]
    grew = True
    while grew:  # regions join as the leaf grows to meet them
        joining = [r for r in waiting if _belongs(r, leaf, seed, hands)]
        for region in joining:
            leaf |= region["mask"]
        waiting = [r for r in waiting if not any(r is j for j in joining)]
        grew = bool(joining)
    leaf = fill_holes(leaf) & ~hands
    return refine_outline(lab, leaf, candidates & ~hands)


def refine_outline(lab: np.ndarray, leaf: np.ndarray, allowed: np.ndarray, reach: int = OUTLINE) -> np.ndarray:
    """bool (H, W): ``leaf`` with its outline decided pixel by pixel at full size: within ``reach`` pixels of the
    region's edge (which the half-size segmentation places only roughly), a pixel is leaf when its colour is
    nearer the leaf's colour close by than the colour of what surrounds the leaf close by."""
    kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    band = cv2.dilate(leaf.astype(np.uint8), kernel).astype(bool) & ~cv2.erode(leaf.astype(np.uint8), kernel).astype(bool)
    band &= allowed
    if not band.any():
        return leaf
    window = (4 * reach + 1, 4 * reach + 1)

    def local_mean(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        weight = cv2.boxFilter(mask.astype(np.float32), -1, window, normalize=False)
        total = cv2.boxFilter(lab * mask[..., None], -1, window, normalize=False)
        return total / np.maximum(weight, 1e-6)[..., None], weight

    inner = leaf & ~band
    outer = ~leaf & ~band  # the surroundings as the camera sees them, backdrop included
    if not inner.any() or not outer.any():
        return leaf
    leaf_colour, leaf_weight = local_mean(inner)
    ground_colour, ground_weight = local_mean(outer)
    # a thin tooth or stalk has no leaf interior close by: the leaf's colour overall stands in
    leaf_colour = np.where((leaf_weight > 0)[..., None], leaf_colour, lab[inner].mean(axis=0))
    ground_colour = np.where((ground_weight > 0)[..., None], ground_colour, lab[outer].mean(axis=0))
    near_leaf = np.linalg.norm(lab - leaf_colour, axis=2)
    near_ground = np.linalg.norm(lab - ground_colour, axis=2)
    refined = leaf.copy()
    refined[band] = (near_leaf < near_ground)[band]
    # keep only what hangs together with the leaf (a stray pixel of leaf colour in the band is not leaf)
    _, pieces = cv2.connectedComponents(refined.astype(np.uint8), connectivity=8)
    kept = np.unique(pieces[leaf & refined])
    return fill_holes(np.isin(pieces, kept[kept > 0])) & allowed
