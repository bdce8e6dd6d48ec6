import json
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


def test_weights_stored_in_double_precision_load_as_float32_with_the_size_and_extra_arrays(tiny_model_file,
                                                                                           tmp_path):
    def widened(arrays):
        for name in list(arrays):
            if name.startswith("layer"):
                arrays[name] = arrays[name].astype(np.float64)
        arrays["map_positions"] = np.arange(6, dtype=np.float32).reshape(3, 2)

    target = rewrite(tiny_model_file, tmp_path / "wide.npz", widened)
    with np.load(target) as archive:
        extras = {name for name in archive.files if name != "metadata" and not name.startswith("layer")}
    loaded = load_model(target)
    assert loaded.dbn.size == 32
    for layer in loaded.dbn.layers:
        assert {layer.weights.dtype, layer.visible_bias.dtype, layer.hidden_bias.dtype} == {np.dtype(np.float32)}
        assert layer.weights.flags.c_contiguous
    assert set(loaded.extras) == extras and "map_positions" in extras
    np.testing.assert_array_equal(loaded.extras["map_positions"], np.arange(6).reshape(3, 2))


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


def _refusal(path) -> str:
    with pytest.raises(LeafdreamError) as caught:
        load_model(path)
    return str(caught.value)


@pytest.mark.parametrize("updates, problem", [
    ({"version": 0}, "model version 0 is not valid"),
    ({"version": "1"}, "model version '1' is not valid"),
    ({"version": None}, "model version None is not valid"),
    ({"format": None}, "not a leafdream model (format is None, expected 'leafdream-model')"),
    ({"format": "keras"}, "not a leafdream model (format is 'keras', expected 'leafdream-model')"),
    ({"size": 7}, "model metadata has no valid 'size'/'layer_sizes' (got 7, [1024, 96, 48])"),
    ({"size": "32"}, "model metadata has no valid 'size'/'layer_sizes' (got '32', [1024, 96, 48])"),
    ({"layer_sizes": [1024]}, "model metadata has no valid 'size'/'layer_sizes' (got 32, [1024])"),
    ({"layer_sizes": "1024,96"}, "model metadata has no valid 'size'/'layer_sizes' (got 32, '1024,96')"),
    ({"layer_sizes": [1024, 1]}, "model metadata 'layer_sizes' must be whole numbers from 2 to 65536, got [1024, 1]"),
    ({"layer_sizes": [1024, 65537]},
     "model metadata 'layer_sizes' must be whole numbers from 2 to 65536, got [1024, 65537]"),
    ({"layer_sizes": [1024, 96.0]},
     "model metadata 'layer_sizes' must be whole numbers from 2 to 65536, got [1024, 96.0]"),
    # one past each refusal is accepted by it, and fails later, where the arrays are compared
    ({"size": 8}, "wrong shape: layer_sizes[0] is 1024 but size 8 needs 64 pixels"),
    ({"layer_sizes": [1024, 2]}, "wrong shape: 'layer0_weights' is (1024, 96), expected (1024, 2)"),
    ({"layer_sizes": [1024, 65536]}, "wrong shape: 'layer0_weights' is (1024, 96), expected (1024, 65536)"),
    ({"layer_sizes": [1024, 96, 48, 10]},
     "wrong shape: missing array 'layer2_weights' for layer_sizes [1024, 96, 48, 10]"),
    ({"normalisation": "64px"}, "model metadata 'normalisation' is a str, expected a dict"),
    ({"credit": ["Mallah"]}, "model metadata 'credit' is a list, expected a str"),
    ({"data": {"fingerprint": 12}}, "model metadata 'data.fingerprint' is a int, expected a str"),
    ({"data": {"root": None}}, "model metadata 'data.root' is a NoneType, expected a str"),
    ({"data": {"leaf_species": {"a": 1}}}, "model metadata 'data.leaf_species' is a dict, expected a list"),
    ({"data": {"held_out": 3}}, "model metadata 'data.held_out' is a int, expected a list"),
    ({"data": {"files": ["a.png", 2]}}, "model metadata 'data.files' must list names (text)"),
    ({"data": {"leaf_species": [None]}}, "model metadata 'data.leaf_species' must list names (text)"),
    ({"data": {"held_out": [[1]]}}, "model metadata 'data.held_out' must list names (text)"),
])
def test_each_metadata_refusal_is_the_whole_line_naming_the_file(tiny_model_file, tmp_path, updates, problem):
    target = rewrite(tiny_model_file, tmp_path / "meta.npz", lambda a: set_meta(a, **updates))
    assert _refusal(target) == f"{target}: {problem}"


