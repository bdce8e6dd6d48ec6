"""A show on paper: when each cue begins, and what plays at each minute — what ``check`` prints.

It walks the same ``CueSequence`` the player follows (rounds, groups, shuffles, the start cue),
with waits and crossfades as the player applies them. Visitors' interruptions are not in it:
nobody knows when a visitor comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from leafdream.show.cue import Cue, cue_numbers
from leafdream.show.sequence import CueSequence

MOST_LINES = 90                            # the minute view grows its step rather than print more lines
STEPS_S = (15, 30, 60, 120, 300, 600, 900, 1800, 3600)
LONGEST_S = 24 * 3600.0                    # a show on paper is followed for one day at most


@dataclass
class Beginning:
    """One cue beginning on paper: show time ``t`` (s), the cue, its place in its round, and the round (0 = first)."""

    t: float
    cue: Cue
    index: int
    round: int


def beginnings(show, seed: int = 0) -> Iterator[Beginning]:
    """Every cue beginning of ``show`` from its start, in order; ends when the show ends or a cue holds for Go."""
    sequence = CueSequence(show.cues, show.loop, show.arrangement, seed)
    numbers = cue_numbers(sequence.cues)
    index = numbers.index(show.start) if show.start in numbers else 0
    t, first = 0.0, True
    while True:
        cue = sequence.cues[index]
        if not first:
            t += cue.pre_wait
        first = False
        yield Beginning(t, cue, index, sequence.round)
        length = cue.length_before_next()
        if length is None or t > LONGEST_S:
            return
        t += length
        index = sequence.wrap(index + 1)
        if index is None:
            return


def timeline(show, count: int = 12, seed: int = 0) -> list[tuple[float, Cue]]:
    """The next ``count`` cue beginnings from the start of the show: [(show time in s, cue)]."""
    out = []
    for beginning in beginnings(show, seed):
        out.append((beginning.t, beginning.cue))
        if len(out) == count:
            break
    return out


@dataclass
class Moment:
    """What is on screen at show time ``t`` (s): ``cue``, ``into`` s after it began; ``fading_from`` the cue it
    still crossfades over, if any; ``holding``: the cue waits for an operator's Go."""

    t: float
    cue: Cue
    into: float
    fading_from: Cue | None = None
    holding: bool = False


def one_round(show, seed: int = 0) -> tuple[list[Beginning], float | None]:
    """The beginnings of one whole round from the show's start, and its length in s (None: a cue holds for Go
    or the show ends with its last cue's length)."""
    taken: list[Beginning] = []
    for beginning in beginnings(show, seed):
        if taken and (beginning.index, beginning.round > 0) == (taken[0].index, True) or beginning.round > 1:
            return taken, beginning.t
        taken.append(beginning)
    return taken, None


def minutes(show, seed: int = 0) -> tuple[int, list[Moment]]:
    """(step in s, what plays at 0, step, 2·step, …) over one round of the show from its start; the step is one
    minute unless the round is short (15 or 30 s) or long (up to an hour, keeping at most ``MOST_LINES``)."""
    taken, length = one_round(show, seed)
    last = taken[-1]
    end = length if length is not None else last.t + last.cue.duration
    step = next((s for s in STEPS_S if end / s <= MOST_LINES and (s >= 60 or end < 300)), STEPS_S[-1])
    moments, k = [], 0
    for n in range(int(end // step) + 1):
        t = n * step
        if length is not None and t >= length and n:
            break
        while k + 1 < len(taken) and taken[k + 1].t <= t:
            k += 1
        now = taken[k]
        into = t - now.t
        fading = taken[k - 1].cue if k and into < now.cue.crossfade else None
        holding = now.cue.length_before_next() is None and into >= now.cue.duration
        moments.append(Moment(t, now.cue, into, fading, holding))
    if last.cue.length_before_next() is None and moments[-1].t < end:
        moments.append(Moment(end, last.cue, last.cue.duration, None, True))  # where the wait for Go begins
    return step, moments


def clock(seconds: float) -> str:
    minutes_, rest = divmod(int(round(seconds)), 60)
    hours, minutes_ = divmod(minutes_, 60)
    return f"{hours}:{minutes_:02d}:{rest:02d}"
