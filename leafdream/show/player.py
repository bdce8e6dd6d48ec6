"""The player: plays a list of cues (scene, duration, parameters, palette) on the show clock.

Model/update/view: ``update(dt, effort)`` advances the show clock and every live scene;
``frame()`` composes the picture and changes nothing. A scene that raises is logged and
replaced by the dream, so a show never dies of one bad scene.
"""

from __future__ import annotations

import logging

import numpy as np

from leafdream.render.compositor import Compositor, Mixer
from leafdream.show.cue import Cue, cue_numbers
from leafdream.show.sequence import CueSequence
from leafdream.scenes.base import Scene
from leafdream.scenes.context import SceneContext
from leafdream.scenes.table import make_scene

log = logging.getLogger(__name__)


class Player:
    """Plays ``cues`` (looping) at ``width`` x ``height``; all time comes from ``update``'s dt."""

    def __init__(self, context: SceneContext, cues: list[Cue], width: int, height: int, seed: int = 0,
                 loop: bool = True, arrange=None, dry: bool = False, start: float | None = None,
                 faded_in: bool = False, begin: bool = True):
        """``arrange(round, seed)``, if given, returns the cues of each round (groups, shuffles). ``dry``: keep
        only the show clock (cues begin and end as they would, no scene is made or run: fast-forwarding).
        ``start``: the number of the cue to begin with (the show's start cue; None: the first); the next round
        starts from the first cue. ``faded_in``: whoever shows this player crossfades into it (a visitor's
        interruption), so its first scene may settle as it fades in. ``begin``: False for a player that will be
        ``resume``d at once (no first cue is made, or logged, only to be dropped)."""
        self.context = context
        self.faded_in = faded_in
        self.dry = dry
        self.sequence = CueSequence(cues, loop, arrange, seed)
        self.width, self.height = width, height
        self.seed = seed
        self.t = 0.0
        self.index = -1
        self.cue_start = 0.0
        self.shown_from: float | None = None  # when the current cue's scene first had a picture to show
        self.previous_start = 0.0
        self.current: tuple[Cue, Scene, Compositor] | None = None
        self.previous: tuple[Cue, Scene, Compositor] | None = None
        self.last_error = ""
        self._mixer = Mixer() if dry else Mixer(width, height)
        self.finished = False
        self.pending: tuple[int, float] | None = None  # (cue index, show time it begins) during a pre-wait
        self.next_show: tuple | None = None  # (cues, loop, arrange) taking over at the next cue boundary
        if begin:
            numbers = cue_numbers(self.cues)
            self._trigger(numbers.index(start) if start in numbers else 0)

    def _make(self, cue: Cue, index: int, done_with=None) -> tuple[Cue, Scene | None, Compositor | None]:
        """The scene and compositor of ``cue``; ``done_with``: an entry no longer shown, whose frames it reuses."""
        # a cue's randomness depends on the seed, the round and its place only, never on how the show got there:
        # so a render from minute 12 draws what a render from 0 draws at minute 12
        if self.dry:
            return cue, None, None
        seed = self.seed * 100_003 + self.round * 1009 + index
        try:
            scene = make_scene(cue.scene, self.context, {**cue.params, **cue.faded_params(0.0)}, seed)
            compositor = Compositor(self.width, self.height, cue.palette, cue.edge,
                                    reuse=done_with[2] if done_with is not None else None)
        except Exception as error:  # a bad cue must not stop the show
            self._note_error(f"cue {cue.number or index + 1:g} ({cue.scene}): {error}; dreaming instead")
            scene = make_scene("dream", self.context, {}, seed)
            compositor = Compositor(self.width, self.height, "moss")
        return cue, scene, compositor

    def _note_error(self, message: str) -> None:
        self.last_error = message
        log.error(message)

    def take_over(self, cues: list, loop: bool, arrange=None) -> None:
        """An edited show's hot reload: when the current cue ends (or at the next Go), ``cues`` take over at the
        same place — the cue with the number that was to come next, or the first one after it."""
        self.next_show = (list(cues), loop, arrange)

    def _taking_over(self, index: int) -> int:
        """``index`` of the cue to come next; with an edit pending, the edited show takes over here and the
        index is that of its cue at the same place (past its last cue: the next round, from its first)."""
        if self.next_show is None or self.current is None:
            return index
        wanted = cue_numbers(self.cues)[index] if index < len(self.cues) else None
        self.sequence.replace(*self.next_show, same_round=wanted is not None)
        self.next_show = None
        if wanted is None:
            return 0
        numbers = cue_numbers(self.cues)
        return next((k for k, number in enumerate(numbers) if number >= wanted), len(numbers))

    @property
    def cues(self) -> list[Cue]:
        """The cues of the round now playing."""
        return self.sequence.cues

    @property
    def round(self) -> int:
        return self.sequence.round

    def _trigger(self, index: int) -> None:
        """Trigger cue ``index``: it begins now, or after its pre-wait."""
        index = self._taking_over(index)
        wrapped = self.sequence.wrap(index)
        if wrapped is None:
            self.finished = self.current is not None
            self.pending = None
            if self.finished:
                return
            wrapped = self.sequence.wrap(index, loop=True)
        index = wrapped
        wait = self.cues[index].pre_wait
        if wait > 0 and self.current is not None:
            self.pending = (index, self.t + wait)
        else:
            self._begin(index)

    def _begin(self, index: int) -> None:
        self.pending = None
        done_with, self.previous = self.previous, self.current
        self.previous_start = self.cue_start
        self.index = index
        self.cue_start = self.t
        self.current = self._make(self.cues[index], index, done_with)
        cue = self.cues[index]
        cut = not self.faded_in if self.previous is None else cue.crossfade <= 0
        if self.current[1] is not None and cut:
            self.current[1].settle()  # a cut shows the scene at once; a crossfade lets it settle as it fades in
        self.shown_from = self.t if self._showing(self.current) else None
        if not self.dry:
            log.info("cue %g%s: %s for %s, round %d", self.cue_number, f" {cue.name!r}" if cue.name else "",
                     cue.scene, f"{cue.duration:.0f} s" if cue.duration < 10 ** 8 else "ever", self.round + 1)

    @property
    def cue(self) -> Cue:
        return self.current[0]

    @property
    def cue_number(self) -> float:
        """The number the current cue answers to (see ``cue_numbers``)."""
        return self.cue.number or self.index + 1

    @property
    def scene(self) -> Scene:
        return self.current[1]

    def jump(self, index: int) -> None:
        """Begin cue ``index`` now, with its crossfade."""
        self._begin(index)

    def skip(self) -> None:
        """Go: begin the next cue now (with its crossfade, without its pre-wait) — the edited show's, if an edit
        is waiting to take over."""
        self._begin(self.sequence.wrap(self._taking_over(self.index + 1), loop=True))

    def position(self) -> dict:
        """Where the show is: round, cue index in the round, show time and time in the cue (seconds)."""
        return {"round": self.round, "index": self.index, "t": self.t, "in_cue": self.t - self.cue_start}

    def resume(self, position: dict, scene_state: dict, scene_name: str) -> None:
        """Carry on at ``position`` (from ``position()`` of a player of the same show and seed): the cue is begun
        again without a crossfade, its scene brought to its time and, when ``scene_state`` (of a ``scene_name``
        scene) fits, back to the chains it had. ValueError if the position is not in this show."""
        round_number, index = int(position["round"]), int(position["index"])
        in_cue, t = float(position["in_cue"]), float(position["t"])
        if round_number < 0 or index < 0 or not 0 <= in_cue <= t:
            raise ValueError(f"not a position in a show: {position}")
        self.sequence.go_to_round(round_number)
        if index >= len(self.cues):
            raise ValueError(f"cue {index + 1} of round {round_number + 1} is not in this show")
        self.t = t
        self._begin(index)
        self.previous = None
        self.cue_start = t - in_cue
        cue, scene, _ = self.current
        if scene_state and scene.name == scene_name:
            try:
                scene.restore(scene_state)
            except ValueError as error:
                log.warning("resumed at the saved place, but not with the saved chains: %s", error)
        if scene is not None:
            scene.settle()  # resumed without a crossfade (the saved chains, when they fit, are settled already)
        self.current = self._update_scene(self.current, in_cue, 0.0, 1.0)

    @staticmethod
    def _showing(entry) -> bool:
        return entry[1] is None or entry[1].showing

    def fade_amount(self) -> float:
        """How far the crossfade into the current cue has gone, 0..1 (1 when there is none)."""
        if self.previous is None:
            return 1.0
        length = self.cue.crossfade
        if length <= 0:
            return 1.0
        if self.shown_from is None:  # the scene fading in has no picture yet (a dream's burn-in): hold the old one
            return 0.0 if self.t - self.cue_start < length else 1.0
        # from the moment it shows, over what is left of the crossfade: it ends when the cue says
        left = self.cue_start + length - self.shown_from
        return 1.0 if left <= 0 else min((self.t - self.shown_from) / left, 1.0)

    def _update_scene(self, entry, local_t: float, dt: float, effort: float):
        cue, scene, compositor = entry
        if scene is None:  # begun while dry
            return entry
        try:
            for key, value in cue.faded_params(local_t).items():
                scene.set_param(key, value)
            scene.update(local_t, dt, effort)
            return entry
        except Exception as error:
            self._note_error(f"scene {cue.scene!r} failed in update ({error.__class__.__name__}: {error}); dreaming instead")
            return cue, make_scene("dream", self.context, {}, self.seed), compositor

    def update(self, dt: float, effort: float = 1.0) -> None:
        """Advance the show clock by ``dt`` seconds."""
        if self.finished:
            return
        self.t += dt
        if self.pending is not None:
            if self.t >= self.pending[1]:
                self._begin(self.pending[0])
        else:
            length = self.cue.length_before_next()
            if length is not None and self.t - self.cue_start >= length:
                self._trigger(self.index + 1)
                if self.finished:
                    return
        if self.previous is not None and self.fade_amount() >= 1.0:
            self.previous = None
        self.current = self._update_scene(self.current, self.t - self.cue_start, dt, effort)
        if self.shown_from is None and self._showing(self.current):
            self.shown_from = self.t
        if self.previous is not None:
            self.previous = self._update_scene(self.previous, self.t - self.previous_start, dt, effort * 0.5)

    def _render(self, entry) -> np.ndarray:
        cue, scene, compositor = entry
        try:
            frame = compositor.frame(scene.view(), scene.tone())
            scene.overlay(frame, compositor.last_rect)
            return frame
        except Exception as error:
            self._note_error(f"scene {cue.scene!r} failed to draw ({error.__class__.__name__}: {error})")
            return np.zeros((self.height, self.width, 3), np.uint8)

    def frame(self) -> np.ndarray:
        """The picture now: uint8 (height, width, 3). Reads the state; changes nothing."""
        current = self._render(self.current)
        amount = self.fade_amount()
        if self.previous is None or amount >= 1.0:
            return current
        return self._mixer.crossfade(self._render(self.previous), current, amount)
