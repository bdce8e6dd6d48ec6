"""``leafdream species``: the names a drift path may use, and a contact sheet of them."""

import numpy as np
from PIL import Image

from leafdream.commands.cli import main
from leafdream.leafspace.species_sheet import LABEL, TILE
from leafdream.leafspace.store import leaf_space


def test_species_lists_every_name_a_path_may_use_and_draws_them(tiny_model, tiny_model_file, tmp_path, capsys):
    names = sorted(set(leaf_space(tiny_model).species.tolist()))
    assert main(["species", "--model", str(tiny_model_file), "--sheet", str(tmp_path / "sheet.png")]) == 0
    out = capsys.readouterr().out
    assert f"{len(names)} species a drift path may name" in out
    assert all(f"  {name} " in out for name in names)
    sheet = np.asarray(Image.open(tmp_path / "sheet.png"))
    assert sheet.shape == (TILE + LABEL, len(names) * TILE, 3)  # one row: fewer than ten species
    tiles = [sheet[8:TILE - 8, k * TILE + 8:(k + 1) * TILE - 8].mean() for k in range(len(names))]
    assert all(20 < brightness < 230 for brightness in tiles)  # a leaf on dark in every tile, not blank or white


def test_species_says_what_is_wrong_in_one_line(tiny_model_file, tmp_path, capsys):
    assert main(["species", "--model", str(tiny_model_file), "--sheet", str(tmp_path / "sheet.jpg")]) == 1
    assert "is a .png file" in capsys.readouterr().err
    assert main(["species", "--model", str(tiny_model_file), "--sheet", str(tmp_path / "no" / "s.png")]) == 1
    assert "does not exist" in capsys.readouterr().err
