"""The picture's figures for ``bench --render``: outline width and staircase, per scene and for a show's start.

Each scene plays alone for a few seconds of show time at the output size in one edge style (palette
"bone", black to white); its last frame is measured within the rectangle the field landed in (the
overlays beside it — counters, the learning panel's fields — are not outlines).
"""

from __future__ import annotations

import numpy as np

from leafdream.measure.outline import intensity, outline_figures
from leafdream.render.loop import render_frames
from leafdream.scenes.table import SCENE_NAMES
from leafdream.show.cue import Cue
from leafdream.show.player import Player

SURVEY_SECONDS = 4.0
SURVEY_FPS = 30
# The camera scene without a camera dreams, which the dream's own row already measures; the mapping scene's
# picture is its points (an overlay), not outlines
SURVEYED = tuple(name for name in SCENE_NAMES if name not in ("camera", "mapping"))


def frame_figures(player: Player, frame: np.ndarray) -> dict:
    """``outline_figures`` of ``frame`` (the player's newest), within the rectangle its field landed in."""
    compositor = player.current[2]
    left, top, width, height = compositor.last_rect
    level = intensity(frame[top:top + height, left:left + width], compositor.lut)
    return outline_figures(level)


def scene_survey(context, size: tuple[int, int], edge="crisp", seed: int = 0) -> dict[str, dict]:
    """{scene: outline figures of its frame after SURVEY_SECONDS} for every scene that plays without a camera."""
    figures = {}
    for name in SURVEYED:
        player = Player(context, [Cue(name, 600.0, {}, "bone", 0.0, edge=edge)], size[0], size[1], seed=seed)
        last = {}
        render_frames(player, SURVEY_SECONDS, SURVEY_FPS, None,
                      after_frame=lambda index, frame: last.update(frame=frame))
        figures[name] = frame_figures(player, last["frame"])
    return figures


def show_start_figures(player: Player, seconds: float, fps: int) -> dict:
    """Outline figures of a show's frames at every whole second of its first ``seconds``: the median of each."""
    seen = []

    def measure(index, frame):
        if index and index % fps == 0:
            seen.append(frame_figures(player, frame))

    render_frames(player, seconds, fps, None, after_frame=measure)
    figures = {}
    for key in ("edge_width_px", "staircase"):
        values = [f[key] for f in seen if f[key] == f[key]]
        figures[key] = float(np.median(values)) if values else float("nan")  # NaN: no outline long enough
    return figures
