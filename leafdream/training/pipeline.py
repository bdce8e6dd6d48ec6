"""``leafdream train``: from a folder of leaves to a saved model file."""

from __future__ import annotations

import logging

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from leafdream.data.dataset import augmented_leaves, normalised_leaves
from leafdream.model.dbn import DBN
from leafdream.errors import LeafdreamError
from leafdream.data.leaves import LeafSet
from leafdream.leafspace.store import add_map
from leafdream.training.snapshots import TrainingRecorder, choose_panel
from leafdream.model.modelfile import Model
from leafdream.data.normalise import LONG_AXIS_STD_FRACTION
from leafdream.training.trainer import RBMTrainingConfig, train_rbm


logger = logging.getLogger(__name__)

def default_layer_configs() -> list[RBMTrainingConfig]:
    """The recipe of the shipped model (pixels -> 500 -> 500 -> 250).

    The pixel layer learns with CD so its reconstructions are sharp (it does the
    inpainting); the layers above learn with centered PCD and longer chains, because the
    dream runs long free chains in the top RBM and short-chain training makes long
    chains drift away from the data (Decelle et al. 2021). The top RBM trains longest,
    with 300 persistent chains at a low rate: against 60 epochs / 100 chains its free
    chains visited twice the species (33 vs 15 per chain in 20 000 steps).
    """
    return [
        RBMTrainingConfig(epochs=60, learning_rate=0.01, method="cd", gibbs_steps=1),
        RBMTrainingConfig(epochs=40, learning_rate=0.005, method="pcd", gibbs_steps=5),
        RBMTrainingConfig(epochs=150, learning_rate=0.003, method="pcd", gibbs_steps=10, persistent_chains=300),
    ]


# The recipe was made for 1400 leaves x 8 copies; a smaller folder of an artist's own leaves gets more
# jittered copies of each (up to MOST_COPIES), so every layer still makes about as many updates.
RECIPE_SAMPLES = 11_200
LEAST_COPIES, MOST_COPIES = 8, 64


@dataclass
class TrainingPlan:
    """Everything ``train`` needs besides the data; stored in the model's metadata."""

    size: int = 64
    hidden: tuple = (500, 500, 250)
    augment_copies: int | None = None   # None: as many as bring the leaves to RECIPE_SAMPLES (see copies_for)
    holdout_per_species: int = 2
    seed: int = 0
    layers: list = field(default_factory=default_layer_configs)

    def validate(self) -> None:
        if self.size < 16 or self.size > 256:
            raise LeafdreamError(f"--size must be between 16 and 256 pixels, got {self.size}")
        if not self.hidden or any(h < 2 for h in self.hidden):
            raise LeafdreamError(f"--hidden needs one or more layer sizes of at least 2, got {self.hidden}")
        if len(self.layers) != len(self.hidden):
            raise LeafdreamError(f"{len(self.hidden)} hidden layers but {len(self.layers)} layer configs")
        if self.augment_copies is not None and self.augment_copies < 1:
            raise LeafdreamError(f"--augment must be at least 1, got {self.augment_copies}")
        for config in self.layers:
            config.validate()

    def copies_for(self, n_leaves: int) -> int:
        """Copies of each of ``n_leaves`` training leaves, jittered ones included."""
        if self.augment_copies is not None:
            return self.augment_copies
        return int(np.clip(round(RECIPE_SAMPLES / max(n_leaves, 1)), LEAST_COPIES, MOST_COPIES))


