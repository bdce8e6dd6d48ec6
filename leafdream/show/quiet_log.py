"""Log lines that cannot flood the log: each kind of line at most once an interval, with a count.

A sender that repeats a command 50 times a second (a fader on a console, a script in a loop, a
flood) must not write 50 lines a second: the first line of a kind is said at once; the ones that
follow within ``every`` seconds are counted, and the last of them is said with the count when the
interval is over (``flush``) or with the next one after it — so the end of a fader's sweep is in the
log, at most ``every`` seconds late, and nothing is lost but repetition.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

LOG_EVERY = 10.0  # seconds between two log lines of one kind


class QuietLog:
    """Says each kind of line at most once every ``every`` seconds of ``clock`` (seconds, monotonic) to
    ``logger``; a kind may have its own interval (``say(..., every=1.0)``)."""

    def __init__(self, logger: logging.Logger | None = None, every: float = LOG_EVERY,
                 clock: Callable[[], float] = time.monotonic):
        self.log = logger or logging.getLogger("leafdream")
        self.every, self.clock = every, clock
        self._last: dict[str, tuple[float, float]] = {}  # kind -> (when it was last said, its interval)
        self._held: dict[str, tuple[int, int, str]] = {}  # kind -> (count, level, the last line held)
        self._lock = threading.Lock()

    def warning(self, kind: str, message: str, *args) -> None:
        self.say(logging.WARNING, kind, message, *args)

    def say(self, level: int, kind: str, message: str, *args, every: float | None = None) -> None:
        """Log ``message % args`` at ``level`` now, or count it when a line of ``kind`` was said less than
        ``every`` seconds ago (default: the log's own interval)."""
        now, every = self.clock(), self.every if every is None else every
        with self._lock:
            said = self._last.get(kind)
            if said is not None and now - said[0] < said[1]:
                count = self._held.get(kind, (0, level, ""))[0] + 1
                self._held[kind] = (count, level, message % args if args else message)
                return
            held = self._held.pop(kind, (0, 0, ""))[0]
            self._last[kind] = (now, every)
            if len(self._last) > 10_000:  # kinds named after senders must not grow this without end
                self._last, self._held = {kind: self._last[kind]}, {}
        suffix = f" ({held} more like this in the last {every:.0f} s)" if held else ""
        self.log.log(level, (message % args if args else message) + suffix)

    def flush(self) -> None:
        """Say the last held line of each kind whose interval is over, with how many there were."""
        if not self._held:
            return
        now, lines = self.clock(), []
        with self._lock:
            for kind, (count, level, line) in list(self._held.items()):
                when, every = self._last[kind]
                if now - when >= every:
                    del self._held[kind]
                    self._last[kind] = (now, every)
                    lines.append((level, f"{line} (the last of {count} like this in the last {every:.0f} s)"))
        for level, line in lines:
            self.log.log(level, line)
