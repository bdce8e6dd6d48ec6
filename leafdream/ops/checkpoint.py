"""Coming back where it was after a power cut: the show's position and the scene's chains, saved every few
seconds.

``position.npz`` in the state folder holds one JSON header (the show's identity, the day whose seed built the
player, the wall time of the save, the position in the show, the scene) and the scene's arrays. It is written
to a temporary file, flushed to the disk and renamed over the last one, so a cut mid-write leaves the previous
save. At start it is resumed only when it is recent, of the same show file (same contents) and the same day.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from leafdream.atomic import replacing
from leafdream.render.interval import Every
from leafdream.paths import user_state_dir

log = logging.getLogger(__name__)

EVERY_S = 5.0          # seconds between saves: the most a resumed show can be behind
RECENT_S = 15 * 60.0   # a save older than this is not resumed (the machine was off for long: start afresh)
MAX_BYTES = 64 * 1024 * 1024
HEADER = "header"


def checkpoint_path() -> Path:
    return user_state_dir() / "position.npz"


def show_identity(show) -> str:
    """What makes a show the same show: the text it was read from (an edit is another show), or its name."""
    return f"sha256:{show.digest}" if show.digest else f"name:{show.name}"


@dataclass
class SavedPosition:
    """One save: ``position`` as ``Player.position()`` gives it, ``scene_state`` as ``Scene.state()``."""

    show: str
    day: str
    saved_at: float
    position: dict
    scene: str
    scene_state: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, show: str, saved: dict, now: float) -> "SavedPosition":
        """A save of ``saved`` (``Installation.saved_position()``) of the show ``show`` at wall time ``now``."""
        return cls(show, saved["day"], now, saved["position"], saved["scene"], saved["scene_state"])

    @classmethod
    def of_installation(cls, installation, now: float) -> "SavedPosition | None":
        """A save of what ``installation`` plays now, at wall time ``now``; None while it plays nothing to save."""
        saved = installation.saved_position()
        return None if saved is None else cls.of(show_identity(installation.show), saved, now)

    def for_installation(self) -> dict:
        """What ``Installation.resume`` takes."""
        return {"day": self.day, "position": self.position, "scene": self.scene, "scene_state": self.scene_state}

    def why_not_resumed(self, show: str, day: str, now: float, recent: float = RECENT_S) -> str:
        """"" when this save may be resumed for ``show`` (its identity) on ``day`` at wall time ``now``,
        else why not, in a few words."""
        age = now - self.saved_at
        if self.show != show:
            return "the show is another one (or was edited) since"
        if self.day != day:
            return f"it was saved on {self.day}, today is {day}"
        if age < -EVERY_S:
            return "it is dated in the future (the clock was set back)"
        if age > recent:
            return f"it is {age / 60:.0f} minutes old"
        return ""


class Checkpointer:
    """Saves every ``every`` seconds of dt; a failed save (disk full, folder gone) is logged once.

    ``save`` writes at once; ``submit`` hands the save to a writer thread (the newest waiting save wins), so the
    flush to the disk — tens of milliseconds on a slow card — never holds up a frame. ``close`` waits for it.
    """

    def __init__(self, path: Path, every: float = EVERY_S):
        self.path = Path(path)
        self.timer = Every(every)
        self.failing = False
        self._waiting: queue.Queue = queue.Queue(maxsize=1)
        self._writer: threading.Thread | None = None

    def submit(self, saved: SavedPosition) -> None:
        """Save ``saved`` on the writer thread (replacing a save still waiting there)."""
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_waiting, name="checkpoint", daemon=True)
            self._writer.start()
        try:
            self._waiting.get_nowait()  # an older save not yet written: the newer one replaces it
        except queue.Empty:
            pass
        self._waiting.put_nowait(saved)

    def _write_waiting(self) -> None:
        while True:
            saved = self._waiting.get()
            if saved is None:
                return
            self.save(saved)

    def close(self) -> None:
        """Write what waits, then stop the writer thread."""
        if self._writer is not None:
            self._waiting.put(None)
            self._writer.join(timeout=10)
            self._writer = None

    def due(self, dt: float) -> bool:
        return self.timer.due(dt)

    def save(self, saved: SavedPosition) -> bool:
        header = {"show": saved.show, "day": saved.day, "saved_at": saved.saved_at, "position": saved.position,
                  "scene": saved.scene}
        try:
            with replacing(self.path) as temporary, open(temporary, "wb") as file:
                np.savez(file, **{HEADER: np.array(json.dumps(header))},
                         **{f"scene_{name}": value for name, value in saved.scene_state.items()})
                file.flush()
                os.fsync(file.fileno())
        except OSError as error:
            if not self.failing:
                log.error("position not saved to %s (%s); the show carries on", self.path, error.strerror or error)
            self.failing = True
            return False
        self.failing = False
        return True


NOTHING_SAVED = "nothing saved"


def resume_saved(path: Path, installation, day: str, now: float) -> str:
    """Hand ``installation`` the save at ``path`` to carry on from at its first tick, when it may be resumed for
    its show on ``day`` at wall time ``now``: "" if so, else why not (``NOTHING_SAVED`` when there is none)."""
    saved = load_saved(path)
    if saved is None:
        return NOTHING_SAVED
    why = saved.why_not_resumed(show_identity(installation.show), day, now)
    if not why:
        installation.resume = saved.for_installation()
    return why


def load_saved(path: Path) -> SavedPosition | None:
    """The save at ``path``, or None (logged) when there is none or it cannot be read: a damaged save only
    means the show starts from its beginning."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES // 2**20} MB")
        with np.load(path, allow_pickle=False) as arrays:
            header = json.loads(str(arrays[HEADER]))
            state = {name[len("scene_"):]: arrays[name] for name in arrays.files if name.startswith("scene_")}
        return SavedPosition(str(header["show"]), str(header["day"]), float(header["saved_at"]),
                             dict(header["position"]), str(header["scene"]), state)
    except Exception as error:  # noqa: BLE001 - whatever is in the file, the show starts
        log.warning("the saved position %s is not usable (%s: %s); the show starts from its beginning", path,
                    type(error).__name__, error)
        return None
