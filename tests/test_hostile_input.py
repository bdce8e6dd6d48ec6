"""Hostile input to the show files: what a file on disk can do must never hang, fill the memory or stop the piece."""

import logging
import os
import sys
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leafdream.errors import LeafdreamError
from model_files import header_only, rewrite, set_meta, with_members
from leafdream.leafspace.store import leaf_space
from leafdream.scenes.context import SceneContext
from leafdream.show import installation as installation_module
from leafdream.show.installation import Installation
from leafdream.show.showfile import MAX_BYTES, ShowError, load_show, parse_show
from leafdream.show.timeparse import LONGEST, parse_duration
from live_runs import headless_run

pytestmark = pytest.mark.hostile

UTC = ZoneInfo("UTC")
GOOD = '[[cue]]\nscene = "dream"\nduration = "10s"\ncrossfade = "0s"\n'


@pytest.fixture(scope="module")
def context(tiny_model):
    return SceneContext(tiny_model.dbn, leaf_space(tiny_model))


def _within_seconds(call, seconds=10.0):
    """What ``call()`` returned or raised, failing the test (not hanging it) if it takes longer than ``seconds``."""
    outcome = {}

    def target():
        try:
            outcome["value"] = call()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    return outcome


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_is_refused_without_reading_from_it(tmp_path):
    pipe = tmp_path / "show.toml"
    os.mkfifo(pipe)  # reading it would block for ever: nobody writes to it
    outcome = _within_seconds(lambda: load_show(pipe))
    assert isinstance(outcome.get("error"), LeafdreamError) and "not a regular file" in str(outcome["error"])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_link_to_an_endless_device_is_refused(tmp_path):
    link = tmp_path / "show.toml"
    link.symlink_to("/dev/zero")
    with pytest.raises(LeafdreamError, match="not a regular file"):
        load_show(link)


def test_a_file_larger_than_a_show_is_refused_after_reading_only_its_limit(tmp_path):
    big = tmp_path / "show.toml"
    big.write_text("# " + "x" * (MAX_BYTES + 10) + "\n" + GOOD)
    with pytest.raises(LeafdreamError, match="larger than"):
        load_show(big)


@pytest.mark.parametrize("nesting", ["[" * 5000 + "]" * 5000, "{a = " * 3000 + "1" + "}" * 3000])
def test_deep_nesting_is_a_problem_at_a_line_not_a_recursion_error(nesting):
    with pytest.raises(ShowError, match="nested too deeply"):
        parse_show("x = " + nesting + "\n" + GOOD, "deep.toml")


@pytest.mark.parametrize("value", ["1e308", "1e300", '"99999999999h"', '"745h"', str(sys.float_info.max)])
def test_a_time_longer_than_a_month_is_a_problem_at_its_line(value):
    with pytest.raises(ShowError) as raised:
        parse_show(f'[[cue]]\nscene = "dream"\nduration = {value}\n', "long.toml")
    assert "31 days" in str(raised.value) and "long.toml:3" in str(raised.value)


def test_the_longest_time_itself_is_allowed():
    assert parse_duration(LONGEST) == LONGEST
    assert parse_duration("744h") == 744 * 3600.0


def _run(piece, now, seconds, dt=0.1):
    for _ in range(int(round(seconds / dt))):
        now += timedelta(seconds=dt)
        piece.tick(now, dt)
    return now


def _touch(path, text):
    path.write_text(text)
    stamp = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


@pytest.mark.parametrize("failure", [RecursionError("maximum recursion depth exceeded"), MemoryError(),
                                     OverflowError("cannot convert float infinity to integer"), KeyError("cue")])
def test_a_reload_that_fails_in_any_way_keeps_the_last_good_show(context, tmp_path, monkeypatch, failure):
    show = tmp_path / "s.toml"
    _touch(show, GOOD)
    piece = Installation(context, str(show), (64, 48), reload_every=0.5)
    now = _run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 1)

    def broken(name):
        raise failure

    monkeypatch.setattr(installation_module, "resolve_show", broken)
    _touch(show, GOOD.replace("dream", "xerox"))
    now = _run(piece, now, 1)
    assert "last good show plays on" in piece.last_error and type(failure).__name__ in piece.last_error
    assert piece.player.scene.name == "dream"
    _run(piece, now, 12)  # and it keeps playing, past the cue's end
    assert piece.player.scene.name == "dream" and piece.frame().max() > 0


