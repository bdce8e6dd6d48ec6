"""``leafdream soak``: days of show time, fast-forwarded, with everything that goes wrong in a gallery.

The installation is ticked with a simulated local clock in coarse steps (the Gibbs work per
tick is scaled down like the frame governor would), while a fake camera brings visitors
and takes them away, the show file is edited — sometimes validly, sometimes not — the
clock jumps back an hour once, the power is cut every ``POWER_CUT_EVERY_H`` hours (the piece
starts again from its last saved position, through the same save file a real start reads),
the projector is switched off now and then, and the camera is unplugged every
``CAMERA_LOSS_EVERY_H`` hours (a real capture thread on a simulated device, which must find it again
once it is plugged back in), and every simulated hour one real frame is timed and memory is read.
Anything the piece raises is a crash: counted, and the piece starts again from its save file as
systemd would restart it. It ends with the figures the technician cares about: crashes, memory
growth from the first hour to the last, whether frame time stayed flat, and how far behind each
resumed show was.
"""

from __future__ import annotations

import logging

import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

logger = logging.getLogger(__name__)

SOAK_SHOW = """
[show]
name = "soak"
seed = {seed}
hours = "daily 10:00-18:00"
timezone = "Europe/London"

[visitors]
hold = "30s"

[[cue]]
scene = "dream"
duration = "{dream}"
[cue.params]
temperature = {{ from = 1.4, to = 0.9 }}

[[cue]]
scene = "drift"
duration = "3m"

[[cue]]
scene = "layers"
duration = "2m"

[[cue]]
scene = "xerox"
duration = "2m"
"""


POWER_CUT_EVERY_H = 7      # not a divisor of a day: the cuts fall at every hour of opening in turn
DISPLAY_LOSS_EVERY_H = 11  # the projector is switched off for DISPLAY_LOSS_S, then on again
DISPLAY_LOSS_S = 120.0
SOAK_CHECKPOINT_S = 30.0   # the soak's save interval (a real run saves every 5 s): a few of its coarse ticks
CAMERA_LOSS_EVERY_H = 5    # the camera's cable is pulled for CAMERA_LOSS_S, then plugged in again
CAMERA_LOSS_S = 300.0
CAMERA_BACK_WITHIN_S = 10.0  # wall seconds the capture has to deliver frames again once the camera is back
SOAK_CAMERA = "simulated-camera"


def _power_cut(context, show: Path, size, seed, saver, now: datetime, before):
    """The piece after a cut at ``now``: a new installation, resumed from the save file the way a start does.
    Returns (the new installation, how many seconds of show time it is behind ``before`` — or why it started
    afresh, a string — or None when the show is closed)."""
    from leafdream.errors import LeafdreamError
    from leafdream.ops.checkpoint import resume_saved
    from leafdream.show.installation import Installation

    try:
        piece = Installation(context, str(show), size, seed, reload_every=5.0, keep_last_good=False)
    except LeafdreamError:  # the file was left broken by an edit: a start plays the last good show
        piece = Installation(context, before.show, size, seed, reload_every=5.0, keep_last_good=False)
    why = resume_saved(saver.path, piece, now.date().isoformat(), now.timestamp())
    piece.tick(now, 0.0, effort=0.02)
    if before.player is None or piece.player is None:
        return piece, None
    if why:
        return piece, why
    return piece, before.player.t - piece.player.t if piece.player.round == before.player.round else float("inf")


class _Projector:
    """A simulated projector behind a real (offscreen) Screen: while ``on`` is False, showing a frame and opening
    the window fail as SDL fails when the display is gone."""

    def __init__(self, size):
        from leafdream.render.screen import Screen

        self.on = True
        self.size = size
        self.screen = Screen(True, 0, headless=True, opener=self._open, flip=self._flip)

    def _open(self, windowed, display, headless):
        import pygame

        if not self.on:
            raise pygame.error("no display")
        pygame.display.init()
        return pygame.display.set_mode(self.size)

    def _flip(self):
        import pygame

        if not self.on:
            raise pygame.error("video system not initialized")
        pygame.display.flip()


class _Camera:
    """A simulated USB camera: small noisy frames at up to 30 a second while ``plugged``; unplugged, an open
    device stops delivering and opening it fails, as a camera whose cable is pulled does."""

    def __init__(self, seed: int):
        self.plugged = True
        self._rng = np.random.default_rng(seed)
        self._asked: dict = {}

    def open(self, source):
        return self if self.plugged else None

    def isOpened(self) -> bool:  # noqa: N802 (cv2.VideoCapture's names)
        return self.plugged

    def set(self, prop, value) -> bool:
        self._asked[prop] = value
        return True

    def get(self, prop) -> float:
        return float(self._asked.get(prop, 0))

    def read(self):
        time.sleep(1 / 30)
        if not self.plugged:
            return False, None
        return True, self._rng.integers(0, 255, (36, 64, 3), dtype=np.uint8)

    def release(self) -> None:
        pass


