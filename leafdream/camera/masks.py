"""Small mask helpers the skin and region code share: the frame's edge band and borders between labels."""

from __future__ import annotations

import cv2
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


def border_contrast(codes: np.ndarray, image: np.ndarray, size: int) -> np.ndarray:
    """float64 (size, size): the summed colour difference (Euclidean, float (H, W, C) ``image``) of the 4-neighbour
    pixel pairs across each border between labels ``codes`` (int (H, W), 0..size-1), symmetric; divided by
    ``shared_borders`` it is how sharp each border is (a leaf's outline, not a shadow's soft edge)."""
    contrast = np.zeros((size, size), np.float64)
    for a, b, ia, ib in ((codes[:, :-1], codes[:, 1:], image[:, :-1], image[:, 1:]),
                         (codes[:-1, :], codes[1:, :], image[:-1, :], image[1:, :])):
        differ = a != b
        step = np.sqrt(((ia[differ] - ib[differ]) ** 2).sum(axis=1))
        pairs = np.bincount(a[differ] * size + b[differ], weights=step, minlength=size * size).reshape(size, size)
        contrast += pairs + pairs.T
    return contrast


def within_outline(mask: np.ndarray) -> np.ndarray:
    """bool (H, W): the convex hull of ``mask`` (bool (H, W)): what lies within a leaf's outline, lobes bridged."""
    hull = np.zeros(mask.shape, np.uint8)
    points = cv2.findNonZero(mask.astype(np.uint8))
    if points is not None:
        cv2.fillConvexPoly(hull, cv2.convexHull(points), 1)
    return hull.astype(bool)


def within(mask: np.ndarray, radius: float) -> np.ndarray:
    """bool (H, W): the pixels within ``radius`` of ``mask`` (bool (H, W)), itself included: a dilation with a
    disc, whose cost does not grow with the radius."""
    if not mask.any():
        return np.zeros(mask.shape, bool)
    return cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3) <= radius
