"""What lies over the visitor's leaf, and what lies behind it and shows between its lobes.

Within the leaf's outline (its convex hull) the camera may see things that are not leaf: a finger
the skin colour missed, a part of the leaf the segmentation missed (a pale margin), or — seen through
the notches between lobes and teeth — the visitor's shirt or the wall behind. The first two hide
leaf and are unknown to the network; the last is not leaf, and the leaf's notches must stay open.

What shows through a notch is the same thing as lies just beyond the outline there, in the same
colour: within the outline, what has the colour of something that crosses the outline — the colour of
its part outside, by the Gaussian colour model in Lab the visitor's skin is matched with — is behind the
leaf, even where the lobes cut it off from that part. What differs from all of them lies over the leaf.
"""

from __future__ import annotations

import cv2
import numpy as np

from leafdream.camera.masks import within_outline
from leafdream.camera.skin import MATCH_DISTANCE, SkinColours

SMALLEST_OUTSIDE = 40  # pixels a piece needs beyond the outline for its colour there to be known


def lying_over(other: np.ndarray, leaf: np.ndarray, lab: np.ndarray) -> np.ndarray:
    """bool (H, W): the pixels of ``other`` (bool (H, W): seen, but neither leaf nor hand) within the outline of
    ``leaf`` (bool (H, W)) that lie over it; lab: float32 (H, W, 3) the frame in Lab."""
    hull = within_outline(leaf)
    over = other & hull
    count, pieces = cv2.connectedComponents(other.astype(np.uint8), connectivity=4)
    if count < 2 or not over.any():
        return over
    outside = other & ~hull
    crossing = np.nonzero((np.bincount(pieces[over], minlength=count) > 0)
                          & (np.bincount(pieces[outside], minlength=count) > 0))[0]
    inside = lab[over]
    behind = np.zeros(len(inside), bool)
    for label in crossing[crossing > 0]:
        beyond = (pieces == label) & outside
        colours = SkinColours.fit(lab[beyond]) if beyond.sum() >= SMALLEST_OUTSIDE else None
        if colours is not None:  # what shows of it between the lobes, and in islands the lobes cut off it
            behind |= colours.distance(inside[None])[0] < MATCH_DISTANCE
    over[over] = ~behind
    return over
