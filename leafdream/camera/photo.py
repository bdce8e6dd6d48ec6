"""``leafdream reconstruct PHOTO [--mask MASK] --out OUT``: the network fills in what is hidden.

Without ``--mask`` the hidden part is found in the photo itself: skin-coloured regions that
reach the photo's edge (the hand holding the leaf).
"""

from __future__ import annotations


import cv2
import numpy as np

from leafdream.model.completion import Completion, complete, network_filler
from leafdream.errors import LeafdreamError
from leafdream.model.kernels import RandomKeys
from leafdream.data.leaves import mask_from_image, to_grey
from leafdream.model.modelfile import Model

OUTPUT_SUFFIXES = {".png", ".tif", ".tiff", ".bmp", ".webp"}


def reconstruct(model: Model, photo: np.ndarray, hidden: np.ndarray, seed: int = 0, source: str = "photo") -> Completion:
    """Complete a leaf image (uint8 (H, W[, 3])) whose ``hidden`` (bool (H, W)) pixels are unknown."""
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
    leaf = mask_from_image(grey, source=source)
    return complete(leaf * ~hidden, hidden, model.size, network_filler(model, RandomKeys(seed)))


def detect_occlusion(photo: np.ndarray) -> np.ndarray:
    """bool (H, W): hands over a leaf photo (uint8 RGB), found as skin-coloured regions reaching the edge.

    A grey image carries no colour to tell a hand by: nothing is marked hidden.
    """
    if photo.ndim != 3:
        return np.zeros(photo.shape[:2], bool)
    from leafdream.camera.segment import SkinModel, hands_in

    return hands_in(SkinModel().mask(cv2.cvtColor(np.ascontiguousarray(photo), cv2.COLOR_RGB2BGR)))
