
import numpy as np
import pytest
from PIL import Image

from leafdream.commands.cli import main
from leafdream.errors import LeafdreamError
from leafdream.leafspace.store import leaf_space
from leafdream.render.governor import FrameGovernor
from leafdream.show.cue import Cue
from leafdream.show.player import Player
from leafdream.scenes.context import SceneContext
from leafdream.scenes.table import make_scene
from leafdream.show.resolve import resolve_show


@pytest.fixture(scope="module")
def context(tiny_model):
    return SceneContext(tiny_model.dbn, leaf_space(tiny_model))


@pytest.mark.parametrize("scene", ["dream", "drift", "layers", "xerox", "camera"])
def test_every_scene_draws_a_leaf_not_mush(context, scene):
    player = Player(context, [Cue(scene, 100.0, {}, "bone", 0.0)], 160, 90, seed=2)
    for _ in range(90):
        player.update(1 / 30)
    frame = player.frame()
    assert frame.shape == (90, 160, 3) and frame.dtype == np.uint8
    grey = frame.mean(axis=2)
    assert player.last_error == ""
    # something bright (a leaf) on a dark ground, with a real edge between them
    assert grey.max() > 150 and np.median(grey) < 60
    assert 0.02 < np.mean(grey > 128) < 0.6


def test_unknown_scene_parameter_and_show_names_say_what_was_meant(context):
    with pytest.raises(LeafdreamError, match="did you mean 'temperature'"):
        make_scene("dream", context, {"temprature": 2})
    with pytest.raises(LeafdreamError, match="must be a number"):
        make_scene("dream", context, {"temperature": "hot"})
    with pytest.raises(LeafdreamError, match="did you mean 'dream'"):
        make_scene("drem", context)
    with pytest.raises(LeafdreamError, match="did you mean 'demo'"):
        resolve_show("dmeo")


def test_a_scene_that_fails_is_replaced_by_the_dream_and_logged(context, monkeypatch):
    player = Player(context, [Cue("xerox", 100.0, {}, "moss", 0.0)], 96, 64, seed=1)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(player.scene, "update", broken)
    player.update(1 / 30)
    assert "boom" in player.last_error and player.scene.name == "dream"
    player.update(1 / 30)
    assert player.frame().shape == (64, 96, 3)


def test_cues_follow_each_other_with_a_crossfade_and_loop(context):
    cues = [Cue("dream", 1.0, {}, "moss", 0.0), Cue("xerox", 1.0, {}, "ember", 0.5)]
    player = Player(context, cues, 64, 48, seed=0)
    names = []
    fades = []
    for _ in range(75):
        player.update(1 / 30)
        names.append(player.scene.name)
        fades.append(player.fade_amount())
    assert names[0] == "dream" and "xerox" in names and names[-1] == "dream"
    assert any(0 < f < 1 for f in fades)
    player.skip()
    assert player.scene.name == "xerox"


def _burn_in_steps(scene) -> list[int]:
    """Record the Gibbs steps each call of the scene's chains runs."""
    steps = []
    advance = scene.chains.advance
    scene.chains.advance = lambda n, beta=1.0: (steps.append(n), advance(n, beta))
    return steps


