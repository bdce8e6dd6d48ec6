"""A photographed leaf's outline settled by a graph cut (OpenCV's GrabCut), once the leaf is chosen.

The chosen leaf is grouped from superpixels whose colours lie within a tolerance, so a leaf of
two colours (pale patches, a yellow margin, a brown rim) is found in part, and a shirt of the
leaf's colour may be found with it. A graph cut looks at the leaf as a whole instead: one
colour model (a mixture of Gaussians) learnt from the chosen leaf, one from what lies around
it, and a cost for every neighbouring pair cut apart that is high where their colours are
alike. The leaf's other colour joins where it shares the leaf's outline and is not the
surroundings' colour; the surroundings' pieces of the leaf's colour fall away where a sharp
edge parts them from it.

Near the hand the leaf is kept as found: the hand is known not to be leaf, and a leaf of its
colour (brown, orange) next to it would be cut away with it — and what is neither leaf nor
hidden reads to the completion as seen to be no leaf, so the network would not fill it.

Only for photos. On the live path the cut cost 25 ms of a frame at the median and 70 ms at the
99th percentile, at 240 px wide, which the camera's latency budget does not hold; at half that
size it cost 3 ms but found worse leaves than no cut (completed leaf's IoU 0.861 against 0.868,
visitor scenes with the true hand given).
"""

from __future__ import annotations

import cv2
import numpy as np

from leafdream.camera.masks import box_around, touching, within
from leafdream.data.normalise import fill_holes

MARGIN = 0.5      # x the leaf's longer side (plus PAD pixels): how much of its surroundings the cut learns from
PAD = 8
NEAR_HAND = 15    # pixels (at the 240-px width frames are segmented at) from the hand where the leaf stays as found
SMALLEST = 50     # pixels: a leaf this small has too few for a colour model
SEED = 0          # OpenCV's random stream, which starts the colour models' k-means: the same photo, the same leaf
ITERATIONS = 1    # GrabCut's rounds of learning the models and cutting (3 or 5: the same mean IoU)


def settled_by_cut(lab: np.ndarray, leaf: np.ndarray, allowed: np.ndarray, hands: np.ndarray) -> np.ndarray:
    """bool (H, W): ``leaf`` (bool (H, W)) with its outline settled by a graph cut.

    lab: float32 (H, W, 3) the frame in 8-bit Lab as OpenCV gives it; allowed: bool (H, W) where the leaf may be
    (not the hand); hands: bool (H, W) the visitor's hands and arms. The cut keeps only what hangs together with
    the leaf; a cut that keeps under half the leaf (the models could not tell it from its surroundings) is not
    taken."""
    if leaf.sum() < SMALLEST:
        return leaf
    rows, columns = box_around(leaf, 0)
    margin = int(MARGIN * max(rows.stop - rows.start, columns.stop - columns.start)) + PAD
    rows, columns = box_around(leaf, margin)
    found, may = leaf[rows, columns], allowed[rows, columns]
    labels = np.full(found.shape, cv2.GC_PR_BGD, np.uint8)
    labels[found] = cv2.GC_PR_FGD
    labels[~may | hands[rows, columns]] = cv2.GC_BGD
    rim = np.zeros(found.shape, bool)
    rim[[0, -1], :], rim[:, [0, -1]] = True, True
    labels[rim & ~found] = cv2.GC_BGD  # the box holds the leaf and some of what is around it, never more
    image = np.clip(lab[rows, columns], 0, 255).astype(np.uint8)
    cv2.setRNGSeed(SEED)
    try:
        cv2.grabCut(image, labels, None, np.zeros((1, 65)), np.zeros((1, 65)), ITERATIONS, cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # one of the two models had no pixels to learn from
        return leaf
    cut = touching(np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)) & may, found)
    if cut.sum() < 0.5 * found.sum():
        return leaf
    settled = leaf & within(hands, NEAR_HAND)
    settled[rows, columns] |= fill_holes(cut) & may
    return settled
