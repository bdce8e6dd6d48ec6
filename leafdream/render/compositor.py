"""The compositor: scene field -> smooth full-size colour frame, with crossfades.

Scenes hand over a small float32 intensity field (a leaf at 64x64, a few leaves side by
side…). The compositor fits it into the frame keeping its aspect, upsamples it with
bicubic interpolation (probabilities, not binary samples, so edges stay smooth), maps it
through the palette, and mixes two frames for a crossfade. All sizes are fixed at
construction, so the per-frame path allocates nothing large.
"""

from __future__ import annotations

import cv2
import numpy as np

from leafdream.render.palette import palette_lut

# How much of the frame's height a scene field fills.
FILL = 0.92
EDGE_SMOOTHING = 0.7  # field pixels
EDGE_GAIN = 2.4


class Compositor:
    """Makes RGB frames uint8 (height, width, 3) from fields float32 (h, w) in [0, 1]."""

    def __init__(self, width: int, height: int, palette: str = "moss"):
        self.width, self.height = int(width), int(height)
        self.set_palette(palette)
        self._canvas = np.zeros((self.height, self.width), np.uint8)
        self.last_rect = (0, 0, self.width, self.height)

    def set_palette(self, name: str) -> None:
        self.lut = palette_lut(name).reshape(256, 1, 3)
        self.palette = name

    def field_to_grey(self, field: np.ndarray) -> np.ndarray:
        """uint8 (height, width): the field fitted, centred and upsampled into the frame."""
        h, w = field.shape
        scale = min(self.height * FILL / h, self.width * FILL / w)
        out_w, out_h = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
        # Smooth away pixel-level speckle, then steepen the probability so the edge reads as a
        # clean outline after the upscale rather than a fuzzy 64-px staircase.
        smooth = cv2.GaussianBlur(field.astype(np.float32), (0, 0), EDGE_SMOOTHING)
        contrast = np.clip((smooth - 0.5) * EDGE_GAIN + 0.5, 0, 1)
        small = (contrast * 255).astype(np.uint8)
        big = cv2.resize(small, (out_w, out_h), interpolation=cv2.INTER_CUBIC)
        canvas = self._canvas
        canvas.fill(0)
        top, left = (self.height - out_h) // 2, (self.width - out_w) // 2
        canvas[top:top + out_h, left:left + out_w] = big
        self.last_rect = (left, top, out_w, out_h)
        return canvas

    def colour(self, grey: np.ndarray) -> np.ndarray:
        """uint8 (height, width, 3) through the palette."""
        return cv2.LUT(cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB), self.lut)

    def frame(self, field: np.ndarray) -> np.ndarray:
        return self.colour(self.field_to_grey(field))

    @staticmethod
    def crossfade(a: np.ndarray, b: np.ndarray, amount: float) -> np.ndarray:
        """(1 - amount) * a + amount * b for uint8 frames."""
        return cv2.addWeighted(a, 1.0 - amount, b, amount, 0.0)
