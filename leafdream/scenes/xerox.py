"""Xerox of a xerox: the network reconstructs its own reconstruction, again and again.

Each generation is warped a little (zoom, shift, turn) and passed up and down the
network; detail the network does not believe in fades, and what is left drifts into
the network's own fantasies. Every ``reseed_after`` generations a fresh leaf from leaf
space starts the process again.
"""

from __future__ import annotations

import numpy as np

from leafdream.leafspace.cursor import Wander
from leafdream.leafspace.space import imagine
from leafdream.data.normalise import similarity
from leafdream.scenes.base import Scene, register, smooth_towards

import cv2


@register
class XeroxScene(Scene):
    """Parameters: depth (layer to reconstruct through), zoom, shift_x, shift_y (pixels), turn (degrees),
    generations_per_second, reseed_after (generations; 0 = never), smoothing (seconds)."""

    name = "xerox"
    defaults = {"depth": 2, "zoom": 1.03, "shift_x": 0.0, "shift_y": 0.0, "turn": 1.5,
                "generations_per_second": 4.0, "reseed_after": 60, "smoothing": 0.2}

    def __init__(self, context, params=None, seed=0):
        super().__init__(context, params, seed)
        self.wander = Wander(context.space, seed, speed=0.05) if context.space else None
        self.image = self._seed_image(0.0)
        self.display = self.image.copy()
        self.generation = 0
        self.owed = 0.0

    def _seed_image(self, t: float) -> np.ndarray:
        dbn = self.context.dbn
        if self.wander is not None:
            return imagine(dbn, self.context.space.code_at(self.wander.position(t))).astype(np.float32)
        return imagine(dbn, np.full(dbn.top.n_hidden, 0.5, np.float32)).astype(np.float32)

    def generation_step(self) -> None:
        """One generation: warp the current image, then reconstruct it through ``depth`` layers."""
        dbn = self.context.dbn
        p = self.params
        warp = similarity(dbn.size, p["turn"], p["zoom"], shift=(p["shift_x"], p["shift_y"]))
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
                self.generation_step()
        smooth_towards(self.display, self.image, dt, self.params["smoothing"])

    def view(self) -> np.ndarray:
        return self.display
