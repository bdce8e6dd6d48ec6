"""QLab-grade OSC: every command answered on /reply/..., QLab's cue address, double-go protection, panic."""

import json
import socket
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from leafdream.leafspace.store import leaf_space
from leafdream.ops.remote import RemoteControl
from leafdream.scenes.context import SceneContext
from leafdream.show.installation import DOUBLE_GO_S, Installation
from live_runs import headless_run

SHOW = ('[[cue]]\nnumber = 1\nscene = "dream"\nduration = "1m"\n[[cue]]\nnumber = 3\nscene = "xerox"\n'
        'duration = "1m"\n[[cue]]\nnumber = 4\nscene = "layers"\nduration = "1m"\n')
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture(scope="module")
def context(tiny_model):
    return SceneContext(tiny_model.dbn, leaf_space(tiny_model))


@pytest.fixture
def piece(context, tmp_path):
    show = tmp_path / "s.toml"
    show.write_text(SHOW)
    piece = Installation(context, str(show), (64, 48))
    piece.tick(NOON, 0.1)
    return piece


def _tick(piece, seconds, dt=0.1):
    for step in range(int(round(seconds / dt))):
        piece.tick(NOON + timedelta(seconds=step * dt), dt)


class Desk:
    """A lighting desk: sends commands from its own port and reads the replies."""

    def __init__(self, port):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(5)
        self.port = port

    def send(self, address, *args):
        builder = OscMessageBuilder(address=address)
        for arg in args:
            builder.add_arg(arg)
        self.socket.sendto(builder.build().dgram, ("127.0.0.1", self.port))

    def reply(self):
        message = OscMessage(self.socket.recv(65536))
        return message.address, json.loads(message.params[0])


def _serve(remote, piece, count):
    deadline, served = time.monotonic() + 5, 0
    while served < count and time.monotonic() < deadline:
        for name, args, sender in remote.poll():
            ok, said = piece.command(name, args, sender)
            remote.reply(sender, name, ok, said)
            served += 1
        time.sleep(0.01)
    assert served == count


def test_every_command_is_answered_with_its_status_to_the_port_it_came_from(piece):
    remote = RemoteControl("127.0.0.1", 0)
    desk = Desk(remote.address[1])
    try:
        desk.send("/leafdream/cue/3/start")  # QLab's own form
        _serve(remote, piece, 1)
        address, answer = desk.reply()
        assert address == "/reply/leafdream/cue" and answer["status"] == "ok" and answer["data"] == "cue 3 (xerox)"
        desk.send("/leafdream/set", "depth", 7)
        _serve(remote, piece, 1)
        address, answer = desk.reply()
        assert address == "/reply/leafdream/set" and answer["status"] == "error" and "from 1 to 3" in answer["data"]
        desk.send("/leafdream/cue", 2)
        _serve(remote, piece, 1)
        assert desk.reply()[1] == {"address": "/leafdream/cue", "status": "error",
                                   "data": "no cue number 2; cues are 1, 3, 4"}
    finally:
        remote.close()


def test_a_second_go_within_half_a_second_is_a_double_press_not_a_second_cue(piece):
    assert piece.command("go", []) == (True, "cue 3 (xerox)")
    ok, said = piece.command("go", [])
    assert not ok and "double-go protection" in said and piece.player.cue.number == 3
    _tick(piece, DOUBLE_GO_S + 0.1)
    assert piece.command("go", [])[0] and piece.player.cue.number == 4


def test_panic_fades_to_dark_and_go_brings_the_show_back(piece):
    _tick(piece, 1.0)
    bright = piece.frame().astype(float).mean()
    assert piece.command("panic", [2.0]) == (True, "fading to dark over 2 s; go brings the show back")
    _tick(piece, 1.0)
    half = piece.frame().astype(float).mean()
    _tick(piece, 1.1)
    assert 0.3 * bright < half < 0.7 * bright and piece.frame().max() == 0
    _tick(piece, DOUBLE_GO_S)
    assert piece.command("go", []) == (True, "the show carries on")
    assert np.allclose(piece.frame().astype(float).mean(), bright, rtol=0.5)
    assert not piece.command("panic", [600])[0]
    _tick(piece, DOUBLE_GO_S)
    assert piece.command("panic", [0])[0] and piece.frame().max() == 0  # no fade: dark at once
    _tick(piece, DOUBLE_GO_S)
    assert piece.command("go", [])[0]
    assert piece.command("panic", ["soon"]) == (False, "panic takes the seconds of its fade to dark, e.g. "
                                                       "/leafdream/panic 3 (got 'soon')")


