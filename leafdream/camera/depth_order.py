"""What lies over the visitor's leaf, and what lies behind it and shows between its lobes.

Within the leaf's outline (its convex hull) the camera may see things that are not leaf: a finger
the skin colour missed, a part of the leaf the segmentation missed (a pale margin), or — seen through
the notches between lobes and teeth — the visitor's shirt or the wall behind. The first two hide
leaf and are unknown to the network; the last is not leaf, and the leaf's notches must stay open.

What shows through a notch is the same thing as lies just beyond the outline there, in the same
colour: within the outline, what has the colour of something that crosses the outline — the colour of
its wide part outside, by the Gaussian colour model in Lab the visitor's skin is matched with — is behind
the leaf, even where the lobes cut it off from that part. Only a wide part tells: what lies behind a held
leaf is a torso or a wall, while an arm or a sleeve the skin colour missed reaches in front of it, no
wider than an arm. What differs from all of them lies over the leaf.
"""

from __future__ import annotations

import cv2
import numpy as np

from leafdream.camera.masks import within_outline
from leafdream.camera.skin import COLOUR_SPREAD, MATCH_DISTANCE, SkinColours

SMALLEST_OUTSIDE = 40  # pixels a piece needs beyond the outline for its colour there to be known
BEHIND_RADIUS = 0.1    # x the frame's shorter side: what is behind the leaf is wider than twice this (an arm is not)


def lying_over(other: np.ndarray, leaf: np.ndarray, lab: np.ndarray, hull: np.ndarray | None = None) -> np.ndarray:
    """bool (H, W): the pixels of ``other`` (bool (H, W): seen, but neither leaf nor hand) within the outline of
    ``leaf`` (bool (H, W)) that lie over it; lab: float32 (H, W, 3) the frame in Lab; hull: the leaf's
    ``within_outline``, when the caller has it."""
    hull = within_outline(leaf) if hull is None else hull
    over = other & hull
    count, pieces = cv2.connectedComponents(other.astype(np.uint8), connectivity=4)
    if count < 2 or not over.any():
        return over
    outside = other & ~hull
    crossing = np.nonzero((np.bincount(pieces[over], minlength=count) > 0)
                          & (np.bincount(pieces[outside], minlength=count) > 0))[0]
    # the inner pixels of what is wide beyond the outline
    wide = cv2.distanceTransform(outside.astype(np.uint8), cv2.DIST_L2, 3) > BEHIND_RADIUS * min(leaf.shape)
    inside = lab[over]
    behind = np.zeros(len(inside), bool)
    for label in crossing[crossing > 0]:
        colours = dominant_colour(lab[(pieces == label) & wide])
        if colours is not None:  # what shows of it between the lobes, and in islands the lobes cut off it
            behind |= colours.distance(inside[None])[0] < MATCH_DISTANCE
    over[over] = ~behind
    return over


def dominant_colour(pixels: np.ndarray, rounds: int = 3) -> SkinColours | None:
    """The colour model of most of ``pixels`` (float32 (N, 3) Lab), None with too few: begun at their median
    colour and fitted again to the pixels it matches, so an arm or a sleeve lying over a torso does not widen
    the torso's colour to its own."""
    if len(pixels) < SMALLEST_OUTSIDE:
        return None
    colours = SkinColours(np.median(pixels, axis=0).astype(np.float32),
                          np.diag(1.0 / COLOUR_SPREAD ** 2).astype(np.float32))
    for _ in range(rounds):
        colours = SkinColours.fit(pixels[colours.distance(pixels[None])[0] < MATCH_DISTANCE])
        if colours is None:
            return None
    return colours
