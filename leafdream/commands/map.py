"""``leafdream map``: compute a model's leaf-space map, or draw it as a poster."""

from __future__ import annotations

from pathlib import Path

from leafdream.errors import LeafdreamError
from leafdream.data.leaves import load_leaf_folder
from leafdream.leafspace.store import add_map, leaf_space
from leafdream.model.modelfile import load_model, save_model
from leafdream.leafspace.poster import render_poster


def map_command(model_path, out, size, tiles: int, labels: bool, compute: bool, data_dir, seed: int) -> None:
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
        leafset = load_leaf_folder(data_dir, model.metadata.get("data", {}).get("holdout_per_species", 2))
        recorded = model.metadata.get("data", {}).get("fingerprint")
        if recorded and leafset.fingerprint() != recorded:
            raise LeafdreamError(f"{data_dir}: these are not the leaves {model_path} was trained on "
                                 f"(data fingerprint differs); use the training data")
        add_map(model, leafset, seed=seed)
        save_model(model, model_path)
        print(f"stored the leaf-space map in {model_path}")
    if out:
        space = leaf_space(model)
        render_poster(model.dbn, space, size=size, tiles=tiles, labels=labels).save(out)
        print(f"wrote {out} ({size[0]}x{size[1]}, {tiles}x{tiles} imagined leaves, {len(space.positions)} real leaves)")
