"""Recording the network learning: compact snapshots kept with the model for the learning scene.

While each layer trains, a fixed panel of 25 leaves (one from each of 25 species spread
over the data) is reconstructed through the layers trained so far, on a schedule dense
early and sparse late; for the first layer, 16 receptive fields are kept too.

Extras stored in the model (uint8 images, so the whole record is a few MB):
  ``snap_panel``        (S, 25, size, size)  reconstructions of the panel
  ``snap_layer``        (S,)                 which layer was training (1-based)
  ``snap_epoch``        (S,)                 after which epoch (0 = before the first)
  ``snap_fields``       (F, 16, size, size)  first-layer receptive fields, weights scaled to 0..255
  ``snap_fields_epoch`` (F,)
  ``snap_panel_truth``  (25, size, size)     the panel leaves themselves
"""

from __future__ import annotations

import time

import numpy as np

from leafdream.model.dbn import DBN

PANEL = 25
FIELDS = 16


def schedule(epochs: int, growth: float = 1.35) -> set[int]:
    """Epochs to record: 0, then every epoch early on and ever sparser later, and the last one."""
    chosen, value = {0, epochs}, 1.0
    while value <= epochs:
        chosen.add(int(round(value)))
        value = max(value * growth, value + 1)
    return {e for e in chosen if 0 <= e <= epochs}


def choose_panel(species_index: np.ndarray, train_index: np.ndarray, panel: int = PANEL) -> np.ndarray:
    """Indices of ``panel`` training leaves, each of a different species spread over all species."""
    species_of_train = species_index[train_index]
    kinds = np.unique(species_of_train)
    picked_kinds = kinds[np.linspace(0, len(kinds) - 1, min(panel, len(kinds))).round().astype(int)]
    first_of_kind = [train_index[np.nonzero(species_of_train == kind)[0][0]] for kind in picked_kinds]
    return np.array(first_of_kind[:panel])


class TrainingRecorder:
    """Collects snapshots through ``train_rbm``'s ``on_epoch`` callback; see the module docstring."""

    def __init__(self, panel_pixels: np.ndarray, size: int, epochs_per_layer: list[int], seed: int = 0):
        self.panel = np.ascontiguousarray(panel_pixels, dtype=np.float32)
        self.size = size
        self.schedules = [schedule(e) for e in epochs_per_layer]
        rng = np.random.default_rng(seed)
        self.field_units = None
        self.rng = rng
        self.lower: list = []
        self.panel_frames, self.layers, self.epochs = [], [], []
        self.fields, self.fields_epochs = [], []
        self.seconds = 0.0

    def start_layer(self, lower_layers: list) -> None:
        """The layers already trained below the one about to train."""
        self.lower = list(lower_layers)

    def on_epoch(self, report, rbm) -> None:
        depth = len(self.lower) + 1
        if report.epoch not in self.schedules[depth - 1]:
            return
        started = time.perf_counter()
        stack = DBN(layers=self.lower + [rbm], size=self.size)
        pictures = stack.reconstruct(self.panel, depth)
        self.panel_frames.append(np.clip(pictures * 255 + 0.5, 0, 255).astype(np.uint8).reshape(-1, self.size, self.size))
        self.layers.append(depth)
        self.epochs.append(report.epoch)
        if depth == 1:
            if self.field_units is None:
                self.field_units = self.rng.choice(rbm.n_hidden, size=min(FIELDS, rbm.n_hidden), replace=False)
            weights = rbm.weights[:, self.field_units].T  # (FIELDS, V)
            scale = np.abs(weights).max(axis=1, keepdims=True) + 1e-9
            fields = np.clip(127.5 + 127.5 * weights / scale, 0, 255).astype(np.uint8)
            self.fields.append(fields.reshape(-1, self.size, self.size))
            self.fields_epochs.append(report.epoch)
        self.seconds += time.perf_counter() - started

    def arrays(self) -> dict:
        return {
            "snap_panel": np.stack(self.panel_frames),
            "snap_layer": np.array(self.layers, np.int8),
            "snap_epoch": np.array(self.epochs, np.int16),
            "snap_fields": np.stack(self.fields) if self.fields else np.zeros((0, FIELDS, self.size, self.size), np.uint8),
            "snap_fields_epoch": np.array(self.fields_epochs, np.int16),
            "snap_panel_truth": np.clip(self.panel * 255 + 0.5, 0, 255).astype(np.uint8).reshape(-1, self.size, self.size),
        }
