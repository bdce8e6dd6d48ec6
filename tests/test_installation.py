import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from leafdream.installation import Installation
from leafdream.mapstore import leaf_space
from leafdream.scenes import SceneContext

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


def test_dark_outside_opening_hours_and_from_the_first_cue_at_opening(context, tmp_path):
    show = tmp_path / "s.toml"
    write(show, '[show]\nhours = "mon 10:00-11:00"\ntimezone = "UTC"\n'
                '[[cue]]\nscene = "dream"\nduration = "20s"\n[[cue]]\nscene = "xerox"\nduration = "20s"\n')
    piece = Installation(context, str(show), (64, 48))
    monday = datetime(2026, 11, 23, 9, 59, 0, tzinfo=UTC)
    piece.tick(monday, 0.1)
    assert not piece.open and piece.frame().max() == 0
    now = run(piece, monday, 65)  # into opening time
    assert piece.open and piece.player.scene.name == "dream" and piece.frame().max() > 100
    run(piece, datetime(2026, 11, 23, 10, 59, 59, tzinfo=UTC), 2)
    assert not piece.open and piece.frame().max() == 0


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
