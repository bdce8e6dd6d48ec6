"""Telling a visitor's hand and arm apart by their skin, whatever its tone.

Two stages, because no fixed colour box fits every skin under every light and also excludes
every brown leaf and maroon wall:

1. A broad **prior** (``SkinModel``): skin's hue in Lab, which the light level hardly moves
   (pale to dark skin all lie between about 50 and 75 degrees), with a modest chroma; the
   technician's calibration can add the venue's own Cr/Cb box. It finds skin-coloured pixels.
2. The **sure skin** among them (``sure_skin``): regions of one colour (``camera/regions.py``)
   split what the prior joined — a brown leaf, a beige shirt or a warm wall touching the hand
   is a region of its own behind a sharp edge. The skin is the region that comes in from the
   frame's edge no wider than an arm (or, with a sleeve over the arm, the thinnest: fingers, not
   a leaf's blade), with every other object of the colour fitted to it (a palm in shadow, a finger
   the leaf cuts off); wide parts at the edge larger than a palm (torso, wall) are not, nor is
   anything wider than a palm on that arm (a brown leaf in a hand of its colour). A detected hand
   (``camera/hands.py``) is sure skin by itself.
3. A **per-visitor colour model** (``SkinColours``: a Gaussian in Lab) is fitted to the sure
   skin, and everything of that visitor's colour connected to it is the hand and arm; where the
   region held a second colour, each pixel goes to the nearer of the two. So pale, pink, olive
   and dark skin are each matched to themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from leafdream.camera.masks import box_around, edge_band, shared_borders, steps_from_edge, touching

# regularises the fitted covariance (L, a, b): shading moves L a lot, the hue of skin very little
COLOUR_SPREAD = np.array([12.0, 3.5, 3.5], np.float32)
MATCH_DISTANCE = 3.2          # Mahalanobis distance that still counts as the visitor's skin
LIMB_RADIUS = 0.2             # share of the shorter side: nothing wider than twice this is an arm or a palm
LARGEST_PALM = 0.12           # share of the frame: a wide part larger than this is a torso or a wall
SEAM = 2.5                   # pixels: a region no thicker than this is a seam along an outline
MOST_OF_FRAME = 0.45          # a skin-coloured region larger than this share of the frame is a wall, not an arm
MOST_OF_EDGE = 0.4            # ... and so is one that runs along more than this share of the frame's edge
PALE_HUE_SPREAD = 15.0        # degrees the hue range widens for the palest, least saturated skin
PALE_YELLOW_SPREAD = 24.0     # degrees it widens towards yellow for pale skin under warm or greenish light...
PALE_YELLOW_CHROMA = (16.0, 26.0)  # ...fully at chromas below the first, not at all above the second
PALE_PINK_SPREAD = 14.0       # degrees it widens towards red for light, pale skin with a pink cast...
PALE_PINK_CHROMA = (15.0, 20.0)   # ...fully at chromas below the first, not at all above the second (a pink wall)
PALE_PINK_LIGHTNESS = (100.0, 130.0)  # ...and not at all below the first lightness (0-255), fully above the second
PALM_BREADTH = 1.5            # a palm is at most this many times as wide as the arm it is on
SMALLEST_HAND = 0.004        # share of the frame a hand covers at least
HAND_SHARE_OF_LARGEST = 0.25  # a hand holding a leaf covers at least this share of the largest skin-coloured object
HUE_GAP = 8.0                 # degrees between two objects' mean hues beyond which they are not one skin...
HUE_CHROMA = 12.0             # ...when both are at least this saturated (the hue of pale, grey colours is noise)
WIDE_SHARE = 0.5              # a region mostly wider than a palm is no part of a hand, not even its narrow rim...
SURE_SHARE = 0.25             # ...unless it holds this share of the arm chosen as skin


def fading(value: np.ndarray, full: float, none: float) -> np.ndarray:
    """float (same shape as ``value``): 1 where ``value`` is at or beyond ``full``, 0 at or beyond ``none`` on the
    other side, and linear between (``none`` may lie above ``full`` or below it)."""
    return np.clip((none - value) / (none - full), 0.0, 1.0)


@dataclass
class SkinModel:
    """The broad prior: skin's hue in Lab, which light level hardly moves (every tone lies between about
    50 and 75 degrees, from pale to dark), and a modest chroma; a calibration adds the venue's Cr/Cb box."""

    cr: tuple = (133, 180)
    cb: tuple = (72, 132)
    calibrated: bool = False
    hue: tuple = (35.0, 82.0)      # degrees of atan2(b, a)
    chroma: tuple = (5.0, 42.0)

    def mask(self, frame_bgr: np.ndarray, lab: np.ndarray | None = None) -> np.ndarray:
        lab = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2LAB).astype(np.float32) if lab is None else lab
        # camera noise scatters the hue of pale, low-chroma skin: judge the colour of a small neighbourhood
        a = cv2.GaussianBlur(lab[..., 1], (5, 5), 0) - 128
        b = cv2.GaussianBlur(lab[..., 2], (5, 5), 0) - 128
        hue = np.degrees(np.arctan2(b, a))
        chroma = np.hypot(a, b)
        # the paler the skin, the less saturated, and the wider its hue spreads under tinted light; towards
        # yellow most: the palest skin (type I) with an olive cast under warm light reads at 90-102 degrees,
        # where the prior found 0.78 of it in the made-up scenes (under half in 12 of 60), 0.93 with this
        spread = fading(chroma, 6.0, 18.0) * PALE_HUE_SPREAD
        towards_yellow = np.maximum(spread, fading(chroma, *PALE_YELLOW_CHROMA) * PALE_YELLOW_SPREAD)
        # and towards red for light skin with a pink cast (type I reads at 22-34 degrees there); a maroon wall or
        # a pink one is darker or more saturated
        dark, light = PALE_PINK_LIGHTNESS
        towards_red = np.maximum(spread, fading(chroma, *PALE_PINK_CHROMA) * PALE_PINK_SPREAD
                                 * fading(lab[..., 0], light, dark))
        skin = (hue >= self.hue[0] - towards_red) & (hue <= self.hue[1] + towards_yellow)
        skin &= (chroma >= self.chroma[0]) & (chroma <= self.chroma[1])
        skin &= (lab[..., 0] > 12) & (lab[..., 0] < 252)
        if self.calibrated:
            ycrcb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2YCrCb)
            cr, cb = ycrcb[..., 1], ycrcb[..., 2]
            skin &= (cr >= self.cr[0]) & (cr <= self.cr[1]) & (cb >= self.cb[0]) & (cb <= self.cb[1])
        return skin


