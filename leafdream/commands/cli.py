"""The ``leafdream`` command line. Bad input is one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from leafdream.errors import LeafdreamError
from leafdream.paths import default_model_path


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def layer_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer sizes like 500,500,250, got {text!r}") from None
    if not sizes or any(s < 2 for s in sizes):
        raise argparse.ArgumentTypeError(f"every layer needs at least 2 units, got {text!r}")
    return sizes


def size_pair(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT like 1920x1080, got {text!r}") from None
    if width < 16 or height < 16:
        raise argparse.ArgumentTypeError(f"size must be at least 16x16, got {text!r}")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leafdream", description="A Deep Belief Network that dreams leaves.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    train = commands.add_parser("train", help="train a model on a folder of leaf masks")
    train.add_argument("--data", required=True, help="folder of species folders of leaf masks (e.g. leaves100)")
    train.add_argument("--out", required=True, help="model file to write (.npz)")
    train.add_argument("--size", type=positive_int, default=64, help="side of the square model image (default 64)")
    train.add_argument("--hidden", type=layer_sizes, default=None, help="hidden layer sizes (default 500,500,250)")
    train.add_argument("--epochs", type=positive_int, default=None, help="epochs for every layer (default: the recipe's)")
    train.add_argument("--augment", type=positive_int, default=8, help="copies of each leaf incl. jittered ones (default 8)")
    train.add_argument("--gibbs-steps", type=positive_int, default=None, help="Gibbs steps per update for the PCD layers")
    train.add_argument("--holdout", type=int, default=2, help="leaves per species kept out of training (default 2)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--quiet", action="store_true", help="no progress bars")

    reconstruct = commands.add_parser("reconstruct", help="let the network fill in the hidden part of a leaf photo")
    reconstruct.add_argument("photo", help="leaf mask, or photo of a leaf on a plain background")
    reconstruct.add_argument("--mask", default=None,
                             help="image of the same size whose white pixels are hidden (default: find the hand in PHOTO)")
    reconstruct.add_argument("--out", required=True, help="image to write: grey = probability of leaf")
    reconstruct.add_argument("--model", default=None, help="model file (default: the shipped model)")
    reconstruct.add_argument("--seed", type=int, default=0)

    dream = commands.add_parser("dream", help="render the network's dreams to PNG frames")
    dream.add_argument("--out", required=True, help="folder for the frames")
    dream.add_argument("--model", default=None)
    dream.add_argument("--frames", type=positive_int, default=16)
    dream.add_argument("--steps-per-frame", type=positive_int, default=50)
    dream.add_argument("--chains", type=positive_int, default=4)
    dream.add_argument("--temperature", type=float, default=1.0)
    dream.add_argument("--size", type=size_pair, default=(256, 256), help="WxH of each frame")
    dream.add_argument("--seed", type=int, default=0)

    bench = commands.add_parser("bench", help="speed figures, each next to its baseline from the same run")
    bench.add_argument("--model", default=None)
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--seconds", type=float, default=None,
                       help="time per measurement (default 1.5), or show time with --render (default 60)")
    bench.add_argument("--render", action="store_true", help="frame times of a show at --size, governor on and off")
    bench.add_argument("--show", default="default", help="with --render: the show (default 'default')")
    bench.add_argument("--size", type=size_pair, default=(1920, 1080),
                       help="with --render or --camera: screen WxH (default 1920x1080)")
    bench.add_argument("--camera", action="store_true",
                       help="camera completion quality on made-up frames, and latency of the live camera path")
    bench.add_argument("--data", default=None,
                       help="with --camera: the training data folder, to composite the model's held-out real leaves")
    bench.add_argument("--composites", type=int, default=60, help="with --camera: how many composites (default 60)")

    evaluate = commands.add_parser("eval", help="quality figures: inpainting vs Telea and nearest leaf, dreams")
    evaluate.add_argument("--data", required=True, help="the data folder the model was trained on")
    evaluate.add_argument("--model", default=None)
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--limit", type=positive_int, default=None, help="evaluate only this many held-out leaves")
    evaluate.add_argument("--dream-steps", type=positive_int, default=20000, help="Gibbs steps per dreaming chain")
    evaluate.add_argument("--seed", type=int, default=0)

    leafmap = commands.add_parser("map", help="leaf space: draw the poster, or (re)compute the map of a model")
    leafmap.add_argument("--out", help="poster image to write (.png)")
    leafmap.add_argument("--size", type=size_pair, default=(2400, 2400), help="WxH of the poster (default 2400x2400)")
    leafmap.add_argument("--tiles", type=positive_int, default=28, help="imagined leaves per side (default 28)")
    leafmap.add_argument("--no-labels", action="store_true", help="leave out the species names")
    leafmap.add_argument("--compute", action="store_true", help="compute the map and store it in the model file")
    leafmap.add_argument("--data", help="with --compute: the data folder the model was trained on")
    leafmap.add_argument("--model", default=None)
    leafmap.add_argument("--seed", type=int, default=0)

    run_parser = commands.add_parser("run", help="the installation: full-screen, the default show")
    run_parser.add_argument("--show", default="default", help="show file, built-in show (default, demo) or one scene name")
    run_parser.add_argument("--windowed", action="store_true", help="a 1280x720 window instead of full screen")
    run_parser.add_argument("--display", type=int, default=0, help="display number for full screen (default 0)")
    run_parser.add_argument("--camera", default=None, help="camera index, device path or video file to capture")
    run_parser.add_argument("--calibration", default=None,
                            help="camera calibration file (default: the one 'leafdream camera calibrate' saved, if any)")
    run_parser.add_argument("--camera-debug-dump", default=None, metavar="DIR",
                            help="write camera frames and masks to DIR for --camera-debug-seconds at start and on the "
                                 "OSC command /leafdream/camera_dump (they show visitors: for debugging only)")
    run_parser.add_argument("--camera-debug-seconds", type=float, default=10.0, help="length of a debug dump (default 10)")
    run_parser.add_argument("--fps", type=positive_int, default=60)
    run_parser.add_argument("--kiosk", action="store_true", help="only Ctrl+Shift+Q quits")
    run_parser.add_argument("--osc-port", type=int, default=None, help="listen for OSC remote control on this UDP port")
    run_parser.add_argument("--osc-host", default="127.0.0.1",
                            help="address to listen on (default 127.0.0.1: this machine only)")
    run_parser.add_argument("--heartbeat", default=None, help="heartbeat file (default $XDG_RUNTIME_DIR/leafdream/heartbeat.json)")
    run_parser.add_argument("--memory-ceiling", type=float, default=3000.0,
                            help="MB of memory above which leafdream exits for a clean restart (default 3000)")
    run_parser.add_argument("--watchdog", type=float, default=30.0,
                            help="seconds without a presented frame before leafdream exits to be restarted (default 30)")
    run_parser.add_argument("--log-file", default=None, help="also log to this file (rotated at 5 MB, 5 kept)")
    run_parser.add_argument("--frames", type=positive_int, default=None, help=argparse.SUPPRESS)
    run_parser.add_argument("--model", default=None)
    run_parser.add_argument("--seed", type=int, default=0)

    camera = commands.add_parser("camera", help="camera tools for the technician")
    camera_commands = camera.add_subparsers(dest="camera_command", required=True)
    calibrate = camera_commands.add_parser("calibrate", help="learn the empty scene and the skin colours, check a leaf, "
                                                               "save the calibration")
    calibrate.add_argument("--camera", default="0", help="camera index, device path or video file (default 0)")
    calibrate.add_argument("--seconds", type=float, default=5.0, help="length of each of the three phases (default 5)")
    calibrate.add_argument("--out", default=None, help="calibration file (default ~/.config/leafdream/camera-calibration.npz)")
    calibrate.add_argument("--no-preview", action="store_true", help="instructions in the terminal only, no window")

    render = commands.add_parser("render", help="render a show offline to a video file or PNG frames")
    render.add_argument("show", nargs="?", default="default",
                        help="show file, built-in show (default, demo) or one scene name")
    render.add_argument("--seconds", type=float, required=True)
    render.add_argument("--out", required=True, help="FILE.mp4 or a folder for numbered PNG frames")
    render.add_argument("--size", type=size_pair, default=(1920, 1080))
    render.add_argument("--fps", type=positive_int, default=60)
    render.add_argument("--model", default=None)
    render.add_argument("--seed", type=int, default=0)

    check = commands.add_parser("check", help="check a show file: every problem with its line, else the timeline")
    check.add_argument("show", help="show file (.toml)")
    check.add_argument("--model", default=None, help="model whose leaf space cursor paths must fit")

    status = commands.add_parser("status", help="one line from the heartbeat: is all well? (exit 0 only if so)")
    status.add_argument("--heartbeat", default=None, help="heartbeat file (default as for run)")
    status.add_argument("--max-age", type=float, default=30.0, help="seconds after which the heartbeat is stale")

    doctor = commands.add_parser("doctor", help="check display, camera, model, show, cache and disk; say how to fix")
    doctor.add_argument("--model", default=None)
    doctor.add_argument("--show", default="default")
    doctor.add_argument("--camera", default=None, help="also open this camera (index, device path or video file)")

    soak = commands.add_parser("soak", help="days of show time fast-forwarded, with visitors, edits and clock jumps")
    soak.add_argument("--hours", type=float, default=72.0)
    soak.add_argument("--size", type=size_pair, default=(320, 180))
    soak.add_argument("--model", default=None)
    soak.add_argument("--seed", type=int, default=0)

    info = commands.add_parser("info", help="describe a model file")
    info.add_argument("model", nargs="?", default=None)
    return parser


def model_path(arg: str | None) -> Path:
    return Path(arg) if arg else default_model_path()


def run(args: argparse.Namespace) -> int:
    if args.command == "train":
        from leafdream.training.pipeline import TrainingPlan, train_command

        plan = TrainingPlan(size=args.size, seed=args.seed, augment_copies=args.augment,
                            holdout_per_species=args.holdout)
        if args.holdout < 0:
            raise LeafdreamError(f"--holdout must be 0 or more, got {args.holdout}")
        if args.hidden:
            plan.hidden = args.hidden
            recipe = plan.layers
            plan.layers = [recipe[min(i, len(recipe) - 1)] for i in range(len(args.hidden))]
            plan.layers = [type(c)(**vars(c)) for c in plan.layers]
        for config in plan.layers:
            if args.epochs:
                config.epochs = args.epochs
            if args.gibbs_steps and config.method == "pcd":
                config.gibbs_steps = args.gibbs_steps
        train_command(args.data, args.out, plan, progress=not args.quiet)
        return 0
    if args.command == "reconstruct":
        from leafdream.camera.photo import reconstruct_command

        reconstruct_command(args.photo, args.mask, args.out, model_path(args.model), args.seed)
        return 0
    if args.command == "dream":
        from leafdream.model.dreaming import dream_command

        dream_command(model_path(args.model), args.out, args.frames, args.steps_per_frame, args.chains,
                      args.temperature, args.size, args.seed)
        return 0
    if args.command == "bench":
        from leafdream.measure.speed import bench_command, render_bench_command

        if args.camera:
            from leafdream.measure.camera import camera_bench_command

            if args.composites < 1:
                raise LeafdreamError(f"--composites must be at least 1, got {args.composites}")
            camera_bench_command(model_path(args.model), args.data, args.json, args.seconds or 10.0, args.composites,
                                 args.size)
        elif args.render:
            render_bench_command(model_path(args.model), args.json, args.seconds or 60.0, args.show, args.size)
        else:
            bench_command(model_path(args.model), as_json=args.json, seconds=args.seconds or 1.5)
        return 0
    if args.command == "eval":
        from leafdream.measure.quality import eval_command

        eval_command(model_path(args.model), args.data, as_json=args.json, limit=args.limit,
                     dream_steps=args.dream_steps, seed=args.seed)
        return 0
    if args.command == "map":
        from leafdream.commands.map import map_command

        map_command(model_path(args.model), out=args.out, size=args.size, tiles=args.tiles, labels=not args.no_labels,
                    compute=args.compute, data_dir=args.data, seed=args.seed)
        return 0
    if args.command == "run":
        from leafdream.ops.live import run_command

        if args.camera_debug_dump is not None and args.camera is None:
            raise LeafdreamError("--camera-debug-dump needs a camera: add --camera SOURCE")
        if not args.camera_debug_seconds > 0:
            raise LeafdreamError(f"--camera-debug-seconds must be positive, got {args.camera_debug_seconds}")

        if args.log_file:
            from logging.handlers import RotatingFileHandler

            handler = RotatingFileHandler(args.log_file, maxBytes=5_000_000, backupCount=5)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            logging.getLogger().addHandler(handler)
        return run_command(model_path(args.model), args.show, args.windowed, args.display, args.camera, args.fps,
                           args.seed, args.kiosk, max_frames=args.frames, osc_host=args.osc_host,
                           osc_port=args.osc_port, heartbeat_path=args.heartbeat,
                           memory_ceiling_mb=args.memory_ceiling, watchdog_seconds=args.watchdog,
                           calibration_path=args.calibration, dump_dir=args.camera_debug_dump,
                           dump_seconds=args.camera_debug_seconds)
    if args.command == "camera":
        from leafdream.commands.calibrate import calibrate_command

        return calibrate_command(args.camera, args.out, args.seconds, preview=not args.no_preview)
    if args.command == "render":
        from leafdream.render.loop import render_command

        render_command(model_path(args.model), args.show, args.seconds, args.out, args.size, args.fps, args.seed)
        return 0
    if args.command == "soak":
        from leafdream.ops.soak import soak_command

        return soak_command(model_path(args.model), args.hours, args.size, args.seed)
    if args.command == "doctor":
        from leafdream.ops.doctor import doctor_command

        return doctor_command(model_path(args.model), args.show, args.camera)
    if args.command == "status":
        from leafdream.ops.heartbeat import status_command

        return status_command(args.heartbeat, args.max_age)
    if args.command == "check":
        from leafdream.show.showfile import check_command

        return check_command(args.show, model_path(args.model))
    if args.command == "info":
        from leafdream.model.modelfile import load_model

        model = load_model(model_path(args.model))
        meta = model.metadata
        print(f"{model.path}: leafdream model v{meta['version']}, {meta['size']}x{meta['size']} pixels, "
              f"layers {meta['layer_sizes']}")
        data = meta.get("data", {})
        print(f"data: {data.get('root')} ({len(data.get('species', []))} species, {len(data.get('files', []))} leaves, "
              f"{len(data.get('held_out', []))} held out), fingerprint {str(data.get('fingerprint'))[:12]}")
        print(f"credit: {meta.get('credit')}")
        return 0
    raise LeafdreamError(f"unknown command {args.command!r}")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return run(args)
    except LeafdreamError as error:
        print(f"leafdream {args.command}: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # unwritable output, full disk, a folder where a file was expected…
        where = f"{error.filename}: " if getattr(error, "filename", None) else ""
        print(f"leafdream {args.command}: error: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"leafdream {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
