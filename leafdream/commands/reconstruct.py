"""``leafdream reconstruct PHOTO [--mask MASK] --out OUT``: the network fills in what the hand hides."""

from __future__ import annotations

from pathlib import Path

from leafdream.commands.arguments import add_model, model_path
from leafdream.errors import LeafdreamError


def reconstruct_command(photo_path, mask_path, out_path, model_path, seed: int) -> None:
    import numpy as np
    from PIL import Image

    from leafdream.camera.hands import make_detector
    from leafdream.camera.photo import OUTPUT_SUFFIXES, reconstruct
    from leafdream.data.leaves import read_image, to_grey
    from leafdream.model.kernels import warm_up
    from leafdream.model.modelfile import load_model

    out = Path(out_path)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise LeafdreamError(f"--out {out}: unsupported image type {out.suffix or '(none)'!r}; use .png")
    if not out.parent.exists():
        raise LeafdreamError(f"--out {out}: folder {out.parent} does not exist")
    photo = read_image(photo_path)
    hidden = to_grey(read_image(mask_path)) > 127 if mask_path else None
    model = load_model(model_path)
    warm_up()
    detector = make_detector(still_photos=True) if hidden is None and photo.ndim == 3 else None
    result = reconstruct(model, photo, hidden, seed, source=str(photo_path), detector=detector)
    Image.fromarray(np.clip(result.probability * 255 + 0.5, 0, 255).astype(np.uint8)).save(out)
    if hidden is not None:
        found = f"{np.mean(hidden):.0%} of pixels hidden by the mask"
    elif result.hidden.any():
        found = f"found {np.mean(result.hidden):.0%} of the photo hidden by a hand, filled in by the network"
    else:
        found = "no hand found: the leaf is as the photo shows it"
    print(f"wrote {out}: the leaf's probability at {photo.shape[1]}x{photo.shape[0]}; {found}")


def add_parser(commands) -> None:
    parser = commands.add_parser("reconstruct", help="let the network fill in the hidden part of a leaf photo")
    parser.add_argument("photo", help="a photo of a leaf held up by a hand, a leaf on a plain background, or a leaf mask")
    parser.add_argument("--mask", default=None,
                        help="image of the same size whose white pixels are hidden (default: find the hand in PHOTO)")
    parser.add_argument("--out", required=True, help="image to write at PHOTO's size: white = leaf, black = not leaf, grey = how sure the network is")
    add_model(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of the network's sampling (default 0)")


def run(args) -> int:

    reconstruct_command(args.photo, args.mask, args.out, model_path(args.model), args.seed)
    return 0
