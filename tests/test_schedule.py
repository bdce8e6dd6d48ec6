from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from leafdream.show.schedule import ALWAYS, day_seed, parse_hours

LONDON = ZoneInfo("Europe/London")


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def test_tuesday_to_sunday_ten_to_six():
    hours = parse_hours("tue-sun 10:00-18:00")
    assert not hours.is_open(at("2026-11-23 12:00"))  # a Monday
    assert hours.is_open(at("2026-11-24 10:00"))       # Tuesday, opening minute
    assert not hours.is_open(at("2026-11-24 18:00"))   # closing minute
    assert hours.is_open(at("2026-11-29 17:59"))       # Sunday
    assert hours.next_change(at("2026-11-24 09:30")) == at("2026-11-24 10:00")


def test_several_entries_and_a_night_that_passes_midnight():
    hours = parse_hours("mon-fri 10:00-18:00, sat 20:00-02:00")
    assert hours.is_open(at("2026-11-28 23:00"))       # Saturday night
    assert hours.is_open(at("2026-11-29 01:30"))       # small hours of Sunday belong to Saturday
    assert not hours.is_open(at("2026-11-29 02:00"))
    assert not hours.is_open(at("2026-11-28 12:00"))   # Saturday daytime is closed


def test_clock_jumps_and_dst_days_use_local_time():
    hours = parse_hours("daily 10:00-18:00")
    # the day the clocks go back in London: local 10:00 is still opening time
    assert hours.is_open(at("2026-10-25 10:00"))
    assert not hours.is_open(at("2026-10-25 01:30"))
    assert ALWAYS.is_open(at("2026-10-25 01:30"))


@pytest.mark.parametrize("text, message", [
    ("tue-sun 10-18", "cannot read"),
    ("tues 10:00-18:00", "unknown day 'tues'"),
    ("daily 10:00-10:00", "same time"),
    ("daily 25:00-26:00", "not a time of day"),
    ("", "write opening hours"),
])
def test_bad_hours_say_how_to_write_them(text, message):
    with pytest.raises(ValueError, match=message):
        parse_hours(text)


def test_day_seeds_differ_by_day_and_replay_exactly():
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
    assert day_seed(5, monday) == day_seed(5, monday)
    assert day_seed(5, monday) != day_seed(5, tuesday)
    assert day_seed(5, monday) != day_seed(6, monday)
    # the same on every machine and every version: a saved position of today is resumed with today's seed
    assert (day_seed(5, monday), day_seed(0, date(2026, 12, 3))) == (834226703, 521135763)


def test_the_next_change_is_a_whole_minute_within_the_horizon_or_none():
    hours = parse_hours("tue-sun 10:00-18:00")
    assert hours.next_change(at("2026-11-24 09:59:59.999999")) == at("2026-11-24 10:00")
    assert hours.next_change(at("2026-11-24 10:00:30.5")) == at("2026-11-24 18:00")
    assert hours.next_change(at("2026-11-24 18:00")) == at("2026-11-25 10:00")
    assert hours.next_change(at("2026-11-23 09:00"), horizon_days=0) is None
    assert parse_hours("mon 10:00-11:00").next_change(at("2026-11-23 11:00"), horizon_days=6) is None  # 6 days 23 h on
    assert parse_hours("mon 10:00-11:00").next_change(at("2026-11-23 11:00")) == at("2026-11-30 10:00")
    assert ALWAYS.next_change(at("2026-11-23 11:00")) is None


def test_days_may_be_written_with_spaces_and_capitals():
    hours = parse_hours("Mon - Fri 10:00-18:00")
    assert hours == parse_hours("mon-fri 10:00-18:00")
    assert hours.is_open(at("2026-11-27 12:00")) and not hours.is_open(at("2026-11-28 12:00"))  # Friday, Saturday
