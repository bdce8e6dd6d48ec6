"""The leaf space's code grid, kept in the user cache folder between starts.

Making the grid (``space.code_grid``: a kernel over every leaf for each of 96 x 96 cells) takes
1-2 s on two cores, more than half of a warm start before the first frame. It depends only on
the map's positions and codes and the grid's settings, so it is computed once per model and kept
in ``<user cache>/leafspace/<digest>.npz``, named by a digest of exactly those inputs: another
model, a recomputed map or new settings never find a stale grid. A cache that cannot be read or
written (a read-only home, a damaged file) only costs the time; at most ``KEPT`` grids are kept.
"""

from __future__ import annotations

import hashlib
import logging

import numpy as np

from leafdream.atomic import replacing
from leafdream.leafspace.space import GAP_BLEND, code_grid
from leafdream.paths import user_cache_dir

log = logging.getLogger(__name__)

KEPT = 8        # grids kept in the cache folder (one per model, and models are few)
VERSION = b"1"  # raise when ``code_grid`` changes what it computes


def _digest(positions: np.ndarray, codes: np.ndarray, grid: int, kernel_width: float) -> str:
    digest = hashlib.sha256(VERSION)
    for array in (positions, codes):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    digest.update(f"{grid} {kernel_width!r} {GAP_BLEND!r}".encode())
    return digest.hexdigest()[:32]


def cached_code_grid(positions: np.ndarray, codes: np.ndarray, grid: int, kernel_width: float,
                     folder=None) -> tuple[np.ndarray, np.ndarray]:
    """``space.code_grid``'s answer (grid_codes float32 (grid, grid, D), density float32 (grid, grid)), from the
    cache in ``folder`` (default: the user cache's ``leafspace``) when it holds it, else computed and kept there."""
    folder = folder or user_cache_dir() / "leafspace"
    path = folder / f"{_digest(positions, codes, grid, kernel_width)}.npz"
    shape = (grid, grid, np.shape(codes)[1])
    try:
        with np.load(path, allow_pickle=False) as kept:
            grid_codes, density = kept["grid_codes"], kept["density"]
        if grid_codes.shape == shape and density.shape == shape[:2] and grid_codes.dtype == density.dtype == np.float32:
            return grid_codes, density
        log.info("the leaf space's cached grid %s does not fit; computing it again", path)
    except FileNotFoundError:
        pass
    except Exception as error:  # a damaged or unreadable file: the grid is computed again
        log.info("the leaf space's cached grid %s could not be read (%s); computing it again", path, error)
    grid_codes, density = code_grid(positions, codes, grid, kernel_width)
    try:
        with replacing(path, suffix=".tmp.npz") as temporary:
            np.savez(temporary, grid_codes=grid_codes, density=density)
        for old in sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)[KEPT:]:
            old.unlink(missing_ok=True)
    except OSError as error:
        log.info("the leaf space's grid could not be kept in %s (%s); it is computed at every start", folder,
                 error.strerror or error)
    return grid_codes, density
