"""Made-up camera frames for tests and rehearsal: a leaf held in front of a backdrop by a hand.

Generated leaves (any of the procedural species) in leaf colours — green, yellow, red or
brown, with veins and mottling — on a plain backdrop with a light gradient, a skin-coloured
hand-shaped occluder over part of the leaf, a lighting change and camera noise. Every frame
comes with its truth: the whole leaf mask and the hand mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from leafdream.data.occluders import hand_mask
from leafdream.data.procedural import SPECIES, draw_leaf

LEAF_COLOURS = {  # BGR
    "green": (40, 140, 50), "yellow": (40, 200, 220), "red": (40, 40, 170), "brown": (40, 80, 120),
}
BACKDROPS = [(235, 235, 235), (200, 205, 210), (60, 60, 65), (180, 200, 220)]
SKIN = [(120, 150, 210), (90, 120, 180), (60, 90, 140), (150, 180, 230)]


@dataclass
class Composite:
    frame: np.ndarray   # uint8 (H, W, 3) BGR
    leaf: np.ndarray    # bool (H, W): the whole leaf, hidden parts included
    hand: np.ndarray    # bool (H, W)
    background: np.ndarray  # uint8 (H, W, 3): the same scene without leaf and hand


def backdrop(shape, rng, colour=None, light: float = 1.0) -> np.ndarray:
    height, width = shape
    base = np.array(colour if colour is not None else BACKDROPS[rng.integers(len(BACKDROPS))], np.float32)
    ramp = np.linspace(0.9, 1.1, width, dtype=np.float32)[None, :, None]
    image = np.broadcast_to(base, (height, width, 3)) * ramp * light
    return np.clip(image, 0, 255).astype(np.uint8)


def _tight(mask: np.ndarray) -> np.ndarray:
    """float32: ``mask`` cropped to the bounding box of its leaf pixels (> 0.5)."""
    ys, xs = np.nonzero(mask > 0.5)
    return mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32)


def place_leaf(mask: np.ndarray, shape, rng: np.random.Generator, fill: float = 0.85) -> np.ndarray:
    """bool (H, W): a leaf mask (float32 (h, w), leaf = 1) turned by a random angle and scaled so
    its longer side spans ``fill`` of the frame's shorter side, centred with a little jitter."""
    height, width = shape
    crop = _tight(mask)
    pad = int(max(crop.shape) * 0.3)
    crop = cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0.0)
    centre = (crop.shape[1] / 2, crop.shape[0] / 2)
    turn = cv2.getRotationMatrix2D(centre, float(rng.uniform(-180, 180)), 1.0)
    turned = _tight((cv2.warpAffine(crop, turn, (crop.shape[1], crop.shape[0]), flags=cv2.INTER_LINEAR) > 0.5)
                    .astype(np.float32))
    scale = fill * min(height, width) / max(turned.shape)
    resized = cv2.resize(turned, (max(1, int(turned.shape[1] * scale)), max(1, int(turned.shape[0] * scale))),
                         interpolation=cv2.INTER_LINEAR) > 0.5
    leaf = np.zeros(shape, bool)
    top = (height - resized.shape[0]) // 2 + int(rng.integers(-height // 40, height // 40 + 1))
    left = (width - resized.shape[1]) // 2 + int(rng.integers(-width // 40, width // 40 + 1))
    top, left = int(np.clip(top, 0, height - resized.shape[0])), int(np.clip(left, 0, width - resized.shape[1]))
    leaf[top:top + resized.shape[0], left:left + resized.shape[1]] = resized
    return leaf


def composite(rng: np.random.Generator, shape=(240, 320), colour: str | None = None, hidden: bool = True,
              backdrop_colour=None, light: float = 1.0, noise: float = 4.0,
              leaf_mask: np.ndarray | None = None) -> Composite:
    """One frame; the leaf is ``leaf_mask`` (float32 (h, w), e.g. a real leaf) placed by ``place_leaf``,
    or a new procedural leaf when None."""
    height, width = shape
    ground = backdrop(shape, rng, backdrop_colour, light)
    if leaf_mask is not None:
        leaf = place_leaf(leaf_mask, shape, rng)
    else:
        side = int(min(height, width) * 0.9)
        leaf_small = draw_leaf(SPECIES[rng.integers(len(SPECIES))], rng, side) > 127
        leaf = np.zeros(shape, bool)
        top, left = (height - side) // 2, (width - side) // 2
        leaf[top:top + side, left:left + side] = leaf_small
    tone = np.array(LEAF_COLOURS[colour or list(LEAF_COLOURS)[rng.integers(len(LEAF_COLOURS))]], np.float32)
    mottling = cv2.GaussianBlur(rng.normal(0, 1, shape).astype(np.float32), (0, 0), 6)[..., None] * 12
    picture = ground.astype(np.float32)
    picture[leaf] = np.clip(tone * light + mottling[leaf], 0, 255)
    hand = hand_mask(shape, rng) & (hidden is True) if hidden else np.zeros(shape, bool)
    skin = np.array(SKIN[rng.integers(len(SKIN))], np.float32) * light
    picture[hand] = skin
    picture += rng.normal(0, noise, picture.shape)
    frame = cv2.GaussianBlur(np.clip(picture, 0, 255).astype(np.uint8), (3, 3), 0)
    return Composite(frame=frame, leaf=leaf, hand=hand, background=ground)
