"""The one way camera pictures reach the disk: a debug dump an operator starts on purpose.

Each dump goes to a new folder ``DIR/dump-<n>/`` and holds, for every segmented frame
during ``seconds``, the frame as the watcher saw it and the segmentation (leaf, hidden)
as PNGs. Starting and ending are logged as warnings with the folder, so a dump is never
silent; nothing else in leafdream writes camera pictures anywhere.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)


class DebugDump:
    def __init__(self, root, seconds: float, max_frames: int = 600):
        root = Path(root)
        number = 1 + max([int(p.name.split("-")[1]) for p in root.glob("dump-*") if p.name.split("-")[1].isdigit()],
                         default=0)
        self.folder = root / f"dump-{number}"
        self.folder.mkdir(parents=True, exist_ok=False)
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
        if not (cv2.imwrite(f"{stem}-frame.png", frame) and cv2.imwrite(f"{stem}-segmentation.png", masks)):
            log.error("camera debug dump: cannot write to %s (disk full or folder gone?); stopping it", self.folder)
            self.finish()
            return
        self.written += 1

    def finish(self) -> None:
        if not self.finished:
            self.finished = True
            log.warning("camera debug dump finished: %d frames in %s (they show visitors: delete them when done)",
                        self.written, self.folder)
