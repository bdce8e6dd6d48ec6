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
from .gibbs import GibbsChains
from .kernels import RandomKeys


class DreamChains:
    """B free chains in the top RBM (a ``GibbsChains``), seen through the generative pass.

    ``top_visible_probs`` float32 (B, n_{depth-1}) is the mean-field of the last half-step:
    what the images show.
    """

    def __init__(self, dbn: DBN, chains: int, seed: int, start: np.ndarray | None = None):
        self.dbn = dbn
        top = dbn.top
        if start is None:
            rng = np.random.default_rng(seed)
            start = (rng.random((chains, top.n_visible), dtype=np.float32) < 0.5).astype(np.float32)
        self.gibbs = GibbsChains(top, start, RandomKeys(seed))
        self.steps_taken = 0

    @property
    def chains(self) -> int:
        return self.gibbs.chains

    @property
    def top_visible_probs(self) -> np.ndarray:
        return self.gibbs.visible_probs

    def advance(self, steps: int, beta: float = 1.0) -> None:
        """Run ``steps`` Gibbs steps at inverse temperature ``beta`` (< 1 wanders, > 1 settles)."""
        self.gibbs.run(steps, beta)
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
