"""One photo, the camera's way: ``leafdream reconstruct PHOTO [--mask MASK] --out OUT``.

Without ``--mask`` the photo goes through the same segmentation as the live camera, with no
empty scene to compare with: the leaf, the visitor's hand and arm (unknown, to be filled), and
everything else. With ``--mask`` the photo is a leaf mask or a leaf on a plain ground, and the
mask's white pixels are what is hidden.

The answer is always the leaf's probability at the photo's own size — known pixels exactly as
segmented (1 leaf, 0 not), hidden ones as the network fills them — never the photo's brightness.
Photos are segmented at the live camera's width and completed at most ``WORK_SIDE`` pixels long,
then scaled back, so a 12-megapixel photo takes seconds and little memory.
"""

from __future__ import annotations

import cv2
import numpy as np

from leafdream.camera.masks import may_hide_leaf
from leafdream.camera.segment import Segmentation, Segmenter
from leafdream.camera.watcher import SEGMENT_WIDTH, shrink
from leafdream.data.leaves import mask_from_image, to_grey
from leafdream.errors import LeafdreamError
from leafdream.model.completion import Completion, complete, network_filler
from leafdream.model.kernels import RandomKeys
from leafdream.model.modelfile import Model

OUTPUT_SUFFIXES = {".png", ".tif", ".tiff", ".bmp", ".webp"}
WORK_SIDE = 640


def _resized(image: np.ndarray, shape, interpolation) -> np.ndarray:
    return cv2.resize(image, (shape[1], shape[0]), interpolation=interpolation)


def segment_photo(photo_rgb: np.ndarray, detector=None) -> Segmentation:
    """The leaf (float32) and hidden pixels (bool) of a colour photo uint8 (H, W, 3), at the photo's size."""
    bgr = cv2.cvtColor(np.ascontiguousarray(photo_rgb), cv2.COLOR_RGB2BGR)
    small = shrink(bgr, SEGMENT_WIDTH)
    segmenter = Segmenter(small.shape[:2], without_background=True, on_frames=1, detector=detector)
    return segmenter.segment(small).at_size(photo_rgb.shape[:2])


def leaf_and_hidden(photo: np.ndarray, hidden: np.ndarray | None, source: str = "photo",
                    detector=None) -> tuple[np.ndarray, np.ndarray]:
    """(leaf float32 (H, W), hidden bool (H, W)) of a photo uint8 (H, W[, 3]); ``hidden``: given, or None to find."""
    if hidden is not None:
        if hidden.shape != photo.shape[:2]:
            raise LeafdreamError(f"the mask is {hidden.shape[1]}x{hidden.shape[0]} px but {source} is "
                                 f"{photo.shape[1]}x{photo.shape[0]} px; they must be the same size")
        if hidden.all():
            raise LeafdreamError("the mask hides every pixel; nothing is left to complete from")
        # Hidden pixels may hold a hand or anything else: paint them the ground's colour so that
        # polarity and "is this a mask" are judged from known pixels only.
        grey = to_grey(photo).copy()
        ring = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
        known_ring = ~np.concatenate([hidden[0], hidden[-1], hidden[:, 0], hidden[:, -1]])
        grey[hidden] = np.median(ring[known_ring]) if known_ring.any() else 0
        return mask_from_image(grey, source=source), hidden
    if photo.ndim == 2:  # a grey image carries no colour to tell a hand by: it is a leaf mask, nothing hidden
        return mask_from_image(photo, source=source), np.zeros(photo.shape, bool)
    found = segment_photo(photo, detector)
    if not (found.leaf > 0.5).any():
        raise LeafdreamError(f"{source}: no leaf found — hold the leaf inside the picture, against a "
                             f"background of another colour")
    return found.leaf, may_hide_leaf(found.leaf, found.hidden)


def reconstruct(model: Model, photo: np.ndarray, hidden: np.ndarray | None = None, seed: int = 0,
                source: str = "photo", detector=None) -> Completion:
    """Complete the leaf in ``photo`` (uint8 (H, W[, 3])): probability float32 (H, W) at the photo's size."""
    leaf, hidden = leaf_and_hidden(photo, hidden, source, detector)
    shape = leaf.shape
    scale = min(1.0, WORK_SIDE / max(shape))
    if scale < 1.0:
        work = (max(8, int(round(shape[0] * scale))), max(8, int(round(shape[1] * scale))))
        small_leaf = _resized(leaf.astype(np.float32), work, cv2.INTER_AREA)
        small_hidden = _resized(hidden.astype(np.uint8), work, cv2.INTER_NEAREST).astype(bool)
        result = complete(small_leaf, small_hidden, model.size, network_filler(model, RandomKeys(seed)))
        probability = np.where(hidden, _resized(result.probability, shape, cv2.INTER_LINEAR), leaf)
        result = Completion(probability=probability.astype(np.float32), pose=result.pose, model_fill=result.model_fill)
    else:
        result = complete(leaf, hidden, model.size, network_filler(model, RandomKeys(seed)))
    result.hidden = hidden
    return result
