"""The dream: free, tempered Gibbs chains in the top RBM drifting from leaf to leaf."""

from __future__ import annotations

import logging

import numpy as np

from leafdream.model.dreaming import DEFAULT_LADDER, DreamChains, states_from_codes
from leafdream.scenes.base import Scene, side_by_side, smooth_towards
from leafdream.scenes.chain_watch import ChainWatch
from leafdream.scenes.params import REHEAT_AFTER, TEMPERATURE, LEAVES, STEPS_PER_SECOND, SMOOTHING, defaults_of

log = logging.getLogger(__name__)

BURN_IN_STEPS = 300  # Gibbs steps that leave the start (a training leaf's code) behind before anyone sees it
# ... spread over the scene's first updates: done at once they took 26-54 ms of one frame at every dream cue's
# start (measured at 1080p), three frames' budget; in eight steps they fit beside the crossfade, which is
# still at 4 % of a 3 s fade when the leaves first show
BURN_IN_UPDATES = 8


class DreamScene(Scene):
    """Parameters: temperature (1 = the model's own; > 1 wanders, < 1 settles into crisp leaves),
    leaves (side by side), steps_per_second (Gibbs steps at full effort), smoothing (seconds), reheat_after
    (seconds one species may hold a chain before it starts again elsewhere)."""

    name = "dream"
    contract = {"temperature": TEMPERATURE, "leaves": LEAVES, "steps_per_second": STEPS_PER_SECOND,
                "smoothing": SMOOTHING, "reheat_after": REHEAT_AFTER}
    defaults = defaults_of(contract)
    kept = ("display",)

    def __init__(self, context, params=None, seed=0):
        super().__init__(context, params, seed)
        self.leaves = self.params["leaves"]  # the contract keeps it in 1..6
        space = context.space
        self.chains = DreamChains(context.dbn, self.leaves, seed, ladder=DEFAULT_LADDER,
                                  codes=space.codes if space else None)
        self.burn_in_left = BURN_IN_STEPS
        self.display = np.zeros_like(self.chains.images(), np.float32)  # dark until the burn-in is done
        self.steps_owed = 0.0
        self.watch = ChainWatch(space.codes if space else None, space.species if space else None, self.leaves)
        self.rng = np.random.default_rng(seed + 17)

    def settle(self) -> None:
        if self.burn_in_left:
            self._burn_in(self.burn_in_left)

    @property
    def showing(self) -> bool:
        return not self.burn_in_left

    def _burn_in(self, steps: int) -> None:
        self.chains.advance(steps)
        self.burn_in_left -= steps
        if not self.burn_in_left:
            self.display[...] = self.chains.images()

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        if self.burn_in_left:
            self._burn_in(min(self.burn_in_left, -(-BURN_IN_STEPS // BURN_IN_UPDATES)))
            return
        temperature = self.params["temperature"]
        self.steps_owed += self.params["steps_per_second"] * dt * effort
        steps = int(self.steps_owed)
        if steps:
            self.steps_owed -= steps
            self.chains.advance(steps, 1.0 / temperature)
        for row in self.watch.update(dt, self.chains.gibbs.visible, self.chains.top_codes, self.params["reheat_after"]):
            self._reheat(row)
        smooth_towards(self.display, self.chains.images(), dt, self.params["smoothing"])

    def _reheat(self, row: int) -> None:
        """Start chain ``row`` again from a training leaf of another species than the one it has held."""
        space, held = self.context.space, self.watch.species[row]
        others = np.nonzero(space.species != held)[0]
        if not len(others):
            return
        leaf = int(self.rng.choice(others))
        self.chains.restart(row, states_from_codes(self.context.dbn.top, space.codes[leaf:leaf + 1], self.rng)[0])
        log.info("dream chain %d held %s for %.0f s: started again from a %s leaf", row + 1, held,
                 self.watch.held[row], space.species[leaf])
        self.watch.restarted(row)

    def health(self) -> list[dict]:
        return self.watch.report()

    def state(self) -> dict[str, np.ndarray]:
        return {**self.chains.state(), **super().state()}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        self.chains.restore(state)
        super().restore(state)
        self.burn_in_left = 0  # the saved chains are long past their start

    def view(self) -> np.ndarray:
        return side_by_side(self.display, 0.25)
