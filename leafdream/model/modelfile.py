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


MOST_METADATA_BYTES = 20 * 1024 ** 2   # the JSON block: names of a few thousand leaves, the training history
MOST_ARRAY_BYTES = 1024 ** 3          # any one array (a 16384 x 16384 float32 weight matrix)
MOST_TOTAL_BYTES = 2 * 1024 ** 3      # all arrays together, before any is read
MOST_UNITS = 65536                    # units in one layer
# the metadata fields leafdream reads, with the kind each must be
METADATA_KINDS = {"data": dict, "training": dict, "normalisation": dict, "credit": str}
DATA_KINDS = {"files": list, "species": list, "leaf_species": list, "held_out": list, "fingerprint": str,
              "root": str}


def _array_shapes(path) -> dict[str, tuple[tuple, np.dtype]]:
    """{name: (shape, dtype)} of every array in an .npz, read from the headers alone (nothing is allocated)."""
    shapes = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                formats = np.lib.format
                reader = formats.read_array_header_1_0 if version == (1, 0) else formats.read_array_header_2_0
                shape, _, dtype = reader(member)
            shapes[info.filename[:-4]] = (tuple(shape), np.dtype(dtype))
    return shapes


def _check_sizes(path, shapes: dict) -> None:
    """Refuse, before loading, arrays no leafdream model holds: too large, of objects, or of the wrong kind."""
    total = 0
    for name, (shape, dtype) in shapes.items():
        if dtype.hasobject:
            _fail(path, f"array '{name}' holds Python objects; a leafdream model holds numbers only")
        count = int(np.prod(shape, dtype=np.float64)) if shape else 1
        size = count * dtype.itemsize
        limit = MOST_METADATA_BYTES if name == "metadata" else MOST_ARRAY_BYTES
        if size > limit:
            _fail(path, f"array '{name}' would take {size / 1024 ** 2:.0f} MB (shape {shape}); a leafdream model's "
                        f"arrays take at most {limit / 1024 ** 2:.0f} MB — the file is damaged or not a model")
        total += size
    if total > MOST_TOTAL_BYTES:
        _fail(path, f"its arrays would take {total / 1024 ** 3:.1f} GB in all; a leafdream model takes at most "
                    f"{MOST_TOTAL_BYTES / 1024 ** 3:.0f} GB — the file is damaged or not a model")


def _check_metadata(path, metadata: dict) -> None:
    """The metadata fields leafdream reads are of the kind it reads them as."""
    for key, kind in METADATA_KINDS.items():
        if key in metadata and not isinstance(metadata[key], kind):
            _fail(path, f"model metadata '{key}' is a {type(metadata[key]).__name__}, expected a {kind.__name__}")
    data = metadata.get("data", {})
    for key, kind in DATA_KINDS.items():
        if key in data and not isinstance(data[key], kind):
            _fail(path, f"model metadata 'data.{key}' is a {type(data[key]).__name__}, expected a {kind.__name__}")
    for key in ("files", "species", "leaf_species", "held_out"):
        if any(not isinstance(item, str) for item in data.get(key, [])):
            _fail(path, f"model metadata 'data.{key}' must list names (text)")


def load_model(path: str | Path) -> Model:
    """Read and check a model file; any problem is one LeafdreamError line naming the file. Sizes and kinds are
    checked from the archive's headers before any array is read, so a damaged file cannot fill the memory."""
    path = Path(path)
    if not path.exists():
        _fail(path, "model file does not exist (train one with 'leafdream train --data DIR --out FILE')")
    if path.is_dir():
        _fail(path, "is a folder, expected a model file (.npz)")
    try:
        if not zipfile.is_zipfile(path):
            _fail(path, "not a readable leafdream model (truncated or corrupt: not an .npz archive, or empty)")
        _check_sizes(path, _array_shapes(path))
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except LeafdreamError:
        raise
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
    if not all(isinstance(units, int) and 2 <= units <= MOST_UNITS for units in sizes):
        _fail(path, f"model metadata 'layer_sizes' must be whole numbers from 2 to {MOST_UNITS}, got {sizes!r}")
    _check_metadata(path, metadata)
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
