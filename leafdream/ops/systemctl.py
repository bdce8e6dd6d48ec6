"""Talking to the user's systemd: put the unit in place and enable it, take it away, ask how it is.

``systemctl`` is the path of the systemctl program, or None where there is no systemd (the unit is then only
written, and the technician is told the commands to run later). Its answers are turned into plain sentences.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from leafdream.atomic import write_text
from leafdream.errors import LeafdreamError
from leafdream.ops.unit import UNIT_NAME

STATE_PROPERTIES = ("LoadState", "ActiveState", "SubState", "UnitFileState", "NRestarts", "Result")


def _systemctl(systemctl: str, *words: str) -> subprocess.CompletedProcess:
    return subprocess.run([systemctl, "--user", *words], capture_output=True, text=True, timeout=60)


def _must(systemctl: str, *words: str) -> None:
    done = _systemctl(systemctl, *words)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        why = said[0] if said else f"exit {done.returncode}"
        hint = (" — no user session to talk to: run this as the gallery user in their desktop session (or enable "
                "lingering: 'loginctl enable-linger USER')" if "bus" in why.lower() else "")
        raise LeafdreamError(f"systemctl --user {' '.join(words)} failed: {why}{hint}")


def verify(text: str, analyze: str | None) -> list[str] | None:
    """What ``systemd-analyze --user verify`` says is wrong with the unit ``text`` ([] if nothing), or None
    without systemd-analyze. It needs a runtime folder; a private one is made when the session has none."""
    if analyze is None:
        return None
    with tempfile.TemporaryDirectory(prefix="leafdream-unit-") as folder:
        unit = Path(folder) / UNIT_NAME
        unit.write_text(text)
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        if not runtime or not os.path.isdir(runtime):
            runtime = str(Path(folder) / "runtime")
            os.mkdir(runtime, 0o700)
        done = subprocess.run([analyze, "--user", "verify", str(unit)], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "XDG_RUNTIME_DIR": runtime})
    said = [line.replace(str(unit), UNIT_NAME) for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return said if said or done.returncode == 0 else [f"systemd-analyze verify exited {done.returncode}"]


def install(text: str, unit_dir: Path, systemctl: str | None, start: bool) -> list[str]:
    """Write the unit into ``unit_dir`` (atomically) and, with systemd, reload, enable and (``start``) start it.
    Returns what was done, a sentence each."""
    unit_dir = Path(unit_dir)
    path = unit_dir / UNIT_NAME
    write_text(path, text, mode=0o644)
    done = [f"wrote {path}"]
    if systemctl is None:
        return done + ["written, not enabled (no systemctl asked): to start it with the session, "
                       "'systemctl --user daemon-reload && systemctl --user enable --now leafdream'"]
    _must(systemctl, "daemon-reload")
    _must(systemctl, "enable", *(["--now"] if start else []), UNIT_NAME)
    return done + [f"enabled{' and started' if start else ''} {UNIT_NAME}: it starts with the desktop session and "
                   f"restarts if it ends"]


def uninstall(unit_dir: Path, systemctl: str | None) -> list[str]:
    """Stop and disable the unit (with systemd) and remove its file. Returns what was done."""
    path = Path(unit_dir) / UNIT_NAME
    done = []
    if systemctl is not None and path.exists():
        _must(systemctl, "disable", "--now", UNIT_NAME)
        done.append(f"stopped and disabled {UNIT_NAME}")
    if path.exists():
        path.unlink()
        done.append(f"removed {path}")
        if systemctl is not None:
            _must(systemctl, "daemon-reload")
    else:
        done.append(f"no unit at {path}: nothing to remove")
    return done


def unit_state(systemctl: str | None) -> dict[str, str]:
    """systemd's view of the unit (``STATE_PROPERTIES``); {} without systemd or when it cannot be asked."""
    if systemctl is None:
        return {}
    try:
        done = _systemctl(systemctl, "show", UNIT_NAME, "-p", ",".join(STATE_PROPERTIES))
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if done.returncode != 0:
        return {}
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def describe_state(state: dict[str, str]) -> tuple[bool, str]:
    """(the service runs, one sentence) from ``unit_state``."""
    if not state:
        return False, "systemd could not be asked (no user session here?)"
    if state.get("LoadState") == "not-found":
        return False, "not installed: 'leafdream service install'"
    active, sub = state.get("ActiveState", "?"), state.get("SubState", "?")
    restarts = state.get("NRestarts", "0")
    enabled = state.get("UnitFileState", "?")
    line = f"{active} ({sub}), {enabled}, restarted {restarts} times"
    if active == "failed" and state.get("Result") == "start-limit-hit":
        return False, (f"{line}: systemd gave up after too many failed starts; read 'journalctl --user -u leafdream', "
                       f"fix it, then 'systemctl --user reset-failed leafdream && systemctl --user start leafdream'")
    if active != "active":
        return False, f"{line}: not running (last result: {state.get('Result', '?')})"
    return True, line
