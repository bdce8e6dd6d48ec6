"""The one way camera pictures reach the disk: a debug dump an operator starts on purpose.

Each dump goes to a new folder ``DIR/dump-<n>/`` and holds, for every segmented frame
during ``seconds``, the frame as the watcher saw it and the segmentation (leaf, hidden)
as PNGs. Starting and ending are logged as warnings with the folder, so a dump is never
silent; nothing else in leafdream writes camera pictures anywhere.

The pictures show visitors, so a dump is bounded however often it is asked for (an OSC
flood included): one runs at a time, ``DIR`` holds at most ``MOST_DUMPS`` of them and
``MOST_BYTES`` in all, and only the user leafdream runs as can read them (files 0600 in
folders 0700).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

MOST_DUMPS = 20                 # dump folders in the operator's DIR
MOST_BYTES = 500 * 1024 ** 2    # all dumps in DIR together


class DumpRefused(Exception):
    """A dump could not start: the reason, in the operator's words."""


def _dumps(root: Path) -> list[Path]:
    return [p for p in root.glob("dump-*") if p.is_dir() and p.name.split("-")[1].isdigit()]


def _bytes_in(folders: list[Path]) -> int:
    return sum(f.stat().st_size for folder in folders for f in folder.iterdir() if f.is_file())


class DebugDump:
    def __init__(self, root, seconds: float, max_frames: int = 600):
        """Raises DumpRefused when ``root`` holds MOST_DUMPS dumps or MOST_BYTES already, or cannot be written."""
        root = Path(root)
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
            earlier = _dumps(root)
            self.used = _bytes_in(earlier)
        except OSError as error:
            raise DumpRefused(f"cannot use {root} for camera dumps ({error.strerror or error})") from None
        if len(earlier) >= MOST_DUMPS:
            raise DumpRefused(f"{root} holds {len(earlier)} camera dumps already (at most {MOST_DUMPS}); "
                              f"delete the old ones first")
        if self.used >= MOST_BYTES:
            raise DumpRefused(f"{root} holds {self.used / 1024 ** 2:.0f} MB of camera dumps already (at most "
                              f"{MOST_BYTES / 1024 ** 2:.0f} MB); delete the old ones first")
        number = 1 + max([int(p.name.split("-")[1]) for p in earlier], default=0)
        self.folder = root / f"dump-{number}"
        try:
            self.folder.mkdir(exist_ok=False, mode=0o700)
            os.chmod(self.folder, 0o700)  # whatever the umask
        except OSError as error:
            raise DumpRefused(f"cannot make {self.folder} ({error.strerror or error})") from None
        self.seconds = seconds
        self.max_frames = max_frames
        self.started: float | None = None
        self.written = 0
        self.finished = False
        log.warning("camera debug dump started by the operator: up to %.0f s of camera frames and masks go to %s",
                    seconds, self.folder)

    def write(self, frame: np.ndarray, segmentation, now: float) -> None:
        """Save one frame (BGR uint8) and its segmentation, until the time or frame budget is used up."""
        if self.finished:
            return
        if self.started is None:
            self.started = now
        if now - self.started > self.seconds or self.written >= self.max_frames:
            self.finish()
            return
        stem = self.folder / f"{self.written:05d}"
        masks = np.zeros(frame.shape[:2] + (3,), np.uint8)
        masks[segmentation.hidden] = (50, 60, 200)
        masks[segmentation.leaf > 0.5] = (90, 200, 80)
        pictures = [(f"{stem}-frame.png", cv2.imencode(".png", frame)[1]),
                    (f"{stem}-segmentation.png", cv2.imencode(".png", masks)[1])]
        size = sum(len(data) for _, data in pictures)
        if self.used + size > MOST_BYTES:
            log.warning("camera debug dump: %s holds %.0f MB of dumps, the most allowed; stopping this one",
                        self.folder.parent, self.used / 1024 ** 2)
            self.finish()
            return
        try:
            for name, data in pictures:
                handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # the visitor's picture: ours only
                with os.fdopen(handle, "wb") as file:
                    file.write(data.tobytes())
        except OSError as error:
            log.error("camera debug dump: cannot write to %s (%s); stopping it", self.folder, error.strerror or error)
            self.finish()
            return
        self.used += size
        self.written += 1

    def finish(self) -> None:
        if not self.finished:
            self.finished = True
            log.warning("camera debug dump finished: %d frames in %s (they show visitors: delete them when done)",
                        self.written, self.folder)
