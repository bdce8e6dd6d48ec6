"""A Deep Belief Network: a stack of RBMs whose top RBM is the associative memory.

Layer 0 of the stack sees pixels (size*size visible units). ``up`` runs the recognition
pass (mean-field) to any depth; ``down`` runs the generative pass back to pixels. Depth d
means "the hidden layer of RBM d" (1-based), so depth 0 is the pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leafdream.model.gibbs import GibbsChains
from leafdream.model.kernels import RandomKeys, sample_layer
from leafdream.model.rbm import RBM


@dataclass
class DBN:
    """layers: RBMs from the pixels up; size: side of the square pixel layer."""

    layers: list
    size: int

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def top(self) -> RBM:
        return self.layers[-1]

    @property
    def layer_sizes(self) -> list[int]:
        return [self.layers[0].n_visible] + [rbm.n_hidden for rbm in self.layers]

    def up(self, visible: np.ndarray, depth: int | None = None) -> np.ndarray:
        """Mean-field recognition: pixels float32 (B, size*size) -> probabilities at ``depth`` (B, n_depth)."""
        depth = self.depth if depth is None else depth
        state = np.ascontiguousarray(visible, dtype=np.float32)
        for rbm in self.layers[:depth]:
            state = rbm.mean_hiddens(state)
        return state

    def down(self, hidden: np.ndarray, depth: int | None = None) -> np.ndarray:
        """Mean-field generation: probabilities at ``depth`` (B, n_depth) -> pixel probabilities (B, size*size)."""
        depth = self.depth if depth is None else depth
        state = np.ascontiguousarray(hidden, dtype=np.float32)
        for rbm in reversed(self.layers[:depth]):
            state = rbm.mean_visibles(state)
        return state

    def reconstruct(self, visible: np.ndarray, depth: int) -> np.ndarray:
        """Pixels -> layer ``depth`` -> pixels, mean-field: float32 (B, size*size)."""
        return self.down(self.up(visible, depth), depth)

    def reconstruct_sampled(self, visible: np.ndarray, depth: int, keys: RandomKeys) -> np.ndarray:
        """Pixels -> one binary sample of layer ``depth``'s units -> pixels (mean-field either side):
        float32 (B, size*size). What that layer's code keeps of the leaf, without the mean field's
        probabilities carrying the rest through: the honest loss of each depth."""
        rbm = self.layers[depth - 1]
        states, _ = sample_layer(self.up(visible, depth - 1), rbm.weights, rbm.hidden_bias, 1.0, keys)
        return self.down(states, depth)

    def complete(self, visible: np.ndarray, known: np.ndarray, keys: RandomKeys, steps: int = 60,
                 average_last: int = 20, beta: float = 1.0, deep_passes: int = 0) -> np.ndarray:
        """Fill in the unknown pixels with clamped Gibbs sampling in the pixel RBM.

        visible: float32 (B, V) pixel values; unknown ones are the chains' starting guess
        known:   bool or uint8 (B, V) or (1, V), True where the pixel is known and clamped
        deep_passes: first pass this many times up through the whole stack (sampling the top
            layer) and down again, known pixels clamped: the deep layers know whole leaf
            shapes, which the pixel RBM alone does not, so a large hidden part starts out as
            the shape the whole network expects.
        Returns float32 (B, V): known pixels as given, unknown pixels the probability of
        leaf averaged over the last ``average_last`` steps.
        """
        known_values = np.ascontiguousarray(visible, dtype=np.float32)
        visible = known_values
        for _ in range(deep_passes):
            below_top = self.up(visible, self.depth - 1)
            top_states, _ = sample_layer(below_top, self.top.weights, self.top.hidden_bias, beta, keys)
            visible = np.where(known, known_values, self.down(top_states)).astype(np.float32)
        rbm = self.layers[0]
        clamp_mask = np.ascontiguousarray(np.broadcast_to(known, visible.shape), dtype=np.uint8)
        clamp_values = np.ascontiguousarray(visible, dtype=np.float32)
        chains = GibbsChains(rbm, visible, keys, clamp_mask, clamp_values)
        averaged = min(average_last, steps)
        chains.run(steps - averaged, beta)
        total = np.zeros_like(chains.visible_probs)
        for _ in range(averaged):
            chains.run(1, beta)
            total += chains.visible_probs
        return total / max(averaged, 1)
