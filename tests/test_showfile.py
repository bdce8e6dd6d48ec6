import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from leafdream.commands.cli import main
from leafdream.errors import LeafdreamError
from leafdream.leafspace.store import leaf_space
from leafdream.show.player import Player
from leafdream.scenes.context import SceneContext
from leafdream.show.showfile import ShowError, load_show, parse_show
from leafdream.show.timeline import minutes, timeline
from leafdream.show.timeparse import parse_duration

SHOWS = Path(__file__).resolve().parent.parent / "shows"

GOOD = """
[show]
name = "test"
seed = 5

[[cue]]
number = 1
scene = "dream"
duration = "2m30s"
[cue.params]
temperature = { from = 1.5, to = 1.0, ease = "sine" }

[[cue]]
number = 2
scene = "xerox"
duration = "45s"
pre_wait = "2s"
post_wait = "1s"
palette = "ember"
"""


def test_a_good_show_reads_with_times_fades_and_timeline():
    show = parse_show(GOOD, "good.toml")
    first, second = show.cues
    assert (first.scene, first.duration, first.fades["temperature"]) == ("dream", 150.0, (1.5, 1.0, "sine"))
    assert (second.pre_wait, second.post_wait, second.palette) == (2.0, 1.0, "ember")
    starts = [start for start, _ in timeline(show, 4)]
    assert starts == [0.0, 152.0, 198.0, 350.0]


@pytest.mark.parametrize("time, seconds", [("45s", 45), ("2m30s", 150), ("1h", 3600), ("1.5s", 1.5), (90, 90),
                                           ("250ms", 0.25), (" 1m 5s ", 65)])
def test_human_times(time, seconds):
    assert parse_duration(time) == pytest.approx(seconds)


@pytest.mark.parametrize("time", ["2x", "", "s", "1m30", "-5s", True, [1], "5 minutes", float("nan"), float("inf"), -3])
def test_bad_times_are_refused(time):
    with pytest.raises(ValueError):
        parse_duration(time)


BROKEN = [
    ("[show]\nseed = \"abc\"\n[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n", 2, "seed must be a whole number"),
    ("[show]\npalete = \"moss\"\n[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n", 2, "did you mean 'palette'"),
    ("[[cue]]\nscene = \"drem\"\nduration = \"1m\"\n", 2, "unknown scene 'drem' — did you mean 'dream'?"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"2x\"\n", 3, "cannot read the time '2x'"),
    ("[[cue]]\nscene = \"dream\"\n", 1, "has no duration"),
    ("[[cue]]\nduration = \"1m\"\n", 1, "has no scene"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n\n[[cue]]\nscene = \"dream\"\nduration = \"0s\"\n", 7,
     "duration is 0s; a cue lasts at least 0.5s"),
    # a cue a frame long began a scene every frame: the loop crawled at 8-11 fps
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n\n[[cue]]\nscene = \"dream\"\nduration = 0.001\n", 7,
     "duration is 0.001s; a cue lasts at least 0.5s"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"0.49s\"\n", 3, "a cue lasts at least 0.5s"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\ncontinue = \"auto-continue\"\n[[cue]]\nscene = \"drift\"\n"
     "duration = \"1m\"\n", 4, 'the next cue begins post_wait (0s) after this one: give post_wait = "0.5s" or more'),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\ncontinue = \"auto-continue\"\npost_wait = \"0.2s\"\n", 5,
     "post_wait (0.2s) after this one"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\ncontinue = \"follw\"\n", 4, "did you mean 'follow'"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\npalette = \"mos\"\n", 4, "unknown palette 'mos' — did you mean 'moss'"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n[cue.params]\ntemprature = 2\n", 5, "did you mean 'temperature'"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n[cue.params]\ntemperature = \"hot\"\n", 5, "must be a number"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n[cue.params]\ntemperature = { from = 1 }\n", 5, "a fade is written"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n[cue.params]\ntemperature = { from = 1, to = 2, ease = \"bounce\" }\n",
     5, "unknown ease 'bounce'"),
    ("[[cue]]\nnumber = 1\nscene = \"dream\"\nduration = \"1m\"\n[[cue]]\nnumber = 1\nscene = \"dream\"\nduration = \"1m\"\n",
     6, "cue number 1 is used twice (also cue 1)"),
    ("[show]\nseed = 1\n", 1, "at least one cue"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\nlenght = \"2m\"\n", 4, "unknown key 'lenght'"),
    ("[[cue]]\nscene = \"dream\nduration = \"1m\"\n", 2, "TOML syntax"),
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n[cue.params]\ninset = 3\n", 5, "has no parameter 'inset'"),
    ("[[cue]]\nscene = \"drift\"\nduration = \"1m\"\n[cue.params]\ninset = 3\n", 5, "inset must be true or false"),
    ("[show]\nloop = \"yes\"\n[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n", 2, "loop must be true or false"),
    ("[shows]\n[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n", 1, "unknown section 'shows'"),
    # TOML's own errors, in the artist's words
    ("[show]\nloop = yes\n[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n", 2, "write true or false"),
    ("[show]\nloop = True\n[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n", 2, "'True' is not a TOML value"),
    ("[[cue]]\nscene = dream\nduration = \"1m\"\n", 2, 'text needs quotes: write "dream"'),
    ("[cue]\nscene = \"dream\"\nduration = \"1m\"\n[cue]\nscene = \"drift\"\nduration = \"1m\"\n", 4,
     "every cue begins with [[cue]]"),
    ("[cue]\nscene = \"dream\"\nduration = \"1m\"\n", 1, "a cue begins with [[cue]], two brackets"),
    # a crossfade longer than its cue: at the cue's crossfade, or at its duration when the show's default is too long
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\ncrossfade = \"5m\"\n", 4,
     "the crossfade (5m) is longer than cue 1 (1m)"),
    ("[show]\ncrossfade = \"10s\"\n[[cue]]\nscene = \"dream\"\nduration = \"4s\"\n", 5,
     "the crossfade (10s) is longer than cue 1 (4s)"),
    # the outline's style: a word of the guide's or a width in range
    ("[[cue]]\nscene = \"dream\"\nduration = \"1m\"\nedge = \"blurry\"\n", 4, 'write "crisp", "soft", "glow"'),
    ("[show]\nedge = 0\n[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n", 2, "an edge width must be 0.5 to 200"),
    ("[visitors]\nedge = \"sharp\"\n[[cue]]\nscene = \"dream\"\nduration = \"1m\"\n", 2, 'write "crisp"'),
]


