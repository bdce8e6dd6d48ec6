"""The small map of leaf space in a frame's corner, with the training leaves as dots and a ring."""

from __future__ import annotations

import cv2
import numpy as np

from leafdream.leafspace.space import LeafSpace


def inset_rect(height: int, width: int) -> tuple[int, int, int]:
    """(left, top, side) of the small map in the frame's bottom-right corner (at least 48 px, never more than
    half the frame's height: a thumbnail-sized preview gets a smaller map, not a broken one)."""
    side = max(1, min(max(48, height // 5), height // 2, width // 2))
    margin = side // 8
    return width - side - margin, height - side - margin, side


class MapInset:
    """Draws ``space`` into a frame's corner; the dots are drawn once per size and cached."""

    def __init__(self, space: LeafSpace):
        self.space = space
        self._dots: np.ndarray | None = None

    def dots(self, side: int) -> np.ndarray:
        """uint8 (side, side, 3): every training leaf as a dim dot."""
        if self._dots is None or self._dots.shape[0] != side:
            dots = np.zeros((side, side, 3), np.uint8)
            for x, y in self.space.positions:
                cv2.circle(dots, (int(x * (side - 1)), int(y * (side - 1))), 1, (90, 110, 90), -1, cv2.LINE_AA)
            self._dots = dots
        return self._dots

    def draw(self, frame: np.ndarray, position, brightness: float = 1.0, highlight=None) -> None:
        """Draw the map into the corner of ``frame`` (uint8 (H, W, 3)) and ring ``position`` (x, y) in [0, 1];
        ``highlight``: indices of training leaves drawn stronger (e.g. a visitor's leaf's relatives).

        On a dark palette the map lightens the corner, on a light one (paper, bone) it darkens it."""
        height, width = frame.shape[:2]
        left, top, side = inset_rect(height, width)
        region = frame[top:top + side, left:left + side]
        dots = self.dots(side)
        if brightness < 1.0:
            dots = (dots * brightness).astype(np.uint8)
        light_ground = region.mean() > 128
        if light_ground:
            np.minimum(region, 255 - dots, out=region)
        else:
            np.maximum(region, dots, out=region)

        def ink(colour):
            colour = np.array(colour, np.float32) * brightness
            return tuple(int(c) for c in ((255 - colour) if light_ground else colour))

        if highlight is not None:
            for x, y in self.space.positions[np.asarray(highlight)]:
                cv2.circle(frame, (left + int(x * (side - 1)), top + int(y * (side - 1))), 2, ink((150, 200, 150)), -1,
                           cv2.LINE_AA)
        if position is not None:
            x, y = position
            cv2.circle(frame, (left + int(x * (side - 1)), top + int(y * (side - 1))), max(3, side // 40),
                       ink((235, 245, 220)), 1, cv2.LINE_AA)
