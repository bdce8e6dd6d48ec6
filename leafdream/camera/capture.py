"""Capturing the camera in a thread that keeps only the newest frame.

Opens a camera by index (``"0"``), device path (``/dev/video2``) or a video file (for
rehearsal and tests; it loops). Asks for MJPG at a size and frame rate, and logs what the
camera really gave. A stall — no new frame for ``stall_after`` seconds, or the same frame
over and over — or a read failure closes the camera and reconnects with growing back-off,
re-applying the settings each time. Frames stay in memory; nothing is written anywhere.
The render loop only ever calls ``newest()``, which never blocks.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)


@dataclass
class CameraSettings:
    width: int = 640
    height: int = 480
    fps: int = 30
    fourcc: str = "MJPG"


def parse_source(source: str):
    """A camera index (int) for digits, else the device path or video file name as given."""
    return int(source) if str(source).isdigit() else str(source)


class CameraThread:
    """Reads frames in the background. States: connecting, live, stalled, lost, stopped."""

    def __init__(self, source, settings: CameraSettings | None = None, opener=cv2.VideoCapture,
                 stall_after: float = 2.0, repeats_for_stall: int = 60, max_backoff: float = 30.0,
                 clock=time.monotonic, on_frame=None):
        self.source = parse_source(source) if isinstance(source, str) else source
        self.is_file = isinstance(self.source, str) and Path(self.source).is_file()
        self.settings = settings or CameraSettings()
        self.opener = opener
        self.stall_after = stall_after
        self.repeats_for_stall = repeats_for_stall
        self.max_backoff = max_backoff
        self.clock = clock
        self.on_frame = on_frame  # called on this thread as on_frame(frame, arrival_time) (e.g. a LeafWatcher's observe)
        self.state = "connecting"
        self.reconnects = 0
        self.actual: dict = {}
        self._lock = threading.Lock()
        self._frame: np.ndarray | None = None
        self._stamp = 0.0
        self._count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="camera", daemon=True)

    def start(self) -> "CameraThread":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.state = "stopped"

    def newest(self) -> tuple[np.ndarray | None, float, int]:
        """(newest frame BGR uint8 (H, W, 3) or None, its arrival time, how many frames have arrived)."""
        with self._lock:
            return self._frame, self._stamp, self._count

    def _open(self):
        capture = self.opener(self.source)
        if capture is None or not capture.isOpened():
            return None
        if not self.is_file:
            s = self.settings
            capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*s.fourcc))
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, s.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, s.height)
            capture.set(cv2.CAP_PROP_FPS, s.fps)
        self.actual = {
            "width": int(capture.get(cv2.CAP_PROP_FRAME_WIDTH) or 0),
            "height": int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0),
            "fps": float(capture.get(cv2.CAP_PROP_FPS) or 0),
        }
        wanted = self.settings
        if not self.is_file and (self.actual["width"], self.actual["height"]) != (wanted.width, wanted.height):
            log.warning("camera %s gives %dx%d at %.0f fps (asked for %dx%d at %d)", self.source, self.actual["width"],
                        self.actual["height"], self.actual["fps"], wanted.width, wanted.height, wanted.fps)
        return capture

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            capture = self._open()
            if capture is None:
                self.state = "lost"
                log.warning("camera %s does not open; trying again in %.1f s", self.source, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            self.state = "live"
            self._read_until_trouble(capture)
            capture.release()
            if not self._stop.is_set():
                self.reconnects += 1
                log.warning("camera %s %s; reconnecting in %.1f s", self.source, self.state, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
        self.state = "stopped"

    def _read_until_trouble(self, capture) -> None:
        last_new = self.clock()
        previous_digest, repeats = None, 0
        frame_gap = 1.0 / max(self.actual.get("fps") or 30.0, 1.0) if self.is_file else 0.0
        while not self._stop.is_set():
            ok, frame = capture.read()
            now = self.clock()
            if not ok or frame is None:
                # no decoded frame for a while is a stall, whatever the container says (a video whose frames do
                # not decode rewinds for ever otherwise)
                if now - last_new > self.stall_after:
                    self.state = "stalled"
                    return
                if self.is_file and capture.get(cv2.CAP_PROP_FRAME_COUNT) > 0:
                    capture.set(cv2.CAP_PROP_POS_FRAMES, 0)  # a rehearsal video loops
                time.sleep(0.01)
                continue
            digest = hash(frame[::16, ::16].tobytes())
            # a real camera's frames always differ a little (sensor noise); a video file may repeat a still
            repeats = repeats + 1 if digest == previous_digest and not self.is_file else 0
            previous_digest = digest
            if repeats >= self.repeats_for_stall:
                self.state = "stalled"
                return
            if repeats == 0:
                last_new = now
            elif now - last_new > self.stall_after:
                self.state = "stalled"
                return
            with self._lock:
                self._frame, self._stamp, self._count = frame, now, self._count + 1
            self.state = "live"
            if self.on_frame is not None and repeats == 0:
                try:
                    self.on_frame(frame, now)
                except Exception:  # a faulty frame handler must not stop the capture
                    log.exception("camera frame handler failed")
            if frame_gap:
                self._stop.wait(frame_gap)  # play a file at its own pace
