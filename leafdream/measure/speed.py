"""``leafdream bench``: speed figures, each printed next to its baseline measured in the same run.

These machines are shared and noisy, so the contenders are measured in alternating short
rounds and each figure is the median round; ratios between figures of one run are what
to read, not the absolute numbers.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Callable

import numpy as np

from leafdream.model.gibbs import GibbsChains
from leafdream.model.kernels import RandomKeys, sample_layer, warm_up
from leafdream.model.modelfile import load_model
from leafdream.training.trainer import RBMTrainer, RBMTrainingConfig
from leafdream.model.rbm import RBM

CHAINS = 64


def _round_time(step: Callable[[], None], repeats: int) -> float:
    started = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - started) / repeats


def race(contenders: dict[str, Callable[[], None]], seconds: float, rounds: int = 7) -> dict[str, float]:
    """Median seconds per call of each contender, measured in alternating rounds."""
    repeats = {}
    for name, step in contenders.items():
        step()  # warm caches and any lazy compilation
        once = max(_round_time(step, 1), 1e-6)
        repeats[name] = max(1, int(seconds / rounds / once))
    samples = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, step in contenders.items():
            samples[name].append(_round_time(step, repeats[name]))
    return {name: float(np.median(values)) for name, values in samples.items()}


def gibbs_contenders(rbm: RBM, chains: int = CHAINS) -> dict[str, Callable[[], None]]:
    """One full Gibbs step v -> h -> v at ``chains`` chains, by every implementation compared."""
    from sklearn.neural_network import BernoulliRBM
    from sklearn.utils import check_random_state

    rng = np.random.default_rng(0)
    weights, visible_bias, hidden_bias = rbm.weights, rbm.visible_bias, rbm.hidden_bias
    n_visible, n_hidden = weights.shape
    start = (rng.random((chains, n_visible), dtype=np.float32) < 0.3).astype(np.float32)

    fused_v, fused_h = start.copy(), np.zeros((chains, n_hidden), np.float32)
    pre_h, pre_v = np.empty_like(fused_h), np.empty_like(fused_v)
    keys = RandomKeys(1)

    def fused_dense():
        sample_layer(fused_v, weights, hidden_bias, 1.0, keys, out_samples=fused_h, pre_buffer=pre_h)
        sample_layer(fused_h, weights.T, visible_bias, 1.0, keys, out_samples=fused_v, pre_buffer=pre_v)

    incremental = GibbsChains(rbm, start, RandomKeys(6))

    def ours():
        incremental.run(1)

    dense_v, dense_h = start.copy(), (rng.random((chains, n_hidden), dtype=np.float32) < 0.5).astype(np.float32)
    dense_pre_h, dense_pre_v = np.empty_like(dense_h), np.empty_like(dense_v)

    def dense_limit():
        np.matmul(dense_v, weights, out=dense_pre_h)
        np.matmul(dense_h, weights.T, out=dense_pre_v)

    numpy_state = {"v": start.copy()}
    numpy_rng = np.random.default_rng(2)

    def numpy_step():
        v = numpy_state["v"]
        p_h = 1.0 / (1.0 + np.exp(-(v @ weights + hidden_bias)))
        h = (numpy_rng.random(p_h.shape, dtype=np.float32) < p_h).astype(np.float32)
        p_v = 1.0 / (1.0 + np.exp(-(h @ weights.T + visible_bias)))
        numpy_state["v"] = (numpy_rng.random(p_v.shape, dtype=np.float32) < p_v).astype(np.float32)

    def sklearn_step(dtype):
        model = BernoulliRBM(n_components=n_hidden)
        model.components_ = np.ascontiguousarray(weights.T, dtype=dtype)
        model.intercept_hidden_ = hidden_bias.astype(dtype)
        model.intercept_visible_ = visible_bias.astype(dtype)
        model.random_state_ = check_random_state(3)
        state = {"v": start.astype(dtype)}

        def step():
            state["v"] = model.gibbs(state["v"]).astype(dtype)

        return step

    return {
        "dense_limit": dense_limit,
        "ours": ours,
        "fused_dense": fused_dense,
        "numpy": numpy_step,
        "sklearn32": sklearn_step(np.float32),
        "sklearn64": sklearn_step(np.float64),
    }


def training_contenders(n_visible: int, n_hidden: int, samples: int = 500, batch: int = 10):
    """One epoch of k=1 training over ``samples`` random leaves-like vectors, ours vs sklearn's fit."""
    from sklearn.neural_network import BernoulliRBM

    rng = np.random.default_rng(4)
    data = (rng.random((samples, n_visible), dtype=np.float32) < 0.3).astype(np.float32)
    config = RBMTrainingConfig(epochs=1, batch_size=batch, method="pcd", gibbs_steps=1, persistent_chains=batch)
    rbm = RBM.initial(n_visible, n_hidden, data.mean(axis=0), rng)
    trainer = RBMTrainer(rbm, config, data.mean(axis=0), seed=5)

    def ours():
        for start in range(0, samples, batch):
            trainer.step(data[start:start + batch], 0.01, 0.9)

    def sklearn_fit(dtype):
        typed = data.astype(dtype)  # fit keeps float32 input as float32; float64 is what it is given by default

        def fit():
            BernoulliRBM(n_components=n_hidden, batch_size=batch, n_iter=1, learning_rate=0.01, random_state=0).fit(typed)
        return fit

    return {"ours": ours, "sklearn": sklearn_fit(np.float32), "sklearn64": sklearn_fit(np.float64)}, samples


