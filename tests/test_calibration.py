import logging

import cv2
import numpy as np
import pytest

from leafdream.camera.calibration import Calibrator, load_calibration
from leafdream.data.synthetic_frames import SKIN, backdrop, composite
from leafdream.camera.watcher import SEGMENT_WIDTH, LeafWatcher
from leafdream.errors import LeafdreamError
from leafdream.data.occluders import hand_mask

SHAPE = (240, 320)
GROUND = (200, 205, 210)


def phase_frames(rng, count_each=30):
    """(empty frames, hand-only frames, leaf-with-hand frames), BGR uint8 at SHAPE, with sensor noise."""
    def noisy(image):
        return np.clip(image.astype(np.int16) + rng.integers(-3, 4, image.shape), 0, 255).astype(np.uint8)

    ground = backdrop(SHAPE, rng, GROUND)
    hand = ground.copy()
    hand[hand_mask(SHAPE, rng)] = SKIN[0]
    shot = composite(rng, SHAPE, colour="green", backdrop_colour=GROUND, noise=0.0)
    return ([noisy(ground) for _ in range(count_each)], [noisy(hand) for _ in range(count_each)],
            [noisy(shot.frame) for _ in range(count_each)])


def test_calibration_learns_the_scene_the_skin_and_finds_the_leaf():
    rng = np.random.default_rng(4)
    empty, hands, leaves = phase_frames(rng)
    calibrator = Calibrator(SHAPE, phase_seconds=1.0)
    for index, frame in enumerate(empty + hands + leaves + leaves[:3]):
        calibrator.observe(frame, 100.0 + index / 30)
    assert calibrator.phase == "done"
    calibration = calibrator.result()
    assert 10.0 <= calibration.threshold <= 20.0  # a quiet scene: a low threshold
    skin = cv2.cvtColor(np.uint8([[SKIN[0]]]), cv2.COLOR_BGR2YCrCb)[0, 0]
    assert calibration.skin_cr[0] <= skin[1] <= calibration.skin_cr[1]
    assert calibration.skin_cb[0] <= skin[2] <= calibration.skin_cb[1]
    assert calibration.skin_cr[1] - calibration.skin_cr[0] < 45  # fitted to this hand, not the default box
    assert calibration.report["hand_seen"] and calibration.report["leaf_found_share_of_frames"] >= 0.8
    np.testing.assert_allclose(calibration.background, cv2.cvtColor(empty[0], cv2.COLOR_BGR2LAB), atol=4)


def test_a_calibrated_watcher_sees_a_leaf_without_learning_first(tmp_path):
    rng = np.random.default_rng(5)
    empty, hands, leaves = phase_frames(rng)
    calibrator = Calibrator(SHAPE, phase_seconds=1.0)
    for index, frame in enumerate(empty + hands + leaves + leaves[:3]):
        calibrator.observe(frame, index / 30)
    path = calibrator.result().save(tmp_path / "cal.npz")
    watcher = LeafWatcher(learn_frames=15, calibration=load_calibration(path), width=SHAPE[1])
    for frame in leaves[:4]:  # a visitor already in front of the camera when leafdream starts
        watcher.observe(frame, 0.0)
    assert watcher.present


def test_a_calibration_for_another_camera_size_is_set_aside(caplog):
    rng = np.random.default_rng(6)
    empty, hands, leaves = phase_frames(rng, count_each=10)
    calibrator = Calibrator(SHAPE, phase_seconds=0.3)
    for index, frame in enumerate(empty + hands + leaves + leaves):
        calibrator.observe(frame, index / 30)
    watcher = LeafWatcher(calibration=calibrator.result(), width=160)
    with caplog.at_level(logging.WARNING):
        watcher.observe(empty[0], 0.0)
    assert "calibration is for 320x240" in caplog.text and watcher.seen == 1


def test_bad_calibration_files_name_the_file_and_the_fix(tmp_path):
    with pytest.raises(LeafdreamError, match="no camera calibration there"):
        load_calibration(tmp_path / "missing.npz")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file at all")
    with pytest.raises(LeafdreamError, match=r"broken.npz: not a readable camera calibration.*calibrate"):
        load_calibration(broken)
    old = tmp_path / "old.npz"
    np.savez(old, background=np.zeros((4, 4, 3), np.float32), meta=np.frombuffer(b'{"version": 0}', np.uint8))
    with pytest.raises(LeafdreamError, match="calibration version 0"):
        load_calibration(old)


