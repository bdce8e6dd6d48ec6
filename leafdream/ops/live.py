"""``leafdream run``: the installation itself, full-screen, in a pygame window.

The outer loop is the only place that reads the wall clock: it measures the frame's
duration and hands it to the player as dt, measures the work and hands it to the frame
governor. A splash shows while the model loads and the kernels warm up.
Keys: O toggles the operator overlay, N skips to the next cue, Esc or Q quits (unless
--kiosk, where only Ctrl+Shift+Q quits).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from leafdream.errors import LeafdreamError

log = logging.getLogger(__name__)


def _open_display(windowed: bool, display: int):
    import pygame

    pygame.display.init()
    pygame.font.init()
    count = pygame.display.get_num_displays()
    if display < 0 or display >= count:
        raise LeafdreamError(f"--display {display}: this machine has {count} display(s), numbered 0 to {count - 1}")
    if windowed:
        screen = pygame.display.set_mode((1280, 720), display=display)
    else:
        screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN, display=display)
        pygame.mouse.set_visible(False)
    pygame.display.set_caption("leafdream")
    return screen


def _splash(screen, text: str) -> None:
    import pygame

    screen.fill((6, 9, 7))
    font = pygame.font.Font(None, max(24, screen.get_height() // 24))
    label = font.render(text, True, (150, 196, 120))
    screen.blit(label, label.get_rect(center=screen.get_rect().center))
    pygame.display.flip()


def _overlay(screen, lines: list[str]) -> None:
    import pygame

    font = pygame.font.Font(None, max(18, screen.get_height() // 45))
    y = 10
    for line in lines:
        label = font.render(line, True, (230, 240, 220), (0, 0, 0))
        screen.blit(label, (10, y))
        y += label.get_height() + 2


def _seconds_since_process_start() -> float:
    import psutil

    return time.time() - psutil.Process().create_time()


def _load_context_or_shipped(model_path):
    """The model asked for, or — loudly — the shipped one when it is missing or damaged."""
    from leafdream.render.loop import load_context
    from leafdream.paths import SHIPPED_MODEL

    try:
        return load_context(model_path)
    except LeafdreamError as error:
        if str(model_path) == str(SHIPPED_MODEL):
            raise
        log.error("MODEL NOT USABLE: %s — falling back to the shipped model %s", error, SHIPPED_MODEL)
        return load_context(SHIPPED_MODEL)


def _calibration_or_none(path):
    """The camera calibration at ``path`` (or the default one if it exists); None, logged, if there is none."""
    from leafdream.camera.calibration import default_calibration_path, load_calibration

    if path is None:
        path = default_calibration_path()
        if not path.exists():
            log.info("no camera calibration at %s: the empty scene is learnt from the first frames", path)
            return None
    try:
        calibration = load_calibration(path)
    except LeafdreamError as error:
        log.error("%s; the empty scene is learnt from the first frames instead", error)
        return None
    log.info("camera calibration %s: threshold %.1f, skin Cr %s Cb %s", path, calibration.threshold,
             calibration.skin_cr, calibration.skin_cb)
    return calibration


def _camera_dump(watcher, dump_dir, args) -> None:
    """An operator's remote request for a debug dump; refused (logged) unless a dump folder was given at start."""
    if watcher is None or dump_dir is None:
        log.error("remote camera_dump refused: start leafdream with --camera SOURCE --camera-debug-dump DIR to allow it")
        return
    try:
        seconds = float(args[0]) if args else 10.0
    except (TypeError, ValueError):
        log.error("remote camera_dump %s: expected a number of seconds", args)
        return
    watcher.start_dump(dump_dir, max(0.0, min(seconds, 120.0)))


