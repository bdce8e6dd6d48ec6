"""The one render loop offline: a player advanced frame by frame, each frame to a sink.

Used by ``render``, ``bench --render`` and the camera bench. Deterministic for a seed: the frame governor is off (full effort every frame) and every
time the scenes see comes from the frame counter, so two renders are identical.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from leafdream.render.sinks import FrameSink




def render_frames(player, seconds: float, fps: int, sink: FrameSink | None, governor=None,
                  after_frame: Callable[[int, np.ndarray], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Render ``seconds`` of show: (work time of every frame (update + compose, no encoding), the
    governor's effort for every frame). With a FrameGovernor the Gibbs work follows the frame time,
    as in ``leafdream run``; ``after_frame(index, frame)`` is called after each frame (untimed)."""
    frames = int(round(seconds * fps))
    work = np.empty(frames)
    efforts = np.ones(frames)
    for index in range(frames):
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
    return work, efforts
