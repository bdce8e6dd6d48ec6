"""``leafdream render [SHOW]``: a show rendered offline to a video file or PNG frames, the same for a seed —
from its start, or from any cue or moment (``--from``), frame for frame what a render from the start draws."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from leafdream.commands.arguments import add_model, model_path, positive_int, size_pair
from leafdream.errors import LeafdreamError

PREVIEW_FPS = 30


def start_point(text: str) -> tuple[str, float]:
    """``--from``: ("cue", number) for "cue 7" / "cue7", else ("time", seconds) for "12:30", "12m30s", "90"."""
    from leafdream.show.timeparse import parse_duration

    words = text.strip().lower()
    cue = re.fullmatch(r"cue\s*(\d+(?:\.\d+)?)", words)
    if cue:
        return "cue", float(cue.group(1))
    clock = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)", words)
    if clock:
        hours, minutes, seconds = clock.groups()
        return "time", int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    try:
        return "time", float(words) if re.fullmatch(r"\d+(?:\.\d+)?", words) else parse_duration(words)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a cue like 'cue 7' or a moment like 12:30 or 12m30s, "
                                         f"got {text!r}") from None


def _check_cue(show, number: float) -> None:
    from leafdream.show.cue import cue_numbers

    numbers = cue_numbers(show.cues)
    if number not in numbers:
        raise LeafdreamError(f"--from cue {number:g}: {show.name!r} has no cue {number:g}; its cues are "
                             f"{', '.join(f'{n:g}' for n in numbers)}")


def render_command(model, show_name: str, seconds: float, out, size, fps: int, seed: int, start=None) -> None:
    import numpy as np
    from tqdm import tqdm

    from leafdream.render.loop import fast_forward, render_frames, start_frames
    from leafdream.render.sinks import FrameSink
    from leafdream.scenes.context import load_context
    from leafdream.show.build import build_player
    from leafdream.show.resolve import resolve_show

    if seconds <= 0:
        raise LeafdreamError(f"--seconds must be positive, got {seconds}")
    show = resolve_show(show_name)
    kind, value = start or ("time", 0.0)
    if kind == "cue":
        _check_cue(show, value)
    context = load_context(model)

    def make_player(dry: bool):
        return build_player(context, show, size, seed, dry=dry)

    first, live_from = start_frames(make_player, fps, seconds=value if kind == "time" else None,
                                    cue=value if kind == "cue" else None)
    sink = FrameSink(Path(out), size, fps, first=first)
    try:
        with tqdm(total=first - live_from, desc=f"to {first / fps // 60:.0f}:{first / fps % 60:04.1f}", unit="frame",
                  disable=first == live_from, leave=False) as bar:
            player = fast_forward(make_player, fps, first, live_from,
                                  on_frame=lambda frame: frame >= live_from and bar.update())
        with tqdm(total=int(round(seconds * fps)), desc="rendering", unit="frame") as bar:
            work, _ = render_frames(player, seconds, fps, sink, after_frame=lambda index, frame: bar.update())
    finally:
        sink.close()
    where = f" from {first / fps // 60:.0f}:{first / fps % 60:05.2f} (frame {first})" if start else ""
    print(f"wrote {sink.count} frames ({size[0]}x{size[1]}, {fps} fps){where} to {out}")
    print(f"work per frame (encoding excluded): p50 {np.percentile(work, 50) * 1e3:.2f} ms, "
          f"p99 {np.percentile(work, 99) * 1e3:.2f} ms")
    if player.last_error:
        print(f"last error: {player.last_error}")


def add_parser(commands) -> None:
    parser = commands.add_parser("render", help="render a show offline to a video file or PNG frames")
    parser.add_argument("show", nargs="?", default="default",
                        help="show file, built-in show (default, demo) or one scene name")
    parser.add_argument("--seconds", type=float, required=True, help="seconds of show time to render")
    parser.add_argument("--from", dest="start", type=start_point, default=None, metavar="CUE|TIME",
                        help="start at a cue ('cue 7') or a moment of the show (12:30, 12m30s, 750): the frames are "
                             "those a render from the start draws there (default: the start)")
    parser.add_argument("--out", required=True,
                        help="FILE.mp4 (H.264, plays everywhere) or a folder for PNG frames numbered by their frame "
                             "in the show")
    parser.add_argument("--size", type=size_pair, default=(1920, 1080), help="WxH of the frames (default 1920x1080)")
    parser.add_argument("--fps", type=positive_int, default=PREVIEW_FPS,
                        help=f"frames per second of show time (default {PREVIEW_FPS}; the installation runs at 60)")
    add_model(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed: the same seed renders the same frames (default 0)")


def run(args) -> int:
    render_command(model_path(args.model), args.show, args.seconds, args.out, args.size, args.fps, args.seed,
                   args.start)
    return 0
