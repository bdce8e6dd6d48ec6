"""Drift: a cursor wanders through leaf space and the leaf the network imagines there is shown."""

from __future__ import annotations

import numpy as np

from leafdream.leafspace.cursor import Wander, WaypointPath, resolve_waypoint
from leafdream.errors import LeafdreamError
from leafdream.leafspace.space import imagine
from leafdream.scenes.base import Scene, smooth_towards
from leafdream.easing import EASINGS
from leafdream.scenes.params import Param, SMOOTHING, like, defaults_of
from leafdream.scenes.mapinset import MapInset


class DriftScene(Scene):
    """Parameters: speed (map widths per second), smoothing (seconds), inset (show the map with the cursor),
    path (waypoints: species names, training leaf files like "acer_campestre/03.png", or [x, y];
    empty = a seeded wander), ease (between waypoints), hold (seconds at each waypoint)."""

    name = "drift"
    contract = {"speed": Param(0.01, 0.0001, 1.0, meaning="map widths per second"), "smoothing": like(SMOOTHING, 0.15),
                "inset": Param(True, meaning="the small map in the corner"),
                "path": Param([], meaning="species, leaf files or map points [x, y] in 0..1"),
                "ease": Param("sine", choices=tuple(EASINGS), meaning="how the cursor starts and stops"),
                "hold": Param(0.0, 0.0, 3600.0, meaning="seconds to rest at each waypoint")}
    defaults = defaults_of(contract)
    kept = ("display",)

    def __init__(self, context, params=None, seed=0):
        super().__init__(context, params, seed)
        if context.space is None:
            raise LeafdreamError("the drift scene needs a model with a leaf-space map "
                                 "('leafdream map --compute --data DIR')")
        speed = self.params["speed"]
        if self.params["path"]:
            points = [resolve_waypoint(context.space, spec, context.space.files) for spec in self.params["path"]]
            self.wander = WaypointPath(points, speed=speed, ease=self.params["ease"], hold=self.params["hold"])
        else:
            self.wander = Wander(context.space, seed, speed=speed)
        self.position = self.wander.position(0.0)
        self.display = imagine(context.dbn, context.space.code_at(self.position)).astype(np.float32)
        self.inset = MapInset(context.space)

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        self.position = self.wander.position(t)
        target = imagine(self.context.dbn, self.context.space.code_at(self.position))
        smooth_towards(self.display, target, dt, self.params["smoothing"])

    def view(self) -> np.ndarray:
        return self.display

    def overlay(self, frame: np.ndarray, rect) -> None:
        if self.params["inset"]:
            self.inset.draw(frame, self.position)
