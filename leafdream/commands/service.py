"""``leafdream service``: the systemd user unit — ``install`` (write, enable, start), ``uninstall``, ``status``."""

from __future__ import annotations

from leafdream.errors import LeafdreamError

TARGETS = ("graphical-session.target", "default.target")


def add_parser(commands) -> None:
    parser = commands.add_parser("service", help="install, remove or ask after the systemd user unit that keeps "
                                                 "leafdream running")
    service_commands = parser.add_subparsers(dest="service_command", required=True)
    install = service_commands.add_parser(
        "install", help="write the user unit for this leafdream and enable and start it",
        description="Writes ~/.config/systemd/user/leafdream.service for the leafdream you run this with, then "
                    "enables and starts it. Options after the ones below are 'leafdream run' options "
                    "(e.g. --show FILE --camera 0 --osc-port 9000); files in them are made absolute and --kiosk "
                    "is added. Run it as the gallery user, in their desktop session.")
    install.add_argument("--unit-dir", default=None, metavar="DIR",
                         help="where to write the unit (default ~/.config/systemd/user)")
    install.add_argument("--no-start", action="store_true",
                         help="write and enable the unit but do not start it now")
    install.add_argument("--no-systemctl", action="store_true",
                         help="only write the unit file: do not reload, enable or start (e.g. when no session runs)")
    install.add_argument("--wanted-by", choices=TARGETS, default=TARGETS[0],
                         help="start with the desktop session (default) or with the user's login "
                              "(default.target: for desktops that never reach graphical-session.target)")
    install.add_argument("--print", action="store_true", help="print the unit instead of installing it")
    install.add_argument("run_options", nargs="*", metavar="RUN-OPTION",
                         help="options for 'leafdream run', after -- (e.g. -- --show FILE --camera 0)")
    uninstall = service_commands.add_parser("uninstall", help="stop and disable the unit and remove its file")
    uninstall.add_argument("--unit-dir", default=None, metavar="DIR",
                           help="where the unit is (default ~/.config/systemd/user)")
    uninstall.add_argument("--no-systemctl", action="store_true", help="only remove the file")
    status = service_commands.add_parser("status", help="is the unit installed and running, and is all well? "
                                                        "(exit 0 only if so)")
    status.add_argument("--heartbeat", default=None, help="heartbeat file (default as for run)")


def _checked_run_options(options: list[str]) -> list[str]:
    """The run options, checked by run's own parser (a mistake is caught now, not at the next boot)."""
    import argparse

    from leafdream.commands import run as run_command

    parser = argparse.ArgumentParser(prog="leafdream")
    run_command.add_parser(parser.add_subparsers(dest="command"))

    for refused, why in (("--headless", "a service draws for a screen; offscreen it would be a dark wall"),
                         ("--frames", "a service runs until it is stopped")):
        if refused in options:
            raise LeafdreamError(f"{refused} has no place in the service: {why}")
    try:
        run_command.settings_from(parser.parse_args(["run", *options]))
    except SystemExit as stop:
        raise LeafdreamError("the 'leafdream run' options above are not right (see the message); the unit was not "
                             "written") from stop
    return options


def install_command(args) -> int:
    import os
    import shutil
    from pathlib import Path

    from leafdream.ops.systemctl import install, verify
    from leafdream.ops.unit import (UnitSettings, display_environment, launcher, option_value, run_arguments, unit_text,
                                   user_unit_dir)
    from leafdream.show.resolve import resolve_show

    options = run_arguments(_checked_run_options(list(args.run_options)), Path.cwd())
    log_file = option_value(options, "--log-file")
    environment, note = display_environment(os.environ)
    text = unit_text(UnitSettings(launcher() + ["run", *options], environment, args.wanted_by))
    if args.print:
        print(text, end="")
        return 0
    problems = verify(text, shutil.which("systemd-analyze"))
    if problems:
        raise LeafdreamError("systemd-analyze finds the unit wrong, so it was not installed:\n  "
                             + "\n  ".join(problems))
    show = option_value(options, "--show") or "default"
    try:
        resolve_show(show)
    except LeafdreamError as error:
        print(f"warning: the show does not load now ({str(error).splitlines()[0]}); until it is fixed the last good "
              f"show or the built-in loop plays")
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    if note:
        print(f"note: {note}")
    if problems is None:
        print("note: no systemd-analyze here, so the unit was not verified")
    systemctl = None if args.no_systemctl else shutil.which("systemctl")
    unit_dir = Path(args.unit_dir) if args.unit_dir else user_unit_dir(os.environ)
    for line in install(text, unit_dir, systemctl, start=not args.no_start):
        print(line)
    return 0


def uninstall_command(args) -> int:
    import os
    import shutil
    from pathlib import Path

    from leafdream.ops.systemctl import uninstall
    from leafdream.ops.unit import user_unit_dir

    unit_dir = Path(args.unit_dir) if args.unit_dir else user_unit_dir(os.environ)
    for line in uninstall(unit_dir, None if args.no_systemctl else shutil.which("systemctl")):
        print(line)
    return 0


def status_command(args) -> int:
    import shutil
    import time
    from pathlib import Path

    from leafdream.ops.heartbeat import default_heartbeat_path, read_status
    from leafdream.ops.systemctl import describe_state, unit_state

    running, unit_line = describe_state(unit_state(shutil.which("systemctl")))
    well, heartbeat_line = read_status(Path(args.heartbeat) if args.heartbeat else default_heartbeat_path(),
                                       time.time())
    print(f"service: {unit_line}")
    print(f"leafdream: {heartbeat_line}")
    return 0 if running and well else 1


def run(args) -> int:
    return {"install": install_command, "uninstall": uninstall_command, "status": status_command}[
        args.service_command](args)