class _CableLog:
    """The camera's cable pulled and plugged in again, and whether the real capture thread saw both: it must
    say the camera is gone (a state other than live) and deliver frames again once it is back."""

    def __init__(self):
        self.losses = self.noticed = self.back = 0

    def pulled(self, capture, now: datetime, log) -> None:
        self.losses += 1
        if _within(CAMERA_BACK_WITHIN_S, lambda: capture.state != "live"):
            self.noticed += 1
        log(f"camera unplugged at {now:%a %H:%M}: the capture says {capture.state}")

    def plugged(self, capture, now: datetime, log) -> None:
        frames = capture.newest()[2]
        if _within(CAMERA_BACK_WITHIN_S, lambda: capture.newest()[2] > frames + 3 and capture.state == "live"):
            self.back += 1
            log(f"camera plugged in again at {now:%a %H:%M}: live, {capture.reconnects} reconnects so far")
        else:
            log(f"camera plugged in again at {now:%a %H:%M}: NOT BACK within {CAMERA_BACK_WITHIN_S:.0f} s "
                f"(the capture says {capture.state})")


def _within(seconds: float, condition) -> bool:
    """Whether ``condition()`` comes true within ``seconds`` of wall time (the capture thread runs on it)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class _Tally(logging.Handler):
    """Counts the simulated piece's log lines by level, and keeps the first few errors that no injected fault
    explains, instead of printing thousands of visitor and cue lines."""

    EXPECTED = ("show not reloaded", "SHOW FALLBACK", "SCREEN LOST", "screen back", f"camera {SOAK_CAMERA} ")

    def __init__(self):
        super().__init__(logging.INFO)
        self.counts: dict[str, int] = {}
        self.unexpected: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] = self.counts.get(record.levelname, 0) + 1
        message = record.getMessage()
        if record.levelno >= logging.WARNING and not message.startswith(self.EXPECTED) \
                and not message.startswith("  "):  # a broken edit's problems, one a line, under its first line
            if len(self.unexpected) < 20:
                self.unexpected.append(f"{record.levelname} {message}")


def soak(context, hours: float, size=(320, 180), step: float = 5.0, seed: int = 0, log=None) -> dict:
    """Run ``hours`` of simulated time; returns the figures. The simulated piece's own log lines are counted, not
    shown; ``log`` gets one line per power cut, camera loss and crash."""
    import os

    tally, piece_log = _Tally(), logging.getLogger("leafdream")
    driver = os.environ.get("SDL_VIDEODRIVER")
    os.environ["SDL_VIDEODRIVER"] = "dummy"  # the simulated projector is never a window on this machine
    piece_log.addHandler(tally)
    propagate, level = piece_log.propagate, piece_log.level
    piece_log.propagate = False
    piece_log.setLevel(logging.INFO)
    try:
        figures = _soak(context, hours, size, step, seed, log or logger.info)
    finally:
        piece_log.removeHandler(tally)
        piece_log.propagate, piece_log.level = propagate, level
        if driver is None:
            os.environ.pop("SDL_VIDEODRIVER", None)
        else:
            os.environ["SDL_VIDEODRIVER"] = driver
    return {**figures, "soak_log_lines": tally.counts, "soak_unexpected_problems": tally.unexpected}


def _soak(context, hours: float, size, step: float, seed: int, log) -> dict:
    import psutil

    from leafdream.camera.capture import CameraThread
    from leafdream.ops.checkpoint import Checkpointer, SavedPosition
    from leafdream.ops.memory import MemoryRelease
    from leafdream.show.installation import Installation

    process = psutil.Process()
    zone = ZoneInfo("Europe/London")
    now = datetime(2026, 10, 23, 9, 0, tzinfo=zone)  # a Friday; the clocks go back on Sunday the 25th
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as folder:
        show = Path(folder) / "soak.toml"
        show.write_text(SOAK_SHOW.format(seed=seed, dream="4m"))
        piece = Installation(context, str(show), size, seed, reload_every=step, keep_last_good=False)
        saver = Checkpointer(Path(folder) / "position.npz", every=SOAK_CHECKPOINT_S)
        memory = MemoryRelease()
        ticks = int(hours * 3600 / step)
        hourly = int(3600 / step)
        rss, frame_ms, edits, bad_edits, visitors, jumped = [], [], 0, 0, 0, False
        cuts, lost_s, afresh = 0, [], []
        projector = _Projector(size)
        outage_every, outage_ticks = int(DISPLAY_LOSS_EVERY_H * 3600 / step), int(DISPLAY_LOSS_S / step)
        next_cut = int(POWER_CUT_EVERY_H * 3600 / step) + int(rng.integers(0, SOAK_CHECKPOINT_S / step))
        crashes: list[str] = []
        camera, cable = _Camera(seed), _CableLog()
        capture = CameraThread(SOAK_CAMERA, opener=camera.open, stall_after=0.5, max_backoff=1.0).start()
        camera_every, camera_ticks = int(CAMERA_LOSS_EVERY_H * 3600 / step), int(CAMERA_LOSS_S / step)
        started = time.perf_counter()
        for tick in range(ticks):
            if tick and tick % camera_every == 0:
                camera.plugged = False
                cable.pulled(capture, now, log)
            elif tick > camera_ticks and tick % camera_every == camera_ticks:
                camera.plugged = True
                cable.plugged(capture, now, log)
            try:
                now += timedelta(seconds=step)
                if not jumped and tick == ticks // 2:
                    now -= timedelta(hours=1)  # someone sets the clock back
                    jumped = True
                if tick % int(1200 / step) == 0:  # a visitor every 20 minutes, for 40 s
                    piece.visitor_event(True)
                    visitors += 1
                if tick % int(1200 / step) == int(40 / step):
                    piece.visitor_event(False)
                if tick % int(3 * 3600 / step) == int(3600 / step):  # the show is edited every 3 hours
                    if rng.random() < 0.5:
                        show.write_text(SOAK_SHOW.format(seed=seed, dream=f"{rng.integers(2, 6)}m"))
                    else:
                        show.write_text("[[cue]]\nscene = \"drem\"\n")
                        bad_edits += 1
                    edits += 1
                piece.tick(now, step, effort=0.02)
                memory.after(step)
                # a save falls due at the end of its tick, as at the end of a frame live; a cut comes after it
                saved = SavedPosition.of_installation(piece, now.timestamp()) if saver.due(step) else None
                if saved is not None:
                    saver.save(saved)
                if tick == next_cut:  # between two saves, anywhere
                    piece, outcome = _power_cut(context, show, size, seed, saver, now, piece)
                    next_cut += int(POWER_CUT_EVERY_H * 3600 / step) + int(rng.integers(0, SOAK_CHECKPOINT_S / step))
                    cuts += 1
                    if isinstance(outcome, str):
                        afresh.append(f"{now:%a %H:%M}: {outcome}")
                    elif outcome is not None:
                        lost_s.append(outcome)
                    said = {None: "closed, nothing to resume"}.get(outcome) if not isinstance(outcome, float) else \
                        f"resumed {outcome:.0f} s of show time behind"
                    log(f"power cut at {now:%a %H:%M}: {said or f'started afresh ({outcome})'}")
                outage = tick % outage_every
                projector.on = not (tick >= outage_every and outage < outage_ticks)
                if tick >= outage_every and (outage <= outage_ticks + 2 or tick % hourly == 0):
                    projector.screen.show(piece.frame(), None, now.timestamp())  # the frames around each outage
                projector.screen.update(step, now.timestamp())
                if tick % hourly == 0:
                    if piece.open:  # time a real frame; closed hours draw nothing
                        begun = time.perf_counter()
                        piece.tick(now, 1 / 60, effort=1.0)
                        piece.frame()
                        frame_ms.append((time.perf_counter() - begun) * 1e3)
                    rss.append(process.memory_info().rss / 1e6)
            except Exception as error:  # noqa: BLE001 - a crash of the piece: counted, and it starts again
                crashes.append(f"{now:%a %H:%M}: {type(error).__name__}: {error}")
                log(f"crash at {now:%a %H:%M} ({type(error).__name__}: {error}); the piece starts again from its save")
                piece, _ = _power_cut(context, show, size, seed, saver, now, piece)
        capture.stop()
    seconds = time.perf_counter() - started
    # None: no hour of the soak fell in opening hours, so no frame was timed
    first, last = (float(np.median(frame_ms[:3])), float(np.median(frame_ms[-3:]))) if frame_ms else (None, None)
    return {
        "soak_hours": hours,
        "soak_ticks": ticks,
        "soak_wall_seconds": seconds,
        "soak_crashes": len(crashes),
        "soak_crash_lines": crashes[:20],
        "soak_visitors": visitors,
        "soak_show_edits": edits,
        "soak_invalid_edits": bad_edits,
        "soak_clock_set_back": jumped,
        "soak_rss_first_hour_mb": rss[1] if len(rss) > 1 else rss[0],
        "soak_rss_last_hour_mb": rss[-1],
        "soak_rss_growth_mb": rss[-1] - (rss[1] if len(rss) > 1 else rss[0]),
        "soak_frame_ms_first_hours": first,
        "soak_frame_ms_last_hours": last,
        "soak_power_cuts": cuts,
        "soak_power_cuts_resumed": len(lost_s),
        "soak_power_cuts_afresh": afresh,
        "soak_resume_worst_lost_s": max(lost_s, default=0.0),
        "soak_checkpoint_s": SOAK_CHECKPOINT_S,
        "soak_display_losses": max(0, ticks - 1) // outage_every,
        "soak_display_back": projector.screen.reopened,
        "soak_display_lost_at_end": projector.screen.lost,
        "soak_camera_losses": cable.losses,
        "soak_camera_noticed": cable.noticed,
        "soak_camera_back": cable.back,
    }
