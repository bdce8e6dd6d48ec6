"""Leaf space: a t-SNE map of the network's deep codes, and a way back from the map to a leaf.

t-SNE (openTSNE, fixed seed) places every training leaf on a 2-D map by its *map
features*: the network's codes at its top two layers, each averaged over the leaf and its
mirror image (a leaf and its mirror image are the same leaf, but the normalisation cannot
always tell which way a nearly symmetric leaf faces), standardised per unit. Codes of
the top layer alone, or of one orientation, grouped species no better than raw pixels.
t-SNE has no inverse, so ``LeafSpace`` builds one: the top-level code at any map point is the
Gaussian-kernel-weighted mean of the training codes around it, precomputed on a grid
(with the kernel density per cell); between grid cells it is interpolated bilinearly, so
a slowly moving cursor changes the code, and therefore the leaf, continuously. The top
RBM then settles that code by a damped mean-field step (sampling would flicker; more
steps pull codes into basins and make the leaf snap as the cursor crosses between them)
and the generative pass turns it into pixels. A new leaf is placed on the map by the
distance-weighted positions of the training leaves nearest to it in map features.

Map coordinates are normalised to [0, 1] x [0, 1].
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from leafdream.model.dbn import DBN
from leafdream.errors import LeafdreamError, did_you_mean

log = logging.getLogger(__name__)

GRID = 96               # cells per side of the precomputed code grid
KERNEL_WIDTH = 0.025    # Gaussian kernel sigma near leaves, in map units
GAP_BLEND = 1.5         # kernel sigma in gaps, as a multiple of the distance to the nearest leaf
SETTLE_STEPS = 1
SETTLE_DAMPING = 0.5
NEIGHBOURS = 7          # training leaves used to place a new leaf
MAP_PERPLEXITY = 10.0   # about the number of leaves per species in the training set (14)


def code_of(dbn: DBN, pixels: np.ndarray) -> np.ndarray:
    """The map's code for pixels float32 (B, size*size): top-RBM hidden probabilities (B, n_top)."""
    return dbn.up(pixels, dbn.depth)


def mirrored(pixels: np.ndarray) -> np.ndarray:
    """The left-right mirror images of float32 (B, size*size) square images."""
    side = int(round(np.sqrt(pixels.shape[1])))
    return np.ascontiguousarray(pixels.reshape(-1, side, side)[:, :, ::-1].reshape(pixels.shape))


def deep_codes(dbn: DBN, pixels: np.ndarray) -> np.ndarray:
    """float32 (B, F): the top two layers' hidden probabilities (all layers of a shallower network),
    each the mean over the image and its mirror image; pixels float32 (B, size*size)."""
    count = pixels.shape[0]
    both = np.concatenate([pixels, mirrored(pixels)])  # one pass over the weights for both: it is their reading
    below_top = dbn.up(both, dbn.depth - 1)            # that costs, for a single leaf on the live path
    top = dbn.top.mean_hiddens(below_top)
    features = np.hstack([below_top, top]) if dbn.depth > 1 else top
    return ((features[:count] + features[count:]) / 2).astype(np.float32)


def compute_map(codes: np.ndarray, seed: int = 0, perplexity: float = MAP_PERPLEXITY,
                trajectory: list | None = None, record_every: int = 10) -> np.ndarray:
    """t-SNE of features float32 (N, D) -> positions float32 (N, 2) scaled into [0.05, 0.95]^2.

    openTSNE rather than scikit-learn's TSNE: it is seeded and exact enough here, and its
    callbacks let ``trajectory`` (a list, if given) receive the layout every ``record_every``
    iterations, scaled like the final map, so the map's forming can be replayed (sklearn's
    TSNE has no per-iteration hook). It starts from a tiny PCA-shaped cloud.
    """
    from openTSNE import TSNE

    if len(codes) < 5:
        raise LeafdreamError(f"a leaf-space map needs at least 5 training leaves, got {len(codes)}")
    perplexity = min(perplexity, (len(codes) - 1) / 3)
    frames = []

    def record(iteration, error, embedding):
        frames.append(np.array(embedding, dtype=np.float64))

    embedding = np.asarray(TSNE(n_components=2, perplexity=perplexity, initialization="pca", random_state=seed,
                                n_jobs=1, callbacks=record if trajectory is not None else None,
                                callbacks_every_iters=record_every).fit(codes.astype(np.float64)))
    low, high = embedding.min(axis=0), embedding.max(axis=0)
    span = max((high - low).max(), 1e-12)

    def scale(layout):  # keep aspect; the longest side of the final map spans [0.05, 0.95]
        return (0.05 + 0.9 * ((layout - (low + high) / 2) / span + 0.5)).astype(np.float32)

    if trajectory is not None:
        trajectory.extend(scale(frame) for frame in frames)
        trajectory.append(scale(embedding))
    return scale(embedding)


