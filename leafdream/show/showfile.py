"""Show files: cue lists in TOML that artists write, with exact, line-numbered errors.

A show is data, never code: it is read with the standard library's TOML reader and every
value is checked against what the keys allow. Problems are collected (not only the first)
and reported as ``FILE:LINE:COL: message`` with a hint; ``leafdream check`` prints them.
See ``shows/README.md`` for the format.
"""

from __future__ import annotations

import hashlib
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from leafdream.easing import EASINGS
from leafdream.errors import LeafdreamError, did_you_mean
from leafdream.scenes.params import is_number_text
from leafdream.scenes.table import SCENES
from leafdream.show.cue import Cue
from leafdream.render.palette import PALETTES
from leafdream.show.timeparse import parse_duration

SHOW_KEYS = {"name", "seed", "palette", "edge", "crossfade", "loop", "hours", "timezone", "start"}
CUE_KEYS = {"number", "name", "scene", "duration", "pre_wait", "post_wait", "continue", "palette", "edge", "crossfade", "params",
            "group"}
GROUP_KEYS = {"mode", "repeat"}
GROUP_MODES = ("order", "shuffle")
CONTINUE_MODES = ("follow", "none", "auto-continue")
VISITOR_KEYS = {"scene", "hold", "crossfade", "palette", "edge", "enabled"}
FADE_KEYS = {"from", "to", "ease"}
MAX_BYTES = 1_000_000
# the shortest time between two cues: each begins a scene, and a show that began one every frame crawled at 8-11
# fps; half a second is also how soon the remote's Go may follow the one before
SHORTEST_CUE = 0.5


# What every cue gets from a show that does not say otherwise (or says it wrongly: reported once, at its line).
DEFAULT_PALETTE, DEFAULT_CROSSFADE_S, DEFAULT_EDGE = "moss", 3.0, "crisp"

# When a visitor's leaf appears: interrupt into this scene, keep it while the leaf is there
# and ``hold`` after it has gone, then crossfade back to where the show was.
DEFAULT_VISITORS = {"enabled": True, "scene": "camera", "hold": 20.0, "crossfade": 2.0, "palette": "ink", "edge": "crisp"}


@dataclass
class Problem:
    line: int
    column: int
    message: str

    def format(self, path: str) -> str:
        return f"{path}:{self.line}:{self.column}: {self.message}"


@dataclass
class Show:
    """A checked show: its cues, seed and whether it loops."""

    path: str
    name: str
    seed: int
    loop: bool
    cues: list = field(default_factory=list)
    hours: object = None        # schedule.Hours, or None: always open
    timezone: str = "UTC"
    raw_hours: str = ""
    visitors: dict = field(default_factory=lambda: dict(DEFAULT_VISITORS))
    groups: dict = field(default_factory=dict)   # name -> {"mode": "order"|"shuffle", "repeat": n}
    digest: str = ""            # sha256 of the text it was read from ("" for shows that are no text)
    start: float | None = None  # the number of the cue the show begins with when it starts (None: its first)

    def beginning(self) -> str:
        """Where the show begins, in words: "its first cue" or "its start cue 3"."""
        return f"its start cue {self.start:g}" if self.start is not None else "its first cue"

    def arrangement(self, round_number: int, seed: int) -> list:
        """The cues of one round of the show: groups repeated, shuffled ones in a seeded order."""
        import random

        rng = random.Random(seed * 7919 + round_number)
        out, index = [], 0
        while index < len(self.cues):
            name = self.cues[index].group
            end = index + 1
            while name and end < len(self.cues) and self.cues[end].group == name:
                end += 1
            block = self.cues[index:end]
            settings = self.groups.get(name, {"mode": "order", "repeat": 1}) if name else {"mode": "order", "repeat": 1}
            for _ in range(settings["repeat"]):
                order = list(block)
                if settings["mode"] == "shuffle":
                    rng.shuffle(order)
                out.extend(order)
            index = end
        return out


