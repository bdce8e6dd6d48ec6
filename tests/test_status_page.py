"""The status page: what the board keeps, what the server answers (and to whom), and the page in a real browser."""

import json
import logging
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from leafdream.errors import LeafdreamError
from leafdream.ops.status_board import RecentLog, StatusBoard
from leafdream.ops.status_server import StatusServer, check_exposure
from live_runs import headless_run


def _answer(url: str, headers: dict | None = None, method: str = "GET"):
    """(status, body, response headers) of one request; an HTTP error status is an answer too."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def _get(url: str, headers: dict | None = None) -> tuple[int, bytes, str]:
    code, body, answered = _answer(url, headers)
    return code, body, answered["Content-Type"]


def _state(**changes) -> dict:
    return {"show": "s", "cue": 2, "scene": "dream", "fps": 59.93333, "frame_ms": 4.123456, "uptime_s": 60.0,
            "rss_mb": 250.0, "camera": "none", "healthy": True, "last_error": "", **changes}


def test_the_board_keeps_a_second_by_second_history_rounded_numbers_and_the_health_now():
    board = StatusBoard(RecentLog(), history_s=3)
    frame = np.zeros((90, 160, 3), np.uint8)
    asked = []
    for index in range(60 * 5):  # five seconds at 60 fps, a slow frame in the third second
        now = index / 60
        board.update(now, 20.0 if index == 150 else 4.0, lambda: asked.append(now) or _state(), frame)
    snapshot = board.snapshot()
    assert len(asked) == 5  # the report is built once a second, not once a frame
    assert [round(second["fps"]) for second in snapshot["history"]] == [60, 60, 60]  # the last 3 seconds only
    assert max(second["work_max_ms"] for second in snapshot["history"]) == 20.0
    assert max(second["work_p99_ms"] for second in snapshot["history"]) > 4.0
    assert snapshot["fps"] == 59.93 and snapshot["frame_ms"] == 4.12
    assert snapshot["healthy_now"] and snapshot["summary"].startswith("all well: s cue 2 (dream)")
    assert board.thumbnail.startswith(b"\x89PNG")
    board.update(6.0, 4.0, lambda: _state(healthy=False, last_error="scene 'xerox' failed", fps=float("nan")), frame)
    snapshot = board.snapshot()
    assert not snapshot["healthy_now"] and "scene 'xerox' failed" in snapshot["summary"] and snapshot["fps"] is None
    json.dumps(snapshot, allow_nan=False)


def test_the_log_keeps_the_last_fifty_lines_with_their_time():
    recent = RecentLog()
    logger = logging.getLogger("leafdream.test.recent")
    logger.addHandler(recent)
    logger.setLevel(logging.INFO)
    try:
        for number in range(80):
            logger.info("line %d", number)
    finally:
        logger.removeHandler(recent)
    assert len(recent.lines) == 50 and recent.lines[-1].endswith("INFO line 79") and "line 29" not in recent.lines[0]
    assert recent.lines[0][:4].isdigit()  # a timestamp on every line


@pytest.fixture
def served():
    board = StatusBoard(RecentLog())
    board.update(0.0, 4.0, _state, np.full((90, 160, 3), 200, np.uint8))
    server = StatusServer("127.0.0.1", 0, board, token="s3cret")
    yield f"http://127.0.0.1:{server.address[1]}"
    server.close()


def test_the_server_answers_with_a_token_and_only_reads(served):
    assert _get(f"{served}/status.json")[0] == 403
    assert _get(f"{served}/status.json?token=wrong")[0] == 403
    code, body, kind = _get(f"{served}/status.json?token=s3cret")
    assert code == 200 and kind == "application/json" and json.loads(body)["show"] == "s"
    code, body, kind = _get(f"{served}/thumbnail.png", {"X-Leafdream-Token": "s3cret"})
    assert code == 200 and kind == "image/png" and body.startswith(b"\x89PNG")
    assert b"status.json" in _get(f"{served}/?token=s3cret")[1]
    assert _get(f"{served}/../../etc/passwd?token=s3cret")[0] == 404
    request = urllib.request.Request(f"{served}/status.json?token=s3cret", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 501


def test_the_page_is_open_to_the_network_only_with_a_token(tiny_model_file, capsys):
    check_exposure("127.0.0.1", None)
    check_exposure("localhost", None)
    with pytest.raises(LeafdreamError, match="--status-token"):
        check_exposure("0.0.0.0", None)
    from leafdream.commands.cli import main

    assert main(["run", "--headless", "--frames", "1", "--model", str(tiny_model_file), "--status-port", "8080",
                 "--status-host", "0.0.0.0", "--status-token", ""]) == 1
    assert "opens the status page to the network" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_running_installation_serves_its_state_log_and_picture(tiny_model_file, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    port = _free_port()
    with headless_run(tiny_model_file, tmp_path, "dream", status_port=port) as live:
        started = time.monotonic()
        while time.monotonic() - started < 2.5:
            live.step()
        code, body, _ = _get(f"http://127.0.0.1:{port}/status.json")
        status = json.loads(body)
        assert code == 200 and status["healthy_now"] and status["scene"] == "dream"
        assert status["summary"].startswith("all well") and len(status["history"]) >= 1
        assert any("opening: show" in line for line in status["log"])
        assert _get(f"http://127.0.0.1:{port}/thumbnail.png")[1].startswith(b"\x89PNG")
    with pytest.raises(OSError):  # a stopped piece serves nothing: the page says "no answer", never "all well"
        urllib.request.urlopen(f"http://127.0.0.1:{port}/status.json", timeout=2)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (installed by .ci/run)")
def test_the_page_in_a_real_browser_shows_health_facts_history_and_log(tiny_model_file, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    port = _free_port()
    with headless_run(tiny_model_file, tmp_path, "dream", status_port=port) as live:
        browser = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={tmp_path}/c", "--virtual-time-budget=4000", "--dump-dom", f"http://127.0.0.1:{port}/"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            started = time.monotonic()
            while browser.poll() is None and time.monotonic() - started < 60:
                live.step()  # the loop keeps drawing while the browser asks
            dom = browser.communicate(timeout=10)[0].decode()
        finally:
            browser.kill()
    assert 'id="health" class="well">all well: ' in dom
    assert "<td>scene</td><td>dream</td>" in dom
    assert "<polyline" in dom and "opening: show" in dom
    assert 'src="/thumbnail.png?t=' in dom


def test_the_runs_frame_times_give_true_percentiles_in_constant_memory():
    from leafdream.render.frame_times import FrameTimes

    times = FrameTimes()
    assert times.percentile(99) == 0.0
    for k in range(10_000):
        times.add(40.0 if k % 200 == 0 else 4.0 + (k % 10) * 0.1)  # one frame in 200 slow: 0.5 %
    assert times.percentile(50) == pytest.approx(4.5, abs=0.15) and times.percentile(99) < 5.1
    assert times.percentile(99.9) == pytest.approx(40.0, abs=0.15) and times.worst == 40.0
    assert times.share_over(16.7) == pytest.approx(0.005)
    times.add(5000.0)  # past the last bin: counted there, and the worst is still the true one
    assert times.worst == 5000.0 and times.percentile(100) == 5000.0


def test_every_answer_is_uncached_unsniffed_sized_and_says_what_to_try():
    board = StatusBoard(RecentLog())  # nothing reported yet: no state, no picture
    server = StatusServer("127.0.0.1", 0, board)
    base = f"http://127.0.0.1:{server.address[1]}"
    try:
        code, body, headers = _answer(f"{base}/status.json")
        assert code == 200 and json.loads(body) == {"summary": "starting"}
        assert headers["Content-Type"] == "application/json" and headers["Content-Length"] == str(len(body))
        assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Server"].strip() == "leafdream"  # no Python version for a scanner
        code, body, headers = _answer(f"{base}/thumbnail.png")  # no picture yet
        assert code == 404 and body == b"not here: try / or /status.json\n"
        assert headers["Content-Type"] == "text/plain; charset=utf-8" and headers["Cache-Control"] == "no-store"
        code, page, headers = _answer(f"{base}/index.html")
        assert code == 200 and headers["Content-Type"] == "text/html; charset=utf-8" and b"status.json" in page
        code, body, headers = _answer(f"{base}/", method="HEAD")  # the size of the page, not the page
        assert code == 200 and body == b"" and headers["Content-Length"] == str(len(page))
    finally:
        server.close()
    tokened = StatusServer("127.0.0.1", 0, board, token="s3cret")
    try:
        code, body, headers = _answer(f"http://127.0.0.1:{tokened.address[1]}/")
        assert code == 403 and body == b"a token is needed: add ?token=... to the address\n"
        assert headers["Content-Type"] == "text/plain; charset=utf-8"
    finally:
        tokened.close()


def test_the_server_logs_where_it_listens_and_not_each_request(caplog):
    caplog.set_level(logging.INFO, logger="leafdream.ops.status_server")
    server = StatusServer("127.0.0.1", 0, StatusBoard(RecentLog()), token="s3cret")
    port = server.address[1]
    try:
        for _ in range(5):
            _answer(f"http://127.0.0.1:{port}/nothing")
        assert server.thread.name == "status-page" and server.thread.daemon
    finally:
        server.close()
    said = [record.getMessage() for record in caplog.records if record.name == "leafdream.ops.status_server"]
    assert said == [f"status page on http://127.0.0.1:{port}/ (token needed)"]
    server.thread.join(2)
    assert not server.thread.is_alive()  # closed means stopped serving


def test_each_second_of_history_counts_its_own_frames_and_the_thumbnail_is_the_art_every_two_seconds():
    import cv2

    recent = RecentLog()
    recent.lines.append("2026-12-04 10:00:00 INFO opening: show s")
    board = StatusBoard(recent)
    frames = []
    for index in range(41):  # 4 s at 10 frames a second; the work grows 1 ms a frame
        frame = np.full((180, 640, 3), index, np.uint8)
        frames.append(frame)
        board.update(index / 10, float(index), lambda: _state(rss_mb=250.123456), frame)
    history = board.snapshot()["history"]
    assert [second["t"] for second in history] == [1.0, 2.0, 3.0, 4.0]
    assert [second["fps"] for second in history] == [10.0, 10.0, 10.0, 10.0]
    assert [second["work_max_ms"] for second in history] == [10.0, 20.0, 30.0, 40.0]  # each second's own frames
    assert history[0]["work_p99_ms"] == round(float(np.percentile(np.arange(1.0, 11.0), 99)), 2)
    snapshot = board.snapshot()
    assert snapshot["rss_mb"] == 250.12 and snapshot["log"] == ["2026-12-04 10:00:00 INFO opening: show s"]
    thumbnail = cv2.cvtColor(cv2.imdecode(np.frombuffer(board.thumbnail, np.uint8), cv2.IMREAD_COLOR),
                             cv2.COLOR_BGR2RGB)
    assert thumbnail.shape == (90, 320, 3)
    assert int(thumbnail[0, 0, 0]) == 40  # taken at 4 s: the 0, 2 and 4 s frames, not the 1 or 3 s ones
    assert board.thumbnail is board.thumbnail  # encoded once, not once a request
    assert StatusBoard(recent).thumbnail == b""


def test_a_board_keeps_only_its_history_and_a_missing_picture_keeps_the_last_thumbnail():
    board = StatusBoard(RecentLog(), history_s=2)
    board.update(0.0, 1.0, _state, np.zeros((90, 160, 3), np.uint8))
    before = board.thumbnail
    for second in range(1, 6):
        board.update(float(second) * 2.5, 1.0, _state, None)
    assert len(board.snapshot()["history"]) == 2 and board.snapshot()["history"][-1]["t"] == 12.5
    assert board.snapshot()["history"][-1]["fps"] == 0.4 and board.thumbnail == before


@pytest.mark.parametrize("path", [b"/", b"/status.json", b"/nothing"])
def test_a_head_request_gets_the_headers_and_not_one_byte_of_body(path):
    server = StatusServer("127.0.0.1", 0, StatusBoard(RecentLog()))
    try:
        with socket.create_connection(("127.0.0.1", server.address[1]), timeout=5) as conn:
            conn.sendall(b"HEAD " + path + b" HTTP/1.0\r\nHost: x\r\n\r\n")
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
    finally:
        server.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith((b"HTTP/1.0 200", b"HTTP/1.0 404")) and b"Content-Length: " in head and body == b""


def test_a_closed_piece_takes_its_log_keeper_away(tiny_model_file, tmp_path):
    port = _free_port()
    with headless_run(tiny_model_file, tmp_path, "dream", steps=1, status_port=port) as live:
        assert live.recent_log in logging.getLogger().handlers
    assert live.recent_log not in logging.getLogger().handlers  # no page, no lines kept for it
