"""The health policy: what the heartbeat says about the running piece, and when it says it.

An error counts against health for ``ERROR_MEMORY`` seconds after it was last seen change.
"""

from __future__ import annotations

import psutil

ERROR_MEMORY = 300.0


class Health:
    """Writes the heartbeat when it is due, from the state of the frame just shown."""

    def __init__(self, heartbeat, process=None):
        self.heartbeat = heartbeat
        self.process = process or psutil.Process()
        self.last_error, self.last_error_at = "", None

    def after_frame(self, dt: float, now: float, error_now: str, state) -> float | None:
        """Note the frame's error (``now`` in seconds of a monotonic clock); when a heartbeat is due, write it
        from ``state()`` (a dict, built only then). Returns RSS in MB when the heartbeat was written."""
        if error_now and error_now != self.last_error:
            self.last_error, self.last_error_at = error_now, now
        if not self.heartbeat.due(dt):
            return None
        report = self.report(now, state())
        self.heartbeat.write(report)
        return report["rss_mb"]

    def report(self, now: float, state: dict) -> dict:
        """``state`` with memory, the last error and whether the piece is healthy now (no error in the last
        ``ERROR_MEMORY`` seconds): what the heartbeat and the status page say."""
        recent_error = self.last_error_at is not None and now - self.last_error_at < ERROR_MEMORY
        return {**state, "rss_mb": self.process.memory_info().rss / 1e6, "last_error": self.last_error,
                "healthy": not recent_error}
