import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from leafdream.show.installation import Installation
from leafdream.show.schedule import day_seed
from leafdream.leafspace.store import leaf_space
from leafdream.scenes.context import SceneContext

UTC = ZoneInfo("UTC")


@pytest.fixture(scope="module")
def context(tiny_model):
    return SceneContext(tiny_model.dbn, leaf_space(tiny_model))


def write(path, text):
    path.write_text(text)
    stamp = path.stat().st_mtime_ns + 1_000_000_000  # make the change visible even within one timestamp tick
    os.utime(path, ns=(stamp, stamp))


def run(installation, start, seconds, dt=0.1):
    now = start
    for _ in range(int(round(seconds / dt))):
        now += timedelta(seconds=dt)
        installation.tick(now, dt)
    return now


def test_dark_outside_opening_hours_and_from_the_first_cue_at_opening(context, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="leafdream.show.installation")
    show = tmp_path / "s.toml"
    write(show, '[show]\nhours = "mon 10:00-11:00"\ntimezone = "UTC"\n'
                '[[cue]]\nscene = "dream"\nduration = "20s"\n[[cue]]\nscene = "xerox"\nduration = "20s"\n')
    piece = Installation(context, str(show), (64, 48))
    monday = datetime(2026, 11, 23, 9, 59, 0, tzinfo=UTC)
    piece.tick(monday, 0.1)
    assert not piece.open and piece.frame().max() == 0
    run(piece, monday, 65)  # into opening time
    assert piece.open and piece.player.scene.name == "dream" and piece.frame().max() > 100
    run(piece, datetime(2026, 11, 23, 10, 59, 59, tzinfo=UTC), 2)
    assert not piece.open and piece.frame().max() == 0
    said = [m for m in caplog.messages if m.startswith(("opening", "closing"))]
    assert said == [f"opening: show 's' from its first cue, seed {piece.seed + day_seed(0, monday.date())} for 2026-11-23",
                    "closing: the screen goes dark until Mon 30 Nov 10:00"]


def test_every_day_differs_and_any_day_replays(context, tmp_path):
    show = tmp_path / "s.toml"
    write(show, '[show]\nseed = 4\n[[cue]]\nscene = "dream"\nduration = "1m"\n')

    def frame_on(day):
        piece = Installation(context, str(show), (64, 48))
        run(piece, datetime(2026, 11, day, 12, 0, tzinfo=UTC), 2)
        return piece.frame()

    monday, tuesday, monday_again = frame_on(23), frame_on(24), frame_on(23)
    np.testing.assert_array_equal(monday, monday_again)
    assert np.any(monday != tuesday)


def test_an_edited_show_takes_over_at_the_next_cue_and_a_broken_one_is_refused(context, tmp_path):
    show = tmp_path / "s.toml"
    write(show, '[[cue]]\nscene = "dream"\nduration = "10s"\ncrossfade = "0s"\n')
    piece = Installation(context, str(show), (64, 48), reload_every=0.5)
    start = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    now = run(piece, start, 2)
    write(show, '[[cue]]\nscene = "drem"\nduration = "10s"\n')
    now = run(piece, now, 1)
    assert "drem" in piece.last_error and "last good show" in piece.last_error
    assert piece.player.scene.name == "dream"
    write(show, '[[cue]]\nscene = "xerox"\nduration = "10s"\ncrossfade = "0s"\n')
    now = run(piece, now, 1)
    assert piece.last_error == ""
    assert piece.player.scene.name == "dream"  # not before the cue boundary
    run(piece, now, 7)  # the 10 s dream cue ends at 10 s
    assert piece.player.scene.name == "xerox"


def _cues(*cues) -> str:
    return "".join(f'[[cue]]\nnumber = {number}\nscene = "{scene}"\nduration = "10s"\ncrossfade = "0s"\n'
                   for number, scene in cues)


