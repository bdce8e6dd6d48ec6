"""The heartbeat: a small JSON file, rewritten atomically every few seconds, that says how the
installation is doing; ``leafdream status`` reads it and answers in one line.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from leafdream.atomic import write_text
from leafdream.render.interval import Every
from leafdream.paths import user_cache_dir

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 30.0  # seconds after which a heartbeat is stale
FUTURE_SLACK = 5.0      # seconds a heartbeat may be dated ahead (clocks of two processes) before it is not trusted


def default_heartbeat_path() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return Path(runtime) / "leafdream" / "heartbeat.json" if runtime else user_cache_dir() / "heartbeat.json"


class Heartbeat:
    """Writes the heartbeat file; a failed write (disk full, folder gone) is logged once and retried later."""

    def __init__(self, path: Path, every: float = 5.0):
        self.path = Path(path)
        self.timer = Every(every, at_once=True)  # the first heartbeat at once
        self.failing = False

    def due(self, dt: float) -> bool:
        """Count ``dt`` seconds; True (once) when the next heartbeat is due."""
        return self.timer.due(dt)

    def write(self, state: dict) -> bool:
        """Write ``state`` (+ the time it was written). Returns True if written."""
        try:
            write_text(self.path, json.dumps({**state, "written_at": time.time()}, indent=1))
        except OSError as error:
            if not self.failing:
                log.error("heartbeat %s not written (%s); the show carries on", self.path, error.strerror or error)
            self.failing = True
            return False
        if self.failing:
            log.info("heartbeat %s written again", self.path)
        self.failing = False
        return True


    def final(self, state: dict, reason: str, now: float | None = None) -> bool:
        """The last heartbeat of a run: ``state`` marked stopped for ``reason`` ("SIGTERM", "memory ceiling"…),
        so ``status`` says at once that nothing runs, instead of "all well" until the heartbeat goes stale."""
        now = time.time() if now is None else now
        stamp = time.strftime("%H:%M:%S", time.localtime(now))
        return self.write({**state, "healthy": False, "stopped": f"stopped at {stamp} by {reason}"})


CAMERA_GRACE = 15.0   # seconds after start before a camera still connecting counts as trouble
FPS_GRACE = 10.0      # seconds after start before the frame rate is judged
SLOW_SHARE = 0.5      # a frame rate below this share of the target is "not well"


def read_status(path: Path, now: float, max_age: float = DEFAULT_MAX_AGE) -> tuple[bool, str]:
    """(all is well, one line saying so or what is wrong) from the heartbeat at ``path``."""
    path = Path(path)
    if not path.exists():
        return False, f"no heartbeat at {path}: leafdream is not running (or runs with another --heartbeat)"
    try:
        state = json.loads(path.read_text())
        age = now - float(state["written_at"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        return False, f"heartbeat {path} is unreadable ({error.__class__.__name__}); is leafdream running?"
    return judge(state, age, max_age)


def judge(state: dict, age: float = 0.0, max_age: float = DEFAULT_MAX_AGE) -> tuple[bool, str]:
    """(all is well, one line) for a heartbeat ``state`` written ``age`` seconds ago: the one health policy of
    ``status``, ``service status`` and the status page."""
    if state.get("stopped"):
        return False, f"not running: {state['stopped']}"
    if age > max_age:
        return False, f"heartbeat is {age:.0f} s old (more than {max_age:.0f} s): leafdream has stopped or hangs"
    if age < -FUTURE_SLACK:
        return False, (f"heartbeat is dated {-age:.0f} s in the future: the clock was set back, or it is not "
                       f"this machine's; treat leafdream as stopped")
    place = "" if state.get("cue", "?") is None else f" cue {state.get('cue', '?')} ({state.get('scene', '?')})"
    summary = (f"{state.get('show', '?')}{place}, "
               f"{state.get('fps', 0):.0f} fps, {state.get('frame_ms', 0):.1f} ms/frame, "
               f"up {state.get('uptime_s', 0) / 3600:.1f} h, {state.get('rss_mb', 0):.0f} MB, "
               f"camera {state.get('camera', '?')}")
    if not state.get("open", True):
        summary = "closed (outside opening hours); " + summary
    if state.get("fallback"):
        return False, f"running, but on a fallback: {state['fallback']} — {summary}"
    if str(state.get("screen", "ok")).startswith("lost"):
        return False, f"running, but not well: the screen is {state['screen']}, waiting for it — {summary}"
    if not state.get("healthy", True):
        return False, f"running, but not well: {state.get('last_error') or 'no frames'} — {summary}"
    camera = str(state.get("camera", "none"))
    if camera.split(" ")[0] in ("lost", "stalled", "connecting") and state.get("uptime_s", 0) > CAMERA_GRACE:
        return False, f"running, but not well: the camera is {camera.split(' ')[0]} — {summary}"
    if ", camera process ended" in camera:
        return False, f"running, but not well: the camera process ended, visitors' leaves are not seen — {summary}"
    target = state.get("target_fps")
    if target and state.get("open", True) and state.get("uptime_s", 0) > FPS_GRACE \
            and state.get("fps", 0) < SLOW_SHARE * target:
        return False, (f"running, but not well: {state.get('fps', 0):.0f} fps, far below the {target} fps asked "
                       f"for — {summary}")
    note = f" (earlier: {state['last_error']})" if state.get("last_error") else ""
    return True, f"all well: {summary}{note}"
