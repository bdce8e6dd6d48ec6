"""What the status page shows, kept up to date by the loop: health now, the last minutes of frame rate and
frame work, the show's place, the camera's state, memory, the last log lines, a thumbnail of the art.

The loop (main thread) calls ``update`` every frame; the page's server (another thread) reads ``snapshot()``
and ``thumbnail``, each replaced whole, so a reader never sees half an update; the loop only scales the
thumbnail down, the request that asks for it encodes the PNG. The thumbnail is made from the
frame the installation drew — the art — never from a camera picture.
"""

from __future__ import annotations

import logging
import math
from collections import deque

import numpy as np

from leafdream.ops.heartbeat import judge

HISTORY_S = 600          # seconds of frame-rate and frame-work history
THUMBNAIL_WIDTH = 320
THUMBNAIL_EVERY_S = 2.0
LOG_LINES = 50


class RecentLog(logging.Handler):
    """The last ``LOG_LINES`` log lines, one timestamp each, for the page."""

    def __init__(self, lines: int = LOG_LINES):
        super().__init__(logging.INFO)
        self.lines: deque[str] = deque(maxlen=lines)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a log line that cannot be formatted must not reach the loop
            self.handleError(record)


def small_copy(frame: np.ndarray, width: int = THUMBNAIL_WIDTH) -> np.ndarray:
    """The uint8 (H, W, 3) RGB ``frame`` scaled to ``width`` pixels across: a new array, whatever the frame's
    buffer is used for next."""
    import cv2

    height = max(1, round(frame.shape[0] * width / frame.shape[1]))
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)


def png_of(picture: np.ndarray) -> bytes:
    """A PNG of a uint8 (h, w, 3) RGB picture."""
    import cv2

    ok, encoded = cv2.imencode(".png", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    return encoded.tobytes() if ok else bytes()


class StatusBoard:
    """The page's model. ``update(now, work_ms, report, frame)`` once a frame, ``now`` in monotonic seconds."""

    def __init__(self, log: RecentLog, history_s: int = HISTORY_S):
        self.log = log
        self.seconds: deque[dict] = deque(maxlen=history_s)  # one {"t", "fps", "work_p99_ms", "work_max_ms"} a second
        self.second_started: float | None = None
        self.works: list[float] = []
        self.thumbnail_at: float | None = None
        self._small: np.ndarray | None = None  # the art scaled down, by the loop (cheap)
        self._png: tuple = (None, bytes())      # (the picture it was made from, its PNG), made by a page request
        self._snapshot: dict = {}

    def due(self, now: float) -> bool:
        """True when this frame closes a second of history (the report is asked for only then)."""
        return self.second_started is None or now - self.second_started >= 1.0

    def update(self, now: float, work_ms: float, report, frame: np.ndarray | None) -> None:
        """Count one frame's work; once a second, take ``report()`` (the heartbeat's state, built only then) into
        the snapshot, and every ``THUMBNAIL_EVERY_S`` a thumbnail of ``frame``."""
        self.works.append(work_ms)
        if not self.due(now):
            return
        if self.second_started is not None:
            elapsed = now - self.second_started
            self.seconds.append({"t": round(now, 1), "fps": round(len(self.works) / elapsed, 1),
                                 "work_p99_ms": round(float(np.percentile(self.works, 99)), 2),
                                 "work_max_ms": round(max(self.works), 2)})
        self.second_started, self.works = now, []
        state = report()
        healthy, line = judge(state)
        self._snapshot = {**rounded(state), "healthy_now": healthy, "summary": line,
                          "history": list(self.seconds), "log": list(self.log.lines)}
        if frame is not None and (self.thumbnail_at is None or now - self.thumbnail_at >= THUMBNAIL_EVERY_S):
            self._small, self.thumbnail_at = small_copy(frame), now

    def snapshot(self) -> dict:
        return self._snapshot

    @property
    def thumbnail(self) -> bytes:
        """The newest thumbnail as PNG (empty before the first), encoded by the thread that asks, once each."""
        small = self._small
        made_from, png = self._png
        if small is not None and small is not made_from:
            png = png_of(small)
            self._png = (small, png)
        return png


def rounded(state: dict) -> dict:
    """Numbers as a person reads them (two decimals), not 1.7899991635926227; none for a number that is none
    (JSON has no nan)."""
    return {key: (round(value, 2) if math.isfinite(value) else None) if isinstance(value, float) else value
            for key, value in state.items()}
