"""``leafdream status``: one line from the heartbeat — all well, or what is wrong (exit 0 only when well)."""

from __future__ import annotations

import time
from pathlib import Path
from leafdream.errors import LeafdreamError


def status_command(path, max_age: float) -> int:
    from leafdream.ops.heartbeat import default_heartbeat_path, read_status

    if max_age <= 0:
        raise LeafdreamError(f"--max-age must be positive, got {max_age}")
    ok, line = read_status(Path(path) if path else default_heartbeat_path(), time.time(), max_age)
    print(line)
    return 0 if ok else 1


def add_parser(commands) -> None:
    parser = commands.add_parser("status", help="one line from the heartbeat: is all well? (exit 0 only if so)")
    parser.add_argument("--heartbeat", default=None, help="heartbeat file (default as for run)")
    parser.add_argument("--max-age", type=float, default=30.0,
                        help="seconds after which the heartbeat is stale (default 30)")


def run(args) -> int:

    return status_command(args.heartbeat, args.max_age)
