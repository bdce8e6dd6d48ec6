"""``leafdream camera``: the technician's camera tools (``calibrate``)."""

from __future__ import annotations


def add_parser(commands) -> None:
    parser = commands.add_parser("camera", help="camera tools for the technician")
    camera_commands = parser.add_subparsers(dest="camera_command", required=True)
    calibrate = camera_commands.add_parser("calibrate", help="learn the empty scene and the skin colours, check a leaf, "
                                                             "save the calibration")
    calibrate.add_argument("--camera", default="0", help="camera index, device path or video file (default 0)")
    calibrate.add_argument("--seconds", type=float, default=5.0, help="length of each of the three phases (default 5)")
    calibrate.add_argument("--out", default=None, help="calibration file (default ~/.config/leafdream/camera-calibration.npz)")
    calibrate.add_argument("--no-preview", action="store_true", help="instructions in the terminal only, no window")


def run(args) -> int:
    from leafdream.commands.calibrate import calibrate_command

    return calibrate_command(args.camera, args.out, args.seconds, preview=not args.no_preview)
