"""Dreaming: free Gibbs chains in the top RBM, seen through the generative pass to pixels.

The top RBM is the associative memory: chains there move between leaf shapes far more
freely than pixel-level chains (Bengio et al., "Better Mixing via Deep Representations",
2013). What is shown is the pixel probability of the chain's current top-level state,
never a noisy binary sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .dbn import DBN
from .errors import LeafdreamError
from .kernels import RandomKeys, sample_layer


class DreamChains:
    """B free chains in the top RBM.

    State: ``top_visible`` float32 (B, n_{depth-1}) binary samples and ``top_visible_probs``
    (B, n_{depth-1}), the mean-field of the last half-step (what the images show).
    """

    def __init__(self, dbn: DBN, chains: int, seed: int, start: np.ndarray | None = None):
        self.dbn = dbn
        self.keys = RandomKeys(seed)
        top = dbn.top
        if start is None:
            rng = np.random.default_rng(seed)
            start = (rng.random((chains, top.n_visible), dtype=np.float32) < 0.5).astype(np.float32)
        self.top_visible = np.ascontiguousarray(start, dtype=np.float32)
        self.top_visible_probs = self.top_visible.copy()
        self.top_hidden = np.zeros((chains, top.n_hidden), np.float32)
        self._pre_hidden = np.empty_like(self.top_hidden)
        self._pre_visible = np.empty_like(self.top_visible)
        self.steps_taken = 0

    @property
    def chains(self) -> int:
        return self.top_visible.shape[0]

    def advance(self, steps: int, beta: float = 1.0) -> None:
        """Run ``steps`` Gibbs steps at inverse temperature ``beta`` (< 1 wanders, > 1 settles)."""
        top = self.dbn.top
        down = top.weights.T
        for _ in range(steps):
            sample_layer(self.top_visible, top.weights, top.hidden_bias, beta, self.keys,
                         out_samples=self.top_hidden, pre_buffer=self._pre_hidden)
            sample_layer(self.top_hidden, down, top.visible_bias, beta, self.keys, out_samples=self.top_visible,
                         out_probs=self.top_visible_probs, pre_buffer=self._pre_visible)
        self.steps_taken += steps

    def images(self) -> np.ndarray:
        """Pixel probabilities of every chain: float32 (B, size, size)."""
        size = self.dbn.size
        pixels = self.dbn.down(self.top_visible_probs, self.dbn.depth - 1)
        return pixels.reshape(self.chains, size, size)


def to_picture(probability: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """A probability image float32 (h, w) as a smooth greyscale picture of ``size`` (W, H)."""
    picture = Image.fromarray(np.clip(probability * 255, 0, 255).astype(np.uint8))
    return picture.resize(size, Image.Resampling.BICUBIC)


def dream_command(model_path, out_dir, frames: int, steps_per_frame: int, chains: int, temperature: float,
                  size: tuple[int, int], seed: int) -> None:
    from .modelfile import load_model

    if not (0.05 <= temperature <= 20):
        raise LeafdreamError(f"--temperature must be between 0.05 and 20, got {temperature}")
    model = load_model(model_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dream = DreamChains(model.dbn, chains, seed)
    dream.advance(200, 1.0 / temperature)  # burn-in from the random start
    for frame in range(frames):
        dream.advance(steps_per_frame, 1.0 / temperature)
        row = np.concatenate(list(dream.images()), axis=1)
        to_picture(row, (size[0] * chains, size[1])).save(out / f"dream_{frame:04d}.png")
    print(f"wrote {frames} frames of {chains} chains to {out}/")
