import json

import numpy as np
import pytest
from PIL import Image

from leafdream.commands.cli import main
from leafdream.data.leaves import load_leaf_folder
from leafdream.model.modelfile import load_model
from leafdream.data.occluders import blob_mask


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_train_end_to_end_writes_a_loadable_model(capsys, leaf_folder, tmp_path):
    out = tmp_path / "m.npz"
    code, _, err = run_cli(capsys, "train", "--data", leaf_folder, "--out", out, "--size", 24, "--hidden", "40,20",
                           "--epochs", 2, "--augment", 2, "--quiet")
    assert code == 0, err
    model = load_model(out)
    assert model.dbn.layer_sizes == [576, 40, 20]
    assert len(model.metadata["data"]["held_out"]) == 12


def test_an_artist_trains_on_a_folder_of_their_own_leaf_photos_and_dreams_with_it(capsys, tmp_path):
    from leafdream.data.procedural import SPECIES, draw_leaf
    from leafdream.data.visitor_scenes import leaf_photo

    rng = np.random.default_rng(3)
    photos = tmp_path / "garden"
    photos.mkdir()
    for k in range(10):
        mask = draw_leaf(SPECIES[k % len(SPECIES)], rng, 160, pose_jitter=False).astype(np.float32) / 255
        sheet = [(235, 235, 230), (30, 30, 32), (70, 160, 170)][k % 3]
        shot = leaf_photo(rng, mask, leaf_colour=["green", "orange", "red", "brown"][k % 4], sheet=sheet)
        Image.fromarray(shot.photo).save(photos / f"IMG_{k:04d}.{'JPG' if k % 2 else 'png'}", quality=90)
    Image.fromarray(rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)).save(photos / "IMG_9999.jpg")
    out = tmp_path / "garden.npz"
    code, text, err = run_cli(capsys, "train", "--data", photos, "--out", out, "--size", 24, "--hidden", "40,20",
                              "--epochs", 2, "--quiet")
    assert code == 0, err
    assert "skipped 1 of 11 images" in text and "IMG_9999.jpg: the background is not plain" in text
    model = load_model(out)
    assert model.metadata["data"]["species"] == ["garden"] and len(model.metadata["data"]["files"]) == 10
    assert model.metadata["training"]["augment_copies"] == 64  # few leaves: more jittered copies of each
    code, _, err = run_cli(capsys, "dream", "--model", out, "--out", tmp_path / "dreams", "--frames", 2,
                           "--size", "48x48")
    assert code == 0, err
    assert len(list((tmp_path / "dreams").glob("*.png"))) == 2


