"""The ``leafdream`` command line: one parser, one module per command (``COMMANDS``), one way to fail.

Bad input is one clear line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from leafdream.commands import (bench, camera, check, doctor, dream, eval, info, map, reconstruct, render, run, service,
                                soak, species, status, train)
from leafdream.errors import LeafdreamError

# name -> module with add_parser(subparsers) and run(args) -> exit code; in the order of the data flow
COMMANDS = {
    "train": train, "reconstruct": reconstruct, "dream": dream, "bench": bench, "eval": eval, "map": map, "species": species,
    "run": run, "camera": camera, "render": render, "check": check, "status": status, "service": service,
    "doctor": doctor, "soak": soak, "info": info,
}


def build_parser() -> argparse.ArgumentParser:
    from leafdream import __version__

    parser = argparse.ArgumentParser(prog="leafdream", description="A Deep Belief Network that dreams leaves.")
    parser.add_argument("--version", action="version", version=f"leafdream {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS.values():
        module.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command].run(args)
    except LeafdreamError as error:
        print(f"leafdream {args.command}: error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the output went to `head` or a pager that has closed: nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush stays silent
        return 0
    except OSError as error:  # unwritable output, full disk, a folder where a file was expected…
        where = f"{error.filename}: " if getattr(error, "filename", None) else ""
        print(f"leafdream {args.command}: error: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"leafdream {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
