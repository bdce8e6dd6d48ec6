"""Completing the visitor's leaf in a worker thread, so the screen never waits for the network.

It takes the watcher's newest segmentation whenever a leaf is present, fills the hidden
part with the network (the same ``complete`` as ``leafdream reconstruct``), places the
completed leaf in leaf space among its relatives, and keeps the newest result with the
arrival time of the frame it came from. Everything stays in memory.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from leafdream.camera.masks import may_hide_leaf
from leafdream.model.completion import LIVE_DEEP_PASSES, Completion, complete, network_filler
from leafdream.errors import LeafdreamError
from leafdream.model.kernels import RandomKeys

log = logging.getLogger(__name__)

LIVE_CHAINS = 4
LIVE_STEPS = 20
WINDOW_MARGIN = 0.6


def live_filler(context, seed: int = 0):
    return network_filler(context, RandomKeys(seed), chains=LIVE_CHAINS, steps=LIVE_STEPS,
                          deep_passes=LIVE_DEEP_PASSES)


def complete_live(context, filler, leaf: np.ndarray, hidden: np.ndarray):
    """The live path's completion of a segmented leaf (float32 (H, W)) with ``hidden`` (bool (H, W)).

    Of ``hidden``, only what may hide the visible leaf (``camera/masks.may_hide_leaf``) is unknown to the network.
    One pose, from the Telea guess. Re-estimating it from the first fill (as ``reconstruct``
    does) gained 0.003 IoU on camera composites but cost a second fill: with it the screen
    dropped below 60 fps and the latency passed 100 ms on two cores.
    """
    hidden = may_hide_leaf(leaf, hidden)
    window = leaf_window(leaf, hidden)
    result = complete(leaf[window], hidden[window], context.dbn.size, filler, pose_rounds=0)
    probability = np.zeros(leaf.shape, np.float32)
    probability[window] = result.probability
    return Completion(probability=probability, pose=result.pose, model_fill=result.model_fill)


def leaf_window(leaf: np.ndarray, hidden: np.ndarray, margin: float = WINDOW_MARGIN) -> tuple[slice, slice]:
    """The part of the frame the completion needs: the visible leaf's box grown by ``margin`` of its size on
    every side. The rest of an arm reaching in from the frame's edge cannot hide any of the leaf, and Telea's
    fill of it would cost as much as the rest of the completion together."""
    ys, xs = np.nonzero(leaf > 0.5)
    if not len(ys):
        return slice(None), slice(None)
    grow = margin * max(ys.max() - ys.min(), xs.max() - xs.min()) + 8
    top, bottom = max(0, int(ys.min() - grow)), min(leaf.shape[0], int(ys.max() + grow) + 1)
    left, right = max(0, int(xs.min() - grow)), min(leaf.shape[1], int(xs.max() + grow) + 1)
    return slice(top, bottom), slice(left, right)


@dataclass
class CompletedLeaf:
    probability: np.ndarray  # float32 (h, w): leaf probability, known pixels as seen
    hidden: np.ndarray       # bool (h, w): the pixels the network filled
    made_at: float           # time.monotonic() when done
    seconds: float           # how long the completion took
    frame_time: float = 0.0  # when the camera frame it came from arrived (time.monotonic())
    map_position: np.ndarray | None = None  # float (2,) in [0, 1]^2, None without a leaf-space map
    relative: str = ""       # species of the nearest training leaf on the map
    relatives: np.ndarray | None = None  # int (k,): the nearest training leaves on the map, nearest first


class CompletionWorker:
    def __init__(self, context, watcher, rate: float = 20.0, seed: int = 0):
        self.context = context
        self.watcher = watcher
        self.period = 1.0 / rate
        self.filler = live_filler(context, seed)
        self._lock = threading.Lock()
        self._latest: CompletedLeaf | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="completion", daemon=True)

    def start(self) -> "CompletionWorker":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def latest(self) -> CompletedLeaf | None:
        with self._lock:
            return self._latest

    def warm_up(self, shape=(180, 240)) -> None:
        """Complete and place a made-up leaf (a disc, a quarter of it hidden) once, behind the splash: the first
        visitor's leaf took 78 ms instead of 19 paying for first calls (the network's transposed weights, the
        map's norms, the kernels' and BLAS's first runs). A filler of its own: the live one's random stream is
        left as it was."""
        height, width = shape
        rows, columns = np.mgrid[:height, :width]
        disc = (rows - height / 2) ** 2 + (columns - width / 2) ** 2 < (min(shape) / 4) ** 2
        hidden = disc & (rows > height / 2) & (columns > width / 2)
        result = complete_live(self.context, live_filler(self.context), np.where(hidden, 0, disc).astype(np.float32),
                               hidden)
        self._place(CompletedLeaf(result.probability, hidden, 0.0, 0.0), result.model_fill)

    def complete_once(self) -> CompletedLeaf | None:
        segmentation = self.watcher.latest()
        if segmentation is None or not segmentation.present or not (segmentation.leaf > 0.5).any():
            return None
        started = time.monotonic()
        try:
            result = complete_live(self.context, self.filler, segmentation.leaf, segmentation.hidden)
        except LeafdreamError as error:  # e.g. every leaf pixel hidden: nothing to complete from
            log.debug("no completion: %s", error)
            return None
        completed = CompletedLeaf(result.probability, segmentation.hidden.copy(), 0.0, 0.0, segmentation.frame_time)
        self._place(completed, result.model_fill)
        completed.made_at = time.monotonic()
        completed.seconds = completed.made_at - started
        return completed

    def _place(self, completed: CompletedLeaf, model_fill: np.ndarray) -> None:
        """Put the completed leaf on the map from its normalised image float32 (size, size)."""
        space = self.context.space
        if space is None:
            return
        features = space.features_of(self.context.dbn, model_fill.reshape(1, -1).astype(np.float32))[0]
        completed.relatives, distances = space.relatives(features)
        completed.relative = str(space.species[completed.relatives[0]])
        completed.map_position = space.place_among(completed.relatives, distances)

    def _run(self) -> None:
        """Complete each new segmentation as soon as it arrives, at most ``rate`` times a second."""
        updated = getattr(self.watcher, "updated", None)
        done_from = None
        while not self._stop.is_set():
            if updated is not None:
                updated.wait(0.1)
                updated.clear()
            segmentation = self.watcher.latest()
            if segmentation is None or segmentation is done_from:
                if updated is None:
                    self._stop.wait(self.period)
                continue
            done_from = segmentation
            started = time.monotonic()
            self.complete_newest()
            self._stop.wait(max(self.period - (time.monotonic() - started), 0.0))

    def complete_newest(self) -> CompletedLeaf | None:
        """Complete the watcher's newest segmentation now, on the caller's thread; the new completed leaf (also kept
        as ``latest()``), or None. Nothing that goes wrong ends live completion for the day."""
        try:
            completed = self.complete_once()
        except Exception:  # a bug or a frame nobody foresaw
            log.exception("completing the visitor's leaf failed; the last completion stays on screen")
            return None
        if completed is not None:
            with self._lock:
                self._latest = completed
        return completed
