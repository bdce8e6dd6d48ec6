"""Shared fixtures: generated leaves and a tiny model trained on them (no network, no ../shared)."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
# Tests never see or touch the machine's own leafdream: its camera calibration (~/.config), its last good show
# (~/.local/state) and the running installation's heartbeat ($XDG_RUNTIME_DIR). One folder for the session,
# removed at its end. (The compiled-kernel cache is shared on purpose: it only makes tests faster.)
_SANDBOX = tempfile.mkdtemp(prefix="leafdream-tests-")
atexit.register(shutil.rmtree, _SANDBOX, True)
for _name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"):
    os.environ[_name] = os.path.join(_SANDBOX, _name.lower())
    os.makedirs(os.environ[_name], exist_ok=True)

import numpy as np
import pytest

from leafdream.data.leaves import load_leaf_folder
from leafdream.model.modelfile import save_model
from leafdream.training.pipeline import TrainingPlan, train_model
from leafdream.data.procedural import write_leaf_folder
from leafdream.training.trainer import RBMTrainingConfig


@pytest.fixture(scope="session")
def leaf_folder(tmp_path_factory):
    """6 generated species x 8 leaves in the leaves100 layout."""
    return write_leaf_folder(tmp_path_factory.mktemp("leaves"), per_species=8, size=96, seed=3)


@pytest.fixture(scope="session")
def tiny_plan():
    return TrainingPlan(
        size=32,
        hidden=(96, 48),
        augment_copies=4,
        seed=1,
        layers=[
            RBMTrainingConfig(epochs=25, batch_size=20, learning_rate=0.02, method="cd"),
            RBMTrainingConfig(epochs=25, batch_size=20, learning_rate=0.01, method="pcd", gibbs_steps=3,
                              persistent_chains=20),
        ],
    )


@pytest.fixture(scope="session")
def tiny_model(leaf_folder, tiny_plan):
    leafset = load_leaf_folder(leaf_folder)
    return train_model(leafset, tiny_plan, progress=False, log=lambda *_: None)


@pytest.fixture(scope="session")
def tiny_model_file(tiny_model, tmp_path_factory):
    return save_model(tiny_model, tmp_path_factory.mktemp("model") / "tiny.npz")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
