"""TODO"""

from __future__ import annotations

from pathlib import Path
from leafdream.commands.arguments import add_model, model_path
from leafdream.errors import LeafdreamError


def reconstruct_command(photo_path, mask_path, out_path, model_path, seed: int) -> None:
    import numpy as np
    from PIL import Image
    from leafdream.model.kernels import warm_up
    from leafdream.data.leaves import read_image, to_grey
    from leafdream.model.modelfile import load_model
    from leafdream.camera.photo import reconstruct, detect_occlusion, OUTPUT_SUFFIXES

    out = Path(out_path)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise LeafdreamError(f"--out {out}: unsupported image type {out.suffix or '(none)'!r}; use .png")
    if not out.parent.exists():
        raise LeafdreamError(f"--out {out}: folder {out.parent} does not exist")
    photo = read_image(photo_path)
    if mask_path:
        hidden = to_grey(read_image(mask_path)) > 127
    else:
        hidden = detect_occlusion(photo)
        print(f"no --mask: found {hidden.mean():.0%} of the photo hidden by a hand" if hidden.any()
              else "no --mask and no hand found: nothing is hidden, the leaf is returned as it is")
    model = load_model(model_path)
    warm_up()
    result = reconstruct(model, photo, hidden, seed, source=str(photo_path))
    Image.fromarray(np.clip(result.probability * 255 + 0.5, 0, 255).astype(np.uint8)).save(out)
    print(f"wrote {out} ({hidden.mean():.0%} of pixels were hidden)")


def add_parser(commands) -> None:
    parser = commands.add_parser("reconstruct", help="let the network fill in the hidden part of a leaf photo")
    parser.add_argument("photo", help="leaf mask, or photo of a leaf on a plain background")
    parser.add_argument("--mask", default=None,
                        help="image of the same size whose white pixels are hidden (default: find the hand in PHOTO)")
    parser.add_argument("--out", required=True, help="image to write: grey = probability of leaf")
    add_model(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of the network's sampling (default 0)")


def run(args) -> int:

    reconstruct_command(args.photo, args.mask, args.out, model_path(args.model), args.seed)
    return 0
