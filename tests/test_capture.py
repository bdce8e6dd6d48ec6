import time

import cv2
import numpy as np

from leafdream.camera.capture import CameraThread


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def make_video(path, frames=20, size=(96, 64)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, size)
    for k in range(frames):
        image = np.zeros((size[1], size[0], 3), np.uint8)
        cv2.circle(image, (10 + 3 * k, 32), 8, (40, 160, 60), -1)
        writer.write(image)
    writer.release()
    return path


def test_a_video_file_plays_loops_and_only_the_newest_frame_is_kept(tmp_path):
    camera = CameraThread(str(make_video(tmp_path / "leaf.mp4"))).start()
    try:
        assert wait_for(lambda: camera.newest()[2] > 30)  # more frames than the file has: it loops
        frame, stamp, count = camera.newest()
        assert frame.shape == (64, 96, 3) and camera.state == "live" and stamp > 0
    finally:
        camera.stop()
    assert camera.state == "stopped"


class FlakyCapture:
    """A camera that fails to open the first times, then gives frames, then freezes on one frame."""

    opened = 0

    def __init__(self, source, freeze_after=10**9):
        FlakyCapture.opened += 1
        self.ok = FlakyCapture.opened > 2
        self.count = 0
        self.freeze_after = freeze_after
        self.props = {}

    def isOpened(self):
        return self.ok

    def set(self, prop, value):
        self.props[prop] = value

    def get(self, prop):
        return {cv2.CAP_PROP_FRAME_WIDTH: 320, cv2.CAP_PROP_FRAME_HEIGHT: 240, cv2.CAP_PROP_FPS: 30}.get(prop, 0)

    def read(self):
        self.count += 1
        time.sleep(0.002)
        value = min(self.count, self.freeze_after)
        return True, np.full((24, 32, 3), value % 256, np.uint8)

    def release(self):
        pass


def test_a_camera_that_fails_then_returns_is_reconnected_with_settings_reapplied():
    FlakyCapture.opened = 0
    made = []

    def opener(source):
        capture = FlakyCapture(source)
        made.append(capture)
        return capture

    camera = CameraThread("0", opener=opener, max_backoff=0.05).start()
    try:
        assert wait_for(lambda: camera.state == "live" and camera.newest()[2] > 5)
        assert FlakyCapture.opened >= 3
        assert made[-1].props[cv2.CAP_PROP_FOURCC] == cv2.VideoWriter_fourcc(*"MJPG")
        assert camera.actual == {"width": 320, "height": 240, "fps": 30.0}
    finally:
        camera.stop()


def test_a_frozen_camera_is_detected_and_reopened():
    FlakyCapture.opened = 2  # opens at once

    def opener(source):
        return FlakyCapture(source, freeze_after=5)

    camera = CameraThread("0", opener=opener, repeats_for_stall=20, max_backoff=0.05).start()
    try:
        assert wait_for(lambda: camera.reconnects >= 2)
    finally:
        camera.stop()


def test_the_camera_process_takes_every_other_frame_of_a_jittery_30_fps_camera_at_15_a_second():
    from leafdream.camera.worker_process import FrameSchedule

    rng = np.random.default_rng(0)
    arrivals = np.arange(300) / 30.0 + rng.uniform(-0.002, 0.002, 300)  # 10 s of frames, 2 ms of jitter
    schedule = FrameSchedule(15.0)
    taken = [t for t in arrivals if schedule.take(t)]
    assert 149 <= len(taken) <= 151
    assert np.diff(taken).max() < 0.09, "never a third frame's wait"
    # a slow second (the camera process busy) earns no burst afterwards: at most one early frame
    schedule = FrameSchedule(15.0)
    late = [t for t in np.concatenate([[0.0], np.arange(60, 120) / 30.0]) if schedule.take(t)]
    assert np.diff(late).min() > 0.045
    assert len(late) <= 1 + 31
