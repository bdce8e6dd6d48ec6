"""The model's own leaves: the data folder it was trained on, checked by fingerprint, and its fixed split.

One way to load a model's training data and one way to split it, for ``eval``, ``bench --camera``,
``map --compute`` and the map computed at the end of training.
"""

from __future__ import annotations

import numpy as np

from leafdream.data.leaves import LeafSet, load_leaf_folder
from leafdream.errors import LeafdreamError
from leafdream.model.modelfile import Model


def training_leaves(model: Model, data_dir) -> LeafSet:
    """The leaves in ``data_dir``, split as the model recorded; an error unless they are the leaves it learnt."""
    recorded = model.metadata.get("data", {})
    leafset = load_leaf_folder(data_dir, recorded.get("holdout_per_species", 2))
    check_fingerprint(model, leafset)
    return leafset


def check_fingerprint(model: Model, leafset: LeafSet) -> None:
    recorded = model.metadata.get("data", {}).get("fingerprint")
    if recorded and leafset.fingerprint() != recorded:
        raise LeafdreamError(f"{leafset.root}: these are not the leaves {model.path} was trained on "
                             f"(data fingerprint differs); use the training data")


def training_split(model: Model, leafset: LeafSet, need_held_out: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(indices the model trained on, held-out indices) of ``leafset`` by the split recorded in the model.

    With ``need_held_out`` a model that records no held-out leaves is an error (nothing honest to evaluate).
    """
    held_files = set(model.metadata.get("data", {}).get("held_out", []))
    if need_held_out and not held_files:
        raise LeafdreamError(f"{model.path}: the model records no held-out split; retrain it with --holdout 2")
    missing = held_files - set(leafset.files)
    if missing:
        raise LeafdreamError(f"{leafset.root}: {len(missing)} held-out leaves of the model are not in this folder "
                             f"(e.g. {sorted(missing)[0]}); evaluate with the data the model was trained on")
    held = np.isin(np.array(leafset.files), list(held_files))
    return np.nonzero(~held)[0], np.nonzero(held)[0]
