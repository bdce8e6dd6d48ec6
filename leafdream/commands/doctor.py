"""``leafdream doctor``: checks display, camera, calibration, model, show, cache and disk, and says how to fix."""

from __future__ import annotations

from leafdream.commands.arguments import add_model, model_path


def doctor_command(model_path, show: str, camera=None) -> int:
    from leafdream.ops.doctor import run_checks

    results = run_checks(model_path, show, camera)
    for passed, what, detail in results:
        print(f"{'ok  ' if passed else 'FAIL'}  {what:<11} {detail}")
    failed = [what for passed, what, _ in results if not passed]
    print("all checks passed" if not failed else f"{len(failed)} problem(s): {', '.join(failed)}")
    return 0 if not failed else 1


def add_parser(commands) -> None:
    parser = commands.add_parser("doctor", help="check display, camera, model, show, cache and disk; say how to fix")
    add_model(parser)
    parser.add_argument("--show", default="default", help="show to check (default 'default')")
    parser.add_argument("--camera", default=None, help="also open this camera (index, device path or video file)")


def run(args) -> int:

    return doctor_command(model_path(args.model), args.show, args.camera)
