"""A cue of a show: which scene, for how long, with what parameters, palette and waits (QLab's words)."""

from __future__ import annotations

from dataclasses import dataclass, field

from leafdream.easing import easing


@dataclass
class Cue:
    """One cue: which scene, for how long (seconds), with what parameters, palette, edge and crossfade in.

    pre_wait:      seconds after the cue is triggered before it begins (the previous scene plays on)
    post_wait:     with continue_mode "follow", seconds the scene holds after ``duration`` before the
                   next cue is triggered; with "auto-continue", seconds after this cue begins
    continue_mode: "follow" (the next cue follows by itself), "none" (hold until an operator's Go),
                   "auto-continue"
    fades:         {parameter: (from, to, easing name)} over the cue's duration
    """

    scene: str
    duration: float
    params: dict = field(default_factory=dict)
    palette: str = "moss"
    crossfade: float = 3.0
    number: float = 0
    name: str = ""
    pre_wait: float = 0.0
    post_wait: float = 0.0
    continue_mode: str = "follow"
    fades: dict = field(default_factory=dict)
    group: str = ""
    edge: str | float = "crisp"  # the outline: "crisp", "soft", "glow" or px of a 1080-line frame

    def faded_params(self, local_t: float) -> dict:
        """Values of the fading parameters ``local_t`` seconds into the cue."""
        u = 1.0 if self.duration <= 0 else min(max(local_t / self.duration, 0.0), 1.0)
        return {key: start + (end - start) * easing(ease)(u) for key, (start, end, ease) in self.fades.items()}

    def length_before_next(self) -> float | None:
        """Seconds from this cue's beginning to the trigger of the next one (None: wait for Go)."""
        if self.continue_mode == "none":
            return None
        if self.continue_mode == "auto-continue":
            return max(self.post_wait, 1e-6)
        return self.duration + self.post_wait


def cue_numbers(cues: list[Cue]) -> list[float]:
    """The number each cue answers to (Go, ``cue N``, ``--from cue N``): its own, or its place 1, 2, … for a cue
    made without one."""
    return [cue.number or index + 1 for index, cue in enumerate(cues)]


def safety_loop() -> list[Cue]:
    """What plays when a shipped show's file is missing: two minutes each of the scenes that need
    nothing but the model. Deliberately plain, so it cannot drift out of step with ``shows/``."""
    return [Cue(scene, 120.0, {}, palette, 4.0)
            for scene, palette in (("dream", "moss"), ("drift", "night"), ("layers", "bone"), ("xerox", "ember"))]
