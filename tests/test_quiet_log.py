"""Log lines that cannot flood the log: once an interval per kind, the held last line flushed with its count."""

import logging

from leafdream.show.quiet_log import QuietLog


def _quiet(every=10.0):
    now = [0.0]
    logger = logging.getLogger("leafdream.test.quiet")
    return QuietLog(logger, every=every, clock=lambda: now[0]), now, logger


def test_a_held_line_is_flushed_once_its_interval_is_over_with_its_level_and_count(caplog):
    caplog.set_level(logging.INFO, logger="leafdream.test.quiet")
    quiet, now, _ = _quiet()
    quiet.say(logging.INFO, "fader", "set temperature %.1f", 1.0)
    for value in (1.1, 1.2, 1.3):
        now[0] += 1.0
        quiet.say(logging.INFO, "fader", "set temperature %.1f", value)
    now[0] = 9.9
    quiet.flush()  # not yet: the interval began at 0
    assert caplog.messages == ["set temperature 1.0"]
    now[0] = 10.0
    quiet.flush()
    quiet.flush()  # said once
    assert caplog.messages == ["set temperature 1.0", "set temperature 1.3 (the last of 3 like this in the last 10 s)"]
    assert [r.levelno for r in caplog.records] == [logging.INFO, logging.INFO]
    now[0] = 15.0  # the flush began a new interval: a line within it is held again
    quiet.say(logging.INFO, "fader", "set temperature %.1f", 1.4)
    assert len(caplog.messages) == 2
    now[0] = 20.0
    quiet.say(logging.INFO, "fader", "set temperature %.1f", 1.5)
    assert caplog.messages[-1] == "set temperature 1.5 (1 more like this in the last 10 s)"


def test_kinds_are_apart_each_has_its_own_interval_and_a_line_without_arguments_is_said_as_it_is(caplog):
    caplog.set_level(logging.INFO, logger="leafdream.test.quiet")
    quiet, now, _ = _quiet()
    quiet.say(logging.INFO, "go", "go 100%", every=1.0)  # a % with no arguments is not a format
    quiet.warning("stranger", "a stranger")
    now[0] = 0.5
    quiet.say(logging.INFO, "go", "go 100%", every=1.0)
    quiet.warning("stranger", "a stranger")
    now[0] = 1.0
    quiet.flush()
    assert caplog.messages == ["go 100%", "a stranger", "go 100% (the last of 1 like this in the last 1 s)"]
    assert caplog.records[1].levelno == logging.WARNING
    now[0] = 10.0
    quiet.flush()
    assert caplog.messages[-1] == "a stranger (the last of 1 like this in the last 10 s)"
    assert caplog.records[-1].levelno == logging.WARNING


def test_kinds_named_after_senders_cannot_grow_without_end():
    quiet, now, logger = _quiet()
    logger.disabled = True
    try:
        for sender in range(10_000):
            quiet.warning(f"stranger {sender}", "a stranger")
        quiet.warning("stranger 0", "a stranger")  # held, not a new kind
        assert len(quiet._last) == 10_000 and len(quiet._held) == 1
        quiet.warning("stranger 10000", "a stranger")
        assert list(quiet._last) == ["stranger 10000"] and quiet._held == {}
    finally:
        logger.disabled = False


def test_the_default_logger_is_leafdreams(caplog):
    caplog.set_level(logging.INFO, logger="leafdream")
    QuietLog().say(logging.INFO, "k", "hello")
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("leafdream", "hello")]
