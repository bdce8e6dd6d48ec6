"""The frame governor: how much Gibbs work fits into the next frame."""

from __future__ import annotations




class FrameGovernor:
    """Keeps the work per frame inside the frame budget by scaling ``effort`` (Gibbs steps per frame).

    Effort drops quickly when a frame runs over 85 % of the budget and recovers slowly
    under 60 %, so the picture slows its sampling rather than stutter.
    """

    def __init__(self, fps: float, minimum: float = 0.05):
        self.budget = 1.0 / fps
        self.minimum = minimum
        self.effort = 1.0

    def record(self, work_seconds: float) -> float:
        if work_seconds > 0.85 * self.budget:
            self.effort = max(self.minimum, self.effort * 0.8)
        elif work_seconds < 0.6 * self.budget:
            self.effort = min(1.0, self.effort * 1.05)
        return self.effort
