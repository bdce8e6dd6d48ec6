import json
import re
import socket
import subprocess
import sys
import time

import pytest

from leafdream.commands.cli import main
from leafdream.ops.heartbeat import Heartbeat, read_status
from leafdream.ops.service import EXIT_HUNG, ServiceNotifier, Watchdog
from live_runs import headless_run


def test_heartbeat_is_written_when_due_and_read_by_status(tmp_path, capsys):
    path = tmp_path / "hb.json"
    beat = Heartbeat(path, every=5.0)
    assert beat.due(0.1)  # the first one at once
    assert beat.write({"show": "s", "cue": 2, "scene": "dream", "fps": 60, "frame_ms": 4, "healthy": True})
    assert not beat.due(1.0) and not beat.due(3.0) and beat.due(1.5)
    written = json.loads(path.read_text())["written_at"]
    ok, line = read_status(path, now=written + 3)
    assert ok and line.startswith("all well: s cue 2 (dream), 60 fps")
    ok, line = read_status(path, now=written + 100)
    assert not ok and "100 s old" in line
    assert main(["status", "--heartbeat", str(path), "--max-age", "1000000000"]) == 0
    assert main(["status", "--heartbeat", str(tmp_path / "none.json")]) == 1
    assert "not running" in capsys.readouterr().out


def test_unhealthy_or_garbled_heartbeats_are_not_well(tmp_path):
    path = tmp_path / "hb.json"
    path.write_text(json.dumps({"written_at": 100.0, "healthy": False, "last_error": "scene 'xerox' failed"}))
    ok, line = read_status(path, now=101)
    assert not ok and "scene 'xerox' failed" in line
    path.write_text("{half a file")
    ok, line = read_status(path, now=101)
    assert not ok and "unreadable" in line


