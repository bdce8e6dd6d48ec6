"""The camera's work — segmenting frames and completing the visitor's leaf — in a process of its own.

On two cores the live camera path is three busy loops: segmenting frames, completing the leaf,
drawing 60 frames a second. In one process they take turns on Python's lock, and the screen and
the completion each run at a fraction of their speed. Here a child process holds a plain
``LeafWatcher`` (and the hand detector) and a ``CompletionWorker``'s completion step, with the
model and its leaf space loaded once behind the splash; the screen keeps the parent to itself.
In the child a frame is segmented and its leaf completed one after the other on one thread:
overlapping them (as two threads did until this round) made each wait for the other and put
the slowest frames at 220 ms from the camera to the screen instead of 125-140.

``CameraWorkerProcess`` offers the interfaces the rest of leafdream uses: the watcher's
(``observe``, ``present``, ``latest``, ``updated``, ``start_dump``) and, as ``.completion``, the
completion worker's ``latest()``. A frame goes to the child when it is idle (and at most
``most_per_second`` a second). A frame that is due while the child is busy is held; it goes as soon
as the child answers, if that is within ``HOLD_FOR`` of its arrival (a cycle a few ms over the
camera's second frame costs those ms, not a third frame's wait); other frames are let go.
Frames cross by a pipe and stay in memory. Should the child die, the parent says so once in the
log and the camera shows nothing new until a restart; the show plays on.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from leafdream.camera.segment import Segmentation
from leafdream.camera.watcher import SEGMENTS_PER_SECOND, SEGMENT_WIDTH, Watching, as_bgr8, shrink
from leafdream.show.quiet_log import QuietLog

log = logging.getLogger(__name__)


class FrameSchedule:
    """Which frames to take for at most ``per_second`` a second on average. Frames are due on a schedule, not at a
    gap from the last one taken: a 30 fps camera's frames come a millisecond early or late, and a gap of 1/15 s
    then took every third frame as often as every other (13.5 a second, not 15)."""

    SLACK = 0.2  # of the interval: how early a frame may come and still be taken

    def __init__(self, per_second: float):
        self.interval = 1.0 / per_second
        self.due = float("-inf")

    def wants(self, arrival: float) -> bool:
        """Whether the frame that arrived at ``arrival`` (seconds) is due (asking takes nothing)."""
        return arrival >= self.due - self.SLACK * self.interval

    def take(self, arrival: float) -> bool:
        """Whether the frame that arrived at ``arrival`` (seconds) is taken; if it is, the next one is due later."""
        if not self.wants(arrival):
            return False
        # on schedule while frames keep coming; after a pause, the schedule starts again from this frame (no burst)
        self.due = max(self.due + self.interval, arrival + (1 - self.SLACK) * self.interval)
        return True


class HandLooks:
    """The hand detector's looks at the frames segmented, on a thread of their own, at most one at a time.

    mediapipe's ~13 ms (every third frame) is native work that holds no Python lock: looking while the next frame
    is segmented takes it off the child's cycle, and a cycle no longer runs past the camera's second frame (at
    30 fps, 67 ms) for it: that frame was let go and the child waited for the third. A frame that comes while a
    look is still running is not looked at. A look that fails is logged (quietly) and the next one is tried."""

    def __init__(self, detector):
        self.detector = detector
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hands") if detector is not None else None
        self._running: Future | None = None
        self._failures = QuietLog(log)

    def look_at(self, frame) -> None:
        """Let the detector look at ``frame`` uint8 (h, w, 3) (or None: nothing new) after the ones before it."""
        running = self._running
        if running is not None:
            if not running.done():
                return
            self._running = None
            if running.exception() is not None:
                self._failures.say(logging.ERROR, "hands", "the hand detector failed on a frame (%s); it goes on",
                                   running.exception())
        if frame is not None and self._pool is not None:
            self._running = self._pool.submit(self.detector.look_after, frame)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _serve(connection, model_path: str, learn_frames: int, width: int, calibration, detect_hands: bool) -> None:
    """The child: segments each (frame, arrival time) it is sent, completes the new segmentation at once on the same
    thread and answers ("completed", leaf) when there is one, then ("segmented", segmentation or None); then the
    hand detector looks at the frame (``HandLooks``), for the frames that follow. The child has one core's worth of
    Python time: segmenting the next frame while completing the last one only made both wait for Python's lock, so
    a frame's leaf is finished before the next frame is taken."""
    import cv2
    from threadpoolctl import threadpool_limits

    from leafdream.camera.completer import CompletionWorker
    from leafdream.camera.watcher import LeafWatcher
    from leafdream.scenes.context import load_context

    cv2.setNumThreads(1)  # the screen has the other core: more thread pools would only fight it
    threadpool_limits(1)
    watcher = LeafWatcher(learn_frames=learn_frames, width=width, calibration=calibration, detect_hands=detect_hands,
                          hands_later=True)
    worker = CompletionWorker(load_context(model_path), watcher)  # not started: it completes in step, below
    watcher.warm_up()  # the detector loads and the first segmentation runs now, behind the splash, not on frame one
    worker.warm_up()  # and the first completion
    looks = HandLooks(watcher.detector)
    connection.send(("ready", None))
    try:
        _serve_frames(connection, watcher, worker, looks)
    finally:
        looks.close()


