"""Layers: one leaf, and that leaf reconstructed from each layer of the network, side by side.

Deeper layers keep less of the particular leaf and more of what a leaf is. The leaf is
not one the network made (those are already pure "leaf-ness" at every depth) but a drawn
one from the procedural generator, with teeth and lobes of its own, changing every
``hold`` seconds.
"""

from __future__ import annotations

import numpy as np

from leafdream.data.normalise import normalise
from leafdream.data.procedural import SPECIES, draw_leaf
from leafdream.scenes.base import Scene, side_by_side, smooth_towards
from leafdream.scenes.params import Param, SMOOTHING, like, defaults_of


class LayersScene(Scene):
    """Parameters: hold (seconds per leaf), smoothing (seconds)."""

    name = "layers"
    contract = {"hold": Param(8.0, 0.5, 3600.0, meaning="seconds before the next leaf"), "smoothing": like(SMOOTHING, 0.6)}
    defaults = defaults_of(contract)
    kept = ("display",)

    def __init__(self, context, params=None, seed=0):
        super().__init__(context, params, seed)
        self.leaf_number = -1
        self.target = None
        self.display = None
        self._refresh(0.0)
        self.display = self.target.copy()

    def _source(self, number: int) -> np.ndarray:
        """The ``number``-th drawn leaf, normalised to the model frame: float32 (size*size,)."""
        rng = np.random.default_rng((self.seed, number))
        recipe = SPECIES[number % len(SPECIES)]
        mask = draw_leaf(recipe, rng, 4 * self.context.dbn.size).astype(np.float32) / 255.0
        image, _ = normalise(mask, self.context.dbn.size)
        return image.ravel()

    def _refresh(self, t: float) -> None:
        number = int(t // self.params["hold"])
        if number == self.leaf_number:
            return
        self.leaf_number = number
        dbn = self.context.dbn
        leaf = self._source(number).reshape(1, -1)
        rows = [leaf] + [dbn.reconstruct(leaf, depth) for depth in range(1, dbn.depth + 1)]
        self.target = np.stack([r.reshape(dbn.size, dbn.size) for r in rows]).astype(np.float32)

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        self._refresh(t)
        smooth_towards(self.display, self.target, dt, self.params["smoothing"])

    def view(self) -> np.ndarray:
        return side_by_side(self.display, 0.125)