class ShowError(LeafdreamError):
    """All the problems of a show file, one ``FILE:LINE:COL: message`` per line."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(p.format(path) for p in problems))


class _Locator:
    """Finds the line and column of a key in the show's text (tomllib gives none).

    Tracks table headers ``[show]``, ``[[cue]]``, ``[cue.params]`` and ``key = value`` lines;
    a path like ("cue", 2, "params", "temperature") maps to where that key is written.
    """

    header = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
    assignment = re.compile(r"^(\s*)([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")

    def __init__(self, text: str):
        self.places: dict[tuple, tuple[int, int]] = {}
        counters: dict[str, int] = {}
        table: tuple = ()
        for number, line in enumerate(text.splitlines(), start=1):
            head = self.header.match(line)
            if head:
                names = [n.strip().strip('"') for n in head.group(2).split(".")]
                if head.group(1) == "[[":
                    counters[names[0]] = counters.get(names[0], 0) + 1
                    table = (names[0], counters[names[0]] - 1, *names[1:])
                elif names[0] in counters:  # [cue.params] belongs to the latest [[cue]]
                    table = (names[0], counters[names[0]] - 1, *names[1:])
                else:
                    table = tuple(names)
                self.places.setdefault(table, (number, len(line) - len(line.lstrip()) + 1))
                continue
            assign = self.assignment.match(line)
            if assign:
                key = assign.group(2).strip('"')
                self.places.setdefault(table + (key,), (number, len(assign.group(1)) + 1))

    def find(self, path: tuple) -> tuple[int, int]:
        """Where ``path`` is written, else where its nearest parent is, else line 1."""
        for cut in range(len(path), 0, -1):
            if path[:cut] in self.places:
                return self.places[path[:cut]]
        return 1, 1


def _did_you_mean(word, options) -> str:
    return did_you_mean(word, options, fallback=f"use one of: {', '.join(sorted(map(str, options)))}", lead=" — ")


def parse_show(text: str, path: str = "<show>", space=None) -> Show:
    """Check and read a show's TOML text; ShowError lists every problem found.

    With the model's leaf ``space``, cursor paths are checked too (species names, leaf files).
    """
    contracts = {name: cls.contract for name, cls in SCENES.items()}
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ShowError(path, [Problem(1, 1, "TOML syntax: arrays or tables nested too deeply to read — a show "
                                             "needs at most a few levels")]) from None
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error)) or "not valid TOML"
        raise ShowError(path, [Problem(line, column, _toml_in_words(message, text, line, column))]) from None
    where = _Locator(text)
    problems: list[Problem] = []

    def problem(at: tuple, message: str) -> None:
        line, column = where.find(at)
        problems.append(Problem(line, column, message))

    for key in data:
        if key not in ("show", "cue", "visitors", "groups"):
            problem((key,), f"unknown section {key!r}" + _did_you_mean(key, ("show", "cue", "visitors", "groups")))
    settings = data.get("show", {})
    if not isinstance(settings, dict):
        problem(("show",), "'show' must be a table: [show]")
        settings = {}
    for key in settings:
        if key not in SHOW_KEYS:
            problem(("show", key), f"unknown key {key!r} in [show]" + _did_you_mean(key, SHOW_KEYS))
    seed = settings.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        problem(("show", "seed"), f"seed must be a whole number, got {seed!r}")
        seed = 0
    loop = settings.get("loop", True)
    if not isinstance(loop, bool):
        problem(("show", "loop"), f"loop must be true or false, got {loop!r}")
        loop = True
    hours, timezone = _hours(settings, problem)
    # a wrong default is reported once, at its own line; the cues then take the built-in one instead of each
    # reporting the broken default again
    default_palette = _palette(settings.get("palette", DEFAULT_PALETTE), ("show", "palette"), problem)
    default_palette = default_palette or DEFAULT_PALETTE
    default_crossfade = _duration(settings.get("crossfade", DEFAULT_CROSSFADE_S), ("show", "crossfade"), problem,
                                  "crossfade")
    default_crossfade = DEFAULT_CROSSFADE_S if default_crossfade is None else default_crossfade
    default_edge = _edge(settings.get("edge", DEFAULT_EDGE), ("show", "edge"), problem)
    default_edge = DEFAULT_EDGE if default_edge is None else default_edge

    visitors = _visitors(data.get("visitors", {}), contracts, problem)
    groups = _groups(data.get("groups", {}), problem)
    raw_cues = data.get("cue", [])
    if isinstance(raw_cues, dict):
        problem(("cue",), "a cue begins with [[cue]], two brackets on each side (one [[cue]] per cue); [cue] with "
                          "one pair is a single table")
        raw_cues = []
    elif not isinstance(raw_cues, list) or not raw_cues:
        problem(("cue",), "a show needs at least one cue: add a [[cue]] table with scene and duration")
        raw_cues = [] if not isinstance(raw_cues, list) else raw_cues
    cues, numbers = [], {}
    for index, raw in enumerate(raw_cues):
        cue = _cue(raw, index, CueDefaults(default_palette, default_crossfade, "crossfade" in settings, default_edge), contracts, groups, numbers, cues,
                   space, problem)
        if cue is not None:
            cues.append(cue)
    start = _start(settings.get("start"), numbers, problem)
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise ShowError(path, problems)
    return Show(path=path, name=str(settings.get("name", Path(path).stem)), seed=seed, loop=loop, cues=cues,
                hours=hours, timezone=timezone, raw_hours=str(settings.get("hours", "")), visitors=visitors,
                groups=groups, digest=hashlib.sha256(text.encode()).hexdigest(), start=start)


def _start(value, numbers: dict, problem) -> float | None:
    """[show] start: the number of an existing cue (``numbers``: cue number -> its place in the file)."""
    if value is None:
        return None
    written = ", ".join(f"{n:g}" for n in numbers) or "none yet"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        hint = " (leave out the quotes)" if isinstance(value, str) and is_number_text(value) else ""
        problem(("show", "start"), f"start must be the number of a cue, got {value!r}{hint}; the cues are {written}")
        return None
    if value not in numbers:
        problem(("show", "start"), f"start = {value:g}: there is no cue {value:g}; the cues are {written}")
        return None
    return float(value)


@dataclass
class CueDefaults:
    """What a cue without its own palette, edge or crossfade takes from [show]."""

    palette: str | None
    crossfade: float | None
    crossfade_written: bool = False  # the show says crossfade = …, rather than the built-in 3 s
    edge: str | float | None = DEFAULT_EDGE


def _cue(raw, index: int, defaults: CueDefaults, contracts: dict, groups: dict, numbers: dict, earlier: list,
         space, problem) -> Cue | None:
    """Cue ``index`` of the file checked (every problem reported), or None when it cannot play at all."""
    at = ("cue", index)
    if not isinstance(raw, dict):
        problem(at, f"cue {index + 1} must be a table")
        return None
    for key in raw:
        if key not in CUE_KEYS:
            problem(at + (key,), f"unknown key {key!r} in cue {index + 1}" + _did_you_mean(key, CUE_KEYS))
    number = raw.get("number", index + 1)
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        problem(at + ("number",), f"cue number must be a number, got {number!r}")
    elif number in numbers:
        problem(at + ("number",), f"cue number {number} is used twice (also cue {numbers[number] + 1})")
    else:
        numbers[number] = index
    name = raw.get("name", "")
    if not isinstance(name, str):
        problem(at + ("name",), f"cue name must be text, got {name!r}")
        name = ""
    scene = raw.get("scene")
    known_scene = isinstance(scene, str) and scene in contracts
    if scene is None:
        problem(at, f"cue {index + 1} has no scene — add for example scene = \"dream\"")
    elif not known_scene:
        problem(at + ("scene",), f"unknown scene {scene!r}" + _did_you_mean(scene, contracts))
    duration = None
    if "duration" not in raw:
        problem(at, f"cue {index + 1} has no duration — add for example duration = \"2m\"")
    else:
        duration = _duration(raw["duration"], at + ("duration",), problem, "duration")
        if duration is not None and duration < SHORTEST_CUE:
            problem(at + ("duration",), f"duration is {_span(duration)}; a cue lasts at least {SHORTEST_CUE:g}s "
                                        f"(a shorter one would change scene faster than the screen can begin one)")
    pre_wait = _duration(raw.get("pre_wait", 0), at + ("pre_wait",), problem, "pre_wait") or 0.0
    post_wait = _duration(raw.get("post_wait", 0), at + ("post_wait",), problem, "post_wait") or 0.0
    crossfade = _duration(raw.get("crossfade", defaults.crossfade), at + ("crossfade",), problem, "crossfade")
    if crossfade is not None and duration and crossfade > duration and not ("crossfade" in raw or
                                                                            defaults.crossfade_written):
        crossfade = duration  # the built-in 3 s nobody wrote: a short cue simply fades over its whole length
    elif crossfade is not None and duration and crossfade > duration:
        whose = "crossfade" if "crossfade" in raw else "duration"  # the show's own crossfade: point at the cue
        problem(at + (whose,), f"the crossfade ({_span(crossfade)}) is longer than cue {index + 1} "
                               f"({_span(duration)}): a crossfade lasts at most its cue's duration")
    palette = _palette(raw.get("palette", defaults.palette), at + ("palette",), problem)
    edge = _edge(raw.get("edge", defaults.edge), at + ("edge",), problem)
    mode = raw.get("continue", "follow")
    if mode not in CONTINUE_MODES:
        problem(at + ("continue",), f"continue must be one of {', '.join(CONTINUE_MODES)}, got {mode!r}"
                + _did_you_mean(mode, CONTINUE_MODES))
        mode = "follow"
    if mode == "auto-continue" and post_wait < SHORTEST_CUE:
        problem(at + ("post_wait" if "post_wait" in raw else "continue",),
                f"with continue = \"auto-continue\" the next cue begins post_wait ({_span(post_wait)}) after this one: "
                f"give post_wait = \"{SHORTEST_CUE:g}s\" or more, or continue = \"follow\"")
    group = raw.get("group", "")
    if not isinstance(group, str):
        problem(at + ("group",), f"group must be a name (text), got {group!r}")
        group = ""
    elif group and group not in groups:
        groups[group] = {"mode": "order", "repeat": 1}
    if group and earlier and earlier[-1].group != group and any(c.group == group for c in earlier):
        problem(at + ("group",), f"the cues of group {group!r} must follow one another")
    if not known_scene:
        return None
    params, fades = _params(raw.get("params", {}), scene, contracts[scene], at + ("params",), problem)
    if space is not None and isinstance(params.get("path"), list):
        _check_path(params["path"], space, at + ("params", "path"), problem)
    return Cue(scene, duration or 1.0, params, palette or DEFAULT_PALETTE,
               crossfade if crossfade is not None else DEFAULT_CROSSFADE_S, number=number, name=name,
               pre_wait=pre_wait, post_wait=post_wait, continue_mode=mode, fades=fades, group=group,
               edge=edge if edge is not None else DEFAULT_EDGE)


def _span(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes:.0f}m{rest:g}s" if minutes and rest else f"{minutes:.0f}m" if minutes else f"{rest:g}s"


TRUTH_WORDS = {"yes", "no", "on", "off", "y", "n", "true", "false"}


def _toml_in_words(message: str, text: str, line: int, column: int) -> str:
    """TOML's own error ``message`` at ``line``:``column`` of ``text``, said in the artist's words with a hint."""
    if "Cannot declare ('cue',) twice" in message:
        return "every cue begins with [[cue]], two brackets on each side; [cue] with one pair can be written once only"
    if message.startswith("Invalid value"):
        lines = text.splitlines()
        rest = lines[line - 1][column - 1:] if 0 < line <= len(lines) else ""
        word = re.match(r"[A-Za-z_][\w-]*", rest.strip())
        if word and word.group(0).lower() in TRUTH_WORDS:
            return f"{word.group(0)!r} is not a TOML value: write true or false (lower case, no quotes)"
        if word:
            return f"text needs quotes: write \"{word.group(0)}\" (a name, a scene, a palette or a time like \"2m\")"
    return f"TOML syntax: {message} — check quotes, brackets and '=' signs"


def _groups(raw, problem) -> dict:
    """[groups.NAME] tables: mode = "order" | "shuffle", repeat = how many times in a row."""
    groups = {}
    if not isinstance(raw, dict):
        problem(("groups",), "groups are written as tables: [groups.interlude]")
        return groups
    for name, settings in raw.items():
        at = ("groups", name)
        if not isinstance(settings, dict):
            problem(at, f"group {name!r} must be a table: [groups.{name}]")
            continue
        group = {"mode": "order", "repeat": 1}
        for key, value in settings.items():
            if key not in GROUP_KEYS:
                problem(at + (key,), f"unknown key {key!r} in group {name!r}" + _did_you_mean(key, GROUP_KEYS))
            elif key == "mode":
                if value not in GROUP_MODES:
                    problem(at + (key,), f"mode must be one of {', '.join(GROUP_MODES)}, got {value!r}")
                else:
                    group["mode"] = value
            elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
                problem(at + (key,), f"repeat must be a whole number from 1 to 1000, got {value!r}")
            else:
                group["repeat"] = value
        groups[name] = group
    return groups


def _visitors(raw, contracts: dict, problem) -> dict:
    """The [visitors] table: what happens when a leaf appears in front of the camera."""
    visitors = dict(DEFAULT_VISITORS)
    if not isinstance(raw, dict):
        problem(("visitors",), "'visitors' must be a table: [visitors]")
        return visitors
    for key, value in raw.items():
        at = ("visitors", key)
        if key not in VISITOR_KEYS:
            problem(at, f"unknown key {key!r} in [visitors]" + _did_you_mean(key, VISITOR_KEYS))
        elif key == "enabled":
            if not isinstance(value, bool):
                problem(at, f"enabled must be true or false, got {value!r}")
            else:
                visitors[key] = value
        elif key == "scene":
            if value not in contracts:
                problem(at, f"unknown scene {value!r}" + _did_you_mean(value, contracts))
            else:
                visitors[key] = value
        elif key == "palette":
            visitors[key] = _palette(value, at, problem) or visitors[key]
        elif key == "edge":
            edge = _edge(value, at, problem)
            visitors[key] = edge if edge is not None else visitors[key]
        else:
            seconds = _duration(value, at, problem, key)
            if seconds is not None:
                visitors[key] = seconds
    return visitors


def _hours(settings: dict, problem):
    """(Hours or None, time zone name) from [show] hours / timezone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from leafdream.show.schedule import parse_hours

    timezone = settings.get("timezone", "UTC")
    if "hours" in settings and "timezone" not in settings:
        problem(("show", "hours"), 'opening hours need a time zone: add timezone = "Europe/London" (or yours) to [show]')
    try:
        if not isinstance(timezone, str):
            raise ValueError
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problem(("show", "timezone"), f"unknown time zone {timezone!r}; write it like \"Europe/London\" or \"UTC\"")
        timezone = "UTC"
    hours = None
    if "hours" in settings:
        try:
            hours = parse_hours(settings["hours"])
        except ValueError as error:
            problem(("show", "hours"), f"hours: {error}")
    return hours, timezone


