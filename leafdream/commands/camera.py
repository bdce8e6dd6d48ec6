"""``leafdream camera``: the technician's camera tools — ``calibrate`` at the venue, ``rehearse`` on a recorded clip."""

from __future__ import annotations

from leafdream.commands.arguments import add_model, model_path, positive_int
from leafdream.errors import LeafdreamError


def add_parser(commands) -> None:
    parser = commands.add_parser("camera", help="camera tools for the technician")
    camera_commands = parser.add_subparsers(dest="camera_command", required=True)
    calibrate = camera_commands.add_parser("calibrate", help="learn the empty scene and the skin colours, check a leaf, "
                                                             "save the calibration")
    calibrate.add_argument("--camera", default="0", help="camera index, device path or video file (default 0)")
    calibrate.add_argument("--seconds", type=float, default=5.0, help="length of each of the three phases (default 5)")
    calibrate.add_argument("--out", default=None, help="calibration file (default ~/.config/leafdream/camera-calibration.npz)")
    calibrate.add_argument("--no-preview", action="store_true", help="instructions in the terminal only, no window")
    rehearse = camera_commands.add_parser(
        "rehearse", help="the live camera path over a recorded clip: the completed leaf of every processed frame "
                         "as DIR/NNNNNN.png, and DIR/events.csv")
    rehearse.add_argument("video", help="a clip recorded at the venue: first the empty scene, then visitors with leaves")
    rehearse.add_argument("--out", required=True, metavar="DIR", help="folder for the PNGs and events.csv (made if missing)")
    rehearse.add_argument("--every", type=positive_int, default=1, help="process every Nth frame (default 1: all)")
    rehearse.add_argument("--learn-frames", type=positive_int, default=15,
                          help="frames at the start that show the empty scene (default 15)")
    rehearse.add_argument("--no-hand-detector", action="store_true",
                          help="find hands by skin colour alone, as where mediapipe cannot run")
    add_model(rehearse)


def rehearse_command(video, out, every: int, learn_frames: int, model, detect_hands: bool) -> int:
    import csv
    from pathlib import Path

    import numpy as np
    from PIL import Image

    from leafdream.camera.rehearsal import EVENT_COLUMNS, open_clip, rehearse
    from leafdream.scenes.context import load_context

    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise LeafdreamError(f"--out {folder}: is a file, not a folder")
    clip = open_clip(video)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LeafdreamError(f"--out {folder}: cannot make this folder ({error.strerror}); give a folder you "
                             f"may write to") from None
    probe = folder / ".leafdream-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise LeafdreamError(f"--out {folder}: cannot write there ({error.strerror})") from None
    context = load_context(model)
    count, present = 0, 0
    with open(folder / "events.csv", "w", newline="") as table:
        writer = csv.DictWriter(table, fieldnames=EVENT_COLUMNS)
        writer.writeheader()
        try:
            for result in rehearse(context, clip, str(video), every, learn_frames, detect_hands=detect_hands):
                Image.fromarray(np.clip(result.probability * 255 + 0.5, 0, 255).astype(np.uint8)).save(
                    folder / f"{result.number:06d}.png")
                writer.writerow(result.row)
                count += 1
                present += result.row["leaf_present"]
        finally:
            clip.release()
    if count == 0:
        raise LeafdreamError(f"{video}: the clip ended before any frame after the first {learn_frames} (the empty "
                             f"scene) could be processed")
    print(f"rehearsed {video}: {count} frames processed, a leaf in {present}; wrote {folder}/NNNNNN.png and "
          f"{folder}/events.csv")
    return 0


def run(args) -> int:
    if args.camera_command == "rehearse":
        return rehearse_command(args.video, args.out, args.every, args.learn_frames, model_path(args.model),
                                not args.no_hand_detector)
    from leafdream.commands.calibrate import calibrate_command

    return calibrate_command(args.camera, args.out, args.seconds, preview=not args.no_preview)
