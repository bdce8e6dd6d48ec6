"""The order cues play in, round after round: the one place the round-wrapping logic lives.

The player follows it live; ``check``'s timeline follows it on paper; both see the same cues.
"""

from __future__ import annotations


class CueSequence:
    """The cues of the current round of a show (``arrange(round, seed)`` gives a round's cues: groups, shuffles)."""

    def __init__(self, cues: list, loop: bool = True, arrange=None, seed: int = 0):
        if not cues:
            raise ValueError("a show needs at least one cue")
        self.base, self.loop, self.arrange, self.seed = list(cues), loop, arrange, seed
        self.round = 0
        self.cues = arrange(0, seed) if arrange else list(cues)

    def _next_round(self) -> None:
        self.round += 1
        self.cues = self.arrange(self.round, self.seed) if self.arrange else self.base

    def wrap(self, index: int, loop: bool | None = None) -> int | None:
        """``index`` while it is a cue of this round; past the end, the first cue of the next round — or None
        when the show does not loop (``loop`` overrides the show's own setting, as an operator's Go does)."""
        if index < len(self.cues):
            return index
        if not (self.loop if loop is None else loop):
            return None
        self._next_round()
        return 0

    def go_to_round(self, number: int) -> None:
        """Play round ``number`` (a show resumed after a restart)."""
        self.round = number
        self.cues = self.arrange(number, self.seed) if self.arrange else self.base

    def replace(self, cues: list, loop: bool, arrange=None, same_round: bool = False) -> None:
        """Another show's cues (an edited show taking over): from this round on with ``same_round`` (the edit
        takes over in the middle of a round), else from the next."""
        self.base, self.loop, self.arrange = list(cues), loop, arrange
        if same_round:
            self.go_to_round(self.round)
        else:
            self._next_round()
