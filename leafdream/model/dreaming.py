"""Dreaming: free Gibbs chains in the top RBM, seen through the generative pass to pixels.

The top RBM is the associative memory: chains there move between leaf shapes far more
freely than pixel-level chains (Bengio et al., "Better Mixing via Deep Representations",
2013). What is shown is the pixel probability of the chain's current top-level state,
never a noisy binary sample.
"""

from __future__ import annotations


import numpy as np
from PIL import Image

from leafdream.model.dbn import DBN
from leafdream.errors import LeafdreamError
from leafdream.model.gibbs import GibbsChains
from leafdream.model.kernels import RandomKeys
from leafdream.model.rbm import RBM


def energy(chains: GibbsChains) -> np.ndarray:
    """E(v, h) = -v W h - b v - c h of every chain's current state: float64 (B,)."""
    rbm = chains.rbm
    coupling = np.einsum("ij,ij->i", chains.pre_hidden, chains.hidden, dtype=np.float64)
    return -coupling - chains.visible @ rbm.visible_bias.astype(np.float64) - chains.hidden @ rbm.hidden_bias.astype(np.float64)


# Inverse temperatures of the tempering ladder: the first is shown, the hotter ones help it move.
DEFAULT_LADDER = (1.0, 0.9, 0.8, 0.7)


