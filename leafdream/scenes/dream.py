"""The dream: free, tempered Gibbs chains in the top RBM drifting from leaf to leaf."""

from __future__ import annotations

import numpy as np

from leafdream.model.dreaming import DEFAULT_LADDER, DreamChains
from leafdream.scenes.base import Scene, side_by_side, smooth_towards
from leafdream.scenes.params import TEMPERATURE, LEAVES, STEPS_PER_SECOND, SMOOTHING, defaults_of


class DreamScene(Scene):
    """Parameters: temperature (1 = the model's own; > 1 wanders, < 1 settles into crisp leaves),
    leaves (side by side), steps_per_second (Gibbs steps at full effort), smoothing (seconds)."""

    name = "dream"
    contract = {"temperature": TEMPERATURE, "leaves": LEAVES, "steps_per_second": STEPS_PER_SECOND,
                "smoothing": SMOOTHING}
    defaults = defaults_of(contract)
    kept = ("display",)

    def __init__(self, context, params=None, seed=0):
        super().__init__(context, params, seed)
        self.leaves = self.params["leaves"]  # the contract keeps it in 1..6
        self.chains = DreamChains(context.dbn, self.leaves, seed, ladder=DEFAULT_LADDER)
        self.chains.advance(300)  # leave the random start behind before anyone sees it
        self.display = self.chains.images().astype(np.float32)
        self.steps_owed = 0.0

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        temperature = self.params["temperature"]
        self.steps_owed += self.params["steps_per_second"] * dt * effort
        steps = int(self.steps_owed)
        if steps:
            self.steps_owed -= steps
            self.chains.advance(steps, 1.0 / temperature)
        smooth_towards(self.display, self.chains.images(), dt, self.params["smoothing"])

    def state(self) -> dict[str, np.ndarray]:
        return {**self.chains.state(), **super().state()}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        self.chains.restore(state)
        super().restore(state)

    def view(self) -> np.ndarray:
        return side_by_side(self.display, 0.25)
