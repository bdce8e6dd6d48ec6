"""Helpers for tests that damage model files: rewrite one with a change, or change its metadata."""

import json

import numpy as np


def rewrite(path, target, change, compressed: bool = False):
    """``target``: the model at ``path`` with ``change(arrays)`` applied (compressed: a huge zero array stays small)."""
    with np.load(path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    change(arrays)
    (np.savez_compressed if compressed else np.savez)(target, **arrays)
    return target


def set_meta(arrays, **updates):
    meta = json.loads(arrays["metadata"].tobytes())
    meta.update(updates)
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
