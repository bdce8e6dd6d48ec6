"""Long-running Gibbs chains of one RBM with incremental pre-activations.

A dense Gibbs step costs two matmuls. But once chains settle, a step flips only a few
units, and ``x @ W`` changes only by the rows of the units that flipped. ``GibbsChains``
keeps the pre-activations of both layers and updates them with ``add_changed_rows``;
when many units flip (hot chains, fresh random starts) a dense matmul is cheaper and is
used instead. Every ``resync_every`` steps both are recomputed densely so float32
rounding can never accumulate.

This is the sampler behind dreaming, inpainting and the benchmark; training, whose
weights change after every batch, uses the dense ``sample_layer`` path.
"""

from __future__ import annotations

import numpy as np

from leafdream.model.kernels import NO_CLAMP_MASK, NO_CLAMP_VALUES, NO_OUTPUT, RandomKeys, add_changed_rows, bernoulli_layer, clamp_arrays, count_changes
from leafdream.model.rbm import RBM


class GibbsChains:
    """B chains of ``rbm``: state ``visible`` float32 (B, V) and ``hidden`` float32 (B, H).

    clamp_mask / clamp_values: uint8 / float32 (B, V) or (1, V): visible units held fixed.
    ``visible_probs`` holds p(v | h) of the last step, float32 (B, V).
    """

    def __init__(self, rbm: RBM, visible: np.ndarray, keys: RandomKeys, clamp_mask=None, clamp_values=None,
                 resync_every: int = 50, dense_above: float = 0.12):
        self.rbm = rbm
        self.keys = keys
        self.weights = rbm.weights
        self.weights_t = rbm.weights_t()
        chains = visible.shape[0]
        self.visible = np.array(visible, dtype=np.float32, copy=True, order="C")
        self.hidden = np.zeros((chains, rbm.n_hidden), np.float32)
        self.visible_probs = self.visible.copy()
        self._next_visible = np.empty_like(self.visible)
        self._next_hidden = np.empty_like(self.hidden)
        self._pre_hidden = np.empty_like(self.hidden)
        self._pre_visible = np.empty_like(self.visible)
        self.clamp_mask, self.clamp_values = clamp_arrays(clamp_mask, clamp_values)
        self.resync_every = resync_every
        self.dense_above = dense_above
        self.dense_updates = 0
        self.sparse_updates = 0
        np.matmul(self.visible, self.weights, out=self._pre_hidden)
        self._pre_visible.fill(0.0)  # the hidden states start at 0: no matmul needed for 0 @ W.T
        self.steps_since_sync = 0

    @property
    def chains(self) -> int:
        return self.visible.shape[0]

    def resync(self) -> None:
        """Recompute both pre-activations from the current state with dense matmuls."""
        np.matmul(self.visible, self.weights, out=self._pre_hidden)
        np.matmul(self.hidden, self.weights_t, out=self._pre_visible)
        self.steps_since_sync = 0

    def _update(self, pre, old, new, rows_matrix) -> None:
        if count_changes(old, new) > self.dense_above * old.size:
            np.matmul(new, rows_matrix, out=pre)
            self.dense_updates += 1
        else:
            add_changed_rows(pre, old, new, rows_matrix)
            self.sparse_updates += 1

    def run(self, steps: int, beta: float = 1.0) -> None:
        """``steps`` full Gibbs steps v -> h -> v at inverse temperature ``beta``."""
        rbm = self.rbm
        for _ in range(steps):
            if self.steps_since_sync >= self.resync_every:
                self.resync()
            bernoulli_layer(self._pre_hidden, rbm.hidden_bias, beta, self.keys.next_key(), NO_CLAMP_MASK,
                            NO_CLAMP_VALUES, self._next_hidden, NO_OUTPUT)
            self._update(self._pre_visible, self.hidden, self._next_hidden, self.weights_t)
            self.hidden, self._next_hidden = self._next_hidden, self.hidden
            bernoulli_layer(self._pre_visible, rbm.visible_bias, beta, self.keys.next_key(), self.clamp_mask,
                            self.clamp_values, self._next_visible, self.visible_probs)
            self._update(self._pre_hidden, self.visible, self._next_visible, self.weights)
            self.visible, self._next_visible = self._next_visible, self.visible
            self.steps_since_sync += 1

    @property
    def pre_hidden(self) -> np.ndarray:
        """visible @ W for the current state: float32 (B, H) (read-only use)."""
        return self._pre_hidden

    def exchange(self, other: "GibbsChains", rows: np.ndarray) -> None:
        """Swap the states of the chains selected by bool ``rows`` (B,) with ``other``'s (same RBM)."""
        for name in ("visible", "hidden", "visible_probs", "_pre_hidden", "_pre_visible"):
            mine, theirs = getattr(self, name), getattr(other, name)
            held = mine[rows].copy()
            mine[rows] = theirs[rows]
            theirs[rows] = held
