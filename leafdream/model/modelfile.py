"""The versioned model file: one ``.npz`` (no pickles) holding weights and a JSON metadata block.

Arrays:  ``layer{i}_weights`` (n_i, n_{i+1}), ``layer{i}_visible_bias`` (n_i,),
         ``layer{i}_hidden_bias`` (n_{i+1},) for i = 0..depth-1, ``metadata`` (uint8 JSON text),
         and any extra arrays (e.g. the leaf-space map) under their own names.
Metadata: format, version, size, layer_sizes, normalisation, training (configs, history,
seed), data (fingerprint, species, held-out split), credit.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from leafdream.atomic import replacing
from leafdream.model.dbn import DBN
from leafdream.errors import LeafdreamError
from leafdream.model.rbm import RBM

FORMAT = "leafdream-model"
VERSION = 1
DATA_CREDIT = (
    "Trained on the UCI 'One-hundred plant species leaves data set' (leaf masks), "
    "Charles Mallah, James Cope, James Orwell, 'Plant Leaf Classification Using Probabilistic Integration of "
    "Shape, Texture and Margin Features', Signal Processing, Pattern Recognition and Applications, 2013; "
    "leaves from the Royal Botanic Gardens, Kew. Licensed CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/); images resized, normalised and augmented for training."
)


@dataclass
class Model:
    """A DBN with its metadata and any extra arrays stored beside it."""

    dbn: DBN
    metadata: dict
    extras: dict = field(default_factory=dict)
    path: str = ""

    @property
    def size(self) -> int:
        return self.dbn.size


def save_model(model: Model, path: str | Path) -> Path:
    """Write atomically (temporary file + rename) so a crash never leaves half a model."""
    path = Path(path)
    metadata = dict(model.metadata)
    metadata.update(format=FORMAT, version=VERSION, size=model.dbn.size, layer_sizes=model.dbn.layer_sizes)
    metadata.setdefault("credit", DATA_CREDIT)
    arrays = {"metadata": np.frombuffer(json.dumps(metadata, indent=1).encode(), dtype=np.uint8)}
    for i, rbm in enumerate(model.dbn.layers):
        arrays[f"layer{i}_weights"] = rbm.weights
        arrays[f"layer{i}_visible_bias"] = rbm.visible_bias
        arrays[f"layer{i}_hidden_bias"] = rbm.hidden_bias
    for name, array in model.extras.items():
        arrays[name] = array
    with replacing(path, suffix=".tmp.npz") as temporary:
        np.savez_compressed(temporary, **arrays)
    return path


def _fail(path, problem: str):
    raise LeafdreamError(f"{path}: {problem}")


def load_model(path: str | Path) -> Model:
    """Read and check a model file; any problem is one LeafdreamError line naming the file."""
    path = Path(path)
    if not path.exists():
        _fail(path, "model file does not exist (train one with 'leafdream train --data DIR --out FILE')")
    if path.is_dir():
        _fail(path, "is a folder, expected a model file (.npz)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, zipfile.LargeZipFile) as exc:
        _fail(path, f"not a readable leafdream model (truncated or corrupt: {exc.__class__.__name__}: {exc})")
    except Exception as exc:  # zlib errors and friends from a damaged archive
        _fail(path, f"not a readable leafdream model (corrupt: {exc.__class__.__name__}: {exc})")
    if "metadata" not in arrays:
        _fail(path, "not a leafdream model (no 'metadata' entry)")
    try:
        metadata = json.loads(arrays.pop("metadata").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(path, f"model metadata is not valid JSON ({exc})")
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        _fail(path, f"not a leafdream model (format is {metadata.get('format') if isinstance(metadata, dict) else None!r}, expected {FORMAT!r})")
    version = metadata.get("version")
    if not isinstance(version, int) or version < 1:
        _fail(path, f"model version {version!r} is not valid")
    if version > VERSION:
        _fail(path, f"model version {version} was written by a newer leafdream; this one reads up to version {VERSION}")
    size = metadata.get("size")
    sizes = metadata.get("layer_sizes")
    if not isinstance(size, int) or size < 8 or not isinstance(sizes, list) or len(sizes) < 2:
        _fail(path, f"model metadata has no valid 'size'/'layer_sizes' (got {size!r}, {sizes!r})")
    if sizes[0] != size * size:
        _fail(path, f"wrong shape: layer_sizes[0] is {sizes[0]} but size {size} needs {size * size} pixels")
    layers = []
    for i in range(len(sizes) - 1):
        expected = {
            f"layer{i}_weights": (sizes[i], sizes[i + 1]),
            f"layer{i}_visible_bias": (sizes[i],),
            f"layer{i}_hidden_bias": (sizes[i + 1],),
        }
        for name, shape in expected.items():
            if name not in arrays:
                _fail(path, f"wrong shape: missing array '{name}' for layer_sizes {sizes}")
            if arrays[name].shape != shape:
                _fail(path, f"wrong shape: '{name}' is {arrays[name].shape}, expected {shape}")
            if not np.all(np.isfinite(arrays[name])):
                _fail(path, f"'{name}' contains NaN or infinite values")
        layers.append(RBM(*(np.ascontiguousarray(arrays.pop(name), dtype=np.float32) for name in expected)))
    return Model(dbn=DBN(layers=layers, size=size), metadata=metadata, extras=arrays, path=str(path))
