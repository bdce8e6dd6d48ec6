"""Computing the leaf-space map for a model and keeping it inside the model file.

Extras stored in the model's ``.npz``:
  ``map_positions`` float32 (N, 2)  t-SNE positions of the N training leaves in [0, 1]^2
  ``map_codes``     uint8 (N, D)    their top-level codes, probabilities quantised to 0..255
  ``map_features``  float16 (N, F)  the standardised deep codes the positions were computed from
  ``map_feature_mean``, ``map_feature_scale`` float32 (F,) the standardisation
  ``map_leaf``      int32 (N,)      index of each leaf in ``metadata['data']['files']``
  ``map_trajectory`` float16 (T, N, 2) the positions while t-SNE formed the map, the last = the map
"""

from __future__ import annotations

import logging

import numpy as np

from leafdream.data.dataset import normalised_leaves
from leafdream.errors import LeafdreamError
from leafdream.leafspace.grid_cache import cached_code_grid
from leafdream.leafspace.space import LeafSpace, code_of, compute_map, deep_codes
from leafdream.data.leaves import LeafSet
from leafdream.model.modelfile import Model
from leafdream.model.split import training_split

logger = logging.getLogger(__name__)

MAP_KEYS = ("map_positions", "map_codes", "map_leaf")


def add_map(model: Model, leafset: LeafSet, seed: int = 0, log=None) -> LeafSpace:
    """Compute the t-SNE map of the model's training leaves and store it in ``model.extras``."""
    log = log or logger.info
    index, _ = training_split(model, leafset, need_held_out=False)
    log(f"leaf space: t-SNE of {len(index)} leaves' deep codes")
    pixels = normalised_leaves(leafset, model.size, index)
    codes = code_of(model.dbn, pixels)
    deep = deep_codes(model.dbn, pixels)
    mean, scale = deep.mean(axis=0), deep.std(axis=0) + 1e-3
    features = ((deep - mean) / scale).astype(np.float32)
    trajectory: list = []
    positions = compute_map(features, seed=seed, trajectory=trajectory)
    model.extras["map_positions"] = positions
    # The map forming, for the mapping scene: float16 is plenty for positions on a screen.
    model.extras["map_trajectory"] = np.clip(np.stack(trajectory), -1.0, 2.0).astype(np.float16)
    model.extras["map_codes"] = np.round(codes * 255).astype(np.uint8)
    model.extras["map_leaf"] = index.astype(np.int32)
    model.extras["map_features"] = features.astype(np.float16)
    model.extras["map_feature_mean"] = mean.astype(np.float32)
    model.extras["map_feature_scale"] = scale.astype(np.float32)
    return leaf_space(model)


def leaf_space_if_any(model: Model) -> LeafSpace | None:
    """The model's leaf space, or None for a model without a map (which plays without the map's scenes)."""
    return leaf_space(model) if "map_positions" in model.extras else None


def leaf_space(model: Model) -> LeafSpace:
    """The model's leaf space; a clear error saying how to compute it when the file has none."""
    if any(key not in model.extras for key in MAP_KEYS):
        where = model.path or "this model"
        raise LeafdreamError(
            f"{where}: has no leaf-space map; compute one with "
            f"'leafdream map --compute --data DIR --model {model.path or 'FILE'}' (DIR: the data it was trained on)"
        )
    positions = model.extras["map_positions"].astype(np.float32)
    codes = model.extras["map_codes"].astype(np.float32) / 255.0
    leaf = model.extras["map_leaf"].astype(np.int64)
    species_of_leaf = model.metadata.get("data", {}).get("leaf_species", [])
    if positions.shape != (len(leaf), 2) or codes.shape[0] != len(leaf) or codes.shape[1] != model.dbn.top.n_hidden:
        raise LeafdreamError(f"{model.path}: the leaf-space map does not fit this model's shapes; recompute it")
    species = np.array([species_of_leaf[i] if i < len(species_of_leaf) else "unknown" for i in leaf])
    all_files = model.metadata.get("data", {}).get("files", [])
    files = [all_files[i] if i < len(all_files) else "" for i in leaf]
    features, mean, scale = None, None, None
    if "map_features" in model.extras:  # maps made before these were added place leaves by top-level codes
        features = model.extras["map_features"].astype(np.float32)
        mean = model.extras["map_feature_mean"].astype(np.float32)
        scale = model.extras["map_feature_scale"].astype(np.float32)
        if len(features) != len(leaf) or mean.shape != (features.shape[1],) or scale.shape != mean.shape:
            raise LeafdreamError(f"{model.path}: the leaf-space map's features do not fit its leaves; recompute it")
    return LeafSpace.build(positions, codes, species, files=files, features=features, feature_mean=mean,
                           feature_scale=scale, grid_of=cached_code_grid)
