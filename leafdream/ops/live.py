"""``leafdream run``: the installation itself, full-screen, in a pygame window.

The outer loop is the only place that reads the wall clock: it measures the frame's
duration and hands it to the installation as dt, measures the work and hands it to the frame
governor. A splash shows while the model loads and the kernels warm up.
Keys: O toggles the operator overlay, N skips to the next cue, Esc or Q quits (unless
--kiosk, where only Ctrl+Shift+Q quits).
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from leafdream.errors import LeafdreamError
from leafdream.ops.health import Health
from leafdream.ops.heartbeat import Heartbeat, default_heartbeat_path
from leafdream.ops.memory import MemoryRelease
from leafdream.ops.service import EXIT_MEMORY, ServiceNotifier, Watchdog
from leafdream.ops.starts import StartRecord
from leafdream.paths import SHIPPED_MODEL
from leafdream.render.frame_times import FrameTimes
from leafdream.scenes.params import readable
from leafdream.render.governor import FrameGovernor
from leafdream.render.screen import Screen
from leafdream.render.cores import drawing_cores
from leafdream.render.window import splash
from leafdream.scenes.context import load_context
from leafdream.show.installation import Installation
from leafdream.show.fallback import show_or_fallback

log = logging.getLogger(__name__)


@dataclass
class LiveSettings:
    """Everything ``leafdream run`` was asked for."""

    model_path: Path
    show: str = "default"
    windowed: bool = False
    display: int = 0
    mode: tuple[int, int] | None = None  # the screen's size to ask for (--size); None: the display's own
    camera: str | None = None
    fps: int = 60
    seed: int = 0
    kiosk: bool = False
    max_frames: int | None = None
    headless: bool = False  # draw offscreen on purpose (offline checks, tests): no screen is not an error then
    osc_host: str = "127.0.0.1"
    osc_port: int | None = None
    osc_allow: tuple = ()                 # IP addresses besides loopback whose OSC commands are heard
    osc_tcp_port: int | None = None       # OSC over TCP (SLIP) as well, for consoles that need it
    heartbeat_path: str | None = None
    memory_ceiling_mb: float = 3000.0
    watchdog_seconds: float = 30.0
    calibration_path: str | None = None
    dump_dir: str | None = None
    dump_seconds: float = 10.0
    status_host: str = "127.0.0.1"
    status_port: int | None = None        # serve the status page (ops/status_server.py) on this TCP port
    status_token: str | None = None
    resume: bool = True                   # carry on from the saved position when it is recent and of this show
    position_path: str | None = None      # where the position is saved (default: the state folder; none when
                                          # headless, which is never the gallery, unless given)


def _seconds_since_process_start() -> float:
    import psutil

    return time.time() - psutil.Process().create_time()


def _context_and_path(model_path):
    """(context, the model file it came from): ``model_path``, or — loudly — the shipped model. The drawing
    kernels are warmed up with it."""
    from leafdream.render.compositor import warm_up

    warm_up()
    try:
        return load_context(model_path), model_path
    except LeafdreamError as error:
        if str(model_path) == str(SHIPPED_MODEL):
            raise
        log.error("MODEL NOT USABLE: %s — falling back to the shipped model %s", error, SHIPPED_MODEL)
        return load_context(SHIPPED_MODEL), SHIPPED_MODEL


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


def _camera_dump(watcher, dump_dir, args) -> tuple[bool, str]:
    """An operator's remote request for a debug dump; refused (logged) unless a dump folder was given at start.
    Returns (started, what was done or why not)."""
    if watcher is None or dump_dir is None:
        why = "start leafdream with --camera SOURCE --camera-debug-dump DIR to allow it"
        log.error("remote camera_dump refused: %s", why)
        return False, why
    try:
        seconds = float(args[0]) if args else 10.0
    except (TypeError, ValueError):
        log.error("remote camera_dump %s: expected a number of seconds", args)
        return False, "expected a number of seconds"
    watcher.start_dump(dump_dir, max(0.0, min(seconds, 120.0)))
    return True, f"dumping {max(0.0, min(seconds, 120.0)):g} s of camera frames to {dump_dir}"


class LiveCamera:
    """The camera side of the live run: the capture thread, the camera process (segmentation and completion of
    the visitor's leaf, ``camera/worker_process.py``), visitor events."""

    def __init__(self, source, model_path, calibration_path, dump_dir, dump_seconds):
        from leafdream.camera.capture import CameraThread
        from leafdream.camera.events import VisitorEvents
        from leafdream.camera.worker_process import CameraWorkerProcess

        self.watcher = CameraWorkerProcess(model_path, calibration=_calibration_or_none(calibration_path))
        if not self.watcher.wait_ready():  # behind the splash: the empty scene is learnt from frames after this
            log.error("the camera process did not start within a minute; the camera's first frames are let go")
        self.completion = self.watcher.completion
        if dump_dir is not None:
            self.watcher.start_dump(dump_dir, dump_seconds)
        self.capture = CameraThread(source, on_frame=self.watcher.observe).start()  # frames stay in memory
        self.events = VisitorEvents()

    def attach(self, context) -> None:
        """Let the scenes see the visitor's completed leaf."""
        context.extras = {**context.extras, "camera_completion": self.completion}

    def state(self) -> str:
        capture = self.capture
        size = f" {capture.actual.get('width')}x{capture.actual.get('height')}" if capture.actual else ""
        worker = "" if self.watcher.alive else ", camera process ended"
        return f"{capture.state}{size} ({capture.newest()[2]} frames, {capture.reconnects} reconnects{worker})"

    def visitor_events(self, now: float):
        return self.events.update(now, self.watcher.present, self.completion.latest())

    def stop(self) -> None:
        self.capture.stop()
        self.watcher.close()


class LiveRun:
    """One run of the installation on a screen: set up in ``__init__``, one frame per ``step``, ``close``."""

    def __init__(self, settings: LiveSettings):
        import pygame

        self.settings = settings
        self.recent_log = self._recent_log()  # first, so the status page shows the start's own lines
        self.starts = StartRecord()
        failed = self.starts.check(settings.show)
        aside = (f"it ended the piece soon after the start {failed} times in a row; edit it to try it again"
                 if self.starts.set_aside else "")
        show, self.fallback = show_or_fallback(settings.show, aside)  # a broken show never leaves the wall dark
        self.screen = Screen(settings.windowed, settings.display, settings.headless, mode=settings.mode)
        splash(self.screen.surface, "leafdream is waking up")
        log.info("splash shown %.2f s after the process started", _seconds_since_process_start())
        self.camera = None
        width, height = self.screen.size
        context, model_path = _context_and_path(settings.model_path)
        if settings.camera is not None:
            self.camera = LiveCamera(settings.camera, model_path, settings.calibration_path, settings.dump_dir,
                                     settings.dump_seconds)
            self.camera.attach(context)
        self.installation = Installation(context, show, (width, height), settings.seed)
        self.zone = ZoneInfo(self.installation.show.timezone)
        self.checkpointer = self._checkpointer()
        self.memory = MemoryRelease()
        self.health = Health(Heartbeat(settings.heartbeat_path or default_heartbeat_path()))
        self.notifier = ServiceNotifier()
        self.watchdog = Watchdog(settings.watchdog_seconds, on_hang=self._hung)
        self.remote = self._remote()
        self.board, self.status_server = self._status_page()
        self.governor = FrameGovernor(settings.fps)
        self.frame_times = FrameTimes()
        self.present_times = FrameTimes()  # of which putting the frame on the screen (blit and flip)
        self.clock = pygame.time.Clock()
        self.show_overlay = False
        self.frames = 0
        self.first_frame_at = 0.0
        self.work_ms = 0.0
        self.started = time.perf_counter()
        self.running = True
        self.exit_code = 0
        self.stop_reason = ""

    def _remote(self):
        if self.settings.osc_port is None:
            return None
        from leafdream.ops.remote import RemoteControl

        try:
            return RemoteControl(self.settings.osc_host, self.settings.osc_port, self.settings.osc_allow,
                                 tcp_port=self.settings.osc_tcp_port)
        except OSError as error:
            log.error("OSC remote control not started on %s:%s (%s); the show runs without it",
                      self.settings.osc_host, self.settings.osc_port, error)
            return None

    def _checkpointer(self):
        """The saver of the show's position (None when headless without a path) — and, if asked, the saved
        position handed to the installation to carry on from."""
        from leafdream.ops.checkpoint import NOTHING_SAVED, Checkpointer, checkpoint_path, resume_saved

        path = self.settings.position_path or (None if self.settings.headless else checkpoint_path())
        if path is None:
            return None
        if self.settings.resume:
            why = resume_saved(path, self.installation, datetime.now(self.zone).date().isoformat(), time.time())
            if why and why != NOTHING_SAVED:
                log.info("not resuming the saved position (%s): the show starts from its beginning", why)
        return Checkpointer(path)

    def _save_position(self) -> None:
        from leafdream.ops.checkpoint import SavedPosition

        saved = SavedPosition.of_installation(self.installation, time.time())
        if saved is not None:
            self.checkpointer.submit(saved)

    def _recent_log(self):
        """The last log lines for the status page (None without one), kept from the start of the run on."""
        if self.settings.status_port is None:
            return None
        from leafdream.ops.status_board import RecentLog

        recent = RecentLog()
        logging.getLogger().addHandler(recent)
        return recent

    def _status_page(self):
        """(the board, its server), or (None, None) without --status-port or when the port cannot be had."""
        if self.settings.status_port is None:
            return None, None
        from leafdream.ops.status_board import StatusBoard
        from leafdream.ops.status_server import StatusServer

        board = StatusBoard(self.recent_log)
        try:
            return board, StatusServer(self.settings.status_host, self.settings.status_port, board,
                                       self.settings.status_token)
        except OSError as error:
            log.error("status page not started on %s:%s (%s); the show runs without it", self.settings.status_host,
                      self.settings.status_port, error.strerror or error)
            return None, None

    def camera_state(self) -> str:
        return "none" if self.camera is None else self.camera.state()

    def _keys(self) -> None:
        import pygame

        kiosk = self.settings.kiosk
        for event in pygame.event.get():
            self.screen.window_event(event, time.perf_counter())
            if event.type == pygame.QUIT and not kiosk:
                self.stop("the window closing")
            elif event.type == pygame.KEYDOWN:
                mods = pygame.key.get_mods()
                wants_quit = event.key in (pygame.K_ESCAPE, pygame.K_q)
                ctrl_shift_q = event.key == pygame.K_q and mods & pygame.KMOD_CTRL and mods & pygame.KMOD_SHIFT
                if wants_quit and (not kiosk or ctrl_shift_q):
                    self.stop("the operator's quit key")
                elif event.key == pygame.K_n and self.installation.player is not None:
                    log.info("key N: the next cue")
                    self.installation.player.skip()
                elif event.key == pygame.K_o:
                    self.show_overlay = not self.show_overlay
                    log.info("key O: operator overlay %s", "on" if self.show_overlay else "off")

    def _inputs(self) -> None:
        """Remote commands and visitor events reach the installation."""
        if self.remote is not None:
            for name, args, sender in self.remote.poll():
                if name == "camera_dump":
                    ok, said = _camera_dump(self.camera.watcher if self.camera else None, self.settings.dump_dir,
                                            args)
                elif name == "status":
                    ok, said = True, self._status_reply()
                else:
                    ok, said = self.installation.command(name, args, sender)
                self.remote.reply(sender, name, ok, said)
        if self.camera is not None:
            for event in self.camera.visitor_events(time.monotonic()):
                log.info("visitor: %s", event.describe())
                self.installation.visitor_event(event.kind == "appeared")

    def _status_reply(self) -> dict:
        """What /leafdream/status answers: health now and where the show is, numbers rounded."""
        from leafdream.ops.heartbeat import judge
        from leafdream.ops.status_board import rounded

        state = self.health.report(time.perf_counter(), self._state())
        well, line = judge(state)
        return {**rounded(state), "healthy": well, "summary": line}

    def overlay_lines(self) -> list[str]:
        installation, player = self.installation, self.installation.player
        lines = [f"fps {self.clock.get_fps():5.1f}   work {self.work_ms:5.1f} ms   effort {self.governor.effort:.2f}",
                 f"show {installation.show.name!r}   "
                 f"{'open' if installation.open else 'closed (outside opening hours)'}"]
        if player is not None:
            lines += [
                f"cue {player.cue_number:g} {player.cue.name}  {player.cue.scene}  "
                f"t {player.t - player.cue_start:6.1f} / {player.cue.duration:.0f} s",
                f"temperature {readable(player.scene.params.get('temperature', '-'))}   palette {player.cue.palette}",
            ]
            chains = player.scene.health()
            if chains:
                lines.append("chains: " + ", ".join(f"{c['species'] or '?'} {c['held_s']:.0f} s ({c['flips_per_s']:.1%} "
                                                    f"flips/s)" for c in chains))
        lines += [f"camera: {self.camera_state()}",
                  f"last error: {installation.last_error or (player.last_error if player else '') or 'none'}",
                  f"last refused remote command: {installation.last_refused or 'none'}"]
        return lines

    def step(self) -> None:
        """One frame: keys, inputs, the show's tick, the picture on screen, health."""
        installation = self.installation
        if self.frames == 0:
            self.starts.record()  # the show begins to play: a hang from here on counts against it
        dt = self.clock.tick(self.settings.fps if installation.open else 5) / 1000.0
        self._keys()
        work_started = time.perf_counter()
        self._inputs()
        installation.tick(datetime.now(self.zone), min(dt, 0.1), self.governor.effort)
        frame = installation.frame()
        presenting = time.perf_counter()
        shown = self.screen.show(frame, self.overlay_lines() if self.show_overlay else None, presenting)
        self.present_times.add((time.perf_counter() - presenting) * 1e3)
        self.screen.update(dt, time.perf_counter())
        self.watchdog.presented()  # the loop runs: a lost screen is waited for, not a hang
        if shown or self.notifier.ready:  # READY only once a frame was really shown
            self.notifier.frame_presented(dt)
        self.memory.after(dt)  # inside the frame's work, so what it costs shows in the frame times
        self.work_ms = (time.perf_counter() - work_started) * 1e3
        self.frame_times.add(self.work_ms)
        player = installation.player
        error_now = installation.last_error or (player.last_error if player else "")
        now = time.perf_counter()
        rss_mb = self.health.after_frame(dt, now, error_now, self._state)
        if self.board is not None:
            self.board.update(now, self.work_ms, lambda: self.health.report(now, self._state()), frame)
        if rss_mb is not None and rss_mb > self.settings.memory_ceiling_mb:
            log.critical("memory %.0f MB is above the ceiling of %.0f MB: exiting for a clean restart",
                         rss_mb, self.settings.memory_ceiling_mb)
            self.exit_code = EXIT_MEMORY
            self.stop("the memory ceiling")
        if self.checkpointer is not None and self.checkpointer.due(dt):
            self._save_position()
        self.governor.record(self.work_ms / 1e3)
        self.starts.running_well(time.perf_counter() - self.started)
        self.frames += 1
        if self.frames == 1:
            self.first_frame_at = _seconds_since_process_start()
        if self.settings.max_frames is not None and self.frames >= self.settings.max_frames:
            self.stop("its frame limit")

    def _current_fallback(self) -> str:
        """Why a fallback show plays, until the broken show is fixed and reloaded ("" when none plays)."""
        if self.fallback and self.installation.reloaded:
            log.info("the show asked for loads again: the fallback has ended")
            self.fallback = ""
        return self.fallback

    def _state_for_heartbeat(self) -> dict:
        return {**self._state(), "last_error": self.health.last_error}

    def _state(self) -> dict:
        installation, player = self.installation, self.installation.player
        return {
            "uptime_s": time.perf_counter() - self.started, "fps": self.clock.get_fps(), "frame_ms": self.work_ms,
            "target_fps": self.settings.fps,
            "run_work_p50_ms": self.frame_times.percentile(50), "run_work_p99_ms": self.frame_times.percentile(99),
            "run_work_max_ms": self.frame_times.worst, "run_present_p50_ms": self.present_times.percentile(50),
            "run_present_p99_ms": self.present_times.percentile(99),
            "effort": self.governor.effort, "show": installation.show.name, "open": installation.open,
            "cue": player.cue_number if player else None,
            "scene": player.scene.name if player else None,
            "camera": self.camera_state(),
            "fallback": self._current_fallback(),
            "chains": player.scene.health() if player else [],
            "screen": self.screen.state(time.perf_counter()),
        }

    def stop(self, reason: str) -> None:
        """End the loop after this frame; ``reason`` goes to the log and the final heartbeat."""
        if self.running:
            log.info("stopping: %s", reason)
        self.stop_reason = self.stop_reason or reason
        self.running = False

    def _hung(self, silent: float) -> None:
        """The watchdog's end: a final heartbeat that says so, then the exit for the service to restart us."""
        self.health.heartbeat.final({"show": self.installation.show.name}, f"the watchdog (no frame for {silent:.0f} s)")
        Watchdog._exit(self.watchdog, silent)

    def close(self) -> None:
        import pygame

        if self.checkpointer is not None:
            self._save_position()  # a stop by systemd or the operator: the restart carries on from here
            self.checkpointer.close()
        self.health.heartbeat.final(self._state_for_heartbeat(), self.stop_reason or "an unknown cause")
        if self.exit_code == 0:
            self.starts.settle()  # a clean stop: this start did not fail
        self.watchdog.stop()
        if self.camera is not None:
            self.camera.stop()
        if self.remote is not None:
            self.remote.close()
        if self.status_server is not None:
            self.status_server.close()
        if self.recent_log is not None:
            logging.getLogger().removeHandler(self.recent_log)
        elapsed = time.perf_counter() - self.started
        times = self.frame_times
        log.info("ran %d frames in %.1f s (%.1f fps); first frame %.2f s after the process started; work per frame "
                 "p50 %.1f ms, p99 %.1f ms, max %.1f ms, %.2f%% of frames over the %.1f ms budget (of which putting "
                 "it on the screen p50 %.1f ms, p99 %.1f ms)", self.frames,
                 elapsed, self.frames / max(elapsed, 1e-9), self.first_frame_at, times.percentile(50),
                 times.percentile(99), times.worst, 100 * times.share_over(1000 / self.settings.fps),
                 1000 / self.settings.fps, self.present_times.percentile(50), self.present_times.percentile(99))
        log.info("freed memory handed back to the system %d times (the longest took %.1f ms)", self.memory.releases,
                 self.memory.longest_ms)
        pygame.quit()


def run_live(settings: LiveSettings) -> int:
    """Run the installation until it is quit or signalled (SIGTERM, SIGINT), the frame limit is reached or memory
    passes the ceiling; the final heartbeat says which."""
    live = LiveRun(settings)

    def on_signal(number, _frame) -> None:
        live.stop(signal.Signals(number).name)

    previous = {number: signal.signal(number, on_signal) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        with drawing_cores(beside_camera=live.camera is not None):
            while live.running:
                live.step()
    finally:
        live.close()
        for number, handler in previous.items():
            signal.signal(number, handler)
    return live.exit_code
