"""Human time spans for show files: "45s", "2m30s", "1h", "1.5s", "90" (seconds)."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s)")
LONGEST = 31 * 24 * 3600.0  # seconds: no cue, wait or fade of a show lasts longer than a month


def parse_duration(value) -> float:
    """Seconds from a number or a text like "2m30s"; ValueError with a hint otherwise."""
    if isinstance(value, bool):
        raise ValueError("expected a time like \"45s\" or \"2m30s\", got a true/false value")
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"times must be finite, got {value}")
        if value < 0:
            raise ValueError(f"times cannot be negative, got {value}")
        return _bounded(float(value), value)
    if not isinstance(value, str):
        raise ValueError(f"expected a time like \"45s\" or \"2m30s\", got {value!r}")
    text = value.strip().lower().replace(" ", "")
    if not text:
        raise ValueError("empty time; write it like \"45s\" or \"2m30s\"")
    position, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        number, unit = float(match.group(1)), match.group(2)
        total += number * {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}[unit]
        position = match.end()
    if position != len(text):
        raise ValueError(f"cannot read the time {value!r}; write it like \"45s\", \"2m30s\" or \"1h\"")
    return _bounded(total, value)


def _bounded(seconds: float, value) -> float:
    if not seconds <= LONGEST:
        raise ValueError(f"{value!r} is longer than a show's longest time, 31 days ({LONGEST:.0f} s)")
    return seconds