def _serve_frames(connection, watcher, worker, looks: HandLooks) -> None:
    failures, failed = QuietLog(log), False
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        frame, arrival = message
        before = watcher.latest()
        try:
            watcher.observe(frame, arrival)
        except Exception:  # a frame nobody foresaw: this one is let go, the camera process carries on
            shape = getattr(frame, "shape", "?")
            if not failed:  # the first time with its traceback, then at most a line every 10 s, with a count
                log.exception("segmenting a camera frame (%s) failed; the frame is let go", shape)
                failed = True
            else:
                failures.say(logging.ERROR, "segmenting", "segmenting a camera frame (%s) failed again", shape)
        failures.flush()  # the count of the failures held back, once their interval is over
        latest = watcher.latest()
        fresh = latest is not before
        completed = worker.complete_newest() if fresh else None
        try:
            if completed is not None:
                connection.send(("completed", completed))
            connection.send(("segmented", latest if fresh else None))
        except (OSError, ValueError):
            return
        looks.look_at(watcher.take_segmented())  # while the camera's next frame is on its way, and segmented


class _Completions:
    """The completion worker's interface for the scenes and the visitor events: ``latest()``, and ``watcher``
    (whose ``present`` says whether a leaf is being shown)."""

    def __init__(self, watcher):
        self.watcher = watcher
        self._lock = threading.Lock()
        self._latest = None

    def latest(self):
        with self._lock:
            return self._latest

    def _set(self, completed) -> None:
        with self._lock:
            self._latest = completed


# How long after its arrival a frame that came while the child was busy may still be sent to it (seconds): less
# than half a 30 fps camera's interval, so a held frame is never older than waiting for the next one would make it.
HOLD_FOR = 0.015