def test_calibrate_command_from_a_rehearsal_video(tmp_path, capsys):
    from leafdream.commands.cli import main

    rng = np.random.default_rng(7)
    empty, hands, leaves = phase_frames(rng, count_each=36)
    video = tmp_path / "calibrate.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 30, (SHAPE[1], SHAPE[0]))
    for frame in empty + hands + leaves:
        writer.write(frame)
    writer.release()
    out = tmp_path / "cal.npz"
    assert main(["camera", "calibrate", "--camera", str(video), "--seconds", "1", "--out", str(out), "--no-preview"]) == 0
    printed = capsys.readouterr().out
    assert "step out of view" in printed and "hold one open hand" in printed and "hand: skin is Cr" in printed
    assert load_calibration(out).shape == (SHAPE[0] * SEGMENT_WIDTH // SHAPE[1], SEGMENT_WIDTH)  # as the live camera segments
    assert main(["camera", "calibrate", "--seconds", "0", "--out", str(out)]) != 0
    assert "--seconds must be positive" in capsys.readouterr().err


def test_camera_pictures_reach_the_disk_only_in_an_operators_debug_dump(tmp_path, monkeypatch, caplog):
    rng = np.random.default_rng(8)
    empty, hands, leaves = phase_frames(rng, count_each=20)
    written = []
    real_imwrite = cv2.imwrite
    monkeypatch.setattr(cv2, "imwrite", lambda path, image: written.append(path) or real_imwrite(path, image))
    watcher = LeafWatcher(learn_frames=5)
    for index, frame in enumerate(empty + leaves):
        watcher.observe(frame, index / 30)
    assert written == []  # the normal path keeps everything in memory
    with caplog.at_level(logging.WARNING):
        watcher.start_dump(tmp_path, seconds=0.3)
        for index, frame in enumerate(leaves):
            watcher.observe(frame, 10 + index / 30)
    assert "debug dump started by the operator" in caplog.text and "debug dump finished" in caplog.text
    frames = sorted((tmp_path / "dump-1").glob("*-frame.png"))
    assert 8 <= len(frames) <= 11  # 0.3 s at 30 fps, then it stops by itself
    assert len(list((tmp_path / "dump-1").glob("*-segmentation.png"))) == len(frames)
    assert watcher.dump is None


def _flickering(rng, ground, spread: int, count: int = 15):
    return [np.clip(ground.astype(np.int16) + rng.integers(-spread, spread + 1, ground.shape), 0, 255).astype(np.uint8)
            for _ in range(count)]


def test_the_watcher_sets_its_foreground_threshold_from_the_empty_scenes_flicker():
    """Without a calibration, the live path learns the threshold as the calibration does: three times the
    empty scene's flicker, within bounds, and only from the frames it learns the empty scene from at the start."""
    from leafdream.camera.segment import MAX_THRESHOLD, MIN_THRESHOLD, NOISE_FACTOR, Segmenter

    rng = np.random.default_rng(6)
    ground = backdrop(SHAPE, rng, GROUND).astype(np.uint8)
    quiet, noisy = LeafWatcher(learn_frames=15, width=SHAPE[1]), LeafWatcher(learn_frames=15, width=SHAPE[1])
    for frame in _flickering(rng, ground, 2):
        quiet.observe(frame, 0.0)
    for frame in _flickering(rng, ground, 6):
        noisy.observe(frame, 0.0)
    assert quiet.segmenter.threshold == MIN_THRESHOLD  # a quiet camera: the least threshold
    assert noisy.segmenter.threshold == pytest.approx(NOISE_FACTOR * noisy.segmenter.noise_level)
    assert 18.0 < noisy.segmenter.threshold < MAX_THRESHOLD  # a noisy one: above the old fixed 18
    learnt = noisy.segmenter.threshold
    for frame in _flickering(rng, ground, 40, 5):  # later frames without a leaf teach the picture, not the threshold
        noisy.observe(frame, 0.0)
    assert noisy.segmenter.threshold == learnt
    fixed = Segmenter(SHAPE, threshold=25.0, learn_threshold=False)  # a calibration's threshold stays
    for frame in _flickering(rng, ground, 2):
        fixed.learn_background(frame, rate=0.1, measure=True)
    assert fixed.threshold == 25.0 and fixed.noise_level is not None


@pytest.mark.parametrize("wall, leaf, skin", [((42, 80, 120), "brown", "V"), ((30, 110, 215), "orange", None),
                                              ((40, 52, 78), "brown", "VI"), ((160, 190, 234), None, "II"),
                                              ((200, 205, 210), None, None), ((230, 235, 235), None, None)])
def test_calibration_warns_of_a_backdrop_of_a_leaf_colour_or_a_skin_tone(wall, leaf, skin):
    """The live path sees what differs from the empty scene: before a wall of a leaf's colour or a visitor's skin
    tone that leaf or hand hardly does, so the technician is told at calibration, not the visitor at the show
    (wall: BGR). A white or grey wall is unlike both."""
    from leafdream.camera.calibration import describe

    rng = np.random.default_rng(5)
    ground = backdrop(SHAPE, rng, wall)
    calibrator = Calibrator(SHAPE, phase_seconds=1.0)
    for index in range(25):
        calibrator.observe(np.clip(ground.astype(np.int16) + rng.integers(-3, 4, ground.shape), 0, 255)
                           .astype(np.uint8), index / 30)
    lines = [line for line in describe(calibrator.result()) if line.startswith("backdrop:")]
    leaf_lines = [line for line in lines if "skin of type" not in line]
    skin_lines = [line for line in lines if "skin of type" in line]
    assert len(leaf_lines) == 1 and len(skin_lines) == (1 if skin else 0)
    if leaf:
        assert f"close to the colour of {leaf} leaves" in leaf_lines[0] and "hard to see" in leaf_lines[0]
    else:
        assert "unlike every leaf colour" in leaf_lines[0]
    if skin:
        assert f"skin of type {skin}:" in skin_lines[0]