def test_a_reload_of_a_pipe_keeps_the_last_good_show(context, tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    show = tmp_path / "s.toml"
    _touch(show, GOOD)
    piece = Installation(context, str(show), (64, 48), reload_every=0.5)
    now = _run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 1)
    show.unlink()
    os.mkfifo(show)
    stamp = os.stat(show).st_mtime_ns + 2_000_000_000
    os.utime(show, ns=(stamp, stamp))
    _within_seconds(lambda: _run(piece, now, 1))
    assert "not a regular file" in piece.last_error
    assert piece.player.scene.name == "dream"


# ---- camera debug dumps: visitors' pictures, bounded however often they are asked for ----

class _Segmentation:
    def __init__(self, shape):
        import numpy as np

        self.leaf = np.zeros(shape, np.float32)
        self.hidden = np.zeros(shape, bool)


def _frames(count, shape=(24, 32)):
    import numpy as np

    rng = np.random.default_rng(0)
    return [rng.integers(0, 255, shape + (3,), dtype=np.uint8) for _ in range(count)]


def test_one_dump_at_a_time_and_its_pictures_readable_by_us_alone(tmp_path, caplog):
    from leafdream.camera.watcher import LeafWatcher

    watcher = LeafWatcher()
    assert watcher.start_dump(tmp_path, seconds=10.0)
    assert not watcher.start_dump(tmp_path, seconds=10.0)  # a second request while one runs
    assert "still running" in caplog.text
    for index, frame in enumerate(_frames(3)):
        watcher.dump.write(frame, _Segmentation(frame.shape[:2]), index / 30)
    assert [p.name for p in tmp_path.iterdir()] == ["dump-1"]
    assert (tmp_path / "dump-1").stat().st_mode & 0o777 == 0o700
    pictures = list((tmp_path / "dump-1").iterdir())
    assert len(pictures) == 6 and all(p.stat().st_mode & 0o777 == 0o600 for p in pictures)


def test_a_flood_of_dump_requests_makes_at_most_the_allowed_number_of_folders(tmp_path, caplog):
    from leafdream.camera.dump import MOST_DUMPS
    from leafdream.camera.watcher import LeafWatcher

    watcher = LeafWatcher()
    for _ in range(3 * MOST_DUMPS):
        if watcher.start_dump(tmp_path, seconds=0.0):
            watcher.dump.finish()
    assert len(list(tmp_path.glob("dump-*"))) == MOST_DUMPS
    assert f"at most {MOST_DUMPS}" in caplog.text


def test_dumps_stop_at_the_size_limit(tmp_path, monkeypatch, caplog):
    from leafdream.camera import dump as dump_module

    monkeypatch.setattr(dump_module, "MOST_BYTES", 20_000)
    dump = dump_module.DebugDump(tmp_path, seconds=100.0)
    for index, frame in enumerate(_frames(50)):
        dump.write(frame, _Segmentation(frame.shape[:2]), index / 30)
    assert dump.finished and 0 < dump.written < 50
    again = dump_module.DebugDump(tmp_path, seconds=100.0)  # the next one gets only what is left
    for index, frame in enumerate(_frames(50)):
        again.write(frame, _Segmentation(frame.shape[:2]), index / 30)
    assert sum(p.stat().st_size for p in tmp_path.glob("dump-*/*")) <= 20_000
    monkeypatch.setattr(dump_module, "MOST_BYTES", 1_000)
    with pytest.raises(dump_module.DumpRefused, match="MB of camera dumps already"):
        dump_module.DebugDump(tmp_path, seconds=1.0)


def test_a_dump_folder_that_cannot_be_made_is_refused_in_words(tmp_path):
    from leafdream.camera.dump import DebugDump, DumpRefused

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DumpRefused, match="cannot use"):
        DebugDump(blocker / "dumps", seconds=1.0)


# ---- OSC: nothing a packet does stops the piece ----

def _remote(**kwargs):
    from leafdream.ops.remote import RemoteControl

    return RemoteControl("127.0.0.1", 0, **kwargs)


def _send(remote, payloads):
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for payload in payloads:
            sock.sendto(payload, remote.address)


def _message(address, *args):
    from pythonosc.osc_message_builder import OscMessageBuilder

    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def _settle(remote, seconds=1.0):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and remote.commands.qsize() == 0:
        time.sleep(0.01)
    time.sleep(0.2)


def test_a_flood_from_loopback_is_cut_to_the_senders_rate_and_the_frames_share(caplog):
    from leafdream.ops.remote import BURST, PER_FRAME

    remote = _remote()
    try:
        _send(remote, [_message("/leafdream/next")] * 3000)
        _settle(remote)
        waiting = remote.commands.qsize()
        assert 1 <= waiting <= BURST + 60  # the burst and what the rate refilled while the packets came
        assert len(remote.poll()) == PER_FRAME  # the loop takes a frame's share, the rest waits
        assert "more than" in caplog.text and caplog.text.count("sends more than") <= 2
        assert "OSC: 127.0.0.1 sends more than 50 commands a second; the rest are dropped" in caplog.messages
    finally:
        remote.close()