def test_status_is_answered_with_health_and_place_and_values_are_rounded(tiny_model_file, tmp_path):
    with headless_run(tiny_model_file, tmp_path, "dream", steps=1, osc_port=0) as live:
        desk = Desk(live.remote.address[1])
        desk.send("/leafdream/set", "temperature", 1.7899991635926227)
        desk.send("/leafdream/status")
        deadline = time.monotonic() + 5
        answers = {}
        while len(answers) < 2 and time.monotonic() < deadline:
            live.step()
            desk.socket.settimeout(0.05)
            try:
                address, answer = desk.reply()
                answers[address] = answer
            except socket.timeout:
                pass
        assert answers["/reply/leafdream/set"]["data"] == "temperature is 1.79"
        status = answers["/reply/leafdream/status"]
        assert status["status"] == "ok" and status["data"]["scene"] == "dream" and status["data"]["healthy"]
        assert "temperature 1.79 " in " ".join(live.overlay_lines()) + " "


class TcpDesk:
    """A console that speaks OSC 1.1: SLIP-framed packets over one TCP connection, replies on the same one."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.pending = b""

    def send(self, address, *args, raw=None):
        from pythonosc import slip

        builder = OscMessageBuilder(address=address)
        for arg in args:
            builder.add_arg(arg)
        self.socket.sendall(raw if raw is not None else slip.encode(builder.build().dgram))

    def reply(self):
        from pythonosc import slip

        while slip.END not in self.pending.lstrip(slip.END):
            chunk = self.socket.recv(65536)
            assert chunk, "the connection was closed"
            self.pending += chunk
        frame, _, self.pending = self.pending.lstrip(slip.END).partition(slip.END)
        message = OscMessage(slip.decode(frame))
        return message.address, json.loads(message.params[0])


def test_a_console_on_tcp_with_slip_framing_is_heard_and_answered_on_its_connection(piece, caplog):
    remote = RemoteControl("127.0.0.1", 0, tcp_port=0)
    desk = TcpDesk(remote.tcp.server_address[1])
    try:
        desk.send("/leafdream/cue/3/start")
        _serve(remote, piece, 1)
        assert desk.reply() == ("/reply/leafdream/cue", {"address": "/leafdream/cue", "status": "ok",
                                                          "data": "cue 3 (xerox)"})
        # two packets in one segment, one of them split across two writes, and garbage between them
        from pythonosc import slip

        first = OscMessageBuilder(address="/leafdream/set")
        first.add_arg("depth")
        first.add_arg(7)
        second = OscMessageBuilder(address="/leafdream/cue")
        second.add_arg(4)
        stream = slip.encode(first.build().dgram) + slip.encode(b"\x01\x02 not osc") + slip.encode(second.build().dgram)
        desk.send("", raw=stream[:17])
        time.sleep(0.05)
        desk.send("", raw=stream[17:])
        _serve(remote, piece, 2)
        assert "from 1 to 3" in desk.reply()[1]["data"]
        assert desk.reply()[1] == {"address": "/leafdream/cue", "status": "ok", "data": "cue 4 (layers)"}
        assert "could not be read" in caplog.text and "Traceback" not in caplog.text
    finally:
        remote.close()


def test_an_endless_tcp_frame_ends_that_connection_and_the_listener_hears_the_next(piece):
    from leafdream.ops.remote_tcp import LONGEST_FRAME

    remote = RemoteControl("127.0.0.1", 0, tcp_port=0)
    try:
        hostile = TcpDesk(remote.tcp.server_address[1])
        try:
            for _ in range(LONGEST_FRAME // 4096 + 4):
                hostile.send("", raw=b"x" * 4096)  # never an END
            hostile.socket.settimeout(5)
            assert hostile.socket.recv(10) == b""  # closed by the piece
        except (BrokenPipeError, ConnectionResetError):
            pass
        desk = TcpDesk(remote.tcp.server_address[1])
        desk.send("/leafdream/cue", 4)
        _serve(remote, piece, 1)
        assert desk.reply()[1] == {"address": "/leafdream/cue", "status": "ok", "data": "cue 4 (layers)"}
    finally:
        remote.close()


def test_the_log_shows_a_command_s_values_rounded_as_people_read_them(piece, caplog):
    caplog.set_level("INFO")
    ok, _ = piece.command("set", ["temperature", 1.399999976158142], "192.168.1.20")  # OSC's float32 of 1.4
    assert ok
    assert "remote set temperature 1.4 from 192.168.1.20" in caplog.text


def test_a_sender_repeating_a_command_is_logged_a_line_an_interval_and_the_last_value_is_kept(piece, caplog):
    caplog.set_level("INFO")
    for step in range(500):  # a fader on a console: 50 sets a second for 10 s of show
        piece.command("set", ["temperature", 1.0 + step / 500], "10.0.0.5")
        piece.tick(NOON, 0.02)
    _tick(piece, 11)  # the interval is over: the last of them is said with the count
    lines = [r.getMessage() for r in caplog.records if "remote set temperature" in r.getMessage()]
    assert 2 <= len(lines) <= 3, lines
    assert lines[0] == "remote set temperature 1 from 10.0.0.5: temperature is 1"
    assert lines[-1].startswith("remote set temperature 2 from 10.0.0.5: temperature is 2 (the last of ")
    assert "like this in the last 10 s" in lines[-1]


def test_commands_that_move_the_show_are_logged_a_second_apart_and_refusals_quietly(piece, caplog):
    caplog.set_level("INFO")
    for _ in range(100):  # a flood of GO for 2 s of show: one goes, the rest are double presses
        piece.command("next", [], "127.0.0.1")
        piece.tick(NOON, 0.02)
    _tick(piece, 11)
    said = [r.getMessage() for r in caplog.records]
    assert sum("remote next from 127.0.0.1: cue" in line for line in said) >= 1
    refused = [line for line in said if "double-go protection" in line]
    assert 1 <= len(refused) <= 2 and "like this in the last 10 s" in refused[-1], refused
    gone = [line for line in said if line.startswith("remote next from 127.0.0.1: cue")]
    assert len(gone) <= 3  # double-go lets 4 through in 2 s; the log says at most one a second, and the count


def test_the_listener_reads_a_flood_at_its_own_pace_not_the_senders():
    from leafdream.ops.remote import READ_RATE

    remote = RemoteControl(port=0)
    reads, wait = [], remote.pace.wait
    remote.pace.wait = lambda: (reads.append(time.perf_counter()), wait())[1]
    try:
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        packet = OscMessageBuilder("/nope").build().dgram
        began = time.perf_counter()
        while time.perf_counter() - began < 0.5:  # as fast as one sender can: tens of thousands a second
            for _ in range(100):
                out.sendto(packet, remote.address)
        time.sleep(0.1)
        took = time.perf_counter() - began
    finally:
        remote.close()
    assert 50 < len(reads) <= 100 + READ_RATE * took * 1.2, (len(reads), took)


def test_the_pace_waits_only_once_its_burst_is_spent():
    from leafdream.ops.remote import ReadPace

    slept = []
    pace = ReadPace(rate=1000.0, burst=100.0, clock=lambda: 0.0, sleep=slept.append)
    for _ in range(100):
        pace.wait()
    assert slept == []
    for _ in range(50):
        pace.wait()
    assert len(slept) == 50 and sum(slept) == pytest.approx(sum(range(1, 51)) / 1000.0)


def test_an_unknown_address_and_a_full_queue_are_said_with_what_was_dropped(caplog):
    import logging

    from leafdream.ops.remote import RemoteControl

    caplog.set_level(logging.WARNING, logger="leafdream.ops.remote")
    remote = RemoteControl("127.0.0.1", 0)
    try:
        desk = ("127.0.0.1", 5000)
        remote._unknown(desk, "/leafdream/nope", 1)
        remote._unknown(desk, "/leafdream/cue/7/start")  # QLab's form is a cue command, not an unknown one
        assert remote.poll() == [("cue", ["7"], "127.0.0.1")]
        for _ in range(1001):
            remote._queue(desk, "/leafdream/next", "next", [])
        assert len(remote.poll(most=5000)) == 1000
    finally:
        remote.close()
    assert caplog.messages == [
        "OSC: unknown address /leafdream/nope (known: /leafdream/go, /leafdream/next, /leafdream/stop, "
        "/leafdream/cue, /leafdream/set, /leafdream/panic, /leafdream/status, /leafdream/camera_dump, "
        "/leafdream/cue/N/start)",
        "OSC: too many commands waiting; /leafdream/next dropped"]


def test_a_reply_that_cannot_be_sent_is_said_once_and_an_unknown_sender_gets_none(caplog):
    import logging

    from leafdream.ops.remote import RemoteControl

    caplog.set_level(logging.WARNING, logger="leafdream.ops.remote")
    remote = RemoteControl("127.0.0.1", 0)
    try:
        remote.reply("10.0.0.9", "go", True, "done")  # nobody asked from there: nothing to send, nothing said

        def gone(packet):
            raise OSError("the sender went away")

        remote.reply_to["10.0.0.5"] = gone
        remote.reply("10.0.0.5", "go", True, "done")
        remote.reply("10.0.0.5", "go", True, "done")
        sent = []
        remote.reply_to["10.0.0.6"] = sent.append
        remote.reply("10.0.0.6", "cue", False, {"why": float("nan")})  # what JSON cannot say is not sent
        remote.reply("10.0.0.6", "cue", False, "no cue number 9")
    finally:
        remote.close()
    assert caplog.messages == ["OSC: a reply to 10.0.0.5 could not be sent"]
    assert len(sent) == 1
    message = OscMessage(sent[0])
    assert message.address == "/reply/leafdream/cue" and json.loads(message.params[0]) == {
        "address": "/leafdream/cue", "status": "error", "data": "no cue number 9"}


def test_a_reply_says_what_json_has_no_word_for_as_text():
    from pathlib import Path

    from leafdream.ops.remote import RemoteControl

    remote = RemoteControl("127.0.0.1", 0)
    try:
        sent = []
        remote.reply_to["10.0.0.6"] = sent.append
        remote.reply("10.0.0.6", "camera_dump", True, {"folder": Path("/srv/dumps"), "seconds": np.float32(2.5)})
    finally:
        remote.close()
    assert json.loads(OscMessage(sent[0]).params[0])["data"] == {"folder": "/srv/dumps", "seconds": "2.5"}