@pytest.mark.parametrize("args, message", [
    (["train", "--data", "/nonexistent/leaves", "--out", "x.npz"], "data folder does not exist"),
    (["train", "--data", ".", "--out", "x.npz", "--hidden", "500,abc"], "comma-separated layer sizes"),
    (["train", "--data", ".", "--out", "x.npz", "--epochs", "0"], "at least 1"),
    (["reconstruct", "nothere.png", "--mask", "m.png", "--out", "o.png"], "nothere.png: no such file"),
    (["info", "/nonexistent/model.npz"], "model file does not exist"),
    (["dream", "--out", "d", "--frames", "-3"], "at least 1"),
    (["train", "--data", ".", "--out", "."], "is a folder"),
    (["train", "--data", ".", "--out", "model.pkl"], "end in .npz"),
    (["map", "--out", "poster.png", "--model", "/nonexistent/m.npz"], "model file does not exist"),
    (["eval", "--data", "/nonexistent/leaves", "--model", "/nonexistent/m.npz"], "model file does not exist"),
    (["run", "--camera-debug-dump", "dumps"], "--camera-debug-dump needs a camera"),
    (["run", "--camera", "0", "--camera-debug-seconds", "0"], "--camera-debug-seconds must be positive"),
    (["camera", "calibrate", "--seconds", "-1"], "--seconds must be positive"),
])
def test_bad_arguments_give_one_clear_line_and_nonzero_exit(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    try:
        code, _, err = run_cli(capsys, *args)
    except SystemExit as stop:  # argparse's own usage errors
        code, err = stop.code, capsys.readouterr().err
    assert code != 0
    assert message in err
    assert "Traceback" not in err


def test_reconstruct_fills_the_hidden_part_and_keeps_the_rest(capsys, tiny_model_file, leaf_folder, tmp_path):
    leafset = load_leaf_folder(leaf_folder)
    index = int(np.nonzero(leafset.held_out)[0][0])
    leaf = leafset.masks[index]
    hidden = blob_mask(leaf, 0.25, np.random.default_rng(2))
    photo = (leaf * ~hidden * 255).astype(np.uint8)
    photo[hidden] = 128  # something grey where the hand was: ignored because hidden
    Image.fromarray(photo).save(tmp_path / "photo.png")
    Image.fromarray((hidden * 255).astype(np.uint8)).save(tmp_path / "mask.png")
    code, out, err = run_cli(capsys, "reconstruct", tmp_path / "photo.png", "--mask", tmp_path / "mask.png",
                             "--out", tmp_path / "out.png", "--model", tiny_model_file)
    assert code == 0, err
    result = np.asarray(Image.open(tmp_path / "out.png")).astype(np.float32) / 255
    assert result.shape == leaf.shape
    np.testing.assert_allclose(result[~hidden], leaf[~hidden], atol=1 / 255)
    assert np.mean((result[hidden] > 0.5) == (leaf[hidden] > 0.5)) > 0.85


def test_unwritable_output_is_one_line_not_a_traceback(capsys, tiny_model_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run_cli(capsys, "dream", "--model", tiny_model_file, "--out", blocker / "frames", "--frames", 1)
    assert code == 1 and "error" in err and "Traceback" not in err and str(blocker) in err


def test_reconstruct_mask_of_another_size_is_refused(capsys, tiny_model_file, tmp_path):
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(tmp_path / "mask.png")
    photo = np.zeros((50, 60), np.uint8)
    photo[10:40, 20:40] = 255
    Image.fromarray(photo).save(tmp_path / "photo.png")
    code, _, err = run_cli(capsys, "reconstruct", tmp_path / "photo.png", "--mask", tmp_path / "mask.png",
                           "--out", tmp_path / "o.png", "--model", tiny_model_file)
    assert code == 1 and "same size" in err


def test_dream_writes_frames_that_look_like_leaves(capsys, tiny_model_file, tmp_path):
    code, _, err = run_cli(capsys, "dream", "--model", tiny_model_file, "--out", tmp_path / "d", "--frames", 3,
                           "--chains", 2, "--size", "64x64")
    assert code == 0, err
    frames = sorted((tmp_path / "d").glob("*.png"))
    assert len(frames) == 3
    picture = np.asarray(Image.open(frames[-1])).astype(np.float32) / 255
    assert picture.shape == (64, 128)
    leafy = picture > 0.5
    # a leaf in the middle of the frame, dark ground at the corners
    assert 0.05 < leafy.mean() < 0.7
    assert picture[:4, :4].mean() < 0.2


def test_bench_json_has_every_figure(capsys, tiny_model_file):
    code, out, err = run_cli(capsys, "bench", "--model", tiny_model_file, "--json", "--seconds", 0.05)
    assert code == 0, err
    figures = json.loads(out)
    for key in ("gibbs_chain_steps_per_s", "dense_limit_chain_steps_per_s", "numpy_gibbs_chain_steps_per_s",
                "sklearn_gibbs_chain_steps_per_s", "sklearn64_gibbs_chain_steps_per_s", "train_samples_per_s",
                "train_limit_samples_per_s", "train_share_of_limit", "sklearn_train_samples_per_s_batch_10",
                "warm_start_to_first_sample_s"):
        assert figures[key] > 0, key
    assert figures["shape"] == [1024, 96]
    # one row per layer of the model, at the shapes and batch its recipe trained it with
    layers = figures["train_recipe_layers"]
    assert [layer["shape"] for layer in layers] == [[1024, 96], [96, 48]]
    assert all(layer["batch"] > 0 and 0 < layer["share_of_limit"] for layer in layers)


def test_reconstruct_without_a_mask_finds_the_hand_in_a_photo(capsys, tiny_model_file, tmp_path):
    import cv2

    from leafdream.data.synthetic_frames import composite

    rng = np.random.default_rng(4)
    shot = composite(rng, colour="green", backdrop_colour=(235, 235, 235))
    while not (shot.leaf & shot.hand).any():
        shot = composite(rng, colour="green", backdrop_colour=(235, 235, 235))
    Image.fromarray(cv2.cvtColor(shot.frame, cv2.COLOR_BGR2RGB)).save(tmp_path / "photo.png")
    code, out, err = run_cli(capsys, "reconstruct", tmp_path / "photo.png", "--out", tmp_path / "out.png",
                             "--model", tiny_model_file)
    assert code == 0, err
    assert "hidden by a hand" in out
    probability = np.asarray(Image.open(tmp_path / "out.png"))
    assert probability.shape == shot.leaf.shape
    result = probability > 127
    visible = shot.leaf & ~cv2.dilate(shot.hand.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert result[visible].mean() > 0.97  # the leaf as the photo shows it
    far = ~cv2.dilate((shot.leaf | shot.hand).astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    assert probability[far].max() < 10  # the leaf's probability, never the photo's brightness
    assert (result & shot.leaf).sum() / max((result | shot.leaf).sum(), 1) > 0.75  # the 32-px test model's fill


def test_version_says_the_installed_version(capsys):
    from leafdream import __version__

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0 and capsys.readouterr().out.strip() == f"leafdream {__version__}"


def test_output_cut_short_by_head_or_a_pager_is_no_error(tiny_model_file):
    import subprocess
    import sys

    reader = subprocess.Popen([sys.executable, "-m", "leafdream", "species", "--model", str(tiny_model_file)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # as `leafdream species | head -1` does once it has its line
    _, said = reader.communicate(timeout=120)
    assert reader.returncode == 0 and b"error" not in said.lower() and b"Traceback" not in said
