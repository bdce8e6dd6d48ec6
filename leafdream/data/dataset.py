"""Turning a LeafSet into training arrays: normalised model images, with augmentation."""

from __future__ import annotations

import numpy as np

from leafdream.data.leaves import LeafSet
from leafdream.data.normalise import estimate_pose, largest_component, similarity, warp_to_model


def normalised_leaves(leafset: LeafSet, size: int, indices: np.ndarray | None = None) -> np.ndarray:
    """float32 (n, size*size): each chosen leaf through the one normalisation."""
    indices = np.arange(len(leafset.masks)) if indices is None else indices
    out = np.empty((len(indices), size * size), np.float32)
    for row, index in enumerate(indices):
        leaf = largest_component(leafset.masks[index])
        out[row] = np.clip(warp_to_model(leaf, estimate_pose(leaf, size)), 0, 1).ravel()
    return out


def augmented_leaves(leafset: LeafSet, size: int, indices: np.ndarray, copies: int, seed: int,
                     max_angle: float = 8.0, max_scale: float = 0.08, max_shift: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    """Each chosen leaf once as normalised plus ``copies - 1`` jittered copies.

    Jitter (small rotation, scale, shift and a mirror flip) is applied to the pose, and
    every copy is resampled from the full-resolution mask, so copies stay sharp.
    Returns (float32 (n * copies, size*size), int (n * copies,) index of the source leaf).
    """
    rng = np.random.default_rng(seed)
    rows, sources = [], []
    for index in indices:
        leaf = largest_component(leafset.masks[index])
        pose = estimate_pose(leaf, size)
        for copy in range(copies):
            if copy == 0:
                jittered = pose
            else:
                jitter = similarity(size, rng.uniform(-max_angle, max_angle), 1 + rng.uniform(-max_scale, max_scale),
                                    flip=bool(copy % 2), shift=tuple(rng.uniform(-max_shift, max_shift, 2)))
                jittered = pose.then(jitter)
            rows.append(np.clip(warp_to_model(leaf, jittered), 0, 1).ravel())
            sources.append(index)
    return np.asarray(rows, np.float32), np.asarray(sources)
