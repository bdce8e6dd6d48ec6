"""Watching for visitors: segmentation on the camera thread, "leaf appeared / gone" for the show.

The first ``learn_frames`` frames teach the empty scene (start leafdream with nothing in
front of the camera, or run the calibration); after that every frame, shrunk to at most
``width`` pixels across, is segmented, and while no leaf is there the background keeps
adapting slowly to the gallery's changing light. The show sees only ``present`` and the
newest segmentation, both in memory (unless an operator starts a debug dump, camera/dump.py).
"""

from __future__ import annotations

import logging
import threading

import cv2
import numpy as np

from leafdream.camera.segment import Segmentation, Segmenter

log = logging.getLogger(__name__)

SEGMENT_WIDTH = 240  # frames are segmented at most this wide: a hand-held leaf spans ~150 px, plenty for a 64-px model
# Segmenting a frame takes ~30 ms of one core (~40 with the hand detector): at every frame of a 30 fps camera it
# would starve the completion worker and the screen on two cores. 15 a second keeps presence and the visitor's
# leaf current (a leaf held up moves slowly), and each new segmentation is one completion.
SEGMENTS_PER_SECOND = 15.0


def as_bgr8(frame) -> np.ndarray | None:
    """A camera frame as uint8 (H, W, 3) BGR, whatever its depth (8 or 16 bits, float) or channels (grey, BGR,
    BGRA); None for anything that is not an image."""
    if not isinstance(frame, np.ndarray) or frame.ndim not in (2, 3) or frame.size == 0 or min(frame.shape[:2]) < 8:
        return None
    if frame.dtype == np.uint16:
        frame = (frame >> 8).astype(np.uint8)
    elif frame.dtype.kind == "f":
        frame = (np.clip(np.nan_to_num(frame), 0.0, 1.0) * 255).astype(np.uint8)
    elif frame.dtype != np.uint8:
        return None
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 1:
        return cv2.cvtColor(frame[..., 0], cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 4:
        return np.ascontiguousarray(frame[..., :3])
    return frame if frame.shape[2] == 3 else None


def shrink(frame: np.ndarray, width: int) -> np.ndarray:
    """A frame (H, W, 3) scaled down to at most ``width`` pixels across, keeping its aspect — but never under 8
    rows (a strip of a frame, 8 x 4000, would shrink to none, which OpenCV refuses)."""
    height, frame_width = frame.shape[:2]
    if frame_width <= width:
        return frame
    rows = max(min(height, 8), int(round(height * width / frame_width)))
    return cv2.resize(frame, (width, rows), interpolation=cv2.INTER_AREA)


class Watching:
    """What the show sees of a watcher: the newest segmentation, presence, and an operator's debug dump.
    Subclasses keep ``_latest`` under ``_lock`` and ``dump``."""

    def start_dump(self, folder, seconds: float) -> bool:
        """Begin an operator's debug dump (see camera/dump.py), unless one is running or the folder is full (logged);
        whether it began."""
        from leafdream.camera.dump import DebugDump, DumpRefused

        running = self.dump
        if running is not None and not running.finished:
            log.warning("camera debug dump refused: the one in %s is still running", running.folder)
            return False
        try:
            self.dump = DebugDump(folder, seconds)
        except DumpRefused as error:
            log.error("camera debug dump refused: %s", error)
            return False
        return True

    @property
    def present(self) -> bool:
        with self._lock:
            return bool(self._latest is not None and self._latest.present)

    def latest(self) -> Segmentation | None:
        with self._lock:
            return self._latest


class LeafWatcher(Watching):
    """With a ``calibration`` (see ``leafdream camera calibrate``) of the camera's size, its empty
    scene and thresholds are used from the first frame; otherwise the first frames are learnt."""

    def __init__(self, learn_frames: int = 15, width: int = SEGMENT_WIDTH, calibration=None, detect_hands: bool = True,
                 hands_later: bool = False):
        """``detect_hands``: use the hand detector (camera/hands.py) where it can run; else skin colour alone.
        Every frame it is given is segmented: the live camera process (camera/worker_process.py) gives it at most
        SEGMENTS_PER_SECOND. Following a video, the detector looks at a frame after its segmentation, for the
        frames that follow: at the end of ``observe``, or (``hands_later``) when the caller calls
        ``look_for_hands``, once the frame's leaf is completed and sent on."""
        self.learn_frames = learn_frames
        self.detect_hands = detect_hands
        self.hands_later = hands_later
        self._segmented = None  # the last frame segmented, until the detector has looked at it
        self.detector = None
        self.width = width
        self.calibration = calibration
        self.segmenter: Segmenter | None = None
        self.seen = 0
        self._lock = threading.Lock()
        self._latest: Segmentation | None = None
        self.updated = threading.Event()  # set with every new segmentation, for the completion worker
        self.dump = None                  # a DebugDump while an operator has one running

    def warm_up(self, shape=(180, 240)) -> None:
        """Load the hand detector and segment one made-up frame, so the camera's first frame is not the slow one."""
        from leafdream.camera.segment import Segmenter

        self._make_detector()
        rehearsal = Segmenter(tuple(shape), without_background=True, detector=self.detector)
        frame = np.full(tuple(shape) + (3,), 128, np.uint8)
        cv2.circle(frame, (shape[1] // 2, shape[0] // 2), min(shape) // 4, (40, 140, 50), -1)
        rehearsal.segment(frame)
        # and once with an empty scene, which compiles the live path's own kernels (merging the skin's objects)
        live = Segmenter(tuple(shape), detector=self.detector)
        live.learn_background(np.full(tuple(shape) + (3,), 128, np.uint8))
        live.segment(frame)

    def _make_detector(self) -> None:
        if self.detect_hands and self.detector is None:
            from leafdream.camera.hands import make_detector

            self.detector = make_detector()  # made on the thread that alone uses it
            self.detect_hands = self.detector is not None

    def _new_segmenter(self, shape) -> None:
        self._make_detector()
        calibration = self.calibration
        if calibration is not None and calibration.shape == tuple(shape):
            self.segmenter, self.seen = calibration.segmenter(), self.learn_frames
            self.segmenter.detector = self.detector
            return
        if calibration is not None:
            log.warning("the camera calibration is for %dx%d but the camera gives %dx%d (after scaling); "
                        "learning the empty scene instead - calibrate again", calibration.shape[1], calibration.shape[0],
                        shape[1], shape[0])
            self.calibration = None
        self.segmenter, self.seen = Segmenter(shape, detector=self.detector), 0  # a new size starts learning again

    def observe(self, frame, arrival_time: float = 0.0) -> None:
        """Called with every new frame (BGR, any depth or channel count) and the time it arrived (seconds)."""
        frame = as_bgr8(frame)
        if frame is None:
            return
        small = shrink(frame, self.width)
        if self.segmenter is None or self.segmenter.shape != small.shape[:2]:
            self._new_segmenter(small.shape[:2])
        self.seen += 1
        if self.seen <= self.learn_frames:
            self.segmenter.learn_background(small, rate=1.0 / self.seen, measure=True)
            return
        result = self.segmenter.segment(small)
        result.frame_time = arrival_time
        dump = self.dump
        if dump is not None:
            dump.write(small, result, arrival_time)
            if dump.finished:
                self.dump = None
        if not result.present:
            self.segmenter.learn_background(small, rate=0.01)
        with self._lock:
            self._latest = result
        self.updated.set()
        self._segmented = small
        if not self.hands_later:
            self.look_for_hands()

    def look_for_hands(self) -> None:
        """Let the hand detector look at the last frame segmented, for the frames that follow."""
        frame = self.take_segmented()
        if frame is not None and self.detector is not None:
            self.detector.look_after(frame)

    def take_segmented(self) -> np.ndarray | None:
        """The last frame segmented, uint8 (h, w, 3) at the segmenting size, if the detector has not been given it
        yet (it is given it once): for a caller that lets the detector look on a thread of its own."""
        frame, self._segmented = self._segmented, None
        return frame