def test_a_dream_crossfaded_in_spreads_its_burn_in_and_one_cut_in_is_ready_at_once(context):
    from leafdream.scenes.dream import BURN_IN_STEPS, BURN_IN_UPDATES

    cues = [Cue("drift", 5.0, {}, "moss", 0.0), Cue("dream", 5.0, {}, "moss", 3.0), Cue("dream", 5.0, {}, "moss", 0.0)]
    player = Player(context, cues, 64, 48, seed=0)
    player.update(1 / 30)
    player.skip()  # into the dream, with a 3 s crossfade: nothing of its burn-in has run yet (it ran in one frame)
    fading_in = player.scene
    assert fading_in.burn_in_left == BURN_IN_STEPS and not fading_in.display.any()
    steps = _burn_in_steps(fading_in)
    for _ in range(BURN_IN_UPDATES - 1):
        player.update(1 / 60)
        # dark while it burns in: the picture it fades from is shown whole, not dimmed into black
        assert player.fade_amount() == 0.0
        np.testing.assert_array_equal(player.frame(), player._render(player.previous))
    player.update(1 / 60)
    assert sum(steps) == BURN_IN_STEPS and max(steps) <= -(-BURN_IN_STEPS // BURN_IN_UPDATES)
    assert fading_in.burn_in_left == 0 and fading_in.display.max() > 0.5
    assert player.fade_amount() == 0.0  # it fades in from nothing once it has leaves...
    shown_from, end = player.t, player.cue_start + 3.0
    player.update(1.0)
    assert player.fade_amount() == pytest.approx(1.0 / (end - shown_from))  # ...over what is left of the 3 s
    player.update(end - player.t - 0.01)
    assert 0.99 < player.fade_amount() < 1.0
    player.update(0.02)
    assert player.previous is None or player.fade_amount() == 1.0  # done when the cue says: 3 s after it began
    player.skip()  # a cut into a dream: its leaves are there in its first frame
    assert player.scene.burn_in_left == 0 and player.scene.display.max() > 0.5
    first = Player(context, cues[1:], 64, 48, seed=0)  # a show's first cue has nothing to fade from
    assert first.scene.burn_in_left == 0
    shown = Player(context, cues[1:], 64, 48, seed=0, faded_in=True)  # a visitor's interruption fades in
    assert shown.scene.burn_in_left == BURN_IN_STEPS


def test_a_cues_compositor_draws_into_the_frames_of_the_one_no_longer_shown(context):
    cues = [Cue("drift", 5.0, {}, "moss", 1.0), Cue("xerox", 5.0, {}, "ember", 1.0), Cue("layers", 5.0, {}, "bone", 1.0)]
    player = Player(context, cues, 64, 48, seed=0)
    player.update(1 / 30)
    first_frames = player.current[2]._frames
    player.skip()
    player.update(1 / 30)
    player.frame()
    assert player.previous[2]._frames is first_frames  # still fading out: it keeps them
    player.skip()  # the drift is gone: the layers draw where it drew
    assert player.current[2]._frames is first_frames and player.previous[1].name == "xerox"
    drawn = player.current[2].frame(np.zeros((8, 8), np.float32))
    assert any(drawn is kept for kept in first_frames)


def test_governor_lowers_effort_when_frames_run_long_and_recovers():
    governor = FrameGovernor(60)
    for _ in range(10):
        governor.record(0.030)
    assert governor.effort < 0.2
    for _ in range(200):
        governor.record(0.002)
    assert governor.effort == 1.0


def test_render_is_deterministic_and_writes_frames(capsys, tiny_model_file, tmp_path):
    args = ["render", "demo", "--seconds", "1", "--fps", "10", "--size", "96x54", "--model", str(tiny_model_file)]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "p50" in out and "p99" in out
    first = sorted((tmp_path / "a").glob("*.png"))
    assert len(first) == 10
    for a in first:
        np.testing.assert_array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(tmp_path / "b" / a.name)))
    assert main(args + ["--out", str(tmp_path / "c.mp4")]) == 0
    assert (tmp_path / "c.mp4").stat().st_size > 1000
    assert main(args + ["--out", str(tmp_path / "c.gif")]) == 1
    assert "use a folder" in capsys.readouterr().err


