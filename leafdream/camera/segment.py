"""Segmenting a camera frame into leaf, the visitor's hand and arm (unknown), and everything else.

* Foreground: with a learnt picture of the empty scene (live), a pixel far from it in colour
  (Lab, light changes weigh less), by a threshold learnt from how much the empty scene flickers
  while it is learnt (or a calibration's), and every region whose mean colour and tint moved from it
  (``regions.whole_objects``: a leaf of nearly the wall's colour), but not the backdrop only darkened
  (``camera/shadows.py``: the visitor's shadow, the camera's gain); without one (a single photo), every
  pixel may be anything.
* Hands and arms: ``camera/skin.py`` — a broad skin prior, the limb that reaches in from the
  frame's edge, then that visitor's own skin colour; a hand detector's hands when one runs
  (``camera/hands.py``). They are unknown: the network fills what they hide.
* Leaf: ``camera/regions.py`` and ``camera/proposals.py`` — of what is left, the object that
  stays inside the frame (a torso, sleeve or wall reaches in from the edge), is large, is held by
  the hand and has a sharp outline, with what it encloses, the pieces fingers cut off it and its
  margin of another colour (``camera/margin.py``).
  Within the leaf's outline, whatever is there but is not leaf lies over it: unknown too — except what
  shows between the lobes from behind (``camera/depth_order.py``).
* Presence: hysteresis on the leaf's area, so "a leaf is there" does not flicker.

Frames that are black, white, noise, the wrong size or type give "no leaf", never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from leafdream.camera.regions import colour_regions, find_leaf, joined, split_by, superpixels, whole_objects
from leafdream.camera.depth_order import lying_over
from leafdream.camera.masks import box_around, edge_band, within, within_outline
from leafdream.camera.shadows import shadowed
from leafdream.camera.skin import SkinModel, hands_and_arms


# the foreground threshold learnt from the empty scene: this many times its flicker (p99.5 of each new empty
# frame's colour distance from the picture learnt so far: sensor noise, compression), within these bounds
NOISE_FACTOR = 3.0
MIN_THRESHOLD, MAX_THRESHOLD = 10.0, 40.0
FLICKER_FRAMES = 60  # the newest empty frames whose flicker is kept
HAND_MARGIN = 2  # pixels around the hand where what is not leaf is unknown (its outline blends into the leaf)
SKIN_THRESHOLD_SHARE = 0.5  # of the foreground threshold, for skin-coloured pixels


@dataclass
class Segmentation:
    leaf: np.ndarray      # float32 (H, W) 1 = leaf (visible part)
    hidden: np.ndarray    # bool (H, W) unknown pixels (hand, occluders, frame edge)
    present: bool         # the hysteresis decision: is a leaf being shown?
    area: float           # share of the frame that is leaf
    frame_time: float = 0.0  # when the frame this came from arrived (the capture clock)

    def at_size(self, shape) -> "Segmentation":
        """This segmentation at another frame size (H, W): the leaf resampled smoothly and kept where over half, the
        hidden pixels resampled as they are (nearest), never on the leaf."""
        if self.leaf.shape == tuple(shape):
            return self
        height, width = shape
        leaf = cv2.resize(self.leaf, (width, height), interpolation=cv2.INTER_LINEAR) > 0.5
        hidden = cv2.resize(self.hidden.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)
        return Segmentation(leaf.astype(np.float32), hidden & ~leaf, self.present, self.area, self.frame_time)


def noise_threshold(noise_level: float) -> float:
    """The foreground threshold (Lab distance) for an empty scene that flickers by ``noise_level``."""
    return float(np.clip(NOISE_FACTOR * noise_level, MIN_THRESHOLD, MAX_THRESHOLD))


@dataclass
class Segmenter:
    shape: tuple                       # (H, W) the camera's frame size
    threshold: float = 18.0            # colour distance (Lab) from the background that makes foreground...
    learn_threshold: bool = True       # ...until the empty scene's flicker is measured (a calibration fixes it)
    skin: SkinModel = field(default_factory=SkinModel)
    on_area: float = 0.02              # leaf share of the frame that turns presence on...
    off_area: float = 0.008            # ...and off
    on_frames: int = 3
    off_frames: int = 8
    learning_rate: float = 0.05
    background: np.ndarray | None = None
    without_background: bool = False  # a single photo: segment with no empty scene
    detector: object = None            # a HandDetector (camera/hands.py), or None: skin colour alone
    present: bool = False
    _streak: int = 0
    _learnt: int = 0                   # empty frames folded in so far
    _flicker: list = field(default_factory=list)  # float32 (n,) samples of each one's distance from the picture
    noise_level: float | None = None   # p99.5 of those distances: how much the empty scene flickers; None unmeasured
    _empty_bgr: tuple = (None, -1)     # the empty scene in BGR uint8, and the _learnt count it was made at

    def learn_background(self, frame_bgr: np.ndarray, rate: float | None = None, measure: bool = False) -> None:
        """Fold a frame known to be empty into the background picture. ``measure``: the frame is one of those
        the empty scene is learnt from at the start (not a frame later found to hold no leaf, which may hold a
        visitor): measure how much the empty scene flickers, and (``learn_threshold``) set the threshold from it."""
        lab = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2LAB).astype(np.float32)
        self._learnt += 1
        if self.background is None:
            self.background = lab
            return
        if measure and self._learnt > 3:  # the first pictures are too few frames' mean to measure against
            self._flicker = self._flicker[-(FLICKER_FRAMES - 1):] + [self.colour_distance(frame_bgr, lab).ravel()[::7]]
            self.noise_level = float(np.percentile(np.concatenate(self._flicker), 99.5))
            if self.learn_threshold:
                self.threshold = noise_threshold(self.noise_level)
        cv2.accumulateWeighted(lab, self.background, rate if rate is not None else self.learning_rate)

    def empty_bgr(self) -> np.ndarray:
        """uint8 (H, W, 3): the learnt empty scene in BGR, converted again only after ``learn_background``
        changed it (frames with a visitor in view leave it as it is)."""
        picture, made_at = self._empty_bgr
        if picture is None or made_at != self._learnt:
            picture = cv2.cvtColor(np.clip(self.background, 0, 255).astype(np.uint8), cv2.COLOR_LAB2BGR)
            self._empty_bgr = (picture, self._learnt)
        return picture

    def colour_difference(self, frame_bgr: np.ndarray, lab: np.ndarray | None = None) -> np.ndarray:
        """float32 (H, W, 3): each pixel's colour minus the learnt background's (Lab, L weighing less: light
        changes move L most; leaves differ in colour too). ``lab``: the frame in Lab, when the caller has it."""
        lab = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2LAB).astype(np.float32) if lab is None else lab
        difference = lab - self.background
        difference[..., 0] *= 0.35
        return difference

    def colour_distance(self, frame_bgr: np.ndarray, lab: np.ndarray | None = None) -> np.ndarray:
        """float32 (H, W): each pixel's colour distance from the learnt background (``colour_difference``)."""
        return np.linalg.norm(self.colour_difference(frame_bgr, lab), axis=2)

    def _valid(self, frame) -> bool:
        return (isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 3
                and frame.shape[:2] == tuple(self.shape) and frame.shape[2] == 3)

    def foreground(self, frame_bgr: np.ndarray, share: float = 1.0, distance: np.ndarray | None = None) -> np.ndarray:
        """bool (H, W): what differs from the empty scene by more than ``share`` x the threshold; everything
        when there is none (a photo). ``distance``: the frame's ``colour_distance``, when already known."""
        if self.background is None:
            return np.ones(self.shape, bool)
        distance = self.colour_distance(frame_bgr) if distance is None else distance
        return cv2.medianBlur((distance > self.threshold * share).astype(np.uint8), 5).astype(bool)

    def segment(self, frame_bgr) -> Segmentation:
        if not self._valid(frame_bgr) or (self.background is None and not self.without_background):
            return self._decide(Segmentation(np.zeros(self.shape, np.float32), np.zeros(self.shape, bool), False, 0.0))
        lab = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2LAB).astype(np.float32)
        difference = self.colour_difference(frame_bgr, lab) if self.background is not None else None
        distance = np.linalg.norm(difference, axis=2) if difference is not None else None
        foreground = self.foreground(frame_bgr, distance=distance)
        detected = self.detector.hands(frame_bgr) if self.detector is not None else None
        # where the detected hands' arms can be (a detector that knows no landmarks gives none)
        reach = getattr(self.detector, "arm_reach", None) if detected is not None and detected.any() else None
        pieces = superpixels(frame_bgr)
        near_empty = foreground
        if self.background is not None:
            empty_bgr = self.empty_bgr()
            # the visitor's shadow and the camera's gain darken the backdrop: no object (camera/shadows.py)
            foreground &= ~cv2.medianBlur(shadowed(frame_bgr, empty_bgr).astype(np.uint8), 5).astype(bool)
            foreground = whole_objects(foreground, pieces, difference, frame_bgr, empty_bgr)
            # pale skin in front of a pale wall differs from it mostly in hue: skin needs less difference
            near_empty = self.foreground(frame_bgr, SKIN_THRESHOLD_SHARE, distance)
        # objects for the skin: superpixels of one colour joined (never across what differs from the empty scene
        # and what does not), split again where Felzenszwalb's regions split between flat colours. They tell the
        # skin from what it touches when no hand was detected, and in a photo a wall of skin colour from a hand;
        # live, with a detected hand, nothing reads them (measured: 19 ms a frame instead of 24)
        regions = None
        if self.background is None or detected is None or not detected.any():
            joined_pieces = joined(pieces, lab, near_empty if self.background is not None else None)
            regions = split_by(joined_pieces, colour_regions(frame_bgr)).full
        hands = hands_and_arms(frame_bgr, lab, near_empty, self.skin, detected, regions=regions,
                               no_empty_scene=self.background is None, reach=reach)
        leaf_mask = find_leaf(lab, foreground & ~hands, hands, pieces, no_empty_scene=self.background is None)
        if not leaf_mask.any():
            return self._decide(Segmentation(np.zeros(self.shape, np.float32), hands, False, 0.0))
        # the hand's outline blends into what it lies on: what near it is not found to be leaf is unknown too
        hidden = within(hands, HAND_MARGIN) & ~leaf_mask
        # within the leaf's outline, what is there but not leaf (live: differs from the empty scene; a photo: has
        # a skin colour) lies over it — unless it is what lies beyond the outline, seen between the lobes — and,
        # live, so does anything of a skin colour there: the fingers the visitor's own skin colour missed
        outline = within_outline(leaf_mask)
        # live, skin colour is looked for only where it matters, for the frame's time; in a photo, where it stands
        # for what is there, all over: what of it lies beyond the outline tells a wall seen between the lobes
        rows, columns = box_around(outline, 3) if self.background is not None else (slice(None), slice(None))
        skin_coloured = np.zeros(self.shape, bool)
        skin_coloured[rows, columns] = self.skin.mask(frame_bgr[rows, columns], lab[rows, columns])
        there = foreground if self.background is not None else skin_coloured
        hidden |= lying_over(there & ~leaf_mask & ~hands, leaf_mask, lab, outline)
        if self.background is not None:  # in a photo skin colour is all that is there: it went through lying_over
            hidden |= skin_coloured & there & ~leaf_mask & outline
        edge = edge_band(self.shape)
        if (leaf_mask & edge).any():  # a leaf cut by the frame edge: beyond it is unknown, not background
            hidden |= cv2.dilate((leaf_mask & edge).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~leaf_mask
        return self._decide(Segmentation(leaf_mask.astype(np.float32), hidden, False, float(leaf_mask.mean())))

    def _decide(self, result: Segmentation) -> Segmentation:
        wanted = result.area >= (self.off_area if self.present else self.on_area)
        if wanted != self.present:
            self._streak += 1
            if self._streak >= (self.on_frames if wanted else self.off_frames):
                self.present, self._streak = wanted, 0
        else:
            self._streak = 0
        result.present = self.present
        return result
