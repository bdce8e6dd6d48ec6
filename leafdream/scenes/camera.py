"""The camera scene, until the camera work lands: the network dreams alone, and says so quietly.

It never opens a camera and never fails for the lack of one.
"""

from __future__ import annotations

import cv2
import numpy as np

from .base import register
from .dream import DreamScene


@register
class CameraScene(DreamScene):
    """A slow, settled dream in place of the visitor's leaf; parameters as for the dream."""

    name = "camera"
    defaults = {"temperature": 0.9, "leaves": 1, "steps_per_second": 200.0, "smoothing": 0.6}

    def overlay(self, frame: np.ndarray, rect) -> None:
        height = frame.shape[0]
        cv2.putText(frame, "camera: not connected", (height // 40, height - height // 40), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.4, height / 1800), (90, 100, 90), 1, cv2.LINE_AA)
