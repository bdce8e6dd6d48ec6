"""Sampler health: is each dreaming chain still moving, and how long has it shown the same species?

Once a second (of dt) the watch compares every shown chain with a second before: the share of the top RBM's
visible units that flipped, and the species of the training leaf whose code is nearest the chain's (a chain has
moved on when another species has been nearest for ``STEADY_LOOKS`` looks in a row). A chain
that has shown one species for longer than the scene's ``reheat_after`` is named, for the scene to restart it
from a leaf of another species (a chain stuck in one mode would otherwise hold the screen for minutes).
"""

from __future__ import annotations

import numpy as np

LOOK_EVERY_S = 1.0
STEADY_LOOKS = 3  # a chain has moved to another species when that one is nearest this many looks in a row: the
                  # nearest code flickers between look-alikes (the oaks) while the leaf on screen stays the same


class ChainWatch:
    """For B chains: ``flips`` float (B,), ``species`` (B,) names, ``held`` float (B,) seconds since it changed."""

    def __init__(self, codes: np.ndarray | None, species: np.ndarray | None, chains: int):
        """``codes`` float32 (N, n_top) and ``species`` (N,) of the training leaves (None: a model without a map,
        whose chains are watched for flips alone)."""
        self.codes, self.names = codes, species
        self.previous: np.ndarray | None = None
        self.since = 0.0
        self.flips = np.zeros(chains)
        self.species = np.array([""] * chains, dtype=object)
        self.held = np.zeros(chains)
        self.candidate = np.array([""] * chains, dtype=object)  # another species nearest at the last looks
        self.candidate_looks = np.zeros(chains, np.int64)

    def _species(self, top_codes: np.ndarray) -> np.ndarray:
        """Species of the training leaf nearest each code float32 (B, n_top)."""
        squared = (top_codes ** 2).sum(1)[:, None] - 2 * top_codes @ self.codes.T + (self.codes ** 2).sum(1)[None, :]
        return self.names[np.argmin(squared, axis=1)]

    def update(self, dt: float, visible: np.ndarray, top_codes, reheat_after: float) -> list[int]:
        """Count ``dt``; once a second look at the chains' ``visible`` float32 (B, n_v) binary states and
        ``top_codes()`` (B, n_top), asked for only then. Returns the chains held longer than ``reheat_after``
        seconds (0: never)."""
        self.held += dt
        self.since += dt
        if self.previous is not None and self.since < LOOK_EVERY_S:
            return []
        if self.previous is not None:
            self.flips = (visible != self.previous).mean(axis=1) / self.since
        self.previous = visible.copy()
        self.since = 0.0
        if self.codes is None:
            return []
        now = self._species(top_codes()).astype(object)
        other = now != self.species
        self.candidate_looks = np.where(other & (now == self.candidate), self.candidate_looks + 1, other.astype(int))
        self.candidate = np.where(other, now, "")
        moved = (self.candidate_looks >= STEADY_LOOKS) | (self.species == "")
        self.species = np.where(moved, now, self.species)
        self.held[moved] = 0.0
        self.candidate_looks[moved] = 0
        return [int(row) for row in np.nonzero(self.held > reheat_after)[0]] if reheat_after > 0 else []

    def restarted(self, row: int) -> None:
        self.held[row] = 0.0

    def report(self) -> list[dict]:
        """One {"species", "held_s", "flips_per_s"} per chain, rounded for people."""
        return [{"species": str(name), "held_s": round(float(held), 1), "flips_per_s": round(float(flips), 4)}
                for name, held, flips in zip(self.species, self.held, self.flips)]
