"""Argument types shared by the commands: each turns a word the user typed into a value, or says what is wrong."""

from __future__ import annotations

import argparse
from pathlib import Path

from leafdream.paths import default_model_path


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def port(text: str) -> int:
    """A UDP or TCP port to listen on: 1-65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number like 9000, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, got {value}")
    return value


def senders(text: str) -> tuple[str, ...]:
    """Comma-separated IP addresses allowed to send OSC, besides this machine."""
    from leafdream.ops.remote import allowed_senders

    addresses = tuple(part.strip() for part in text.split(",") if part.strip())
    try:
        allowed_senders(addresses)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return addresses


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


def add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None,
                        help="model file (default: $LEAFDREAM_MODEL, else the shipped assets/leafdream-model.npz)")


def model_path(arg: str | None) -> Path:
    return Path(arg) if arg else default_model_path()
