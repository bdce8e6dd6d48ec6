"""The running installation as a model: opening hours, the day's seed, hot reload of the show.

``tick(now, dt, effort)`` takes the local wall time (time-zone aware) and the frame's dt from
the outer loop; nothing here reads a clock, so tests drive it with any dates they like.
Outside opening hours the screen is dark; at opening the show starts from its beginning
with that day's seed. An edited show file is checked every ``reload_every`` seconds: if it is
valid it takes over at the next cue boundary, if not the running show carries on and the
errors go to the log and ``last_error``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import numpy as np

from leafdream.errors import LeafdreamError
from leafdream.show.quiet_log import QuietLog
from leafdream.render.interval import Every
from leafdream.scenes.params import readable
from leafdream.show.build import build_player
from leafdream.show.cue import cue_numbers
from leafdream.show.player import Player
from leafdream.scenes.context import SceneContext
from leafdream.show.schedule import day_seed
from leafdream.show.fallback import remember
from leafdream.show.resolve import resolve_show
from leafdream.show.showfile import Show

log = logging.getLogger(__name__)

DOUBLE_GO_S = 0.5   # a second go within this many seconds is a double press, not a second cue
PANIC_S = 3.0       # default fade to dark of panic


MOVES = ("go", "next", "cue", "stop", "panic")  # the commands that move the show: each in the log, a second apart
MOVES_EVERY_S = 1.0


class Installation:
    def __init__(self, context: SceneContext, show: Show | str, size: tuple[int, int], seed: int = 0,
                 reload_every: float = 2.0, keep_last_good: bool = True):
        """``show``: a Show already read (so a show is parsed once at start), or a name to resolve.
        ``keep_last_good``: a valid edit becomes the last good show of the state folder (not in simulations)."""
        self.context = context
        self.size = size
        self.seed = seed
        self.show = resolve_show(show) if isinstance(show, str) else show
        self.path = Path(self.show.path) if Path(self.show.path).is_file() else None
        self.stamp = self._stamp()
        self.reloaded = False  # a valid edit has taken over since the start
        self.reload_check = Every(reload_every)
        self.keep_last_good = keep_last_good
        self.player: Player | None = None
        self.open = False
        self.last_error = ""
        self.last_refused = ""                   # the last remote command refused, and why
        self.clock = 0.0                         # seconds of dt since the start (double-go protection)
        self.quiet = QuietLog(log, clock=lambda: self.clock)  # a sender repeating a command: a line an interval
        self.last_go = -DOUBLE_GO_S
        self.panic: tuple[float, float] | None = None  # (seconds since, seconds of the fade to dark)
        self.stopped = False
        self.visitor: Player | None = None       # the interruption while a visitor's leaf is shown
        self.visitor_present = False
        self.visitor_since_gone = 0.0
        self.visitor_fade = 0.0                  # 0 = the show, 1 = the visitor's scene
        from leafdream.render.compositor import Mixer

        self._mixer = Mixer(*size)               # the crossfade into and out of a visitor's interruption
        self.day = ""                            # the day (ISO date) whose seed built the player
        self.resume: dict | None = None          # a saved position to carry on from at the first tick, if open
        self._dark = np.zeros((size[1], size[0], 3), np.uint8)

    def _stamp(self):
        try:
            return self.path.stat().st_mtime_ns if self.path else None
        except OSError:
            return None

    def is_open(self, now: datetime) -> bool:
        return self.show.hours is None or self.show.hours.is_open(now)

    def _check_reload(self) -> None:
        stamp = self._stamp()
        if stamp is None or stamp == self.stamp:
            return
        self.stamp = stamp
        try:
            show = resolve_show(str(self.path))
        except LeafdreamError as error:
            self.last_error = f"show not reloaded, the last good show plays on: {str(error).splitlines()[0]}"
            log.error("%s", self.last_error)
            for line in str(error).splitlines()[1:]:  # every problem on a line of its own, with its own time
                log.error("  %s", line)
            return
        except Exception as error:  # noqa: BLE001 - whatever an edited file does, the piece plays on
            self.last_error = (f"show not reloaded, the last good show plays on: {self.path} could not be read "
                               f"({type(error).__name__}: {error})")
            log.error("%s", self.last_error)
            return
        self.show = show
        self.last_error = ""
        self.reloaded = True
        if self.keep_last_good:
            remember(show)
        log.info("show %s reloaded; it takes over when this cue ends (or at the next Go), at the cue numbered as "
                 "the one that was to come, or the next one after it", self.path)
        if self.player is not None:
            self.player.take_over(show.cues, show.loop, show.arrangement)

    def tick(self, now: datetime, dt: float, effort: float = 1.0) -> None:
        self.clock += dt
        self.quiet.flush()
        if self.panic is not None:
            self.panic = (self.panic[0] + dt, self.panic[1])
        if self.reload_check.due(dt):
            self._check_reload()
        open_now = self.is_open(now)
        if open_now and not self.open:
            seed = day_seed(self.show.seed, now.date()) + self.seed
            self.day = now.date().isoformat()
            resuming = self.resume is not None and self.resume.get("day") == self.day
            self.player = build_player(self.context, self.show, self.size, seed, begin=not resuming)
            if not self._resumed(seed):
                log.info("opening: show %r from %s, seed %d for %s", self.show.name, self.show.beginning(), seed,
                         now.date())
        elif not open_now and self.open:
            opening = self.show.hours.next_change(now) if self.show.hours is not None else None
            log.info("closing: the screen goes dark until %s", f"{opening:%a %d %b %H:%M}" if opening else
                     "the next opening (none in the coming week)")
            self.player = None
        self.open = open_now
        self.resume = None  # a saved position is for the start only
        if self.player is not None and not self.stopped:
            if self.visitor is not None:
                self._tick_visitor(dt, effort)
            if self.visitor is None or self.visitor_fade < 1.0:  # the show waits while the visitor has the screen
                self.player.update(dt, effort)
        elif self.player is None:
            self.visitor = None

    def saved_position(self) -> dict | None:
        """What a checkpoint keeps of the show now ({"day", "position", "scene", "scene_state"}), None while
        the show does not play."""
        if self.player is None:
            return None
        if self.player.next_show is not None:
            return None  # an edit takes over at the next cue: the position is of neither show
        return {"day": self.day, "position": self.player.position(), "scene": self.player.scene.name,
                "scene_state": self.player.scene.state()}

    def _resumed(self, seed: int) -> bool:
        """Carry on from ``self.resume`` (set before the first tick) if it is of this day; True if it was.
        ``seed``: the day's seed the player was built with (built again if the position does not fit)."""
        saved = self.resume
        if saved is None:
            return False
        if saved["day"] != self.day:
            log.info("the saved position is of %s, not today: the show starts from its beginning", saved["day"])
            return False
        try:
            self.player.resume(saved["position"], saved["scene_state"], saved["scene"])
        except (ValueError, KeyError, TypeError) as error:
            log.warning("the saved position does not fit the show (%s): it starts from its beginning", error)
            self.player = build_player(self.context, self.show, self.size, seed)
            return False
        cue = self.player.cue
        log.info("resuming show %r where it was: cue %g (%s), %.0f s into it, round %d", self.show.name,
                 self.player.cue_number, cue.scene, saved["position"]["in_cue"], self.player.round + 1)
        return True

    def visitor_event(self, present: bool) -> None:
        """A leaf appeared in front of the camera (True) or has gone (False)."""
        settings = self.show.visitors
        if not settings["enabled"] or self.player is None:
            return
        if present and self.visitor is None:
            from leafdream.show.cue import Cue

            cue = Cue(settings["scene"], 10 ** 9, {}, settings["palette"], 0.0, edge=settings.get("edge", "crisp"))
            self.visitor = Player(self.context, [cue], self.size[0], self.size[1], seed=self.seed,
                                  faded_in=settings["crossfade"] > 0)
            log.info("visitor: interrupting the show with the %s scene", settings["scene"])
        self.visitor_present = present
        self.visitor_since_gone = 0.0

    def _tick_visitor(self, dt: float, effort: float) -> None:
        settings = self.show.visitors
        fade_step = dt / max(settings["crossfade"], 1e-6)
        if self.visitor_present:
            self.visitor_fade = min(1.0, self.visitor_fade + fade_step)
        else:
            self.visitor_since_gone += dt
            if self.visitor_since_gone >= settings["hold"]:
                self.visitor_fade = max(0.0, self.visitor_fade - fade_step)
                if self.visitor_fade == 0.0:
                    log.info("visitor gone: the show resumes where it was")
                    self.visitor = None
                    return
        self.visitor.update(dt, effort)

    def command(self, name: str, args: list, sender: str = "") -> tuple[bool, str]:
        """Apply a remote command (go, next, stop, cue N, set NAME VALUE, panic [SECONDS]) from ``sender`` (an
        address, for the log); each applied one is logged, bad ones are logged in plain words, never raised.
        A sender repeating a command (a fader, a flood) is logged a line an interval with a count: one second
        for the commands that move the show, ten for the rest. Returns (applied, what was done or why not)
        for the reply to the sender."""
        said = " ".join(readable(arg) for arg in args)  # an OSC float32 1.4 is 1.399999976 in full
        source = f" from {sender}" if sender else ""
        try:
            done = self._command(name, args) or "done"
        except (LeafdreamError, ValueError, TypeError, IndexError) as error:
            # a refused command is the sender's mistake, answered in the log, not a fault of the piece: it does
            # not count against health
            self.last_refused = f"remote {name} {said}{source}: {error}".replace("  ", " ")
            self.quiet.warning(f"refused {sender} {name}", self.last_refused)
            return False, str(error)
        key = f" {args[0]}" if name == "set" and args else ""
        self.quiet.say(logging.INFO, f"applied {sender} {name}{key}", "remote %s%s%s: %s", name,
                       f" {said}" if said else "", source, done, every=MOVES_EVERY_S if name in MOVES else None)
        return True, done

    def _command(self, name: str, args: list) -> str | None:
        if name == "stop":
            self.stopped = True
            return None
        if name == "panic":
            try:
                seconds = float(args[0]) if args else PANIC_S
            except (TypeError, ValueError):
                raise LeafdreamError(f"panic takes the seconds of its fade to dark, e.g. /leafdream/panic 3 "
                                     f"(got {args[0]!r})") from None
            if not 0 <= seconds <= 60:
                raise LeafdreamError(f"panic takes the seconds of its fade to dark, from 0 to 60 (got {seconds:g})")
            self.panic = (0.0, seconds)
            return f"fading to dark over {seconds:g} s; go brings the show back"
        if name in ("go", "next"):
            if self.clock - self.last_go < DOUBLE_GO_S:
                raise LeafdreamError(f"a second go within {DOUBLE_GO_S:g} s of the last is ignored (double-go "
                                     f"protection)")
            self.last_go = self.clock
            if self.stopped or self.panic is not None:
                self.stopped, self.panic = False, None
                return "the show carries on"
            if self.player is not None:
                self.player.skip()
                return f"cue {self.player.cue_number:g} ({self.player.cue.scene})"
            return None
        if self.player is None:
            raise LeafdreamError("the show is not playing (outside opening hours)")
        if name == "cue":
            try:
                if len(args) != 1 or isinstance(args[0], bool):
                    raise ValueError
                number = float(args[0])
            except (ValueError, TypeError):
                raise LeafdreamError(f"cue takes one number, the cue's, e.g. /leafdream/cue 3 "
                                     f"(got {' '.join(map(str, args)) or 'nothing'})") from None
            numbers = cue_numbers(self.player.cues)
            if number not in numbers:
                raise LeafdreamError(f"no cue number {number:g}; cues are {', '.join(f'{n:g}' for n in numbers)}")
            self.stopped, self.panic = False, None
            self.player.jump(numbers.index(number))
            return f"cue {number:g} ({self.player.cue.scene})"
        if name == "set":
            if len(args) != 2:
                raise LeafdreamError("set takes a name and a value, e.g. /leafdream/set temperature 1.4")
            key, value = str(args[0]), args[1]
            fade = self.player.cue.fades.get(key)
            if fade is not None:  # the cue's fade would overwrite it next frame: say so instead of pretending
                raise LeafdreamError(f"{key} is fading in this cue ({fade[0]:g} to {fade[1]:g}); the fade wins until "
                                     f"the cue ends — set it in a cue that does not fade it")
            self.player.scene.set_param(key, value)
            return f"{key} is {readable(self.player.scene.params[key])}"
        raise LeafdreamError(f"unknown command {name!r}")

    def frame(self) -> np.ndarray:
        if self.panic is not None:
            elapsed, seconds = self.panic
            left = 0.0 if seconds <= 0 else max(0.0, 1.0 - elapsed / seconds)
            if left <= 0.0:
                return self._dark
            return (self._frame() * left).astype(np.uint8)
        return self._frame()

    def _frame(self) -> np.ndarray:
        if self.stopped or self.player is None:
            return self._dark
        if self.visitor is None:
            return self.player.frame()
        if self.visitor_fade >= 1.0:
            return self.visitor.frame()
        return self._mixer.crossfade(self.player.frame(), self.visitor.frame(), self.visitor_fade)
