"""``leafdream species``: the species names a drift path may use (``--sheet FILE.png``: what each looks like)."""

from __future__ import annotations

from pathlib import Path

from leafdream.commands.arguments import add_model, model_path
from leafdream.errors import LeafdreamError


def species_command(model, sheet) -> int:
    from leafdream.leafspace.species_sheet import species_sheet, species_table
    from leafdream.scenes.context import load_context

    if sheet and Path(sheet).suffix.lower() != ".png":
        raise LeafdreamError(f"--sheet {sheet}: the contact sheet is a .png file")
    if sheet and not Path(sheet).resolve().parent.is_dir():
        raise LeafdreamError(f"--sheet {sheet}: folder {Path(sheet).parent} does not exist")
    context = load_context(model)
    if context.space is None:
        raise LeafdreamError(f"{model} has no leaf-space map, so no species to name: "
                             f"'leafdream map --compute --data DIR' makes one")
    table = species_table(context.space)
    print(f"{len(table)} species a drift path may name (path = [\"{table[0][0]}\", …]), with their training "
          f"leaves and where they sit on the map:")
    for name, count, (x, y) in table:
        print(f"  {name:<32} {count:3d} leaves  at ({x:.2f}, {y:.2f})")
    if sheet:
        species_sheet(context.dbn, context.space).save(sheet)
        print(f"wrote {sheet}: the leaf the network imagines for each species")
    return 0


def add_parser(commands) -> None:
    parser = commands.add_parser("species", help="the species names a drift path may use, and a contact sheet")
    parser.add_argument("--sheet", default=None, metavar="FILE.png",
                        help="also draw each species as the network imagines it, with its name")
    add_model(parser)


def run(args) -> int:
    return species_command(model_path(args.model), args.sheet)