TRAIN_BATCHES = (10, CHAINS)  # sklearn's default batch, and the benchmark's 64 chains
RECIPE_BATCH = 100            # the batch the shipped model's recipe trains with


def training_figures(shape, seconds: float) -> dict:
    """One epoch of CD/PCD-1 training, samples/s: ours and sklearn's fit (float32 and float64 input) at each
    batch of TRAIN_BATCHES (same batch, same Gibbs steps), and ours at RECIPE_BATCH."""
    figures = {"train_gibbs_steps": 1, "train_batch_sizes": list(TRAIN_BATCHES)}
    for batch in TRAIN_BATCHES:
        contenders, samples = training_contenders(*shape, samples=max(500, 8 * batch), batch=batch)
        times = race(contenders, seconds * 2, rounds=3)
        for name, key in (("ours", "train"), ("sklearn", "sklearn_train"), ("sklearn64", "sklearn64_train")):
            figures[f"{key}_samples_per_s_batch_{batch}"] = samples / times[name]
        figures[f"train_vs_sklearn_batch_{batch}"] = times["sklearn"] / times["ours"]
        figures[f"train_vs_sklearn64_batch_{batch}"] = times["sklearn64"] / times["ours"]
    ours, samples = training_contenders(*shape, samples=10 * RECIPE_BATCH, batch=RECIPE_BATCH)
    recipe = samples / race({"ours": ours["ours"]}, seconds * 2, rounds=3)["ours"]
    figures[f"train_samples_per_s_batch_{RECIPE_BATCH}"] = recipe
    default = TRAIN_BATCHES[0]
    figures["train_recipe_vs_sklearn_default"] = recipe / figures[f"sklearn_train_samples_per_s_batch_{default}"]
    figures["train_recipe_vs_sklearn64_default"] = recipe / figures[f"sklearn64_train_samples_per_s_batch_{default}"]
    return figures


