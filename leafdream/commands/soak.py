"""``leafdream soak``: days of show time fast-forwarded, with visitors, edits, clock jumps, power cuts, a dark
projector and an unplugged camera."""

from __future__ import annotations

from leafdream.commands.arguments import add_model, model_path, size_pair


def soak_command(model_path, hours: float, size, seed: int) -> int:
    from leafdream.ops.soak import CAMERA_LOSS_S, soak

    from leafdream.scenes.context import load_context

    if hours <= 0:
        from leafdream.errors import LeafdreamError

        raise LeafdreamError(f"--hours must be positive, got {hours}")
    figures = soak(load_context(model_path), hours, size, seed=seed, log=print)
    f = figures
    print(f"soak: {f['soak_hours']:.0f} h of show time in {f['soak_wall_seconds']:.0f} s; crashes {f['soak_crashes']}; "
          f"{f['soak_visitors']} visitors, {f['soak_show_edits']} show edits ({f['soak_invalid_edits']} invalid), "
          f"clock set back once: {f['soak_clock_set_back']}")
    print(f"  memory {f['soak_rss_first_hour_mb']:.0f} MB after the first hour, {f['soak_rss_last_hour_mb']:.0f} MB "
          f"after the last: growth {f['soak_rss_growth_mb']:+.1f} MB (goal < 20)")
    if f["soak_frame_ms_first_hours"] is None:
        print("  no frame timed: the soak never reached opening hours (10:00-18:00); give it more --hours")
    else:
        print(f"  a real frame (open hours): {f['soak_frame_ms_first_hours']:.2f} ms in the first hours, "
              f"{f['soak_frame_ms_last_hours']:.2f} ms in the last")
    print(f"  power cuts: {f['soak_power_cuts']}, {f['soak_power_cuts_resumed']} resumed: at worst "
          f"{f['soak_resume_worst_lost_s']:.0f} s of show time behind (goal < the {f['soak_checkpoint_s']:.0f} s "
          f"between saves)")
    for line in f["soak_power_cuts_afresh"]:
        print(f"    started afresh, as it should: {line}")
    print(f"  the projector was switched off {f['soak_display_losses']} times for 2 minutes: the screen came back "
          f"{f['soak_display_back']} times" + (", and is lost at the end" if f["soak_display_lost_at_end"] else ""))
    print(f"  the camera was unplugged {f['soak_camera_losses']} times for {CAMERA_LOSS_S / 60:.0f} minutes: the "
          f"capture noticed {f['soak_camera_noticed']} times and was live again {f['soak_camera_back']} times")
    for line in f["soak_crash_lines"]:
        print(f"    crash: {line}")
    counts = ", ".join(f"{count} {level.lower()}" for level, count in sorted(f["soak_log_lines"].items()))
    print(f"  the piece logged {counts or 'nothing'}; problems no injected fault explains: "
          f"{len(f['soak_unexpected_problems']) or 'none'}")
    for line in f["soak_unexpected_problems"]:
        print(f"    {line}")
    well = (f["soak_crashes"] == 0 and f["soak_rss_growth_mb"] < 20 and f["soak_resume_worst_lost_s"] < f["soak_checkpoint_s"]
            and not f["soak_unexpected_problems"] and f["soak_display_back"] == f["soak_display_losses"]
            and not f["soak_display_lost_at_end"]
            and f["soak_camera_back"] == f["soak_camera_noticed"] == f["soak_camera_losses"])
    return 0 if well else 1


def add_parser(commands) -> None:
    parser = commands.add_parser("soak", help="days of show time fast-forwarded, with visitors, edits, clock jumps, power cuts, "
                                                 "a dark projector and an unplugged camera")
    parser.add_argument("--hours", type=float, default=72.0, help="hours of show time (default 72)")
    parser.add_argument("--size", type=size_pair, default=(320, 180), help="WxH of the frames (default 320x180)")
    add_model(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated gallery (default 0)")


def run(args) -> int:

    return soak_command(model_path(args.model), args.hours, args.size, args.seed)