def test_a_full_disk_does_not_stop_the_show(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the heartbeat folder should be")
    beat = Heartbeat(blocker / "hb.json")
    assert not beat.write({"x": 1})
    assert not beat.write({"x": 1})
    assert caplog.text.count("not written") == 1  # said once, not every few seconds


def test_sd_notify_ready_then_watchdog(tmp_path, monkeypatch):
    address = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(address)
        server.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", address)
        notifier = ServiceNotifier(every=1.0)
        notifier.frame_presented(0.5)
        assert server.recv(100) == b"READY=1"
        notifier.frame_presented(0.6)
        assert server.recv(100) == b"WATCHDOG=1"


def test_watchdog_fires_only_when_frames_stop():
    fired = []
    dog = Watchdog(0.3, on_hang=fired.append, poll=0.05)
    for _ in range(10):
        time.sleep(0.05)
        dog.presented()
    assert not fired
    time.sleep(0.6)
    dog.stop()
    assert fired and fired[0] > 0.3


def test_a_hung_loop_ends_the_process_for_the_service():
    code = "from leafdream.ops.service import Watchdog\nimport time\nWatchdog(0.2, poll=0.05)\ntime.sleep(5)\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode == EXIT_HUNG and "loop hangs" in result.stderr
    said = [line for line in result.stderr.splitlines() if "loop hangs" in line]
    assert len(said) == 1 and "no frame presented for 0 s: the loop hangs; exiting for the service" in said[0]
    assert "Logging error" not in result.stderr and "Traceback" not in result.stderr


def test_memory_above_the_ceiling_exits_for_a_clean_restart(tiny_model_file, tmp_path, monkeypatch, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="leafdream")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    code = main(["run", "--windowed", "--headless", "--frames", "50", "--memory-ceiling", "1", "--heartbeat", str(tmp_path / "hb.json"),
                 "--model", str(tiny_model_file)])
    assert code == 4
    said = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(said) == 1 and re.fullmatch(r"memory \d+ MB is above the ceiling of 1 MB: exiting for a clean restart",
                                           said[0].getMessage())
    assert "stopping: the memory ceiling" in caplog.messages
    ok, line = read_status(tmp_path / "hb.json", now=time.time())  # at once, not after the heartbeat goes stale
    assert not ok and line.startswith("not running: stopped at ") and line.endswith("by the memory ceiling")


def test_a_watchdog_exit_leaves_a_heartbeat_that_says_so(tiny_model_file, tmp_path, monkeypatch):
    exits = []
    monkeypatch.setattr(Watchdog, "_exit", lambda self, silent: exits.append(silent))
    with headless_run(tiny_model_file, tmp_path, "dream", steps=1) as live:
        live._hung(31.0)  # the real one ends the process here: nothing after it writes the heartbeat
        ok, line = read_status(tmp_path / "hb.json", now=time.time())
    assert exits == [31.0]
    assert not ok and "by the watchdog (no frame for 31 s)" in line


def test_a_corrupt_model_falls_back_to_the_shipped_one(tmp_path, caplog):
    from leafdream.ops.live import _context_and_path

    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a model")
    context, _ = _context_and_path(broken)
    assert context.dbn.layer_sizes[0] == 64 * 64
    assert "MODEL NOT USABLE" in caplog.text and "broken.npz" in caplog.text


def test_doctor_names_what_is_wrong(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    code = main(["doctor", "--model", str(tmp_path / "missing.npz"), "--show", "drem"])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  display" in out and "FAIL  model" in out and "FAIL  show" in out and "ok    cache" in out
    assert "ok    calibration none at" in out


def test_doctor_checks_a_named_camera_and_a_broken_calibration(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "leafdream").mkdir()
    (tmp_path / "leafdream" / "camera-calibration.npz").write_bytes(b"garbage")
    code = main(["doctor", "--camera", str(tmp_path / "no-such-camera.mp4")])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  camera" in out and "does not open" in out
    assert "FAIL  calibration" in out and "camera-calibration.npz: not a readable camera calibration" in out


def test_a_short_soak_survives_visitors_edits_hours_a_clock_set_back_a_power_cut_a_dark_projector_and_no_camera(
        tiny_model):
    from leafdream.leafspace.store import leaf_space
    from leafdream.scenes.context import SceneContext
    from leafdream.ops.soak import soak

    said: list[str] = []
    figures = soak(SceneContext(tiny_model.dbn, leaf_space(tiny_model)), hours=15, size=(64, 36), step=10.0,
                   log=said.append)
    assert figures["soak_hours"] == 15 and figures["soak_ticks"] == 5400 and 0 < figures["soak_wall_seconds"] < 600
    assert figures["soak_crashes"] == 0 and figures["soak_crash_lines"] == [] and figures["soak_clock_set_back"]
    # a visitor every 20 minutes; an edit every 3 hours from the first hour, the seed's coin made three of five bad
    assert figures["soak_visitors"] == 45 and figures["soak_show_edits"] == 5 and figures["soak_invalid_edits"] == 3
    assert 50 < figures["soak_rss_first_hour_mb"] and 50 < figures["soak_rss_last_hour_mb"]
    assert figures["soak_rss_growth_mb"] == figures["soak_rss_last_hour_mb"] - figures["soak_rss_first_hour_mb"]
    assert figures["soak_rss_growth_mb"] < 20
    assert 0 < figures["soak_frame_ms_first_hours"] < 1000 and 0 < figures["soak_frame_ms_last_hours"] < 1000
    # the clock goes back an hour at 16:30. The cut at 16:00 falls in opening hours and resumes no further behind
    # than one save interval; the one at 22:00 (23:00 before the clock went back) finds the show closed
    assert figures["soak_power_cuts"] == 2 and figures["soak_power_cuts_resumed"] == 1
    assert not figures["soak_power_cuts_afresh"] and figures["soak_checkpoint_s"] == 30.0
    assert 0 <= figures["soak_resume_worst_lost_s"] < figures["soak_checkpoint_s"]
    assert figures["soak_log_lines"]["INFO"] > 100 and figures["soak_unexpected_problems"] == []
    # the projector switched off at 11:00 for two minutes: the screen was lost, and came back
    assert figures["soak_display_losses"] == 1 and figures["soak_display_back"] == 1
    assert not figures["soak_display_lost_at_end"] and figures["soak_log_lines"]["ERROR"] >= 1
    # the camera's cable pulled at 14:00 and 18:00 (19:00 before the clock went back) for five minutes
    assert figures["soak_camera_losses"] == figures["soak_camera_noticed"] == figures["soak_camera_back"] == 2
    assert len(said) == 6, said
    assert said[0].startswith("camera unplugged at Fri 14:00: the capture says ") and not said[0].endswith("live")
    assert re.fullmatch(r"camera plugged in again at Fri 14:05: live, 1 reconnects so far", said[1])
    assert re.fullmatch(r"power cut at Fri 16:00: resumed \d+ s of show time behind", said[2])
    assert said[3].startswith("camera unplugged at Fri 18:00: the capture says ")
    assert re.fullmatch(r"camera plugged in again at Fri 18:05: live, \d reconnects so far", said[4])
    assert said[5] == "power cut at Fri 22:00: closed, nothing to resume"


def test_the_soak_counts_the_crashes_it_sees_and_the_piece_starts_again(tiny_model, monkeypatch):
    from leafdream.leafspace.store import leaf_space
    from leafdream.scenes.context import SceneContext
    from leafdream.ops.soak import soak
    from leafdream.show.installation import Installation

    ticked, tick, efforts = [0], Installation.tick, set()

    def tick_that_fails_once(self, now, dt, effort=1.0):
        ticked[0] += 1
        efforts.add(effort)
        if ticked[0] == 200:
            raise RuntimeError("a bug in a scene")
        return tick(self, now, dt, effort)

    monkeypatch.setattr(Installation, "tick", tick_that_fails_once)
    said: list[str] = []
    figures = soak(SceneContext(tiny_model.dbn, leaf_space(tiny_model)), hours=2, size=(64, 36), step=10.0,
                   log=said.append)
    assert figures["soak_crashes"] == 1
    assert re.fullmatch(r"Fri 09:\d\d: RuntimeError: a bug in a scene", figures["soak_crash_lines"][0])
    assert re.fullmatch(r"crash at Fri 09:\d\d \(RuntimeError: a bug in a scene\); the piece starts again from "
                        r"its save", said[0])
    assert ticked[0] > 700  # it played on after the crash
    assert figures["soak_power_cuts"] == 0 and figures["soak_resume_worst_lost_s"] == 0.0  # none to be behind
    assert 0.02 in efforts and efforts <= {0.02, 1.0}  # simulated hours at the governor's least (timed frames: 1)


def test_freed_memory_is_handed_back_every_few_seconds_of_show():
    from leafdream.ops.memory import MemoryRelease

    calls = []
    release = MemoryRelease(every=10.0, trim=lambda pad: calls.append(pad) or 1)
    due = [release.after(1 / 60) for _ in range(60 * 25)]  # 25 s of frames at 60 fps
    assert len(calls) == 2 and calls == [0, 0]
    assert sum(due) == 2 and due.index(True) in range(599, 601)
    assert release.releases == 2 and 0 <= release.longest_ms < 1000


def test_the_release_really_returns_freed_heap_pages_to_the_system():
    import psutil

    from leafdream.ops.memory import MemoryRelease, _glibc_trim

    if _glibc_trim() is None:
        pytest.skip("the C library has no malloc_trim (not glibc)")
    process = psutil.Process()
    blocks = [bytearray(64 * 1024) for _ in range(1600)]  # 100 MB of heap blocks below the mmap threshold
    for block in blocks:
        block[::4096] = b"\x01" * len(block[::4096])  # touch every page
    keep = blocks[-1]
    del blocks  # all freed but the last, which pins the heap's top: free pages stay resident
    before = process.memory_info().rss
    MemoryRelease(every=0.0).after(0.0)
    after = process.memory_info().rss
    assert before - after > 50e6, f"RSS {before / 1e6:.0f} -> {after / 1e6:.0f} MB"
    assert len(keep) == 64 * 1024


def test_the_running_piece_hands_freed_memory_back_as_it_plays(tiny_model_file, tmp_path):
    from leafdream.ops.memory import MemoryRelease

    calls = []
    with headless_run(tiny_model_file, tmp_path, "dream") as live:
        live.memory = MemoryRelease(every=0.0, trim=lambda pad: calls.append(pad) or 1)
        for _ in range(3):
            live.step()
    assert calls == [0, 0, 0]


def test_the_heartbeat_lives_in_the_runtime_folder_or_else_the_cache(monkeypatch, tmp_path):
    from leafdream.ops.heartbeat import default_heartbeat_path

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    assert default_heartbeat_path() == tmp_path / "run" / "leafdream" / "heartbeat.json"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_heartbeat_path() == tmp_path / "cache" / "leafdream" / "heartbeat.json"


def test_doctor_says_each_check_whole_with_its_fix(tiny_model_file, tmp_path, monkeypatch):
    import cv2
    import numpy as np

    from leafdream.ops.doctor import run_checks

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-is-a-file"))
    (tmp_path / "cache-is-a-file").write_text("")
    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 30, (64, 48))
    for _ in range(5):
        writer.write(np.full((48, 64, 3), 90, np.uint8))
    writer.release()
    show = tmp_path / "open.toml"
    show.write_text('[show]\nhours = "daily 10:00-18:00"\ntimezone = "Europe/Paris"\n\n'
                    '[[cue]]\nscene = "dream"\nduration = "1m"\n\n[[cue]]\nscene = "drift"\nduration = "1m"\n')
    results = run_checks(tiny_model_file, str(show), camera=str(video))
    assert [what for _, what, _ in results] == ["display", "camera", "calibration", "model", "show", "cache", "disk"]
    checks = {what: (ok, detail) for ok, what, detail in results}
    assert checks["display"] == (False, "SDL_VIDEODRIVER=dummy is set, so SDL draws with its 'dummy' driver and "
                                        "nothing is seen: unset it")
    assert checks["camera"] == (True, f"camera {video} gives 64x48 frames")
    assert checks["calibration"] == (True, f"none at {tmp_path / 'config' / 'leafdream' / 'camera-calibration.npz'}: "
                                           f"the empty scene is learnt when leafdream starts; 'leafdream camera "
                                           f"calibrate' makes one")
    ok, detail = checks["model"]
    assert detail.startswith(f"{tiny_model_file}: layers [")
    assert ok == detail.endswith("]")  # without a map it says how to make one
    assert ok or detail.endswith("; no leaf-space map: run 'leafdream map --compute --data DIR'")
    assert checks["show"] == (True, f"{show}: 2 cues, open daily 10:00-18:00 (Europe/Paris)")
    ok, detail = checks["cache"]
    assert not ok and detail.startswith(f"{tmp_path / 'cache-is-a-file' / 'leafdream'} is not writable (")
    assert detail.endswith("); set XDG_CACHE_HOME to a writable folder")
    ok, detail = checks["disk"]
    assert re.fullmatch(r"\d+\.\d GB free(; logs and heartbeat need room: free some space)?", detail)
    assert ok == (float(detail.split()[0]) > 1.0)
    plain = {what: detail for _, what, detail in run_checks(tmp_path / "missing.npz", "drem")}
    assert plain["camera"] == "not checked: name one with --camera SOURCE (index, /dev/videoN or a video file)"
    assert plain["model"].endswith("; leafdream would fall back to the shipped model")
    assert "\n" not in plain["show"] and plain["show"].endswith(" — run 'leafdream check drem'")


class _CameraWithVisitors:
    """The running piece's camera side, reduced to what the loop asks of it: the events it hands out once."""

    watcher = None

    def __init__(self, events):
        self.events, self.stopped = list(events), False

    def visitor_events(self, now):
        events, self.events = self.events, []
        return events

    def state(self):
        return "live 640x480, 30 fps"

    def stop(self):
        self.stopped = True


def test_the_running_piece_hands_the_cameras_visitors_to_the_show_and_logs_them(tiny_model_file, tmp_path, caplog):
    import logging

    import numpy as np

    from leafdream.camera.events import VisitorEvent

    caplog.set_level(logging.INFO, logger="leafdream")
    with headless_run(tiny_model_file, tmp_path, "dream", steps=1) as live:
        camera = live.camera = _CameraWithVisitors([VisitorEvent("appeared", np.array([0.25, 0.5]), "Acer palmatum")])
        live.step()
        assert live.installation.visitor_present and live.installation.visitor is not None
        assert live._state()["camera"] == "live 640x480, 30 fps"
        camera.events = [VisitorEvent("gone")]
        live.step()
        assert not live.installation.visitor_present
    assert camera.stopped  # closing the piece stops its camera
    said = [m for m in caplog.messages if m.startswith("visitor: a leaf")]
    assert said == ["visitor: a leaf appeared, near Acer palmatum at (0.25, 0.50) in leaf space",
                    "visitor: a leaf has gone"]


def test_the_heartbeat_of_a_running_piece_holds_every_figure_status_and_the_page_read(tiny_model_file, tmp_path):
    with headless_run(tiny_model_file, tmp_path, "dream", steps=3, fps=50) as live:
        state = live._state_for_heartbeat()
    assert set(state) == {"uptime_s", "fps", "frame_ms", "target_fps", "run_work_p50_ms", "run_work_p99_ms",
                          "run_work_max_ms", "run_present_p50_ms", "run_present_p99_ms", "effort", "show", "open",
                          "cue", "scene", "camera", "fallback", "chains", "screen", "last_error"}
    assert state["target_fps"] == 50 and state["open"] is True and (state["cue"], state["scene"]) == (1, "dream")
    assert state["camera"] == "none" and state["fallback"] == "" and state["last_error"] == ""
    assert 0 < state["uptime_s"] < 120 and 0 < state["effort"] <= 1 and state["frame_ms"] > 0
    assert 0 < state["run_work_p50_ms"] <= state["run_work_p99_ms"] <= state["run_work_max_ms"]
    assert len(state["chains"]) == 1 and not str(state["screen"]).startswith("lost")


def test_the_running_pieces_threads_say_what_they_are(tiny_model_file, tmp_path):
    """In a stack dump of a stuck piece (py-spy, faulthandler) a technician reads these names."""
    import threading

    from leafdream.ops.checkpoint import Checkpointer, SavedPosition, load_saved

    with headless_run(tiny_model_file, tmp_path, "dream", steps=1, osc_port=0, osc_tcp_port=0):
        daemons = {thread.name for thread in threading.enumerate() if thread.daemon}
    assert {"watchdog", "osc", "osc-tcp"} <= daemons
    saver = Checkpointer(tmp_path / "position.npz")
    saver.submit(SavedPosition("s", "2026-12-04", 1.0, {"round": 0, "index": 0, "t": 0.0, "in_cue": 0.0}, "dream", {}))
    assert saver._writer.name == "checkpoint" and saver._writer.daemon
    deadline = time.monotonic() + 10
    while load_saved(saver.path) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert load_saved(saver.path).scene == "dream"  # written by that thread, not the loop


def _press(*keys, quit_window=False):
    import pygame

    for key in keys:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
    if quit_window:
        pygame.event.post(pygame.event.Event(pygame.QUIT))


def test_the_operators_keys_next_overlay_and_quit_and_in_kiosk_only_ctrl_shift_q(tiny_model_file, tmp_path, caplog):
    import logging

    import pygame

    caplog.set_level(logging.INFO, logger="leafdream.ops.live")
    show = tmp_path / "two.toml"
    show.write_text('[[cue]]\nscene = "dream"\nduration = "1m"\n[[cue]]\nscene = "xerox"\nduration = "1m"\n')
    with headless_run(tiny_model_file, tmp_path, str(show), steps=1, kiosk=True) as live:
        _press(pygame.K_n, pygame.K_o, pygame.K_ESCAPE, pygame.K_q, quit_window=True)
        live.step()
        assert live.installation.player.scene.name == "xerox" and live.show_overlay
        assert live.running  # in kiosk, Esc, Q and the window's close are not the visitors' to press
        _press(pygame.K_o)
        live.step()
        assert not live.show_overlay
        pygame.key.set_mods(pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT)
        try:
            _press(pygame.K_q)
            live.step()
        finally:
            pygame.key.set_mods(0)
        assert not live.running and live.stop_reason == "the operator's quit key"
    assert [m for m in caplog.messages if m.startswith("key ")] == [
        "key N: the next cue", "key O: operator overlay on", "key O: operator overlay off"]
    with headless_run(tiny_model_file, tmp_path, "dream", steps=1) as live:
        _press(pygame.K_ESCAPE)
        live.step()
        assert not live.running and live.stop_reason == "the operator's quit key"
    with headless_run(tiny_model_file, tmp_path, "dream", steps=1) as live:
        _press(quit_window=True)
        live.step()
        assert not live.running and live.stop_reason == "the window closing"
    assert "stopping: the window closing" in caplog.messages


def test_ports_that_cannot_be_had_are_said_and_the_show_runs_without_them(tiny_model_file, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="leafdream.ops.live")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
        udp.bind(("127.0.0.1", 0))
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        taken_udp, taken_tcp = udp.getsockname()[1], tcp.getsockname()[1]
        with headless_run(tiny_model_file, tmp_path, "dream", steps=2, max_frames=2, osc_port=taken_udp,
                          status_port=taken_tcp) as live:
            assert live.remote is None and live.status_server is None and live.board is None
            assert not live.running and live.stop_reason == "its frame limit"
    said = caplog.messages
    osc = [m for m in said if m.startswith("OSC remote control not started")]
    page = [m for m in said if m.startswith("status page not started")]
    assert len(osc) == 1 and osc[0].startswith(f"OSC remote control not started on 127.0.0.1:{taken_udp} (")
    assert osc[0].endswith("); the show runs without it")
    assert page == [f"status page not started on 127.0.0.1:{taken_tcp} (Address already in use); the show runs "
                    f"without it"]
    closing = [m for m in said if m.startswith("ran 2 frames in ")]
    assert len(closing) == 1 and re.fullmatch(
        r"ran 2 frames in \d+\.\d s \(\d+\.\d fps\); first frame \d+\.\d\d s after the process started; work per frame "
        r"p50 \d+\.\d ms, p99 \d+\.\d ms, max \d+\.\d ms, \d+\.\d\d% of frames over the 16\.7 ms budget \(of which "
        r"putting it on the screen p50 \d+\.\d ms, p99 \d+\.\d ms\)", closing[0])
    assert float(closing[0].split(" s (")[0].rsplit(" ", 1)[1]) < 120  # the run's own seconds, not the clock's
    assert re.fullmatch(r"freed memory handed back to the system \d+ times \(the longest took \d+\.\d ms\)",
                        [m for m in said if m.startswith("freed memory")][0])
    assert "stopping: its frame limit" in said


def test_a_camera_calibration_is_read_said_or_its_absence_and_its_damage_said(tmp_path, monkeypatch, caplog):
    import logging

    from leafdream.ops.live import _calibration_or_none

    caplog.set_level(logging.INFO, logger="leafdream.ops.live")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert _calibration_or_none(None) is None
    assert caplog.messages == [f"no camera calibration at {tmp_path / 'leafdream' / 'camera-calibration.npz'}: the "
                               f"empty scene is learnt from the first frames"]
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"garbage")
    assert _calibration_or_none(broken) is None
    assert caplog.messages[1].startswith(str(broken)) and caplog.messages[1].endswith(
        "; the empty scene is learnt from the first frames instead")
    assert caplog.records[1].levelno == logging.ERROR