def recipe_step_contenders(n_visible: int, n_hidden: int, config: RBMTrainingConfig, seed: int = 6):
    """One training step of a recipe layer (its shape, batch, method and Gibbs steps): ours, and the bare
    float32 matmuls that step cannot do without, into preallocated outputs.

    The matmuls: the batch's hidden probabilities v·W (CD's negative phase starts from the states sampled
    there); per Gibbs step of the negative phase h·Wᵀ and v·W over its chains (the batch for CD, the
    persistent chains for PCD, which start from visible states and so need one v·W more); the gradient, one
    (V, B + M) x (B + M, H) product of the stacked positive and negative statistics. Everything else a step
    does (sigmoids, random numbers, the weight update) is what keeps ours below this limit.
    """
    rng = np.random.default_rng(seed)
    batch_size = config.batch_size
    # Leaf-like binary input for every layer: what a step costs does not depend on the values it is given.
    batch = (rng.random((batch_size, n_visible), dtype=np.float32) < 0.3).astype(np.float32)
    rbm = RBM.initial(n_visible, n_hidden, batch.mean(axis=0), rng)
    trainer = RBMTrainer(rbm, RBMTrainingConfig(**{**vars(config), "epochs": 1}), batch.mean(axis=0), seed)
    chains = batch_size if config.method == "cd" else config.persistent_chains
    weights, weights_t = rbm.weights, np.ascontiguousarray(rbm.weights.T)
    # The matmuls read fixed inputs and write elsewhere: fed its own outputs, a chain of bare matmuls
    # shrinks its values into subnormals, where BLAS runs up to 30x slower (a limit of 98 ms one second
    # and 3.5 ms the next), and the share would measure the values' history, not the step.
    chain_v = rng.random((chains, n_visible), dtype=np.float32)
    chain_h = rng.random((chains, n_hidden), dtype=np.float32)
    chain_v_out, chain_h_out = np.empty_like(chain_v), np.empty_like(chain_h)
    batch_h = np.empty((batch_size, n_hidden), np.float32)
    stacked_v = rng.random((n_visible, batch_size + chains), dtype=np.float32)
    stacked_h = rng.random((batch_size + chains, n_hidden), dtype=np.float32)
    gradient = np.empty((n_visible, n_hidden), np.float32)

    def ours():
        trainer.step(batch, 0.001, 0.9)

    def limit():
        np.matmul(batch, weights, out=batch_h)
        if config.method == "pcd":  # persistent chains start from visible states: one more way up
            np.matmul(chain_v, weights, out=chain_h_out)
        for _ in range(config.gibbs_steps):
            np.matmul(chain_h, weights_t, out=chain_v_out)
            np.matmul(chain_v, weights, out=chain_h_out)
        np.matmul(stacked_v, stacked_h, out=gradient)

    return {"ours": ours, "limit": limit}, batch_size


def recipe_training_figures(layer_sizes: list[int], configs: list[RBMTrainingConfig], seconds: float) -> dict:
    """Training at the recipe's shapes, batches and methods against the machine: samples/s of each layer's step,
    ours and its bare matmuls, and of the whole recipe (each layer weighted by its epochs)."""
    figures = {"train_recipe_layers": []}
    ours_time = limit_time = 0.0
    epochs = 0
    for depth, config in enumerate(configs, start=1):
        n_visible, n_hidden = layer_sizes[depth - 1], layer_sizes[depth]
        contenders, batch = recipe_step_contenders(n_visible, n_hidden, config)
        times = race(contenders, seconds, rounds=5)
        ours, limit = batch / times["ours"], batch / times["limit"]
        figures["train_recipe_layers"].append({
            "layer": depth, "shape": [n_visible, n_hidden], "method": config.method, "gibbs_steps": config.gibbs_steps,
            "batch": batch, "epochs": config.epochs, "samples_per_s": ours, "limit_samples_per_s": limit,
            "share_of_limit": ours / limit})
        ours_time += config.epochs / ours
        limit_time += config.epochs / limit
        epochs += config.epochs
    figures["train_samples_per_s"] = epochs / ours_time
    figures["train_limit_samples_per_s"] = epochs / limit_time
    figures["train_share_of_limit"] = limit_time / ours_time
    return figures


