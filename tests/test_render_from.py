"""``render --from``: any cue or moment, frame for frame what a render from the start draws there; H.264 out."""

import re

import cv2
import pytest

from leafdream.commands.cli import main

SHOW = """
[show]
name = "preview"
seed = 3
crossfade = "2s"
loop = false

[[cue]]
number = 1
scene = "dream"
duration = "6s"

[[cue]]
number = 2
scene = "drift"
duration = "5s"

[[cue]]
number = 5
scene = "xerox"
duration = "4s"
pre_wait = "1s"

[[cue]]
number = 7
scene = "dream"
duration = "6s"
[cue.params]
leaves = 2
temperature = { from = 1.5, to = 0.8 }
"""


@pytest.fixture(scope="module")
def full(tiny_model_file, tmp_path_factory):
    """The whole show rendered from its start, 10 fps, as PNG frames."""
    folder = tmp_path_factory.mktemp("render")
    show = folder / "preview.toml"
    show.write_text(SHOW)
    assert main(["render", str(show), "--seconds", "21", "--fps", "10", "--size", "64x36", "--model",
                 str(tiny_model_file), "--out", str(folder / "full")]) == 0
    return show, folder / "full"


@pytest.mark.parametrize("start, first", [  # first: the frame the show's times give, 10 fps
    ("cue 1", 0),      # the cue the show begins with
    ("cue 2", 60),     # a cue's first frame, in the crossfade from the dream
    ("cue 5", 120),    # after a pre-wait
    ("cue 7", 160),
    ("0:07", 70),      # in the middle of a cue, its crossfade over
    ("12.5s", 125),    # during the pre-wait, the drift still showing
])
def test_a_render_from_a_cue_or_a_moment_draws_the_full_renders_frames(full, tiny_model_file, tmp_path, capsys,
                                                                      start, first):
    show, whole = full
    assert main(["render", str(show), "--from", start, "--seconds", "3", "--fps", "10", "--size", "64x36",
                 "--model", str(tiny_model_file), "--out", str(tmp_path / "part")]) == 0
    said = re.search(r"\(frame (\d+)\)", capsys.readouterr().out)
    begun = int(said.group(1))
    assert abs(begun - first) <= 3  # each cue begins on the frame whose clock passes its time: a frame or so later
    frames = sorted((tmp_path / "part").glob("*.png"))
    assert [frame.name for frame in frames] == [f"frame_{n:05d}.png" for n in range(begun, begun + 30)]
    for frame in frames:
        assert frame.read_bytes() == (whole / frame.name).read_bytes(), frame.name


@pytest.mark.parametrize("start, said", [
    ("cue 4", "has no cue 4; its cues are 1, 2, 5, 7"),
    ("2m", "the show ends before 120 s: it does not loop"),
])
def test_a_start_that_is_not_in_the_show_is_one_line(full, tiny_model_file, tmp_path, capsys, start, said):
    show, _ = full
    assert main(["render", str(show), "--from", start, "--seconds", "1", "--fps", "10", "--size", "64x36",
                 "--model", str(tiny_model_file), "--out", str(tmp_path / "x")]) == 1
    assert said in capsys.readouterr().err


def test_a_start_that_is_neither_cue_nor_time_is_refused_at_once(capsys):
    with pytest.raises(SystemExit) as refused:
        main(["render", "demo", "--from", "soon", "--seconds", "1", "--out", "x"])
    assert refused.value.code == 2
    assert "expected a cue like 'cue 7' or a moment like 12:30" in capsys.readouterr().err


def test_a_video_is_h264_that_any_player_reads(tiny_model_file, tmp_path, capsys):
    out = tmp_path / "preview.mp4"
    assert main(["render", "demo", "--seconds", "2", "--fps", "24", "--size", "96x54", "--model",
                 str(tiny_model_file), "--out", str(out)]) == 0
    video = cv2.VideoCapture(str(out))
    fourcc = int(video.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode()
    count = 0
    while video.read()[0]:
        count += 1
    assert fourcc in ("avc1", "h264", "H264") and count == 48 and video.get(cv2.CAP_PROP_FPS) == 24
    assert main(["render", "demo", "--seconds", "1", "--size", "97x55", "--model", str(tiny_model_file), "--out",
                 str(tmp_path / "odd.mp4")]) == 1
    assert "even width and height" in capsys.readouterr().err
