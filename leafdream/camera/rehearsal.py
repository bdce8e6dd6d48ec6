"""A rehearsal: the live camera path over a recorded clip, frame by frame, for the technician to check a venue.

The same pieces as ``leafdream run --camera``: the watcher learns the empty scene from the first
frames, segments every frame after (with the hand detector where it runs), and the completion
worker's own step completes the leaf and places it in leaf space. Here they run in turn on one
thread, so a clip always gives the same answers; each processed frame yields the completed
leaf's probability at the frame's own size and one row of figures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from leafdream.camera.completer import CompletionWorker
from leafdream.camera.watcher import LeafWatcher, as_bgr8
from leafdream.errors import LeafdreamError

EVENT_COLUMNS = ("frame", "leaf_present", "hidden_share", "latency_ms", "map_x", "map_y", "nearest_species")
MOST_BAD_FRAMES = 30  # frames in a row that will not decode before a clip counts as corrupt


@dataclass
class RehearsalFrame:
    number: int                 # the frame's number in the clip, from 0
    probability: np.ndarray     # float32 (H, W) at the clip's size: the completed leaf (0 where there is none)
    row: dict                   # EVENT_COLUMNS -> value


def open_clip(path) -> cv2.VideoCapture:
    """A video file opened for reading; LeafdreamError naming the file when it is missing or unreadable."""
    path = Path(path)
    if not path.exists():
        raise LeafdreamError(f"{path}: no such video file")
    if not path.is_file():
        raise LeafdreamError(f"{path}: is not a video file")
    clip = cv2.VideoCapture(str(path))
    if not clip.isOpened():
        raise LeafdreamError(f"{path}: not a video leafdream can read (try an .mp4 or .avi)")
    return clip


def frames_of(clip: cv2.VideoCapture, source: str) -> Iterator[tuple[int, np.ndarray]]:
    """(number, BGR uint8 frame) until the clip ends; LeafdreamError when it will not decode."""
    number, bad = 0, 0
    expected = int(clip.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    while True:
        ok, frame = clip.read()
        if not ok or frame is None:
            if number == 0:
                raise LeafdreamError(f"{source}: no frame of this video could be decoded; is the file damaged?")
            if expected and number < expected * 0.9 and bad < MOST_BAD_FRAMES:
                bad += 1  # a damaged frame in the middle: skip it, as a camera would drop it
                number += 1
                continue
            if bad >= MOST_BAD_FRAMES:
                raise LeafdreamError(f"{source}: frames {number - bad}-{number} could not be decoded; the video is "
                                     f"damaged after frame {number - bad}")
            return
        bad = 0
        frame = as_bgr8(frame)
        if frame is not None:
            yield number, frame
        number += 1


def rehearse(context, clip: cv2.VideoCapture, source: str, every: int = 1, learn_frames: int = 15,
             calibration=None, detect_hands: bool = True) -> Iterator[RehearsalFrame]:
    """Every ``every``-th frame after the empty scene is learnt, completed as the live installation would."""
    if every < 1:
        raise LeafdreamError(f"--every must be at least 1, got {every}")
    watcher = LeafWatcher(learn_frames=learn_frames, calibration=calibration, detect_hands=detect_hands,
                          hands_later=True)
    worker = CompletionWorker(context, watcher)
    worker.warm_up()  # as the camera process does: the first frame's latency is not that of first calls
    for number, frame in frames_of(clip, source):
        started = time.perf_counter()
        watcher.observe(frame, arrival_time=float(number))
        if number < learn_frames or number % every:
            watcher.look_for_hands()
            continue
        segmentation = watcher.latest()
        completed = worker.complete_once()
        latency = (time.perf_counter() - started) * 1e3
        watcher.look_for_hands()  # as the camera process does: after the frame's leaf is out
        height, width = frame.shape[:2]
        probability = np.zeros((height, width), np.float32)
        if completed is not None:
            probability = cv2.resize(completed.probability, (width, height), interpolation=cv2.INTER_LINEAR)
        present = bool(segmentation is not None and segmentation.present)
        hidden = float(segmentation.hidden.mean()) if segmentation is not None else 0.0
        position = completed.map_position if completed is not None else None
        row = {"frame": number, "leaf_present": int(present), "hidden_share": round(hidden, 4),
               "latency_ms": round(latency, 1),
               "map_x": "" if position is None else round(float(position[0]), 4),
               "map_y": "" if position is None else round(float(position[1]), 4),
               "nearest_species": completed.relative if completed is not None else ""}
        yield RehearsalFrame(number, probability, row)
