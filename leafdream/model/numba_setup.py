"""Point Numba's compiled-kernel cache at a writable user cache directory.

Imported before numba anywhere in leafdream. ``NUMBA_CACHE_DIR`` is read by numba at import
time, so it is set here unless the user already chose one.
"""

import os

from leafdream.paths import user_cache_dir

if "NUMBA_CACHE_DIR" not in os.environ:
    cache = user_cache_dir() / "numba"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        os.environ["NUMBA_CACHE_DIR"] = str(cache)
    except OSError:
        pass  # numba then falls back to __pycache__ next to the source, or compiles every start

import numba  # noqa: E402,F401  (imported here so the variable is read now)
