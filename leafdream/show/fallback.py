"""Never dark because of a file: the show to play when the one asked for cannot be read at start.

Every show that loads is kept as the last good show (``last-good-show.toml`` in the state folder,
written atomically). When the show asked for is broken at start — an artist's bad edit before a
reboot — the last good show plays, or, without one, the built-in loop; the broken file stays
watched, so the artist's fix takes over at the next cue as any edit does.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from leafdream.atomic import replacing
from leafdream.errors import LeafdreamError
from leafdream.paths import user_state_dir
from leafdream.show.cue import safety_loop
from leafdream.show.resolve import resolve_show
from leafdream.show.showfile import Show, load_show

log = logging.getLogger(__name__)

LAST_GOOD = "last-good-show.toml"


def last_good_path() -> Path:
    return user_state_dir() / LAST_GOOD


def remember(show: Show) -> None:
    """Keep ``show``'s file as the last good show (nothing for shows that are no file, like one scene)."""
    source = Path(show.path)
    if not source.is_file():
        return
    target = last_good_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with replacing(target) as temporary:
            shutil.copyfile(source, temporary)
    except OSError as error:
        log.warning("the last good show could not be kept in %s (%s)", target, error.strerror or error)


def show_or_fallback(name: str, set_aside: str = "") -> tuple[Show, str]:
    """(the show to play, "" or why it is a fallback). A broken or missing show is logged loudly, never fatal.
    ``set_aside``: why the show asked for is not to be played even if it loads (ops/starts.py), or ""."""
    if set_aside:
        problem = set_aside
    else:
        try:
            show = resolve_show(name)
        except LeafdreamError as error:
            problem = str(error).splitlines()[0]
        else:
            remember(show)
            return show, ""
    kept = last_good_path()
    watched = name if Path(name).is_file() else str(kept)
    try:  # a show set aside is most likely the last good show itself: the built-in loop plays instead
        show = load_show(kept) if kept.is_file() and not set_aside else None
    except LeafdreamError:
        show = None
    if show is not None:
        reason = f"show {name} not usable ({problem}); playing the last good show, {kept}"
        show = Show(**{**vars(show), "path": watched})
    else:
        reason = f"show {name} not usable ({problem}); playing the built-in loop"
        show = Show(path=watched, name="built-in loop", seed=0, loop=True, cues=safety_loop())
    log.error("SHOW FALLBACK: %s", reason)
    return show, reason