@pytest.mark.parametrize("packet", [
    b"#bundle\x00" + b"\x00" * 8 + (b"\x00\x00\x9c\x40" + b"#bundle\x00" + b"\x00" * 8) * 2000,  # 40 KB nested
    b"/leafdream/set\x00\x00,sf\x00steps_per_second\x00\x00\x00",  # a float promised, none sent
    b"/leafdream/cue\x00\x00,i\x00\x00",  # an integer promised, none sent
    b"\x00" * 64,
])
def test_an_unreadable_packet_is_one_log_line_never_a_traceback(packet, capfd, caplog):
    remote = _remote()
    try:
        _send(remote, [packet] * 5 + [_message("/leafdream/go")])
        _settle(remote)
        assert remote.poll() == [("go", [], "127.0.0.1")]  # and the next good command still arrives
    finally:
        remote.close()
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert caplog.text.count("could not be read") <= 1
    assert [m for m in caplog.messages if "could not be read" in m] in (
        [], ["OSC: a packet from 127.0.0.1 could not be read (malformed or nested too deeply); ignored"])


def test_strangers_are_not_heard_unless_allowed(caplog):
    remote = _remote(allow=("192.168.1.20",))
    try:
        assert not remote._sender_allowed(("10.0.0.5", 5000))
        assert not remote._sender_allowed(("10.0.0.6", 5000))  # the same kind of line: held, counted
        assert remote._sender_allowed(("192.168.1.20", 5000))
        assert remote._sender_allowed(("::ffff:127.0.0.1", 5000, 0, 0))
    finally:
        remote.close()
    assert caplog.text.count("not an allowed sender") == 1 and "--osc-allow 10.0.0.5" in caplog.text
    assert "OSC: a packet from 10.0.0.5 dropped: not an allowed sender (start leafdream with --osc-allow 10.0.0.5 to " \
           "hear it)" in caplog.messages


def test_the_remote_says_where_it_listens_and_whom_it_hears(caplog):
    import logging

    with caplog.at_level(logging.INFO):
        for allow in ((), ("192.168.1.20",)):
            remote = _remote(allow=allow)
            remote.close()
    port_lines = [r.getMessage() for r in caplog.records if "OSC remote control listening" in r.getMessage()]
    assert len(port_lines) == 2 and all(line.startswith("OSC remote control listening on 127.0.0.1:") for line in port_lines)
    assert port_lines[0].endswith(", hearing loopback only")
    assert port_lines[1].endswith(", hearing loopback and 192.168.1.20")

    caplog.clear()
    with caplog.at_level(logging.INFO):
        remote = _remote(tcp_port=0)
        udp, tcp = remote.address[1], remote.tcp.server_address[1]
        remote.close()
    assert f"OSC remote control listening on 127.0.0.1:{udp} and TCP (SLIP) port {tcp}, hearing loopback only" \
        in caplog.messages


def test_quiet_log_says_a_kind_once_an_interval_with_the_count_of_the_rest(caplog):
    from leafdream.show.quiet_log import QuietLog

    now = [0.0]
    quiet = QuietLog(every=10.0, clock=lambda: now[0])
    for step in range(100):
        now[0] = step * 0.1  # 100 in 10 s
        quiet.warning("flood", "OSC: flood from %s", "me")
    now[0] = 10.5
    quiet.warning("flood", "OSC: flood from %s", "me")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["OSC: flood from me", "OSC: flood from me (99 more like this in the last 10 s)"]


@pytest.mark.parametrize("arguments, words", [
    (["--osc-port", "70000"], "from 1 to 65535"),
    (["--osc-port", "nine"], "expected a port number"),
    (["--osc-port", "0"], "from 1 to 65535"),
    (["--osc-allow", "10.0.0.300"], "not an IP address"),
])
def test_bad_osc_arguments_are_refused_in_words(arguments, words, capsys):
    from leafdream.commands.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["run", "--headless", *arguments])
    assert stopped.value.code == 2 and words in capsys.readouterr().err


# ---- model files: checked from the archive's headers before anything is allocated ----

