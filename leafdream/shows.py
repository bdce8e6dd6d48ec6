"""Choosing what to play: a show file, a built-in show by name, or a single scene on its own."""

from __future__ import annotations


from typing import TYPE_CHECKING

from .errors import LeafdreamError, did_you_mean
from .paths import REPO_DIR
from .player import BUILTIN_SHOWS, Cue
from .scenes.base import SCENE_NAMES


if TYPE_CHECKING:
    from .showfile import Show

SHOWS_DIR = REPO_DIR / "shows"


def resolve_show(name: str) -> Show:
    """A show file (``*.toml`` or an existing path), a shipped show by name, a built-in show, or one scene."""
    from pathlib import Path

    from .scenes.base import all_scenes
    from .showfile import Show, load_show

    all_scenes()

    if name.endswith(".toml") or Path(name).is_file():
        return load_show(name)
    shipped = SHOWS_DIR / f"{name}.toml"
    if shipped.is_file():
        return load_show(shipped)
    if name in BUILTIN_SHOWS:  # the shows folder is missing: the built-in copy keeps the piece running
        return Show(path=name, name=name, seed=0, loop=True, cues=list(BUILTIN_SHOWS[name]))
    if name in SCENE_NAMES:
        return Show(path=name, name=name, seed=0, loop=True, cues=[Cue(name, 3600.0, {}, "moss", 0.0)])
    options = sorted(BUILTIN_SHOWS) + sorted(SCENE_NAMES)
    hint = did_you_mean(name, options)
    raise LeafdreamError(f"unknown show {name!r}{hint} (built-in shows: {', '.join(sorted(BUILTIN_SHOWS))}; "
                         f"or one scene: {', '.join(sorted(SCENE_NAMES))}; or a show file, e.g. shows/default.toml)")
