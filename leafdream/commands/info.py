"""``leafdream info [MODEL]``: what a model file holds and whose data trained it."""

from __future__ import annotations

from leafdream.commands.arguments import model_path


def add_parser(commands) -> None:
    parser = commands.add_parser("info", help="describe a model file")
    parser.add_argument("model", nargs="?", default=None, help="model file (default: the shipped model)")


def run(args) -> int:
    from leafdream.model.modelfile import load_model

    model = load_model(model_path(args.model))
    meta = model.metadata
    print(f"{model.path}: leafdream model v{meta['version']}, {meta['size']}x{meta['size']} pixels, "
          f"layers {meta['layer_sizes']}")
    data = meta.get("data", {})
    print(f"data: {data.get('root')} ({len(data.get('species', []))} species, {len(data.get('files', []))} leaves, "
          f"{len(data.get('held_out', []))} held out), fingerprint {str(data.get('fingerprint'))[:12]}")
    print(f"credit: {meta.get('credit')}")
    return 0
