import zipfile

import numpy as np
import pytest

from leafdream.errors import LeafdreamError
from leafdream.model.modelfile import VERSION, load_model, save_model
from model_files import rewrite, set_meta


def test_round_trip_keeps_weights_and_metadata(tiny_model, tmp_path):
    path = save_model(tiny_model, tmp_path / "m.npz")
    loaded = load_model(path)
    assert loaded.dbn.layer_sizes == tiny_model.dbn.layer_sizes == [32 * 32, 96, 48]
    for a, b in zip(loaded.dbn.layers, tiny_model.dbn.layers):
        np.testing.assert_array_equal(a.weights, b.weights)
        assert a.weights.dtype == np.float32
    meta = loaded.metadata
    assert meta["version"] == VERSION and meta["size"] == 32
    assert len(meta["data"]["held_out"]) == 12 and "fingerprint" in meta["data"]
    assert meta["normalisation"]["size"] == 32
    assert [layer["method"] for layer in meta["training"]["layers"]] == ["cd", "pcd"]
    assert "CC BY 4.0" in meta["credit"]


@pytest.mark.parametrize("damage, message", [
    ("truncate", "truncated or corrupt"),
    ("garbage", "truncated or corrupt"),
    ("newer", "newer leafdream"),
    ("format", "not a leafdream model"),
    ("shape", "wrong shape"),
    ("missing", "missing array 'layer1_weights'"),
    ("nan", "NaN"),
    ("nometa", "no 'metadata'"),
])
def test_damaged_model_files_give_one_line_naming_the_file(tiny_model_file, tmp_path, damage, message):
    target = tmp_path / f"{damage}.npz"
    if damage == "truncate":
        target.write_bytes(tiny_model_file.read_bytes()[:5000])
    elif damage == "garbage":
        target.write_bytes(b"this is not a model at all" * 10)
    elif damage == "newer":
        rewrite(tiny_model_file, target, lambda a: set_meta(a, version=VERSION + 1))
    elif damage == "format":
        rewrite(tiny_model_file, target, lambda a: set_meta(a, format="something-else"))
    elif damage == "shape":
        rewrite(tiny_model_file, target, lambda a: a.update(layer0_weights=np.zeros((10, 96), np.float32)))
    elif damage == "missing":
        rewrite(tiny_model_file, target, lambda a: a.pop("layer1_weights"))
    elif damage == "nan":
        def poison(arrays):
            arrays["layer0_hidden_bias"] = arrays["layer0_hidden_bias"].copy()
            arrays["layer0_hidden_bias"][3] = np.nan
        rewrite(tiny_model_file, target, poison)
    elif damage == "nometa":
        rewrite(tiny_model_file, target, lambda a: a.pop("metadata"))
    with pytest.raises(LeafdreamError) as caught:
        load_model(target)
    text = str(caught.value)
    assert message in text and str(target) in text and "\n" not in text


def test_missing_model_file_says_how_to_make_one(tmp_path):
    with pytest.raises(LeafdreamError, match="leafdream train"):
        load_model(tmp_path / "none.npz")


def test_saving_is_atomic_and_leaves_no_temporary_files(tiny_model, tmp_path):
    save_model(tiny_model, tmp_path / "m.npz")
    save_model(tiny_model, tmp_path / "m.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]
    assert zipfile.is_zipfile(tmp_path / "m.npz")