def test_a_cue_takes_the_show_edge_unless_it_has_its_own(tmp_path):
    path = tmp_path / "edges.toml"
    path.write_text('[show]\nedge = "glow"\n[visitors]\nedge = 12\n[[cue]]\nscene = "dream"\nduration = "1m"\n'
                    '[[cue]]\nscene = "drift"\nduration = "1m"\nedge = "soft"\n')
    show = load_show(path)
    assert [cue.edge for cue in show.cues] == ["glow", "soft"] and show.visitors["edge"] == 12


def test_every_problem_is_reported_not_only_the_first():
    text = "[show]\nseed = \"x\"\n[[cue]]\nscene = \"drem\"\nduration = \"2x\"\n"
    with pytest.raises(ShowError) as caught:
        parse_show(text, "s.toml")
    assert [p.line for p in caught.value.problems] == [2, 4, 5]


def test_show_file_errors_name_the_file(tmp_path):
    with pytest.raises(LeafdreamError, match="does not exist"):
        load_show(tmp_path / "nope.toml")
    (tmp_path / "latin1.toml").write_bytes(b"name = \"caf\xe9\"\n")
    with pytest.raises(LeafdreamError, match="not UTF-8"):
        load_show(tmp_path / "latin1.toml")


def test_paths_are_checked_against_the_leaf_space(tiny_model):
    text = "[[cue]]\nscene = \"drift\"\nduration = \"1m\"\n[cue.params]\npath = [\"ovata\", \"palmatta\", [0.2, 0.3]]\n"
    with pytest.raises(ShowError, match=r"s.toml:5:1: path: unknown species 'palmatta'; did you mean 'palmata'"):
        parse_show(text, "s.toml", space=leaf_space(tiny_model))


