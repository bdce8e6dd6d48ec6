"""The screen the piece is seen on, kept: a projector power-cycled or a cable pulled is waited for, not died of.

``Screen.show`` puts a frame up; when SDL fails to (``pygame.error``), or the configured display is gone from
the list SDL reports (polled every ``CHECK_S``), the screen counts as lost: the show keeps its time, the
heartbeat says so, and every ``RETRY_S`` the window is opened again, full screen on the same display. A
window that comes back at another size gets frames scaled to it. Both events are logged.
"""

from __future__ import annotations

import logging

import numpy as np

from leafdream.errors import LeafdreamError
from leafdream.render.interval import Every
from leafdream.render.window import open_display, overlay, present

log = logging.getLogger(__name__)

CHECK_S = 2.0   # seconds between asking SDL how many displays it has
RETRY_S = 3.0   # seconds between attempts to open a lost screen again


class Screen:
    """``surface``: the pygame surface now (None while lost); ``size``: (W, H) the installation draws at."""

    def __init__(self, windowed: bool, display: int, headless: bool = False, opener=open_display, flip=None,
                 mode: tuple[int, int] | None = None):
        """``opener`` opens the window and ``flip`` shows what was drawn (pygame's own unless given: a
        simulation passes one that fails when it cuts the display); ``mode``: the size (W, H) to open the
        window at, the display's own when None (see ``open_display``)."""
        import pygame

        self.windowed, self.display, self.headless, self.opener = windowed, display, headless, opener
        self.mode = mode
        self.flip = flip or pygame.display.flip
        self.surface = self._open()
        self.size = self.surface.get_size()
        self.lost_at: float | None = None
        self.reason = ""
        self.check = Every(CHECK_S)
        self.retry = Every(RETRY_S)
        self.reopened = 0

    def _open(self):
        if self.mode is None:
            return self.opener(self.windowed, self.display, self.headless)
        return self.opener(self.windowed, self.display, self.headless, self.mode)

    @property
    def lost(self) -> bool:
        return self.lost_at is not None

    def _lose(self, reason: str, now: float) -> None:
        if not self.lost:
            log.error("SCREEN LOST: %s; the show keeps its time, waiting for display %d to come back", reason,
                      self.display)
            self.lost_at, self.reason, self.retry = now, reason, Every(RETRY_S)
        self.surface = None

    def _reopen(self, now: float) -> None:
        import pygame

        try:
            pygame.display.quit()
            self.surface = self._open()
        except (pygame.error, LeafdreamError) as error:
            self.reason = str(error).splitlines()[0]
            return
        width, height = self.surface.get_size()
        log.warning("screen back after %.0f s: display %d open again at %dx%d%s", now - self.lost_at, self.display,
                    width, height, "" if (width, height) == self.size else f" (the show draws at {self.size[0]}x"
                                                                          f"{self.size[1]} and is scaled to it)")
        self.lost_at, self.reason = None, ""
        self.reopened += 1

    def update(self, dt: float, now: float) -> None:
        """Once a frame: is the display still there; while lost, try to open it again every ``RETRY_S``."""
        import pygame

        if self.lost:
            if self.retry.due(dt):
                self._reopen(now)
            return
        if self.check.due(dt):
            try:
                count = pygame.display.get_num_displays()
            except pygame.error as error:
                self._lose(f"SDL cannot list the displays ({error})", now)
                return
            if self.display >= count:
                self._lose(f"display {self.display} is gone ({count} display(s) left)", now)

    def window_event(self, event, now: float) -> None:
        """A window event from the loop's queue: a full-screen window moved to another display, or resized
        away from the show's size (a projector that came back in another mode), is opened again."""
        import pygame

        if self.lost or self.windowed:
            return
        moved = event.type == pygame.WINDOWDISPLAYCHANGED and getattr(event, "display_index", self.display) != \
            self.display
        resized = event.type == pygame.WINDOWSIZECHANGED and self.surface.get_size() != self.size
        if moved or resized:
            log.warning("the window %s: opening it again full screen on display %d",
                        "moved to another display" if moved else "changed size", self.display)
            self.lost_at, self.reason = now, "the window changed"
            self._reopen(now)

    def show(self, frame: np.ndarray, lines: list[str] | None, now: float) -> bool:
        """Put uint8 (H, W, 3) ``frame`` (and the overlay ``lines``) on screen; False when it is lost."""
        import pygame

        if self.lost:
            return False
        try:
            width, height = self.surface.get_size()
            if (width, height) != (frame.shape[1], frame.shape[0]):
                import cv2

                frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_LINEAR)
            present(self.surface, frame)
            if lines:
                overlay(self.surface, lines)
            self.flip()
        except pygame.error as error:
            self._lose(f"SDL could not show the frame ({error})", now)
            return False
        return True

    def state(self, now: float) -> str:
        """For the heartbeat: "ok WxH on display N" or "lost for S s (why)"."""
        if self.lost:
            return f"lost for {now - self.lost_at:.0f} s ({self.reason})"
        width, height = self.surface.get_size()
        return f"ok {width}x{height} on display {self.display}"