@pytest.mark.parametrize("edited, then", [
    (_cues((1, "xerox"), (2, "layers"), (3, "drift")), "layers"),   # the cue numbered as the one to come
    (_cues((1, "xerox"), (3, "drift"), (4, "layers")), "drift"),    # number 2 is gone: the next one after it
    (_cues((1, "xerox")), "xerox"),                                 # nothing after it: the next round, from its first
])
def test_an_edit_takes_over_at_the_same_place_in_the_show(context, tmp_path, edited, then):
    show = tmp_path / "s.toml"
    write(show, _cues((1, "dream"), (2, "drift"), (3, "layers")))
    piece = Installation(context, str(show), (64, 48), reload_every=0.5)
    now = run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 4)
    write(show, edited)
    now = run(piece, now, 1)
    assert piece.player.scene.name == "dream"  # cue 1 plays to its end
    run(piece, now, 6)
    assert piece.player.scene.name == then


def test_go_with_an_edit_waiting_goes_to_the_edited_shows_next_cue(context, tmp_path):
    show = tmp_path / "s.toml"
    write(show, _cues((1, "dream"), (2, "drift"), (3, "layers")))
    piece = Installation(context, str(show), (64, 48), reload_every=0.5)
    now = run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 2)
    write(show, _cues((1, "dream"), (2, "xerox"), (3, "layers")))
    run(piece, now, 1)
    piece.command("next", [])
    assert piece.player.scene.name == "xerox" and piece.player.next_show is None
    assert (piece.player.cue.number, piece.player.round) == (2, 0)


def test_osc_commands_reach_the_show_over_loopback(context, tmp_path):
    import time

    from pythonosc.udp_client import SimpleUDPClient

    from leafdream.ops.remote import RemoteControl

    show = tmp_path / "s.toml"
    write(show, '[[cue]]\nnumber = 1\nscene = "dream"\nduration = "1m"\n[[cue]]\nnumber = 5\nscene = "xerox"\n'
                'duration = "1m"\n[[cue]]\nnumber = 9\nscene = "layers"\nduration = "1m"\n')
    piece = Installation(context, str(show), (64, 48))
    now = run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 0.5)
    remote = RemoteControl("127.0.0.1", 0)
    try:
        assert remote.address[0] == "127.0.0.1"
        client = SimpleUDPClient("127.0.0.1", remote.address[1])
        client.send_message("/leafdream/cue", 9)
        client.send_message("/leafdream/set", ["hold", 3.0])
        client.send_message("/leafdream/cue", 4)
        client.send_message("/leafdream/stop", [])
        heard = []
        deadline = time.monotonic() + 5
        while len(heard) < 4 and time.monotonic() < deadline:
            heard += remote.poll()
            time.sleep(0.01)
    finally:
        remote.close()
    assert [name for name, _, _ in heard] == ["cue", "set", "cue", "stop"]
    assert {sender for _, _, sender in heard} == {"127.0.0.1"}
    piece.command(*heard[0])
    assert piece.player.scene.name == "layers"
    piece.command(*heard[1])
    assert piece.player.scene.params["hold"] == 3.0
    piece.command(*heard[2])
    assert "no cue number 4; cues are 1, 5, 9" in piece.last_refused
    piece.command(*heard[3])
    assert piece.frame().max() == 0
    piece.command("go", [])
    run(piece, now, 0.2)
    assert piece.frame().max() > 0
    piece.command("set", ["nonsense", 1])
    assert "has no parameter 'nonsense'" in piece.last_refused