def test_sd_notify_to_an_abstract_socket_and_a_socket_that_is_gone(tmp_path, monkeypatch, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="leafdream.ops.service")
    monkeypatch.setenv("NOTIFY_SOCKET", "@leafdream-test-notify")
    assert ServiceNotifier().address == "\0leafdream-test-notify"  # systemd's '@' is Linux's abstract namespace
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind("\0leafdream-test-notify")
        server.settimeout(2)
        ServiceNotifier().frame_presented(0.0)
        assert server.recv(100) == b"READY=1"
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    notifier = ServiceNotifier()
    notifier.frame_presented(0.0)
    assert notifier.ready  # the loop goes on without systemd hearing it
    assert len(caplog.messages) == 2 and caplog.messages[0].startswith("sd_notify 'READY=1' not sent: ")
    assert caplog.messages[1].startswith("sd_notify 'WATCHDOG=1' not sent: ")
    monkeypatch.delenv("NOTIFY_SOCKET")
    quiet = ServiceNotifier()
    quiet.frame_presented(0.0)
    assert quiet.address is None and quiet.ready and len(caplog.messages) == 2


def test_the_running_piece_gives_its_camera_the_source_model_calibration_and_dump_it_was_started_with(
        tiny_model_file, tmp_path, monkeypatch):
    import leafdream.ops.live as live_module

    made = []

    class RecordingCamera(_CameraWithVisitors):
        def __init__(self, *arguments):
            super().__init__([])
            made.append(arguments)

        def attach(self, context):
            context.extras = {**context.extras, "camera_completion": "attached"}

    monkeypatch.setattr(live_module, "LiveCamera", RecordingCamera)
    with headless_run(tiny_model_file, tmp_path, "dream", steps=1, camera="clip.mp4",
                      calibration_path=str(tmp_path / "cal.npz"), dump_dir=str(tmp_path / "dump"),
                      dump_seconds=7.0) as live:
        assert live.installation.context.extras["camera_completion"] == "attached"
        assert live.camera_state() == "live 640x480, 30 fps"
    assert made == [("clip.mp4", tiny_model_file, str(tmp_path / "cal.npz"), str(tmp_path / "dump"), 7.0)]