@pytest.mark.parametrize("name", ["default", "demo", "camera"])
def test_the_shipped_shows_are_valid(capsys, name):
    assert main(["check", str(SHOWS / f"{name}.toml")]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "0:00:00" in out


def test_check_exits_non_zero_with_line_numbered_problems(capsys, tmp_path):
    (tmp_path / "bad.toml").write_text("[[cue]]\nscene = \"drem\"\nduration = \"1m\"\n")
    assert main(["check", str(tmp_path / "bad.toml")]) == 1
    assert f"{tmp_path / 'bad.toml'}:2:1: unknown scene 'drem'" in capsys.readouterr().err


def test_the_default_show_lasts_15_to_20_minutes_tells_the_story_and_uses_every_scene():
    show = load_show(SHOWS / "default.toml")
    starts = timeline(show, len(show.cues) + 1)
    assert 15 * 60 <= starts[-1][0] <= 20 * 60
    assert {c.scene for c in show.cues} == {"learning", "mapping", "dream", "drift", "layers", "xerox", "camera"}
    assert [c.scene for c in show.cues[:3]] == ["learning", "mapping", "drift"]  # the map hands over to the drift


def test_player_honours_waits_fades_and_hold(tiny_model):
    text = textwrap.dedent("""
        [[cue]]
        scene = "dream"
        duration = "2s"
        post_wait = "1s"
        crossfade = "0s"
        [cue.params]
        temperature = { from = 2.0, to = 1.0 }

        [[cue]]
        scene = "xerox"
        duration = "2s"
        pre_wait = "1s"
        continue = "none"
        crossfade = "0s"
    """)
    show = parse_show(text, "s.toml")
    player = Player(SceneContext(tiny_model.dbn, leaf_space(tiny_model)), show.cues, 64, 48, seed=1)
    seen = {}
    for frame in range(1, 10 * 10 + 1):
        player.update(0.1)
        seen[round(frame * 0.1, 1)] = (player.scene.name, player.scene.params.get("temperature"))
    assert seen[1.0][1] == pytest.approx(1.5, abs=0.06)  # linear fade halfway
    assert seen[2.9][0] == "dream"  # duration 2 s + post-wait 1 s
    assert seen[3.5][0] == "dream"  # the xerox waits out its 1 s pre-wait
    assert seen[4.1][0] == "xerox"
    assert seen[10.0][0] == "xerox"  # continue = none: holds for Go
    player.skip()
    assert player.scene.name == "dream"


def test_a_show_file_renders_identically_twice(capsys, tiny_model_file, tmp_path):
    show = tmp_path / "s.toml"
    show.write_text("[show]\nseed = 3\n[[cue]]\nscene = \"dream\"\nduration = \"1s\"\n[[cue]]\nscene = \"layers\"\n"
                    "duration = \"1s\"\ncrossfade = \"0.5s\"\n")
    for out in ("a", "b"):
        assert main(["render", str(show), "--seconds", "2", "--fps", "8", "--size", "64x48",
                     "--model", str(tiny_model_file), "--out", str(tmp_path / out)]) == 0
    frames = sorted((tmp_path / "a").glob("*.png"))
    assert len(frames) == 16
    from PIL import Image
    for a in frames:
        np.testing.assert_array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(tmp_path / "b" / a.name)))


toml_values = st.recursive(
    st.one_of(st.integers(-10, 10**6), st.floats(allow_nan=True), st.booleans(), st.text(max_size=12)),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)),
    max_leaves=6,
)


def as_toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value == float("inf") else "-inf" if value == float("-inf") else repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(as_toml(v) for v in value) + "]"
    return "{ " + ", ".join(f'"{k}" = {as_toml(v)}' for k, v in value.items()) + " }"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["scene", "duration", "pre_wait", "post_wait", "continue", "palette",
                                        "crossfade", "number", "name", "params", "other"]), toml_values, max_size=6),
       st.dictionaries(st.sampled_from(["name", "seed", "palette", "crossfade", "loop", "x"]), toml_values, max_size=3))
def test_fuzzed_shows_raise_only_show_errors(cue, show):
    text = "[show]\n" + "".join(f"{k} = {as_toml(v)}\n" for k, v in show.items())
    text += "[[cue]]\n" + "".join(f"{k} = {as_toml(v)}\n" for k, v in cue.items())
    try:
        parse_show(text, "fuzz.toml")
    except ShowError as error:
        assert all(p.line >= 1 and p.column >= 1 for p in error.problems)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_fuzzed_text_raises_only_show_errors(text):
    try:
        parse_show(text, "fuzz.toml")
    except ShowError:
        pass


