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

SEGMENT_WIDTH = 320  # frames are segmented at most this wide: enough for a hand-held leaf, cheap enough for 30 fps


def shrink(frame: np.ndarray, width: int) -> np.ndarray:
    """A frame (H, W, 3) scaled down to at most ``width`` pixels across, keeping its aspect."""
    height, frame_width = frame.shape[:2]
    if frame_width <= width:
        return frame
    return cv2.resize(frame, (width, int(round(height * width / frame_width))), interpolation=cv2.INTER_AREA)


class LeafWatcher:
    """With a ``calibration`` (see ``leafdream camera calibrate``) of the camera's size, its empty
    scene and thresholds are used from the first frame; otherwise the first frames are learnt."""

    def __init__(self, learn_frames: int = 15, width: int = SEGMENT_WIDTH, calibration=None, detect_hands: bool = True):
        """``detect_hands``: use the hand detector (camera/hands.py) where it can run; else skin colour alone."""
        self.learn_frames = learn_frames
        self.detect_hands = detect_hands
        self.detector = None
        self.width = width
        self.calibration = calibration
        self.segmenter: Segmenter | None = None
        self.seen = 0
        self._lock = threading.Lock()
        self._latest: Segmentation | None = None
        self.updated = threading.Event()  # set with every new segmentation, for the completion worker
        self.dump = None                  # a DebugDump while an operator has one running

    def _new_segmenter(self, shape) -> None:
        if self.detect_hands and self.detector is None:
            from leafdream.camera.hands import make_detector

            self.detector = make_detector()  # made on the capture thread, which alone uses it
            self.detect_hands = self.detector is not None
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
        """Called by the camera thread with every new frame (BGR uint8) and the time it arrived."""
        if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.dtype != np.uint8:
            return
        small = shrink(frame, self.width)
        if self.segmenter is None or self.segmenter.shape != small.shape[:2]:
            self._new_segmenter(small.shape[:2])
        self.seen += 1
        if self.seen <= self.learn_frames:
            self.segmenter.learn_background(small, rate=1.0 / self.seen)
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

    def start_dump(self, folder, seconds: float) -> None:
        """Begin an operator's debug dump (see camera/dump.py); replaces one still running."""
        from leafdream.camera.dump import DebugDump

        if self.dump is not None:
            self.dump.finish()
        self.dump = DebugDump(folder, seconds)

    @property
    def present(self) -> bool:
        with self._lock:
            return bool(self._latest is not None and self._latest.present)

    def latest(self) -> Segmentation | None:
        with self._lock:
            return self._latest
