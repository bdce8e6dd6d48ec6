"""Drift: a cursor wanders through leaf space and the leaf the network imagines there is shown."""

from __future__ import annotations

import cv2
import numpy as np

from ..cursor import Wander, WaypointPath, resolve_waypoint
from ..errors import LeafdreamError
from ..leafspace import imagine
from .base import Scene, register, smooth_towards


def inset_rect(height: int, width: int) -> tuple[int, int, int]:
    """(left, top, side) of the small map in the frame's bottom-right corner."""
    side = max(48, height // 5)
    margin = side // 8
    return width - side - margin, height - side - margin, side


@register
class DriftScene(Scene):
    """Parameters: speed (map widths per second), smoothing (seconds), inset (show the map with the cursor),
    path (waypoints: species names, training leaf files like "acer_campestre/03.png", or [x, y];
    empty = a seeded wander), ease (between waypoints), hold (seconds at each waypoint)."""

    name = "drift"
    defaults = {"speed": 0.01, "smoothing": 0.15, "inset": True, "path": [], "ease": "sine", "hold": 0.0}

    def __init__(self, context, params=None, seed=0):
        super().__init__(context, params, seed)
        if context.space is None:
            raise LeafdreamError("the drift scene needs a model with a leaf-space map "
                                 "('leafdream map --compute --data DIR')")
        speed = max(self.params["speed"], 1e-4)
        if self.params["path"]:
            points = [resolve_waypoint(context.space, spec, context.space.files) for spec in self.params["path"]]
            self.wander = WaypointPath(points, speed=speed, ease=self.params["ease"], hold=self.params["hold"])
        else:
            self.wander = Wander(context.space, seed, speed=speed)
        self.position = self.wander.position(0.0)
        self.display = imagine(context.dbn, context.space.code_at(self.position)).astype(np.float32)
        self._inset_cache = None

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        self.position = self.wander.position(t)
        target = imagine(self.context.dbn, self.context.space.code_at(self.position))
        smooth_towards(self.display, target, dt, self.params["smoothing"])

    def view(self) -> np.ndarray:
        return self.display

    def _inset(self, side: int) -> np.ndarray:
        if self._inset_cache is None or self._inset_cache.shape[0] != side:
            inset = np.zeros((side, side, 3), np.uint8)
            for x, y in self.context.space.positions:
                cv2.circle(inset, (int(x * (side - 1)), int(y * (side - 1))), 1, (90, 110, 90), -1, cv2.LINE_AA)
            self._inset_cache = inset
        return self._inset_cache

    def overlay(self, frame: np.ndarray, rect) -> None:
        if not self.params["inset"]:
            return
        height, width = frame.shape[:2]
        left, top, side = inset_rect(height, width)
        region = frame[top:top + side, left:left + side]
        np.maximum(region, self._inset(side), out=region)
        x, y = self.position
        cv2.circle(frame, (left + int(x * (side - 1)), top + int(y * (side - 1))), max(3, side // 40),
                   (235, 245, 220), 1, cv2.LINE_AA)
