"""Watching for visitors: segmentation on the camera thread, "leaf appeared / gone" for the show.

The first ``learn_frames`` frames teach the empty scene (start leafdream with nothing in
front of the camera, or run the calibration); after that every frame, shrunk to at most
``width`` pixels across, is segmented, and while no leaf is there the background keeps
adapting slowly to the gallery's changing light. The show sees only ``present`` and the
newest segmentation, both in memory.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from .segment import Segmentation, Segmenter


class LeafWatcher:
    def __init__(self, learn_frames: int = 15, width: int = 320):
        self.learn_frames = learn_frames
        self.width = width
        self.segmenter: Segmenter | None = None
        self.seen = 0
        self._lock = threading.Lock()
        self._latest: Segmentation | None = None
        self.updated = threading.Event()  # set with every new segmentation, for the completion worker

    def _shrink(self, frame: np.ndarray) -> np.ndarray:
        height, width = frame.shape[:2]
        if width <= self.width:
            return frame
        return cv2.resize(frame, (self.width, int(round(height * self.width / width))), interpolation=cv2.INTER_AREA)

    def observe(self, frame, arrival_time: float = 0.0) -> None:
        """Called by the camera thread with every new frame (BGR uint8) and the time it arrived."""
        if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.dtype != np.uint8:
            return
        small = self._shrink(frame)
        if self.segmenter is None or self.segmenter.shape != small.shape[:2]:
            self.segmenter, self.seen = Segmenter(small.shape[:2]), 0  # a new camera size starts learning again
        self.seen += 1
        if self.seen <= self.learn_frames:
            self.segmenter.learn_background(small, rate=1.0 / self.seen)
            return
        result = self.segmenter.segment(small)
        result.frame_time = arrival_time
        if not result.present:
            self.segmenter.learn_background(small, rate=0.01)
        with self._lock:
            self._latest = result
        self.updated.set()

    @property
    def present(self) -> bool:
        with self._lock:
            return bool(self._latest is not None and self._latest.present)

    def latest(self) -> Segmentation | None:
        with self._lock:
            return self._latest