@pytest.mark.parametrize("change, words", [
    (lambda a: set_meta(a, data=["a", "list"]), "'data' is a list, expected a dict"),
    (lambda a: set_meta(a, data={"files": "leaf.png"}), "'data.files' is a str, expected a list"),
    (lambda a: set_meta(a, data={"species": [1, 2]}), "'data.species' must list names"),
    (lambda a: set_meta(a, training="fast"), "'training' is a str"),
    (lambda a: set_meta(a, layer_sizes=[1024, 10 ** 9]), "whole numbers from 2 to"),
    (lambda a: set_meta(a, layer_sizes=[1024, "48"]), "whole numbers from 2 to"),
])
def test_model_metadata_of_the_wrong_kind_is_one_line_in_run_info_and_doctor(tiny_model_file, tmp_path, change,
                                                                              words, capsys):
    from leafdream.commands.cli import main
    from leafdream.model.modelfile import load_model
    from leafdream.ops.doctor import run_checks

    target = rewrite(tiny_model_file, tmp_path / "bad.npz", change, compressed=True)
    with pytest.raises(LeafdreamError, match=words.replace("(", r"\(")):
        load_model(target)
    assert main(["info", str(target)]) == 1
    assert words in capsys.readouterr().err
    model_check = [r for r in run_checks(target, "default") if r[1] == "model"][0]
    assert not model_check[0] and words in model_check[2]  # doctor says what run would