def _duration(value, at, problem, what: str):
    try:
        return parse_duration(value)
    except ValueError as error:
        problem(at, f"{what}: {error}")
        return None


def _palette(value, at, problem):
    if not isinstance(value, str) or value not in PALETTES:
        problem(at, f"unknown palette {value!r}" + _did_you_mean(value, PALETTES))
        return None
    return value


def _edge(value, at, problem):
    from leafdream.render.edges import edge_style

    try:
        edge_style(value, "edge")
    except LeafdreamError as error:
        problem(at, str(error))
        return None
    return value


def _params(raw, scene: str, contract: dict, at: tuple, problem) -> tuple[dict, dict]:
    """Fixed parameter values and fades {param: (from, to, ease)} of one cue, checked by the scene's contract."""
    params, fades = {}, {}
    if not isinstance(raw, dict):
        problem(at, "params must be a table: [cue.params]")
        return params, fades
    for key, value in raw.items():
        here = at + (key,)
        if key not in contract:
            problem(here, f"scene {scene!r} has no parameter {key!r}" + _did_you_mean(key, contract))
            continue
        param = contract[key]
        try:
            if isinstance(value, dict):
                fades[key] = _fade(key, value, param)
            else:
                params[key] = param.check(key, value)
        except LeafdreamError as error:
            problem(here, str(error))
    return params, fades


