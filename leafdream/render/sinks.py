"""Frame sinks: where rendered uint8 RGB frames go offline (numbered PNGs, or an H.264 video any player plays).

Video goes through PyAV, whose wheels bring their own FFmpeg (libx264), so nothing is assumed of the system.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from leafdream.errors import LeafdreamError

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov")
QUALITY_CRF = "18"  # x264's constant quality: 18 looks like the frames; the files stay small for slow dreams


class FrameSink:
    """Writes uint8 RGB frames to numbered PNGs in a folder (``frame_NNNNN.png``, numbered from ``first``, the
    frame's number in the whole show) or to an H.264 video file."""

    def __init__(self, out: Path, size: tuple[int, int], fps: int, first: int = 0):
        self.out = out
        self.count = 0
        self.first = first
        self.container = self.stream = None
        suffix = out.suffix.lower()
        if suffix in VIDEO_SUFFIXES:
            if not out.parent.exists():
                raise LeafdreamError(f"--out {out}: folder {out.parent} does not exist")
            self._open_video(size, fps)
        elif suffix:
            raise LeafdreamError(f"--out {out}: use a folder for PNG frames, or a {' / '.join(VIDEO_SUFFIXES)} file")
        else:
            out.mkdir(parents=True, exist_ok=True)

    def _open_video(self, size: tuple[int, int], fps: int) -> None:
        import av

        width, height = size
        if width % 2 or height % 2:
            raise LeafdreamError(f"--size {width}x{height}: a video needs an even width and height (e.g. "
                                 f"{width + width % 2}x{height + height % 2}); PNG frames take any size")
        try:
            self.container = av.open(str(self.out), mode="w")
            self.stream = self.container.add_stream("libx264", rate=fps)
        except (OSError, ValueError, av.error.FFmpegError) as error:
            raise LeafdreamError(f"--out {self.out}: could not open a video writer ({error})") from None
        self.stream.width, self.stream.height = width, height
        self.stream.pix_fmt = "yuv420p"  # what every player, browser and projector box plays
        self.stream.options = {"crf": QUALITY_CRF, "preset": "veryfast"}

    def write(self, frame: np.ndarray) -> None:
        if self.stream is not None:
            import av

            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            for packet in self.stream.encode(picture):
                self.container.mux(packet)
        else:
            Image.fromarray(frame).save(self.out / f"frame_{self.first + self.count:05d}.png", compress_level=1)
        self.count += 1

    def close(self) -> None:
        if self.container is not None:
            for packet in self.stream.encode():
                self.container.mux(packet)
            self.container.close()
            self.container = None
