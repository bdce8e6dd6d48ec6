"""Layers: one leaf, and that leaf reconstructed from each layer of the network, side by side.

Deeper layers keep less of the particular leaf and more of what a leaf is. Each reconstruction
comes from one binary sample of that layer's units (``DBN.reconstruct_sampled``): the mean field
carries the leaf through every layer almost whole, so it would show four near-identical leaves,
while a sampled code keeps only what the layer itself holds. The leaf is not one the network
made (those are already pure "leaf-ness" at every depth) but a drawn one from the procedural
generator, with teeth and lobes of its own, changing every ``hold`` seconds. With ``captions``
each picture says what it is.
"""

from __future__ import annotations

import cv2
import numpy as np

from leafdream.data.normalise import normalise
from leafdream.model.kernels import RandomKeys
from leafdream.data.procedural import SPECIES, draw_leaf
from leafdream.scenes.base import Scene, side_by_side, smooth_towards
from leafdream.scenes.params import Param, SMOOTHING, like, defaults_of


GAP = 0.125  # between pictures, in widths of one


class LayersScene(Scene):
    """Parameters: hold (seconds per leaf), smoothing (seconds), captions (a line under each picture)."""

    name = "layers"
    contract = {"hold": Param(8.0, 0.5, 3600.0, meaning="seconds before the next leaf"), "smoothing": like(SMOOTHING, 0.6),
                "captions": Param(True, meaning="a line under each picture: the leaf, layer 1, layer 2…")}
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
        keys = RandomKeys(self.seed * 7919 + number)  # the same leaf gets the same samples, however it was reached
        rows = [leaf] + [dbn.reconstruct_sampled(leaf, depth, keys) for depth in range(1, dbn.depth + 1)]
        self.target = np.stack([r.reshape(dbn.size, dbn.size) for r in rows]).astype(np.float32)

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        self._refresh(t)
        smooth_towards(self.display, self.target, dt, self.params["smoothing"])

    def view(self) -> np.ndarray:
        return side_by_side(self.display, GAP)

    def captions(self) -> list[str]:
        sizes = self.context.dbn.layer_sizes
        return ["the leaf"] + [f"layer {depth}: {sizes[depth]} units" for depth in range(1, len(sizes))]

    def overlay(self, frame: np.ndarray, rect) -> None:
        if not self.params["captions"]:
            return
        left, top, width, height = rect
        count = len(self.display)
        panel = width / (count + GAP * (count - 1))
        scale = max(0.4, frame.shape[0] / 1500)
        colour = tuple(int(c) for c in np.clip(frame[2, 2].astype(int) + 110, 0, 255)) \
            if frame[2, 2].mean() < 128 else tuple(int(c) for c in np.clip(frame[2, 2].astype(int) - 110, 0, 255))
        for k, text in enumerate(self.captions()):
            (text_w, text_h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
            centre = left + panel * (k + 0.5 + GAP * k)
            y = min(frame.shape[0] - 4, int(top + height / 2 + panel / 2 + 1.6 * text_h))
            cv2.putText(frame, text, (int(centre - text_w / 2), y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1,
                        cv2.LINE_AA)
