"""``leafdream dream --out DIR``: the network's dreams (free chains in the top RBM) as PNG frames."""

from __future__ import annotations

from pathlib import Path
from leafdream.commands.arguments import add_model, model_path, positive_int, size_pair


def dream_command(model_path, out_dir, frames: int, steps_per_frame: int, chains: int, temperature: float,
                  size: tuple[int, int], seed: int) -> None:
    import numpy as np
    from leafdream.scenes.params import TEMPERATURE
    from leafdream.model.dreaming import DreamChains, to_picture, DEFAULT_LADDER

    from leafdream.model.modelfile import load_model
    from leafdream.leafspace.store import leaf_space_if_any

    temperature = TEMPERATURE.check("--temperature", temperature)  # the scenes' own range
    model = load_model(model_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    space = leaf_space_if_any(model)
    dream = DreamChains(model.dbn, chains, seed, ladder=DEFAULT_LADDER, codes=space.codes if space else None)
    dream.advance(200, 1.0 / temperature)  # burn-in: away from the training leaves the chains start at
    for frame in range(frames):
        dream.advance(steps_per_frame, 1.0 / temperature)
        row = np.concatenate(list(dream.images()), axis=1)
        to_picture(row, (size[0] * chains, size[1])).save(out / f"dream_{frame:04d}.png")
    print(f"wrote {frames} frames of {chains} chains to {out}/")


def add_parser(commands) -> None:
    parser = commands.add_parser("dream", help="render the network's dreams to PNG frames")
    parser.add_argument("--out", required=True, help="folder for the frames")
    add_model(parser)
    parser.add_argument("--frames", type=positive_int, default=16, help="frames to write (default 16)")
    parser.add_argument("--steps-per-frame", type=positive_int, default=50, help="Gibbs steps between frames (default 50)")
    parser.add_argument("--chains", type=positive_int, default=4, help="dreams side by side in each frame (default 4)")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="1 is the network's own; hotter wanders, cooler settles (0.2 to 5, default 1)")
    parser.add_argument("--size", type=size_pair, default=(256, 256), help="WxH of each dream (default 256x256)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the chains (default 0)")


def run(args) -> int:

    dream_command(model_path(args.model), args.out, args.frames, args.steps_per_frame, args.chains,
                  args.temperature, args.size, args.seed)
    return 0
