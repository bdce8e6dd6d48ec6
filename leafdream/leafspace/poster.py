"""``leafdream map --out leafspace.png``: the whole leaf space as a picture an artist would print.

At every cell of a grid over the map the network's imagined leaf is drawn, faded by how
many real leaves are near; the real leaves' positions are marked, coloured by species,
and species names can be written at their centres.
"""

from __future__ import annotations

import colorsys

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from leafdream.model.dbn import DBN
from leafdream.leafspace.space import LeafSpace, imagine


def species_colours(names) -> dict[str, tuple[int, int, int]]:
    """A distinct, stable colour for each species name (golden-angle hues)."""
    colours = {}
    for k, name in enumerate(sorted(set(names))):
        r, g, b = colorsys.hsv_to_rgb((k * 0.618034) % 1.0, 0.55, 0.95)
        colours[name] = (int(r * 255), int(g * 255), int(b * 255))
    return colours


def render_poster(dbn: DBN, space: LeafSpace, size: tuple[int, int] = (2400, 2400), tiles: int = 28,
                  labels: bool = True, points: bool = True) -> Image.Image:
    """The poster as an RGB image of ``size`` (W, H)."""
    width, height = size
    side = min(width, height)
    canvas = np.zeros((height, width, 3), np.float32)
    tile = side / tiles
    offset_x, offset_y = (width - side) / 2, (height - side) / 2
    centres = [((i + 0.5) / tiles, (j + 0.5) / tiles) for j in range(tiles) for i in range(tiles)]
    codes = np.stack([space.code_at(c) for c in centres])
    leaves = imagine(dbn, codes)
    paper = np.array([0.06, 0.07, 0.06], np.float32)
    ink = np.array([0.85, 0.93, 0.78], np.float32)
    canvas[:] = paper
    cell = int(np.ceil(tile))
    for (x, y), leaf in zip(centres, leaves):
        fade = np.clip(space.density_at((x, y)) * 4, 0.15, 1.0)
        picture = cv2.resize(leaf, (cell, cell), interpolation=cv2.INTER_CUBIC)
        picture = np.clip((picture - 0.5) * 3 + 0.5, 0, 1)[..., None] * fade
        left = int(offset_x + x * side - cell / 2)
        top = int(offset_y + y * side - cell / 2)
        region = canvas[max(top, 0):top + cell, max(left, 0):left + cell]
        patch = picture[max(-top, 0):max(-top, 0) + region.shape[0], max(-left, 0):max(-left, 0) + region.shape[1]]
        np.maximum(region, paper + patch * (ink - paper), out=region)
    image = Image.fromarray((canvas * 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    colours = species_colours(space.species)
    radius = max(2, side // 600)
    if points:
        for (x, y), name in zip(space.positions, space.species):
            px, py = offset_x + x * side, offset_y + y * side
            draw.ellipse([px - radius, py - radius, px + radius, py + radius], fill=colours[name])
    if labels:
        font = ImageFont.load_default(size=max(10, side // 160))
        for name in sorted(set(space.species)):
            cx, cy = space.positions[space.species == name].mean(axis=0)
            text = name.replace("_", " ")
            draw.text((offset_x + cx * side, offset_y + cy * side + 3 * radius), text, fill=colours[name], font=font,
                      anchor="mt")
    return image
