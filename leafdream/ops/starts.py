"""Crash loops end: a show that ended the piece soon after its start twice in a row is not played a third time.

A service restarts leafdream when it dies, hangs (the watchdog) or outgrows its memory. When the
show itself is the cause — a scene that fails on some machine only, a setting that hangs the loop
— it would fail again at every restart, for weeks. So each start is recorded in the state folder
(``starts.json``: the show asked for, its file's modification time, how many starts in a row did
not get far) from its first frame on — a start that ends before the show plays (no screen, a bad
argument) says nothing of the show — and a start is *settled* once the piece has run well for
``SETTLED_AFTER`` seconds or stopped cleanly. The third start in a row of the same, unchanged show that never settled plays
the last good show or the built-in loop instead (``show/fallback.py``), and ``status`` says why.
Editing the show file (a new modification time) gives it a fresh chance.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from leafdream.atomic import write_text
from leafdream.paths import user_state_dir

log = logging.getLogger(__name__)

STARTS = "starts.json"
SETTLED_AFTER = 120.0   # seconds of running well after which a start did not fail
FAILED_STARTS = 2       # unsettled starts in a row after which the show is set aside


def _stamp(show: str):
    try:
        return Path(show).stat().st_mtime_ns if Path(show).is_file() else None
    except OSError:
        return None


class StartRecord:
    """The record of recent starts, in ``folder`` (default: the state folder)."""

    def __init__(self, folder: Path | None = None):
        self.path = (folder or user_state_dir()) / STARTS
        self.settled = False
        self.set_aside = False  # this run plays a fallback instead: it says nothing of the show asked for
        self.show, self.stamp, self.failed = "", None, 0

    def _read(self) -> dict:
        try:
            record = json.loads(self.path.read_text())
            return record if isinstance(record, dict) else {}
        except (OSError, ValueError):
            return {}

    def _write(self, record: dict) -> None:
        try:
            write_text(self.path, json.dumps(record))
        except OSError as error:
            log.warning("the record of starts could not be written to %s (%s)", self.path, error.strerror or error)

    def check(self, show: str) -> int:
        """How many starts of ``show``, unchanged, in a row before this one never settled (and so whether this run
        sets it aside); nothing is written yet."""
        record = self._read()
        self.show, self.stamp = show, _stamp(show)
        same = record.get("show") == show and record.get("stamp") == self.stamp
        self.failed = int(record.get("unsettled", 0)) if same and isinstance(record.get("unsettled"), int) else 0
        self.set_aside = self.failed >= FAILED_STARTS
        return self.failed

    def record(self) -> None:
        """The show has begun to play (the first frame): count this start until it settles. A start that ends before
        (no screen, a bad argument) says nothing of the show."""
        count = self.failed if self.set_aside else self.failed + 1
        self._write({"show": self.show, "stamp": self.stamp, "unsettled": count})

    def begin(self, show: str) -> int:
        """``check`` and ``record`` at once: a start that plays."""
        failed = self.check(show)
        self.record()
        return failed

    def settle(self) -> None:
        """This start did not fail: it ran well for a while or stopped cleanly."""
        if not self.settled and not self.set_aside:
            self.settled = True
            record = self._read()
            self._write({**record, "unsettled": 0})

    def running_well(self, seconds: float) -> None:
        """Called as the run goes on with how long it has run well."""
        if seconds >= SETTLED_AFTER:
            self.settle()