def test_a_visitor_interrupts_and_the_show_resumes_where_it_was(context, tmp_path):
    show = tmp_path / "s.toml"
    write(show, '[visitors]\nscene = "layers"\nhold = "3s"\ncrossfade = "1s"\n'
                '[[cue]]\nscene = "dream"\nduration = "1m"\n[[cue]]\nscene = "xerox"\nduration = "1m"\n')
    piece = Installation(context, str(show), (64, 48))
    now = run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 5)
    show_time = piece.player.t
    piece.visitor_event(True)
    now = run(piece, now, 0.5)
    show_frame, visitor_frame = piece.player.frame().copy(), piece.visitor.frame().copy()
    mixed = piece.frame().astype(int)  # half way through the fade in: half of each
    assert 0.3 < piece.visitor_fade < 0.7
    expected = (1 - piece.visitor_fade) * show_frame + piece.visitor_fade * visitor_frame
    assert np.abs(mixed - expected).max() <= 1 and not np.array_equal(show_frame, visitor_frame)
    now = run(piece, now, 9.5)
    assert piece.visitor is not None and piece.visitor.scene.name == "layers" and piece.visitor_fade == 1.0
    assert piece.player.t - show_time < 1.5  # the show waited (it only ran during the fade in)
    piece.visitor_event(False)
    now = run(piece, now, 2)
    assert piece.visitor is not None  # still held after the leaf has gone
    now = run(piece, now, 3)
    assert piece.visitor is None and piece.player.scene.name == "dream"


def test_visitor_settings_are_checked(tmp_path):
    from leafdream.show.showfile import ShowError, parse_show

    with pytest.raises(ShowError, match=r"s.toml:2:1: unknown scene 'camra'"):
        parse_show('[visitors]\nscene = "camra"\n[[cue]]\nscene = "dream"\nduration = "1m"\n', "s.toml")
    with pytest.raises(ShowError, match=r"s.toml:2:1: hold: cannot read the time"):
        parse_show('[visitors]\nhold = "long"\n[[cue]]\nscene = "dream"\nduration = "1m"\n', "s.toml")


def test_osc_set_obeys_the_contract_and_says_when_a_fade_wins(context, tmp_path):
    show = tmp_path / "fading.toml"
    write(show, '[[cue]]\nscene = "dream"\nduration = "1m"\n[cue.params]\ntemperature = { from = 1.5, to = 1.0 }\n'
                'leaves = 2\n\n[[cue]]\nscene = "dream"\nduration = "1m"\n')
    piece = Installation(context, str(show), (64, 48))
    run(piece, datetime(2026, 5, 1, 12, 0, tzinfo=UTC), 1.0)
    piece.command("set", ["temperature", 2.0])
    assert piece.last_refused == ("remote set temperature 2: temperature is fading in this cue (1.5 to 1); the fade "
                                  "wins until the cue ends — set it in a cue that does not fade it")
    piece.command("set", ["leaves", 50])
    assert "from 1 to 6" in piece.last_refused and piece.player.scene.params["leaves"] == 2
    piece.command("set", ["leaves"])
    assert "takes a name and a value" in piece.last_refused
    piece.command("next", [])
    piece.command("set", ["temperature", 2.0])
    assert piece.player.scene.params["temperature"] == 2.0


def test_a_show_with_a_start_cue_opens_there_and_its_next_round_starts_from_the_first(context, tmp_path, caplog):
    show = tmp_path / "s.toml"
    write(show, '[show]\nstart = 2\n[[cue]]\nscene = "dream"\nduration = "5s"\n[[cue]]\nscene = "xerox"\n'
                'duration = "5s"\n[[cue]]\nscene = "layers"\nduration = "5s"\n')
    piece = Installation(context, str(show), (64, 48), keep_last_good=False)
    with caplog.at_level("INFO"):
        now = run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 1)
    assert (piece.player.cue_number, piece.player.scene.name) == (2, "xerox")
    assert "from its start cue 2" in caplog.text
    played = []
    for _ in range(3):
        now = run(piece, now, 5)
        played.append((piece.player.round, piece.player.cue_number))
    assert played == [(0, 3), (1, 1), (1, 2)]


