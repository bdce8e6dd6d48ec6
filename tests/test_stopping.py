"""A stop is a stop: a signal, the memory ceiling or the watchdog leaves a final heartbeat, and status says so."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from leafdream.ops.heartbeat import Heartbeat, read_status


def test_a_final_heartbeat_makes_status_say_not_running_at_once(tmp_path):
    beat = Heartbeat(tmp_path / "hb.json")
    beat.write({"show": "default", "cue": 1, "fps": 60, "healthy": True})
    assert read_status(tmp_path / "hb.json", time.time())[0]
    beat.final({"show": "default", "cue": 1, "fps": 60}, "SIGTERM", now=time.time())
    ok, line = read_status(tmp_path / "hb.json", time.time())
    assert not ok and "not running" in line and "by SIGTERM" in line


def test_a_heartbeat_from_the_future_is_not_trusted(tmp_path):
    beat = Heartbeat(tmp_path / "hb.json")
    beat.write({"show": "default", "healthy": True})
    ok, line = read_status(tmp_path / "hb.json", time.time() - 3600)  # the clock was set back an hour
    assert not ok and "future" in line


@pytest.mark.parametrize("signal_number, kiosk", [(signal.SIGTERM, True), (signal.SIGINT, False)])
def test_a_signal_stops_the_installation_within_two_seconds_and_says_so(tiny_model_file, tmp_path, signal_number,
                                                                       kiosk):
    heartbeat = tmp_path / "hb.json"
    environment = {**os.environ, "SDL_VIDEODRIVER": "dummy", "XDG_CONFIG_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "leafdream", "run", "--windowed", "--model", str(tiny_model_file),
               "--heartbeat", str(heartbeat), "--show", "dream", "--headless"] + (["--kiosk"] if kiosk else [])
    process = subprocess.Popen(command, env=environ_without_notify(environment), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not heartbeat.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert heartbeat.exists(), "the installation never showed a frame"
        sent = time.monotonic()
        process.send_signal(signal_number)
        code = process.wait(timeout=10)
        assert time.monotonic() - sent < 2.0
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 0
    state = json.loads(heartbeat.read_text())
    name = signal.Signals(signal_number).name
    assert state["healthy"] is False and state["stopped"].endswith(f"by {name}")
    ok, line = read_status(heartbeat, time.time())
    assert not ok and f"by {name}" in line
    assert f"stopping: {name}" in process.stdout.read().decode()


def environ_without_notify(environment: dict) -> dict:
    return {key: value for key, value in environment.items() if key != "NOTIFY_SOCKET"}


def test_no_screen_is_an_error_not_a_dark_wall_that_looks_healthy(tiny_model_file, tmp_path, monkeypatch, capsys):
    from leafdream.commands.cli import main

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    heartbeat = tmp_path / "hb.json"
    assert main(["run", "--windowed", "--frames", "3", "--model", str(tiny_model_file), "--heartbeat",
                 str(heartbeat)]) == 1
    err = capsys.readouterr().err
    assert "no screen to show on" in err and "SDL_VIDEODRIVER=dummy" in err and "--headless" in err
    assert not heartbeat.exists()  # nothing ever said "all well"
    assert main(["run", "--windowed", "--headless", "--frames", "3", "--model", str(tiny_model_file), "--heartbeat",
                 str(heartbeat)]) == 0


def test_doctor_says_why_there_is_no_screen(monkeypatch):
    from leafdream.ops.doctor import _display

    monkeypatch.delenv("SDL_VIDEODRIVER", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    ok, detail = _display()
    if ok:  # this machine has a real screen after all
        return
    assert "SDL_VIDEODRIVER" not in detail.split(":")[0] and ("no screen" in detail or "no display" in detail)


def test_a_broken_show_at_start_plays_the_last_good_show_and_status_says_so(tiny_model_file, tmp_path, capsys):
    from leafdream.commands.cli import main

    show = tmp_path / "piece.toml"
    show.write_text('[[cue]]\nscene = "dream"\nduration = "1m"\n')
    heartbeat = tmp_path / "hb.json"
    run = ["run", "--windowed", "--headless", "--frames", "3", "--model", str(tiny_model_file), "--heartbeat",
           str(heartbeat), "--show", str(show)]
    assert main(run) == 0  # a good show: kept as the last good one
    show.write_text('[[cue]]\nscene = "dream"\nduration = "1m"\n[cue.params]\ntemperature = 50\n')  # a bad edit
    assert main(run) == 0  # the wall is not dark
    state = json.loads(heartbeat.read_text())
    assert "playing the last good show" in state["fallback"] and "temperature" in state["fallback"]
    assert state["stopped"].endswith("by its frame limit")
    del state["stopped"]  # as the heartbeat read while it was running
    heartbeat.write_text(json.dumps({**state, "healthy": True, "written_at": time.time()}))
    ok, line = read_status(heartbeat, time.time())
    assert not ok and "on a fallback" in line and "last good show" in line


def test_without_a_last_good_show_the_built_in_loop_plays(tiny_model_file, tmp_path, monkeypatch):
    from leafdream.show.fallback import show_or_fallback

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    broken = tmp_path / "broken.toml"
    broken.write_text("[[cue]\n")
    show, reason = show_or_fallback(str(broken))
    assert "built-in loop" in reason and show.path == str(broken)  # the artist's file stays watched
    assert [cue.scene for cue in show.cues] == ["dream", "drift", "layers", "xerox"]


def test_the_fallback_is_said_whole_once_and_a_show_that_loads_is_kept_as_the_last_good_one(tmp_path, monkeypatch,
                                                                                           caplog):
    import logging

    from leafdream.show.fallback import last_good_path, show_or_fallback

    caplog.set_level(logging.WARNING, logger="leafdream.show.fallback")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert last_good_path() == tmp_path / "state" / "leafdream" / "last-good-show.toml"
    good = tmp_path / "good.toml"
    good.write_text('[show]\nname = "kept"\n[[cue]]\nscene = "xerox"\nduration = "1m"\n')
    show, reason = show_or_fallback(str(good))
    assert (show.name, reason) == ("kept", "") and last_good_path().read_text() == good.read_text()
    assert not caplog.messages
    broken = tmp_path / "broken.toml"
    broken.write_text('[[cue]]\nscene = "drem"\nduration = "1m"\n')
    show, reason = show_or_fallback(str(broken))
    assert show.name == "kept" and show.path == str(broken) and [c.scene for c in show.cues] == ["xerox"]
    assert reason.startswith(f"show {broken} not usable ({broken}:2:1: unknown scene 'drem'")
    assert reason.endswith(f"); playing the last good show, {last_good_path()}")
    assert caplog.messages == [f"SHOW FALLBACK: {reason}"]
    caplog.clear()
    show, reason = show_or_fallback(str(good), set_aside="it ended the piece soon after the start 2 times in a row")
    assert reason == (f"show {good} not usable (it ended the piece soon after the start 2 times in a row); playing "
                      f"the built-in loop")
    assert show.name == "built-in loop" and show.path == str(good) and show.loop and show.seed == 0
    show, reason = show_or_fallback(str(tmp_path / "gone.toml"))  # no file to watch: the kept one is watched
    assert show.path == str(last_good_path()) and "playing the last good show" in reason


def test_a_last_good_show_that_cannot_be_kept_is_said_and_the_show_plays(tmp_path, monkeypatch, caplog):
    import logging

    from leafdream.show.fallback import show_or_fallback

    caplog.set_level(logging.WARNING, logger="leafdream.show.fallback")
    (tmp_path / "state").write_text("a file where the state folder should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    good = tmp_path / "good.toml"
    good.write_text('[[cue]]\nscene = "xerox"\nduration = "1m"\n')
    show, reason = show_or_fallback(str(good))
    assert reason == "" and [c.scene for c in show.cues] == ["xerox"]
    assert len(caplog.messages) == 1
    assert caplog.messages[0].startswith(f"the last good show could not be kept in {tmp_path / 'state' / 'leafdream'}"
                                         f"/last-good-show.toml (")
    assert caplog.messages[0].endswith(")") and "Errno" not in caplog.messages[0]
    show_or_fallback("dream")  # one scene by name is no file: nothing to keep, nothing said
    assert len(caplog.messages) == 1
