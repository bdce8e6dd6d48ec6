"""Quality and speed figures of a model's leaf space, all measured in one run."""

from __future__ import annotations

import time

import numpy as np

from leafdream.leafspace.cursor import Wander
from leafdream.data.dataset import normalised_leaves
from leafdream.model.split import training_split
from leafdream.leafspace.space import MAP_PERPLEXITY, LeafSpace, code_of, compute_map, imagine, mirrored
from leafdream.data.leaves import LeafSet
from leafdream.leafspace.store import leaf_space
from leafdream.model.modelfile import Model


def knn_species_accuracy(positions: np.ndarray, species: np.ndarray, k: int = 5) -> float:
    """Leave-one-out accuracy of a k-nearest-neighbour species vote in the 2-D map."""
    squared = ((positions[:, None, :] - positions[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(squared, np.inf)
    neighbours = np.argsort(squared, axis=1)[:, :k]
    correct = 0
    for i, row in enumerate(neighbours):
        names, counts = np.unique(species[row], return_counts=True)
        correct += names[np.argmax(counts)] == species[i]
    return correct / len(positions)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0.5, b > 0.5
    return float((a & b).sum() / max((a | b).sum(), 1))


def map_figures(model: Model, leafset: LeafSet, seed: int = 0, wander_seconds: float = 180.0, fps: int = 60) -> dict:
    from sklearn.manifold import trustworthiness

    space: LeafSpace = leaf_space(model)
    dbn = model.dbn
    train_index, held_index = training_split(model, leafset)
    pixels = normalised_leaves(leafset, model.size, train_index)
    species = np.array(leafset.species)[train_index]
    features = space.features if space.features is not None else space.codes
    pixel_map = compute_map(pixels, seed=seed)  # the same t-SNE settings as the network's map
    # An extra, stricter baseline: pixels made mirror-invariant the way the map features are.
    mirror_pixel_map = compute_map((pixels + mirrored(pixels)) / 2, seed=seed)
    figures = {
        "map_leaves": int(len(features)),
        "map_perplexity": MAP_PERPLEXITY,
        "map_knn5_species_accuracy": knn_species_accuracy(space.positions, species),
        "map_trustworthiness": float(trustworthiness(features, space.positions, n_neighbors=5)),
        "pixel_map_knn5_species_accuracy": knn_species_accuracy(pixel_map, species),
        "pixel_map_trustworthiness": float(trustworthiness(pixels, pixel_map, n_neighbors=5)),
        "mirror_pixel_map_knn5_species_accuracy": knn_species_accuracy(mirror_pixel_map, species),
    }
    held_pixels = normalised_leaves(leafset, model.size, held_index)
    held_codes = code_of(dbn, held_pixels)
    held_features = space.features_of(dbn, held_pixels)
    placed, own = [], []
    for leaf, code, feature in zip(held_pixels, held_codes, held_features):
        position = space.place(feature)
        placed.append(iou(imagine(dbn, space.code_at(position)), leaf.reshape(model.size, -1)))
        own.append(iou(imagine(dbn, code), leaf.reshape(model.size, -1)))
    figures["map_held_out_placed_iou_mean"] = float(np.mean(placed))
    figures["map_held_out_own_code_iou_mean"] = float(np.mean(own))
    rng = np.random.default_rng(seed)
    points = rng.random((300, 2))
    times = []
    for point in points:
        started = time.perf_counter()
        imagine(dbn, space.code_at(point))
        times.append(time.perf_counter() - started)
    figures["cursor_to_image_ms_median"] = float(np.median(times) * 1e3)
    figures["cursor_to_image_ms_p99"] = float(np.percentile(times, 99) * 1e3)
    wander = Wander(space, seed, speed=0.01)
    previous, changes = None, []
    for frame in range(int(wander_seconds * fps)):
        picture = imagine(dbn, space.code_at(wander.position(frame / fps)))
        if previous is not None:
            changes.append(float(np.abs(picture - previous).mean()))
        previous = picture
    changes = np.array(changes)
    figures["cursor_speed_map_widths_per_s"] = 0.01
    figures["cursor_frames"] = int(len(changes) + 1)
    figures["cursor_frame_change_max"] = float(changes.max())
    figures["cursor_frame_change_p99"] = float(np.percentile(changes, 99))
    figures["cursor_frame_change_mean"] = float(changes.mean())
    return figures