@dataclass
class SkinColours:
    """One visitor's skin (or, in ``camera/depth_order.py``, what lies behind a leaf): a Gaussian colour, mean
    float32 (3,) and inverse covariance float32 (3, 3) in Lab."""

    mean: np.ndarray
    inverse: np.ndarray

    @classmethod
    def fit(cls, lab_pixels: np.ndarray) -> "SkinColours | None":
        """From float32 (N, 3) Lab pixels known to be skin; None with fewer than 40."""
        if len(lab_pixels) < 40:
            return None
        mean = lab_pixels.mean(axis=0)
        covariance = np.cov(lab_pixels, rowvar=False) + np.diag(COLOUR_SPREAD ** 2)
        return cls(mean.astype(np.float32), np.linalg.inv(covariance).astype(np.float32))

    def distance(self, lab: np.ndarray) -> np.ndarray:
        """float32 (H, W): each pixel's Mahalanobis distance from this skin."""
        centred = lab.reshape(-1, 3) - self.mean
        squared = ((centred @ self.inverse) * centred).sum(axis=1)
        return np.sqrt(np.maximum(squared, 0)).reshape(lab.shape[:2])


def same_hue(first: np.ndarray, second: np.ndarray) -> bool:
    """Whether two sets of Lab pixels float32 (N, 3) could be one skin in light and shade: shading moves lightness
    and saturation, hardly the hue; a brown leaf of a hand's lightness and saturation is yellower or redder."""
    (a1, b1), (a2, b2) = first[:, 1:].mean(axis=0) - 128, second[:, 1:].mean(axis=0) - 128
    if min(np.hypot(a1, b1), np.hypot(a2, b2)) < HUE_CHROMA:
        return True
    gap = abs(np.degrees(np.arctan2(b1, a1) - np.arctan2(b2, a2)))
    return min(gap, 360.0 - gap) <= HUE_GAP


