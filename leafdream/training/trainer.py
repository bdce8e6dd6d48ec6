"""Training: binary RBMs with centered Persistent Contrastive Divergence, stacked into a DBN.

Centering (Melchior, Fischer & Wiskott 2016) subtracts offsets from visible and hidden
states in the gradient (``mu``: the data mean, ``lam``: a running mean of the hidden
probabilities). It makes the gradient better conditioned, which is what lets PCD with
long-lived chains train here: without it PCD stalled on these leaves (hidden activity
collapsed to ~4 %, see the project's measurements). The model is always stored in the
ordinary (uncentered) parameterisation, so sampling never needs the offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from tqdm import tqdm

from leafdream.model import numba_setup  # noqa: F401  (sets the cache directory before numba loads)
from numba import njit

from leafdream.errors import LeafdreamError
from leafdream.model.kernels import RandomKeys
from leafdream.model.rbm import RBM


@njit(cache=True, nogil=True, fastmath=True, boundscheck=False, error_model="numpy")
def momentum_update(weights, velocity, gradient, learning_rate, momentum, weight_decay,
                    hidden_offset, visible_offset, velocity_dot_hidden_offset, velocity_dot_visible_offset):
    """One pass over the weights: velocity = momentum * velocity + rate * (gradient - decay * W); W += velocity.

    weights, velocity, gradient: float32 (V, H), updated in place (weights, velocity).
    Also returns, from the same pass, velocity @ hidden_offset (V,) and velocity.T @ visible_offset (H,),
    which map the centered update back to the ordinary biases. At small batches the update of
    the 2M weights, not the matmuls, is what costs: numpy would make ten passes over 8 MB.
    """
    rows, cols = weights.shape
    rate = np.float32(learning_rate)
    mom = np.float32(momentum)
    decay = np.float32(weight_decay)
    for j in range(cols):
        velocity_dot_visible_offset[j] = 0.0
    for i in range(rows):
        acc = np.float32(0.0)
        mu = visible_offset[i]
        for j in range(cols):
            step = mom * velocity[i, j] + rate * (gradient[i, j] - decay * weights[i, j])
            velocity[i, j] = step
            weights[i, j] += step
            acc += step * hidden_offset[j]
            velocity_dot_visible_offset[j] += step * mu
        velocity_dot_hidden_offset[i] = acc


@dataclass
class RBMTrainingConfig:
    """How one RBM layer is trained. Every field is recorded in the model file."""

    epochs: int = 40
    batch_size: int = 100
    learning_rate: float = 0.02
    final_learning_rate_fraction: float = 0.05  # the rate decays linearly over the second half to this fraction
    momentum: float = 0.9
    initial_momentum: float = 0.5               # for the first ``momentum_switch_epoch`` epochs
    momentum_switch_epoch: int = 5
    weight_decay: float = 2e-4
    method: str = "pcd"                          # "pcd" (persistent chains) or "cd"
    gibbs_steps: int = 1
    persistent_chains: int = 100
    centering: bool = True
    offset_rate: float = 0.01                    # how fast the hidden offset follows the data
    sparsity_target: float = 0.0                 # 0 turns the sparsity penalty off
    sparsity_cost: float = 0.0

    def validate(self) -> None:
        if self.method not in ("pcd", "cd"):
            raise LeafdreamError(f"training method {self.method!r} is unknown; use 'pcd' or 'cd'")
        for name in ("epochs", "batch_size", "gibbs_steps", "persistent_chains"):
            if getattr(self, name) < 1:
                raise LeafdreamError(f"training {name} must be at least 1, got {getattr(self, name)}")
        if not (0 < self.learning_rate < 10):
            raise LeafdreamError(f"learning_rate must be in (0, 10), got {self.learning_rate}")


@dataclass
class EpochReport:
    """Figures printed after each epoch and kept in the model's training history."""

    layer: int
    epoch: int
    reconstruction_error: float
    held_out_reconstruction_error: float
    pseudo_log_likelihood: float
    hidden_activity: float
    chain_activity: float
    learning_rate: float
    extra: dict = field(default_factory=dict)

    def line(self, epochs: int) -> str:
        """The one line printed after the epoch, out of ``epochs``."""
        return (f"layer {self.layer} epoch {self.epoch:3d}/{epochs}: recon {self.reconstruction_error:.4f} "
                f"held-out {self.held_out_reconstruction_error:.4f} pseudo-LL {self.pseudo_log_likelihood:.4f} "
                f"hidden {self.hidden_activity:.3f} chains {self.chain_activity:.3f} lr {self.learning_rate:.4f}")