GROUPED = """
[groups.interlude]
mode = "shuffle"
repeat = 2

[[cue]]
name = "open"
scene = "dream"
duration = "10s"

[[cue]]
name = "a"
scene = "drift"
duration = "5s"
group = "interlude"

[[cue]]
name = "b"
scene = "xerox"
duration = "5s"
group = "interlude"

[[cue]]
name = "c"
scene = "layers"
duration = "5s"
group = "interlude"

[[cue]]
name = "close"
scene = "dream"
duration = "10s"
"""


def test_groups_repeat_and_shuffle_by_seed_and_round():
    show = parse_show(GROUPED, "g.toml")
    rounds = [[c.name for c in show.arrangement(r, seed=3)] for r in range(4)]
    for names in rounds:
        assert names[0] == "open" and names[-1] == "close" and len(names) == 8
        assert sorted(names[1:4]) == sorted(names[4:7]) == ["a", "b", "c"]
    assert rounds[0] == [c.name for c in show.arrangement(0, seed=3)]  # replayable
    assert len({tuple(r) for r in rounds}) > 1  # shuffled differently from round to round
    starts = [start for start, _ in timeline(show, 9, seed=3)]
    assert starts[:3] == [0.0, 10.0, 15.0] and starts[8] == 50.0  # open 10 s + 6 x 5 s + close 10 s


def test_a_group_without_its_own_table_plays_once_in_its_written_order():
    text = "".join(f'[[cue]]\nname = "{n}"\nscene = "dream"\nduration = "5s"\ngroup = "g"\n' for n in "abc")
    show = parse_show(text + '[[cue]]\nname = "end"\nscene = "dream"\nduration = "5s"\n', "g.toml")
    for round_number in range(3):
        assert [c.name for c in show.arrangement(round_number, seed=round_number)] == ["a", "b", "c", "end"]
    shuffled = parse_show('[groups.g]\nmode = "shuffle"\n' + text, "g.toml")  # a mode alone: still once a round
    for round_number in range(3):
        assert sorted(c.name for c in shuffled.arrangement(round_number, seed=round_number)) == ["a", "b", "c"]


BROKEN_GROUPS = [
    ('[groups.x]\nmode = "random"\n[[cue]]\nscene = "dream"\nduration = "1m"\ngroup = "x"\n', 2, "mode must be one of"),
    ('[groups.x]\nrepeat = 0\n[[cue]]\nscene = "dream"\nduration = "1m"\ngroup = "x"\n', 2, "repeat must be a whole number"),
    ('[groups.x]\nrepeat = 2.5\n[[cue]]\nscene = "dream"\nduration = "1m"\ngroup = "x"\n', 2,
     "repeat must be a whole number from 1 to 1000, got 2.5"),
    ('[groups.x]\nrepeat = true\n[[cue]]\nscene = "dream"\nduration = "1m"\ngroup = "x"\n', 2,
     "repeat must be a whole number from 1 to 1000, got True"),
    ('[groups.x]\nrepeat = 1001\n[[cue]]\nscene = "dream"\nduration = "1m"\ngroup = "x"\n', 2,
     "repeat must be a whole number from 1 to 1000, got 1001"),
    ('[groups.x]\nrepaet = 2\n[[cue]]\nscene = "dream"\nduration = "1m"\ngroup = "x"\n', 2, "did you mean 'repeat'"),
    ('[[cue]]\nscene = "dream"\nduration = "1m"\ngroup = "x"\n[[cue]]\nscene = "dream"\nduration = "1m"\n'
     '[[cue]]\nscene = "dream"\nduration = "1m"\ngroup = "x"\n', 11, "must follow one another"),
]


def test_the_player_plays_each_round_in_its_own_order(tiny_model):
    show = parse_show(GROUPED, "g.toml")
    from leafdream.show.build import build_player

    player = build_player(SceneContext(tiny_model.dbn, leaf_space(tiny_model)), show, (48, 32), seed=3)
    first_round = [c.name for c in player.cues]
    for _ in range(8):
        player.skip()
    assert player.round == 1 and [c.name for c in player.cues] == [c.name for c in show.arrangement(1, player.seed)]
    assert first_round == [c.name for c in show.arrangement(0, player.seed)]


C = '[[cue]]\nscene = "dream"\nduration = "1m"\n'

