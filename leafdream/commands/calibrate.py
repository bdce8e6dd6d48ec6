"""``leafdream camera calibrate``: the technician's calibration, with a live preview when a screen is there.

The preview never shows the camera picture: only what the segmentation makes of it —
foreground while the scene and hand are learnt, then leaf (green), hand / unknown (red)
and background (dark) — with the phase's instruction and a countdown. Without a screen
the instructions and countdown go to the terminal.
"""

from __future__ import annotations

import logging
import time

import cv2
import numpy as np

from leafdream.errors import LeafdreamError
from leafdream.camera.calibration import Calibrator, default_calibration_path, describe
from leafdream.camera.capture import CameraThread
from leafdream.camera.watcher import SEGMENT_WIDTH, shrink

log = logging.getLogger(__name__)

INSTRUCTIONS = {
    "empty": "step out of view: nothing in front of the camera",
    "hand": "hold one open hand in front of the camera, no leaf",
    "leaf": "hold a leaf up to the camera as a visitor would",
}


def preview_image(calibrator: Calibrator, frame: np.ndarray) -> np.ndarray:
    """uint8 (h, w, 3) RGB: the segmentation's view of ``frame`` (the shrunk BGR frame), never the frame."""
    height, width = calibrator.shape
    picture = np.full((height, width, 3), 30, np.uint8)
    if calibrator.phase in ("empty", "hand") and calibrator.segmenter.background is not None:
        picture[calibrator.segmenter.colour_distance(frame) > calibrator.threshold] = (200, 200, 200)
    elif calibrator.last is not None:
        picture[calibrator.last.hidden] = (200, 60, 50)
        picture[calibrator.last.leaf > 0.5] = (80, 200, 90)
    return picture


class _Preview:
    """A small pygame window; None-like when there is no display."""

    def __init__(self):
        import pygame

        self.pygame = pygame
        pygame.display.init()
        if pygame.display.get_driver() in ("dummy", "offscreen"):
            raise RuntimeError("no display")
        pygame.font.init()
        self.screen = pygame.display.set_mode((640, 552))
        pygame.display.set_caption("leafdream camera calibration")
        self.font = pygame.font.Font(None, 26)

    def show(self, picture: np.ndarray, lines: list[str]) -> bool:
        """Draw; False when the technician closed the window or pressed Escape."""
        pygame = self.pygame
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                return False
        self.screen.fill((0, 0, 0))
        scaled = cv2.resize(picture, (640, 480), interpolation=cv2.INTER_NEAREST)
        self.screen.blit(pygame.image.frombuffer(np.ascontiguousarray(scaled).data, (640, 480), "RGB"), (0, 0))
        for row, line in enumerate(lines):
            self.screen.blit(self.font.render(line, True, (230, 230, 220)), (10, 488 + row * 30))
        pygame.display.flip()
        return True

    def close(self) -> None:
        self.pygame.display.quit()


def calibrate_command(source: str, out, phase_seconds: float, preview: bool, width: int = SEGMENT_WIDTH,
                      timeout: float = 15.0) -> int:
    if phase_seconds <= 0:
        raise LeafdreamError(f"--seconds must be positive, got {phase_seconds}")
    out = out or default_calibration_path()
    window = None
    if preview:
        try:
            window = _Preview()
        except Exception as error:  # no screen: the terminal gets the instructions
            log.info("no preview window (%s); instructions follow here", error)
    capture = CameraThread(source).start()
    calibrator = None
    last_count, last_phase, last_second = 0, None, None
    started = time.monotonic()
    try:
        while calibrator is None or calibrator.phase != "done":
            frame, stamp, count = capture.newest()
            if count == last_count:
                if time.monotonic() - started > timeout and calibrator is None:
                    raise LeafdreamError(f"camera {source}: no frames in {timeout:.0f} s ({capture.state}); "
                                         f"check the cable and 'leafdream doctor --camera {source}'")
                time.sleep(0.005)
                continue
            last_count = count
            small = shrink(frame, width)
            if calibrator is None:
                calibrator = Calibrator(small.shape[:2], phase_seconds)
            calibrator.observe(small, stamp)
            left = calibrator.seconds_left(stamp)
            if calibrator.phase != last_phase and calibrator.phase in INSTRUCTIONS:
                print(f"{calibrator.phase}: {INSTRUCTIONS[calibrator.phase]} ({phase_seconds:.0f} s)", flush=True)
                last_phase = calibrator.phase
            elif window is None and int(left) != last_second and calibrator.phase in INSTRUCTIONS:
                print(f"  {int(left)} s", flush=True)
            last_second = int(left)
            if window is not None and calibrator.phase in INSTRUCTIONS:
                if not window.show(preview_image(calibrator, small),
                                   [INSTRUCTIONS[calibrator.phase], f"{left:4.1f} s left - Esc cancels"]):
                    print("calibration cancelled; nothing saved")
                    return 1
    finally:
        capture.stop()
        if window is not None:
            window.close()
    calibration = calibrator.result()
    path = calibration.save(out)
    for line in describe(calibration):
        print(line)
    print(f"saved {path} (the empty scene at {calibration.shape[1]}x{calibration.shape[0]} and the thresholds; "
          f"no picture of anyone). 'leafdream run --camera {source}' uses it.")
    return 0