def _fade(key: str, value: dict, param) -> tuple[float, float, str]:
    """A fade ``{ from = 1.0, to = 2.0, ease = "sine" }`` whose ends both lie in the parameter's range."""
    extra = set(value) - FADE_KEYS
    if extra or "from" not in value or "to" not in value:
        raise LeafdreamError(f"a fade is written {key} = {{ from = 1.0, to = 2.0, ease = \"sine\" }}")
    if not param.fades:
        raise LeafdreamError(f"{key} cannot fade: only numbers fade, and only those with a fraction ({key} is "
                             f"{'a whole number' if param.kind is int else 'not a number'})")
    ends = [value["from"], value["to"]]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in ends):
        raise LeafdreamError(f"{key}: fade ends must be numbers, got {ends!r}")
    start, end = (param.check(f"{key} (fade {which})", value[which]) for which in ("from", "to"))
    ease = value.get("ease", "linear")
    if ease not in EASINGS:
        raise LeafdreamError(f"unknown ease {ease!r}" + _did_you_mean(ease, EASINGS))
    return float(start), float(end), ease


def _check_path(path: list, space, at: tuple, problem) -> None:
    from leafdream.leafspace.cursor import resolve_waypoint

    for spec in path:
        if _outside_the_map(spec):  # the scene would clamp it with a warning; the artist should hear it here
            problem(at, f"path: the map point {spec} lies outside the map; both numbers go from 0 to 1")
            continue
        try:
            resolve_waypoint(space, spec, space.files)
        except LeafdreamError as error:
            problem(at, f"path: {error}")


def _outside_the_map(spec) -> bool:
    if not isinstance(spec, list) or len(spec) != 2:
        return False
    try:
        return not all(0.0 <= float(value) <= 1.0 for value in spec)
    except (TypeError, ValueError):
        return False


def load_show(path: str | Path, space=None) -> Show:
    """Read and check a show file; LeafdreamError/ShowError name the file (and line) otherwise."""
    path = Path(path)
    if not path.exists():
        raise LeafdreamError(f"{path}: show file does not exist")
    if path.is_dir():
        raise LeafdreamError(f"{path}: is a folder, expected a show file (.toml)")
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a pipe would hang the read, /dev/zero fill the memory
            raise LeafdreamError(f"{path}: not a regular file (a pipe, a device?); a show is a .toml text file")
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # bounded, whatever the file claims its size is
    except OSError as error:
        raise LeafdreamError(f"{path}: cannot read the show file ({error.strerror or error})") from None
    if len(data) > MAX_BYTES:
        raise LeafdreamError(f"{path}: show file is larger than {MAX_BYTES // 1000} kB; is it the right file?")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LeafdreamError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    return parse_show(text, str(path), space=space)
