import cv2
import numpy as np
import pytest

from leafdream.camera.segment import Segmentation, Segmenter
from leafdream.camera.watcher import SEGMENT_WIDTH
from leafdream.data.synthetic_frames import composite
from leafdream.model.completion import complete, network_filler, telea_completion
from leafdream.model.kernels import RandomKeys


def iou(a, b):
    return (a & b).sum() / max((a | b).sum(), 1)


def trained_segmenter(rng, shape=(240, 320), backdrop_colour=(235, 235, 235)):
    segmenter = Segmenter(shape)
    for _ in range(5):
        segmenter.learn_background(composite(rng, shape, hidden=False, backdrop_colour=backdrop_colour).background, rate=0.5)
    return segmenter


def empty_scene(ground_colour, seed, shape=(240, 320)):
    """(a segmenter that has learnt the empty backdrop, a copy of the backdrop to draw a scene on)."""
    from leafdream.data.synthetic_frames import backdrop

    segmenter = Segmenter(shape)
    ground = backdrop(shape, np.random.default_rng(seed), ground_colour)
    segmenter.learn_background(ground, rate=1.0)
    return segmenter, ground.copy()


def worker_for(model, segmentation):
    """A completion worker of ``model`` that sees only ``segmentation``."""
    from leafdream.camera.completer import CompletionWorker
    from leafdream.leafspace.store import leaf_space
    from leafdream.scenes.context import SceneContext

    return CompletionWorker(SceneContext(model.dbn, leaf_space(model), extras={}), FakeWatcher(segmentation))


COLOURS = [
    "green",
    "yellow",
    "red",
    "brown",  # a hand as wide as the leaf and near its colour: the leaf is yellower (skin/same_hue)
]


@pytest.mark.parametrize("colour", COLOURS)
def test_leaf_and_hand_are_told_apart_by_leaf_colour(colour):
    rng = np.random.default_rng(["green", "yellow", "red", "brown"].index(colour) + 10)
    segmenter = trained_segmenter(rng)
    shot = composite(rng, colour=colour, backdrop_colour=(235, 235, 235))
    result = segmenter.segment(shot.frame)
    leaf = result.leaf > 0.5
    assert (leaf & shot.leaf).sum() / max(leaf.sum(), 1) > 0.95  # what is called leaf is leaf
    seen = shot.leaf & ~shot.hand & ~result.hidden
    assert (leaf & seen).sum() / max(seen.sum(), 1) > 0.9  # and the visible leaf is found
    assert (result.hidden & shot.hand).sum() / max(shot.hand.sum(), 1) > 0.9  # the hand is unknown


def test_completed_leaves_match_the_truth_and_beat_telea(tiny_model):
    rng = np.random.default_rng(5)
    segmenter = trained_segmenter(rng)
    ours, ours_wrong, telea_wrong = [], [], []
    for k in range(8):
        shot = composite(rng, colour=("green", "yellow")[k % 2], backdrop_colour=(235, 235, 235))
        if not (shot.leaf & shot.hand).any():
            continue
        result = segmenter.segment(shot.frame)
        filled = complete(result.leaf, result.hidden, tiny_model.size, network_filler(tiny_model, RandomKeys(1)),
                          pose_rounds=1)
        ours.append(iou(filled.probability > 0.5, shot.leaf))
        ours_wrong.append(((filled.probability > 0.5) != shot.leaf)[result.hidden].mean())
        telea_wrong.append(((telea_completion(result.leaf, result.hidden) > 0.5) != shot.leaf)[result.hidden].mean())
    assert len(ours) >= 4
    assert np.mean(ours) >= 0.9
    # the fill is what differs: fewer hidden pixels called wrong than Telea (0.053 against 0.061 with this seed)
    assert np.mean(ours_wrong) < 0.95 * np.mean(telea_wrong)


@pytest.mark.xfail(strict=True, reason="known limit: the pose rounds can run away when a fill grows the leaf "
                   "into a large hidden part (the frame grows with it); on the shipped model 2 of 74 camera "
                   "composites lost over 0.05 IoU, and every guard tried cost more on hidden leaves than it saved")
def test_pose_rounds_do_not_run_away_when_a_fill_grows_the_leaf(tiny_model):
    rng = np.random.default_rng(5)
    segmenter = trained_segmenter(rng)
    shots = [composite(rng, colour=("green", "yellow")[k % 2], backdrop_colour=(235, 235, 235)) for k in range(2)]
    shot = shots[1]  # the one composite of the test above whose fill grows round after round
    result = segmenter.segment(shot.frame)
    one, settled = (complete(result.leaf, result.hidden, tiny_model.size, network_filler(tiny_model, RandomKeys(1)),
                             pose_rounds=rounds).probability > 0.5 for rounds in (1, 12))
    assert iou(settled, shot.leaf) >= iou(one, shot.leaf) - 0.05


