"""Learning: the network learning the leaves, replayed — a panel of leaves sharpening from noise.

The snapshots recorded while training (``snapshots.py``) are played at the pace the show
sets (the whole training in ``seconds``), blending between neighbouring snapshots so the
replay is smooth at any speed. An unobtrusive counter says which layer and epoch.
"""

from __future__ import annotations

import cv2
import numpy as np

from leafdream.errors import LeafdreamError
from leafdream.scenes.base import Scene, side_by_side, smooth_towards
from leafdream.scenes.params import Param, SMOOTHING, like, defaults_of


class LearningScene(Scene):
    """Parameters: seconds (the whole training replayed in this time), fields (show first-layer receptive
    fields while the first layer trains), counter (show layer and epoch), smoothing (seconds)."""

    name = "learning"
    contract = {"seconds": Param(60.0, 1.0, 86400.0, meaning="the whole training replayed in this many seconds"),
                "fields": Param(False, meaning="receptive fields below the panel"),
                "counter": Param(True, meaning="layer and epoch in a corner"), "smoothing": like(SMOOTHING, 0.1)}
    defaults = defaults_of(contract)
    kept = ("display",)

    def __init__(self, context, params=None, seed=0):
        super().__init__(context, params, seed)
        extras = context.extras
        if "snap_panel" not in extras:
            raise LeafdreamError("the learning scene needs a model trained with snapshots (this one has none); "
                                 "retrain it with 'leafdream train'")
        self.frames = extras["snap_panel"]
        self.layers = extras["snap_layer"]
        self.epochs = extras["snap_epoch"]
        self.field_frames = extras.get("snap_fields")
        self.position = 0.0
        self.display = self._panel(0.0)

    def _blend(self, frames: np.ndarray, position: float) -> np.ndarray:
        low = int(np.floor(position))
        high = min(low + 1, len(frames) - 1)
        weight = np.float32(position - low)
        return (frames[low].astype(np.float32) * (1 - weight) + frames[high].astype(np.float32) * weight) / 255.0

    def _panel(self, position: float) -> np.ndarray:
        leaves = self._blend(self.frames, position)
        count = int(np.ceil(np.sqrt(len(leaves))))
        rows = [side_by_side(leaves[r * count:(r + 1) * count], 0.15) for r in range(-(-len(leaves) // count))]
        width = max(row.shape[1] for row in rows)
        gap = np.zeros((int(leaves.shape[1] * 0.15), width), np.float32)
        parts = []
        for k, row in enumerate(rows):
            if row.shape[1] < width:
                row = np.pad(row, ((0, 0), (0, width - row.shape[1])))
            if k:
                parts.append(gap)
            parts.append(row)
        return np.concatenate(parts, axis=0)

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        progress = min(max(t / self.params["seconds"], 0.0), 1.0)
        self.position = progress * (len(self.frames) - 1)
        smooth_towards(self.display, self._panel(self.position), dt, self.params["smoothing"])

    def view(self) -> np.ndarray:
        return self.display

    def overlay(self, frame: np.ndarray, rect) -> None:
        height = frame.shape[0]
        index = int(round(self.position))
        if self.params["fields"] and self.field_frames is not None and len(self.field_frames) and self.layers[index] == 1:
            first_layer = np.nonzero(self.layers == 1)[0]
            share = min(self.position / max(first_layer[-1], 1), 1.0)
            fields = self._blend(self.field_frames, share * (len(self.field_frames) - 1))
            # a column of fields in the left margin, beside the panel, never over it
            column = side_by_side(fields[:8].transpose(0, 2, 1), 0.12).T
            left_margin = rect[0]
            side = int(min(left_margin * 0.5, height * 0.9 / (8 * 1.12)))
            if side >= 12:
                tall = int(side * column.shape[0] / column.shape[1])
                picture = cv2.resize(column, (side, tall), interpolation=cv2.INTER_CUBIC)
                top, left = (height - tall) // 2, (left_margin - side) // 2
                grey = np.clip(picture * 255, 0, 255).astype(np.uint8)[..., None]
                frame[top:top + tall, left:left + side] = grey // 2 + frame[top:top + tall, left:left + side] // 2
        if self.params["counter"]:
            text = f"layer {int(self.layers[index])}  epoch {int(self.epochs[index])}"
            cv2.putText(frame, text, (height // 40, height - height // 40), cv2.FONT_HERSHEY_SIMPLEX,
                        max(0.4, height / 2000), (110, 120, 110), 1, cv2.LINE_AA)
