"""Finding the leaf among what is not backdrop and not hand: the visitor's body, clothes, sleeves, a wall.

The frame is split into regions of one colour (Felzenszwalb's graph-based segmentation, on a
reduced frame: it merges across soft changes — shading, a cloth's folds and prints — and splits
at sharp ones, like a leaf's outline). What reaches in from the frame's edge — a torso, a sleeve,
a wall, a table — is not the leaf: a leaf is held up *inside* the picture. So the leaf is the
largest region that stays inside the frame (one the hand touches first), grown by the regions it
encloses (a variegated leaf's pale margin, veins, glare), by neighbours of its own colour, and by
the pieces of its colour that fingers cut off it. Only when nothing stays inside the frame is a
leaf cut by the frame edge taken: a region whose edge contact is short for its size. The regions
choose *which* pixels are leaf; the outline is then decided pixel by pixel at full size.

All region bookkeeping (areas, colours, edge contact, shared borders) is done at once with
``np.bincount`` on the reduced label image, so it costs a few milliseconds per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.segmentation import felzenszwalb

from leafdream.camera.masks import edge_band, shared_borders

OBJECT_SHARE = 0.3         # a region this much foreground is foreground whole
SMALLEST_LEAF = 0.005      # share of the frame the leaf's main region covers at least
REGION_SCALE = 200         # Felzenszwalb's scale: larger merges more
REGION_DIVISOR = 3         # regions are found on a frame this many times smaller (a third: 7 ms, not 19)
SAME_COLOUR = 14.0         # Lab distance within which two regions are one leaf's colour
MOST_EDGE_FOR_SIZE = 1.1   # edge contact / sqrt(area) above which an edge region is a torso or a wall, not a leaf
ENCLOSED = 0.6             # share of a region's border on the leaf or hand that makes it part of the leaf
GROW_REACH = 12            # pixels (full size) within which the leaf's own colour joins it
OUTLINE = 6                # pixels (full size) around the chosen regions where the outline is decided per pixel


@dataclass
class Regions:
    """Regions of one colour: ``small`` int32 (h, w) labels 0..count-1 on the reduced frame, ``full`` the same
    labels at the frame's size (H, W)."""

    small: np.ndarray
    full: np.ndarray

    @property
    def count(self) -> int:
        return int(self.small.max()) + 1

    def shrink(self, mask: np.ndarray) -> np.ndarray:
        """bool (h, w): ``mask`` bool (H, W) at the reduced size (a small pixel is in when most of it is)."""
        height, width = self.small.shape
        return cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA) > 0.5