def code_grid(positions: np.ndarray, codes: np.ndarray, grid: int = GRID,
              kernel_width: float = KERNEL_WIDTH) -> tuple[np.ndarray, np.ndarray]:
    """(grid_codes float32 (grid, grid, D), density float32 (grid, grid), 1 = the densest cell): the kernel-weighted
    mean of the codes float (N, D) of the leaves at ``positions`` float (N, 2) around each cell's centre."""
    axis = (np.arange(grid, dtype=np.float32) + 0.5) / grid
    cells = np.stack(np.meshgrid(axis, axis, indexing="xy"), axis=-1).reshape(-1, 2)  # (G*G, 2) x, y
    squared = ((cells[:, None, :] - positions[None, :, :]) ** 2).sum(-1)
    nearest = squared.min(axis=1, keepdims=True)
    # The kernel widens with the distance to the nearest leaf, so across a gap between
    # clusters the code blends over the width of the gap instead of switching at its middle.
    width_squared = np.maximum(kernel_width ** 2, GAP_BLEND ** 2 * nearest)
    weights = np.exp(-(squared - nearest) / (2 * width_squared)).astype(np.float32)
    density = np.exp(-squared / (2 * kernel_width ** 2)).sum(axis=1)
    grid_codes = (weights @ codes) / weights.sum(axis=1, keepdims=True)
    return (grid_codes.reshape(grid, grid, -1).astype(np.float32),
            (density / density.max()).reshape(grid, grid).astype(np.float32))


