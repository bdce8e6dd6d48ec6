"""Every frame's work since the start, in constant memory: the percentiles of a whole run (weeks of frames)."""

from __future__ import annotations

import numpy as np

BIN_MS = 0.1    # resolution of the percentiles
TOP_MS = 1000.0  # frames slower than this count in the last bin


class FrameTimes:
    """A histogram of frame work in ``BIN_MS`` bins; ``add`` once a frame costs a counter increment."""

    def __init__(self):
        self.counts = np.zeros(int(TOP_MS / BIN_MS) + 1, np.int64)
        self.frames = 0
        self.worst = 0.0

    def add(self, milliseconds: float) -> None:
        self.counts[min(int(milliseconds / BIN_MS), len(self.counts) - 1)] += 1
        self.frames += 1
        self.worst = max(self.worst, milliseconds)

    def percentile(self, q: float) -> float:
        """The work in ms that ``q`` % of the frames so far stayed within (0 before the first frame)."""
        if not self.frames:
            return 0.0
        index = int(np.searchsorted(np.cumsum(self.counts), q / 100 * self.frames))
        if index >= len(self.counts) - 1:  # among the frames slower than the top bin: the worst is what is known
            return self.worst
        return min((index + 1) * BIN_MS, self.worst)

    def share_over(self, milliseconds: float) -> float:
        """The share of frames whose work passed ``milliseconds``."""
        if not self.frames:
            return 0.0
        return float(self.counts[int(milliseconds / BIN_MS) + 1:].sum() / self.frames)
