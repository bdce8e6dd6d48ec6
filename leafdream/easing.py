"""Named easing curves: f(u) for u in [0, 1], f(0) = 0, f(1) = 1 (the usual in-out family)."""

from __future__ import annotations

import math
from typing import Callable

from leafdream.errors import LeafdreamError


def linear(u: float) -> float:
    return u


def sine(u: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * u)


def cubic(u: float) -> float:
    return 4 * u ** 3 if u < 0.5 else 1 - (-2 * u + 2) ** 3 / 2


def quintic(u: float) -> float:
    return 16 * u ** 5 if u < 0.5 else 1 - (-2 * u + 2) ** 5 / 2


EASINGS: dict[str, Callable[[float], float]] = {"linear": linear, "sine": sine, "cubic": cubic, "quintic": quintic}


def easing(name: str) -> Callable[[float], float]:
    """The easing curve called ``name``; a clear error listing the known ones otherwise."""
    try:
        return EASINGS[name]
    except KeyError:
        raise LeafdreamError(f"unknown easing {name!r}; use one of {', '.join(EASINGS)}") from None
