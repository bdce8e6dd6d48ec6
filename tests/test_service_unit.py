"""``leafdream service``: the unit it writes, what it asks of systemctl, and what it refuses."""

import logging
import os
import shutil
import stat
from pathlib import Path

import pytest

from leafdream.commands.cli import main
from leafdream.errors import LeafdreamError
from leafdream.ops.systemctl import describe_state, install, uninstall, verify
from leafdream.ops.unit import UnitSettings, display_environment, launcher, quoted, run_arguments, unit_text


def _unit_lines(text: str) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            keys.setdefault(key, []).append(value)
    return keys


def test_the_printed_unit_runs_this_leafdream_with_absolute_paths_kiosk_and_the_display(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shows").mkdir()
    (tmp_path / "shows" / "mine.toml").write_text("")
    monkeypatch.setenv("DISPLAY", ":1")
    monkeypatch.setenv("XAUTHORITY", "xauth")
    assert main(["service", "install", "--print", "--", "--show", "shows/mine.toml", "--camera", "0",
                 "--log-file=logs/leafdream.log", "--osc-port", "9000"]) == 0
    keys = _unit_lines(capsys.readouterr().out)
    command = keys["ExecStart"][0].split(" ")
    assert Path(command[0]).is_absolute() and command[0] == launcher()[0]
    assert command[command.index("--show") + 1] == str(tmp_path / "shows" / "mine.toml")
    assert f"--log-file={tmp_path / 'logs' / 'leafdream.log'}" in command
    assert command[command.index("--camera") + 1] == "0"  # a camera index stays as it is
    assert "--kiosk" in command and "%h" not in keys["ExecStart"][0]
    assert set(keys["Environment"]) >= {"DISPLAY=:1", f"XAUTHORITY={tmp_path / 'xauth'}", "PYTHONUNBUFFERED=1"}
    assert keys["Type"] == ["notify"] and keys["WatchdogSec"] == ["60"] and keys["Restart"] == ["always"]
    assert keys["StartLimitBurst"] == ["10"] and keys["StartLimitIntervalSec"] == ["600"]
    assert keys["StandardOutput"] == ["journal"] and keys["WantedBy"] == ["graphical-session.target"]


def test_without_a_display_the_unit_assumes_the_first_screen_and_says_so():
    environment, note = display_environment({})
    assert environment == {"DISPLAY": ":0"} and "DISPLAY=:0" in note
    assert display_environment({"WAYLAND_DISPLAY": "wayland-0"}) == ({"WAYLAND_DISPLAY": "wayland-0"}, "")


def test_words_systemd_would_expand_or_split_are_quoted():
    assert quoted("/plain/path") == "/plain/path"
    assert quoted("/a b/100%.log") == '"/a b/100%%.log"'
    assert quoted('say "hi" $HOME') == '"say \\"hi\\" $$HOME"'
    assert quoted("C:\\leaves") == '"C:\\\\leaves"'   # a backslash is escaped inside the quotes
    assert quoted("") == '""'


def test_user_units_go_where_systemd_looks_for_them():
    from leafdream.ops.unit import user_unit_dir

    assert user_unit_dir({"XDG_CONFIG_HOME": "/srv/gallery/config"}) == Path("/srv/gallery/config/systemd/user")
    assert user_unit_dir({}) == Path(os.path.expanduser("~")) / ".config" / "systemd" / "user"
    assert run_arguments(["--show", "default"], Path("/x")) == ["--show", "default", "--kiosk"]  # a shipped show
    assert run_arguments(["--kiosk", "--model", "m.npz"], Path("/x")) == ["--kiosk", "--model", "/x/m.npz"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze (installed by .ci/run)")
def test_systemd_analyze_finds_the_written_unit_right_and_a_damaged_one_wrong():
    text = unit_text(UnitSettings(launcher() + ["run", "--kiosk"], {"DISPLAY": ":0"}))
    assert verify(text, shutil.which("systemd-analyze")) == []
    problems = verify(text.replace("Type=notify", "Type=notifyish"), shutil.which("systemd-analyze"))
    assert problems and "notifyish" in problems[0] and "leafdream.service" in problems[0]


def _fake_systemctl(tmp_path: Path, fail_with: str = "") -> tuple[str, Path]:
    calls = tmp_path / "calls"
    script = tmp_path / "systemctl"
    failing = f'echo "{fail_with}" >&2; exit 1' if fail_with else "exit 0"
    script.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n{failing}\n')
    script.chmod(0o755)
    return str(script), calls


def test_install_reloads_enables_and_starts_and_uninstall_takes_it_all_away(tmp_path):
    systemctl, calls = _fake_systemctl(tmp_path)
    unit_dir = tmp_path / "config" / "systemd" / "user"
    said = install("[Unit]\n", unit_dir, systemctl, start=True)
    unit = unit_dir / "leafdream.service"
    assert unit.read_text() == "[Unit]\n" and stat.S_IMODE(unit.stat().st_mode) == 0o644
    assert calls.read_text().splitlines() == ["--user daemon-reload", "--user enable --now leafdream.service"]
    assert "started" in said[-1]
    uninstall(unit_dir, systemctl)
    assert not unit.exists()
    assert calls.read_text().splitlines()[2:] == ["--user disable --now leafdream.service", "--user daemon-reload"]
    assert "nothing to remove" in uninstall(unit_dir, systemctl)[0]


def test_a_systemctl_without_a_session_is_one_sentence_with_the_way_out(tmp_path):
    systemctl, _ = _fake_systemctl(tmp_path, "Failed to connect to bus: No medium found")
    with pytest.raises(LeafdreamError) as failed:
        install("[Unit]\n", tmp_path / "units", systemctl, start=True)
    assert str(failed.value) == (
        "systemctl --user daemon-reload failed: Failed to connect to bus: No medium found — no user session to talk "
        "to: run this as the gallery user in their desktop session (or enable lingering: 'loginctl enable-linger "
        "USER')")


def test_install_without_systemctl_writes_the_unit_and_makes_the_log_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["service", "install", "--unit-dir", str(tmp_path / "units"), "--no-systemctl", "--",
                 "--log-file", "state/deep/leafdream.log"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "units" / "leafdream.service").is_file() and (tmp_path / "state" / "deep").is_dir()
    assert f"wrote {tmp_path / 'units' / 'leafdream.service'}" in out
    assert main(["service", "uninstall", "--unit-dir", str(tmp_path / "units"), "--no-systemctl"]) == 0
    assert not (tmp_path / "units" / "leafdream.service").exists()


@pytest.mark.parametrize("options, said", [
    (["--headless"], "--headless has no place in the service"),
    (["--osc-port", "99999"], "a port is a number from 1 to 65535"),
    (["--camera-debug-dump", "dump"], "needs a camera"),
])
def test_run_options_that_cannot_work_in_a_service_write_nothing(tmp_path, capsys, options, said):
    assert main(["service", "install", "--unit-dir", str(tmp_path), "--no-systemctl", "--", *options]) != 0
    captured = capsys.readouterr()
    assert said in captured.err and not os.listdir(tmp_path)


def test_service_status_names_a_start_limit_and_an_absent_unit():
    running, line = describe_state({"LoadState": "loaded", "ActiveState": "failed", "SubState": "failed",
                                    "Result": "start-limit-hit", "NRestarts": "10", "UnitFileState": "enabled"})
    assert not running and "gave up" in line and "reset-failed" in line
    assert describe_state({"LoadState": "not-found"}) == (False, "not installed: 'leafdream service install'")
    assert describe_state({"LoadState": "loaded", "ActiveState": "active", "SubState": "running",
                           "UnitFileState": "enabled", "NRestarts": "0"})[0]
    assert not describe_state({})[0]
    # what systemd did not say is said as unknown, never left out
    assert describe_state({"LoadState": "loaded", "ActiveState": "activating", "SubState": "auto-restart"}) == (
        False, "activating (auto-restart), ?, restarted 0 times: not running (last result: ?)")
    assert describe_state({"ActiveState": "active", "SubState": "running", "UnitFileState": "enabled",
                           "NRestarts": "3"}) == (True, "active (running), enabled, restarted 3 times")


def test_run_makes_the_folder_of_its_log_file(tiny_model_file, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    log_file = tmp_path / "fresh" / "state" / "leafdream.log"
    assert main(["run", "--windowed", "--headless", "--frames", "2", "--model", str(tiny_model_file), "--heartbeat",
                 str(tmp_path / "hb.json"), "--log-file", str(log_file), "--show", "dream"]) == 0
    assert "ran 2 frames" in log_file.read_text()


def test_systemds_answers_become_plain_sentences_and_its_silence_is_said(tmp_path):
    from leafdream.ops.systemctl import unit_state

    script = tmp_path / "systemctl"
    script.write_text('#!/bin/sh\necho "$@" > ' + str(tmp_path / "asked") + '\n'
                      'printf "LoadState=loaded\\nActiveState=active\\nSubState=running\\nUnitFileState=enabled\\n'
                      'NRestarts=2\\nResult=success\\nnoise\\nX=a=b\\n"\n')
    script.chmod(0o755)
    state = unit_state(str(script))
    assert (tmp_path / "asked").read_text().split() == [
        "--user", "show", "leafdream.service", "-p", "LoadState,ActiveState,SubState,UnitFileState,NRestarts,Result"]
    assert state == {"LoadState": "loaded", "ActiveState": "active", "SubState": "running", "UnitFileState": "enabled",
                     "NRestarts": "2", "Result": "success", "X": "a=b"}
    assert describe_state(state) == (True, "active (running), enabled, restarted 2 times")
    assert unit_state(None) == {} and unit_state(str(tmp_path / "no-such-systemctl")) == {}
    (tmp_path / "failing").mkdir()
    failing, _ = _fake_systemctl(tmp_path / "failing", "no bus")
    assert unit_state(failing) == {}
    assert describe_state({}) == (False, "systemd could not be asked (no user session here?)")
    assert describe_state({"LoadState": "loaded", "ActiveState": "failed", "SubState": "failed", "Result":
                           "start-limit-hit", "NRestarts": "10", "UnitFileState": "enabled"})[1] == (
        "failed (failed), enabled, restarted 10 times: systemd gave up after too many failed starts; read "
        "'journalctl --user -u leafdream', fix it, then 'systemctl --user reset-failed leafdream && "
        "systemctl --user start leafdream'")
    assert describe_state({"ActiveState": "failed", "SubState": "failed", "Result": "exit-code"})[1].endswith(
        "not running (last result: exit-code)")


def test_install_without_start_enables_only_and_without_systemctl_says_the_commands(tmp_path):
    systemctl, calls = _fake_systemctl(tmp_path)
    said = install("[Unit]\n", tmp_path / "units", systemctl, start=False)
    assert calls.read_text().splitlines() == ["--user daemon-reload", "--user enable leafdream.service"]
    assert said == [f"wrote {tmp_path / 'units' / 'leafdream.service'}",
                    "enabled leafdream.service: it starts with the desktop session and restarts if it ends"]
    assert install("[Unit]\n", tmp_path / "plain", None, start=True)[1] == (
        "written, not enabled (no systemctl asked): to start it with the session, "
        "'systemctl --user daemon-reload && systemctl --user enable --now leafdream'")
    assert uninstall(tmp_path / "plain", None) == [f"removed {tmp_path / 'plain' / 'leafdream.service'}"]
    assert uninstall(tmp_path / "plain", None) == [
        f"no unit at {tmp_path / 'plain' / 'leafdream.service'}: nothing to remove"]
    quiet = tmp_path / "quiet"
    quiet.write_text("#!/bin/sh\nexit 4\n")
    quiet.chmod(0o755)
    with pytest.raises(LeafdreamError) as failed:
        install("[Unit]\n", tmp_path / "units", str(quiet), start=True)
    assert str(failed.value) == "systemctl --user daemon-reload failed: exit 4"  # no bus: no hint about lingering


def test_verify_gives_systemd_analyze_a_runtime_folder_when_the_session_has_none(tmp_path, monkeypatch):
    analyze = tmp_path / "systemd-analyze"
    analyze.write_text('#!/bin/sh\necho "runtime $XDG_RUNTIME_DIR"\necho "args $*"\n'
                       'test -d "$XDG_RUNTIME_DIR" || echo "no folder"\nexit 0\n')
    analyze.chmod(0o755)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    said = verify("[Unit]\n", str(analyze))
    assert len(said) == 2 and said[0].startswith("runtime ") and said[0].endswith("/runtime")
    assert said[1] == "args --user verify leafdream.service"  # the temporary path is named as the unit
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert verify("[Unit]\n", str(analyze))[0] == f"runtime {tmp_path}"
    assert verify("[Unit]\n", None) is None
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\nexit 1\n")
    silent.chmod(0o755)
    assert verify("[Unit]\n", str(silent)) == ["systemd-analyze verify exited 1"]
    fine = tmp_path / "fine"
    fine.write_text("#!/bin/sh\nexit 0\n")
    fine.chmod(0o755)
    assert verify("[Unit]\n", str(fine)) == []


def test_the_unit_file_is_exactly_what_systemd_is_promised():
    text = unit_text(UnitSettings(["/opt/leafdream/.venv/bin/leafdream", "run", "--kiosk", "--show", "/a b/s.toml"],
                                  {"DISPLAY": ":1", "XAUTHORITY": "/home/g/.Xauthority"}))
    assert text == """\
# Written by 'leafdream service install'; run it again to change this file, 'leafdream service uninstall'
# to remove it. leafdream sends READY and WATCHDOG only once frames are really on screen.
[Unit]
Description=leafdream, a gallery installation in which a neural network dreams leaves
After=graphical-session.target
PartOf=graphical-session.target
StartLimitIntervalSec=600
StartLimitBurst=10
StartLimitAction=none

[Service]
Type=notify
NotifyAccess=main
ExecStart=/opt/leafdream/.venv/bin/leafdream run --kiosk --show "/a b/s.toml"
Environment=DISPLAY=:1
Environment=PYTHONUNBUFFERED=1
Environment=XAUTHORITY=/home/g/.Xauthority
Restart=always
RestartSec=5
WatchdogSec=60
TimeoutStopSec=10
StandardOutput=journal
StandardError=journal

[Install]
WantedBy=graphical-session.target
"""


def test_run_options_keep_names_and_devices_and_make_files_absolute(tmp_path):
    from leafdream.ops.unit import option_value

    (tmp_path / "clip.mp4").write_bytes(b"")
    assert run_arguments(["--camera", "clip.mp4", "--show", "demo", "--show=mine.toml", "--camera=/dev/video2",
                          "--osc-port", "9000"], tmp_path) == [
        "--camera", str(tmp_path / "clip.mp4"), "--show", "demo", f"--show={tmp_path / 'mine.toml'}",
        "--camera=/dev/video2", "--osc-port", "9000", "--kiosk"]
    assert run_arguments(["--heartbeat", "~/hb.json"], tmp_path)[1] == os.path.expanduser("~/hb.json")
    assert option_value(["--show", "a", "--show=b"], "--show") == "b"
    assert option_value(["--show=b", "--show", "a"], "--show") == "a"
    assert option_value(["--show"], "--show") is None and option_value(["--shows=x"], "--show") is None


def test_the_launcher_is_the_script_beside_python_or_python_itself(tmp_path):
    python = tmp_path / "bin" / "python3"
    python.parent.mkdir()
    python.write_text("")
    assert launcher(str(python)) == [str(python), "-m", "leafdream"]
    script = tmp_path / "bin" / "leafdream"
    script.write_text("#!/bin/sh\n")
    assert launcher(str(python)) == [str(python), "-m", "leafdream"]  # not executable: not a launcher
    script.chmod(0o755)
    assert launcher(str(python)) == [str(script)]