@pytest.mark.parametrize("updates", [
    {"layer_sizes": [1024, 96]},               # two sizes are one layer (the second layer's arrays are extras)
    {"data": {}, "training": {}, "normalisation": {}, "credit": ""},
    {"data": {"files": [], "species": ["Acer"], "fingerprint": "f", "root": "r"}},
])
def test_metadata_at_the_edge_of_each_rule_still_loads(tiny_model_file, tmp_path, updates):
    target = rewrite(tiny_model_file, tmp_path / "edge.npz", lambda a: set_meta(a, **updates))
    model = load_model(target)
    assert model.dbn.layer_sizes == updates.get("layer_sizes", [1024, 96, 48]) and model.path == str(target)


def test_metadata_without_its_optional_fields_still_loads(tiny_model_file, tmp_path):
    def without_optional(arrays):
        meta = json.loads(arrays["metadata"].tobytes())
        for key in ("data", "training", "normalisation", "credit"):
            meta.pop(key, None)
        arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)

    target = rewrite(tiny_model_file, tmp_path / "bare.npz", without_optional)
    assert load_model(target).dbn.layer_sizes == [1024, 96, 48]


def test_an_archive_without_metadata_is_no_model_in_one_line(tiny_model_file, tmp_path):
    target = rewrite(tiny_model_file, tmp_path / "bare.npz", lambda a: a.pop("metadata"))
    assert _refusal(target) == f"{target}: not a leafdream model (no 'metadata' entry)"


def test_an_array_of_python_objects_is_refused_naming_the_file_and_the_array(tiny_model_file, tmp_path):
    target = rewrite(tiny_model_file, tmp_path / "objects.npz",
                     lambda a: a.update(extra=np.array([{"a": 1}], dtype=object)))
    assert _refusal(target) == (f"{target}: array 'extra' holds Python objects; a leafdream model holds numbers "
                                f"only")


def test_unreadable_metadata_and_paths_that_are_no_file_say_so_whole(tiny_model_file, tmp_path):
    import json

    def broken_json(arrays):
        arrays["metadata"] = np.frombuffer(b'{"format": ', np.uint8)

    target = rewrite(tiny_model_file, tmp_path / "json.npz", broken_json)
    said = _refusal(target)
    assert said.startswith(f"{target}: model metadata is not valid JSON (") and "\n" not in said
    not_text = rewrite(tiny_model_file, tmp_path / "bytes.npz",
                       lambda a: a.update(metadata=np.frombuffer(b"\xff\xfe\x00", np.uint8)))
    assert _refusal(not_text).startswith(f"{not_text}: model metadata is not valid JSON (")
    a_list = rewrite(tiny_model_file, tmp_path / "list.npz",
                     lambda a: a.update(metadata=np.frombuffer(json.dumps([1]).encode(), np.uint8)))
    assert _refusal(a_list) == f"{a_list}: not a leafdream model (format is None, expected 'leafdream-model')"
    assert _refusal(tmp_path) == f"{tmp_path}: is a folder, expected a model file (.npz)"
    missing = tmp_path / "none.npz"
    assert _refusal(missing) == (f"{missing}: model file does not exist (train one with "
                                 f"'leafdream train --data DIR --out FILE')")
    truncated = tmp_path / "cut.npz"
    truncated.write_bytes(tiny_model_file.read_bytes()[:300])
    assert _refusal(truncated) == (f"{truncated}: not a readable leafdream model (truncated or corrupt: not an .npz "
                                   f"archive, or empty)")
    newer = rewrite(tiny_model_file, tmp_path / "newer.npz", lambda a: set_meta(a, version=VERSION + 1))
    assert _refusal(newer) == (f"{newer}: model version {VERSION + 1} was written by a newer leafdream; this one "
                               f"reads up to version {VERSION}")


