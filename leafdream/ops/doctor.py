"""``leafdream doctor``: checks what the installation needs and says how to fix what is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

from leafdream.errors import LeafdreamError
from leafdream.render.window import OFFSCREEN_DRIVERS, no_screen_reason
from leafdream.paths import user_cache_dir


def _display() -> tuple[bool, str]:
    try:
        import pygame

        pygame.display.init()
        count = pygame.display.get_num_displays()
        driver = pygame.display.get_driver()
        pygame.display.quit()
    except Exception as error:  # pygame raises its own error types for missing video
        return False, f"no display ({error}); connect a screen, log in to a desktop session, or set DISPLAY"
    if driver in OFFSCREEN_DRIVERS:
        return False, no_screen_reason(driver)
    return True, f"{count} display(s) via {driver}"


def _camera(source, seconds: float = 5.0) -> tuple[bool, str]:
    """Open the camera and wait for one frame."""
    import time

    import cv2

    from leafdream.camera.capture import parse_source

    capture = cv2.VideoCapture(parse_source(source))
    try:
        if not capture.isOpened():
            return False, (f"camera {source} does not open: check the cable, 'ls /dev/video*', and that no other "
                           f"program (or a running leafdream) holds it")
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            ok, frame = capture.read()
            if ok and frame is not None:
                return True, f"camera {source} gives {frame.shape[1]}x{frame.shape[0]} frames"
        return False, f"camera {source} opens but gives no frames in {seconds:.0f} s: unplug it and plug it in again"
    finally:
        capture.release()


def _calibration() -> tuple[bool, str]:
    from leafdream.camera.calibration import default_calibration_path, load_calibration

    path = default_calibration_path()
    if not path.exists():
        return True, (f"none at {path}: the empty scene is learnt when leafdream starts; "
                      f"'leafdream camera calibrate' makes one")
    try:
        calibration = load_calibration(path)
    except LeafdreamError as error:
        return False, str(error)
    return True, (f"{path}: {calibration.shape[1]}x{calibration.shape[0]}, threshold {calibration.threshold:.1f}, "
                  f"skin Cr {calibration.skin_cr[0]}-{calibration.skin_cr[1]}")


def run_checks(model_path, show: str, camera=None) -> list[tuple[bool, str, str]]:
    """[(passed, what, detail or fix)] for display, camera, calibration, model, show, cache and disk."""
    results = []
    ok, detail = _display()
    results.append((ok, "display", detail))
    if camera is None:
        results.append((True, "camera", "not checked: name one with --camera SOURCE (index, /dev/videoN or a video file)"))
    else:
        ok, detail = _camera(camera)
        results.append((ok, "camera", detail))
    ok, detail = _calibration()
    results.append((ok, "calibration", detail))
    try:
        from leafdream.model.modelfile import load_model

        model = load_model(model_path)
        has_map = "map_positions" in model.extras
        results.append((has_map, "model", f"{model_path}: layers {model.dbn.layer_sizes}" + (
            "" if has_map else "; no leaf-space map: run 'leafdream map --compute --data DIR'")))
    except LeafdreamError as error:
        results.append((False, "model", f"{error}; leafdream would fall back to the shipped model"))
    try:
        from leafdream.show.resolve import resolve_show

        resolved = resolve_show(show)
        results.append((True, "show", f"{resolved.path}: {len(resolved.cues)} cues"
                        + (f", open {resolved.raw_hours} ({resolved.timezone})" if resolved.hours else "")))
    except LeafdreamError as error:
        results.append((False, "show", f"{str(error).splitlines()[0]} — run 'leafdream check {show}'"))
    cache = user_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        probe = cache / ".doctor"
        probe.write_text("ok")
        probe.unlink()
        results.append((True, "cache", f"{cache} is writable (compiled kernels are kept here)"))
    except OSError as error:
        results.append((False, "cache", f"{cache} is not writable ({error.strerror}); set XDG_CACHE_HOME to a writable folder"))
    free = shutil.disk_usage(cache if cache.exists() else Path.home()).free / 1e9
    results.append((free > 1.0, "disk", f"{free:.1f} GB free" + ("" if free > 1.0 else "; logs and heartbeat need room: free some space")))
    return results