def test_a_visitor_gets_the_shows_visitor_palette_and_edge_once_and_is_logged_coming_and_going(context, tmp_path,
                                                                                               caplog):
    import logging

    caplog.set_level(logging.INFO, logger="leafdream.show.installation")
    show = tmp_path / "s.toml"
    write(show, '[visitors]\nscene = "layers"\nhold = "1s"\ncrossfade = "0s"\npalette = "night"\nedge = "glow"\n'
                '[[cue]]\nscene = "dream"\nduration = "1m"\n')
    piece = Installation(context, str(show), (64, 48))
    now = run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 1)
    piece.visitor_event(True)
    visitor = piece.visitor
    cue = visitor.cues[0]
    assert (cue.scene, cue.palette, cue.edge, cue.params) == ("layers", "night", "glow", {})
    now = run(piece, now, 0.1)
    assert piece.visitor_fade == 1.0  # no crossfade: the visitor's scene at once
    piece.visitor_event(True)  # the leaf is still there: the same scene plays on, not a new one
    assert piece.visitor is visitor
    piece.visitor_event(False)
    now = run(piece, now, 0.5)
    assert piece.visitor is visitor  # held for a second
    now = run(piece, now, 0.7)
    assert piece.visitor is None
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("visitor")]
    assert said == ["visitor: interrupting the show with the layers scene",
                    "visitor gone: the show resumes where it was"]


def test_a_show_without_visitors_ignores_the_camera(context, tmp_path):
    show = tmp_path / "s.toml"
    write(show, '[visitors]\nenabled = false\n[[cue]]\nscene = "dream"\nduration = "1m"\n')
    piece = Installation(context, str(show), (64, 48))
    run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 0.5)
    piece.visitor_event(True)
    assert piece.visitor is None and not piece.visitor_present


def test_every_remote_command_answers_its_sender_in_words(context, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="leafdream.show.installation")
    show = tmp_path / "s.toml"
    write(show, '[[cue]]\nscene = "dream"\nduration = "1m"\n[[cue]]\nscene = "xerox"\nduration = "1m"\n')
    piece = Installation(context, str(show), (64, 48))
    now = run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 0.2)
    answers = [
        (("cue", [2]), (True, "cue 2 (xerox)")),
        (("cue", ["x"]), (False, "cue takes one number, the cue's, e.g. /leafdream/cue 3 (got x)")),
        (("cue", []), (False, "cue takes one number, the cue's, e.g. /leafdream/cue 3 (got nothing)")),
        (("cue", [True]), (False, "cue takes one number, the cue's, e.g. /leafdream/cue 3 (got True)")),
        (("cue", [1, 2]), (False, "cue takes one number, the cue's, e.g. /leafdream/cue 3 (got 1 2)")),
        (("cue", [9]), (False, "no cue number 9; cues are 1, 2")),
        (("set", ["generations_per_second"]), (False, "set takes a name and a value, e.g. /leafdream/set "
                                                      "temperature 1.4")),
        (("panic", ["x"]), (False, "panic takes the seconds of its fade to dark, e.g. /leafdream/panic 3 (got 'x')")),
        (("panic", [61]), (False, "panic takes the seconds of its fade to dark, from 0 to 60 (got 61)")),
        (("panic", [-1]), (False, "panic takes the seconds of its fade to dark, from 0 to 60 (got -1)")),
        (("bogus", []), (False, "unknown command 'bogus'")),
    ]
    for (name, args), answer in answers:
        assert piece.command(name, args, "10.0.0.5") == answer, (name, args)
    assert piece.last_refused == "remote bogus from 10.0.0.5: unknown command 'bogus'"
    assert piece.command("panic", [], "10.0.0.5") == (True, "fading to dark over 3 s; go brings the show back")
    assert piece.panic == (0.0, 3.0)
    assert piece.command("go", []) == (True, "the show carries on") and piece.panic is None
    assert piece.command("go", []) == (False, "a second go within 0.5 s of the last is ignored (double-go "
                                              "protection)")
    now = run(piece, now, 0.6)
    assert piece.command("next", []) == (True, "cue 1 (dream)")  # from cue 2, round again
    now = run(piece, now, 0.6)
    assert piece.command("stop", []) == (True, "done") and piece.stopped
    assert piece.command("cue", [2]) == (True, "cue 2 (xerox)") and not piece.stopped  # a cue brings it back
    applied = [m for m in caplog.messages if m.startswith("remote cue 2")]
    assert applied[0] == "remote cue 2 from 10.0.0.5: cue 2 (xerox)" and applied[-1] == "remote cue 2: cue 2 (xerox)"
    piece.player = None  # closed
    assert piece.command("cue", [1]) == (False, "the show is not playing (outside opening hours)")
    assert piece.command("set", ["temperature", 1]) == (False, "the show is not playing (outside opening hours)")


