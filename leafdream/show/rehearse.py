"""Every scene of a show played for a few frames behind the splash, before the first frame.

The first time a scene begins, it allocates its buffers (the dream's chains, the layers' panels,
the compositor's frames at the screen's size) and its code is loaded: a frame or two of 50-300 ms,
and memory that climbs through the first round of the show (+19 MB over the default show's first
18 minutes at 1080p) before it stays flat. Played once at the start, each scene costs that there;
the allocator keeps what they used, and the show's first round runs as smoothly as its tenth.
"""

from __future__ import annotations

import logging

from leafdream.scenes.context import SceneContext
from leafdream.show.cue import Cue
from leafdream.show.player import Player

log = logging.getLogger(__name__)

FRAMES = 3  # updates and drawings per scene: the first allocates, the next ones reuse


def rehearse(context: SceneContext, show, size: tuple[int, int]) -> list[str]:
    """Play each distinct scene of ``show``'s cues (and its visitors' scene) for ``FRAMES`` frames at ``size``
    (width, height); returns the scenes played. A scene that fails here is logged and left to the player,
    which replaces it by the dream when its cue comes."""
    cues = {}
    for cue in show.cues:
        cues.setdefault(cue.scene, cue)
    if show.visitors.get("enabled", True):
        scene = show.visitors["scene"]
        cues.setdefault(scene, Cue(scene, 60.0, {}, show.visitors["palette"], 0.0, edge=show.visitors["edge"]))
    played = []
    for name, cue in cues.items():
        try:
            player = Player(context, [Cue(cue.scene, 60.0, cue.params, cue.palette, 0.0, fades=cue.fades,
                                          edge=cue.edge)], size[0], size[1], seed=0, announce=False)
            for _ in range(FRAMES):
                player.update(1 / 60)
                player.frame()
        except Exception as error:  # noqa: BLE001 - a rehearsal must never stop the start
            log.warning("scene %s could not be rehearsed at the start (%s: %s); it is made when its cue comes",
                        name, type(error).__name__, error)
            continue
        played.append(name)
    return played