def test_the_overlay_can_be_read_before_the_first_frame(tiny_model_file, tmp_path):
    with headless_run(tiny_model_file, tmp_path, "dream") as live:
        assert live.overlay_lines()[0].startswith("fps   0.0   work   0.0 ms")


@pytest.mark.parametrize("free_gb, ok, detail", [
    (1.5, True, "1.5 GB free"),
    (0.5, False, "0.5 GB free; logs and heartbeat need room: free some space"),
])
def test_doctor_wants_a_gigabyte_free(monkeypatch, free_gb, ok, detail):
    import shutil
    from collections import namedtuple

    from leafdream.ops.doctor import run_checks

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(100e9, 0, free_gb * 1e9))
    checks = {what: (passed, said) for passed, what, said in run_checks("missing.npz", "dream")}
    assert checks["disk"] == (ok, detail)


def test_the_live_cameras_events_are_judged_at_the_time_they_are_asked_for():
    from leafdream.ops.live import LiveCamera

    asked = []

    class Events:
        def update(self, now, present, completed):
            asked.append((now, present, completed))
            return []

    camera = object.__new__(LiveCamera)  # its parts only: no capture thread or camera process
    camera.events, camera.watcher = Events(), type("W", (), {"present": True})()
    camera.completion = type("C", (), {"latest": lambda self: "the newest leaf"})()
    assert camera.visitor_events(12.5) == [] and asked == [(12.5, True, "the newest leaf")]


def test_the_live_camera_hands_its_completions_to_the_camera_scene(tiny_model):
    from leafdream.leafspace.store import leaf_space
    from leafdream.ops.live import LiveCamera
    from leafdream.scenes.context import SceneContext
    from leafdream.scenes.table import make_scene

    context = SceneContext(tiny_model.dbn, leaf_space(tiny_model))
    camera = object.__new__(LiveCamera)  # its parts only: no capture thread or camera process
    camera.completion = object()
    camera.attach(context)
    assert make_scene("camera", context, {}, seed=0).worker is camera.completion
