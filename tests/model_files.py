"""Helpers for tests that damage model files: rewrite one with a change, change its metadata, or add array
headers that claim sizes the file does not hold."""

import io
import json
import zipfile

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


def header_only(shape, dtype="<f4", version=(1, 0)) -> bytes:
    """An .npy member that claims ``shape`` and holds no data: what a damaged or hostile file may say."""
    out = io.BytesIO()
    header = {"descr": dtype, "fortran_order": False, "shape": tuple(shape)}
    write = np.lib.format.write_array_header_1_0 if version == (1, 0) else np.lib.format.write_array_header_2_0
    write(out, header)
    return out.getvalue()


def with_members(model_file, target, members):
    """``model_file``'s archive with ``members`` [(name, bytes)] put before its own (replacing any of theirs)."""
    with zipfile.ZipFile(model_file) as source, zipfile.ZipFile(target, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
        for info in source.infolist():
            if info.filename not in dict(members):
                archive.writestr(info, source.read(info))
    return target
