"""Xerox of a xerox: the network reconstructs its own reconstruction, again and again.

Each generation is warped a little (zoom, shift, turn) and passed up and down the
network; detail the network does not believe in fades, and what is left drifts into
the network's own fantasies. Every ``reseed_after`` generations a fresh leaf from leaf
space starts the process again.

A copy of a copy tends to a fixed point: a round blob that barely changes (measured over 3
minutes of the shipped model: 47 % of seconds changed less than 0.5 % of the picture, for up
to 10 s in a row). So the scene watches itself: when the silhouette has stayed that still
for ``restless`` seconds, a fresh leaf from leaf space is fed back together with the current
copy (half each) and the turn changes direction, and the transforming goes on.
"""

from __future__ import annotations

import math

import numpy as np

from leafdream.leafspace.cursor import Wander
from leafdream.leafspace.space import imagine
from leafdream.data.normalise import similarity
from leafdream.scenes.base import Scene, smooth_towards
from leafdream.scenes.params import Param, SMOOTHING, defaults_of, like

import cv2


BREATH_S = 24.0  # seconds of one growing-and-shrinking of the zoom
STILL_SHARE = 0.005  # less than this share of the picture changed in a second: it stands still


class XeroxScene(Scene):
    """Parameters: depth (layer to reconstruct through), zoom, shift_x, shift_y (pixels), turn (degrees),
    generations_per_second, reseed_after (generations; 0 = never), smoothing (seconds), restless (seconds)."""

    name = "xerox"
    contract = {"depth": Param(2, 1, 3, meaning="layer each copy goes through"),
                "zoom": Param(1.03, 0.5, 2.0, meaning="growth per copy at the height of the breath"),
                "shift_x": Param(0.0, -20.0, 20.0, meaning="model pixels moved per copy"),
                "shift_y": Param(0.0, -20.0, 20.0, meaning="model pixels moved per copy"),
                "turn": Param(1.5, -90.0, 90.0, meaning="degrees turned per copy"),
                "generations_per_second": Param(4.0, 0.0, 60.0, meaning="copies per second"),
                "reseed_after": Param(60, 0, 100000, meaning="copies before a fresh leaf; 0 never"),
                "smoothing": like(SMOOTHING, 0.2),
                "restless": Param(3.0, 0.0, 3600.0, meaning="seconds the picture may stand still before a new leaf "
                                                            "is fed in with it; 0 never")}
    defaults = defaults_of(contract)
    kept = ("image", "display")

    def __init__(self, context, params=None, seed=0):
        super().__init__(context, params, seed)
        self.wander = Wander(context.space, seed, speed=0.05) if context.space else None
        self.image = self._seed_image(0.0)
        self.display = self.image.copy()
        self.generation = 0
        self.owed = 0.0
        self.turn_sign = 1.0
        self.generation_time = 0.0
        self.look = self.image > 0.5  # the silhouette at the last look, once a second
        self.look_at = 0.0
        self.still_for = 0.0

    def _seed_image(self, t: float) -> np.ndarray:
        dbn = self.context.dbn
        if self.wander is not None:
            return imagine(dbn, self.context.space.code_at(self.wander.position(t))).astype(np.float32)
        return imagine(dbn, np.full(dbn.top.n_hidden, 0.5, np.float32)).astype(np.float32)

    def generation_step(self) -> None:
        """One generation: warp the current image, then reconstruct it through ``depth`` layers."""
        dbn = self.context.dbn
        p = self.params
        # the zoom breathes: growing copies for half of BREATH_S, shrinking ones for the other, so the copy
        # neither fills the frame nor shrinks to a dot (a constant zoom ends in a frame-filling blob)
        zoom = p["zoom"] ** math.cos(2 * math.pi * self.generation_time / BREATH_S)
        warp = similarity(dbn.size, p["turn"] * self.turn_sign, zoom, shift=(p["shift_x"], p["shift_y"]))
        warped = cv2.warpAffine(self.image, warp, (dbn.size, dbn.size), flags=cv2.INTER_LINEAR)
        depth = int(min(max(p["depth"], 1), dbn.depth))
        self.image = dbn.reconstruct(warped.reshape(1, -1), depth).reshape(dbn.size, dbn.size)
        self.generation += 1

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        self.owed += self.params["generations_per_second"] * dt
        while self.owed >= 1.0:
            self.owed -= 1.0
            reseed = self.params["reseed_after"]
            if reseed and self.generation >= reseed:
                self.image = self._seed_image(t)
                self.generation = 0
            else:
                self.generation_time = t
                self.generation_step()
        self._watch_stillness(t)
        smooth_towards(self.display, self.image, dt, self.params["smoothing"])

    def _watch_stillness(self, t: float) -> None:
        """Once a second: has the silhouette changed (by STILL_SHARE of its pixels)? Still for ``restless``
        seconds: feed a fresh leaf in with the copy, turn the other way."""
        if t - self.look_at < 1.0:
            return
        self.look_at = t
        silhouette = self.image > 0.5
        changed = float(np.mean(silhouette != self.look))
        self.look = silhouette
        self.still_for = self.still_for + 1.0 if changed < STILL_SHARE else 0.0
        restless = self.params["restless"]
        if restless and self.still_for >= restless:
            self.image = (0.5 * (self.image + self._seed_image(t))).astype(np.float32)
            self.turn_sign = -self.turn_sign
            self.still_for = 0.0

    def view(self) -> np.ndarray:
        return self.display
