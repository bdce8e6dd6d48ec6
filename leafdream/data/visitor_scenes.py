"""Made-up gallery scenes for tests and benchmarks: a visitor holding a leaf up to the camera.

What a gallery camera sees, as varied as this generator can make it, each part with its truth:

* a backdrop — plain, a gradient or a texture (stripes, checks, blotches), in any colour,
  red, maroon, brown and green included;
* the visitor's torso behind the leaf, in clothes of any colour (green and skin-like included)
  with folds, and sometimes none (the visitor stands aside);
* an arm reaching in from a frame edge — a sleeve for part of its length, then bare forearm —
  and a hand whose palm and fingers lie over the leaf; skin of Fitzpatrick type I to VI with
  shading, texture and the pink or olive cast skin has;
* a leaf (procedural or a given mask) in green, yellow, orange, red, brown or variegated, with
  mottling and veins;
* uneven light: a directional gradient, a vignette and a colour cast, a slight change of light
  between the empty scene and the visitor's frame, camera noise and blur.

These are for tests, not for proof: held-out real photographs decide whether the segmentation
works. The point of the variety is that nothing can be tuned to one colour of anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from leafdream.data.tones import LEAF_TONES, SKIN_TONES
from leafdream.data.procedural import SPECIES, draw_leaf
from leafdream.data.synthetic_frames import place_leaf

SKIN_GROUPS = tuple(SKIN_TONES)
LEAF_COLOURS = tuple(LEAF_TONES)
# clothes and backdrops: every hue, light and dark, skin-like and leaf-like included (sRGB)
COLOURS = [
    (235, 235, 230), (30, 30, 32), (128, 128, 128), (200, 40, 40), (110, 20, 30), (120, 75, 45), (200, 160, 120),
    (230, 190, 160), (40, 120, 50), (90, 140, 60), (40, 70, 160), (20, 30, 70), (240, 200, 40), (240, 120, 30),
    (150, 60, 150), (70, 160, 170), (190, 170, 140), (90, 60, 50), (250, 160, 170),
]
BACKDROP_KINDS = ("plain", "gradient", "stripes", "checks", "blotches")


@dataclass
class VisitorScene:
    frame: np.ndarray      # uint8 (H, W, 3) BGR: what the camera sees
    empty: np.ndarray      # uint8 (H, W, 3) BGR: the same scene before the visitor came
    leaf: np.ndarray       # bool (H, W): the whole leaf, hidden parts included
    skin: np.ndarray       # bool (H, W): the visitor's bare hand and arm
    sleeve: np.ndarray     # bool (H, W): the sleeve on the arm
    body: np.ndarray       # bool (H, W): torso and clothes behind the leaf
    skin_group: str
    leaf_colour: str
    hand: np.ndarray | None = None  # bool (H, W): the hand alone (palm, fingers, thumb), as a detector outlines it

    @property
    def occluder(self) -> np.ndarray:
        """bool (H, W): what lies in front of the leaf (hand, arm, sleeve)."""
        return self.skin | self.sleeve

    @property
    def hidden_leaf(self) -> np.ndarray:
        """bool (H, W): the part of the leaf the visitor's hand and arm hide."""
        return self.leaf & self.occluder


def _bgr(rgb) -> np.ndarray:
    return np.array(rgb[::-1], np.float32)


def _smooth_noise(shape, rng, sigma: float) -> np.ndarray:
    """float32 (H, W) zero-mean, unit-ish smooth noise."""
    field = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), sigma)
    return field / (field.std() + 1e-6)