def learning_rate_at(config: RBMTrainingConfig, epoch: int) -> float:
    """Constant for the first half, then a linear decay to ``final_learning_rate_fraction``."""
    half = config.epochs / 2
    if epoch < half:
        return config.learning_rate
    progress = (epoch - half) / max(config.epochs - half, 1)
    return config.learning_rate * (1 - progress * (1 - config.final_learning_rate_fraction))


class RBMTrainer:
    """Trains one RBM on float32 data (N, V) in [0, 1]; ``step`` is one minibatch update."""

    def __init__(self, rbm: RBM, config: RBMTrainingConfig, data_mean: np.ndarray, seed: int):
        config.validate()
        self.rbm = rbm
        self.config = config
        self.keys = RandomKeys(seed)
        self.rng = np.random.default_rng(seed)
        self.visible_offset = data_mean.astype(np.float32) if config.centering else np.zeros(rbm.n_visible, np.float32)
        self.hidden_offset = np.full(rbm.n_hidden, 0.5 if config.centering else 0.0, np.float32)
        self.velocity_w = np.zeros_like(rbm.weights)
        self.gradient_w = np.zeros_like(rbm.weights)
        self.shift_b = np.zeros_like(rbm.visible_bias)
        self.shift_c = np.zeros_like(rbm.hidden_bias)
        self.velocity_b = np.zeros_like(rbm.visible_bias)
        self.velocity_c = np.zeros_like(rbm.hidden_bias)
        start = self.rng.random((config.persistent_chains, rbm.n_visible), dtype=np.float32)
        self.chains = (start < data_mean).astype(np.float32)

    def positive_phase(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(hidden probabilities (B, H), hidden states sampled from them (B, H) for CD, else None), from one
        matmul: CD's negative phase starts from these states instead of multiplying the batch again."""
        if self.config.method == "cd":
            states, probs = self.rbm.sample_hiddens(batch, self.keys, want_probs=True)
            return probs, states
        return self.rbm.mean_hiddens(batch), None

    def negative_phase(self, batch: np.ndarray, hidden: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Model samples (visible (M, V), hidden probabilities (M, H)) from the chains or the batch (whose
        hidden states CD passes as ``hidden``)."""
        cfg = self.config
        if cfg.method == "pcd":
            v_model, _, h_model = self.rbm.gibbs(self.chains, cfg.gibbs_steps, self.keys)
            self.chains = v_model
        else:
            v_model, _, h_model = self.rbm.gibbs(batch, cfg.gibbs_steps, self.keys, hidden=hidden)
        return v_model, h_model

    def step(self, batch: np.ndarray, learning_rate: float, momentum: float) -> float:
        """One centered-gradient update from float32 batch (B, V); returns the batch's mean hidden activity."""
        cfg = self.config
        rbm = self.rbm
        h_data, h_states = self.positive_phase(batch)
        v_model, h_model = self.negative_phase(batch, h_states)
        mu, lam = self.visible_offset, self.hidden_offset
        # Positive minus negative statistics as one matmul of stacked, signed, centered states.
        visible_stack = np.concatenate([(batch - mu) / np.float32(batch.shape[0]),
                                        (v_model - mu) / np.float32(-v_model.shape[0])])
        hidden_stack = np.concatenate([h_data - lam, h_model - lam])
        np.matmul(visible_stack.T, hidden_stack, out=self.gradient_w)
        grad_b = batch.mean(axis=0) - v_model.mean(axis=0)
        mean_h_data = h_data.mean(axis=0)
        grad_c = mean_h_data - h_model.mean(axis=0)
        if cfg.sparsity_cost > 0:
            grad_c += cfg.sparsity_cost * (cfg.sparsity_target - mean_h_data)
        lr = np.float32(learning_rate)
        mom = np.float32(momentum)
        momentum_update(rbm.weights, self.velocity_w, self.gradient_w, lr, mom, cfg.weight_decay,
                        lam, mu, self.shift_b, self.shift_c)
        rbm.weights_changed()
        self.velocity_b *= mom
        self.velocity_b += lr * grad_b
        self.velocity_c *= mom
        self.velocity_c += lr * grad_c
        # Map the centered update back to the ordinary biases.
        rbm.visible_bias += self.velocity_b - self.shift_b
        rbm.hidden_bias += self.velocity_c - self.shift_c
        if cfg.centering:
            rate = np.float32(cfg.offset_rate)
            self.hidden_offset *= 1 - rate
            self.hidden_offset += rate * mean_h_data
        return float(mean_h_data.mean())


def train_rbm(data: np.ndarray, n_hidden: int, config: RBMTrainingConfig, seed: int, layer: int = 1,
              held_out: np.ndarray | None = None, on_epoch: Callable[[EpochReport, RBM], None] | None = None,
              progress: bool = True) -> tuple[RBM, list[EpochReport]]:
    """Train one RBM on float32 ``data`` (N, V) in [0, 1]. Returns (rbm, one report per epoch)."""
    config.validate()
    data = np.ascontiguousarray(data, dtype=np.float32)
    rng = np.random.default_rng(seed)
    data_mean = data.mean(axis=0)
    rbm = RBM.initial(data.shape[1], n_hidden, data_mean, rng)
    trainer = RBMTrainer(rbm, config, data_mean, seed + 1)
    monitor = data[rng.choice(len(data), size=min(500, len(data)), replace=False)]
    reports = []
    if on_epoch is not None:  # the state before any learning: epoch 0
        nan = float("nan")
        on_epoch(EpochReport(layer, 0, nan, nan, nan, nan, nan, 0.0), rbm)
    bar = tqdm(range(config.epochs), desc=f"layer {layer} ({data.shape[1]}->{n_hidden})", disable=not progress,
               unit="epoch", dynamic_ncols=True)
    for epoch in bar:
        learning_rate = learning_rate_at(config, epoch)
        momentum = config.initial_momentum if epoch < config.momentum_switch_epoch else config.momentum
        order = rng.permutation(len(data))
        activity = []
        batch_size = min(config.batch_size, len(data))
        for start in range(0, len(data) - batch_size + 1, batch_size):
            batch = data[order[start:start + batch_size]]
            activity.append(trainer.step(batch, learning_rate, momentum))
        report = EpochReport(
            layer=layer,
            epoch=epoch + 1,
            reconstruction_error=rbm.reconstruction_error(monitor),
            held_out_reconstruction_error=rbm.reconstruction_error(held_out) if held_out is not None and len(held_out) else float("nan"),
            pseudo_log_likelihood=rbm.pseudo_log_likelihood(monitor, rng),
            hidden_activity=float(np.mean(activity)),
            chain_activity=float(trainer.chains.mean()) if config.method == "pcd" else float("nan"),
            learning_rate=learning_rate,
        )
        reports.append(report)
        bar.set_postfix(recon=f"{report.reconstruction_error:.4f}", held_out=f"{report.held_out_reconstruction_error:.4f}",
                        pll=f"{report.pseudo_log_likelihood:.3f}", h=f"{report.hidden_activity:.2f}")
        if progress:
            tqdm.write(report.line(config.epochs))
        if on_epoch is not None:
            on_epoch(report, rbm)
    return rbm, reports