def warm_start_seconds(model_path) -> float:
    """Seconds from a fresh interpreter to the first dream image, with the kernel cache present."""
    code = (
        "import time; t=time.perf_counter()\n"
        "from leafdream.model.modelfile import load_model\n"
        "from leafdream.model.kernels import warm_up\n"
        "from leafdream.model.dreaming import DreamChains\n"
        f"m=load_model({str(model_path)!r}); warm_up()\n"
        "d=DreamChains(m.dbn, 4, 0); d.advance(1); d.images()\n"
        "print(time.perf_counter()-t)\n"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # fills the cache if cold
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def recipe_configs(model) -> list[RBMTrainingConfig]:
    """How each layer of ``model`` was trained (from its metadata), else the shipped recipe's."""
    from leafdream.training.pipeline import default_layer_configs

    recorded = model.metadata.get("training", {}).get("layers") if isinstance(model.metadata, dict) else None
    known = set(RBMTrainingConfig.__dataclass_fields__)
    if isinstance(recorded, list) and len(recorded) == model.dbn.depth and all(isinstance(c, dict) for c in recorded):
        try:
            return [RBMTrainingConfig(**{k: v for k, v in c.items() if k in known}) for c in recorded]
        except TypeError:
            pass
    recipe = default_layer_configs()
    return [recipe[min(i, len(recipe) - 1)] for i in range(model.dbn.depth)]


def run_bench(model_path, seconds: float = 1.5) -> dict:
    warm_up()
    model = load_model(model_path)
    pixel_rbm = model.dbn.layers[0]
    shape = list(pixel_rbm.weights.shape)
    gibbs = race(gibbs_contenders(pixel_rbm), seconds)
    rate = {name: CHAINS / t for name, t in gibbs.items()}
    training = training_figures(shape, seconds)
    training.update(recipe_training_figures(model.dbn.layer_sizes, recipe_configs(model), seconds))
    figures = {
        "shape": shape,
        "chains": CHAINS,
        "gibbs_chain_steps_per_s": rate["ours"],
        "dense_limit_chain_steps_per_s": rate["dense_limit"],
        "numpy_gibbs_chain_steps_per_s": rate["numpy"],
        "sklearn_gibbs_chain_steps_per_s": rate["sklearn32"],
        "sklearn64_gibbs_chain_steps_per_s": rate["sklearn64"],
        "fused_dense_gibbs_chain_steps_per_s": rate["fused_dense"],
        "gibbs_share_of_dense_limit": rate["ours"] / rate["dense_limit"],
        "fused_dense_share_of_dense_limit": rate["fused_dense"] / rate["dense_limit"],
        "gibbs_vs_numpy": rate["ours"] / rate["numpy"],
        "gibbs_vs_sklearn": rate["ours"] / rate["sklearn32"],
        "gibbs_vs_sklearn64": rate["ours"] / rate["sklearn64"],
        **training,
        "warm_start_to_first_sample_s": warm_start_seconds(model_path),
    }
    return figures


def run_render_bench(model_path, show: str = "default", seconds: float = 60.0, size=(1920, 1080), fps: int = 60,
                     seed: int = 0) -> dict:
    """Work time per frame of the show at ``size``, with the frame governor on and off, and memory; the
    outlines' width and staircase in the show's first 5 s and in each scene (``measure/picture.py``)."""
    import os

    import psutil

    from leafdream.render.loop import render_frames
    from leafdream.show.build import make_player
    from leafdream.render.governor import FrameGovernor

    from leafdream.render.compositor import warm_up as warm_up_drawing

    warm_up_drawing()  # compiled before the frames are timed, as the live start does behind its splash
    process = psutil.Process()
    rss_start = 0
    player = make_player(model_path, show, size, seed)
    off, _ = render_frames(player, seconds, fps, None)

    def note_memory(index, frame):
        nonlocal rss_start
        if index == min(5 * fps, int(round(seconds * fps)) - 1):
            rss_start = process.memory_info().rss  # after the first 5 s: caches and buffers are in place

    player = make_player(model_path, show, size, seed)
    on, efforts = render_frames(player, seconds, fps, None, FrameGovernor(fps), note_memory)
    rss_end = process.memory_info().rss
    from leafdream.measure.picture import scene_survey, show_start_figures

    start = show_start_figures(make_player(model_path, show, size, seed), 5.0, fps)
    scenes = scene_survey(player.context, size, "crisp", seed)
    code = (
        "import os, time, sys; os.environ.setdefault('SDL_VIDEODRIVER', 'dummy'); t=time.perf_counter()\n"
        "from leafdream.commands.cli import main\n"
        f"main(['run', '--windowed', '--headless', '--frames', '1', '--model', {str(model_path)!r}])\n"
        "print(time.perf_counter()-t)\n"
    )
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)
    starts = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)
        starts.append(time.perf_counter() - started)
    return {
        "render_show": show,
        "render_size": list(size),
        "render_fps": fps,
        "render_seconds": seconds,
        "render_p50_ms_governor_on": float(np.percentile(on, 50) * 1e3),
        "render_p99_ms_governor_on": float(np.percentile(on, 99) * 1e3),
        "render_p50_ms_governor_off": float(np.percentile(off, 50) * 1e3),
        "render_p99_ms_governor_off": float(np.percentile(off, 99) * 1e3),
        "render_frame_budget_ms": 1e3 / fps,
        "render_mean_effort": float(efforts.mean()),
        "render_rss_start_mb": rss_start / 1e6,
        "render_rss_end_mb": rss_end / 1e6,
        "warm_start_to_first_frame_s": float(np.median(starts)),
        "render_edge_width_px": start["edge_width_px"],
        "render_staircase": start["staircase"],
        "render_scene_outlines": scenes,
    }