def backdrop(shape, rng, colour=None, kind: str | None = None) -> np.ndarray:
    """float32 (H, W, 3) BGR: a backdrop of ``kind`` (BACKDROP_KINDS) around ``colour`` (sRGB)."""
    height, width = shape
    kind = kind or BACKDROP_KINDS[rng.integers(len(BACKDROP_KINDS))]
    base = _bgr(colour if colour is not None else COLOURS[rng.integers(len(COLOURS))])
    other = _bgr(COLOURS[rng.integers(len(COLOURS))])
    image = np.broadcast_to(base, (height, width, 3)).astype(np.float32).copy()
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    if kind == "gradient":
        u = (xs * np.cos(rng.uniform(0, 6.3)) + ys * np.sin(rng.uniform(0, 6.3))) / max(height, width)
        u = (u - u.min()) / (np.ptp(u) + 1e-6)
        image = base * (1 - u[..., None] * 0.6) + other * (u[..., None] * 0.6)
    elif kind == "stripes":
        period = rng.uniform(0.05, 0.2) * width
        angle = rng.uniform(0, np.pi)
        on = (np.sin((xs * np.cos(angle) + ys * np.sin(angle)) * 2 * np.pi / period) > 0)[..., None]
        image = np.where(on, base, base * 0.55 + other * 0.45)
    elif kind == "checks":
        cell = rng.uniform(0.06, 0.15) * width
        on = (((xs // cell) + (ys // cell)) % 2 == 0)[..., None]
        image = np.where(on, base, base * 0.6 + other * 0.4)
    elif kind == "blotches":
        u = np.clip(_smooth_noise(shape, rng, width * 0.05) * 0.5 + 0.5, 0, 1)[..., None]
        image = base * (1 - u * 0.7) + other * (u * 0.7)
    image += _smooth_noise(shape, rng, 1.2)[..., None] * rng.uniform(2, 8)  # grain of a wall or cloth
    return image


def _light(shape, rng) -> np.ndarray:
    """float32 (H, W, 3): uneven light, a directional gradient, a vignette and a colour cast."""
    height, width = shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    u = ((xs / width - 0.5) * np.cos(angle) + (ys / height - 0.5) * np.sin(angle))
    r2 = (xs / width - 0.5) ** 2 + (ys / height - 0.5) ** 2
    # auto-exposure keeps the brightest parts just below clipping; the light itself may fall off by half
    level = rng.uniform(0.55, 0.9) * (1 + rng.uniform(0.0, 0.35) * u) * (1 - rng.uniform(0, 0.5) * r2)
    cast = np.array([rng.uniform(0.94, 1.06), 1.0, rng.uniform(0.94, 1.06)], np.float32)  # what white balance leaves
    return level[..., None] * cast


def _leaf_picture(leaf: np.ndarray, colour: str, rng) -> np.ndarray:
    """float32 (H, W, 3) BGR colours of a leaf with mottling, veins and (variegated) a pale margin or patches."""
    shape = leaf.shape
    tone = _bgr(LEAF_TONES[colour]) * rng.uniform(0.8, 1.15)
    picture = np.broadcast_to(tone, shape + (3,)).astype(np.float32).copy()
    picture *= (1 + 0.12 * _smooth_noise(shape, rng, 5))[..., None]
    if colour == "variegated":
        inner = cv2.erode(leaf.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
        patches = _smooth_noise(shape, rng, 8) > 0.6
        pale = (leaf & ~inner) | (patches & leaf)
        picture[pale] = _bgr((225, 215, 120)) * rng.uniform(0.85, 1.05)
    ys, xs = np.nonzero(leaf)
    if len(ys):
        centre = np.array([xs.mean(), ys.mean()])
        veins = np.zeros(shape, np.uint8)
        for angle in rng.uniform(0, 2 * np.pi, 7):
            end = centre + np.array([np.cos(angle), np.sin(angle)]) * max(shape) * 0.4
            cv2.line(veins, tuple(int(v) for v in centre), tuple(int(v) for v in end), 1, 1)
        picture[veins.astype(bool) & leaf] *= 1.25
    return picture


def _skin_picture(shape, group: str, rng) -> np.ndarray:
    """float32 (H, W, 3) BGR skin of Fitzpatrick ``group`` with a pink or olive cast, shading and texture."""
    tone = np.array(SKIN_TONES[group], np.float32) * rng.uniform(0.9, 1.08)
    cast = rng.choice([np.array([1.04, 0.96, 0.97]), np.array([0.98, 1.02, 0.96]), np.ones(3)])  # pink, olive, none
    tone = np.clip(tone * cast, 0, 255)[::-1]
    shading = 1 + 0.12 * _smooth_noise(shape, rng, 10) + 0.04 * _smooth_noise(shape, rng, 1.5)
    return tone[None, None, :] * shading[..., None]


def _arm_and_hand(shape, leaf: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(skin, sleeve, hand): bool masks of the bare arm with its hand over the leaf, of the sleeve, and of the
    hand alone (palm, fingers, thumb); the arm reaches in from a frame edge to a palm at the leaf's edge."""
    height, width = shape
    scale = min(height, width)
    ys, xs = np.nonzero(leaf)
    centre = np.array([xs.mean(), ys.mean()])
    edge_side = rng.integers(4)  # 0 bottom, 1 left, 2 right, 3 top (an arm from above is rare, but happens)
    if rng.random() < 0.5:
        edge_side = 0
    along = rng.uniform(0.15, 0.85)
    start = {0: (along * width, height + 5), 1: (-5, along * height), 2: (width + 5, along * height),
             3: (along * width, -5)}[edge_side]
    start = np.array(start, np.float32)
    direction = centre - start
    direction /= np.linalg.norm(direction) + 1e-6
    # the palm sits on the leaf's outline, on the side the arm comes from
    leaf_radius = np.sqrt(leaf.sum() / np.pi)
    palm = centre - direction * leaf_radius * rng.uniform(1.05, 1.4)
    arm_width = int(scale * rng.uniform(0.13, 0.19))
    skin = np.zeros(shape, np.uint8)
    hand = np.zeros(shape, np.uint8)
    sleeve = np.zeros(shape, np.uint8)
    sleeve_share = rng.choice([0.0, rng.uniform(0.2, 0.7)])
    joint = start + (palm - start) * sleeve_share
    cv2.line(skin, tuple(int(v) for v in joint), tuple(int(v) for v in palm), 1, arm_width)
    if sleeve_share > 0:
        cv2.line(sleeve, tuple(int(v) for v in start), tuple(int(v) for v in joint), 1, int(arm_width * 1.25))
    cv2.ellipse(hand, tuple(int(v) for v in palm), (int(arm_width * 0.75), int(arm_width * 0.6)),
                float(np.degrees(np.arctan2(direction[1], direction[0]))), 0, 360, 1, -1)
    side = np.array([-direction[1], direction[0]])
    finger = max(2, int(scale * rng.uniform(0.045, 0.07)))
    for k in range(int(rng.integers(2, 5))):
        offset = (k - 1.5) * finger * 1.2
        base = palm + side * offset + direction * arm_width * 0.4
        length = leaf_radius * rng.uniform(0.45, 0.8)
        bend = side * rng.uniform(-0.2, 0.2)
        tip = base + (direction + bend) * length
        cv2.line(hand, tuple(int(v) for v in base), tuple(int(v) for v in tip), 1, finger)
    thumb = palm - side * arm_width * 0.55 + (direction - side * 0.6) * leaf_radius * 0.25
    cv2.line(hand, tuple(int(v) for v in palm), tuple(int(v) for v in thumb), 1, int(finger * 1.15))
    skin = skin.astype(bool) | hand.astype(bool)
    return skin, sleeve.astype(bool) & ~skin, hand.astype(bool)


def visitor_scene(rng: np.random.Generator, shape=(240, 320), skin_group: str | None = None,
                  leaf_colour: str | None = None, leaf_mask: np.ndarray | None = None, body: bool | None = None,
                  backdrop_colour=None, backdrop_kind: str | None = None, clothes_colour=None,
                  noise: float = 3.0) -> VisitorScene:
    """One visitor's frame and the empty scene before; unset choices are drawn from ``rng``."""
    height, width = shape
    skin_group = skin_group or SKIN_GROUPS[rng.integers(len(SKIN_GROUPS))]
    leaf_colour = leaf_colour or LEAF_COLOURS[rng.integers(len(LEAF_COLOURS))]
    light = _light(shape, rng)
    ground = backdrop(shape, rng, backdrop_colour, backdrop_kind)
    empty = ground * light
    picture = ground.copy()
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    torso = np.zeros(shape, bool)
    if body if body is not None else rng.random() < 0.85:
        cx = width * rng.uniform(0.3, 0.7)
        ax, ay = width * rng.uniform(0.3, 0.5), height * rng.uniform(0.55, 0.85)
        torso = ((xs - cx) / ax) ** 2 + ((ys - height * 1.05) / ay) ** 2 <= 1
        cloth = backdrop(shape, rng, clothes_colour if clothes_colour is not None
                         else COLOURS[rng.integers(len(COLOURS))], rng.choice(["plain", "plain", "stripes", "blotches"]))
        folds = 1 + 0.15 * _smooth_noise(shape, rng, 6)
        picture[torso] = (cloth * folds[..., None])[torso]
    fill = rng.uniform(0.65, 0.9)
    if leaf_mask is not None:
        leaf = place_leaf(leaf_mask, shape, rng, fill=fill)
    else:
        side = int(min(height, width) * fill)
        leaf_small = draw_leaf(SPECIES[rng.integers(len(SPECIES))], rng, side) > 127
        leaf = np.zeros(shape, bool)
        top = (height - side) // 2 + int(rng.integers(-height // 12, height // 12 + 1))
        left = (width - side) // 2 + int(rng.integers(-width // 10, width // 10 + 1))
        top, left = int(np.clip(top, 0, height - side)), int(np.clip(left, 0, width - side))
        leaf[top:top + side, left:left + side] = leaf_small
    picture[leaf] = _leaf_picture(leaf, leaf_colour, rng)[leaf]
    skin, sleeve, hand = _arm_and_hand(shape, leaf, rng)
    sleeve_cloth = backdrop(shape, rng, clothes_colour if clothes_colour is not None
                            else COLOURS[rng.integers(len(COLOURS))], "plain")
    picture[sleeve] = sleeve_cloth[sleeve] * (1 + 0.12 * _smooth_noise(shape, rng, 4))[sleeve][:, None]
    picture[skin] = _skin_picture(shape, skin_group, rng)[skin]
    # the visitor stands closer to the light than the wall: a little brighter, and the light drifts a little
    frame = picture * light * rng.uniform(0.95, 1.05)
    frame += rng.normal(0, noise, frame.shape)
    frame = cv2.GaussianBlur(np.clip(frame, 0, 255).astype(np.uint8), (3, 3), 0)
    empty = cv2.GaussianBlur(np.clip(empty + rng.normal(0, noise, empty.shape), 0, 255).astype(np.uint8), (3, 3), 0)
    return VisitorScene(frame=frame, empty=empty, leaf=leaf, skin=skin, sleeve=sleeve, body=torso & ~leaf & ~skin,
                        skin_group=skin_group, leaf_colour=leaf_colour, hand=hand)


def rehearsal_frames(scene: VisitorScene, rng: np.random.Generator, empty: int = 20, visitor: int = 40,
                     noise: float = 2.0) -> list[np.ndarray]:
    """BGR uint8 frames of a rehearsal clip: ``empty`` frames of the empty scene, then ``visitor`` frames of
    the visitor holding the leaf still, each with fresh sensor noise."""
    frames = []
    for k in range(empty + visitor):
        base = scene.empty if k < empty else scene.frame
        jitter = rng.normal(0, noise, base.shape)
        frames.append(np.clip(base.astype(np.float32) + jitter, 0, 255).astype(np.uint8))
    return frames


@dataclass
class LeafPhoto:
    photo: np.ndarray      # uint8 (H, W, 3) RGB: an artist's photo of one leaf, as a camera file holds it
    leaf: np.ndarray       # bool (H, W): the leaf
    leaf_colour: str
    sheet: tuple           # sRGB of the plain sheet it lies on


def leaf_photo(rng: np.random.Generator, leaf_mask: np.ndarray, shape=(360, 480), leaf_colour: str | None = None,
               sheet=None) -> LeafPhoto:
    """A photo of one leaf (``leaf_mask`` float32 (h, w), leaf = 1) lying on a plain sheet of any colour, lit
    unevenly, with its soft shadow, sensor noise and JPEG-like blur; unset choices are drawn from ``rng``."""
    from leafdream.data.synthetic_frames import place_leaf

    leaf_colour = leaf_colour or LEAF_COLOURS[rng.integers(len(LEAF_COLOURS))]
    sheet = tuple(sheet if sheet is not None else COLOURS[rng.integers(len(COLOURS))])
    leaf = place_leaf(leaf_mask, shape, rng, fill=rng.uniform(0.45, 0.8))
    image = backdrop(shape, rng, sheet, kind="plain")
    offset = rng.integers(2, 9, size=2)
    shadow = np.roll(leaf, tuple(offset), axis=(0, 1)).astype(np.float32)
    shadow = cv2.GaussianBlur(shadow, (0, 0), rng.uniform(2, 5)) * rng.uniform(0.1, 0.3)
    image *= (1 - shadow)[..., None]
    image = np.where(leaf[..., None], _leaf_picture(leaf, leaf_colour, rng), image)
    image = cv2.GaussianBlur(image * _light(shape, rng) / 0.8, (0, 0), 0.7)
    image += rng.normal(0, rng.uniform(2, 6), image.shape).astype(np.float32)
    rgb = cv2.cvtColor(np.clip(image, 0, 255).astype(np.uint8), cv2.COLOR_BGR2RGB)
    return LeafPhoto(photo=rgb, leaf=leaf, leaf_colour=leaf_colour, sheet=sheet)