def test_a_reload_says_each_problem_on_its_own_line_and_a_good_edit_when_it_takes_over(context, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="leafdream.show.installation")
    show = tmp_path / "s.toml"
    write(show, '[[cue]]\nscene = "dream"\nduration = "10s"\n')
    piece = Installation(context, str(show), (64, 48), reload_every=0.5, keep_last_good=False)
    now = run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 1)
    caplog.clear()
    write(show, '[[cue]]\nscene = "drem"\nduration = "10s"\n[[cue]]\nscene = "dream"\nduration = "soon"\n')
    now = run(piece, now, 1)
    said = caplog.messages
    assert said[0] == piece.last_error and said[0].startswith(
        f"show not reloaded, the last good show plays on: {show}:")
    assert len(said) >= 2 and all(line.startswith(f"  {show}:") for line in said[1:])  # one problem a line
    assert [r.levelno for r in caplog.records] == [logging.ERROR] * len(said)
    caplog.clear()
    write(show, '[[cue]]\nscene = "xerox"\nduration = "10s"\n')
    run(piece, now, 1)
    assert piece.last_error == "" and caplog.messages[0] == (
        f"show {show} reloaded; it takes over when this cue ends (or at the next Go), at the cue numbered as the one "
        f"that was to come, or the next one after it")


def test_a_visitors_scene_works_at_the_governors_effort(context, tmp_path, monkeypatch):
    from leafdream.scenes.dream import DreamScene

    efforts = []
    advance = DreamScene.update

    def counting(self, t, dt, effort=1.0):
        efforts.append(effort)
        return advance(self, t, dt, effort)

    monkeypatch.setattr(DreamScene, "update", counting)
    show = tmp_path / "s.toml"
    write(show, '[visitors]\nscene = "dream"\ncrossfade = "0s"\n[[cue]]\nscene = "xerox"\nduration = "1m"\n')
    piece = Installation(context, str(show), (64, 48))
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    piece.tick(now, 0.1, effort=0.25)
    piece.visitor_event(True)
    for _ in range(5):
        now += timedelta(seconds=0.1)
        piece.tick(now, 0.1, effort=0.25)
    assert efforts and set(efforts) == {0.25}  # the visitor's dream too is held to what the frame allows


def test_a_fader_on_one_parameter_does_not_hide_a_set_of_another(context, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="leafdream.show.installation")
    show = tmp_path / "s.toml"
    write(show, '[[cue]]\nscene = "dream"\nduration = "1m"\n')
    piece = Installation(context, str(show), (64, 48))
    run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 0.2)
    caplog.clear()
    for value in (1.1, 1.2, 1.3):  # a fader: the first is said, the rest are held for the interval
        assert piece.command("set", ["temperature", value], "10.0.0.5")[0]
    assert piece.command("set", ["leaves", 2], "10.0.0.5")[0]
    assert caplog.messages == ["remote set temperature 1.1 from 10.0.0.5: temperature is 1.1",
                               "remote set leaves 2 from 10.0.0.5: leaves is 2"]


@pytest.mark.parametrize("crossfade, spread", [("1s", True), ("0s", False)])
def test_a_visitors_dream_spreads_its_burn_in_when_it_fades_in_and_is_ready_at_once_on_a_cut(context, tmp_path,
                                                                                            crossfade, spread):
    show = tmp_path / "s.toml"
    write(show, f'[visitors]\nscene = "dream"\ncrossfade = "{crossfade}"\n[[cue]]\nscene = "xerox"\nduration = "1m"\n')
    piece = Installation(context, str(show), (64, 48))
    run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 0.2)
    piece.visitor_event(True)
    assert (piece.visitor.scene.burn_in_left > 0) == spread
