"""Choosing what to play: a built-in show by name, or a single scene played on its own.

(The show-script file format is separate work; until it lands, shows are these built-ins.)
"""

from __future__ import annotations

import difflib

from .errors import LeafdreamError
from .player import BUILTIN_SHOWS, Cue
from .scenes.base import SCENE_NAMES, make_scene  # noqa: F401


def resolve_show(name: str) -> list[Cue]:
    """Cues of built-in show ``name``, or one long cue of the scene ``name``."""
    from .scenes import base  # noqa: F401
    from .scenes import camera, dream, drift, layers, xerox  # noqa: F401  (registers the scenes)

    if name in BUILTIN_SHOWS:
        return list(BUILTIN_SHOWS[name])
    if name in SCENE_NAMES:
        return [Cue(name, 3600.0, {}, "moss", 0.0)]
    options = sorted(BUILTIN_SHOWS) + sorted(SCENE_NAMES)
    close = difflib.get_close_matches(name, options, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise LeafdreamError(f"unknown show {name!r}{hint} (built-in shows: {', '.join(sorted(BUILTIN_SHOWS))}; "
                         f"or one scene: {', '.join(sorted(SCENE_NAMES))}; show files are not supported yet)")
