"""The bare matmuls that `bench` puts next to a training step (`train_limit_samples_per_s`)."""

import numpy as np

from leafdream.measure.speed import recipe_step_contenders
from leafdream.training.trainer import RBMTrainingConfig


def test_the_training_limit_keeps_its_values_normal_however_often_it_runs():
    """Fed their own outputs, the limit's chain matmuls shrank their values to subnormals and then to zero within
    a few dozen calls (where BLAS runs up to 30x slower), so the limit timed the values' history, not the step."""
    config = RBMTrainingConfig(method="pcd", gibbs_steps=10, batch_size=20, persistent_chains=20)
    contenders, _ = recipe_step_contenders(64, 32, config)
    limit = contenders["limit"]
    for _ in range(40):
        limit()
    arrays = [cell.cell_contents for cell in limit.__closure__ if isinstance(cell.cell_contents, np.ndarray)]
    assert arrays
    assert all(np.abs(array).max() > 1e-3 for array in arrays), [float(np.abs(a).max()) for a in arrays]