@pytest.mark.parametrize("frame", [
    np.zeros((240, 320, 3), np.uint8),
    np.full((240, 320, 3), 255, np.uint8),
    np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8),
    np.zeros((100, 100, 3), np.uint8),
    np.zeros((240, 320), np.uint8),
    np.zeros((240, 320, 3), np.float32),
    None,
])
def test_bad_frames_give_a_result_not_an_exception(frame):
    segmenter = trained_segmenter(np.random.default_rng(1))
    result = segmenter.segment(frame)
    assert result.leaf.shape == (240, 320)


def test_presence_has_hysteresis():
    rng = np.random.default_rng(3)
    segmenter = trained_segmenter(rng)
    empty = composite(rng, hidden=False, backdrop_colour=(235, 235, 235)).background
    shot = composite(rng, backdrop_colour=(235, 235, 235))
    states = [segmenter.segment(shot.frame).present for _ in range(4)]
    assert states == [False, False, True, True]  # on after 3 frames in a row
    flicker = [segmenter.segment(frame).present for frame in (empty, shot.frame, empty, empty)]
    assert all(flicker)  # a frame or two without the leaf does not switch it off
    off = [segmenter.segment(empty).present for _ in range(8)]
    assert off[-1] is False


def test_the_watcher_learns_the_empty_scene_then_reports_leaves_coming_and_going():
    from leafdream.camera.watcher import LeafWatcher

    rng = np.random.default_rng(21)
    empty = composite(rng, shape=(480, 640), hidden=False, backdrop_colour=(210, 210, 215)).background
    shot = composite(rng, shape=(480, 640), colour="green", backdrop_colour=(210, 210, 215))
    watcher = LeafWatcher(learn_frames=5)
    seen = []
    for frame in [empty] * 8 + [shot.frame] * 6 + [empty] * 12:
        watcher.observe(frame)
        seen.append(watcher.present)
    assert watcher.segmenter.shape == (SEGMENT_WIDTH * 3 // 4, SEGMENT_WIDTH)  # segmented at a reduced size
    assert seen[:8] == [False] * 8
    assert seen[13] is True and seen[-1] is False
    watcher.observe(np.zeros((10, 10), np.uint8))  # a bad frame is ignored
    assert watcher.present is False


class FakeWatcher:
    def __init__(self, segmentation):
        self.segmentation = segmentation

    @property
    def present(self):
        return self.segmentation is not None and self.segmentation.present

    def latest(self):
        return self.segmentation


def test_the_camera_scene_shows_the_visitors_leaf_with_the_hidden_part_imagined(tiny_model):
    from leafdream.camera.completer import CompletionWorker
    from leafdream.leafspace.store import leaf_space
    from leafdream.scenes.context import SceneContext
    from leafdream.scenes.table import make_scene

    rng = np.random.default_rng(8)
    segmenter = trained_segmenter(rng)
    shot = composite(rng, colour="green", backdrop_colour=(235, 235, 235))
    while not (shot.leaf & shot.hand).any():
        shot = composite(rng, colour="green", backdrop_colour=(235, 235, 235))
    for _ in range(4):
        segmentation = segmenter.segment(shot.frame)
    assert segmentation.present
    context = SceneContext(tiny_model.dbn, leaf_space(tiny_model), extras={})
    worker = CompletionWorker(context, FakeWatcher(segmentation))
    completed = worker.complete_once()
    assert completed.probability.shape == shot.leaf.shape and completed.seconds < 1.0
    assert completed.map_position is not None and np.all((completed.map_position >= 0) & (completed.map_position <= 1))
    assert completed.relative == context.space.species[completed.relatives[0]]
    worker._latest = completed
    context.extras["camera_completion"] = worker
    scene = make_scene("camera", context)
    for step in range(40):
        scene.update(step / 30, 1 / 30)
    field = scene.view()
    assert scene.showing_leaf == 1.0 and field.shape == (128, 128)
    tone = scene.tone()
    assert field.max() > 0.9 and tone.shape == field.shape  # the whole leaf, seen and imagined, has one outline
    assert tone[field > 0.9].max() > 0.99  # the seen leaf at full brightness
    assert ((field > 0.5) & (tone < 0.75)).mean() > 0.002  # and the imagined part, dimmer
    frame = np.zeros((180, 320, 3), np.uint8)
    scene.overlay(frame, (0, 0, 320, 180))
    from leafdream.scenes.mapinset import inset_rect
    left, top, side = inset_rect(180, 320)
    assert frame[top:top + side, left:left + side].max() > 200  # the map inset, the visitor's leaf ringed
    assert CompletionWorker(context, FakeWatcher(None)).complete_once() is None  # no leaf, no work


def test_the_completion_worker_warms_up_without_changing_what_it_completes(tiny_model):
    """Behind the splash the worker completes and places a made-up leaf, so the first visitor's leaf pays for no
    first calls (the transposed weights and the map's norms are then made); the leaves it completes afterwards
    are those it completes without warming up (its random stream is untouched)."""
    from leafdream.camera.completer import CompletionWorker
    from leafdream.leafspace.store import leaf_space
    from leafdream.model.modelfile import Model
    from leafdream.scenes.context import SceneContext

    rng = np.random.default_rng(8)
    segmenter = trained_segmenter(rng)
    shot = composite(rng, colour="green", backdrop_colour=(235, 235, 235))
    for _ in range(4):
        segmentation = segmenter.segment(shot.frame)
    completed = []
    for warm in (False, True):
        fresh = Model(tiny_model.dbn.__class__([layer.__class__(layer.weights.copy(), layer.visible_bias,
                                                                layer.hidden_bias) for layer in tiny_model.dbn.layers],
                                               tiny_model.dbn.size), dict(tiny_model.metadata), dict(tiny_model.extras))
        context = SceneContext(fresh.dbn, leaf_space(fresh), extras={})
        worker = CompletionWorker(context, FakeWatcher(segmentation))
        if warm:
            assert context.dbn.layers[0]._weights_t is None and context.space._squared_norms is None
            worker.warm_up(segmentation.leaf.shape)
            assert context.dbn.layers[0]._weights_t is not None and context.space._squared_norms is not None
        completed.append(worker.complete_once())
    np.testing.assert_array_equal(completed[0].probability, completed[1].probability)
    assert completed[0].relative == completed[1].relative


def test_fingers_that_cut_the_leaf_in_two_do_not_lose_the_far_piece():
    shape = (240, 320)
    segmenter, frame = empty_scene((235, 235, 235), 2)
    leaf = np.zeros(shape, np.uint8)
    cv2.ellipse(leaf, (160, 120), (110, 60), 0, 0, 360, 1, -1)
    finger = np.zeros(shape, np.uint8)
    cv2.line(finger, (200, 0), (200, 239), 1, 14)  # a finger across the whole leaf, from edge to edge
    frame[leaf > 0] = (40, 140, 50)
    frame[finger > 0] = (120, 150, 210)
    result = segmenter.segment(frame)
    seen = (leaf > 0) & (finger == 0)
    found = result.leaf > 0.5
    assert (found & seen).sum() / seen.sum() > 0.9  # both sides of the finger
    assert found[:, 215:].sum() > 500 and found[:, :185].sum() > 500


def test_a_second_leaf_away_from_the_hand_is_not_merged_in():
    segmenter, frame = empty_scene((235, 235, 235), 3)
    cv2.circle(frame, (110, 120), 60, (40, 140, 50), -1)
    cv2.circle(frame, (270, 60), 25, (40, 140, 50), -1)  # a smaller leaf lying elsewhere
    cv2.line(frame, (110, 239), (110, 150), (120, 150, 210), 14)
    found = segmenter.segment(frame).leaf > 0.5
    assert found[100:140, 90:130].all() and not found[40:80, 250:290].any()


def test_visitor_events_wait_briefly_for_the_leafs_place_in_leaf_space():
    from leafdream.camera.completer import CompletedLeaf
    from leafdream.camera.events import VisitorEvents

    events = VisitorEvents(wait_for_place=0.5)
    placed = CompletedLeaf(np.zeros((4, 4), np.float32), np.zeros((4, 4), bool), 10.1, 0.02, frame_time=10.05,
                           map_position=np.array([0.25, 0.75]), relative="acer_mono")
    stale = CompletedLeaf(np.zeros((4, 4), np.float32), np.zeros((4, 4), bool), 1.0, 0.02, frame_time=1.0,
                          map_position=np.array([0.9, 0.9]), relative="old")
    assert events.update(9.0, False, None) == []
    assert events.update(10.0, True, stale) == []  # a completion from an earlier visit is not this leaf
    [appeared] = events.update(10.1, True, placed)
    assert appeared.kind == "appeared" and appeared.relative == "acer_mono"
    assert "acer_mono at (0.25, 0.75)" in appeared.describe()
    assert events.update(10.2, True, placed) == []
    [gone] = events.update(11.0, False, placed)
    assert gone.kind == "gone"
    assert events.update(12.0, True, None) == []
    [unplaced] = events.update(12.5, True, None)  # no completion in time: announced without a place
    assert unplaced.map_position is None and unplaced.describe() == "a leaf appeared"
    assert events.update(13.0, False, None)[0].kind == "gone"


def test_camera_bench_measures_quality_and_the_live_path(tiny_model, tiny_model_file):
    from leafdream.measure.camera import completion_quality, pipeline_timing
    from leafdream.leafspace.store import leaf_space
    from leafdream.scenes.context import SceneContext

    context = SceneContext(tiny_model.dbn, leaf_space(tiny_model), extras={})
    quality = completion_quality(context, None, count=3)
    assert quality["camera_composites"] == 3 and quality["camera_leaves"] == "procedural leaves"
    assert 0.5 < quality["camera_iou"] <= quality["camera_perfect_fill_iou"] <= 1.0
    timing = pipeline_timing(context, tiny_model_file, seconds=3.0, size=(320, 180), fps=30)
    assert timing["camera_completions_per_s"] > 1.0  # the worker completed the held leaf again and again
    assert 0 < timing["camera_latency_p50_ms"] < 3000
    assert timing["camera_screen_fps"] > 10


def test_camera_bench_rejects_a_bad_composite_count(tmp_path, capsys):
    from leafdream.commands.cli import main

    assert main(["bench", "--camera", "--composites", "0"]) != 0
    assert "--composites must be at least 1" in capsys.readouterr().err


def test_a_leaf_cut_by_the_frame_edge_is_completed_past_the_edge_without_error(tiny_model):
    segmenter, frame = empty_scene((235, 235, 235), 9)
    cv2.ellipse(frame, (290, 120), (90, 50), 0, 0, 360, (40, 140, 50), -1)  # runs off the right edge
    for _ in range(4):
        result = segmenter.segment(frame)
    assert result.present and result.hidden[:, -2:].any()  # beyond the edge is unknown, not background
    completed = worker_for(tiny_model, result).complete_once()
    assert completed is not None and np.isfinite(completed.probability).all()
    np.testing.assert_array_equal(completed.probability[:, :150] > 0.5, result.leaf[:, :150] > 0.5)


def test_two_leaves_give_one_completed_leaf_not_an_error(tiny_model):
    segmenter, frame = empty_scene((60, 60, 65), 10)
    cv2.ellipse(frame, (90, 120), (60, 35), 30, 0, 360, (40, 200, 220), -1)
    cv2.ellipse(frame, (230, 120), (70, 40), -20, 0, 360, (40, 140, 50), -1)
    for _ in range(4):
        result = segmenter.segment(frame)
    assert result.present and result.leaf[:, 200:260].any() and not result.leaf[:, 60:120].any()  # the larger one
    assert worker_for(tiny_model, result).complete_once() is not None


def test_the_map_inset_darkens_a_light_palette_and_lightens_a_dark_one(tiny_model):
    from leafdream.leafspace.store import leaf_space
    from leafdream.scenes.mapinset import MapInset, inset_rect

    inset = MapInset(leaf_space(tiny_model))
    left, top, side = inset_rect(180, 320)
    paper = np.full((180, 320, 3), 235, np.uint8)
    inset.draw(paper, (0.5, 0.5))
    assert paper[top:top + side, left:left + side].min() < 150 and paper.max() == 235  # visible, never lighter
    night = np.full((180, 320, 3), 10, np.uint8)
    inset.draw(night, (0.5, 0.5))
    assert night[top:top + side, left:left + side].max() > 80 and night.min() == 10


def test_the_completion_worker_survives_a_failing_completion(tiny_model, monkeypatch, caplog):
    import logging
    import threading
    import time

    import leafdream.camera.completer as completer

    segmenter, frame = empty_scene((235, 235, 235), 12)
    cv2.circle(frame, (160, 120), 60, (40, 140, 50), -1)
    for _ in range(4):
        result = segmenter.segment(frame)
    worker = worker_for(tiny_model, result)
    calls = []

    def flaky(*args):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("an unforeseen frame")
        return real(*args)

    real = completer.complete_live
    monkeypatch.setattr(completer, "complete_live", flaky)
    worker.watcher.updated = threading.Event()
    with caplog.at_level(logging.ERROR):
        worker.start()
        for _ in range(2):
            worker.watcher.segmentation = Segmentation(result.leaf, result.hidden, True, result.area)  # a new frame
            worker.watcher.updated.set()
            time.sleep(0.3)
        worker.stop()
    assert "completing the visitor's leaf failed" in caplog.text
    assert worker.latest() is not None and len(calls) >= 2  # it carried on after the failure


def test_the_warm_up_runs_the_live_paths_own_kernels_before_the_first_frame(monkeypatch):
    """The skin's objects are merged by a compiled kernel only on the live path (an empty scene learnt): the warm-up
    behind the splash must run it, or the first visitor's frame compiles it."""
    import leafdream.camera.regions as regions
    from leafdream.camera.watcher import LeafWatcher

    calls = []
    original = regions.merged_within
    monkeypatch.setattr(regions, "merged_within", lambda *args: calls.append(1) or original(*args))
    watcher = LeafWatcher(detect_hands=False)
    watcher.warm_up()
    assert calls
