"""The Gibbs kernels every scene shares: dreaming, inpainting, cursor settling, the xerox loop.

One half-step of Gibbs sampling in a binary RBM is

    pre   = x @ W            (a BLAS sgemm, done by numpy: one BLAS pool for the process)
    p     = sigmoid(beta * (pre + bias))
    s     = u < p,  u ~ U[0, 1)

The matmul stays in numpy because Numba's ``np.dot`` links a second BLAS whose threads
fight numpy's for the two cores. Everything after it is one fused Numba pass
(``bernoulli_layer``) that adds the bias, applies the inverse temperature, clips the
pre-activation to +-30 (float32 sigmoids of very negative inputs make denormals that
slow everything down 3x), computes the probability, draws a counter-based random number
(splitmix64 of a per-call key and the element index) and writes the sample, and where a
clamp mask says so replaces the unit by its clamped value.

All arrays are float32 and C-contiguous. Shapes: B chains, V visible, H hidden units.
"""

from __future__ import annotations

import numpy as np

from leafdream.model import numba_setup  # noqa: F401  (sets the cache directory before numba loads)
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S40 = np.uint64(40)
_INV_2_24 = np.float32(1.0 / (1 << 24))
_CLIP = np.float32(30.0)

NO_CLAMP_MASK = np.zeros((0, 0), np.uint8)
NO_CLAMP_VALUES = np.zeros((0, 0), np.float32)
NO_OUTPUT = np.zeros((0, 0), np.float32)


@njit(cache=True, nogil=True, error_model="numpy")
def splitmix64(state):
    """The splitmix64 finaliser of a uint64: a well-mixed uint64."""
    z = state
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


_FAST = dict(cache=True, nogil=True, fastmath=True, boundscheck=False, error_model="numpy")


@njit(**_FAST)
def exp_clipped(t):
    """e**t for float32 |t| <= 30, relative error < 1e-5, in multiplies only so loops vectorise.

    e**t = (e**(t/64))**64 with a degree-7 Taylor series for the inner exponential
    (|t/64| < 0.47). Numba's ``math.exp`` is a scalar libm call that stops vectorisation.
    """
    y = t * np.float32(1.0 / 64.0)
    p = np.float32(1.0) + y * (np.float32(1.0) + y * (np.float32(1.0 / 2) + y * (np.float32(1.0 / 6) + y * (
        np.float32(1.0 / 24) + y * (np.float32(1.0 / 120) + y * (np.float32(1.0 / 720) + y * np.float32(1.0 / 5040)))))))
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    return p * p


@njit(**_FAST)
def bernoulli_layer(pre, bias, beta, key, clamp_mask, clamp_values, samples, probs):
    """Fused bias + temperature + sigmoid + sampling + clamping for one layer of B chains.

    pre:          float32 (B, N) pre-activations x @ W (without bias)
    bias:         float32 (N,)
    beta:         inverse temperature (1.0 = the model's own distribution)
    key:          uint64, unique per call: unit k of the call uses splitmix64(key + k * golden)
    clamp_mask:   uint8 (B, N), (1, N) shared by all chains, or (0, 0) for none; 1 = clamped
    clamp_values: float32 of the same shape as clamp_mask: the clamped units' values
    samples:      float32 (B, N) output 0/1 samples (clamped units get their value), or (0, 0) to skip
    probs:        float32 (B, N) output probabilities, or (0, 0) to skip

    Each row is done in short passes over a row buffer so every pass vectorises.
    """
    rows, cols = pre.shape
    clamp_rows = clamp_mask.shape[0]
    beta32 = np.float32(beta)
    low, high = -_CLIP, _CLIP
    one = np.float32(1.0)
    row_probs = np.empty(cols, np.float32)
    for i in range(rows):
        for j in range(cols):
            x = beta32 * (pre[i, j] + bias[j])
            x = min(max(x, low), high)
            row_probs[j] = one / (one + exp_clipped(-x))
        ci = i if clamp_rows > 1 else 0
        if clamp_rows > 0:
            for j in range(cols):
                if clamp_mask[ci, j] != 0:
                    row_probs[j] = clamp_values[ci, j]
        if samples.shape[0] > 0:
            row_key = key + np.uint64(i * cols) * _GOLDEN
            for j in range(cols):
                z = splitmix64(row_key + np.uint64(j + 1) * _GOLDEN)
                u = np.float32(z >> _S40) * _INV_2_24
                samples[i, j] = one if u < row_probs[j] else np.float32(0.0)
            if clamp_rows > 0:
                for j in range(cols):
                    if clamp_mask[ci, j] != 0:
                        samples[i, j] = clamp_values[ci, j]
        if probs.shape[0] > 0:
            for j in range(cols):
                probs[i, j] = row_probs[j]


@njit(**_FAST)
def count_changes(old, new):
    """Number of entries where two float32 (B, N) state arrays differ."""
    rows, cols = old.shape
    changed = 0
    for i in range(rows):
        for j in range(cols):
            if old[i, j] != new[i, j]:
                changed += 1
    return changed


