"""``leafdream render``: the same player, no window, frames to a video file or numbered PNGs.

Deterministic for a seed: the frame governor is off (full effort every frame) and every
time the scenes see comes from the frame counter, so two renders are identical.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image

from leafdream.errors import LeafdreamError
from leafdream.model.kernels import warm_up
from leafdream.leafspace.store import leaf_space
from leafdream.model.modelfile import load_model
from leafdream.show.player import Player
from leafdream.scenes import SceneContext
from leafdream.show.resolve import resolve_show

VIDEO_SUFFIXES = {".mp4": "mp4v", ".avi": "MJPG"}


class FrameSink:
    """Writes uint8 RGB frames to numbered PNGs in a folder or to a video file."""

    def __init__(self, out: Path, size: tuple[int, int], fps: int):
        self.out = out
        self.count = 0
        self.video = None
        suffix = out.suffix.lower()
        if suffix in VIDEO_SUFFIXES:
            if not out.parent.exists():
                raise LeafdreamError(f"--out {out}: folder {out.parent} does not exist")
            self.video = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*VIDEO_SUFFIXES[suffix]), fps, size)
            if not self.video.isOpened():
                raise LeafdreamError(f"--out {out}: could not open a {suffix} writer here; write PNG frames to a folder instead")
        elif suffix:
            raise LeafdreamError(f"--out {out}: use a folder for PNG frames, or a {' / '.join(VIDEO_SUFFIXES)} file")
        else:
            out.mkdir(parents=True, exist_ok=True)

    def write(self, frame: np.ndarray) -> None:
        if self.video is not None:
            self.video.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        else:
            Image.fromarray(frame).save(self.out / f"frame_{self.count:05d}.png", compress_level=1)
        self.count += 1

    def close(self) -> None:
        if self.video is not None:
            self.video.release()


def load_context(model_path) -> SceneContext:
    """The model and its leaf space, with the kernels warmed up."""
    model = load_model(model_path)
    space = leaf_space(model) if "map_positions" in model.extras else None
    warm_up()
    return SceneContext(model.dbn, space, extras=model.extras)


def build_player(context: SceneContext, show, size: tuple[int, int], seed: int) -> Player:
    """A player of ``show`` (a Show) whose seed mixes the show's own seed and ``seed``."""
    return Player(context, show.cues, size[0], size[1], seed=show.seed * 1_000_003 + seed, loop=show.loop,
                  arrange=show.arrangement)


def make_player(model_path, show: str, size: tuple[int, int], seed: int) -> Player:
    """Everything offline rendering needs: resolve the show, load the model, build the player."""
    resolved = resolve_show(show)
    return build_player(load_context(model_path), resolved, size, seed)


def render_frames(player: Player, seconds: float, fps: int, sink: FrameSink | None, governor=None,
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


def render_command(model_path, show: str, seconds: float, out, size, fps: int, seed: int) -> None:
    if seconds <= 0:
        raise LeafdreamError(f"--seconds must be positive, got {seconds}")
    player = make_player(model_path, show, size, seed)
    sink = FrameSink(Path(out), size, fps)
    try:
        work, _ = render_frames(player, seconds, fps, sink)
    finally:
        sink.close()
    print(f"wrote {sink.count} frames ({size[0]}x{size[1]}, {fps} fps) to {out}")
    print(f"work per frame (encoding excluded): p50 {np.percentile(work, 50) * 1e3:.2f} ms, "
          f"p99 {np.percentile(work, 99) * 1e3:.2f} ms")
    if player.last_error:
        print(f"last error: {player.last_error}")
