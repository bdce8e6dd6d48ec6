"""Loading leaf masks from folders, detecting polarity, and the fixed held-out split.

A leaf mask here is a float32 array of shape (H, W) with 1 = leaf and 0 = background.
Folders follow the layout of ``leaves100`` (``<species>/<nn>.png`` and an optional
``manifest.csv``), any plain folder-per-species of images, or one flat folder of images (one
species, named after the folder). Each image is a leaf mask (black and white, either
polarity) or a photo of one leaf on a plain background (``data/leaf_photos.py``). Images that
are neither are skipped, each with its reason, and the folder loads as long as a leaf is left.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from leafdream.data.leaf_photos import mask_from_photo
from leafdream.errors import LeafdreamError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif", ".webp"}
# A mask has only anti-aliased edges between black and white; leaves100 has <= 6 % such pixels.
MAX_GREY_FRACTION_OF_A_MASK = 0.25
MOST_PIXELS = 50_000_000  # a 50-megapixel photo is 150 MB decoded; larger ones are refused before decoding
MIN_LEAF_FRACTION = 0.005
MAX_LEAF_FRACTION = 0.95


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as uint8 RGB (H, W, 3) or grey (H, W); a clear error if it can't be read."""
    path = Path(path)
    if not path.exists():
        raise LeafdreamError(f"{path}: no such file")
    if path.is_dir():
        raise LeafdreamError(f"{path}: is a folder, expected an image file")
    try:
        with Image.open(path) as img:
            width, height = img.size
            if width * height > MOST_PIXELS:
                raise LeafdreamError(f"{path}: image is {width}x{height} ({width * height / 1e6:.0f} megapixels); "
                                     f"leafdream reads images up to {MOST_PIXELS / 1e6:.0f} megapixels: scale it down")
            img.load()
            if img.mode in ("I", "F") or img.mode.startswith("I;16"):
                arr = _deep_to_8_bits(np.asarray(img))
            elif img.mode in ("L", "1"):
                arr = np.asarray(img.convert("L"))
            else:
                arr = np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise LeafdreamError(f"{path}: not a readable image ({exc.__class__.__name__}: {exc})") from None
    if arr.size == 0 or min(arr.shape[:2]) < 8:
        raise LeafdreamError(f"{path}: image is {arr.shape[1]}x{arr.shape[0]} px, expected at least 8x8")
    return arr


def _deep_to_8_bits(values: np.ndarray) -> np.ndarray:
    """uint8 (H, W) from a 16-bit, 32-bit or float grey image: 16 bits scaled (65535 -> 255), floats in [0, 1]
    scaled, other ranges stretched to their own maximum."""
    values = values.astype(np.float64)
    top = float(np.nanmax(values)) if values.size else 0.0
    if top <= 1.0:
        scale = 255.0
    elif top <= 255.0:
        scale = 1.0
    elif top <= 65535.0:
        scale = 255.0 / 65535.0
    else:
        scale = 255.0 / top
    return np.clip(np.nan_to_num(values) * scale + 0.5, 0, 255).astype(np.uint8)


def to_grey(image: np.ndarray) -> np.ndarray:
    """uint8 (H, W) or (H, W, 3) -> uint8 (H, W)."""
    if image.ndim == 3:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    return image


def border_is_bright(grey: np.ndarray) -> bool:
    """True when the image border is mostly bright, i.e. the leaf is dark on a light ground.

    Tightly cropped leaves touch the border here and there, so the median of the whole
    border ring is used rather than the corners.
    """
    ring = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return float(np.median(ring)) > 127


def grey_fraction(grey: np.ndarray) -> float:
    """Share of pixels that are neither near-black nor near-white."""
    return float(np.mean((grey > 24) & (grey < 231)))


