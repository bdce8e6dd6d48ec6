"""Regions of one colour, and the leaf among them: not backdrop, not hand, not the visitor's body.

Two kinds of regions, on a frame reduced to a third:

* **Superpixels** (SLIC in Lab, ~300 a frame) are small and follow sharp edges, so they seldom
  straddle a leaf's outline; ``camera/proposals.py`` groups them into candidate objects and picks the held
  leaf (inside the picture, large, held, sharp-edged). The leaf is then grown by the pieces of its
  colour the reduced size rounded off or fingers cut off (``grow_by_colour``) and its outline is
  decided pixel by pixel at full size (``refine_outline``); in a photo a graph cut then settles it
  (``camera/graph_cut.py``); last, a margin of another colour is grown onto it (``camera/margin.py``).
* **Objects** for the skin (``joined``, ``split_by``): superpixels joined where their colours are
  alike and no sharp edge lies between them, split again wherever Felzenszwalb's graph-based
  regions split (they catch the small steps between flat colours that SLIC's compact cells miss).

All region bookkeeping (areas, colours, edge contact, shared borders, how sharp each border is) is
done at once with ``np.bincount`` on the reduced label image, so it costs a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.segmentation import felzenszwalb, slic

from leafdream.data.normalise import fill_holes
from leafdream.camera.graph_cut import settled_by_cut
from leafdream.camera.margin import grown_by_margin
from leafdream.camera.masks import border_contrast, box_around, edge_band, shared_borders, touching, within
from leafdream.camera.merging import merged_within
from leafdream.camera.proposals import choose, components

OBJECT_SHARE = 0.3         # a region this much foreground is foreground whole
REGION_SHIFT = 5.0         # mean colour change (Lab, L weighing less) from the empty scene that makes a region...
REGION_TINT = 2.0          # ...foreground whole, with this change of its tint (% of B, G, R in its mean colour)
SMALLEST_LEAF = 0.005      # share of the frame the leaf's main region covers at least
SUPERPIXELS = 300          # superpixels per frame for the leaf (a held leaf spans ~60 of them)
SUPERPIXEL_COMPACTNESS = 0.3  # low: in skimage's units 10 gave a plain grid that ignored every outline
JOIN_TOLERANCE = 12.0     # Lab distance between superpixels' colours that makes them one object for the skin
SOFT_STEP = 6.0            # mean colour step (Lab) across a border above which it is an outline, not shading
REGION_SCALE = 200         # Felzenszwalb's scale: larger merges more
REGION_DIVISOR = 3         # regions are found on a frame this many times smaller (a third: 7 ms, not 19)
GROW_REACH = 12            # pixels (full size) within which the leaf's own colour joins it
HAND_SEAM = 2.5            # pixels (reduced size) of blended colour that may lie between the hand and what it touches
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


def superpixels(frame_bgr: np.ndarray, count: int = SUPERPIXELS) -> Regions:
    """Compact regions of one colour (SLIC, in Lab) of a frame uint8 (H, W, 3): small, and bending to follow sharp
    edges, so they seldom straddle a leaf's outline — which Felzenszwalb's regions do where a cloth's print varies
    as much as the edge steps."""
    height, width = frame_bgr.shape[:2]
    small = cv2.resize(frame_bgr, (max(8, width // REGION_DIVISOR), max(8, height // REGION_DIVISOR)),
                       interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_BGR2LAB)  # true Lab (L 0-100), not 8-bit
    labels = slic(lab, n_segments=count, compactness=SUPERPIXEL_COMPACTNESS, start_label=0, convert2lab=False,
                  channel_axis=-1).astype(np.int32)
    return Regions(labels, cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST))


def joined(regions: Regions, lab: np.ndarray, apart: np.ndarray | None = None,
           tolerance: float = JOIN_TOLERANCE) -> Regions:
    """``regions`` with neighbours joined into one where their mean colours lie within ``tolerance`` and the border
    between them is soft: objects of one colour, shading and a cloth's folds included, for the skin. Live (with
    ``apart``) the most alike merge first, each object by the mean colour of all it has taken in
    (``merging.merged_within``), so no chain of in-between colours joins a dark hand to a brown leaf: on the
    made-up visitor scenes, with skin colour finding the hand, 0.855/0.870/0.838 -> 0.860/0.877/0.838 (three
    seeds), the worst group 0.826 -> 0.860 on the second. In photos it cost 0.000-0.005 (hands split along their
    shading), so they are joined pair by pair. ``lab``: float32
    (H, W, 3), the frame in 8-bit Lab as OpenCV gives it (L scaled to 0-255).
    ``apart``: bool (H, W), or None; regions mostly in it never join those mostly outside it (what differs from
    the empty scene is not one object with the wall it differs from, however alike their colours)."""
    height, width = regions.small.shape
    small_lab = cv2.resize(lab, (width, height), interpolation=cv2.INTER_AREA)
    count = regions.count
    flat = regions.small.ravel()
    area = np.maximum(np.bincount(flat, minlength=count), 1)
    colour = channel_sums(flat, small_lab, count) / area[:, None]
    border = shared_borders(regions.small, count)
    first, second = np.nonzero(np.triu(border > 0, 1))
    step = border_contrast(regions.small, small_lab, count)[first, second] / border[first, second]
    # alike on average and no sharp edge between them (a chain of in-between pieces must not join hand and leaf)
    near = (np.linalg.norm(colour[first] - colour[second], axis=1) <= tolerance) & (step <= SOFT_STEP)
    if apart is not None:
        side = np.bincount(flat, weights=regions.shrink(apart).ravel().astype(np.float64), minlength=count) / area > 0.5
        near &= side[first] == side[second]
    if apart is None:  # a photo: joined pair by pair
        component = components(count, first[near], second[near]).astype(np.int32)
    else:  # live: merged by their mean colours, not chained (a brown leaf's darker mottles linked a dark hand to it)
        component = merged_within(colour.astype(np.float64), area.astype(np.float64),
                                  first[near].astype(np.int64), second[near].astype(np.int64), float(tolerance))
    return Regions(component[regions.small], component[regions.full])


def split_by(first: Regions, second: Regions) -> Regions:
    """The regions where ``first`` and ``second`` agree: two pixels share one only if they share one in both."""
    pairs = first.small.astype(np.int64) * second.count + second.small
    _, labels = np.unique(pairs, return_inverse=True)
    labels = labels.reshape(first.small.shape).astype(np.int32)
    height, width = first.full.shape
    return Regions(labels, cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST))


def colour_regions(frame_bgr: np.ndarray) -> Regions:
    """The regions of one colour of a frame uint8 (H, W, 3)."""
    height, width = frame_bgr.shape[:2]
    small = cv2.resize(frame_bgr, (max(8, width // REGION_DIVISOR), max(8, height // REGION_DIVISOR)),
                       interpolation=cv2.INTER_AREA)
    labels = felzenszwalb(cv2.cvtColor(small, cv2.COLOR_BGR2RGB), scale=REGION_SCALE, sigma=0.8,
                          min_size=max(4, 80 // REGION_DIVISOR ** 2))
    labels = labels.astype(np.int32)
    return Regions(labels, cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST))


def whole_objects(foreground: np.ndarray, regions: Regions, difference: np.ndarray | None = None,
                  frame_bgr: np.ndarray | None = None, empty_bgr: np.ndarray | None = None,
                  share: float = OBJECT_SHARE) -> np.ndarray:
    """bool (H, W): ``foreground`` with every region that is mostly foreground taken whole — a hand or a leaf of
    nearly the backdrop's colour differs from the empty scene only in parts, but it is one region.

    With ``difference`` (float32 (H, W, 3): the frame's colour minus the empty scene's, as the foreground measures
    it) and the two pictures (uint8 (H, W, 3) BGR), so is every region whose mean colour moved ``REGION_SHIFT``
    from the empty scene's and whose tint moved ``REGION_TINT``: a leaf of nearly the wall's colour differs from it
    by less than the flicker of one pixel, but over a region the flicker averages away and the leaf's difference
    does not. The visitor's shadow and the camera's gain make a region lighter or darker, not of another tint."""
    labels = regions.full
    flat = labels.ravel()
    total = np.maximum(np.bincount(flat, minlength=regions.count), 1)
    inside = np.bincount(labels[foreground], minlength=regions.count)
    whole = inside / total >= share
    if difference is not None:
        moved = np.linalg.norm(channel_sums(flat, difference, regions.count) / total[:, None], axis=1) >= REGION_SHIFT

        def tint(picture: np.ndarray) -> np.ndarray:
            sums = channel_sums(flat, picture, regions.count) + 1.0
            return sums / sums.sum(axis=1, keepdims=True)

        whole |= moved & (100 * np.linalg.norm(tint(frame_bgr) - tint(empty_bgr), axis=1) >= REGION_TINT)
    return foreground | whole[labels]


def channel_sums(labels: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """float64 (count, 3): the sum of each of the three channels of ``values`` ((N, 3), or an image (H, W, 3) of
    N pixels) over the pixels of each label (``labels`` int (N,), 0..count-1)."""
    values = values.reshape(-1, 3)
    return np.stack([np.bincount(labels, weights=values[:, k], minlength=count) for k in range(3)], axis=1)


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
        self.colour = channel_sums(flat, lab[labels >= 0], count) / np.maximum(self.area, 1)[:, None]
        band = edge_band(labels.shape, 1) & (labels >= 0)
        self.edge = np.bincount(labels[band], minlength=count).astype(np.float64)
        self.border = shared_borders(codes, size)
        self.contrast = border_contrast(codes, lab, size)
        self.perimeter = self.border.sum(axis=1)
        # next to the hand, or across a thin seam of blended colour from it
        close = within(hands, HAND_SEAM) & (labels >= 0)
        self.by_hand = np.bincount(labels[close], minlength=count) > 0


def find_leaf(lab: np.ndarray, candidates: np.ndarray, hands: np.ndarray, regions: Regions,
              no_empty_scene: bool = False) -> np.ndarray:
    """bool (H, W): the leaf among ``candidates`` (bool (H, W): not backdrop, not hand); all False if none.

    lab: float32 (H, W, 3) the frame in Lab; hands: bool (H, W) the visitor's hands and arms; no_empty_scene: a
    photo, whose chosen leaf may grow whole by merged objects (``proposals.grown_whole``) and has its outline
    settled by a graph cut (``camera/graph_cut.py``).
    """
    small_candidates = regions.shrink(candidates)
    small_hands = regions.shrink(hands)
    height, width = regions.small.shape
    small_lab = cv2.resize(lab, (width, height), interpolation=cv2.INTER_AREA)
    labels = np.where(small_candidates & ~small_hands, regions.small, -1)
    table = _RegionTable(labels, small_lab, small_hands)
    members = choose(table, SMALLEST_LEAF * height * width, height * width, no_empty_scene) if table.count else None
    if members is None:
        return np.zeros(candidates.shape, bool)
    chosen = np.zeros(table.count + 2, bool)
    chosen[:table.count] = members
    small_leaf = chosen[np.where(labels >= 0, labels, table.outside)]
    leaf = cv2.resize(small_leaf.astype(np.uint8), (candidates.shape[1], candidates.shape[0]),
                      interpolation=cv2.INTER_NEAREST).astype(bool)
    allowed = candidates & ~hands
    leaf = fill_holes(leaf & candidates) & ~hands
    leaf = grow_by_colour(lab, leaf, allowed, hands)
    leaf = refine_outline(lab, leaf, allowed)
    leaf = settled_by_cut(lab, leaf, allowed, hands) if no_empty_scene else leaf
    return grown_by_margin(lab, leaf, allowed, hands)


def grow_by_colour(lab: np.ndarray, leaf: np.ndarray, allowed: np.ndarray, hands: np.ndarray,
                   reach: int = GROW_REACH) -> np.ndarray:
    """bool (H, W): ``leaf`` with what lies within ``reach`` pixels of it or of the fingers on it and has the
    leaf's colour rather than its surroundings': the teeth and tips a reduced-size segmentation rounds off, and
    the pieces of the leaf that fingers cut off it."""
    if leaf.sum() < 20:
        return leaf
    # everything below is decided within 4 reaches of the leaf and looks at most 2 reaches further
    rows, columns = box_around(leaf, 6 * reach + 1)
    grown = leaf.copy()
    grown[rows, columns] = _grown_by_colour(lab[rows, columns], leaf[rows, columns], allowed[rows, columns],
                                            hands[rows, columns], reach, lab[leaf])
    return grown


def _grown_by_colour(lab: np.ndarray, leaf: np.ndarray, allowed: np.ndarray, hands: np.ndarray, reach: int,
                     colours: np.ndarray) -> np.ndarray:
    """``grow_by_colour`` within a box around the leaf (``colours``: float32 (N, 3) all of the leaf's pixels)."""
    near_leaf = within(leaf, reach)
    fingers = hands & within(leaf, 3 * reach)  # a finger is up to ~3 reaches wide
    zone = within(leaf | fingers, reach) & allowed & ~leaf
    if not zone.any():
        return leaf
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
    next_to = cv2.dilate((leaf | fingers).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return touching(grown, next_to) | leaf


def refine_outline(lab: np.ndarray, leaf: np.ndarray, allowed: np.ndarray, reach: int = OUTLINE) -> np.ndarray:
    """bool (H, W): ``leaf`` with its outline decided pixel by pixel at full size: within ``reach`` pixels of the
    region's edge (which the reduced segmentation places only roughly), a pixel is leaf when its colour is
    nearer the leaf's colour close by than the colour of what surrounds the leaf close by."""
    band = within(leaf, reach) & within(~leaf, reach)
    band &= allowed
    inner = leaf & ~band
    outer = ~leaf & ~band  # the surroundings as the camera sees them, backdrop included
    if not band.any() or not inner.any() or not outer.any():
        return leaf
    rows, columns = box_around(band, 2 * reach + 1)  # what the band's colour windows reach
    refined = leaf.copy()
    refined[rows, columns] = _refined_band(lab[rows, columns], leaf[rows, columns], band[rows, columns],
                                           inner[rows, columns], outer[rows, columns], reach,
                                           lambda: lab[inner].mean(axis=0), lambda: lab[outer].mean(axis=0))
    # keep only what hangs together with the leaf (a stray pixel of leaf colour in the band is not leaf)
    return fill_holes(touching(refined, leaf)) & allowed


def _refined_band(lab, leaf, band, inner, outer, reach: int, leaf_overall, ground_overall) -> np.ndarray:
    """bool: ``leaf`` with the pixels of ``band`` decided by colour, all within a box around the band (arrays of the
    box's size; ``leaf_overall`` and ``ground_overall`` give the leaf's and the surroundings' mean colour over the
    whole frame, asked for only when a band pixel has none close by)."""
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
        leaf_here[alone] = leaf_overall()
    far = ground_weight[band] == 0
    if far.any():
        ground_here[far] = ground_overall()
    refined = leaf.copy()
    refined[band] = ((here - leaf_here) ** 2).sum(axis=1) < ((here - ground_here) ** 2).sum(axis=1)
    return refined
