"""Freed memory handed back to the system every few seconds, so RSS follows what the piece holds.

glibc keeps the pages of freed heap blocks resident unless they sit at the top of the heap. A
crossfade holds two scenes' buffers at the screen's size; when it ends they are freed, but their
pages stay, so RSS climbed in steps through the default show's first round at 1080p (+20 MB, then
flat at the high-water mark) although nothing leaked. ``malloc_trim(0)`` returns the free pages of
every arena: it took at most 0.4 ms in 30 minutes of the default show at 1080p under Xvfb, and RSS
stayed within 398-408 MiB (without it: +18.5 MB over the same 30 minutes). Elsewhere than glibc the
release does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from typing import Callable

RELEASE_EVERY_S = 10.0  # seconds of show between releases: far more often than scenes change


def _glibc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


class MemoryRelease:
    """Calls the C library's trim once every ``every`` seconds of the time it is given."""

    def __init__(self, every: float = RELEASE_EVERY_S, trim: Callable[[int], int] | None = None):
        self.every = every
        self.trim = trim if trim is not None else _glibc_trim()
        self.since = 0.0
        self.releases, self.longest_ms = 0, 0.0  # for the closing log line: what the releases cost

    def after(self, dt: float) -> bool:
        """``dt`` seconds have passed; True when a release fell due now."""
        self.since += dt
        if self.since < self.every:
            return False
        self.since = 0.0
        if self.trim is not None:
            began = time.perf_counter()
            self.trim(0)
            self.longest_ms = max(self.longest_ms, (time.perf_counter() - began) * 1e3)
        self.releases += 1
        return True