EVERY_OTHER_MESSAGE = [
    ('show = 3\n' + C, 1, "'show' must be a table"),
    (C + 'params = 3\n', 4, "params must be a table"),
    (C + '[cue.params]\ntemperature = { from = "a", to = 2 }\n', 5, "fade ends must be numbers"),
    ('[[cue]]\nscene = "drift"\nduration = "1m"\n[cue.params]\ninset = { from = 0, to = 1 }\n', 5, "only numbers fade"),
    (C + 'number = "one"\n', 4, "cue number must be a number"),
    (C + 'name = 5\n', 4, "cue name must be text"),
    (C + 'group = 5\n', 4, "group must be a name"),
    ('groups = 3\n' + C, 1, "groups are written as tables"),
    ('[groups]\nx = 3\n' + C, 2, "must be a table: [groups.x]"),
    ('visitors = 3\n' + C, 1, "'visitors' must be a table"),
    ('[visitors]\nenabled = "yes"\n' + C, 2, "enabled must be true or false"),
    ('[visitors]\ncolour = "red"\n' + C, 2, "unknown key 'colour' in [visitors]"),
    ('[show]\ntimezone = "Mars/Olympus"\n' + C, 2, "unknown time zone 'Mars/Olympus'"),
    ('[show]\nhours = "tue-sun 10:00-18:00"\n' + C, 2, "opening hours need a time zone"),
    ('[show]\nhours = "weekdays 10:00-18:00"\ntimezone = "UTC"\n' + C, 2, "hours: unknown day 'weekdays'"),
    ('[show]\ncrossfade = "soon"\n' + C, 2, "crossfade: cannot read the time 'soon'"),
    (C + 'pre_wait = -1\n', 4, "pre_wait: times cannot be negative"),
    (C + 'post_wait = "x"\n', 4, "post_wait: cannot read the time"),
    ('cue = 3\n', 1, "a show needs at least one cue"),
    ('# my show\n\ncue = 3\n', 3, "a show needs at least one cue: add a [[cue]] table with scene and duration"),
    ('# my show\nvisitors = 3\n' + C, 2, "'visitors' must be a table: [visitors]"),
    (C + 'post_wait = " "\n', 4, 'post_wait: empty time; write it like "45s" or "2m30s"'),
    (C + 'crossfade = "soon"\n', 4, 'crossfade: cannot read the time \'soon\'; write it like "45s", "2m30s" or "1h"'),
    (C + 'pre_wait = true\n', 4, 'pre_wait: expected a time like "45s" or "2m30s", got a true/false value'),
    (C + 'pre_wait = [1]\n', 4, 'pre_wait: expected a time like "45s" or "2m30s", got [1]'),
    ('cue = [1]\n', 1, "cue 1 must be a table"),
]


@pytest.mark.parametrize("text, line, message", BROKEN + BROKEN_GROUPS + EVERY_OTHER_MESSAGE)
def test_broken_shows_name_the_line_and_the_problem(text, line, message):
    with pytest.raises(ShowError) as caught:
        parse_show(text, "broken.toml")
    reported = str(caught.value).splitlines()
    assert any(r.startswith(f"broken.toml:{line}:") and message in r for r in reported), reported


def test_the_shortest_cue_and_auto_continue_gap_are_allowed():
    show = parse_show('[[cue]]\nscene = "dream"\nduration = "0.5s"\ncontinue = "auto-continue"\npost_wait = "0.5s"\n'
                      '[[cue]]\nscene = "drift"\nduration = "0.5s"\n', "short.toml")
    assert [cue.length_before_next() for cue in show.cues] == [0.5, 0.5]


def test_show_files_that_are_folders_or_huge_are_refused(tmp_path):
    with pytest.raises(LeafdreamError, match="is a folder"):
        load_show(tmp_path)
    huge = tmp_path / "huge.toml"
    huge.write_text("# " + "x" * 1_100_000)
    with pytest.raises(LeafdreamError, match="larger than"):
        load_show(huge)


def test_check_warns_when_the_model_has_no_recording_for_learning(capsys, tiny_model, tmp_path):
    from leafdream.model.modelfile import Model, save_model

    bare = Model(dbn=tiny_model.dbn, metadata=tiny_model.metadata,
                 extras={k: v for k, v in tiny_model.extras.items() if not k.startswith("snap_")})
    save_model(bare, tmp_path / "bare.npz")
    (tmp_path / "s.toml").write_text('[[cue]]\nscene = "learning"\nduration = "1m"\n')
    assert main(["check", str(tmp_path / "s.toml"), "--model", str(tmp_path / "bare.npz")]) == 0
    assert "uses the learning scene, but" in capsys.readouterr().err


