"""The one parameter contract: every scene parameter's kind, default and valid range, in one place.

``check`` (show files), the scenes themselves, fades and OSC ``set`` all go through ``Param.check``,
so a value that plays is a value that ``check`` passed, and a value ``check`` refuses never plays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from leafdream.errors import LeafdreamError, did_you_mean

KIND_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "text", list: "a list"}


@dataclass(frozen=True)
class Param:
    """One parameter: ``default`` fixes its kind; numbers lie in [low, high]; text may be one of ``choices``."""

    default: object
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    meaning: str = ""

    @property
    def kind(self) -> type:
        return type(self.default)

    @property
    def fades(self) -> bool:
        """Only fractional numbers fade: a whole number (leaves, depth) would jump."""
        return self.kind is float

    def range_words(self) -> str:
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        if self.low is not None and self.high is not None:
            return f"from {_number(self.low)} to {_number(self.high)}"
        return KIND_WORDS.get(self.kind, "a value")

    def check(self, name: str, value):
        """``value`` as this parameter holds it; LeafdreamError in plain words (with the valid range) otherwise."""
        kind = self.kind
        if kind is bool:
            if not isinstance(value, bool):
                raise LeafdreamError(f"{name} must be true or false, got {value!r}")
            return value
        if kind in (int, float):
            if isinstance(value, str):
                hint = " (leave out the quotes)" if is_number_text(value) else ""
                raise LeafdreamError(f"{name} must be {KIND_WORDS[kind]} {self.range_words()}, got the text "
                                     f"{value!r}{hint}")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise LeafdreamError(f"{name} must be {KIND_WORDS[kind]} {self.range_words()}, got {value!r}")
            if kind is int and value != int(value):
                raise LeafdreamError(f"{name} must be a whole number {self.range_words()}, got {value!r}")
            if not self.low <= value <= self.high:
                raise LeafdreamError(f"{name} = {_number(value)} is out of range: {name} goes {self.range_words()}")
            return float(value) if kind is float else int(value) if isinstance(value, float) else value
        if kind is str:
            if not isinstance(value, str):
                raise LeafdreamError(f"{name} must be text, got {value!r}")
            if self.choices and value not in self.choices:
                raise LeafdreamError(f"{name}: unknown value {value!r}" + did_you_mean(
                    value, self.choices, fallback=f"use one of: {', '.join(self.choices)}", lead=" — "))
            return value
        if kind is list and not isinstance(value, list):
            raise LeafdreamError(f"{name} must be a list, got {value!r}")
        return value


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def is_number_text(text: str) -> bool:
    """Whether ``text`` (a quoted value) reads as a number: the artist meant the number."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def readable(value) -> str:
    """A setting's value as people read it: 1.79, not 1.7899991635926227."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def defaults_of(params: dict[str, Param]) -> dict:
    """{name: default} of a scene's parameters."""
    return {name: param.default for name, param in params.items()}


# Shared by the scenes that have them, so one meaning has one range.
SMOOTHING = Param(0.35, 0.0, 60.0, meaning="seconds over which the picture follows; higher is calmer")
TEMPERATURE = Param(1.0, 0.2, 5.0, meaning="1 is the network's own dream; higher wanders, lower settles")
LEAVES = Param(1, 1, 6, meaning="how many dreams side by side")
REHEAT_AFTER = Param(180.0, 0.0, 86400.0, meaning="seconds one species may hold a dream before it starts again "
                                                  "from a leaf of another species (0: never)")
STEPS_PER_SECOND = Param(600.0, 0.0, 5000.0, meaning="Gibbs steps per second: how fast the dream moves")


def like(param: Param, default) -> Param:
    """``param`` with another default (the same range and meaning)."""
    return Param(default, param.low, param.high, param.choices, param.meaning)