def thick_parts(mask: np.ndarray, radius: float) -> np.ndarray:
    """bool (H, W): the parts of ``mask`` wider than 2 x ``radius`` (a torso, a wall), as an opening with a disc."""
    inside = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    core = inside > radius
    if not core.any():
        return core
    return (cv2.distanceTransform((~core).astype(np.uint8), cv2.DIST_L2, 3) <= radius) & mask


def edge_contact(mask: np.ndarray) -> int:
    """How many pixels of ``mask`` (bool (H, W)) lie on the frame's edge, on the side it touches most."""
    return int(max(mask[0].sum(), mask[-1].sum(), mask[:, 0].sum(), mask[:, -1].sum()))


def arm_radius(limb: np.ndarray) -> float:
    """Half the width of the arm in ``limb`` (bool (H, W)) where it comes in over the frame's edge (the length of
    its contact with the edge, halved), or with no contact the limb's own thickness (90th percentile)."""
    contact = edge_contact(limb)
    if contact >= 4:
        return contact / 2.0
    inside = cv2.distanceTransform(limb.astype(np.uint8), cv2.DIST_L2, 3)
    return float(np.percentile(inside[limb], 90)) if limb.any() else 0.0


def wider_than_a_hand(mask: np.ndarray, radius: float) -> np.ndarray:
    """bool (H, W): the parts of ``mask`` wider than a palm on an arm of ``radius``: a leaf of the visitor's own
    colour (a brown leaf in a dark hand) that colour alone joined to the hand."""
    if radius <= 0:
        return np.zeros(mask.shape, bool)
    return thick_parts(mask, PALM_BREADTH * radius)