@njit(**_FAST)
def add_changed_rows(pre, old, new, rows_matrix):
    """pre += (new - old) @ rows_matrix, touching only the rows of units whose state changed.

    pre:         float32 (B, N) pre-activations, updated in place
    old, new:    float32 (B, M) states before and after a half-step
    rows_matrix: float32 (M, N), C-contiguous (W for visible -> hidden, W.T copy for hidden -> visible)

    Binary states that are mostly settled flip only a few units per step (on the shipped
    model about 2 % of hidden and 7 % of visible units), so this does a few percent of the
    dense matmul's work.
    """
    chains, units = old.shape
    cols = rows_matrix.shape[1]
    for b in range(chains):
        for m in range(units):
            delta = new[b, m] - old[b, m]
            if delta != 0:
                for n in range(cols):
                    pre[b, n] += delta * rows_matrix[m, n]


@njit(**_FAST)
def uniform_fill(key, out):
    """Fill float32 ``out`` (B, N) with counter-based U[0, 1) numbers (used by tests of the stream)."""
    rows, cols = out.shape
    for i in range(rows):
        row_key = key + np.uint64(i * cols) * _GOLDEN
        for j in range(cols):
            z = splitmix64(row_key + np.uint64(j + 1) * _GOLDEN)
            out[i, j] = np.float32(z >> _S40) * _INV_2_24


class RandomKeys:
    """A seeded, reproducible source of per-call uint64 keys for ``bernoulli_layer``.

    Each call takes the next key; two streams with the same seed give identical samples.
    """

    def __init__(self, seed: int):
        self.seed = int(seed) & 0xFFFFFFFFFFFFFFFF
        self.calls = 0

    def next_key(self) -> np.uint64:
        # The same splitmix64 as the kernel's, in Python integers: calling the jitted one from
        # Python for every half-step would cost a dispatch and return a lossy int.
        self.calls += 1
        mask = 0xFFFFFFFFFFFFFFFF
        z = (self.seed + self.calls * int(_GOLDEN)) & mask
        z = ((z ^ (z >> 30)) * int(_MIX1)) & mask
        z = ((z ^ (z >> 27)) * int(_MIX2)) & mask
        return np.uint64(z ^ (z >> 31))


def clamp_arrays(clamp_mask, clamp_values) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's clamp arguments: contiguous uint8 mask and float32 values, or the "no clamp" pair."""
    if clamp_mask is None:
        return NO_CLAMP_MASK, NO_CLAMP_VALUES
    return np.ascontiguousarray(clamp_mask, dtype=np.uint8), np.ascontiguousarray(clamp_values, dtype=np.float32)


def sample_layer(inputs: np.ndarray, weights: np.ndarray, bias: np.ndarray, beta: float, keys: RandomKeys,
                 out_samples: np.ndarray | None = None, out_probs: np.ndarray | None = None,
                 clamp_mask: np.ndarray | None = None, clamp_values: np.ndarray | None = None,
                 pre_buffer: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """One half-step: sample the layer fed by ``inputs @ weights``.

    inputs:  float32 (B, M);  weights: float32 (M, N) (pass ``W.T`` to go down);  bias: float32 (N,)
    Returns (samples float32 (B, N), probabilities float32 (B, N) or None if out_probs is None
    and not requested). Pass preallocated ``out_*``/``pre_buffer`` arrays in hot loops.
    """
    rows, cols = inputs.shape[0], weights.shape[1]
    pre = np.matmul(inputs, weights, out=pre_buffer) if pre_buffer is not None else inputs @ weights
    samples = out_samples if out_samples is not None else np.empty((rows, cols), np.float32)
    mask, values = clamp_arrays(clamp_mask, clamp_values)
    bernoulli_layer(pre, bias, beta, keys.next_key(), mask, values, samples,
                    out_probs if out_probs is not None else NO_OUTPUT)
    return samples, out_probs


def mean_field_layer(inputs: np.ndarray, weights: np.ndarray, bias: np.ndarray, beta: float = 1.0,
                     out: np.ndarray | None = None, clamp_mask: np.ndarray | None = None,
                     clamp_values: np.ndarray | None = None, pre_buffer: np.ndarray | None = None) -> np.ndarray:
    """Probabilities of the layer fed by ``inputs @ weights``: float32 (B, N), no sampling."""
    rows, cols = inputs.shape[0], weights.shape[1]
    pre = np.matmul(inputs, weights, out=pre_buffer) if pre_buffer is not None else inputs @ weights
    probs = out if out is not None else np.empty((rows, cols), np.float32)
    mask, values = clamp_arrays(clamp_mask, clamp_values)
    bernoulli_layer(pre, bias, beta, np.uint64(0), mask, values, NO_OUTPUT, probs)
    return probs


def warm_up() -> None:
    """Compile (or load from the cache) every kernel signature the program uses."""
    rng_keys = RandomKeys(0)
    weights = np.zeros((4, 3), np.float32)
    bias = np.zeros(3, np.float32)
    inputs = np.zeros((2, 4), np.float32)
    sample_layer(inputs, weights, bias, 1.0, rng_keys, out_probs=np.empty((2, 3), np.float32))
    sample_layer(inputs, weights, bias, 1.0, rng_keys, clamp_mask=np.zeros((1, 3), np.uint8),
                 clamp_values=np.zeros((1, 3), np.float32))
    mean_field_layer(inputs, weights, bias)
    old, new = np.zeros((2, 4), np.float32), np.ones((2, 4), np.float32)
    count_changes(old, new)
    add_changed_rows(np.zeros((2, 3), np.float32), old, new, weights)
    uniform_fill(np.uint64(1), np.empty((1, 2), np.float32))
