"""A procedural leaf generator: parametric outlines with per-leaf variation.

Tests and a data-less install need leaves to learn from without the real data set. Each
``Species`` is a recipe for an outline in polar form around the leaf's centre,

    r(t) = blade(t) * (1 + lobe_depth * lobe(t)) * (1 + teeth(t)),

plus a stem (petiole). Every leaf draws its own small variations of the recipe and its
own rotation, size and position, and is drawn white-on-black like ``leaves100``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Species:
    """A leaf recipe. Lengths are relative to the blade length (1.0)."""

    name: str
    width: float          # blade width / length
    tip: float            # > 1 sharpens the tip, < 1 rounds it
    base: float           # > 1 narrows the base, < 1 makes it heart-shaped
    lobes: int = 0        # number of lobes round the outline (0 = entire margin)
    lobe_depth: float = 0.0
    teeth: int = 0        # number of small teeth round the margin
    teeth_depth: float = 0.0
    stem: float = 0.15    # petiole length


SPECIES = (
    Species("ovata", width=0.55, tip=1.2, base=1.0, teeth=0),
    Species("lanceolata", width=0.25, tip=1.6, base=1.3, teeth=0, stem=0.1),
    Species("palmata", width=0.95, tip=1.0, base=0.8, lobes=5, lobe_depth=0.45, stem=0.25),
    Species("cordata", width=0.8, tip=1.5, base=0.5, teeth=40, teeth_depth=0.025),
    Species("quercoides", width=0.5, tip=0.9, base=1.1, lobes=12, lobe_depth=0.25, stem=0.08),
    Species("rotunda", width=0.95, tip=0.8, base=0.9, teeth=24, teeth_depth=0.04, stem=0.2),
)


def outline(species: Species, rng: np.random.Generator, points: int = 720) -> np.ndarray:
    """Outline of one leaf in its own frame: float64 (points, 2), blade from y=-0.5 (tip) to 0.5."""
    width = species.width * rng.uniform(0.85, 1.15)
    tip = species.tip * rng.uniform(0.9, 1.1)
    base = species.base * rng.uniform(0.9, 1.1)
    depth = species.lobe_depth * rng.uniform(0.8, 1.2)
    phase = rng.uniform(-0.15, 0.15)
    t = np.linspace(0, 2 * np.pi, points, endpoint=False)
    # A superellipse-like blade whose upper half (tip) and lower half (base) differ.
    y = -0.5 * np.cos(t)
    upper = y < 0
    exponent = np.where(upper, tip, base)
    half_width = 0.5 * width * np.abs(np.sin(t)) ** exponent
    x = np.sign(np.sin(t)) * half_width
    radius = np.hypot(x, y)
    angle = np.arctan2(y, x)
    if species.lobes:
        lobe = np.cos(species.lobes * (t + phase) / 2) ** 2
        radius = radius * (1 - depth + depth * lobe * 1.3)
    if species.teeth:
        saw = (species.teeth * t / (2 * np.pi)) % 1.0
        radius = radius * (1 + species.teeth_depth * rng.uniform(0.8, 1.2) * (saw - 0.5))
    radius = radius * (1 + 0.03 * np.sin(2 * t + rng.uniform(0, 2 * np.pi)))
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)


def draw_leaf(species: Species, rng: np.random.Generator, size: int = 128, pose_jitter: bool = True) -> np.ndarray:
    """One leaf mask, uint8 (size, size), leaf = 255 on 0, randomly rotated, scaled and placed."""
    shape = outline(species, rng)
    stem_length = species.stem * rng.uniform(0.7, 1.3)
    angle = rng.uniform(0, 2 * np.pi) if pose_jitter else 0.0
    scale = size * (rng.uniform(0.55, 0.75) if pose_jitter else 0.65)
    centre = np.array([size / 2, size / 2]) + (rng.uniform(-0.08, 0.08, 2) * size if pose_jitter else 0)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    blade = (shape @ rotation.T) * scale + centre
    stem = np.array([[0, 0.45], [0, 0.5 + stem_length]]) @ rotation.T * scale + centre
    canvas = np.zeros((size, size), np.uint8)
    shift = 4  # sub-pixel precision for smooth outlines
    cv2.fillPoly(canvas, [np.round(blade * (1 << shift)).astype(np.int32)], 255, cv2.LINE_AA, shift)
    thickness = max(1, int(round(size / 90)))
    cv2.line(canvas, *[tuple(np.round(p * (1 << shift)).astype(int)) for p in stem], 255, thickness, cv2.LINE_AA, shift)
    return canvas


def generate_leaves(per_species: int = 16, size: int = 128, seed: int = 0,
                    species: tuple[Species, ...] = SPECIES) -> tuple[list[np.ndarray], list[str]]:
    """``per_species`` leaves of each species: (list of uint8 (size, size) masks, list of species names)."""
    rng = np.random.default_rng(seed)
    masks, names = [], []
    for recipe in species:
        for _ in range(per_species):
            masks.append(draw_leaf(recipe, rng, size))
            names.append(recipe.name)
    return masks, names


def write_leaf_folder(root: str | Path, per_species: int = 16, size: int = 128, seed: int = 0,
                      species: tuple[Species, ...] = SPECIES) -> Path:
    """Write generated leaves as ``root/<species>/<nn>.png`` (the ``leaves100`` layout, no manifest)."""
    root = Path(root)
    masks, names = generate_leaves(per_species, size, seed, species)
    counters: dict[str, int] = {}
    for mask, name in zip(masks, names):
        counters[name] = counters.get(name, 0) + 1
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(mask).save(folder / f"{counters[name]:02d}.png")
    return root