def without_wide_objects(mask: np.ndarray, radius: float, regions: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``mask`` (bool (H, W): an arm with the objects of its colour) less what is wider than a palm on an arm
    of ``radius``, and less every region of ``regions`` (int32 (H, W), regions of one colour split at sharp edges)
    whose pixels in ``mask`` are mostly that wide — unless it holds much of ``keep`` (bool (H, W), the arm chosen
    as skin). Cutting the wide pixels alone left a brown leaf's rim and long tip on the hand; the visitor's colour
    fitted to them then took the whole leaf for skin."""
    wide = wider_than_a_hand(mask, radius)
    if not wide.any():
        return mask
    count = int(regions.max()) + 1
    share = np.bincount(regions[wide], minlength=count) / np.maximum(np.bincount(regions[mask], minlength=count), 1)
    kept = np.bincount(regions[keep & mask], minlength=count) >= SURE_SHARE * max((keep & mask).sum(), 1)
    return mask & ~wide & ~((share >= WIDE_SHARE) & ~kept)[regions]


def touching_edge(mask: np.ndarray) -> np.ndarray:
    """bool (H, W): the connected parts of ``mask`` that reach the frame's edge."""
    return touching(mask, edge_band(mask.shape))


def large_thick_parts(mask: np.ndarray) -> np.ndarray:
    """bool (H, W): the wide parts of ``mask`` that reach the frame's edge and are larger than any palm: a torso
    in skin-coloured clothes, a wall, a table — never a hand."""
    height, width = mask.shape
    thick = touching_edge(thick_parts(mask, LIMB_RADIUS * min(height, width)))
    count, pieces, stats, _ = cv2.connectedComponentsWithStats(thick.astype(np.uint8), connectivity=8)
    large = np.nonzero(stats[:, cv2.CC_STAT_AREA] > LARGEST_PALM * height * width)[0]
    return np.isin(pieces, large[large > 0])


def limbs(candidates: np.ndarray) -> np.ndarray:
    """bool (H, W): the regions of ``candidates`` large enough to be a hand or an arm (with whatever
    skin-coloured thing they touch; ``sure_skin`` sorts that out). A hand need not reach the frame's edge:
    a sleeve may cover the arm."""
    height, width = candidates.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidates.astype(np.uint8), connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    keep = (area >= SMALLEST_HAND * height * width) & (area <= MOST_OF_FRAME * height * width)
    keep[0] = False
    return keep[labels]


def _skin_regions(matching: np.ndarray, regions: np.ndarray, sure: np.ndarray) -> np.ndarray:
    """bool (count,): the regions that may hold skin: mostly of the visitor's colour (or holding sure skin), and
    neither most of the frame nor along most of its edge (a wall, a backdrop)."""
    count = int(regions.max()) + 1
    height, width = regions.shape
    total = np.bincount(regions.ravel(), minlength=count)
    share = np.bincount(regions[matching], minlength=count) / np.maximum(total, 1)
    holds_sure = np.bincount(regions[sure], minlength=count) > 0
    edge = np.bincount(regions[edge_band(regions.shape)], minlength=count) / 2
    wall = (total > MOST_OF_FRAME * height * width) | (edge > MOST_OF_EDGE * 2 * (height + width))
    # a seam of mixed colour along an outline (leaf against wall can blend to a skin colour) is thin: its area
    # is hardly more than its border
    perimeter = shared_borders(regions, count).sum(axis=1)
    seam = total < SEAM * np.maximum(perimeter, 1)
    return ((share >= 0.5) & ~seam & ~wall) | holds_sure


def _without_torso(mask: np.ndarray) -> np.ndarray:
    """``mask`` less its wide parts at the frame's edge larger than a palm — unless that leaves too little to be
    a hand (a hand close to the camera is wide and large too)."""
    rest = mask & ~large_thick_parts(mask)
    return rest if rest.sum() >= max(100, 0.2 * mask.sum()) else mask


def sure_skin(limb: np.ndarray, lab: np.ndarray, regions: np.ndarray | None = None,
              foreground: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(sure, other): bool (H, W) the pixels of ``limb`` surest to be skin, and those of other things it holds
    (None when it holds nothing else). A skin-coloured region may have swallowed a brown leaf, a beige shirt
    or a wall it touches. ``regions`` (int32 (H, W), regions of one colour split at sharp edges) tell those
    objects apart; one that is mostly a wide part at the frame's edge (a torso, a wall) is not skin; of the
    rest, the skin is what comes in from the frame's edge (an arm reaches in from outside), or with no arm in
    view the thinnest (fingers, not a leaf's blade), with every object of the same hue (shading splits a hand
    more than it changes its hue). ``foreground`` (bool (H, W), live only: what differs from the empty scene)
    finds the arm under a sleeve: the object nearest the frame's edge through the visitor (sleeve, arm), not
    through a torso — the leaf it holds lies beyond it."""
    if regions is None or not limb.any():
        return _without_torso(limb), None
    count = int(regions.max()) + 1
    total = np.bincount(regions.ravel(), minlength=count)
    inside = np.bincount(regions[limb], minlength=count)
    labels = np.nonzero((inside >= max(40, SMALLEST_HAND * limb.size / 2)) & (inside >= 0.3 * total))[0]

    def thickness(member):
        rows, columns = box_around(member, 1)  # the distance to the nearest pixel outside, found in its own box
        boxed = member[rows, columns]
        width = cv2.distanceTransform(boxed.astype(np.uint8), cv2.DIST_L2, 3)
        return np.percentile(width[boxed], 90)

    # the thin seams of mixed colour the segmentation leaves along outlines are no objects of their own; each
    # object's thickness is worked out once (a distance transform of the object's own box)
    pieces = [(regions == label) & limb for label in labels]
    kept = [(m, width) for m, width in zip(pieces, map(thickness, pieces)) if width >= SEAM]
    if not kept:
        return _without_torso(limb), None
    objects = [m for m, _ in kept]
    if len(objects) == 1:  # one object; the rest of the limb is bits of other regions (a leaf's skin-coloured rim)
        return _without_torso(objects[0]), None
    width_of = {id(m): width for m, width in kept}
    band = edge_band(limb.shape, 3)
    least_torso = LARGEST_PALM * limb.size / 2
    torsos = {id(m) for m in objects
              if m.sum() > least_torso and large_thick_parts(m).sum() > 0.5 * m.sum()}
    candidates = [m for m in objects if id(m) not in torsos] or objects
    limb_width = LIMB_RADIUS * min(limb.shape)
    # an arm comes in over the edge as wide as it is, and no wider: a leaf's tip or lobe that touches the edge
    # does not, nor does a torso along it
    from_edge = [m for m in candidates if (m & band).sum() >= 20 and width_of[id(m)] <= limb_width
                 and width_of[id(m)] <= edge_contact(m) <= 2 * limb_width]
    reach = None
    if not from_edge and foreground is not None:
        reach = steps_from_edge(foreground & ~large_thick_parts(foreground))
    if from_edge:  # the arm reaching in: the largest part at the edge no wider than an arm
        chosen = max(from_edge, key=lambda m: m.sum())
    elif reach is not None and np.isfinite(min(reach[m].min() for m in candidates)):
        chosen = min(candidates, key=lambda m: reach[m].min())  # a sleeve over the arm: the hand comes next
    else:  # no arm in view (a sleeve): fingers are thinner than a leaf's blade — of objects a hand's size, not flecks
        largest = max(m.sum() for m in candidates)
        chosen = min((m for m in candidates if m.sum() >= HAND_SHARE_OF_LARGEST * largest),
                     key=lambda m: width_of[id(m)])
    # the rest of the hand is shaded differently but of the same skin (a finger the leaf cuts off, a palm in
    # shadow): of the colour fitted to the chosen part; a brown leaf or a beige shirt is not
    chosen_lab = lab[chosen]
    colours = SkinColours.fit(chosen_lab)
    skin = chosen.copy()
    for member in objects:
        if member is chosen or id(member) in torsos or colours is None:
            continue
        member_lab = lab[member]
        if np.median(colours.distance(member_lab[None])) < MATCH_DISTANCE and same_hue(chosen_lab, member_lab):
            skin |= member
    skin = without_wide_objects(skin, arm_radius(skin), regions, chosen)
    other = limb & ~skin & np.any(objects, axis=0)
    return _without_torso(skin), (other if other.sum() >= 40 else None)


def hands_and_arms(frame_bgr: np.ndarray, lab: np.ndarray, foreground: np.ndarray, prior: SkinModel,
                   detected: np.ndarray | None = None, grow: int = 3, regions: np.ndarray | None = None,
                   no_empty_scene: bool = False, reach: np.ndarray | None = None) -> np.ndarray:
    """bool (H, W): the visitor's hands and arms, grown by ``grow`` pixels (their edge is unknown too).

    foreground: bool (H, W) where anything but the empty scene may be; detected: bool (H, W) hands a
    detector found (None without one); regions: int32 (H, W) regions of one colour (camera/regions.py);
    no_empty_scene: a photo, where nothing was learnt to tell the backdrop by; reach: bool (H, W) where the
    detected hands' arms can be (``hands.arm_reach``): skin of their colour elsewhere is not theirs.
    """
    candidates = cv2.medianBlur((prior.mask(frame_bgr, lab) & foreground).astype(np.uint8), 5).astype(bool)
    limb = limbs(candidates)
    other = None
    if detected is not None and detected.any():
        sure = cv2.erode(detected.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    else:
        sure, other = sure_skin(limb, lab, regions, None if no_empty_scene else foreground)
    colours = SkinColours.fit(lab[sure])
    if colours is None:
        hands = (limb & ~large_thick_parts(limb)) if detected is None else detected
    else:
        distance = colours.distance(lab)
        matching = (distance < MATCH_DISTANCE) & (foreground | limb)
        if reach is not None:
            matching &= reach
        rival = SkinColours.fit(lab[other]) if other is not None else None
        if rival is not None:  # two colours in one region: each pixel goes to the nearer
            matching &= distance < rival.distance(lab)
        if regions is not None and no_empty_scene:  # a photo: a wall near the visitor's colour is one region, no hand
            matching &= _skin_regions(matching, regions, sure)[regions]
        matching = cv2.morphologyEx(matching.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)).astype(bool)
        # a wide part at the edge the sure skin hardly reaches is a torso or a wall of the visitor's colour
        _, wide = cv2.connectedComponents(large_thick_parts(matching).astype(np.uint8), connectivity=8)
        for label in range(1, wide.max() + 1):
            part = wide == label
            if (part & sure).sum() < 0.1 * part.sum():
                matching &= ~part
        hands = touching(matching, sure)
        hands &= ~wider_than_a_hand(hands, arm_radius(detected if detected is not None else hands))
        if detected is not None:
            hands |= detected
    if not hands.any():
        return hands
    return cv2.dilate(hands.astype(np.uint8), np.ones((grow, grow), np.uint8)).astype(bool)
