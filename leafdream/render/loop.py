"""The one render loop offline: a player advanced frame by frame, each frame to a sink.

Used by ``render``, ``bench --render`` and the camera bench. Deterministic for a seed: the frame governor is off (full effort every frame) and every
time the scenes see comes from the frame counter, so two renders are identical.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from leafdream.render.cores import drawing_cores
from leafdream.render.sinks import FrameSink




def render_frames(player, seconds: float, fps: int, sink: FrameSink | None, governor=None,
                  after_frame: Callable[[int, np.ndarray], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Render ``seconds`` of show: (work time of every frame (update + compose, no encoding), the
    governor's effort for every frame). With a FrameGovernor the Gibbs work follows the frame time,
    as in ``leafdream run``; ``after_frame(index, frame)`` is called after each frame (untimed)."""
    frames = int(round(seconds * fps))
    work = np.empty(frames)
    efforts = np.ones(frames)
    with drawing_cores():
        _render_into(player, fps, sink, governor, after_frame, work, efforts)
    return work, efforts


def _render_into(player, fps, sink, governor, after_frame, work, efforts) -> None:
    for index in range(len(work)):
        effort = governor.effort if governor is not None else 1.0
        started = time.perf_counter()
        player.update(1.0 / fps, effort)
        frame = player.frame()
        work[index] = time.perf_counter() - started
        efforts[index] = effort
        if governor is not None:
            governor.record(work[index])
        if sink is not None:
            sink.write(frame)
        if after_frame is not None:
            after_frame(index, frame)


MAX_FAST_FORWARD_FRAMES = 60 * 60 * 60 * 24  # a day of frames at 60 fps: a start further on is not a preview


def start_frames(make_player, fps: int, seconds: float | None = None, cue: float | None = None) -> tuple[int, int]:
    """(F, B): the first frame to draw for a render starting ``seconds`` into the show or where cue number
    ``cue`` first begins, and the frame from which scenes must run for frame F to be the full render's frame F
    (the cue alive at F began then — or the one before it, while their crossfade lasts). Found on a dry player
    (the show clock alone), so it costs next to nothing. ``make_player(dry)`` makes the show's player."""
    from leafdream.errors import LeafdreamError

    player = make_player(True)
    dt = 1.0 / fps
    began, began_before = 0, 0  # frames whose update began the current cue and the one before it
    target = int(round(seconds * fps)) if seconds is not None else None
    if cue is not None and player.cue_number == cue:
        return 0, 0  # the cue the show begins with
    for frame in range(MAX_FAST_FORWARD_FRAMES):
        before = (player.round, player.index)
        player.update(dt)
        begun = (player.round, player.index) != before
        if begun:
            began, began_before = frame, began
        found = frame == target or (cue is not None and begun and player.cue_number == cue)
        if found:
            return frame, began_before if player.previous is not None else began  # still crossfading: both run
        if player.finished:
            raise LeafdreamError(f"the show ends before {_what(seconds, cue)}: it does not loop")
    raise LeafdreamError(f"{_what(seconds, cue)} is not reached within a day of show time")


def _what(seconds, cue) -> str:
    return f"cue {cue:g}" if cue is not None else f"{seconds:.0f} s"


def fast_forward(make_player, fps: int, first: int, live_from: int, on_frame: Callable[[int], None] | None = None):
    """A player standing just before frame ``first`` as a full render's would: dry (the clock alone) until
    frame ``live_from``, its scenes run undrawn from there. ``on_frame(frame)`` after each (for progress)."""
    player = make_player(live_from > 0)
    dt = 1.0 / fps
    for frame in range(first):
        if frame == live_from:
            player.dry = False  # the cue that begins in this frame's update gets its real scene
        player.update(dt)
        if on_frame is not None:
            on_frame(frame)
    return player