def _free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_opens_a_window_plays_and_quits(capsys, tiny_model_file, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    assert main(["run", "--windowed", "--headless", "--show", "demo", "--frames", "20", "--fps", "120",
                 "--osc-port", str(_free_udp_port()),
                 "--model", str(tiny_model_file)]) == 0
    assert main(["run", "--windowed", "--headless", "--display", "7", "--frames", "2", "--model", str(tiny_model_file)]) == 1
    assert "--display 7" in capsys.readouterr().err


def test_render_benchmark_reports_governor_on_and_off(capsys, tiny_model_file):
    import json

    assert main(["bench", "--render", "--json", "--seconds", "1", "--show", "demo", "--size", "96x54",
                 "--model", str(tiny_model_file)]) == 0
    figures = json.loads(capsys.readouterr().out)
    for key in ("render_p99_ms_governor_on", "render_p99_ms_governor_off", "render_rss_start_mb",
                "render_rss_end_mb", "warm_start_to_first_frame_s"):
        assert figures[key] > 0, key
    assert figures["render_size"] == [96, 54]


def test_learning_replays_noise_turning_into_leaves(context, tiny_model):
    scene = make_scene("learning", SceneContext(tiny_model.dbn, context.space, extras=tiny_model.extras),
                       {"seconds": 10.0, "smoothing": 0.0})
    scene.update(0.0, 1 / 30)
    start = scene.view().copy()
    scene.update(10.0, 1 / 30)
    end = scene.view()
    assert start.shape == end.shape and end.shape[0] > 2 * 32  # a grid of the panel leaves (6 species here)
    # at epoch 0 the panel is a blur the same everywhere; at the end it is crisp leaves on a dark ground
    assert np.mean((end > 0.2) & (end < 0.8)) < np.mean((start > 0.2) & (start < 0.8))
    assert np.mean(end > 0.5) > 0.05 and np.mean(end < 0.1) > 0.4
    assert scene.epochs[-1] > 0 and set(np.unique(scene.layers)) == {1, 2}


def test_mapping_flies_into_the_map_and_settles_into_the_drift_inset(context, tiny_model):
    from leafdream.scenes.mapinset import inset_rect

    extras_context = SceneContext(tiny_model.dbn, context.space, extras=tiny_model.extras)
    scene = make_scene("mapping", extras_context, {"seconds": 5.0, "settle": 2.0})
    scene.update(0.0, 0.1)
    early = scene.positions.copy()
    scene.update(5.0, 0.1)
    np.testing.assert_allclose(scene.positions, context.space.positions, atol=2e-3)  # the finished map
    assert early.std() < 0.5 * scene.positions.std()  # it started as a tight cloud
    frame = np.zeros((180, 320, 3), np.uint8)
    scene.update(7.5, 0.1)
    assert np.allclose(scene._square(frame), inset_rect(180, 320))
    scene.overlay(frame, (0, 0, 320, 180))
    lit = np.argwhere(frame.max(axis=2) > 0)
    left, top, side = inset_rect(180, 320)
    assert lit[:, 1].min() >= left - 3 and lit[:, 0].min() >= top - 3  # every point inside the inset


def test_scenes_without_snapshots_fall_back_to_the_dream_and_say_so(context, caplog):
    bare = SceneContext(context.dbn, context.space, extras={})
    player = Player(bare, [Cue("learning", 10.0, {}, "moss", 0.0)], 64, 48, seed=0)
    assert player.scene.name == "dream"
    assert "needs a model trained with snapshots" in caplog.text and caplog.text.count("needs a model") == 1


def test_run_captures_a_rehearsal_video_and_reports_the_camera(tiny_model_file, tmp_path, monkeypatch):
    import json

    import cv2

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    writer = cv2.VideoWriter(str(tmp_path / "cam.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 30, (80, 60))
    for k in range(10):
        writer.write(np.full((60, 80, 3), 20 * k, np.uint8))
    writer.release()
    heartbeat = tmp_path / "hb.json"
    assert main(["run", "--windowed", "--headless", "--frames", "30", "--camera", str(tmp_path / "cam.mp4"),
                 "--heartbeat", str(heartbeat), "--model", str(tiny_model_file)]) == 0
    state = json.loads(heartbeat.read_text())
    assert state["camera"].startswith(("live", "connecting"))


def test_run_writes_camera_frames_only_into_an_operators_debug_dump(tiny_model_file, tmp_path, monkeypatch, caplog):
    import logging

    import cv2

    from leafdream.ops.live import _camera_dump

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    writer = cv2.VideoWriter(str(tmp_path / "cam.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 30, (80, 60))
    for k in range(30):
        writer.write(np.full((60, 80, 3), 100 + k, np.uint8))
    writer.release()
    dumps = tmp_path / "dumps"
    assert main(["run", "--windowed", "--headless", "--frames", "240", "--camera", str(tmp_path / "cam.mp4"), "--heartbeat",
                 str(tmp_path / "hb.json"), "--model", str(tiny_model_file), "--camera-debug-dump", str(dumps),
                 "--camera-debug-seconds", "0.3"]) == 0
    assert list((dumps / "dump-1").glob("*-frame.png"))  # frames after the empty scene was learnt
    with caplog.at_level(logging.ERROR):
        _camera_dump(object(), None, [5])
    assert "camera_dump refused" in caplog.text


def test_the_layers_scene_shows_what_each_sampled_code_keeps_and_says_which_is_which(context):
    """Each depth's picture comes from one binary sample of that layer's code: it is not the leaf itself, the
    same leaf gives the same pictures whenever it is reached, and the captions are drawn under the pictures."""
    scene = make_scene("layers", context, {"hold": 5.0}, seed=3)
    again = make_scene("layers", context, {"hold": 5.0}, seed=3)
    again._refresh(12.0)
    again._refresh(0.0)  # reached the first leaf by another way
    np.testing.assert_array_equal(scene.target, again.target)
    leaf, deepest = scene.target[0], scene.target[-1]
    assert np.abs(deepest - leaf).mean() > 0.01
    plain = context.dbn.reconstruct(leaf.reshape(1, -1), context.dbn.depth).reshape(leaf.shape)
    assert not np.allclose(plain, deepest, atol=1e-3)  # a sample, not the mean field
    rect = (10, 10, 300, 60)
    with_text, without = np.zeros((120, 320, 3), np.uint8), np.zeros((120, 320, 3), np.uint8)
    scene.overlay(with_text, rect)
    scene.set_param("captions", False)
    scene.overlay(without, rect)
    assert with_text[80:, :].max() > 60 and without.max() == 0
    assert scene.captions()[0] == "the leaf" and scene.captions()[-1].startswith(f"layer {context.dbn.depth}")


def test_a_xerox_that_stands_still_is_fed_a_new_leaf_and_turns_the_other_way(context):
    """With nothing to transform it (no zoom, turn or shift) the copies settle at once; after ``restless``
    seconds of a still silhouette a fresh leaf is fed in, and without the watch it stays still."""
    still = {"zoom": 1.0, "turn": 0.0, "reseed_after": 0, "generations_per_second": 8.0}
    watched = make_scene("xerox", context, {**still, "restless": 2.0}, seed=2)
    unwatched = make_scene("xerox", context, {**still, "restless": 0.0}, seed=2)
    fed = []
    for k in range(30 * 12):
        before = watched.turn_sign
        watched.update(k / 30, 1 / 30)
        unwatched.update(k / 30, 1 / 30)
        if watched.turn_sign != before:
            fed.append(k / 30)
    assert fed and fed[0] < 8.0 and all(b - a >= 2.0 for a, b in zip(fed, fed[1:]))
    assert unwatched.turn_sign == 1.0


def test_a_remote_camera_dump_says_whether_it_started_and_keeps_its_length_within_two_minutes(tmp_path):
    from leafdream.ops.live import _camera_dump

    class Watcher:
        def __init__(self):
            self.started = []

        def start_dump(self, folder, seconds):
            self.started.append((folder, seconds))

    watcher = Watcher()
    assert _camera_dump(watcher, tmp_path, []) == (True, f"dumping 10 s of camera frames to {tmp_path}")
    assert _camera_dump(watcher, tmp_path, [999]) == (True, f"dumping 120 s of camera frames to {tmp_path}")
    assert _camera_dump(watcher, tmp_path, [-3]) == (True, f"dumping 0 s of camera frames to {tmp_path}")
    assert _camera_dump(watcher, tmp_path, ["soon"]) == (False, "expected a number of seconds")
    assert _camera_dump(None, tmp_path, [5])[0] is False
    assert watcher.started == [(tmp_path, 10.0), (tmp_path, 120.0), (tmp_path, 0.0)]


def test_the_safety_loop_plays_known_scenes_in_known_palettes_for_two_minutes_each():
    from leafdream.render.palette import PALETTES
    from leafdream.scenes.table import SCENES
    from leafdream.show.cue import safety_loop

    cues = safety_loop()
    assert [cue.scene for cue in cues] == ["dream", "drift", "layers", "xerox"]
    for cue in cues:
        assert cue.scene in SCENES and cue.palette in PALETTES and cue.duration == 120.0 and cue.params == {}
    assert len({cue.palette for cue in cues}) == 4


def test_a_dry_player_follows_the_cues_without_scenes_or_log_lines(context, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="leafdream.show.player")
    cues = [Cue("dream", 2.0, {}, "moss", 0.0), Cue("xerox", 2.0, {}, "moss", 1.0)]
    dry = Player(context, cues, 64, 48, dry=True)
    for _ in range(30):
        dry.update(0.1)
    assert dry.index == 1 and dry.scene is None and not caplog.messages
    Player(context, cues, 64, 48)
    assert caplog.messages == ["cue 1: dream for 2 s, round 1"]


def test_the_fade_is_whole_without_a_previous_cue_or_a_crossfade(context):
    cues = [Cue("xerox", 1.0, {}, "moss", 0.0), Cue("xerox", 1.0, {}, "moss", 0.0), Cue("xerox", 5.0, {}, "moss", 2.0)]
    player = Player(context, cues, 64, 48)
    assert player.previous is None and player.fade_amount() == 1.0
    for _ in range(11):
        player.update(0.1)
    assert player.index == 1 and player.fade_amount() == 1.0  # a cut
    for _ in range(11):
        player.update(0.1)
    assert player.index == 2 and 0.0 <= player.fade_amount() < 1.0
    for _ in range(25):
        player.update(0.1)
    assert player.fade_amount() == 1.0


def test_the_cue_fading_out_works_at_half_the_effort_of_the_one_fading_in(context, monkeypatch):
    from leafdream.scenes.dream import DreamScene

    efforts = []
    update = DreamScene.update

    def recording(self, t, dt, effort=1.0):
        efforts.append((id(self), effort))
        return update(self, t, dt, effort)

    monkeypatch.setattr(DreamScene, "update", recording)
    player = Player(context, [Cue("dream", 1.0, {}, "moss", 0.0), Cue("dream", 5.0, {}, "moss", 2.0)], 64, 48)
    first = id(player.scene)
    for _ in range(15):
        player.update(0.1, 0.8)
    assert player.index == 1 and player.previous is not None
    assert {effort for scene, effort in efforts if scene == first} == {0.8, 0.4}  # in full, then fading out
    assert {effort for scene, effort in efforts if scene == id(player.scene)} == {0.8}


def test_the_operator_overlay_names_each_chain(tiny_model_file, tmp_path):
    import re

    from live_runs import headless_run

    show = tmp_path / "two.toml"
    show.write_text('[[cue]]\nscene = "dream"\nduration = "1m"\n[cue.params]\nleaves = 2\n')
    with headless_run(tiny_model_file, tmp_path, str(show), steps=10) as live:
        chains = [line for line in live.overlay_lines() if line.startswith("chains: ")]
    part = r"\S.*? \d+ s \(\d+\.\d% flips/s\)"
    assert len(chains) == 1 and re.fullmatch(f"chains: {part}, {part}", chains[0]), chains


def test_a_scene_that_fails_to_draw_gives_a_dark_frame_of_the_screens_kind_and_says_so(context, monkeypatch, caplog):
    import logging

    caplog.set_level(logging.ERROR, logger="leafdream.show.player")
    player = Player(context, [Cue("xerox", 10.0, {}, "moss", 0.0)], 64, 48)
    player.update(0.1)

    def broken_view():
        raise RuntimeError("no picture")

    monkeypatch.setattr(player.scene, "view", broken_view)
    frame = player.frame()
    assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8 and frame.max() == 0
    assert caplog.messages == ["scene 'xerox' failed to draw (RuntimeError: no picture)"]
