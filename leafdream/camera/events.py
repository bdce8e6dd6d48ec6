"""The show's visitor events: "a leaf appeared" (with where it sits in leaf space) and "a leaf has gone".

The watcher decides presence; the completion worker places the leaf on the map a moment
later. "Appeared" waits up to ``wait_for_place`` seconds for the first completion made
from a frame seen after the leaf arrived, so the event can carry the leaf's map position
and nearest species; without one in time (no map, nothing to complete) it goes out
without them. Time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class VisitorEvent:
    kind: str                               # "appeared" or "gone"
    map_position: np.ndarray | None = None  # float (2,) in [0, 1]^2
    relative: str = ""                      # species of the nearest training leaf

    def describe(self) -> str:
        if self.kind == "gone":
            return "a leaf has gone"
        if self.map_position is None:
            return "a leaf appeared"
        x, y = self.map_position
        return f"a leaf appeared, near {self.relative} at ({x:.2f}, {y:.2f}) in leaf space"


class VisitorEvents:
    def __init__(self, wait_for_place: float = 0.5):
        self.wait_for_place = wait_for_place
        self.announced = False      # "appeared" has gone out and "gone" has not
        self._pending_since: float | None = None

    def update(self, now: float, present: bool, completed) -> list[VisitorEvent]:
        """now: seconds on the clock the frame times use; completed: the worker's newest CompletedLeaf or None."""
        if not present:
            self._pending_since = None
            if self.announced:
                self.announced = False
                return [VisitorEvent("gone")]
            return []
        if self.announced:
            return []
        if self._pending_since is None:
            self._pending_since = now
        fresh = completed is not None and completed.frame_time >= self._pending_since - self.wait_for_place
        if fresh and completed.map_position is not None:
            self.announced = True
            return [VisitorEvent("appeared", np.asarray(completed.map_position), completed.relative)]
        if now - self._pending_since >= self.wait_for_place:
            self.announced = True
            return [VisitorEvent("appeared")]
        return []
