"""``leafdream eval``: how well the model completes hidden leaf parts and how well it dreams.

Inpainting: every held-out leaf (the split recorded in the model) gets blob-shaped hidden
regions covering a quarter of the leaf; the error is the share of hidden pixels whose
leaf/background call (at 0.5) is wrong, at the leaf image's own resolution. The network,
OpenCV's Telea inpainting and a nearest-training-leaf completion (same pose, sharpening
and blending as the network, only the filler differs) are measured in one run.

Reconstructions: every held-out leaf, whole, through the pixel layer and through the whole
stack and back, sent to the leaf image's own pixels the way completions are; its outline
against the true one as a boundary F-score (tolerance 2 px of a 256-px image).

Dreams: chains from random starts in the top RBM; after burn-in every frame is matched
to its nearest training leaf (IoU of the binarised masks). Close to some leaf, not a copy
of one, and the nearest leaf's species changing over time is what a good dream does.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from leafdream.model.completion import complete, nearest_leaf_filler, network_filler, sharpen_edge, telea_completion
from leafdream.data.dataset import normalised_leaves
from leafdream.data.normalise import normalise, warp_to_image
from leafdream.measure.outline import boundary_f_score
from leafdream.leafspace.space import mirrored
from leafdream.model.dreaming import DreamChains
from leafdream.model.kernels import RandomKeys
from leafdream.data.leaves import LeafSet
from leafdream.model.modelfile import Model
from leafdream.data.occluders import blob_mask

HIDDEN_SHARE = 0.25
BOUNDARY_TOLERANCE_AT_256 = 2.0


def boundary_tolerance(shape: tuple[int, ...]) -> float:
    """BOUNDARY_TOLERANCE_AT_256 scaled to an image of ``shape`` (its long side)."""
    return BOUNDARY_TOLERANCE_AT_256 * max(shape[:2]) / 256.0


def mirrored_library(images: np.ndarray) -> np.ndarray:
    """float32 (2N, V): the images and their left-right mirror images."""
    return np.concatenate([images, mirrored(images)])


def inpainting_figures(model: Model, leafset: LeafSet, train_index, held_index, seed: int,
                       limit: int | None = None) -> dict:
    rng = np.random.default_rng(seed)
    size = model.size
    library = mirrored_library(normalised_leaves(leafset, size, train_index))
    keys = RandomKeys(seed)
    network, nearest = network_filler(model, keys), nearest_leaf_filler(library)
    chosen = held_index[:limit] if limit else held_index
    errors = {"network": [], "telea": [], "nearest_leaf": []}
    outlines = {"network": [], "telea": [], "nearest_leaf": []}
    started = time.perf_counter()
    for index in chosen:
        leaf = leafset.masks[index]
        truth = leaf > 0.5
        hidden = blob_mask(leaf, HIDDEN_SHARE, rng)
        visible = np.where(hidden, 0, leaf).astype(np.float32)
        telea = telea_completion(visible, hidden)
        ours = complete(leaf * ~hidden, hidden, size, network).probability
        near = complete(leaf * ~hidden, hidden, size, nearest).probability
        for name, result in (("network", ours), ("telea", telea), ("nearest_leaf", near)):
            errors[name].append(float(np.mean((result[hidden] > 0.5) != truth[hidden])))
            outlines[name].append(boundary_f_score(result > 0.5, truth, boundary_tolerance(truth.shape)))
    seconds = time.perf_counter() - started
    means = {name: float(np.mean(values)) for name, values in errors.items()}
    boundary = {f"inpaint_boundary_f_{name}": float(np.mean(values)) for name, values in outlines.items()}
    return {
        "inpaint_leaves": int(len(chosen)),
        "inpaint_hidden_share": HIDDEN_SHARE,
        "inpaint_error_network": means["network"],
        "inpaint_error_telea": means["telea"],
        "inpaint_error_nearest_leaf": means["nearest_leaf"],
        "inpaint_network_vs_telea": means["network"] / max(means["telea"], 1e-9),
        "inpaint_network_vs_nearest_leaf": means["network"] / max(means["nearest_leaf"], 1e-9),
        "inpaint_network_better_than_telea_share": float(np.mean(np.array(errors["network"]) < np.array(errors["telea"]))),
        "inpaint_seconds_per_leaf": seconds / max(len(chosen), 1),
        **boundary,
    }


def reconstruction_figures(model: Model, leafset: LeafSet, held_index, limit: int | None = None) -> dict:
    """Boundary F-score of held-out leaves reconstructed through the pixel layer and the whole stack."""
    chosen = held_index[:limit] if limit else held_index
    depths = {"pixel_layer": 1, "whole_stack": model.dbn.depth}
    scores = {name: [] for name in depths}
    for index in chosen:
        leaf = leafset.masks[index]
        truth = leaf > 0.5
        image, pose = normalise(leaf, model.size)
        for name, depth in depths.items():
            back = model.dbn.reconstruct(image.reshape(1, -1), depth).reshape(model.size, model.size)
            photo = sharpen_edge(warp_to_image(back, pose, leaf.shape), pose)
            scores[name].append(boundary_f_score(photo > 0.5, truth, boundary_tolerance(leaf.shape)))
    return {"reconstruction_leaves": int(len(chosen)),
            **{f"reconstruction_boundary_f_{name}": float(np.mean(values)) for name, values in scores.items()}}


def iou_to_library(images: np.ndarray, library: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best IoU of each binarised image (B, V) against binarised library (N, V): (best IoU (B,), index (B,))."""
    a = (images > 0.5).astype(np.float32)
    b = (library > 0.5).astype(np.float32)
    intersection = a @ b.T
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - intersection
    iou = intersection / np.maximum(union, 1)
    best = iou.argmax(axis=1)
    return iou[np.arange(len(a)), best], best