def test_a_small_file_holding_a_huge_array_is_refused_before_it_is_allocated(tiny_model_file, tmp_path):
    import tracemalloc

    import numpy as np

    from leafdream.model.modelfile import load_model

    target = rewrite(tiny_model_file, tmp_path / "huge.npz",
                     lambda a: a.update(map_positions=np.zeros((17_000, 17_000), np.float32)), compressed=True)  # 1.1 GB
    assert target.stat().st_size < 20 * 1024 ** 2
    tracemalloc.start()
    try:
        with pytest.raises(LeafdreamError, match="would take 1102 MB"):
            load_model(target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 ** 2


@pytest.mark.parametrize("content", [b"", b"\x00" * 4096, bytes(range(256)) * 64, b"\x93NUMPY\x01\x00v\x00"])
def test_empty_zero_or_random_bytes_are_not_a_model_and_say_nothing_of_pickles(tmp_path, content):
    from leafdream.model.modelfile import load_model

    target = tmp_path / "model.npz"
    target.write_bytes(content)
    with pytest.raises(LeafdreamError) as raised:
        load_model(target)
    assert "truncated or corrupt" in str(raised.value) and "pickle" not in str(raised.value)


def test_an_array_of_python_objects_is_refused(tiny_model_file, tmp_path):
    import numpy as np

    from leafdream.model.modelfile import load_model

    target = tmp_path / "objects.npz"
    with np.load(tiny_model_file) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["extra"] = np.array([{"a": 1}], dtype=object)
    np.savez(target, **arrays)
    with pytest.raises(LeafdreamError, match="holds Python objects"):
        load_model(target)


# ---- camera sources and the status line: a stop never looks like health ----

class _UndecodableVideo:
    """A video file whose container promises frames that never decode."""

    def __init__(self):
        self.rewinds = 0

    def isOpened(self):  # noqa: N802 (cv2.VideoCapture's names)
        return True

    def get(self, prop):
        import cv2

        return {cv2.CAP_PROP_FRAME_COUNT: 300.0, cv2.CAP_PROP_FPS: 30.0}.get(prop, 0.0)

    def set(self, prop, value):
        self.rewinds += 1
        return True

    def read(self):
        return False, None

    def release(self):
        pass


def test_a_video_whose_frames_never_decode_is_a_stall_and_is_reopened(tmp_path, caplog):
    import time

    from leafdream.camera.capture import CameraThread

    video = tmp_path / "rehearsal.mp4"
    video.write_bytes(b"not really a video")
    opened = []
    camera = CameraThread(str(video), opener=lambda source: opened.append(source) or _UndecodableVideo(),
                          stall_after=0.3, max_backoff=0.2).start()
    try:
        deadline = time.monotonic() + 5
        while camera.reconnects < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        camera.stop()
    assert camera.reconnects >= 2 and len(opened) >= 2  # not "live (0 frames)" for ever
    assert "stalled; reconnecting" in caplog.text


def _heartbeat(tmp_path, **state):
    import json
    import time

    path = tmp_path / "hb.json"
    base = {"written_at": time.time(), "healthy": True, "show": "default", "cue": 1, "scene": "dream", "fps": 60.0,
            "target_fps": 60, "frame_ms": 5.0, "uptime_s": 3600.0, "rss_mb": 300.0, "camera": "none", "open": True}
    path.write_text(json.dumps({**base, **state}))
    return path


@pytest.mark.parametrize("state, words", [
    ({"camera": "lost (0 frames, 4 reconnects)"}, "the camera is lost"),
    ({"camera": "stalled 640x480 (120 frames, 1 reconnects)"}, "the camera is stalled"),
    ({"camera": "live 640x480 (9000 frames, 0 reconnects, camera process ended)"}, "camera process ended"),
    ({"fps": 10.0}, "far below the 60 fps"),
    ({"fallback": "the shipped model (models/own.npz is damaged)"}, "on a fallback"),
])
def test_status_is_not_well_when_the_camera_or_the_frame_rate_or_the_model_is_not(tmp_path, state, words):
    import time

    from leafdream.ops.heartbeat import read_status

    ok, line = read_status(_heartbeat(tmp_path, **state), time.time())
    assert not ok and words in line


def test_status_allows_a_camera_its_start_and_a_closed_room_its_calm(tmp_path):
    import time

    from leafdream.ops.heartbeat import read_status

    assert read_status(_heartbeat(tmp_path, camera="connecting", uptime_s=3.0), time.time())[0]
    assert read_status(_heartbeat(tmp_path, camera="live 640x480 (900 frames, 0 reconnects)"), time.time())[0]
    assert read_status(_heartbeat(tmp_path, fps=58.0), time.time())[0]


# ---- signals: a stopped-and-continued process is judged by the time since it resumed ----

def test_the_watchdog_counts_from_a_resume_not_through_a_stop(caplog):
    import logging
    import time

    from leafdream.ops.service import Watchdog

    now = [100.0]
    fired = []
    dog = Watchdog(30.0, on_hang=fired.append, poll=0.01, clock=lambda: now[0])
    try:
        time.sleep(0.05)
        now[0] += 40.0  # SIGSTOP for 40 s, then SIGCONT: every thread slept, the loop included
        time.sleep(0.1)
        assert not fired  # not "no frame for 40 s"
        for _ in range(40):  # but a loop that really hangs after the resume still ends the process
            now[0] += 1.0
            time.sleep(0.02)
        deadline = time.monotonic() + 2
        while not fired and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        dog.stop()
    assert fired and 30.0 < fired[0] < 45.0
    resumed = [r for r in caplog.records if r.name == "leafdream.ops.service"]
    assert [r.getMessage() for r in resumed] == ["resumed after 40 s stopped; the watchdog counts from now"]
    assert resumed[0].levelno == logging.WARNING


@pytest.mark.skipif(sys.platform != "linux", reason="SIGSTOP/SIGCONT as on the exhibition machine")
def test_a_real_stop_and_continue_does_not_end_the_process():
    import subprocess

    code = ("from leafdream.ops.service import Watchdog\nimport time\n"
            "dog = Watchdog(1.0, poll=0.05)\n"
            "print('watching', flush=True)\n"
            "for _ in range(60):\n    time.sleep(0.05)\n    dog.presented()\n"
            "print('alive', flush=True)\n")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    import signal
    import time

    assert process.stdout.readline().strip() == "watching"
    time.sleep(0.3)
    process.send_signal(signal.SIGSTOP)
    time.sleep(3.5)  # longer than the watchdog's 1 s
    process.send_signal(signal.SIGCONT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0 and "alive" in out, err


# ---- crash loops end ----

def test_a_show_that_ends_the_piece_twice_after_its_start_is_set_aside_until_edited(tmp_path):
    from leafdream.ops.starts import StartRecord
    from leafdream.show.fallback import show_or_fallback

    show = tmp_path / "s.toml"
    _touch(show, GOOD)
    for attempt in range(2):  # two starts that never settle (a hang, the memory ceiling, a crash)
        record = StartRecord(tmp_path / "state")
        record.begin(str(show))
        assert not record.set_aside
    record = StartRecord(tmp_path / "state")
    assert record.begin(str(show)) == 2 and record.set_aside
    played, why = show_or_fallback(str(show), "it ended the piece soon after the start 2 times in a row")
    assert played.name == "built-in loop" and "2 times in a row" in why and played.path == str(show)
    record.settle()  # the fallback running well says nothing of the show set aside
    assert StartRecord(tmp_path / "state").begin(str(show)) == 2
    _touch(show, GOOD.replace("10s", "12s"))  # the artist's edit gives it a fresh chance
    again = StartRecord(tmp_path / "state")
    assert again.begin(str(show)) == 0 and not again.set_aside


def test_starts_that_settle_never_add_up(tmp_path):
    from leafdream.ops.starts import SETTLED_AFTER, StartRecord

    show = tmp_path / "s.toml"
    _touch(show, GOOD)
    for _ in range(5):
        record = StartRecord(tmp_path / "state")
        assert record.begin(str(show)) == 0
        record.running_well(SETTLED_AFTER + 1)
    broken = tmp_path / "state" / "starts.json"
    broken.write_text("[not, json")
    assert StartRecord(tmp_path / "state").begin(str(show)) == 0  # a damaged record is no reason to set aside
    for damaged in ('["unsettled", 5]', '"unsettled"', "7", f'{{"show": "{show}", "unsettled": "2"}}'):
        broken.write_text(damaged)  # JSON, but not a record of starts: counts as none
        assert StartRecord(tmp_path / "state").begin(str(show)) == 0, damaged


def test_a_run_that_stops_cleanly_settles_and_the_third_failed_start_plays_the_loop(tiny_model_file, tmp_path,
                                                                                      monkeypatch):
    from leafdream.ops.live import LiveRun, LiveSettings
    from leafdream.ops.starts import StartRecord

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    show = tmp_path / "s.toml"
    _touch(show, GOOD)
    settings = LiveSettings(model_path=tiny_model_file, show=str(show), windowed=True, headless=True, max_frames=3,
                            heartbeat_path=str(tmp_path / "hb.json"))
    first = LiveRun(settings)  # a run that plays the show and stops cleanly
    try:
        assert first.installation.show.name != "built-in loop" and not first.fallback
        while first.running:
            first.step()
    finally:
        first.close()
    assert [StartRecord().begin(str(show)) for _ in range(2)] == [0, 1]  # then two starts that died early
    run = LiveRun(settings)
    try:
        assert run.installation.show.name == "built-in loop" and "2 times in a row" in run.fallback
        while run.running:
            run.step()
    finally:
        run.close()
    assert StartRecord().begin(str(show)) == 2  # still set aside: the loop's clean stop does not clear it


def test_a_start_that_ends_before_the_show_plays_says_nothing_of_the_show(tmp_path):
    from leafdream.ops.starts import StartRecord

    show = tmp_path / "s.toml"
    _touch(show, GOOD)
    for _ in range(5):  # --display 7, no screen, a bad argument: checked, never recorded
        assert StartRecord(tmp_path / "state").check(str(show)) == 0
    assert StartRecord(tmp_path / "state").begin(str(show)) == 0


@pytest.mark.parametrize("args, words", [
    ([], "cue takes one number"), (["three"], "got three"), ([True], "cue takes one number"), ([1, 2], "got 1 2"),
])
def test_a_cue_command_without_a_number_is_refused_in_plain_words(context, tmp_path, args, words, caplog):
    show = tmp_path / "s.toml"
    _touch(show, GOOD)
    piece = Installation(context, str(show), (64, 48))
    _run(piece, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 0.5)
    piece.command("cue", args, "10.0.0.9")
    assert words in piece.last_refused and "from 10.0.0.9" in piece.last_refused
    assert "index" not in piece.last_refused and "could not convert" not in piece.last_refused
    assert piece.last_error == ""  # the sender's mistake, not the piece's: health is not touched
    with caplog.at_level(logging.INFO):
        piece.command("cue", ["1"], "10.0.0.9")  # a number sent as text is still a number
    assert "remote cue 1 from 10.0.0.9: cue 1 (dream)" in caplog.text


# ---- every wrong value a show file can hold: one line naming the file and line, never a traceback ----

CUE = '[[cue]]\nscene = "{scene}"\nduration = "{duration}"\n'
BAD_SHOWS = [
    ('[show]\nseed = "one"\n' + CUE, "seed"),
    ('[show]\nseed = 1.5\n' + CUE, "seed"),
    ('[show]\npalette = "neon"\n' + CUE, "palette"),
    ('[show]\ncrossfade = "-3s"\n' + CUE, "crossfade"),
    ('[show]\nloop = yes\n' + CUE, "TOML"),
    ('[show]\nloop = "yes"\n' + CUE, "loop"),
    ('[show]\nhours = "someday 10-18"\ntimezone = "UTC"\n' + CUE, "hours"),
    ('[show]\nhours = "mon 10:00-18:00"\ntimezone = "Mars/Olympus"\n' + CUE, "time zone"),
    ('[show]\ncolour = "red"\n' + CUE, "colour"),
    ('[cue]\nscene = "dream"\nduration = "1m"\n', "cue"),
    (CUE.replace("{scene}", "dreem"), "dreem"),
    ('[[cue]]\nduration = "1m"\n', "scene"),
    ('[[cue]]\nscene = "dream"\n', "duration"),
    (CUE.replace("{duration}", "0s"), "duration"),
    (CUE.replace("{duration}", "soon"), "duration"),
    (CUE.replace("{duration}", "-1m"), "duration"),
    (CUE + 'pre_wait = "forever"\n', "pre_wait"),
    (CUE + 'post_wait = -2\n', "post_wait"),
    (CUE + 'continue = "maybe"\n', "continue"),
    (CUE + 'palette = 7\n', "palette"),
    (CUE + 'number = "four"\n', "number"),
    (CUE + 'number = 1\n' + CUE + 'number = 1\n', "number"),
    (CUE + 'wobble = 3\n', "wobble"),
    (CUE + '[cue.params]\ntemperature = 50\n', "temperature"),
    (CUE + '[cue.params]\ntemperature = "1.8"\n', "quotes"),
    (CUE + '[cue.params]\ntemperature = -1.0\n', "temperature"),
    (CUE + '[cue.params]\nleaves = 10\n', "leaves"),
    (CUE + '[cue.params]\nleaves = 2.5\n', "leaves"),
    (CUE + '[cue.params]\nsteps_per_second = 100000000\n', "steps_per_second"),
    (CUE + '[cue.params]\nsmoothing = 1e308\n', "smoothing"),
    (CUE + '[cue.params]\nnonsense = 1\n', "nonsense"),
    (CUE + '[cue.params]\ntemperature = { from = 1.0, to = 99.0 }\n', "temperature"),
    (CUE + '[cue.params]\ntemperature = { from = 1.0 }\n', "temperature"),
    (CUE.replace("{scene}", "xerox") + '[cue.params]\ndepth = 7\n', "depth"),
    (CUE.replace("{scene}", "xerox") + '[cue.params]\ndepth = 2.5\n', "depth"),
    (CUE.replace("{scene}", "xerox") + '[cue.params]\ngenerations_per_second = 1e300\n', "generations_per_second"),
    (CUE.replace("{scene}", "xerox") + '[cue.params]\nzoom = 0\n', "zoom"),
    (CUE.replace("{scene}", "drift") + '[cue.params]\nspeed = 0\n', "speed"),
    (CUE.replace("{scene}", "drift") + '[cue.params]\nease = "bouncy"\n', "ease"),
    (CUE.replace("{scene}", "drift") + '[cue.params]\npath = "acer"\n', "path"),
    (CUE.replace("{scene}", "drift") + '[cue.params]\npath = [[2.0, 0.5]]\n', "path"),
    (CUE.replace("{scene}", "layers") + '[cue.params]\nhold = 0\n', "hold"),
    ('[visitors]\nhold = "never"\n' + CUE, "hold"),
    ('[visitors]\nscene = "disco"\n' + CUE, "scene"),
    ('x = "unterminated\n' + CUE, "TOML"),
    ("\x00\x01\x02" + CUE, "TOML"),
]


@pytest.mark.parametrize("text, key", BAD_SHOWS)
def test_every_wrong_value_is_one_line_at_its_place(text, key, tmp_path, capsys):
    from leafdream.commands.cli import main

    show = tmp_path / "bad.toml"
    show.write_text(text.replace("{scene}", "dream").replace("{duration}", "1m"))
    assert main(["check", str(show)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(show) in err and key in err


@pytest.mark.parametrize("members, words", [
    # three arrays under the 1 GB each, 2.7 GB together
    ([(f"big{k}.npy", header_only((15_000, 15_000))) for k in range(3)], "2.5 GB in all; a leafdream model takes "
                                                                          "at most 2 GB"),
    # a shape whose size overflows 64-bit integers: must not wrap round to a small number
    ([("wrap.npy", header_only((2 ** 33, 2 ** 33), "|u1"))], "would take"),
    # the metadata block has its own, smaller limit
    ([("metadata.npy", header_only((30 * 1024 ** 2,), "|u1"))], "at most 20 MB"),
    # a member that is not an array comes first, and the array after it is still read
    ([("readme.txt", b"hello"), ("huge.npy", header_only((17_000, 17_000)))], "arrays take at most 1024 MB"),
    # the version-2 header numpy writes for very long headers
    ([("huge.npy", header_only((17_000, 17_000), version=(2, 0)))], "would take 1102 MB"),
])
def test_array_headers_that_claim_too_much_are_refused_before_reading(tiny_model_file, tmp_path, members, words):
    from leafdream.model.modelfile import load_model

    target = with_members(tiny_model_file, tmp_path / "claims.npz", members)
    with pytest.raises(LeafdreamError) as raised:
        load_model(target)
    said = str(raised.value)
    assert words in said and said.startswith(str(target)) and len(said.splitlines()) == 1, said


def test_status_line_says_each_figure_of_a_healthy_heartbeat_and_a_missing_frame_rate_is_no_frames():
    from leafdream.ops.heartbeat import judge

    state = {"show": "default", "cue": 3, "scene": "drift", "fps": 59.6, "frame_ms": 7.25, "uptime_s": 5400,
             "rss_mb": 301.4, "camera": "none", "target_fps": 60}
    assert judge(state, age=1.0) == (True, "all well: default cue 3 (drift), 60 fps, 7.2 ms/frame, up 1.5 h, 301 MB, "
                                           "camera none")
    without_rate = {k: v for k, v in state.items() if k != "fps"}
    well, line = judge(without_rate, age=1.0)
    assert not well and line.startswith("running, but not well: 0 fps, far below the 60 fps asked for")
    assert judge({**without_rate, "uptime_s": 5}, age=1.0)[0]  # just started: the rate is not judged yet


def test_a_closed_room_has_a_heartbeat_without_a_scene_and_status_says_closed(tiny_model_file, tmp_path,
                                                                               monkeypatch):
    from leafdream.ops.heartbeat import judge

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    with headless_run(tiny_model_file, tmp_path, "dream", steps=1) as live:
        live.installation.player, live.installation.open = None, False  # what closing leaves
        state = live._state()
    assert (state["cue"], state["scene"], state["chains"], state["open"]) == (None, None, [], False)
    well, line = judge(state)
    assert well and line.startswith("all well: closed (outside opening hours); dream, ")


def test_a_scene_that_fails_in_the_running_piece_makes_status_not_well_with_its_words(tiny_model_file, tmp_path,
                                                                                       monkeypatch):
    import json

    from leafdream.ops.heartbeat import judge

    def broken(*args, **kwargs):
        raise RuntimeError("the xerox ran out of toner")

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    with headless_run(tiny_model_file, tmp_path, "xerox", steps=1) as live:
        monkeypatch.setattr(live.installation.player.scene, "update", broken)
        monkeypatch.setattr(live.health.heartbeat, "due", lambda dt: True)
        live.step()
        live.step()  # the dream plays on in its place
        beat = json.loads((tmp_path / "hb.json").read_text())
    assert not beat["healthy"] and "out of toner" in beat["last_error"] and beat["scene"] == "dream"
    well, line = judge(beat)
    assert not well and line.startswith("running, but not well: ") and "out of toner" in line


def test_the_record_of_starts_is_exact_its_default_place_and_a_record_that_cannot_be_written(tmp_path, monkeypatch,
                                                                                             caplog):
    import json
    import logging

    from leafdream.ops.starts import SETTLED_AFTER, StartRecord

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert StartRecord().path == tmp_path / "xdg" / "leafdream" / "starts.json"
    show = tmp_path / "s.toml"
    _touch(show, GOOD)
    record = StartRecord(tmp_path / "state")
    record.begin(str(show))
    written = json.loads((tmp_path / "state" / "starts.json").read_text())
    assert written == {"show": str(show), "stamp": show.stat().st_mtime_ns, "unsettled": 1}
    record.running_well(SETTLED_AFTER - 0.1)
    assert not record.settled and json.loads(record.path.read_text())["unsettled"] == 1
    record.running_well(SETTLED_AFTER)
    assert record.settled and json.loads(record.path.read_text())["unsettled"] == 0
    assert StartRecord(tmp_path / "state").begin("dream") == 0  # a scene by name has no file: no stamp
    assert json.loads(record.path.read_text()) == {"show": "dream", "stamp": None, "unsettled": 1}
    caplog.set_level(logging.WARNING, logger="leafdream.ops.starts")
    (tmp_path / "blocked").write_text("a file where the folder should be")
    blocked = StartRecord(tmp_path / "blocked")
    assert blocked.begin(str(show)) == 0  # the piece starts all the same
    assert len(caplog.messages) == 1 and caplog.messages[0].startswith(
        f"the record of starts could not be written to {tmp_path / 'blocked' / 'starts.json'} (")
    assert caplog.messages[0].endswith(")") and "Errno" not in caplog.messages[0]


def test_one_flooding_sender_uses_up_its_own_rate_not_everyones(caplog):
    now = [0.0]
    remote = _remote(allow=("10.0.0.5", "10.0.0.6"), clock=lambda: now[0])
    try:
        allowed = [remote._within_rate("10.0.0.5") for _ in range(150)]
        assert allowed[:100] == [True] * 100 and not any(allowed[100:])  # a burst of 100, then nothing
        assert remote._within_rate("10.0.0.6")  # the desk next to it is still heard
        assert remote._within_rate("::ffff:10.0.0.6")  # the same sender over IPv6's mapped address
        now[0] = 0.1
        assert sum(remote._within_rate("10.0.0.5") for _ in range(20)) == 5  # 50 a second come back
    finally:
        remote.close()
