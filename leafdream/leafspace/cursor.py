"""The cursor that drifts through leaf space: waypoints with easing, or a seeded wander.

Both are pure functions of the show clock: ``position(t)`` for t in seconds gives the same
point every time, so a show renders identically live, offline and in tests, and can be
sought to any moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from leafdream.easing import easing
from leafdream.errors import LeafdreamError
from leafdream.leafspace.space import LeafSpace


def resolve_waypoint(space: LeafSpace, spec, files: list[str] | None = None) -> np.ndarray:
    """A waypoint as a map point (2,): [x, y] coordinates, a species name, or a training leaf's file.

    Species names get a "did you mean"; coordinates outside [0, 1] are clamped with a warning.
    ``files`` are the file names of the map's leaves, in map order.
    """
    if isinstance(spec, (list, tuple, np.ndarray)) and len(spec) == 2:
        try:
            return space.clamp([float(spec[0]), float(spec[1])])
        except (TypeError, ValueError):
            raise LeafdreamError(f"waypoint {spec!r}: coordinates must be two numbers like [0.3, 0.7]") from None
    if isinstance(spec, str):
        if files is not None and re.search(r"/\d+(\.\w+)?$", spec):
            matches = [i for i, f in enumerate(files) if f == spec or f.rsplit(".", 1)[0] == spec]
            if not matches:
                raise LeafdreamError(f"waypoint {spec!r}: no training leaf with that file name (like 'acer_campestre/03.png')")
            return space.positions[matches[0]].astype(np.float64)
        return space.species_position(spec).astype(np.float64)
    raise LeafdreamError(f"waypoint {spec!r}: expected [x, y], a species name or a training leaf file")


@dataclass
class WaypointPath:
    """Travels waypoints (K, 2) at ``speed`` map units per second, easing in and out of each one.

    Holds ``hold`` seconds at every waypoint; loops back to the first when ``loop``.
    """

    points: np.ndarray
    speed: float = 0.01
    ease: str = "sine"
    hold: float = 0.0
    loop: bool = True

    def __post_init__(self):
        self.points = np.asarray(self.points, dtype=np.float64)
        if len(self.points) < 1:
            raise LeafdreamError("a cursor path needs at least one waypoint")
        if self.speed <= 0:
            raise LeafdreamError(f"cursor speed must be positive, got {self.speed}")
        self._ease = easing(self.ease)
        route = np.vstack([self.points, self.points[:1]]) if self.loop and len(self.points) > 1 else self.points
        self._starts, self._ends = route[:-1], route[1:]
        lengths = np.linalg.norm(self._ends - self._starts, axis=1)
        self._durations = lengths / self.speed + self.hold
        self._total = float(self._durations.sum())

    def position(self, t: float) -> np.ndarray:
        """Map point (2,) at show time ``t`` seconds."""
        if len(self.points) == 1 or self._total <= 0:
            return self.points[0].copy()
        if self.loop:
            t = t % self._total
        elif t >= self._total:
            return self.points[-1].copy()
        t = max(t, 0.0)
        for start, end, duration in zip(self._starts, self._ends, self._durations):
            if t < duration:
                travel = duration - self.hold
                u = 1.0 if travel <= 0 else min(t / travel, 1.0)
                return start + (end - start) * self._ease(u)
            t -= duration
        return self._ends[-1].copy()


class Wander:
    """A seeded, smooth random walk through leaf space that keeps to where leaves are.

    It glides along a Catmull-Rom spline through a seeded sequence of map points, each drawn
    near a randomly chosen training leaf, so dense regions are visited in proportion to how
    many leaves they hold. ``speed`` is in map units per second.
    """

    def __init__(self, space: LeafSpace, seed: int, speed: float = 0.01, jitter: float = 0.02):
        if speed <= 0:
            raise LeafdreamError(f"wander speed must be positive, got {speed}")
        self.space = space
        self.speed = speed
        self.rng = np.random.default_rng(seed)
        self.jitter = jitter
        self.knots: list[np.ndarray] = []
        self.times: list[float] = [0.0]
        for _ in range(4):
            self._add_knot()

    def _add_knot(self) -> None:
        leaf = self.space.positions[self.rng.integers(len(self.space.positions))]
        knot = np.clip(leaf + self.rng.normal(0, self.jitter, 2), 0.0, 1.0)
        if self.knots:
            self.times.append(self.times[-1] + max(np.linalg.norm(knot - self.knots[-1]), 1e-3) / self.speed)
        self.knots.append(knot)

    def position(self, t: float) -> np.ndarray:
        """Map point (2,) at show time ``t`` seconds (t >= 0)."""
        t = max(float(t), 0.0)
        while self.times[-2] <= t:
            self._add_knot()
        index = int(np.searchsorted(self.times, t, side="right")) - 1
        index = min(max(index, 0), len(self.knots) - 2)
        u = (t - self.times[index]) / (self.times[index + 1] - self.times[index])
        p0 = self.knots[max(index - 1, 0)]
        p1, p2 = self.knots[index], self.knots[index + 1]
        p3 = self.knots[min(index + 2, len(self.knots) - 1)]
        point = 0.5 * ((2 * p1) + (-p0 + p2) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u ** 2
                       + (-p0 + 3 * p1 - 3 * p2 + p3) * u ** 3)
        return np.clip(point, 0.0, 1.0)