LOBED_SOLIDITY = 0.85  # a leaf whose area is below this share of its convex hull is lobed (oak, maple)


def solidity(image: np.ndarray) -> float:
    """Area of the largest leaf outline in ``image`` (float (size, size), leaf > 0.5) over its convex hull's."""
    contours, _ = cv2.findContours((image > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return float("nan")
    outline = max(contours, key=cv2.contourArea)
    return float(cv2.contourArea(outline) / max(cv2.contourArea(cv2.convexHull(outline)), 1.0))


# Dream chains eval watches: the lobed share of one chain's frames wanders (0.07-0.62 over 8 chains of 10 000
# steps), so 8 chains left the share's standard error at 0.04-0.05, as wide as the 5 points it is judged by
DREAM_CHAINS = 32


def dream_figures(model: Model, leafset: LeafSet, train_index, seed: int, steps: int = 20000,
                  chains: int = DREAM_CHAINS,
                  record_every: int = 100, burn_in: int = 1000, beta: float = 1.0,
                  ladder: tuple[float, ...] = (1.0,), codes: np.ndarray | None = None) -> dict:
    """The dream as the dream scene starts it: from the training leaves' top ``codes`` float32 (N, n_top) (the
    leaf space's), or from random states when the model has no map (None). ``dream_share_lobed_error``: the
    standard error of the lobed share, from how much the chains' own shares differ."""
    size = model.size
    images = normalised_leaves(leafset, size, train_index)
    library = mirrored_library(images)
    species = np.array(leafset.species)[np.concatenate([train_index, train_index])]
    dream = DreamChains(model.dbn, chains, seed, ladder=ladder, codes=codes)
    dream.advance(burn_in, beta)
    best_iou, visited, frames, solidities = [], [set() for _ in range(chains)], 0, []
    switches = np.zeros(chains, int)
    last = [None] * chains
    started = time.perf_counter()
    for _ in range(steps // record_every):
        dream.advance(record_every, beta)
        pictures = dream.images().reshape(chains, -1)
        iou, nearest = iou_to_library(pictures, library)
        best_iou.extend(iou.tolist())
        solidities.append([solidity(picture.reshape(size, size)) for picture in pictures])
        for chain in range(chains):
            name = species[nearest[chain]]
            visited[chain].add(name)
            switches[chain] += last[chain] is not None and name != last[chain]
            last[chain] = name
        frames += 1
    seconds = time.perf_counter() - started
    best_iou = np.array(best_iou)
    lobed_per_chain = (np.array(solidities).reshape(-1, chains) < LOBED_SOLIDITY).mean(axis=0)
    return {
        "dream_chains": chains,
        "dream_steps_per_chain": steps,
        "dream_beta": beta,
        "dream_ladder": list(ladder),
        "dream_swap_acceptance": dream.swaps_taken / max(dream.swaps_tried, 1),
        "dream_median_nearest_leaf_iou": float(np.median(best_iou)),
        "dream_share_close_to_a_leaf_iou_0_8": float(np.mean(best_iou >= 0.8)),
        "dream_share_copies_iou_0_97": float(np.mean(best_iou >= 0.97)),
        "dream_species_visited_per_chain_mean": float(np.mean([len(v) for v in visited])),
        "dream_species_visited_all_chains": int(len(set().union(*visited))),
        "dream_species_changes_per_chain_mean": float(switches.mean()),
        "dream_frames_per_chain": frames,
        "dream_gibbs_steps_per_s": chains * steps / seconds,
        # Lobed leaves are the first thing a weakly trained top layer stops dreaming (round blades are easier).
        "dream_share_lobed": float(lobed_per_chain.mean()),
        "dream_share_lobed_error": float(lobed_per_chain.std(ddof=1) / np.sqrt(chains)) if chains > 1 else float("nan"),
        "training_share_lobed": float(np.mean([solidity(image.reshape(size, size)) < LOBED_SOLIDITY for image in images])),
    }
