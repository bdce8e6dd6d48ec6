"""``leafdream run``: the installation, full-screen (or in a window), until it is stopped."""

from __future__ import annotations

from typing import TYPE_CHECKING

import argparse
import logging
import os
from pathlib import Path
from logging.handlers import RotatingFileHandler

from leafdream.commands.arguments import add_model, model_path, port, positive_int, senders, size_pair
from leafdream.errors import LeafdreamError


if TYPE_CHECKING:
    from leafdream.ops.live import LiveSettings

def add_parser(commands) -> None:
    parser = commands.add_parser("run", help="the installation: full-screen, the default show")
    parser.add_argument("--show", default="default", help="show file, built-in show (default, demo) or one scene name")
    parser.add_argument("--windowed", action="store_true", help="a 1280x720 window instead of full screen")
    parser.add_argument("--display", type=int, default=0, help="display number for full screen (default 0)")
    parser.add_argument("--size", type=size_pair, default=None, metavar="WxH",
                        help="switch the display to this mode and draw at it, for a projector that reports a wrong "
                             "mode, or to draw 4K at 1920x1080 (default: the display's own mode)")
    parser.add_argument("--camera", default=None, help="camera index, device path or video file to capture")
    parser.add_argument("--calibration", default=None,
                        help="camera calibration file (default: the one 'leafdream camera calibrate' saved, if any)")
    parser.add_argument("--camera-debug-dump", default=None, metavar="DIR",
                        help="write camera frames and masks to DIR for --camera-debug-seconds at start and on the "
                             "OSC command /leafdream/camera_dump (they show visitors: for debugging only)")
    parser.add_argument("--camera-debug-seconds", type=float, default=10.0, help="length of a debug dump (default 10)")
    parser.add_argument("--fps", type=positive_int, default=60, help="frames per second (default 60)")
    parser.add_argument("--kiosk", action="store_true", help="only Ctrl+Shift+Q quits")
    parser.add_argument("--osc-port", type=port, default=None, help="listen for OSC remote control on this UDP port")
    parser.add_argument("--osc-tcp-port", type=port, default=None,
                        help="with --osc-port: also hear OSC over TCP with SLIP framing (OSC 1.1) on this port, for "
                             "consoles that send no UDP; replies go back on the same connection (default: none)")
    parser.add_argument("--osc-host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--osc-allow", type=senders, default=(), metavar="ADDR[,ADDR]",
                        help="besides this machine, the IP addresses whose OSC commands are heard (default: none; "
                             "listening on another --osc-host hears no one else without it)")
    parser.add_argument("--status-port", type=port, default=None,
                        help="serve a read-only status page and /status.json on this TCP port (default: none)")
    parser.add_argument("--status-host", default="127.0.0.1",
                        help="address of the status page (default 127.0.0.1: this machine only; another one needs "
                             "--status-token)")
    parser.add_argument("--status-token", default=os.environ.get("LEAFDREAM_STATUS_TOKEN"),
                        help="a secret the page's visitors add as ?token=... (default $LEAFDREAM_STATUS_TOKEN)")
    parser.add_argument("--heartbeat", default=None, help="heartbeat file (default $XDG_RUNTIME_DIR/leafdream/heartbeat.json)")
    parser.add_argument("--memory-ceiling", type=float, default=3000.0,
                        help="MB of memory above which leafdream exits for a clean restart (default 3000)")
    parser.add_argument("--watchdog", type=float, default=30.0,
                        help="seconds without a presented frame before leafdream exits to be restarted (default 30)")
    parser.add_argument("--log-file", default=None, help="also log to this file (rotated at 5 MB, 5 kept)")
    parser.add_argument("--headless", action="store_true",
                        help="draw offscreen with no screen attached (for checks and tests, never for a gallery: "
                             "without it, no screen is an error, so a dark wall never looks healthy); nor is the "
                             "show's position saved or resumed")
    parser.add_argument("--no-resume", action="store_true",
                        help="start the show from its beginning (its start cue) even when a recent saved position of it exists "
                             "(the position is saved every 5 s and resumed after a power cut or a restart)")
    parser.add_argument("--frames", type=positive_int, default=None, help=argparse.SUPPRESS)
    add_model(parser)
    parser.add_argument("--seed", type=int, default=0, help="mixed into every day's seed (default 0)")


def settings_from(args) -> LiveSettings:
    from leafdream.ops.live import LiveSettings

    if args.osc_tcp_port is not None and args.osc_port is None:
        raise LeafdreamError("--osc-tcp-port needs --osc-port as well (for example --osc-port 9000 --osc-tcp-port 9001)")
    if args.camera_debug_dump is not None and args.camera is None:
        raise LeafdreamError("--camera-debug-dump needs a camera: add --camera SOURCE")
    if not args.camera_debug_seconds > 0:
        raise LeafdreamError(f"--camera-debug-seconds must be positive, got {args.camera_debug_seconds}")
    from leafdream.ops.status_server import check_exposure

    if args.status_port is not None:
        check_exposure(args.status_host, args.status_token)
    return LiveSettings(model_path=model_path(args.model), show=args.show, windowed=args.windowed,
                        display=args.display, mode=args.size, camera=args.camera, fps=args.fps, seed=args.seed, kiosk=args.kiosk,
                        max_frames=args.frames, headless=args.headless, osc_host=args.osc_host, osc_port=args.osc_port,
                        osc_allow=args.osc_allow, osc_tcp_port=args.osc_tcp_port,
                        heartbeat_path=args.heartbeat, memory_ceiling_mb=args.memory_ceiling,
                        watchdog_seconds=args.watchdog, calibration_path=args.calibration,
                        dump_dir=args.camera_debug_dump, dump_seconds=args.camera_debug_seconds,
                        status_host=args.status_host, status_port=args.status_port, status_token=args.status_token, resume=not args.no_resume)


def run(args) -> int:
    from leafdream.ops.live import run_live

    settings = settings_from(args)
    if not args.log_file:
        return run_live(settings)
    Path(args.log_file).parent.mkdir(parents=True, exist_ok=True)  # a fresh account has no ~/.local/state yet
    handler = RotatingFileHandler(args.log_file, maxBytes=5_000_000, backupCount=5)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        return run_live(settings)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
