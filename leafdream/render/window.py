"""The pygame window: opening a display full-screen (or windowed), the splash, the operator overlay.

Only ``leafdream run`` and the calibration preview open windows; everything else renders offscreen.
"""

from __future__ import annotations

import logging

from leafdream.errors import LeafdreamError

log = logging.getLogger(__name__)


OFFSCREEN_DRIVERS = ("dummy", "offscreen")
FRAMEBUFFER_HINT = "SDL_FRAMEBUFFER_ACCELERATION"


def choose_framebuffer(driver: str, environ) -> str:
    """How SDL is to put frames on a screen of its video ``driver``: on X11 through X shared memory, unless the
    technician set SDL_FRAMEBUFFER_ACCELERATION in ``environ`` (os.environ: SDL reads it from there when the
    window is made). Returns the way chosen, for the log.

    By default SDL puts a window's pixels through OpenGL wherever a GL library is found, and on a machine without
    a GPU driver that is Mesa's software GL: measured under Xvfb at 1920x1080, the flip took 12 ms and more
    than one of the two cores, against 1.9 ms through shared memory. On a real GPU the X server uploads the
    shared image itself, so shared memory costs little there either. Other drivers (Wayland, KMS/DRM) keep SDL's
    choice: they have no framebuffer of their own to fall back to."""
    if environ.get(FRAMEBUFFER_HINT):
        return f"as {FRAMEBUFFER_HINT}={environ[FRAMEBUFFER_HINT]} says"
    if driver != "x11":
        return "SDL's own choice"
    environ[FRAMEBUFFER_HINT] = "0"
    return f"through X shared memory ({FRAMEBUFFER_HINT}=1 puts them through OpenGL instead)"


def no_screen_reason(driver: str) -> str:
    """Why SDL's video ``driver`` shows nothing to anyone, in the technician's words."""
    import os

    if os.environ.get("SDL_VIDEODRIVER"):
        return (f"SDL_VIDEODRIVER={os.environ['SDL_VIDEODRIVER']} is set, so SDL draws with its '{driver}' driver "
                f"and nothing is seen: unset it")
    return (f"SDL found no screen and fell back to its '{driver}' driver (DISPLAY and WAYLAND_DISPLAY are not set): "
            f"start leafdream in the gallery user's desktop session, where a screen is attached")


def open_display(windowed: bool, display: int, headless: bool = False, size: tuple[int, int] | None = None):
    """A pygame surface on ``display``: 1280x720 (or ``size``) if ``windowed``, else full screen with the mouse
    hidden — in the display's own mode, or switched to the mode ``size`` (W, H) for a projector whose reported
    mode is wrong. Without a screen to show on it is an error, unless ``headless`` asks to draw offscreen on
    purpose."""
    import os

    import pygame

    # SDL turns SIGTERM and SIGINT into a quit event, which kiosk mode ignores: leafdream handles them itself
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    pygame.display.init()
    pygame.font.init()
    driver = pygame.display.get_driver()
    if driver in OFFSCREEN_DRIVERS and not headless:
        pygame.quit()
        raise LeafdreamError(f"no screen to show on: {no_screen_reason(driver)}; or pass --headless to draw "
                             f"offscreen on purpose")
    log.info("screen: SDL's %s driver, frames put on it %s", driver, choose_framebuffer(driver, os.environ))
    count = pygame.display.get_num_displays()
    if display < 0 or display >= count:
        raise LeafdreamError(f"--display {display}: this machine has {count} display(s), numbered 0 to {count - 1}")
    if windowed:
        screen = pygame.display.set_mode(size or (1280, 720), display=display)
    else:
        screen = pygame.display.set_mode(size or (0, 0), pygame.FULLSCREEN, display=display)
        pygame.mouse.set_visible(False)
    if size is not None and screen.get_size() != tuple(size):
        log.warning("asked for %dx%d on display %d, SDL gave %dx%d (the nearest mode it has): frames are drawn "
                    "at that", size[0], size[1], display, *screen.get_size())
    pygame.display.set_caption("leafdream")
    return screen


def splash(screen, text: str) -> None:
    import pygame

    screen.fill((6, 9, 7))
    font = pygame.font.Font(None, max(24, screen.get_height() // 24))
    label = font.render(text, True, (150, 196, 120))
    screen.blit(label, label.get_rect(center=screen.get_rect().center))
    pygame.display.flip()


def overlay(screen, lines: list[str]) -> None:
    import pygame

    font = pygame.font.Font(None, max(18, screen.get_height() // 45))
    y = 10
    for line in lines:
        label = font.render(line, True, (230, 240, 220), (0, 0, 0))
        screen.blit(label, (10, y))
        y += label.get_height() + 2


def present(screen, frame) -> None:
    """Put a uint8 (H, W, 3) frame on ``screen`` (not yet flipped)."""
    import numpy as np
    import pygame

    height, width = frame.shape[:2]
    screen.blit(pygame.image.frombuffer(np.ascontiguousarray(frame).data, (width, height), "RGB"), (0, 0))
