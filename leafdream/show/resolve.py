"""Choosing what to play: a show file, a shipped show by name, or a single scene on its own."""

from __future__ import annotations


import logging
from typing import TYPE_CHECKING

from leafdream.errors import LeafdreamError, did_you_mean
from leafdream.paths import REPO_DIR
from leafdream.show.cue import Cue, safety_loop
from leafdream.scenes.table import SCENE_NAMES


if TYPE_CHECKING:
    from leafdream.show.showfile import Show

log = logging.getLogger(__name__)

SHOWS_DIR = REPO_DIR / "shows"
SHIPPED_SHOWS = ("default", "demo", "camera")


def resolve_show(name: str) -> Show:
    """A show file (``*.toml`` or an existing path), a shipped show by name (a plain loop if its file is gone), or one scene."""
    from pathlib import Path

    from leafdream.show.showfile import Show, load_show


    if name.endswith(".toml") or Path(name).is_file():
        return load_show(name)
    shipped = SHOWS_DIR / f"{name}.toml"
    if shipped.is_file():
        return load_show(shipped)
    if name in SHIPPED_SHOWS:  # the shows folder is missing: a plain loop keeps the piece running
        log.warning("%s is missing; playing a plain loop of the dream, drift, layers and xerox scenes", shipped)
        return Show(path=name, name=name, seed=0, loop=True, cues=safety_loop())
    if name in SCENE_NAMES:
        return Show(path=name, name=name, seed=0, loop=True, cues=[Cue(name, 3600.0, {}, "moss", 0.0)])
    options = sorted(SHIPPED_SHOWS) + sorted(SCENE_NAMES)
    hint = did_you_mean(name, options)
    raise LeafdreamError(f"unknown show {name!r}{hint} (shipped shows: {', '.join(SHIPPED_SHOWS)}; "
                         f"or one scene: {', '.join(sorted(SCENE_NAMES))}; or a show file, e.g. shows/default.toml)")