def test_a_missing_shows_folder_falls_back_to_a_plain_loop(tmp_path, monkeypatch, caplog):
    import logging

    import leafdream.show.resolve as shows

    monkeypatch.setattr(shows, "SHOWS_DIR", tmp_path / "gone")
    with caplog.at_level(logging.WARNING):
        show = shows.resolve_show("default")
    assert [cue.scene for cue in show.cues] == ["dream", "drift", "layers", "xerox"] and show.loop
    assert "default.toml is missing" in caplog.text
    with pytest.raises(LeafdreamError, match="shipped shows: default, demo, camera"):
        shows.resolve_show("defualt")


START_SHOW = """
[show]
start = 3
[[cue]]
scene = "dream"
duration = "2m"
[[cue]]
scene = "xerox"
duration = "1m"
crossfade = "40s"
[[cue]]
scene = "drift"
duration = "3m"
[[cue]]
scene = "layers"
duration = "90s"
"""


def test_a_start_cue_begins_the_show_and_the_next_round_starts_from_the_first():
    show = parse_show(START_SHOW, "start.toml")
    assert show.start == 3 and show.beginning() == "its start cue 3"
    assert [(t, cue.scene) for t, cue in timeline(show, 5)] == [
        (0.0, "drift"), (180.0, "layers"), (270.0, "dream"), (390.0, "xerox"), (450.0, "drift")]


@pytest.mark.parametrize("value, said", [
    ("7", "start.toml:3:1: start = 7: there is no cue 7; the cues are 1, 2, 3, 4"),
    ('"3"', "start.toml:3:1: start must be the number of a cue, got '3' (leave out the quotes)"),
    ("true", "start.toml:3:1: start must be the number of a cue, got True"),
])
def test_a_start_cue_that_is_not_there_is_named_at_its_line(value, said):
    with pytest.raises(ShowError) as caught:
        parse_show(START_SHOW.replace("start = 3", f"start = {value}"), "start.toml")
    assert said in str(caught.value)


def test_the_minute_view_says_what_plays_at_each_minute_of_one_round():
    step, moments = minutes(parse_show(START_SHOW, "start.toml"))
    assert step == 60
    seen = [(m.t, m.cue.scene, m.into, m.fading_from.scene if m.fading_from else None) for m in moments]
    assert seen == [(0, "drift", 0, None), (60, "drift", 60, None), (120, "drift", 120, None),
                    (180, "layers", 0, "drift"), (240, "layers", 60, None), (300, "dream", 30, None),
                    (360, "dream", 90, None), (420, "xerox", 30, "dream")]  # the round ends at 7:30, back at cue 3


def test_the_minute_view_of_a_show_that_holds_ends_where_it_waits_for_go():
    show = parse_show(START_SHOW.replace('duration = "90s"', 'duration = "90s"\ncontinue = "none"'), "s.toml")
    step, moments = minutes(show)  # 4:30 to the wait: every 15 s
    assert step == 15 and [(m.t, m.cue.scene, m.holding) for m in moments[-3:]] == [
        (240, "layers", False), (255, "layers", False), (270, "layers", True)]
    show = parse_show(START_SHOW.replace('duration = "90s"', 'duration = "97s"\ncontinue = "none"'), "s.toml")
    step, moments = minutes(show)  # the wait begins at 4:37, between two lines of the view: it gets its own
    assert [(m.t, m.holding, m.into) for m in moments[-2:]] == [(270, False, 90), (277, True, 97)]


def test_the_minute_view_of_a_long_show_keeps_to_a_readable_number_of_lines():
    show = parse_show('[[cue]]\nscene = "dream"\nduration = "5h"\n[[cue]]\nscene = "drift"\nduration = "1h"\n', "x")
    step, moments = minutes(show)
    assert step == 300 and len(moments) == 72 and moments[-1].cue.scene == "drift"


def test_check_prints_the_minute_view_of_the_default_show(capsys):
    assert main(["check", str(SHOWS / "default.toml")]) == 0
    out = capsys.readouterr().out
    view = out[out.index("what plays at each minute"):].splitlines()[1:]
    assert len(view) == 18 and view[0].split()[0] == "0:00:00" and view[-1].split()[0] == "0:17:00"
    assert "0:12:00  cue 5 'xerox of a xerox'" in out and "1:30 into it" in out


