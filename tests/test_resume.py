"""Coming back where it was: the chains' state, the player's position, the save file and the start that reads it."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from leafdream.leafspace.store import leaf_space
from leafdream.model.dreaming import DreamChains
from leafdream.ops.checkpoint import Checkpointer, SavedPosition, load_saved, show_identity
from leafdream.scenes.context import SceneContext
from leafdream.show.installation import Installation
from leafdream.show.player import Player
from leafdream.show.resolve import resolve_show
from leafdream.show.cue import Cue

SHOW = """
[show]
name = "resumable"
seed = 4

[[cue]]
scene = "dream"
duration = "20s"

[[cue]]
scene = "drift"
duration = "15s"

[[cue]]
scene = "dream"
duration = "30s"
[cue.params]
leaves = 2
"""


@pytest.fixture(scope="module")
def context(tiny_model):
    return SceneContext(tiny_model.dbn, leaf_space(tiny_model))


def test_chains_restored_from_their_state_carry_on_exactly(tiny_model):
    first = DreamChains(tiny_model.dbn, 3, seed=5, ladder=(1.0, 0.8))
    first.advance(40)
    state = {name: value.copy() for name, value in first.state().items()}
    again = DreamChains(tiny_model.dbn, 3, seed=5, ladder=(1.0, 0.8))
    again.restore(state)
    np.testing.assert_array_equal(again.images(), first.images())
    first.gibbs.run(7)
    again.gibbs.run(7)  # the random stream is restored too: the same samples follow
    np.testing.assert_array_equal(again.gibbs.visible, first.gibbs.visible)
    with pytest.raises(ValueError, match="does not fit"):
        DreamChains(tiny_model.dbn, 2, seed=5, ladder=(1.0, 0.8)).restore(state)


def test_a_player_resumed_at_a_position_plays_the_same_cue_at_the_same_time_with_the_same_leaves(context):
    cues = [Cue("dream", 10.0, {}, "moss", 1.0), Cue("drift", 10.0, {}, "bone", 1.0),
            Cue("dream", 10.0, {"leaves": 2}, "moss", 1.0)]
    playing = Player(context, cues, 96, 54, seed=3)
    for _ in range(int(47.3 * 10)):  # 47.3 s: the second round, its second cue (a drift)
        playing.update(0.1)
    position, state = playing.position(), playing.scene.state()
    assert position["round"] == 1 and position["index"] == 1
    resumed = Player(context, cues, 96, 54, seed=3)
    resumed.resume(position, state, playing.scene.name)
    assert resumed.position() == pytest.approx(position) and resumed.cue is playing.cue
    np.testing.assert_array_equal(resumed.frame(), playing.frame())  # the drift's cursor follows its cue's time
    for _ in range(60):  # and both go on the same way into the next cue (a dream)
        playing.update(0.1)
        resumed.update(0.1)
    assert resumed.position() == pytest.approx(playing.position()) and resumed.index == 2
    with pytest.raises(ValueError, match="not in this show"):
        Player(context, cues, 96, 54, seed=3).resume({**position, "index": 7}, {}, "dream")


def _at(hour, minute=0, day=2):
    return datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo("UTC"))


def _played(context, show_file, seconds):
    piece = Installation(context, str(show_file), (96, 54), seed=1)
    piece.tick(_at(12), 0.0)
    for _ in range(int(seconds * 10)):
        piece.tick(_at(12), 0.1)
    return piece


def test_the_save_file_brings_the_show_back_after_a_cut_and_only_the_same_show(context, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    show_file = tmp_path / "show.toml"
    show_file.write_text(SHOW)
    before = _played(context, show_file, 41.0)  # 6 s into the third cue, a dream of two leaves
    saver = Checkpointer(tmp_path / "state" / "position.npz")
    identity = show_identity(before.show)
    assert saver.save(SavedPosition.of(identity, before.saved_position(), now=1000.0))
    saved = load_saved(saver.path)
    assert saved.why_not_resumed(identity, "2026-12-02", now=1003.0) == ""
    after = Installation(context, str(show_file), (96, 54), seed=1)
    after.resume = saved.for_installation()
    caplog.clear()
    after.tick(_at(12), 0.0)
    begun = [r.getMessage() for r in caplog.records if r.getMessage().startswith("cue ")]
    assert len(begun) == 1 and begun[0].startswith("cue 3"), begun  # the first cue is not made only to be dropped
    assert after.player.index == 2 and after.player.position() == pytest.approx(before.player.position())
    np.testing.assert_array_equal(after.frame(), before.frame())
    assert "resuming show 'resumable' where it was: cue 3 (dream), 6 s into it, round 1" in caplog.messages
    show_file.write_text(SHOW.replace("30s", "31s"))  # an edit: another show
    edited = resolve_show(str(show_file))
    assert saved.why_not_resumed(show_identity(edited), "2026-12-02", now=1003.0) == (
        "the show is another one (or was edited) since")
    assert saved.why_not_resumed(identity, "2026-12-03", now=1003.0) == "it was saved on 2026-12-02, today is 2026-12-03"
    assert saved.why_not_resumed(identity, "2026-12-02", now=1000.0 + 3600) == "it is 60 minutes old"
    assert saved.why_not_resumed(identity, "2026-12-02", now=1000.0 - 600) == (
        "it is dated in the future (the clock was set back)")


def _resumed_from(context, tmp_path, day: str, position: dict):
    """The show played from its first tick at noon on 2 December, handed a saved dream ``position`` of ``day``."""
    show_file = tmp_path / "show.toml"
    show_file.write_text(SHOW)
    piece = Installation(context, str(show_file), (96, 54), seed=1)
    piece.resume = {"day": day, "position": position, "scene": "dream", "scene_state": {}}
    piece.tick(_at(12), 0.1)
    return piece


def test_a_damaged_or_alien_save_starts_the_show_from_its_first_cue(context, tmp_path, caplog):
    path = tmp_path / "position.npz"
    path.write_bytes(b"PK\x03\x04 half a zip")
    assert load_saved(path) is None and "not usable" in caplog.text
    np.savez(path, header=np.array('{"show": "x"}'))
    assert load_saved(path) is None
    piece = _resumed_from(context, tmp_path, "2026-12-02", {"round": 0, "index": 9, "t": 5.0, "in_cue": 1.0})
    assert piece.player.index == 0 and "does not fit the show" in caplog.text


def test_a_save_that_cannot_be_written_is_said_once_and_the_show_goes_on(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the state folder should be")
    saver = Checkpointer(blocker / "position.npz")
    saved = {"day": "2026-12-02", "position": {"round": 0, "index": 0, "t": 1.0, "in_cue": 1.0}, "scene": "dream",
             "scene_state": {}}
    assert not saver.save(SavedPosition.of("name:x", saved, 0.0))
    assert not saver.save(SavedPosition.of("name:x", saved, 5.0))
    assert caplog.text.count("position not saved") == 1


def test_leafdream_run_saves_its_place_and_the_next_start_carries_on_there(tiny_model_file, tmp_path, caplog):
    from leafdream.ops.live import LiveRun, LiveSettings

    caplog.set_level(logging.INFO)
    show_file = tmp_path / "show.toml"
    show_file.write_text(SHOW)
    settings = LiveSettings(model_path=tiny_model_file, show=str(show_file), windowed=True, headless=True,
                            heartbeat_path=str(tmp_path / "hb.json"), position_path=str(tmp_path / "position.npz"),
                            fps=1000)
    first = LiveRun(settings)
    for _ in range(30):
        first.step()
    first.installation.player.jump(1)  # the operator's cue 2
    first.step()
    first.close()  # a stop: the last place is saved
    second = LiveRun(settings)
    second.step()
    assert second.installation.player.index == 1 and "resuming show 'resumable'" in caplog.text
    second.close()
    third = LiveRun(LiveSettings(**{**vars(settings), "resume": False}))
    third.step()
    assert third.installation.player.index == 0
    third.close()


def test_a_save_comes_back_field_for_field_and_what_is_wrong_with_one_is_logged_once_in_words(tmp_path, caplog):
    saver = Checkpointer(tmp_path / "position.npz")
    state = {"chains": np.arange(6, dtype=np.float32).reshape(2, 3), "step": np.array(7)}
    saved = SavedPosition("show-id", "2026-12-04", 1234.5, {"round": 1, "index": 2, "t": 40.0, "in_cue": 6.0},
                          "dream", state)
    assert saver.save(saved)
    back = load_saved(saver.path)
    assert (back.show, back.day, back.saved_at, back.position, back.scene) == (
        "show-id", "2026-12-04", 1234.5, {"round": 1, "index": 2, "t": 40.0, "in_cue": 6.0}, "dream")
    assert sorted(back.scene_state) == ["chains", "step"]
    np.testing.assert_array_equal(back.scene_state["chains"], state["chains"])
    assert load_saved(tmp_path / "none.npz") is None and not caplog.records  # no save is not a problem
    (tmp_path / "folder.npz").mkdir()
    assert load_saved(tmp_path / "folder.npz") is None and not caplog.records
    huge = tmp_path / "huge.npz"
    with open(huge, "wb") as file:
        file.truncate(64 * 1024 * 1024 + 1)
    caplog.set_level(logging.WARNING)
    assert load_saved(huge) is None
    assert caplog.messages == [f"the saved position {huge} is not usable (ValueError: larger than 64 MB); the show "
                               f"starts from its beginning"]
    caplog.clear()
    np.savez(tmp_path / "nohead.npz", scene_x=np.zeros(2))
    assert load_saved(tmp_path / "nohead.npz") is None and len(caplog.messages) == 1
    assert caplog.messages[0].startswith(f"the saved position {tmp_path / 'nohead.npz'} is not usable (KeyError:")


def test_a_save_that_cannot_be_written_is_said_once_until_one_succeeds(tmp_path, caplog):
    caplog.set_level(logging.ERROR)
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    saver = Checkpointer(blocked / "position.npz")
    saved = SavedPosition("s", "2026-12-04", 1.0, {"round": 0, "index": 0, "t": 0.0, "in_cue": 0.0}, "dream", {})
    assert not saver.save(saved) and not saver.save(saved)
    assert len(caplog.messages) == 1 and caplog.messages[0].startswith(f"position not saved to {blocked / 'position.npz'} (")
    assert caplog.messages[0].endswith("); the show carries on")


@pytest.mark.parametrize("change, said", [
    ({"round": -1}, "not a position in a show: "),
    ({"index": -1}, "not a position in a show: "),
    ({"in_cue": -0.1}, "not a position in a show: "),
    ({"in_cue": 30.0, "t": 20.0}, "not a position in a show: "),
    ({"index": 3}, "cue 4 of round 2 is not in this show"),
])
def test_a_position_that_cannot_be_in_the_show_is_refused_with_what_is_wrong(context, change, said):
    cues = [Cue("dream", 10.0, {}, "moss", 1.0), Cue("drift", 10.0, {}, "bone", 1.0), Cue("xerox", 10.0, {}, "moss")]
    position = {"round": 1, "index": 1, "t": 35.0, "in_cue": 5.0, **change}
    with pytest.raises(ValueError) as refused:
        Player(context, cues, 96, 54, seed=3).resume(position, {}, "drift")
    assert str(refused.value).startswith(said)


def test_a_resumed_cue_starts_without_a_crossfade_and_chains_that_do_not_fit_are_said(context, caplog):
    cues = [Cue("drift", 10.0, {}, "bone", 1.0), Cue("dream", 10.0, {"leaves": 2}, "moss", 4.0)]
    playing = Player(context, cues, 96, 54, seed=3)
    for _ in range(130):
        playing.update(0.1)
    position, state = playing.position(), playing.scene.state()
    assert position["index"] == 1 and playing.previous is not None  # about 3 s into a 4 s crossfade
    resumed = Player(context, cues, 96, 54, seed=3)
    resumed.resume(position, state, "dream")
    assert resumed.previous is None and resumed.fade_amount() == 1.0
    assert resumed.cue_start == pytest.approx(playing.cue_start) and resumed.t == pytest.approx(playing.t)
    assert resumed.t - resumed.cue_start == pytest.approx(position["in_cue"]) and resumed.t > resumed.cue_start
    other = Player(context, [cues[0], Cue("dream", 10.0, {"leaves": 3}, "moss", 4.0)], 96, 54, seed=3)
    caplog.set_level(logging.WARNING)
    other.resume(position, state, "dream")  # three chains asked, two saved: the place, not the chains
    assert other.index == 1 and len(caplog.messages) == 1
    assert caplog.messages[0].startswith("resumed at the saved place, but not with the saved chains: ")
    caplog.clear()
    Player(context, cues, 96, 54, seed=3).resume(position, state, "xerox")  # another scene's state is not tried
    assert not caplog.messages


def test_a_save_of_another_day_is_said_and_the_show_starts_from_its_first_cue(context, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="leafdream.show.installation")
    piece = _resumed_from(context, tmp_path, "2026-12-01", {"round": 0, "index": 2, "t": 40.0, "in_cue": 5.0})
    assert piece.player.index == 0
    assert "the saved position is of 2026-12-01, not today: the show starts from its beginning" in caplog.messages
    assert any(m.startswith("opening: show 'resumable' from ") for m in caplog.messages)
