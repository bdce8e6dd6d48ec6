"""``leafdream map``: compute a model's leaf-space map, or draw it as a poster."""

from __future__ import annotations

from pathlib import Path

from leafdream.commands.arguments import add_model, model_path, positive_int, size_pair
from leafdream.errors import LeafdreamError


def map_command(model_path, out, size, tiles: int, labels: bool, compute: bool, data_dir, seed: int) -> None:
    from leafdream.model.split import training_leaves
    from leafdream.leafspace.store import add_map, leaf_space
    from leafdream.model.modelfile import load_model, save_model
    from leafdream.leafspace.poster import render_poster

    if not compute and not out:
        raise LeafdreamError("say what to do: --out POSTER.png to draw the map, or --compute --data DIR to make one")
    if out and Path(out).suffix.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        raise LeafdreamError(f"--out {out}: unsupported image type {Path(out).suffix or '(none)'!r}; use .png")
    if out and not Path(out).resolve().parent.exists():
        raise LeafdreamError(f"--out {out}: folder {Path(out).parent} does not exist")
    model = load_model(model_path)
    if compute:
        if not data_dir:
            raise LeafdreamError("--compute needs --data DIR, the folder the model was trained on")
        leafset = training_leaves(model, data_dir)
        add_map(model, leafset, seed=seed, log=print)
        save_model(model, model_path)
        print(f"stored the leaf-space map in {model_path}")
    if out:
        space = leaf_space(model)
        render_poster(model.dbn, space, size=size, tiles=tiles, labels=labels).save(out)
        print(f"wrote {out} ({size[0]}x{size[1]}, {tiles}x{tiles} imagined leaves, {len(space.positions)} real leaves)")


def add_parser(commands) -> None:
    parser = commands.add_parser("map", help="leaf space: draw the poster, or (re)compute the map of a model")
    parser.add_argument("--out", help="poster image to write (.png)")
    parser.add_argument("--size", type=size_pair, default=(2400, 2400), help="WxH of the poster (default 2400x2400)")
    parser.add_argument("--tiles", type=positive_int, default=28, help="imagined leaves per side (default 28)")
    parser.add_argument("--no-labels", action="store_true", help="leave out the species names")
    parser.add_argument("--compute", action="store_true", help="compute the map and store it in the model file")
    parser.add_argument("--data", help="with --compute: the data folder the model was trained on")
    add_model(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of the t-SNE (default 0)")


def run(args) -> int:

    map_command(model_path(args.model), out=args.out, size=args.size, tiles=args.tiles, labels=not args.no_labels,
                compute=args.compute, data_dir=args.data, seed=args.seed)
    return 0
