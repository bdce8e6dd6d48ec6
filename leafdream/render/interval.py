"""Doing something every so many seconds of the dt the loop passes in (never of the wall clock)."""

from __future__ import annotations


class Every:
    """``due(dt)`` is True once every ``seconds`` of dt counted; with ``at_once`` also on the first call."""

    def __init__(self, seconds: float, at_once: bool = False):
        self.seconds = seconds
        self.since = seconds if at_once else 0.0

    def due(self, dt: float) -> bool:
        self.since += dt
        if self.since < self.seconds:
            return False
        self.since = 0.0
        return True
