"""The species a show can name, and a contact sheet of them: for each, the leaf the network imagines at the
centre of that species' leaves on the map, with its name — so an artist picks drift waypoints by eye.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from leafdream.leafspace.space import LeafSpace, imagine
from leafdream.model.dbn import DBN

TILE = 160
LABEL = 22


def species_table(space: LeafSpace) -> list[tuple[str, int, tuple[float, float]]]:
    """(name, training leaves, map centre (x, y)) for every species, by name."""
    names, counts = np.unique(space.species, return_counts=True)
    return [(str(name), int(count), tuple(float(v) for v in space.species_position(str(name))))
            for name, count in zip(names, counts)]


def species_sheet(dbn: DBN, space: LeafSpace, columns: int = 10) -> Image.Image:
    """An RGB contact sheet: one tile per species (its imagined leaf, white on dark, and its name)."""
    table = species_table(space)
    codes = np.stack([space.code_at(centre) for _, _, centre in table])
    leaves = imagine(dbn, codes).reshape(len(table), dbn.size, dbn.size)
    columns = min(columns, len(table))
    rows = -(-len(table) // columns)
    sheet = Image.new("RGB", (columns * TILE, rows * (TILE + LABEL)), (10, 12, 10))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for k, ((name, _, _), leaf) in enumerate(zip(table, leaves)):
        left, top = (k % columns) * TILE, (k // columns) * (TILE + LABEL)
        grey = Image.fromarray(np.clip(leaf * 255 + 0.5, 0, 255).astype(np.uint8)).resize(
            (TILE - 16, TILE - 16), Image.BICUBIC)
        sheet.paste(Image.merge("RGB", (grey, grey, grey)), (left + 8, top + 8))
        label = name if len(name) <= 24 else name[:23] + "…"
        draw.text((left + 8, top + TILE), label, fill=(200, 220, 190), font=font)
    return sheet
