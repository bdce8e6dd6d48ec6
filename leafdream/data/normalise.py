"""The one normalisation of a leaf, used for training images and camera leaves alike.

A leaf mask (float32 (H, W), leaf = 1) is reduced to its largest connected component,
then moved so its centre of mass is the frame centre, rotated so its principal (long)
axis is vertical, turned by the sign of its third moments so that every leaf faces the
same way, scaled so the spread along the long axis is a fixed fraction of the frame, and
resampled to a square ``size`` x ``size`` model image.

The whole map is one affine ``Pose`` (image pixel -> model pixel), so anything computed in
the model frame can be sent back to the photo's own pixels with ``warp_to_image``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from leafdream.errors import LeafdreamError

# Standard deviation of the leaf along its long axis, as a fraction of the model frame.
# 0.2 makes a typical leaf blade span about four fifths of the frame.
LONG_AXIS_STD_FRACTION = 0.2


@dataclass(frozen=True)
class Pose:
    """An affine map from image pixels to model pixels.

    matrix: float64 (2, 3), model_xy = matrix @ [x, y, 1]
    size:   side of the square model frame in pixels
    """

    matrix: np.ndarray
    size: int

    @property
    def scale(self) -> float:
        """Model pixels per image pixel."""
        return float(np.sqrt(abs(np.linalg.det(self.matrix[:, :2]))))

    def inverse(self) -> np.ndarray:
        """float64 (2, 3): model pixels -> image pixels."""
        return cv2.invertAffineTransform(self.matrix)

    def then(self, model_transform: np.ndarray) -> "Pose":
        """This pose followed by a further (2, 3) transform of the model frame."""
        full = np.vstack([model_transform, [0, 0, 1]]) @ np.vstack([self.matrix, [0, 0, 1]])
        return Pose(full[:2], self.size)


def largest_component(mask: np.ndarray) -> np.ndarray:
    """Keep only the largest 8-connected blob of ``mask`` (float32 (H, W)); fractional edges survive."""
    binary = (mask > 0.5).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        raise LeafdreamError("no leaf pixels found (the mask is empty)")
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    # Dilate the kept blob by a pixel so its anti-aliased rim stays.
    keep = cv2.dilate((labels == largest).astype(np.uint8), np.ones((3, 3), np.uint8))
    return mask * keep.astype(np.float32)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """bool (H, W): every blob of ``mask`` (bool (H, W)) with its holes closed."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros(mask.shape, np.uint8)
    cv2.drawContours(filled, contours, -1, 1, -1)
    return filled.astype(bool)


def estimate_pose(mask: np.ndarray, size: int, std_fraction: float = LONG_AXIS_STD_FRACTION) -> Pose:
    """The canonical pose of a whole leaf mask (float32 (H, W)); see the module docstring."""
    leaf = largest_component(mask)
    moments = cv2.moments(np.ascontiguousarray(leaf, dtype=np.float32))  # weighted by the leaf values, in float64
    total = moments["m00"]
    centre = np.array([moments["m10"], moments["m01"]]) / total
    covariance = np.array([[moments["mu20"], moments["mu11"]], [moments["mu11"], moments["mu02"]]]) / total
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    minor, major = eigenvectors[:, 0], eigenvectors[:, 1]

    def third_moment(axis: np.ndarray) -> float:  # sum of weight * (offset . axis)^3, from the central moments
        ax, ay = axis
        return (ax ** 3 * moments["mu30"] + 3 * ax * ax * ay * moments["mu21"] + 3 * ax * ay * ay * moments["mu12"]
                + ay ** 3 * moments["mu03"])

    # Third moments fix the 180-degree and mirror ambiguity: the heavier tail goes down / right.
    if third_moment(major) < 0:
        major = -major
    if third_moment(minor) < 0:
        minor = -minor
    spread = np.sqrt(max(eigenvalues[1], 1e-6))
    scale = std_fraction * size / spread
    middle = (size - 1) / 2.0
    matrix = np.array(
        [
            [scale * minor[0], scale * minor[1], middle - scale * (minor @ centre)],
            [scale * major[0], scale * major[1], middle - scale * (major @ centre)],
        ]
    )
    return Pose(matrix, size)


def warp_to_model(image: np.ndarray, pose: Pose, border: float = 0.0) -> np.ndarray:
    """Resample an image (float32 (H, W)) into the model frame: float32 (size, size).

    Shrinking is preceded by a Gaussian blur so thin parts (stems, teeth) are averaged,
    not aliased away.
    """
    image = image.astype(np.float32, copy=False)
    scale = pose.scale
    if scale < 1.0:
        sigma = 0.45 / scale
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    return cv2.warpAffine(
        image,
        pose.matrix,
        (pose.size, pose.size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=float(border),
    )


def warp_to_image(model_image: np.ndarray, pose: Pose, shape: tuple[int, int], border: float = 0.0) -> np.ndarray:
    """Send a model-frame image (float32 (size, size)) back to image pixels: float32 shape (H, W)."""
    return cv2.warpAffine(
        model_image.astype(np.float32, copy=False),
        pose.inverse(),
        (int(shape[1]), int(shape[0])),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=float(border),
    )


def similarity(size: int, angle_deg: float = 0.0, scale: float = 1.0, flip: bool = False,
               shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """A (2, 3) rotation/scale/mirror/shift about the centre of a ``size`` frame."""
    middle = (size - 1) / 2.0
    matrix = cv2.getRotationMatrix2D((middle, middle), angle_deg, scale)
    if flip:
        mirror = np.array([[-1.0, 0.0, 2 * middle], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        matrix = (mirror @ np.vstack([matrix, [0.0, 0.0, 1.0]]))[:2]
    matrix[:, 2] += shift
    return matrix


def normalise(mask: np.ndarray, size: int) -> tuple[np.ndarray, Pose]:
    """Normalise a whole leaf mask: (model image float32 (size, size), its Pose)."""
    leaf = largest_component(mask)
    pose = estimate_pose(leaf, size)
    return np.clip(warp_to_model(leaf, pose), 0.0, 1.0), pose