def colour_regions(frame_bgr: np.ndarray) -> Regions:
    """The regions of one colour of a frame uint8 (H, W, 3)."""
    height, width = frame_bgr.shape[:2]
    small = cv2.resize(frame_bgr, (max(8, width // REGION_DIVISOR), max(8, height // REGION_DIVISOR)),
                       interpolation=cv2.INTER_AREA)
    labels = felzenszwalb(cv2.cvtColor(small, cv2.COLOR_BGR2RGB), scale=REGION_SCALE, sigma=0.8,
                          min_size=max(4, 80 // REGION_DIVISOR ** 2))
    labels = labels.astype(np.int32)
    return Regions(labels, cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST))


def whole_objects(foreground: np.ndarray, regions: Regions, share: float = OBJECT_SHARE) -> np.ndarray:
    """bool (H, W): ``foreground`` with every region that is mostly foreground taken whole — a hand or a leaf of
    nearly the backdrop's colour differs from the empty scene only in parts, but it is one region."""
    labels = regions.full
    total = np.bincount(labels.ravel(), minlength=regions.count)
    inside = np.bincount(labels[foreground], minlength=regions.count)
    return foreground | (inside / np.maximum(total, 1) >= share)[labels]


def fill_holes(mask: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros(mask.shape, np.uint8)
    cv2.drawContours(filled, contours, -1, 1, -1)
    return filled.astype(bool)


class _RegionTable:
    """Per-region figures of the candidate pixels at reduced size: area, mean Lab colour, edge contact, and the
    length of border every region shares with every other, with the hands (``hand``) and with what is not a
    candidate (``outside``)."""

    def __init__(self, labels: np.ndarray, lab: np.ndarray, hands: np.ndarray):
        count = int(labels.max()) + 1 if labels.max() >= 0 else 0
        self.count, self.hand, self.outside = count, count, count + 1
        codes = np.where(hands, self.hand, np.where(labels >= 0, labels, self.outside))
        size = count + 2
        flat = labels[labels >= 0]
        self.area = np.bincount(flat, minlength=count).astype(np.float64)
        self.colour = np.stack([np.bincount(flat, weights=lab[labels >= 0][:, k], minlength=count)
                                for k in range(3)], axis=1) / np.maximum(self.area, 1)[:, None]
        band = edge_band(labels.shape, 1) & (labels >= 0)
        self.edge = np.bincount(labels[band], minlength=count).astype(np.float64)
        self.border = shared_borders(codes, size)
        self.perimeter = self.border.sum(axis=1)

    def edge_share(self, region: int) -> float:
        return self.edge[region] / np.sqrt(max(self.area[region], 1.0))


def _choose_seed(table: _RegionTable, least: float) -> int | None:
    """The leaf's main region: of those that stay inside the frame (else those whose edge contact is short for
    their size: a cut leaf, not a torso or a wall), the largest the hand touches, or else the largest."""
    big = [r for r in range(table.count) if table.area[r] >= least]
    eligible = [r for r in big if table.edge_share(r) <= MOST_EDGE_FOR_SIZE]
    if not eligible:
        return None
    inside = [r for r in eligible if table.edge[r] == 0] or eligible
    held = [r for r in inside if table.border[r, table.hand] > 0]
    return max(held or inside, key=lambda r: table.area[r])


def _grow(table: _RegionTable, seed: int) -> set[int]:
    """The regions that are more of the leaf: next to it and of its colour (an edge one only when smaller than
    the seed: a leaf cut by the edge, not a torso), enclosed by it and the hand, or a piece of its colour that
    fingers cut off it."""
    leaf = {seed}
    grew = True
    while grew:
        grew = False
        members = list(leaf)
        on_leaf = table.border[:, members].sum(axis=1)
        for region in range(table.count):
            if region in leaf or table.area[region] == 0:
                continue
            same = np.linalg.norm(table.colour[region] - table.colour[seed]) < SAME_COLOUR
            inside = table.edge[region] == 0
            touching = on_leaf[region] > 0
            enclosed = (on_leaf[region] + table.border[region, table.hand]) / max(table.perimeter[region], 1)
            cut_off = same and inside and table.border[region, table.hand] > 0 and table.area[region] >= 0.02 * table.area[seed]
            small_edge_piece = table.edge_share(region) <= MOST_EDGE_FOR_SIZE and table.area[region] <= table.area[seed]
            if (same and touching and (inside or small_edge_piece)) or (inside and enclosed > ENCLOSED) or cut_off:
                leaf.add(region)
                grew = True
    return leaf


def find_leaf(lab: np.ndarray, candidates: np.ndarray, hands: np.ndarray, regions: Regions) -> np.ndarray:
    """bool (H, W): the leaf among ``candidates`` (bool (H, W): not backdrop, not hand); all False if none.

    lab: float32 (H, W, 3) the frame in Lab; hands: bool (H, W) the visitor's hands and arms.
    """
    small_candidates = regions.shrink(candidates)
    small_hands = regions.shrink(hands)
    height, width = regions.small.shape
    small_lab = cv2.resize(lab, (width, height), interpolation=cv2.INTER_AREA)
    labels = np.where(small_candidates & ~small_hands, regions.small, -1)
    table = _RegionTable(labels, small_lab, small_hands)
    seed = _choose_seed(table, SMALLEST_LEAF * height * width) if table.count else None
    if seed is None:
        return np.zeros(candidates.shape, bool)
    chosen = np.zeros(table.count + 2, bool)
    chosen[list(_grow(table, seed))] = True
    small_leaf = chosen[np.where(labels >= 0, labels, table.outside)]
    leaf = cv2.resize(small_leaf.astype(np.uint8), (candidates.shape[1], candidates.shape[0]),
                      interpolation=cv2.INTER_NEAREST).astype(bool)
    leaf = fill_holes(leaf & candidates) & ~hands
    leaf = grow_by_colour(lab, leaf, candidates & ~hands, hands)
    return refine_outline(lab, leaf, candidates & ~hands)


def grow_by_colour(lab: np.ndarray, leaf: np.ndarray, allowed: np.ndarray, hands: np.ndarray,
                   reach: int = GROW_REACH) -> np.ndarray:
    """bool (H, W): ``leaf`` with what lies within ``reach`` pixels of it or of the fingers on it and has the
    leaf's colour rather than its surroundings': the teeth and tips a reduced-size segmentation rounds off, and
    the pieces of the leaf that fingers cut off it."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    near_leaf = cv2.dilate(leaf.astype(np.uint8), kernel).astype(bool)
    wide = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (6 * reach + 1, 6 * reach + 1))
    fingers = hands & cv2.dilate(leaf.astype(np.uint8), wide).astype(bool)  # a finger is up to ~3 reaches wide
    zone = cv2.dilate((leaf | fingers).astype(np.uint8), kernel).astype(bool) & allowed & ~leaf
    if not zone.any() or leaf.sum() < 20:
        return leaf
    colours = lab[leaf]
    mean = colours.mean(axis=0)
    inverse = np.linalg.inv(np.cov(colours, rowvar=False) + np.diag([36.0, 9.0, 9.0]))
    around = ~near_leaf & ~hands
    window = (4 * reach + 1, 4 * reach + 1)
    weight = cv2.boxFilter(around.astype(np.float32), -1, window, normalize=False)
    ground = cv2.boxFilter(lab * around[..., None], -1, window, normalize=False) / np.maximum(weight, 1e-6)[..., None]
    here = lab[zone] - mean
    like_leaf = ((here @ inverse) * here).sum(axis=1) < 9.0
    ground_here = ground[zone]
    nearer = (here ** 2).sum(axis=1) < ((lab[zone] - ground_here) ** 2).sum(axis=1)
    unknown_ground = weight[zone] == 0
    grown = leaf.copy()
    grown[zone] = like_leaf & (nearer | unknown_ground)
    count, pieces = cv2.connectedComponents(grown.astype(np.uint8), connectivity=8)
    touching = cv2.dilate((leaf | fingers).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    kept = np.bincount(pieces[touching & grown], minlength=count) > 0
    kept[0] = False
    return kept[pieces] | leaf


def refine_outline(lab: np.ndarray, leaf: np.ndarray, allowed: np.ndarray, reach: int = OUTLINE) -> np.ndarray:
    """bool (H, W): ``leaf`` with its outline decided pixel by pixel at full size: within ``reach`` pixels of the
    region's edge (which the reduced segmentation places only roughly), a pixel is leaf when its colour is
    nearer the leaf's colour close by than the colour of what surrounds the leaf close by."""
    kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    band = cv2.dilate(leaf.astype(np.uint8), kernel).astype(bool) & ~cv2.erode(leaf.astype(np.uint8), kernel).astype(bool)
    band &= allowed
    inner = leaf & ~band
    outer = ~leaf & ~band  # the surroundings as the camera sees them, backdrop included
    if not band.any() or not inner.any() or not outer.any():
        return leaf
    window = (4 * reach + 1, 4 * reach + 1)

    def local_mean(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        weight = cv2.boxFilter(mask.astype(np.float32), -1, window, normalize=False)
        total = cv2.boxFilter(lab * mask[..., None], -1, window, normalize=False)
        return total / np.maximum(weight, 1e-6)[..., None], weight

    leaf_colour, leaf_weight = local_mean(inner)
    ground_colour, ground_weight = local_mean(outer)
    here = lab[band]
    leaf_here, ground_here = leaf_colour[band], ground_colour[band]
    # a thin tooth or stalk has no leaf interior close by: the leaf's colour overall stands in
    alone = leaf_weight[band] == 0
    if alone.any():
        leaf_here[alone] = lab[inner].mean(axis=0)
    far = ground_weight[band] == 0
    if far.any():
        ground_here[far] = lab[outer].mean(axis=0)
    refined = leaf.copy()
    refined[band] = ((here - leaf_here) ** 2).sum(axis=1) < ((here - ground_here) ** 2).sum(axis=1)
    # keep only what hangs together with the leaf (a stray pixel of leaf colour in the band is not leaf)
    count, pieces = cv2.connectedComponents(refined.astype(np.uint8), connectivity=8)
    kept = np.bincount(pieces[leaf & refined], minlength=count) > 0
    kept[0] = False
    return fill_holes(kept[pieces]) & allowed