class CameraWorkerProcess(Watching):
    """The live camera path's segmentation and completion, in a child process. ``clock``: the capture's clock,
    which the frames' arrival times are read from (seconds)."""

    def __init__(self, model_path, learn_frames: int = 15, width: int = SEGMENT_WIDTH, calibration=None,
                 detect_hands: bool = True, most_per_second: float | None = SEGMENTS_PER_SECOND,
                 clock=time.monotonic):
        self.width = width
        self.clock = clock
        self.held = 0                     # frames sent after being held while the child was busy
        self._held = None                 # (small frame, arrival time) due while the child was busy
        self._sending = threading.Lock()  # the camera's thread and the results' thread both send
        self.learn_frames = learn_frames
        self.skipped = 0
        self.updated = threading.Event()
        self.dump = None
        self.completion = _Completions(self)
        self._lock = threading.Lock()
        self._latest: Segmentation | None = None
        self._schedule = FrameSchedule(most_per_second) if most_per_second else None
        self._sent = 0
        self._busy = False
        self._in_flight = None            # (small frame, arrival time) the child is working on
        self._closing = False
        self._ready = threading.Event()
        context = multiprocessing.get_context("spawn")  # a fork would copy the capture and screen threads' locks
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve, name="leafdream-camera", daemon=True,
                                        args=(child, str(model_path), learn_frames, width, calibration, detect_hands))
        self._process.start()
        child.close()
        self._receiver = threading.Thread(target=self._receive, name="camera-results", daemon=True)
        self._receiver.start()

    def _receive(self) -> None:
        try:
            while True:
                kind, payload = self._connection.recv()
                if kind == "ready":
                    self._ready.set()
                elif kind == "completed":
                    self.completion._set(payload)
                elif kind == "segmented":
                    sent, self._in_flight = self._in_flight, None
                    if payload is not None:
                        self._publish(payload, sent)
                    self._send_held()
        except (EOFError, OSError):
            if not self._closing:
                log.error("the camera process ended (exit code %s): the visitor's leaf is not updated until "
                          "leafdream restarts; the show plays on", self._process.exitcode)

    def _publish(self, segmentation: Segmentation, sent) -> None:
        dump = self.dump
        if dump is not None and sent is not None:
            dump.write(sent[0], segmentation, sent[1])
            if dump.finished:
                self.dump = None
        with self._lock:
            self._latest = segmentation
        self.updated.set()

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Wait until the child has loaded the model and can work (behind the splash); False at once if it died."""
        waited = 0.0
        while not self._ready.wait(0.1):
            waited += 0.1
            if waited >= timeout or not self._process.is_alive():
                return False
        return True

    @property
    def _keeping_to(self) -> FrameSchedule | None:
        """The schedule frames are taken by, once the empty scene is learnt (from every frame that reaches it)."""
        return self._schedule if self._sent >= self.learn_frames else None

    def observe(self, frame, arrival_time: float = 0.0) -> None:
        """Called by the camera thread with every new frame: sent on when the child is idle and the frame is due,
        held when it is due but the child busy, else let go."""
        if not self._ready.is_set():
            self.skipped += 1
            return
        schedule = self._keeping_to
        if schedule is not None and not schedule.wants(arrival_time):
            self.skipped += 1
            return
        frame = as_bgr8(frame)
        if frame is None:
            return
        small = shrink(frame, self.width)
        with self._sending:
            if self._busy:
                if self._held is not None:
                    self.skipped += 1
                self._held = (small, arrival_time)
                return
            self._send(small, arrival_time)

    def _send_held(self) -> None:
        """The child has answered: send it the frame held meanwhile, if it is still fresh; else it waits for the next."""
        with self._sending:
            self._busy = False
            held, self._held = self._held, None
            if held is None:
                return
            schedule = self._keeping_to
            if self.clock() - held[1] <= HOLD_FOR and (schedule is None or schedule.wants(held[1])):
                self.held += 1
                self._send(*held)
            else:
                self.skipped += 1

    def _send(self, small, arrival_time: float) -> None:
        """Send a frame to the child (under ``_sending``)."""
        schedule = self._keeping_to
        if schedule is not None:
            schedule.take(arrival_time)
        self._sent += 1
        self._busy = True
        self._in_flight = (small, arrival_time)
        try:
            self._connection.send((small, arrival_time))
        except (OSError, ValueError):
            self._busy = False


    def close(self) -> None:
        self._closing = True
        try:
            self._connection.send(None)
        except (OSError, ValueError):
            pass
        self._process.join(timeout=3)
        if self._process.is_alive():
            self._process.terminate()
        self._connection.close()
