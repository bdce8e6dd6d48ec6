"""Named palettes: 256-entry colour ramps from ground (0) to leaf (1)."""

from __future__ import annotations


import numpy as np

from leafdream.errors import LeafdreamError, did_you_mean

# Each palette is a few (position, RGB) stops; the ramp between them is linear.
PALETTES: dict[str, list[tuple[float, tuple[int, int, int]]]] = {
    "moss": [(0.0, (6, 9, 7)), (0.45, (34, 74, 42)), (0.8, (150, 196, 120)), (1.0, (226, 240, 200))],
    "ember": [(0.0, (8, 4, 4)), (0.4, (96, 24, 12)), (0.75, (222, 110, 32)), (1.0, (255, 226, 160))],
    "ink": [(0.0, (238, 234, 222)), (0.5, (140, 136, 128)), (1.0, (16, 18, 22))],
    "bone": [(0.0, (0, 0, 0)), (1.0, (244, 240, 228))],
    "night": [(0.0, (2, 4, 14)), (0.5, (20, 60, 110)), (0.85, (120, 190, 220)), (1.0, (230, 250, 255))],
    "autumn": [(0.0, (10, 6, 4)), (0.35, (88, 40, 10)), (0.7, (200, 120, 30)), (1.0, (250, 210, 120))],
}


def palette_lut(name: str) -> np.ndarray:
    """uint8 (256, 3) colour ramp of the palette ``name``; a "did you mean" for unknown names."""
    if name not in PALETTES:
        hint = did_you_mean(name, PALETTES, fallback=f"use one of {', '.join(PALETTES)}")
        raise LeafdreamError(f"unknown palette {name!r}{hint}")
    stops = PALETTES[name]
    positions = np.array([p for p, _ in stops])
    colours = np.array([c for _, c in stops], dtype=np.float64)
    ramp = np.linspace(0, 1, 256)
    return np.stack([np.interp(ramp, positions, colours[:, k]) for k in range(3)], axis=1).round().astype(np.uint8)
