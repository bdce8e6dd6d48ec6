"""``leafdream render [SHOW]``: a show rendered offline to a video file or PNG frames, the same for a seed."""

from __future__ import annotations

from pathlib import Path
from leafdream.commands.arguments import add_model, model_path, positive_int, size_pair
from leafdream.errors import LeafdreamError


def render_command(model_path, show: str, seconds: float, out, size, fps: int, seed: int) -> None:
    import numpy as np
    from leafdream.render.loop import render_frames
    from leafdream.render.sinks import FrameSink
    from leafdream.show.build import make_player

    if seconds <= 0:
        raise LeafdreamError(f"--seconds must be positive, got {seconds}")
    player = make_player(model_path, show, size, seed)
    sink = FrameSink(Path(out), size, fps)
    try:
        work, _ = render_frames(player, seconds, fps, sink)
    finally:
        sink.close()
    print(f"wrote {sink.count} frames ({size[0]}x{size[1]}, {fps} fps) to {out}")
    print(f"work per frame (encoding excluded): p50 {np.percentile(work, 50) * 1e3:.2f} ms, "
          f"p99 {np.percentile(work, 99) * 1e3:.2f} ms")
    if player.last_error:
        print(f"last error: {player.last_error}")


def add_parser(commands) -> None:
    parser = commands.add_parser("render", help="render a show offline to a video file or PNG frames")
    parser.add_argument("show", nargs="?", default="default",
                        help="show file, built-in show (default, demo) or one scene name")
    parser.add_argument("--seconds", type=float, required=True, help="show time to render")
    parser.add_argument("--out", required=True, help="FILE.mp4 or a folder for numbered PNG frames")
    parser.add_argument("--size", type=size_pair, default=(1920, 1080), help="WxH of the frames (default 1920x1080)")
    parser.add_argument("--fps", type=positive_int, default=60, help="frames per second of show time (default 60)")
    add_model(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed: the same seed renders the same frames (default 0)")


def run(args) -> int:

    render_command(model_path(args.model), args.show, args.seconds, args.out, args.size, args.fps, args.seed)
    return 0
