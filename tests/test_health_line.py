"""The one health policy (``judge``): every way the piece can be unwell says so, with the figures, in one line."""

import pytest

from leafdream.ops.heartbeat import judge

WELL = {"show": "autumn", "cue": 2, "scene": "dream", "fps": 60.2, "frame_ms": 6.04, "uptime_s": 7200,
        "rss_mb": 290.6, "camera": "live 640x480", "target_fps": 60, "open": True, "healthy": True}
SUMMARY = "autumn cue 2 (dream), 60 fps, 6.0 ms/frame, up 2.0 h, 291 MB, camera live 640x480"


@pytest.mark.parametrize("changes, age, well, line", [
    ({}, 0.0, True, f"all well: {SUMMARY}"),
    ({}, 30.0, True, f"all well: {SUMMARY}"),
    ({}, 30.5, False, "heartbeat is 30 s old (more than 30 s): leafdream has stopped or hangs"),
    ({}, -5.0, True, f"all well: {SUMMARY}"),
    ({}, -6.0, False, "heartbeat is dated 6 s in the future: the clock was set back, or it is not this machine's; "
                      "treat leafdream as stopped"),
    ({"stopped": "SIGTERM"}, 0.0, False, "not running: SIGTERM"),
    ({"fallback": "the built-in loop (show failed twice)"}, 0.0, False,
     f"running, but on a fallback: the built-in loop (show failed twice) — {SUMMARY}"),
    ({"screen": "lost 4 s"}, 0.0, False, f"running, but not well: the screen is lost 4 s, waiting for it — {SUMMARY}"),
    ({"screen": "ok"}, 0.0, True, f"all well: {SUMMARY}"),
    ({"healthy": False, "last_error": "scene 'xerox' failed"}, 0.0, False,
     f"running, but not well: scene 'xerox' failed — {SUMMARY}"),
    ({"healthy": False}, 0.0, False, f"running, but not well: no frames — {SUMMARY}"),
    ({"last_error": "show not reloaded"}, 0.0, True, f"all well: {SUMMARY} (earlier: show not reloaded)"),
    ({"camera": "stalled 12 s", "uptime_s": 16}, 0.0, False,
     "running, but not well: the camera is stalled — autumn cue 2 (dream), 60 fps, 6.0 ms/frame, up 0.0 h, 291 MB, "
     "camera stalled 12 s"),
    ({"camera": "connecting", "uptime_s": 15}, 0.0, True,
     "all well: autumn cue 2 (dream), 60 fps, 6.0 ms/frame, up 0.0 h, 291 MB, camera connecting"),
    ({"camera": "lost"}, 0.0, False,
     "running, but not well: the camera is lost — autumn cue 2 (dream), 60 fps, 6.0 ms/frame, up 2.0 h, 291 MB, "
     "camera lost"),
    ({"camera": "live 640x480, camera process ended"}, 0.0, False,
     "running, but not well: the camera process ended, visitors' leaves are not seen — autumn cue 2 (dream), 60 fps, "
     "6.0 ms/frame, up 2.0 h, 291 MB, camera live 640x480, camera process ended"),
    ({"fps": 30.0}, 0.0, True, "all well: autumn cue 2 (dream), 30 fps, 6.0 ms/frame, up 2.0 h, 291 MB, "
                               "camera live 640x480"),
    ({"fps": 29.9}, 0.0, False, "running, but not well: 30 fps, far below the 60 fps asked for — autumn cue 2 "
                                "(dream), 30 fps, 6.0 ms/frame, up 2.0 h, 291 MB, camera live 640x480"),
    ({"fps": 12.0, "uptime_s": 10}, 0.0, True, "all well: autumn cue 2 (dream), 12 fps, 6.0 ms/frame, up 0.0 h, "
                                               "291 MB, camera live 640x480"),
    ({"fps": 5.0, "open": False, "cue": None}, 0.0, True,
     "all well: closed (outside opening hours); autumn, 5 fps, 6.0 ms/frame, up 2.0 h, 291 MB, camera live 640x480"),
    ({"fps": 5.0, "target_fps": None}, 0.0, True, "all well: autumn cue 2 (dream), 5 fps, 6.0 ms/frame, up 2.0 h, "
                                                  "291 MB, camera live 640x480"),
])
def test_each_way_of_being_unwell_is_one_line_with_the_figures(changes, age, well, line):
    assert judge({**WELL, **changes}, age=age) == (well, line)


def test_what_a_heartbeat_leaves_out_is_said_as_unknown_and_the_age_limit_is_the_callers():
    assert judge({}) == (True, "all well: ? cue ? (?), 0 fps, 0.0 ms/frame, up 0.0 h, 0 MB, camera ?")
    assert judge(WELL, age=100.0, max_age=120.0)[0]
    assert judge(WELL, age=100.0)[1] == "heartbeat is 100 s old (more than 30 s): leafdream has stopped or hangs"
    assert judge({"stopped": "SIGINT"}, age=1e6) == (False, "not running: SIGINT")  # stopped says why, however old


def test_a_heartbeat_that_cannot_be_written_is_said_once_and_its_return_too(tmp_path, caplog):
    import json
    import logging
    import time

    from leafdream.ops.heartbeat import Heartbeat

    caplog.set_level(logging.INFO, logger="leafdream.ops.heartbeat")
    blocked = tmp_path / "run"
    blocked.write_text("a file where the folder should be")
    beat = Heartbeat(blocked / "heartbeat.json", every=5.0)
    assert beat.due(0.0) and not beat.due(4.9) and beat.due(0.2)  # the first at once, then every 5 s
    assert not beat.write({"fps": 60}) and not beat.write({"fps": 60})
    assert len(caplog.messages) == 1 and caplog.records[0].levelno == logging.ERROR
    assert caplog.messages[0].startswith(f"heartbeat {blocked / 'heartbeat.json'} not written (")
    assert caplog.messages[0].endswith("); the show carries on") and "Errno" not in caplog.messages[0]
    blocked.unlink()
    blocked.mkdir()
    before = time.time()
    assert beat.write({"fps": 60}) and beat.write({"fps": 61})
    assert caplog.messages[1:] == [f"heartbeat {blocked / 'heartbeat.json'} written again"]
    written = json.loads((blocked / "heartbeat.json").read_text())
    assert written["fps"] == 61 and before <= written["written_at"] <= time.time()
    assert beat.final({"show": "s"}, "SIGTERM", now=time.mktime((2026, 12, 4, 18, 5, 9, 0, 0, -1)))
    final = json.loads((blocked / "heartbeat.json").read_text())
    assert (final["show"], final["healthy"], final["stopped"]) == ("s", False, "stopped at 18:05:09 by SIGTERM")
