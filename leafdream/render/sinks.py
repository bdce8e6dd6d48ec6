"""Frame sinks: where rendered uint8 RGB frames go offline (numbered PNGs or a video file)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from leafdream.errors import LeafdreamError

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