@pytest.mark.parametrize("hours, step, lines", [(2, 120, 60), (6, 300, 72), (12, 600, 72), (20, 900, 80),
                                                (40, 1800, 80)])
def test_the_minute_view_grows_its_step_with_the_round(hours, step, lines):
    show = parse_show(f'[[cue]]\nscene = "dream"\nduration = "{hours}h"\n', "x")
    seen_step, moments = minutes(show)
    assert (seen_step, len(moments)) == (step, lines) and len(moments) <= 90
    assert [m.t for m in moments[:3]] == [0, step, 2 * step]
    assert moments[-1].t == hours * 3600 - step  # the round's end is the next round's first line


def test_a_show_that_does_not_loop_is_followed_to_its_last_cues_end_and_a_round_back_to_its_first_cue():
    from leafdream.show.timeline import clock, one_round

    show = parse_show('[show]\nloop = false\n[[cue]]\nscene = "dream"\nduration = "2m"\n'
                      '[[cue]]\nscene = "xerox"\nduration = "1m"\n', "x")
    taken, length = one_round(show)
    assert [(b.t, b.cue.scene, b.round) for b in taken] == [(0, "dream", 0), (120, "xerox", 0)] and length is None
    step, moments = minutes(show)
    assert step == 15 and moments[-1].t == 180 and moments[-1].cue.scene == "xerox"
    looping = parse_show('[[cue]]\nscene = "dream"\nduration = "2m"\n[[cue]]\nscene = "xerox"\nduration = "1m"\n', "x")
    taken, length = one_round(looping)
    assert [b.cue.scene for b in taken] == ["dream", "xerox"] and length == 180
    assert [m.t for m in minutes(looping)[1]][-1] == 165  # 3:00 is the next round's first line, not this one's
    assert [clock(s) for s in (0, 59.4, 59.6, 3600, 3661.4, 90061)] == [
        "0:00:00", "0:00:59", "0:01:00", "1:00:00", "1:01:01", "25:01:01"]


GOLDEN_REPORTS = Path(__file__).with_name("broken_show_reports.json")


def test_every_broken_show_is_reported_in_exactly_the_words_the_artist_reads():
    """The whole report of each broken show above, word for word (the artist's words are the interface).
    After changing a message on purpose: ``LEAFDREAM_WRITE_REPORTS=1 pytest tests/test_showfile.py -k exactly``,
    then read the diff of the JSON file before committing it."""
    import json
    import os

    reports = {}
    for text, _, _ in BROKEN + BROKEN_GROUPS + EVERY_OTHER_MESSAGE:
        with pytest.raises(ShowError) as caught:
            parse_show(text, "broken.toml")
        reports[text] = str(caught.value)
    if os.environ.get("LEAFDREAM_WRITE_REPORTS"):
        GOLDEN_REPORTS.write_text(json.dumps(reports, indent=1, ensure_ascii=False) + "\n")
    assert reports == json.loads(GOLDEN_REPORTS.read_text())


def test_a_map_point_outside_the_map_is_named_and_a_pair_of_words_is_not_a_point(tiny_model):
    space = leaf_space(tiny_model)
    text = '[[cue]]\nscene = "drift"\nduration = "1m"\n[cue.params]\npath = [[1.2, 0.3], ["ovata", "x"], [0.5, 0.5]]\n'
    with pytest.raises(ShowError) as caught:
        parse_show(text, "s.toml", space=space)
    lines = str(caught.value).splitlines()
    assert lines[0] == "s.toml:5:1: path: the map point [1.2, 0.3] lies outside the map; both numbers go from 0 to 1"
    assert len(lines) == 2 and "outside the map" not in lines[1] and lines[1].startswith("s.toml:5:1: path: ")


def test_opening_hours_may_end_at_midnight():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from leafdream.show.schedule import parse_hours

    hours = parse_hours("mon 20:00-24:00")
    utc = ZoneInfo("UTC")
    assert hours.is_open(datetime(2026, 11, 23, 23, 59, tzinfo=utc))
    assert not hours.is_open(datetime(2026, 11, 24, 0, 0, tzinfo=utc))
    assert not hours.is_open(datetime(2026, 11, 24, 0, 30, tzinfo=utc))
