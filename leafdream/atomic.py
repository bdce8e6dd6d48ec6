"""Replacing a file atomically: readers see the old file or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: str | Path, suffix: str = ".tmp"):
    """Yield a temporary path beside ``path``; when the block succeeds it is renamed over ``path``.

    On an error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=suffix)
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_text(path: str | Path, text: str, mode: int | None = None) -> None:
    """Replace the file at ``path`` with ``text`` atomically (its folder made if missing); ``mode``: its
    permissions (default: readable by its owner alone, as a temporary file is made)."""
    with replacing(path) as temporary:
        Path(temporary).write_text(text)
        if mode is not None:
            os.chmod(temporary, mode)