def test_saved_metadata_names_the_format_the_shape_and_the_credit(tiny_model, tmp_path):
    import json

    from leafdream.model.modelfile import Model

    uncredited = Model(tiny_model.dbn, {k: v for k, v in tiny_model.metadata.items() if k != "credit"})
    path = save_model(uncredited, tmp_path / "m.npz")
    with np.load(path) as archive:
        text = archive["metadata"].tobytes().decode()
        names = set(archive.files)
    meta = json.loads(text)
    assert (meta["format"], meta["version"], meta["size"], meta["layer_sizes"]) == ("leafdream-model", 1, 32,
                                                                                   [1024, 96, 48])
    assert meta["credit"].startswith("Trained on the UCI 'One-hundred plant species leaves data set'")
    assert "CC BY 4.0" in meta["credit"] and "Mallah" in meta["credit"]
    assert names >= {"metadata", "layer0_weights", "layer0_visible_bias", "layer0_hidden_bias", "layer1_weights"}


@pytest.mark.parametrize("claims, problem", [
    # exactly at each limit: not refused for its size, so reading finds the data missing
    ([("weights.npy", (2 ** 28,), "<f4")], "truncated or corrupt"),
    ([("metadata.npy", (20 * 1024 ** 2,), "|u1")], "truncated or corrupt"),
    ([("a.npy", (2 ** 28,), "<f4"), ("b.npy", (2 ** 28,), "<f4")], "truncated or corrupt"),
    # one element past it
    ([("weights.npy", (2 ** 28 + 1,), "<f4")], "array 'weights' would take 1024 MB (shape (268435457,)); a "
                                                "leafdream model's arrays take at most 1024 MB"),
    ([("metadata.npy", (20 * 1024 ** 2 + 1,), "|u1")], "array 'metadata' would take 20 MB (shape (20971521,)); a "
                                                        "leafdream model's arrays take at most 20 MB"),
    ([("a.npy", (2 ** 28,), "<f4"), ("b.npy", (2 ** 28,), "<f4"), ("c.npy", (1,), "|u1")],
     "its arrays would take 2.0 GB in all; a leafdream model takes at most 2 GB"),
    ([("scalar.npy", (), "<f8"), ("a.npy", (2 ** 28,), "<f4"), ("b.npy", (2 ** 28,), "<f4")], "2.0 GB in all"),
    # far past it, the total is said in GB of 1024 MB
    ([(f"a{i}.npy", (2 ** 28,), "<f4") for i in range(20)], "its arrays would take 20.0 GB in all"),
])
def test_size_limits_hold_exactly_at_their_edge(tmp_path, claims, problem):
    from model_files import header_only

    target = tmp_path / "claims.npz"
    with zipfile.ZipFile(target, "w") as archive:
        for name, shape, dtype in claims:
            archive.writestr(name, header_only(shape, dtype))
    said = _refusal(target)
    assert said.startswith(f"{target}: ") and problem in said and "\n" not in said
    if "truncated" not in problem:
        assert said.endswith(" — the file is damaged or not a model")


def test_a_model_damaged_inside_its_compressed_data_is_corrupt_in_one_line(tiny_model_file, tmp_path):
    data = tiny_model_file.read_bytes()
    target = tmp_path / "damaged.npz"
    for at in range(len(data) // 8, len(data) - 200, len(data) // 8):  # zipfile's checksums catch these
        target.write_bytes(data[:at] + bytes(64) + data[at + 64:])
        said = _refusal(target)
        assert said.startswith(f"{target}: not a readable leafdream model (") and "\n" not in said
    # a deflate stream that zlib itself refuses (its first block of a kind that does not exist)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.npy", bytes(1000))
        member = archive.getinfo("metadata.npy")
    damaged = bytearray(target.read_bytes())
    damaged[member.header_offset + 30 + len(member.filename.encode()) + len(member.extra)] = 0xFF
    target.write_bytes(damaged)
    assert _refusal(target) == (f"{target}: not a readable leafdream model (corrupt: error: Error -3 while "
                                f"decompressing data: invalid block type)")
