"""Mapping: t-SNE learning the map — every leaf a point, flying from a cloud into its clusters.

The positions recorded while the map formed are replayed over ``seconds``, interpolated
between recordings; then the finished map shrinks into the corner where the drift scene
keeps its inset, so a drift cue that follows takes over without a jump.
"""

from __future__ import annotations

import numpy as np

from leafdream.model import numba_setup  # noqa: F401  (sets the cache directory before numba loads)
from numba import njit

from leafdream.errors import LeafdreamError
from leafdream.leafspace.poster import species_colours
from leafdream.scenes.base import Scene
from leafdream.scenes.params import Param, defaults_of
from leafdream.scenes.mapinset import inset_rect



def dot(radius: int) -> np.ndarray:
    """float32 (2r + 3, 2r + 3): how much of each pixel a filled dot of ``radius`` px covers (its edge
    antialiased over one pixel)."""
    reach = radius + 1
    yy, xx = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    return np.clip(radius + 0.5 - np.hypot(yy, xx), 0.0, 1.0).astype(np.float32)


@njit(cache=True, nogil=True, boundscheck=False)
def stamp_dots(frame, xs, ys, colours, cover):
    """Lay a dot of ``cover`` (k, k) centred on each (xs, ys) (int32 (N,)) into ``frame`` uint8 (H, W, 3),
    each in its colour uint8 (N, 3), later dots over earlier ones."""
    height, width = frame.shape[0], frame.shape[1]
    reach = cover.shape[0] // 2
    for n in range(xs.shape[0]):
        for dy in range(-reach, reach + 1):
            y = ys[n] + dy
            if y < 0 or y >= height:
                continue
            for dx in range(-reach, reach + 1):
                x = xs[n] + dx
                a = cover[dy + reach, dx + reach]
                if x < 0 or x >= width or a <= 0.0:
                    continue
                for k in range(3):
                    frame[y, x, k] = np.uint8(frame[y, x, k] * (1.0 - a) + colours[n, k] * a + 0.5)


class MappingScene(Scene):
    """Parameters: seconds (the map's forming), settle (seconds to move into the drift inset; 0 = stay),
    point_size (pixels at 1080 lines)."""

    name = "mapping"
    contract = {"seconds": Param(30.0, 1.0, 86400.0, meaning="how long the map takes to form"),
                "settle": Param(4.0, 0.0, 3600.0, meaning="seconds to move into the corner afterwards"),
                "point_size": Param(3.0, 0.5, 50.0, meaning="pixels on a 1080-line screen")}
    defaults = defaults_of(contract)

    def __init__(self, context, params=None, seed=0):
        super().__init__(context, params, seed)
        extras = context.extras
        if "map_trajectory" not in extras or context.space is None:
            raise LeafdreamError("the mapping scene needs a model whose map was recorded forming "
                                 "(retrain it, or 'leafdream map --compute --data DIR')")
        self.trajectory = extras["map_trajectory"].astype(np.float32)
        colours = species_colours(context.space.species)
        self.colours = np.array([colours[name] for name in context.space.species], np.uint8)
        self.positions = self.trajectory[0]
        self.t = 0.0

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        self.t = t
        progress = min(max(t / self.params["seconds"], 0.0), 1.0)
        position = progress * (len(self.trajectory) - 1)
        low = int(np.floor(position))
        high = min(low + 1, len(self.trajectory) - 1)
        # ease between recordings so the flight is smooth at any pace
        weight = np.float32(0.5 - 0.5 * np.cos(np.pi * (position - low)))
        self.positions = self.trajectory[low] * (1 - weight) + self.trajectory[high] * weight

    def view(self) -> np.ndarray:
        return np.zeros((9, 16), np.float32)

    def _square(self, frame: np.ndarray) -> tuple[float, float, float]:
        """(left, top, side) of the map on the frame now: full height, then settling into the inset."""
        height, width = frame.shape[:2]
        side = 0.9 * height
        left, top = (width - side) / 2, (height - side) / 2
        settle = self.params["settle"]
        late = self.t - self.params["seconds"]
        if settle > 0 and late > 0:
            u = min(late / settle, 1.0)
            u = 0.5 - 0.5 * np.cos(np.pi * u)
            inset_left, inset_top, inset_side = inset_rect(height, width)
            left += (inset_left - left) * u
            top += (inset_top - top) * u
            side += (inset_side - side) * u
        return left, top, side

    def overlay(self, frame: np.ndarray, rect) -> None:
        height, width = frame.shape[:2]
        left, top, side = self._square(frame)
        xs = np.clip(left + self.positions[:, 0] * (side - 1), 0, width - 1).astype(np.int32)
        ys = np.clip(top + self.positions[:, 1] * (side - 1), 0, height - 1).astype(np.int32)
        radius = max(1, int(round(self.params["point_size"] * height / 1080 * min(1.0, side / (0.9 * height) * 1.5))))
        stamp_dots(frame, xs, ys, self.colours, dot(radius))
