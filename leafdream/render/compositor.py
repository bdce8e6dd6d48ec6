"""The compositor: scene field -> full-size colour frame, with crossfades.

Scenes hand over a small float32 intensity field (a leaf at 64x64, a few leaves side by
side…). The compositor fits it into the frame keeping its aspect and draws it there through
``render/edges.py``: upsampled in float and the outline shaped at the output size, in the cue's
edge style, coloured through the palette. It draws into a few frames of its own that it reuses
in turn, so the per-frame path allocates nothing large.
"""

from __future__ import annotations

import numpy as np

from leafdream.model import numba_setup  # noqa: F401  (sets the cache directory before numba loads)
from numba import njit, prange

from leafdream.render.edges import EdgeRenderer, edge_style
from leafdream.render.palette import palette_lut

# How much of the frame's height a scene field fills.
FILL = 0.92
FRAMES_KEPT = 2  # a frame handed out stays as it was until the next one is drawn (more costs cache: 2.5 ms at 4K)


class Compositor:
    """Makes RGB frames uint8 (height, width, 3) from fields float32 (h, w) in [0, 1]."""

    def __init__(self, width: int, height: int, palette: str = "moss", edge="crisp", reuse: Compositor | None = None):
        """``reuse``: a compositor of the same size that is done with: its frames are drawn into (fresh ones
        cost a cue's first frame 2-9 ms at 1080p, the system mapping their pages in as they are first written)."""
        self.width, self.height = int(width), int(height)
        self.set_palette(palette)
        self.set_edge(edge)
        shape = (self.height, self.width, 3)
        if reuse is not None and reuse._frames and reuse._frames[0].shape == shape:
            self._frames = reuse._frames
            reuse._frames = []
        else:
            self._frames = [np.zeros(shape, np.uint8) for _ in range(FRAMES_KEPT)]
        self._turn = 0
        self.last_rect = (0, 0, self.width, self.height)

    def set_palette(self, name: str) -> None:
        self.lut = palette_lut(name)
        self.palette = name

    def set_edge(self, edge) -> None:
        """``edge``: "crisp", "soft", "glow", "shaded", a width in pixels of a 1080-line frame, or an EdgeStyle."""
        self.edges = EdgeRenderer(self.height, edge_style(edge))

    def rect(self, field_shape: tuple[int, int]) -> tuple[int, int, int, int]:
        """(left, top, width, height) where a field of ``field_shape`` (h, w) lands: fitted and centred."""
        h, w = field_shape
        scale = min(self.height * FILL / h, self.width * FILL / w)
        out_w, out_h = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
        return (self.width - out_w) // 2, (self.height - out_h) // 2, out_w, out_h

    def frame(self, field: np.ndarray, tone: np.ndarray | None = None) -> np.ndarray:
        """uint8 (height, width, 3): ``field`` drawn into the next of the compositor's own frames, the leaf as
        bright as ``tone`` (the field's shape, 0–1; None: full) says."""
        out = self._frames[self._turn]
        self._turn = (self._turn + 1) % FRAMES_KEPT
        self.last_rect = self.rect(field.shape)
        self.edges.draw(out, np.ascontiguousarray(field, np.float32), self.last_rect, self.lut, tone)
        return out


class Mixer:
    """Crossfades of one size into frames of its own, two in turn (as the compositor hands out its frames)."""

    def __init__(self, width: int | None = None, height: int | None = None):
        """With a size, its frames are made (and their memory touched) now, so the first crossfade of a long
        run does not grow the process by them (50 MB at 4K)."""
        self._frames: list[np.ndarray] = []
        self._turn = 0
        if width is not None and height is not None:
            self._frames = [np.zeros((height, width, 3), np.uint8) for _ in range(FRAMES_KEPT)]
            for frame in self._frames:
                frame.fill(0)  # calloc's pages are only mapped when first written

    def crossfade(self, a: np.ndarray, b: np.ndarray, amount: float) -> np.ndarray:
        """(1 - amount) * a + amount * b for uint8 frames (H, W, 3), in 1/256 steps, into the next own frame."""
        if not self._frames or self._frames[0].shape != a.shape:
            self._frames = [np.empty_like(a) for _ in range(FRAMES_KEPT)]
        out = self._frames[self._turn]
        self._turn = (self._turn + 1) % FRAMES_KEPT
        weight = int(round(min(max(amount, 0.0), 1.0) * 256))
        _mix(a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1), weight, out.reshape(out.shape[0], -1))
        return out


@njit(cache=True, nogil=True, parallel=True, boundscheck=False)
def _mix(a, b, weight, out):
    """out = (a * (256 - weight) + b * weight + 128) >> 8, rows of uint8 (H, W * 3)."""
    wa, wb = np.uint16(256 - weight), np.uint16(weight)
    for r in prange(a.shape[0]):
        ra, rb, ro = a[r], b[r], out[r]
        for i in range(ra.shape[0]):
            ro[i] = np.uint8((np.uint16(ra[i]) * wa + np.uint16(rb[i]) * wb + np.uint16(128)) >> np.uint16(8))


def warm_up() -> None:
    """Compile (or load from the cache) every kernel that draws: the outline, the crossfade and the map's
    points — behind the splash, not in the first frame or the first crossfade (a fresh install compiles
    for seconds)."""
    from leafdream.render import edges
    from leafdream.scenes.mapping import dot, stamp_dots

    edges.warm_up()
    frame = np.zeros((4, 4, 3), np.uint8)
    Mixer(4, 4).crossfade(frame, frame, 0.5)
    stamp_dots(frame, np.zeros(1, np.int32), np.zeros(1, np.int32), np.zeros((1, 3), np.uint8), dot(1))
