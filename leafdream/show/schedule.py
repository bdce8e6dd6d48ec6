"""Opening hours and per-day seeds: when the installation shows, and how each day differs.

Hours are written like ``"tue-sun 10:00-18:00"`` or ``"mon-fri 10:00-18:00, sat 11:00-20:00"``
(``daily`` for every day; a range may pass midnight, ``20:00-02:00``). Every check takes the
time as an argument: nothing here reads the clock.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ENTRY = re.compile(r"^\s*(?P<days>[a-z]+(?:\s*-\s*[a-z]+)?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True)
class Opening:
    days: frozenset   # weekday numbers, Monday = 0
    start: time
    end: time

    def covers(self, moment: datetime) -> bool:
        clock = moment.time()
        if self.start < self.end:
            return moment.weekday() in self.days and self.start <= clock < self.end
        # passes midnight: the evening belongs to the day it starts, the small hours to the day before
        yesterday = (moment.weekday() - 1) % 7
        return (moment.weekday() in self.days and clock >= self.start) or (yesterday in self.days and clock < self.end)


@dataclass(frozen=True)
class Hours:
    openings: tuple

    def is_open(self, moment: datetime) -> bool:
        return any(opening.covers(moment) for opening in self.openings)

    def next_change(self, moment: datetime, horizon_days: int = 8) -> datetime | None:
        """The first minute after ``moment`` at which open/closed flips (None if it never does)."""
        state = self.is_open(moment)
        probe = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(horizon_days * 24 * 60):
            if self.is_open(probe) != state:
                return probe
            probe += timedelta(minutes=1)
        return None


ALWAYS = Hours((Opening(frozenset(range(7)), time(0, 0), time(0, 0)),))


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return time(0, 0)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(f"{text!r} is not a time of day (00:00 to 24:00)")
    return time(hours, minutes)


def _days(text: str) -> frozenset:
    text = text.replace(" ", "")
    if text in ("daily", "everyday"):
        return frozenset(range(7))
    names = text.split("-")
    for name in names:
        if name not in DAYS:
            raise ValueError(f"unknown day {name!r}; write days as {', '.join(DAYS)} or daily")
    if len(names) == 1:
        return frozenset({DAYS.index(names[0])})
    first, last = DAYS.index(names[0]), DAYS.index(names[1])
    return frozenset((first + k) % 7 for k in range((last - first) % 7 + 1))


def parse_hours(text: str) -> Hours:
    """Hours from text like "tue-sun 10:00-18:00, sat 11:00-20:00"; ValueError with a hint otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError('write opening hours like "tue-sun 10:00-18:00"')
    if text.strip().lower() in ("always", "24/7"):
        return ALWAYS
    openings = []
    for entry in text.lower().split(","):
        match = _ENTRY.match(entry)
        if not match:
            raise ValueError(f"cannot read {entry.strip()!r}; write opening hours like \"tue-sun 10:00-18:00\"")
        start, end = _clock(match.group("start")), _clock(match.group("end"))
        if start == end:
            raise ValueError(f"{entry.strip()!r} opens and closes at the same time")
        openings.append(Opening(_days(match.group("days")), start, end))
    return Hours(tuple(openings))


def day_seed(show_seed: int, day: date) -> int:
    """A seed for one day of the show: every day differs, and any day can be replayed exactly."""
    digest = hashlib.sha256(f"{show_seed}:{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:4], "little")
