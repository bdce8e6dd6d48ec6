"""Hands found by a trained detector, whatever the skin: mediapipe's palm detector and hand-landmark model.

mediapipe's 0.10 wheels ship both models inside the package (``modules/palm_detection``,
``modules/hand_landmark``), so nothing is downloaded, ever. The 21 landmarks of each hand become
a mask: the palm as the hull of the wrist and knuckles, each finger as a band along its joints as
wide as a finger (the knuckle spacing). The skin model (``camera/skin.py``) then learns that
visitor's skin from the palm and follows it up the arm.

Without mediapipe (not installed, another Python, a machine it does not run on) ``make_detector``
returns None, the log says so once, and skin colour alone finds hands.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from contextlib import contextmanager

import cv2
import numpy as np

log = logging.getLogger(__name__)

FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
PALM = (0, 1, 2, 5, 9, 13, 17)
KNUCKLES = (5, 9, 13, 17)


def landmark_mask(shape, points: np.ndarray) -> np.ndarray:
    """bool (H, W): one hand drawn from its landmarks float (21, 2) in pixels (x, y)."""
    canvas = np.zeros(shape, np.uint8)
    spacing = np.mean([np.linalg.norm(points[a] - points[b]) for a, b in zip(KNUCKLES, KNUCKLES[1:])])
    width = max(3, int(round(spacing * 1.1)))
    cv2.fillConvexPoly(canvas, cv2.convexHull(np.round(points[list(PALM)]).astype(np.int32)), 1)
    for finger in FINGERS:
        chain = np.round(points[[0 if finger[0] == 1 else finger[0]] + list(finger)]).astype(np.int32)
        for start, end in zip(chain[:-1], chain[1:]):
            cv2.line(canvas, tuple(int(v) for v in start), tuple(int(v) for v in end), 1, width)
        cv2.circle(canvas, tuple(int(v) for v in chain[-1]), width // 2, 1, -1)
    return canvas.astype(bool)


def arm_reach(shape, points: np.ndarray) -> np.ndarray:
    """bool (H, W): where the skin of the hand with landmarks ``points`` (float (21, 2), x y in pixels) and its
    arm can be: the hand, widened by a quarter of a palm (the landmarks' fingers are narrow), and a band from
    the wrist, away from the fingers, to the frame's edge: 1.4 palms wide at the wrist, 2.2 palms at the far
    end (a forearm, with room for its angle). Skin of the visitor's colour outside it is something else of
    that colour: a brown leaf in a dark hand."""
    height, width = shape
    palm = max(float(np.linalg.norm(points[5] - points[17])), 4.0)
    size = int(palm / 2) | 1
    canvas = cv2.dilate(landmark_mask(shape, points).astype(np.uint8),
                        cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    wrist, knuckle = points[0], points[9]
    along = wrist - knuckle
    length = float(np.linalg.norm(along))
    if length > 1e-3:
        along /= length
        across = np.array([-along[1], along[0]], np.float32)
        far = wrist + along * float(np.hypot(height, width))
        band = np.array([wrist + across * 0.7 * palm, far + across * 1.1 * palm,
                         far - across * 1.1 * palm, wrist - across * 0.7 * palm])
        cv2.fillConvexPoly(canvas, np.round(band).astype(np.int32), 1)
    return canvas.astype(bool)


@contextmanager
def _quiet_native_stderr():
    """mediapipe's C++ side prints start-up notes (TF Lite delegates, feedback tensors) straight to file
    descriptor 2, past Python's logging; they mean nothing to a technician."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with open(os.devnull, "wb") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class HandDetector:
    """mediapipe Hands; ``still_photos`` runs the palm detector on every image instead of tracking a video.

    ``look_after`` may run on another thread than ``hands`` (the camera process looks while it segments the next
    frame): mediapipe is given one frame at a time, and what a look found is kept as one (mask, reach) pair."""

    def __init__(self, still_photos: bool = False, most_hands: int = 2, every: int = 3):
        self.every = 1 if still_photos else every
        self._calls, self._found, self._reach = 0, None, None
        self._looking = threading.Lock()
        os.environ.setdefault("GLOG_minloglevel", "2")
        with _quiet_native_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # protobuf's deprecation notes about mediapipe's own code
            from mediapipe.python.solutions import hands as mediapipe_hands

            self._hands = mediapipe_hands.Hands(static_image_mode=still_photos, max_num_hands=most_hands,
                                                model_complexity=1 if still_photos else 0,
                                                min_detection_confidence=0.5, min_tracking_confidence=0.5)
            self._hands.process(np.zeros((64, 64, 3), np.uint8))  # the graph starts (and speaks) here

    def landmarks(self, frame_bgr: np.ndarray) -> list[np.ndarray]:
        """Each hand's landmarks, float (21, 2) in pixels (x, y)."""
        height, width = frame_bgr.shape[:2]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            found = self._hands.process(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB))
        hands = []
        for hand in found.multi_hand_landmarks or []:
            hands.append(np.array([(p.x * width, p.y * height) for p in hand.landmark], np.float32))
        return hands

    def hands(self, frame_bgr: np.ndarray) -> np.ndarray:
        """bool (H, W): every detected hand. A still photo is looked at now. Following a video, the hands found by
        the last ``look_after`` stand for this frame (a hand holding a leaf up moves little), so the detector's
        ~10 ms is not spent between a frame's arrival and its completed leaf; the first frame is looked at now."""
        found = self._found
        if self.every == 1 or found is None or found[0].shape != frame_bgr.shape[:2]:
            found = self._look(frame_bgr)
        self._reach = found[1]
        return found[0]

    def look_after(self, frame_bgr: np.ndarray) -> None:
        """Following a video: once a frame's results are out, look for the hands in it (every ``every``-th frame)
        for the frames that follow."""
        self._calls += 1
        if self.every > 1 and self._calls % self.every == 0:
            self._look(frame_bgr)

    def _look(self, frame_bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hands, reach), each bool (H, W), found in the frame now; kept for the frames that follow."""
        mask = np.zeros(frame_bgr.shape[:2], bool)
        reach = np.zeros(frame_bgr.shape[:2], bool)
        with self._looking:
            landmarks = self.landmarks(frame_bgr)
        for points in landmarks:
            mask |= landmark_mask(mask.shape, points)
            reach |= arm_reach(mask.shape, points)
        self._found = (mask, reach)
        return self._found

    @property
    def arm_reach(self) -> np.ndarray | None:
        """bool (H, W): where the hands of the last ``hands`` call and their arms can be (see ``arm_reach``);
        None before any call."""
        return self._reach

    def close(self) -> None:
        self._hands.close()


_said = set()


def make_detector(still_photos: bool = False) -> HandDetector | None:
    """A HandDetector, or None (logged once) where mediapipe cannot run here."""
    try:
        detector = HandDetector(still_photos)
    except Exception as error:  # ImportError, or a wheel whose native part does not load on this machine
        if "missing" not in _said:
            _said.add("missing")
            log.info("no hand detector (%s: %s): hands are found by skin colour alone",
                     error.__class__.__name__, error)
        return None
    if "running" not in _said:
        _said.add("running")
        log.info("hand detector: mediapipe palm and hand-landmark models")
    return detector