def states_from_codes(top: RBM, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Top-RBM visible states float32 (K, n_v), 0/1, sampled from p(v | h = code) for top codes float32 (K, n_top)
    (the leaf space's codes of training leaves): chains started there begin among the training leaves."""
    probabilities = top.mean_visibles(np.ascontiguousarray(codes, dtype=np.float32))
    return (rng.random(probabilities.shape, dtype=np.float32) < probabilities).astype(np.float32)


class DreamChains:
    """B free chains in the top RBM, seen through the generative pass; optionally tempered.

    With ``ladder`` (inverse temperatures, the first the one shown, e.g. (1.0, 0.9, 0.8, 0.7)),
    every shown chain has hotter partner chains, and neighbouring rungs swap states by the
    Metropolis rule every ``swap_every`` steps (parallel tempering; Desjardins et al. 2010):
    hot chains cross between leaf shapes easily and hand their states down, so the shown
    chain moves between species instead of settling in one.
    ``top_visible_probs`` float32 (B, n_{depth-1}) is what the images show.

    ``codes`` float32 (N, n_top), the top codes of training leaves (the leaf space's): every chain starts
    from a different one of them. From a random start (``codes`` None) the chains first fall into the lobed
    leaves: 37-42 % of the frames of their first 5000 steps are lobed, against 23 % of the training leaves,
    and 27 % over 80 000 steps; started from the leaves, 24-29 % over their first 20 000 steps, with no excess
    at the start (32-64 chains of the shipped model, three seeds each way).
    """

    def __init__(self, dbn: DBN, chains: int, seed: int, start: np.ndarray | None = None,
                 ladder: tuple[float, ...] = (1.0,), swap_every: int = 10, codes: np.ndarray | None = None):
        self.dbn = dbn
        top = dbn.top
        rng = np.random.default_rng(seed)
        if start is None and codes is not None and len(codes):
            leaves = rng.choice(len(codes), size=chains, replace=chains > len(codes))
            start = states_from_codes(top, codes[leaves], rng)
        if start is None:
            start = (rng.random((chains, top.n_visible), dtype=np.float32) < 0.5).astype(np.float32)
        self.ladder = tuple(float(b) for b in ladder)
        if not self.ladder or any(not (0 < b <= 5) for b in self.ladder):
            raise LeafdreamError(f"tempering ladder {ladder!r}: inverse temperatures must be in (0, 5]")
        self.rungs = [GibbsChains(top, start, RandomKeys(seed * 7919 + k)) for k in range(len(self.ladder))]
        self.swap_every = swap_every
        self.rng = rng
        self.swaps_tried = 0
        self.swaps_taken = 0

    @property
    def gibbs(self) -> GibbsChains:
        return self.rungs[0]

    @property
    def chains(self) -> int:
        return self.gibbs.chains

    @property
    def top_visible_probs(self) -> np.ndarray:
        return self.gibbs.visible_probs

    def advance(self, steps: int, beta: float = 1.0) -> None:
        """Run ``steps`` Gibbs steps; ``beta`` scales the whole ladder (< 1 wanders, > 1 settles)."""
        while steps > 0:
            burst = min(steps, self.swap_every) if len(self.rungs) > 1 else steps
            for rung, rung_beta in zip(self.rungs, self.ladder):
                rung.run(burst, beta * rung_beta)
            if len(self.rungs) > 1:
                self._swap(beta)
            steps -= burst

    def _swap(self, beta: float) -> None:
        energies = [energy(rung) for rung in self.rungs]
        for k in range(len(self.rungs) - 1):
            log_accept = beta * (self.ladder[k] - self.ladder[k + 1]) * (energies[k] - energies[k + 1])
            accept = np.log(self.rng.random(self.chains)) < log_accept
            self.swaps_tried += self.chains
            if accept.any():
                self.rungs[k].exchange(self.rungs[k + 1], accept)
                energies[k][accept], energies[k + 1][accept] = energies[k + 1][accept], energies[k][accept].copy()
                self.swaps_taken += int(accept.sum())

    def restart(self, row: int, visible: np.ndarray) -> None:
        """Start chain ``row`` again, in every rung, from the top RBM's visible state ``visible`` float32 (n_v,)."""
        for rung in self.rungs:
            rung.visible[row] = visible
            rung.visible_probs[row] = visible
            rung.resync()

    def top_codes(self) -> np.ndarray:
        """The top RBM's hidden probabilities for the shown chains: float32 (B, n_top), as the map's codes are."""
        return self.dbn.top.mean_hiddens(self.top_visible_probs)

    def state(self) -> dict[str, np.ndarray]:
        """Where every chain of every rung is: visible float32 (R, B, n_v), hidden float32 (R, B, n_h),
        visible_probs float32 (R, B, n_v) and the random streams' positions int64 (R,)."""
        return {"visible": np.stack([rung.visible for rung in self.rungs]),
                "hidden": np.stack([rung.hidden for rung in self.rungs]),
                "visible_probs": np.stack([rung.visible_probs for rung in self.rungs]),
                "calls": np.array([rung.keys.calls for rung in self.rungs], np.int64)}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        """Put the chains back where ``state()`` found them (same model and number of chains and rungs);
        a state of other shapes raises ValueError and changes nothing."""
        shapes = {"visible": (len(self.rungs), self.chains, self.dbn.top.n_visible),
                  "hidden": (len(self.rungs), self.chains, self.dbn.top.n_hidden),
                  "visible_probs": (len(self.rungs), self.chains, self.dbn.top.n_visible), "calls": (len(self.rungs),)}
        for name, shape in shapes.items():
            if name not in state or tuple(state[name].shape) != shape:
                raise ValueError(f"chain state {name!r} does not fit these chains (expected shape {shape})")
        for k, rung in enumerate(self.rungs):
            rung.visible[...] = state["visible"][k]
            rung.hidden[...] = state["hidden"][k]
            rung.visible_probs[...] = state["visible_probs"][k]
            rung.keys.calls = int(state["calls"][k])
            rung.resync()

    def images(self) -> np.ndarray:
        """Pixel probabilities of every shown chain: float32 (B, size, size)."""
        size = self.dbn.size
        pixels = self.dbn.down(self.top_visible_probs, self.dbn.depth - 1)
        return pixels.reshape(self.chains, size, size)


def to_picture(probability: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """A probability image float32 (h, w) as a smooth greyscale picture of ``size`` (W, H)."""
    picture = Image.fromarray(np.clip(probability * 255, 0, 255).astype(np.uint8))
    return picture.resize(size, Image.Resampling.BICUBIC)
