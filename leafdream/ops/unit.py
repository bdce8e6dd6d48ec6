"""The systemd user unit that runs the installation: written from what is installed here, never copied by hand.

``unit_text`` is the whole file: absolute paths to this leafdream, the display environment the installer
sees, ``--kiosk``, the journal for logs, ``Type=notify`` with a watchdog, and a start limit. ``run_arguments``
turns the ``leafdream run`` options the technician gave into ones that hold in any working directory.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

UNIT_NAME = "leafdream.service"

# run options whose value is a file or folder: made absolute, since a service has no working directory of ours
PATH_OPTIONS = ("--show", "--model", "--calibration", "--log-file", "--heartbeat", "--camera-debug-dump", "--camera")
DISPLAY_VARIABLES = ("DISPLAY", "XAUTHORITY", "WAYLAND_DISPLAY")
ASSUMED_DISPLAY = ":0"

# systemd gives up after this many starts within the interval. leafdream sets a failing show aside at its own
# third start (ops/starts.py), so ten failures in ten minutes mean something no show can fix (no screen, a
# broken install): retrying every 5 s for ever would only fill the journal. A user unit may not reboot the
# machine (StartLimitAction allows only none/exit there), so the unit stays failed and says so.
START_LIMIT_BURST = 10
START_LIMIT_INTERVAL_S = 600
RESTART_S = 5
WATCHDOG_S = 60
STOP_TIMEOUT_S = 10  # leafdream stops within 2 s of SIGTERM; after this systemd sends SIGKILL


@dataclass
class UnitSettings:
    """What goes into the unit: the command that starts leafdream, its environment, the target it belongs to."""

    command: list[str]
    environment: dict[str, str] = field(default_factory=dict)
    wanted_by: str = "graphical-session.target"


def launcher(executable: str | None = None) -> list[str]:
    """The absolute command for this leafdream: the ``leafdream`` script next to the running Python (a virtual
    environment's bin/), else that Python with ``-m leafdream``. The Python's path is kept as it is (a venv's
    python is a symlink whose target knows nothing of the venv)."""
    python = os.path.abspath(executable or sys.executable)
    script = Path(python).with_name("leafdream")
    return [str(script)] if script.is_file() and os.access(script, os.X_OK) else [python, "-m", "leafdream"]


def _absolute(option: str, value: str, cwd: Path) -> str:
    if option == "--camera" and not (cwd / value).is_file():
        return value  # a camera index or /dev/videoN, not a clip
    if option == "--show" and not (cwd / value).exists() and not value.endswith(".toml"):
        return value  # a shipped show or one scene, by name
    return str((cwd / Path(value).expanduser()).resolve())


def run_arguments(arguments: list[str], cwd: Path) -> list[str]:
    """``leafdream run`` ``arguments`` with every file or folder made absolute against ``cwd`` and ``--kiosk``
    added (a gallery's keyboard must not end the piece)."""
    result, waiting_for = [], None
    for token in arguments:
        if waiting_for:
            result.append(_absolute(waiting_for, token, cwd))
            waiting_for = None
            continue
        option, equals, value = token.partition("=")
        if option in PATH_OPTIONS and equals:
            result.append(f"{option}={_absolute(option, value, cwd)}")
        else:
            result.append(token)
            waiting_for = option if option in PATH_OPTIONS else None
    if "--kiosk" not in result:
        result.append("--kiosk")
    return result


def option_value(arguments: list[str], option: str) -> str | None:
    """The value given to ``option`` in ``arguments`` (``--show FILE`` or ``--show=FILE``; the last one wins)."""
    value = None
    for index, token in enumerate(arguments):
        if token == option and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif token.startswith(option + "="):
            value = token.split("=", 1)[1]
    return value


def display_environment(environ: dict) -> tuple[dict[str, str], str]:
    """(the display variables to give the service, "" or a note on what was assumed) from the installer's
    ``environ``: a service started by systemd does not inherit the desktop's DISPLAY or XAUTHORITY."""
    chosen = {name: environ[name] for name in DISPLAY_VARIABLES if environ.get(name)}
    if "XAUTHORITY" in chosen:
        chosen["XAUTHORITY"] = os.path.abspath(chosen["XAUTHORITY"])
    if "DISPLAY" in chosen or "WAYLAND_DISPLAY" in chosen:
        return chosen, ""
    chosen["DISPLAY"] = ASSUMED_DISPLAY
    return chosen, (f"no DISPLAY or WAYLAND_DISPLAY here (installing over SSH?): the unit uses "
                    f"DISPLAY={ASSUMED_DISPLAY}, the first X screen; run the install from the desktop session to take "
                    f"its own")


def quoted(word: str) -> str:
    """``word`` as one argument of a systemd command line or assignment: % and $ are doubled (systemd would expand
    them), and a word with spaces, quotes or backslashes is put in double quotes with C-style escapes."""
    word = word.replace("%", "%%").replace("$", "$$")
    if word and not any(c.isspace() or c in "\"'\\;" for c in word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_text(settings: UnitSettings) -> str:
    """The whole unit file."""
    environment = {**settings.environment, "PYTHONUNBUFFERED": "1"}
    lines = [
        "# Written by 'leafdream service install'; run it again to change this file, 'leafdream service uninstall'",
        "# to remove it. leafdream sends READY and WATCHDOG only once frames are really on screen.",
        "[Unit]",
        "Description=leafdream, a gallery installation in which a neural network dreams leaves",
        "After=graphical-session.target",
        "PartOf=graphical-session.target",
        f"StartLimitIntervalSec={START_LIMIT_INTERVAL_S}",
        f"StartLimitBurst={START_LIMIT_BURST}",
        "StartLimitAction=none",
        "",
        "[Service]",
        "Type=notify",
        "NotifyAccess=main",
        "ExecStart=" + " ".join(quoted(word) for word in settings.command),
        *(f"Environment={quoted(f'{name}={value}')}" for name, value in sorted(environment.items())),
        "Restart=always",
        f"RestartSec={RESTART_S}",
        f"WatchdogSec={WATCHDOG_S}",
        f"TimeoutStopSec={STOP_TIMEOUT_S}",
        "StandardOutput=journal",
        "StandardError=journal",
        "",
        "[Install]",
        f"WantedBy={settings.wanted_by}",
        "",
    ]
    return "\n".join(lines)


def user_unit_dir(environ: dict) -> Path:
    """Where systemd looks for a user's own units: ``$XDG_CONFIG_HOME/systemd/user`` or ``~/.config/systemd/user``."""
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "systemd" / "user"
