"""Small mask helpers the skin and region code share: the frame's edge band and borders between labels."""

from __future__ import annotations

import numpy as np


def edge_band(shape, width: int = 2) -> np.ndarray:
    """bool (H, W): the ``width``-pixel band along the frame's edge."""
    band = np.zeros(shape, bool)
    band[:width], band[-width:], band[:, :width], band[:, -width:] = True, True, True, True
    return band


def shared_borders(codes: np.ndarray, size: int) -> np.ndarray:
    """float64 (size, size): how many 4-neighbour pixel pairs of labels ``codes`` (int (H, W), 0..size-1) lie
    across each border, symmetric; a row's sum is that label's perimeter."""
    border = np.zeros((size, size), np.float64)
    for a, b in ((codes[:, :-1], codes[:, 1:]), (codes[:-1, :], codes[1:, :])):
        differ = a != b
        pairs = np.bincount(a[differ] * size + b[differ], minlength=size * size).reshape(size, size)
        border += pairs + pairs.T
    return border