@dataclass
class LeafSpace:
    """A map: positions float32 (N, 2) in [0, 1]^2, top-level codes float32 (N, D), species (N,) names, its grid,
    and the map features float32 (N, F) the positions were computed from (standardised: (deep_codes - mean) / scale).

    grid_codes: float32 (GRID, GRID, D) kernel-weighted mean codes; grid_density float32 (GRID, GRID)
    """

    positions: np.ndarray
    codes: np.ndarray
    species: np.ndarray
    grid_codes: np.ndarray
    grid_density: np.ndarray
    files: list | None = None
    features: np.ndarray | None = None
    feature_mean: np.ndarray | None = None
    feature_scale: np.ndarray | None = None
    _squared_norms: np.ndarray | None = field(default=None, repr=False, compare=False)  # float64 (N,), made once

    @classmethod
    def build(cls, positions: np.ndarray, codes: np.ndarray, species, grid: int = GRID,
              kernel_width: float = KERNEL_WIDTH, files: list | None = None, features: np.ndarray | None = None,
              feature_mean: np.ndarray | None = None, feature_scale: np.ndarray | None = None,
              grid_of=None) -> "LeafSpace":
        """``grid_of``: what makes the code grid from (positions, codes, grid, kernel_width), ``code_grid`` or a
        cache of it (``leafspace/grid_cache.py``)."""
        grid_codes, density = (grid_of or code_grid)(positions, codes, grid, kernel_width)
        return cls(
            positions=positions.astype(np.float32),
            codes=codes.astype(np.float32),
            species=np.asarray(species),
            grid_codes=grid_codes,
            grid_density=density,
            files=files,
            features=features,
            feature_mean=feature_mean,
            feature_scale=feature_scale,
        )

    @property
    def grid(self) -> int:
        return self.grid_codes.shape[0]

    def clamp(self, point) -> np.ndarray:
        """Clamp (x, y) into the map, with a warning when it was outside."""
        point = np.asarray(point, dtype=np.float64)
        clamped = np.clip(point, 0.0, 1.0)
        if np.any(clamped != point):
            log.warning("map point (%.3f, %.3f) is outside the map [0, 1] x [0, 1]; clamped to (%.3f, %.3f)",
                        point[0], point[1], clamped[0], clamped[1])
        return clamped

    def _bilinear(self, field: np.ndarray, point) -> np.ndarray:
        x, y = self.clamp(point) * self.grid - 0.5
        x0 = int(np.clip(np.floor(x), 0, self.grid - 2))
        y0 = int(np.clip(np.floor(y), 0, self.grid - 2))
        fx = float(np.clip(x - x0, 0, 1))
        fy = float(np.clip(y - y0, 0, 1))
        return ((1 - fx) * (1 - fy) * field[y0, x0] + fx * (1 - fy) * field[y0, x0 + 1]
                + (1 - fx) * fy * field[y0 + 1, x0] + fx * fy * field[y0 + 1, x0 + 1])

    def code_at(self, point) -> np.ndarray:
        """The interpolated code at map point (x, y): float32 (D,)."""
        return self._bilinear(self.grid_codes, point).astype(np.float32)

    def density_at(self, point) -> float:
        """Kernel density of training leaves at (x, y), 1 = the densest cell."""
        return float(self._bilinear(self.grid_density, point))

    def features_of(self, dbn: DBN, pixels: np.ndarray) -> np.ndarray:
        """Map features float32 (B, F) of normalised leaf images float32 (B, size*size), comparable to ``features``."""
        if self.features is None:  # a map made from top-level codes alone
            return dbn.up(pixels, dbn.depth)
        return ((deep_codes(dbn, pixels) - self.feature_mean) / self.feature_scale).astype(np.float32)

    def relatives(self, features: np.ndarray, count: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` training leaves nearest a leaf's map features (F,): (indices, distances), nearest first."""
        known = self.features if self.features is not None else self.codes
        if self._squared_norms is None:
            self._squared_norms = (known.astype(np.float64) ** 2).sum(axis=1)
        # |k - f|^2 = |k|^2 - 2 k.f + |f|^2: one pass over the training leaves' features (a 1600 x 750 product)
        # instead of their difference array, for each completed leaf on the live path
        features = np.asarray(features, np.float32)
        squared = self._squared_norms - 2.0 * (known @ features) + float(features @ features)
        count = min(count, len(known))
        nearest = np.argpartition(squared, count - 1)[:count]
        nearest = nearest[np.argsort(squared[nearest], kind="stable")]
        return nearest, np.sqrt(np.maximum(squared[nearest], 0.0))

    def place(self, features: np.ndarray) -> np.ndarray:
        """Map position (2,) of a new leaf from its map features (F,): distance-weighted mean of its nearest leaves."""
        return self.place_among(*self.relatives(features))

    def place_among(self, nearest: np.ndarray, distances: np.ndarray) -> np.ndarray:
        """Map position (2,) of a leaf whose ``relatives`` are ``nearest`` (k,) at ``distances`` (k,)."""
        weights = 1.0 / (distances + 1e-6) ** 2
        return (weights[:, None] * self.positions[nearest]).sum(axis=0) / weights.sum()

    def species_position(self, name: str) -> np.ndarray:
        """Centre (2,) of a species' leaves on the map; unknown names get a "did you mean"."""
        key = name.strip().lower().replace(" ", "_")
        members = self.species == key
        if not members.any():
            options = sorted(set(self.species.tolist()))
            hint = did_you_mean(key, options, many=3, fallback=f"known species include {', '.join(options[:5])}, …")
            raise LeafdreamError(f"unknown species {name!r}{hint} ('leafdream species' lists them all)")
        return self.positions[members].mean(axis=0)


def imagine(dbn: DBN, code: np.ndarray, steps: int = SETTLE_STEPS, damping: float = SETTLE_DAMPING) -> np.ndarray:
    """Pixels float32 (size, size) the network imagines for top-level code(s) (D,) or (B, D).

    The code is settled by ``steps`` damped mean-field passes through the top RBM (hidden ->
    visible -> hidden), then sent down to pixels.
    """
    top = dbn.top
    hidden = np.atleast_2d(code).astype(np.float32)
    for _ in range(steps):
        settled = top.mean_hiddens(top.mean_visibles(hidden))
        hidden = (1 - damping) * hidden + damping * settled
    pixels = dbn.down(top.mean_visibles(hidden), dbn.depth - 1)
    size = dbn.size
    return pixels.reshape(-1, size, size)[0] if np.ndim(code) == 1 else pixels.reshape(-1, size, size)