def run_command(model_path, show: str, windowed: bool, display: int, camera, fps: int, seed: int, kiosk: bool,
                max_frames: int | None = None, osc_host: str = "127.0.0.1", osc_port: int | None = None,
                heartbeat_path=None, memory_ceiling_mb: float = 3000.0, watchdog_seconds: float = 30.0,
                calibration_path=None, dump_dir=None, dump_seconds: float = 10.0) -> int:
    import pygame

    from datetime import datetime
    from zoneinfo import ZoneInfo

    import psutil

    from leafdream.ops.heartbeat import Heartbeat, default_heartbeat_path
    from leafdream.show.installation import Installation
    from leafdream.show.player import FrameGovernor
    from leafdream.ops.service import EXIT_MEMORY, ServiceNotifier, Watchdog
    from leafdream.show.resolve import resolve_show

    resolve_show(show)  # a wrong show name or a broken show file is an error before any window opens
    screen = _open_display(windowed, display)
    _splash(screen, "leafdream is waking up")
    log.info("splash shown %.2f s after the process started", _seconds_since_process_start())
    capture, watcher = None, None
    if camera is not None:
        from leafdream.camera.capture import CameraThread
        from leafdream.camera.events import VisitorEvents
        from leafdream.camera.watcher import LeafWatcher

        watcher = LeafWatcher(calibration=_calibration_or_none(calibration_path))  # frames and masks stay in memory
        if dump_dir is not None:
            watcher.start_dump(dump_dir, dump_seconds)
        capture = CameraThread(camera, on_frame=watcher.observe).start()
    visitor_events = None

    def camera_state() -> str:
        if capture is None:
            return "none"
        size = f" {capture.actual.get('width')}x{capture.actual.get('height')}" if capture.actual else ""
        return f"{capture.state}{size} ({capture.newest()[2]} frames, {capture.reconnects} reconnects)"
    width, height = screen.get_size()
    context = _load_context_or_shipped(model_path)
    completion = None
    if watcher is not None:
        from leafdream.camera.completer import CompletionWorker

        completion = CompletionWorker(context, watcher).start()
        visitor_events = VisitorEvents()
        context.extras = {**context.extras, "camera_completion": completion}
    installation = Installation(context, show, (width, height), seed)
    heartbeat = Heartbeat(heartbeat_path or default_heartbeat_path())
    notifier = ServiceNotifier()
    watchdog = Watchdog(watchdog_seconds)
    process = psutil.Process()
    exit_code = 0
    last_error, last_error_at = "", None
    zone = ZoneInfo(installation.show.timezone)
    remote = None
    if osc_port is not None:
        from leafdream.ops.remote import RemoteControl

        try:
            remote = RemoteControl(osc_host, osc_port)
        except OSError as error:
            log.error("OSC remote control not started on %s:%s (%s); the show runs without it", osc_host, osc_port, error)
    governor = FrameGovernor(fps)
    clock = pygame.time.Clock()
    show_overlay = False
    frames = 0
    first_frame_at = 0.0
    work_ms = 0.0
    started = time.perf_counter()
    running = True
    while running:
        dt = clock.tick(fps if installation.open else 5) / 1000.0
        for event in pygame.event.get():
            if event.type == pygame.QUIT and not kiosk:
                running = False
            elif event.type == pygame.KEYDOWN:
                mods = pygame.key.get_mods()
                wants_quit = event.key in (pygame.K_ESCAPE, pygame.K_q)
                if wants_quit and (not kiosk or (event.key == pygame.K_q and mods & pygame.KMOD_CTRL and mods & pygame.KMOD_SHIFT)):
                    running = False
                elif event.key == pygame.K_n and installation.player is not None:
                    installation.player.skip()
                elif event.key == pygame.K_o:
                    show_overlay = not show_overlay
        work_started = time.perf_counter()
        if remote is not None:
            for name, args in remote.poll():
                if name == "camera_dump":
                    _camera_dump(watcher, dump_dir, args)
                else:
                    installation.command(name, args)
        if watcher is not None:
            for event in visitor_events.update(time.monotonic(), watcher.present, completion.latest()):
                log.info("visitor: %s", event.describe())
                installation.visitor_event(event.kind == "appeared")
        installation.tick(datetime.now(zone), min(dt, 0.1), governor.effort)
        frame = installation.frame()
        surface = pygame.image.frombuffer(np.ascontiguousarray(frame).data, (width, height), "RGB")
        screen.blit(surface, (0, 0))
        if show_overlay:
            player = installation.player
            lines = [f"fps {clock.get_fps():5.1f}   work {work_ms:5.1f} ms   effort {governor.effort:.2f}",
                     f"show {installation.show.name!r}   {'open' if installation.open else 'closed (outside opening hours)'}"]
            if player is not None:
                scene = player.scene
                lines += [
                    f"cue {player.cue.number or player.index + 1:g} {player.cue.name}  {player.cue.scene}  "
                    f"t {player.t - player.cue_start:6.1f} / {player.cue.duration:.0f} s",
                    f"temperature {scene.params.get('temperature', '-')}   palette {player.cue.palette}",
                ]
            lines += [f"camera: {camera_state()}",
                      f"last error: {installation.last_error or (player.last_error if player else '') or 'none'}"]
            _overlay(screen, lines)
        pygame.display.flip()
        watchdog.presented()
        notifier.frame_presented(dt)
        work_ms = (time.perf_counter() - work_started) * 1e3
        error_now = installation.last_error or (installation.player.last_error if installation.player else "")
        if error_now and error_now != last_error:
            last_error, last_error_at = error_now, time.perf_counter()
        recent_error = last_error_at is not None and time.perf_counter() - last_error_at < 300
        if heartbeat.due(dt):
            rss_mb = process.memory_info().rss / 1e6
            player = installation.player
            heartbeat.write({
                "uptime_s": time.perf_counter() - started, "fps": clock.get_fps(), "frame_ms": work_ms,
                "effort": governor.effort, "show": installation.show.name, "open": installation.open,
                "cue": (player.cue.number or player.index + 1) if player else None,
                "scene": player.scene.name if player else None,
                "camera": camera_state(),
                "rss_mb": rss_mb, "last_error": last_error, "healthy": not recent_error,
            })
            if rss_mb > memory_ceiling_mb:
                log.critical("memory %.0f MB is above the ceiling of %.0f MB: exiting for a clean restart",
                             rss_mb, memory_ceiling_mb)
                exit_code = EXIT_MEMORY
                running = False
        governor.record(work_ms / 1e3)
        frames += 1
        if frames == 1:
            first_frame_at = _seconds_since_process_start()
        if max_frames is not None and frames >= max_frames:
            running = False
    watchdog.stop()
    if completion is not None:
        completion.stop()
    if capture is not None:
        capture.stop()
    if remote is not None:
        remote.close()
    log.info("ran %d frames in %.1f s; first frame %.2f s after the process started", frames,
             time.perf_counter() - started, first_frame_at)
    pygame.quit()
    return exit_code
