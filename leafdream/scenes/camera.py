"""The camera scene: the visitor's leaf, with what their hand hides filled in by the network.

The leaf the visitor holds up is drawn as a silhouette; the part the network imagined
behind their fingers glows more softly beside it, and the small map in the corner shows
where the leaf sits in leaf space, its nearest relatives lit. Never a camera picture of
the visitor.
Without a camera, or while no leaf is shown, the network dreams quietly instead.
"""

from __future__ import annotations

import cv2
import numpy as np

from leafdream.scenes.base import smooth_towards
from leafdream.scenes.params import REHEAT_AFTER, LEAVES, SMOOTHING, STEPS_PER_SECOND, TEMPERATURE, like, defaults_of
from leafdream.scenes.dream import DreamScene
from leafdream.scenes.mapinset import MapInset

FIELD = 128           # side of the square field the leaf is drawn in
IMAGINED_LEVEL = 0.6  # brightness of the imagined (hidden) part relative to the seen leaf


def leaf_field(probability: np.ndarray, hidden: np.ndarray, side: int = FIELD) -> tuple[np.ndarray, np.ndarray] | None:
    """The completed leaf cropped around itself into a square field float32 (side, side), with its tone
    float32 (side, side) (IMAGINED_LEVEL where the hand hid it, 1 elsewhere); None without a leaf."""
    leaf = probability > 0.5
    if not leaf.any():
        return None
    ys, xs = np.nonzero(leaf)
    centre_y, centre_x = (ys.min() + ys.max()) / 2, (xs.min() + xs.max()) / 2
    half = max(ys.max() - ys.min(), xs.max() - xs.min()) * 0.6 + 4
    shift = np.float32([[1, 0, half - centre_x], [0, 1, half - centre_y]])
    size = int(2 * half)
    shade = np.where(hidden, np.float32(IMAGINED_LEVEL), np.float32(1.0)).astype(np.float32)
    crops = [cv2.warpAffine(picture.astype(np.float32), shift, (size, size), flags=cv2.INTER_LINEAR, borderValue=border)
             for picture, border in ((probability, 0.0), (shade, 1.0))]
    leaf, tone = (cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA) for crop in crops)
    return leaf, tone


class CameraScene(DreamScene):
    """Parameters as for the dream (used while no leaf is shown), plus smoothing of the leaf."""

    name = "camera"
    contract = {"temperature": like(TEMPERATURE, 0.9), "leaves": LEAVES, "steps_per_second": like(STEPS_PER_SECOND, 200.0),
                "smoothing": like(SMOOTHING, 0.6), "reheat_after": REHEAT_AFTER}
    defaults = defaults_of(contract)

    def __init__(self, context, params=None, seed=0):
        super().__init__(context, params, seed)
        self.worker = context.extras.get("camera_completion")
        self.leaf = np.zeros((FIELD, FIELD), np.float32)
        self.leaf_tone = np.ones((FIELD, FIELD), np.float32)
        self.showing_leaf = 0.0  # 0 = the dream, 1 = the visitor's leaf
        self.inset = MapInset(context.space) if context.space is not None else None
        self.placed = None       # the newest CompletedLeaf with a map position

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        completed = self.worker.latest() if self.worker is not None else None
        target = leaf_field(completed.probability, completed.hidden) if completed is not None else None
        present = target is not None and self.worker.watcher.present
        if present and completed.map_position is not None:
            self.placed = completed
        if present:
            smooth_towards(self.leaf, target[0], dt, 0.15)
            smooth_towards(self.leaf_tone, target[1], dt, 0.15)
        self.showing_leaf = float(np.clip(self.showing_leaf + (dt if present else -dt) / 0.8, 0.0, 1.0))
        if self.showing_leaf < 1.0:
            super().update(t, dt, effort)

    def view(self) -> np.ndarray:
        if self.showing_leaf <= 0.0:
            return super().view()
        dream = cv2.resize(super().view(), (FIELD, FIELD), interpolation=cv2.INTER_LINEAR)
        return (1 - self.showing_leaf) * dream + self.showing_leaf * self.leaf

    def tone(self) -> np.ndarray | None:
        if self.showing_leaf <= 0.0:
            return None
        return (1 - self.showing_leaf) + self.showing_leaf * self.leaf_tone

    def overlay(self, frame: np.ndarray, rect) -> None:
        if self.inset is not None and self.placed is not None and self.showing_leaf > 0.0:
            self.inset.draw(frame, self.placed.map_position, self.showing_leaf, self.placed.relatives)
        if self.worker is None:
            height = frame.shape[0]
            cv2.putText(frame, "camera: not connected", (height // 40, height - height // 40), cv2.FONT_HERSHEY_SIMPLEX,
                        max(0.4, height / 1800), (90, 100, 90), 1, cv2.LINE_AA)