def epoch_work(n_samples: int, n_visible: int, n_hidden: int, config: RBMTrainingConfig) -> float:
    """Multiply-adds in the matmuls of one epoch of a layer: the positive phase, the negative phase's Gibbs steps
    over its chains (the batch for CD, the persistent chains for PCD) and the gradient. What the training's
    overall ETA weighs each layer's epochs by."""
    batch, persistent = config.batch_size, config.method == "pcd"
    chains = config.persistent_chains if persistent else batch
    per_batch = n_visible * n_hidden * (batch + (2 * config.gibbs_steps + persistent) * chains + batch + chains)
    return float(per_batch * max(n_samples // config.batch_size, 1))


class TrainingProgress:
    """One progress bar over every layer's epochs, weighted by their work, so its ETA holds across layers;
    one line per epoch with the layer's figures. Silent when ``shown`` is False."""

    def __init__(self, works: list[float], configs: list[RBMTrainingConfig], shown: bool):
        from tqdm import tqdm

        self.works, self.configs = works, configs
        self.bar = tqdm(total=sum(w * c.epochs for w, c in zip(works, configs)), disable=not shown, desc="training",
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed} so far, about {remaining} to go{postfix}",
                        dynamic_ncols=True)

    def on_epoch(self, report) -> None:
        if report.epoch == 0:
            return
        config = self.configs[report.layer - 1]
        self.bar.update(self.works[report.layer - 1])
        self.bar.set_postfix_str(f"layer {report.layer} epoch {report.epoch}/{config.epochs}")
        if not self.bar.disable:
            self.bar.write(report.line(config.epochs))

    def close(self) -> None:
        self.bar.close()


def train_model(leafset: LeafSet, plan: TrainingPlan, progress: bool = True, log=None, with_map: bool = True,
                record: bool = True) -> Model:
    """Train the DBN layer by layer on the leaves not held out, then compute its leaf-space map.

    Returns the model, not yet saved.
    """
    log = log or logger.info
    plan.validate()
    started = time.perf_counter()
    train_index = np.nonzero(~leafset.held_out)[0]
    held_index = np.nonzero(leafset.held_out)[0]
    if len(train_index) < 2:
        raise LeafdreamError(f"{leafset.root}: only {len(train_index)} training leaves; need at least 2")
    copies = plan.copies_for(len(train_index))
    log(f"normalising {len(train_index)} training leaves x {copies} copies, "
        f"{len(held_index)} held out, {len(leafset.species_names)} species")
    data, _ = augmented_leaves(leafset, plan.size, train_index, copies, plan.seed)
    held_out = normalised_leaves(leafset, plan.size, held_index) if len(held_index) else None
    layers, history = [], []
    recorder = None
    if record:
        panel_index = choose_panel(leafset.species_index, train_index)
        recorder = TrainingRecorder(normalised_leaves(leafset, plan.size, panel_index), plan.size,
                                    [c.epochs for c in plan.layers], seed=plan.seed)
    sizes = [data.shape[1], *plan.hidden]
    bar = TrainingProgress([epoch_work(len(data), sizes[i], sizes[i + 1], c) for i, c in enumerate(plan.layers)],
                           plan.layers, progress)

    def on_epoch(report, rbm):
        bar.on_epoch(report)
        if recorder is not None:
            recorder.on_epoch(report, rbm)

    for depth, (n_hidden, config) in enumerate(zip(plan.hidden, plan.layers), start=1):
        if recorder is not None:
            recorder.start_layer(layers)
        rbm, reports = train_rbm(data, n_hidden, config, seed=plan.seed + 1000 * depth, layer=depth,
                                 held_out=held_out, progress=False, on_epoch=on_epoch)
        layers.append(rbm)
        history.extend(asdict(r) for r in reports)
        data = rbm.mean_hiddens(data)
        held_out = rbm.mean_hiddens(held_out) if held_out is not None else None
    bar.close()
    dbn = DBN(layers=layers, size=plan.size)
    metadata = {
        "normalisation": {"size": plan.size, "long_axis_std_fraction": LONG_AXIS_STD_FRACTION},
        "training": {
            "seed": plan.seed,
            "augment_copies": copies,
            "layers": [asdict(c) for c in plan.layers],
            "history": history,
            "seconds": round(time.perf_counter() - started, 1),
        },
        "data": {
            "root": Path(leafset.root).name,
            "fingerprint": leafset.fingerprint(),
            "species": leafset.species_names,
            "files": leafset.files,
            "leaf_species": leafset.species,
            "held_out": [f for f, h in zip(leafset.files, leafset.held_out) if h],
            "holdout_per_species": plan.holdout_per_species,
        },
    }
    model = Model(dbn=dbn, metadata=metadata)
    if recorder is not None:
        model.extras.update(recorder.arrays())
        metadata["training"]["recording_seconds"] = round(recorder.seconds, 2)
        metadata["training"]["panel"] = [leafset.files[i] for i in panel_index]
    if with_map:
        add_map(model, leafset, seed=plan.seed, log=log)
    model.metadata["training"]["seconds"] = round(time.perf_counter() - started, 1)
    return model
