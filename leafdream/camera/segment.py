"""Segmenting a camera frame into leaf, background and unknown (a hand or other occluder).

* Background: a learned picture of the empty scene (a running mean of frames without a
  leaf, in Lab colour so a change of light moves mostly L); a pixel far from it in colour
  is foreground.
* Hands: a skin model in YCrCb (Cr/Cb box, calibratable); skin-coloured regions that reach
  the frame's edge (a hand comes from outside the picture), slightly grown, are unknown —
  the network will fill them. Brown and red leaves share skin's colours, so a skin-coloured
  region wholly inside the frame counts as leaf; one that touches a hand is still lost to it.
* Leaf: the foreground that is not skin; its largest connected component and the pieces
  fingers cut off it, holes filled.
* Presence: hysteresis on the leaf's area, so "a leaf is there" does not flicker.

Frames that are black, white, noise, the wrong size or type give "no leaf", never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np


@dataclass
class SkinModel:
    cr: tuple = (135, 180)
    cb: tuple = (80, 130)

    def mask(self, frame_bgr: np.ndarray) -> np.ndarray:
        ycrcb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2YCrCb)
        cr, cb = ycrcb[..., 1], ycrcb[..., 2]
        return (cr >= self.cr[0]) & (cr <= self.cr[1]) & (cb >= self.cb[0]) & (cb <= self.cb[1])


def hands_in(skin_coloured: np.ndarray, grow: int = 7) -> np.ndarray:
    """Skin-coloured regions (bool (H, W)) that reach the image's edge — hands come from outside —
    grown by ``grow`` pixels. A skin-coloured region wholly inside is more likely a brown or red leaf."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(skin_coloured.astype(np.uint8), connectivity=8)
    height, width = skin_coloured.shape
    hands = np.zeros(skin_coloured.shape, np.uint8)
    for label in range(1, count):
        x, y, w, h = stats[label, :4]
        if x <= 2 or y <= 2 or x + w >= width - 2 or y + h >= height - 2:
            hands[labels == label] = 1
    return cv2.dilate(hands, np.ones((grow, grow), np.uint8)).astype(bool)


def leaf_pieces(labels: np.ndarray, stats: np.ndarray, hands: np.ndarray, least_share: float = 0.02) -> np.ndarray:
    """uint8 (H, W): the largest leaf component, and the pieces a hand cuts off it.

    Fingers across a leaf split what the camera sees into pieces; a piece that touches the
    same hand as the largest one, and is at least ``least_share`` of its area, is the same
    leaf. labels, stats: from cv2.connectedComponentsWithStats of the leaf pixels;
    hands: bool (H, W) the unknown (hand) pixels.
    """
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = 1 + int(np.argmax(areas))
    keep = labels == largest
    if len(areas) > 1 and hands.any():
        _, hand_labels = cv2.connectedComponents(
            cv2.dilate(hands.astype(np.uint8), np.ones((5, 5), np.uint8)), connectivity=8)
        touching = set(np.unique(hand_labels[keep])) - {0}
        for label in range(1, len(areas) + 1):
            if label == largest or areas[label - 1] < least_share * areas[largest - 1]:
                continue
            piece = labels == label
            if touching & (set(np.unique(hand_labels[piece])) - {0}):
                keep |= piece
    return keep.astype(np.uint8)


@dataclass
class Segmentation:
    leaf: np.ndarray      # float32 (H, W) 1 = leaf (visible part)
    hidden: np.ndarray    # bool (H, W) unknown pixels (hand, occluders, frame edge)
    present: bool         # the hysteresis decision: is a leaf being shown?
    area: float           # share of the frame that is leaf
    frame_time: float = 0.0  # when the frame this came from arrived (the capture clock)


@dataclass
class Segmenter:
    shape: tuple                       # (H, W) the camera's frame size
    threshold: float = 18.0            # colour distance (Lab) from the background that makes foreground
    skin: SkinModel = field(default_factory=SkinModel)
    on_area: float = 0.02              # leaf share of the frame that turns presence on...
    off_area: float = 0.008            # ...and off
    on_frames: int = 3
    off_frames: int = 8
    learning_rate: float = 0.05
    background: np.ndarray | None = None
    present: bool = False
    _streak: int = 0

    def learn_background(self, frame_bgr: np.ndarray, rate: float | None = None) -> None:
        """Fold a frame known to be empty into the background picture."""
        lab = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2LAB).astype(np.float32)
        if self.background is None:
            self.background = lab
        else:
            cv2.accumulateWeighted(lab, self.background, rate if rate is not None else self.learning_rate)

    def colour_distance(self, frame_bgr: np.ndarray) -> np.ndarray:
        """float32 (H, W): each pixel's colour distance (Lab) from the learnt background."""
        lab = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2LAB).astype(np.float32)
        difference = lab - self.background
        difference[..., 0] *= 0.35  # light changes move L most; leaves differ in colour too
        return np.sqrt((difference ** 2).sum(axis=2))

    def _hands(self, skin_coloured: np.ndarray) -> np.ndarray:
        return hands_in(skin_coloured)

    def _valid(self, frame) -> bool:
        return (isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 3
                and frame.shape[:2] == tuple(self.shape) and frame.shape[2] == 3)

    def segment(self, frame_bgr) -> Segmentation:
        empty = Segmentation(np.zeros(self.shape, np.float32), np.zeros(self.shape, bool), False, 0.0)
        if not self._valid(frame_bgr) or self.background is None:
            return self._decide(empty)
        distance = self.colour_distance(frame_bgr)
        foreground = cv2.medianBlur((distance > self.threshold).astype(np.uint8), 5).astype(bool)
        skin = self._hands(self.skin.mask(frame_bgr) & foreground)
        leaf = foreground & ~skin
        count, labels, stats, _ = cv2.connectedComponentsWithStats(leaf.astype(np.uint8), connectivity=8)
        if count <= 1:
            return self._decide(Segmentation(np.zeros(self.shape, np.float32), skin, False, 0.0))
        blob = leaf_pieces(labels, stats, skin)
        # fill holes (veins, glare) inside the leaf, but never into the hand
        contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        filled = np.zeros_like(blob)
        cv2.drawContours(filled, contours, -1, 1, -1)
        leaf_mask = filled.astype(bool) & ~skin
        hidden = skin.copy()
        edge = np.zeros(self.shape, bool)
        edge[:2, :], edge[-2:, :], edge[:, :2], edge[:, -2:] = True, True, True, True
        if (leaf_mask & edge).any():  # a leaf cut by the frame edge: beyond it is unknown, not background
            hidden |= cv2.dilate((leaf_mask & edge).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~leaf_mask
        area = float(leaf_mask.mean())
        return self._decide(Segmentation(leaf_mask.astype(np.float32), hidden, False, area))

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