def mask_from_image(image: np.ndarray, source: str = "image", require_mask: bool = False) -> np.ndarray:
    """Turn a leaf image into a leaf mask, float32 (H, W) in [0, 1], leaf = 1.

    A black/white mask keeps its anti-aliased edge as fractional values. Anything else
    (a photo of a leaf on a plain ground) is thresholded with Otsu's method. Polarity is
    taken from the border: the ground is whatever most of the border is.

    Raises LeafdreamError naming ``source`` if ``require_mask`` and the image is not a
    black/white mask, or if no plausible leaf is found.
    """
    grey = to_grey(image)
    fraction = grey_fraction(grey)
    if fraction > MAX_GREY_FRACTION_OF_A_MASK:
        if require_mask:
            raise LeafdreamError(
                f"{source}: not a leaf mask ({fraction:.0%} of pixels are grey; "
                f"a mask is black and white with at most {MAX_GREY_FRACTION_OF_A_MASK:.0%} grey edge pixels)"
            )
        _, binary = cv2.threshold(cv2.GaussianBlur(grey, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        grey = binary
    mask = grey.astype(np.float32) / 255.0
    if border_is_bright(grey):
        mask = 1.0 - mask
    leaf_fraction = float(np.mean(mask > 0.5))
    if not (MIN_LEAF_FRACTION <= leaf_fraction <= MAX_LEAF_FRACTION):
        raise LeafdreamError(
            f"{source}: no leaf found (leaf covers {leaf_fraction:.1%} of the image; "
            f"expected between {MIN_LEAF_FRACTION:.1%} and {MAX_LEAF_FRACTION:.0%})"
        )
    return mask


def load_mask(path: str | Path, require_mask: bool = False) -> np.ndarray:
    """Read one file as a leaf mask (see ``mask_from_image``)."""
    return mask_from_image(read_image(path), source=str(path), require_mask=require_mask)


def load_leaf(path: str | Path) -> np.ndarray:
    """One training leaf: a mask file as it is, a photo through ``mask_from_photo``; float32 (H, W), leaf = 1."""
    image = read_image(path)
    if grey_fraction(to_grey(image)) <= MAX_GREY_FRACTION_OF_A_MASK:
        return mask_from_image(image, source=str(path), require_mask=True)
    return mask_from_photo(image, source=str(path))


@dataclass
class LeafSet:
    """Leaf masks with their species and the fixed held-out split.

    masks:      list of float32 (H_i, W_i) arrays, leaf = 1
    species:    list of species names, one per leaf
    files:      list of paths relative to the folder, one per leaf
    held_out:   bool array (n,), True for the leaves kept out of training
    """

    masks: list
    species: list
    files: list
    held_out: np.ndarray
    root: str = ""
    species_names: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (file relative to the folder, why it is not a leaf)

    def __post_init__(self):
        if not self.species_names:
            self.species_names = sorted(set(self.species))

    @property
    def species_index(self) -> np.ndarray:
        """int (n,) index of each leaf's species in ``species_names``."""
        lookup = {name: i for i, name in enumerate(self.species_names)}
        return np.array([lookup[s] for s in self.species], dtype=np.int64)

    def fingerprint(self) -> str:
        """sha256 over file names and mask contents: which data a model was trained on."""
        digest = hashlib.sha256()
        for name, mask in zip(self.files, self.masks):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray((mask > 0.5).astype(np.uint8)).tobytes())
        return digest.hexdigest()


def _natural_key(text: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _species_files_from_manifest(root: Path) -> dict[str, list[str]]:
    manifest = root / "manifest.csv"
    groups: dict[str, list[str]] = {}
    with open(manifest, newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "file" not in reader.fieldnames:
            raise LeafdreamError(f"{manifest}: expected a header with a 'file' column (and optionally 'species')")
        for line_number, row in enumerate(reader, start=2):
            name = (row.get("file") or "").strip()
            if not name:
                raise LeafdreamError(f"{manifest}:{line_number}: empty 'file'")
            species = (row.get("species") or "").strip() or Path(name).parent.name or "unknown"
            groups.setdefault(species.lower(), []).append(name)
    return groups


def _species_files_from_folders(root: Path) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
            rel = path.relative_to(root)
            species = rel.parent.as_posix() if rel.parent != Path(".") else (root.name or "leaves")
            groups.setdefault(species, []).append(rel.as_posix())
    return groups


def load_leaf_folder(root: str | Path, holdout_per_species: int = 2) -> LeafSet:
    """Load every leaf mask under ``root``.

    The last ``holdout_per_species`` usable leaves of every species (in natural file order) are
    marked held out, as long as the species keeps at least one leaf for training. Files that are
    unreadable or hold no usable leaf are skipped and listed in ``skipped`` with the reason.
    Raises LeafdreamError for a missing folder, a folder without images, or one where no image
    holds a usable leaf (with the first reasons).
    """
    root = Path(root)
    if not root.exists():
        raise LeafdreamError(f"{root}: data folder does not exist")
    if not root.is_dir():
        raise LeafdreamError(f"{root}: expected a folder of species folders, got a file")
    if (root / "manifest.csv").exists():
        groups = _species_files_from_manifest(root)
    else:
        groups = _species_files_from_folders(root)
    if not groups:
        raise LeafdreamError(
            f"{root}: no images found (expected <species>/<name>.png|jpg files, e.g. {root}/acer_campestre/01.png)"
        )
    masks, species, files, held_out, skipped = [], [], [], [], []
    for name in sorted(groups):
        usable = []
        for rel in sorted(groups[name], key=_natural_key):
            try:
                usable.append((rel, load_leaf(root / rel)))
            except LeafdreamError as exc:
                skipped.append((rel, str(exc).removeprefix(f"{root / rel}: ")))
        n_out = holdout_per_species if len(usable) > holdout_per_species else 0
        for position, (rel, mask) in enumerate(usable):
            masks.append(mask)
            species.append(name)
            files.append(rel)
            held_out.append(position >= len(usable) - n_out)
    if not masks:
        reasons = "; ".join(f"{rel}: {why}" for rel, why in skipped[:3])
        raise LeafdreamError(f"{root}: none of its {len(skipped)} images holds a usable leaf ({reasons}"
                             f"{'; …' if len(skipped) > 3 else ''})")
    return LeafSet(masks=masks, species=species, files=files, held_out=np.array(held_out), root=str(root),
                   skipped=skipped)
