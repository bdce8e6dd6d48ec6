"""``leafdream check SHOW``: every problem of a show file as FILE:LINE:COL, else its timeline: the next cues,
then what plays at each minute of one round."""

from __future__ import annotations

from leafdream.commands.arguments import model_path
from leafdream.errors import LeafdreamError


def check_command(show_path, model_path) -> int:
    """``leafdream check SHOW``: every problem as FILE:LINE:COL, else the timeline; exit 0 only when valid."""
    from leafdream.render.edges import edge_style
    from leafdream.show.showfile import ShowError, load_show
    from leafdream.show.timeline import clock, minutes, timeline

    import sys

    from leafdream.leafspace.store import leaf_space_if_any
    from leafdream.model.modelfile import load_model

    space, extras = None, None
    try:
        model = load_model(model_path)
        space = leaf_space_if_any(model)
        extras = model.extras
    except LeafdreamError as error:
        print(f"note: cursor paths not checked ({error})", file=sys.stderr)
    try:
        show = load_show(show_path, space)
    except ShowError as error:
        print(str(error), file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in {show_path}", file=sys.stderr)
        return 1
    needs = {"learning": "snap_panel", "mapping": "map_trajectory"}
    for cue in show.cues:
        if extras is not None and cue.scene in needs and needs[cue.scene] not in extras:
            print(f"warning: cue {cue.number:g} uses the {cue.scene} scene, but {model_path} has no recording of "
                  f"its training; the dream will play instead (retrain with 'leafdream train')", file=sys.stderr)
    print(f"{show_path}: valid — show {show.name!r}, {len(show.cues)} cues, seed {show.seed}, "
          f"{'loops' if show.loop else 'plays once'}, "
          + (f"open {show.raw_hours} ({show.timezone})" if show.hours else "always open")
          + (f", begins with {show.beginning()}" if show.start is not None else ""))
    width = max(len(_label(cue)) for cue in show.cues)
    print("the next cues:")
    for start, cue in timeline(show):
        extra = "  (holds for Go)" if cue.continue_mode == "none" else ""
        print(f"  {clock(start)}  {_label(cue):<{width}}  {cue.scene:<8} {clock(cue.duration)}  {cue.palette}, "
              f"{edge_style(cue.edge).name} edge{extra}")
    step, moments = minutes(show)
    every = "minute" if step == 60 else f"{step // 60} minutes" if step > 60 else f"{step} s"
    print(f"what plays at each {every} (one round; a visitor's leaf interrupts it at any time):")
    for moment in moments:
        fading = f"fades in over {_label(moment.fading_from)}" if moment.fading_from is not None else ""
        if moment.holding:
            what = "holds for Go"
        elif moment.into < 0.5:
            what = "begins" + (f", {fading}" if fading else "")
        else:
            what = f"{clock(moment.into)} into it" + (f", still {fading}" if fading else "")
        print(f"  {clock(moment.t)}  {_label(moment.cue):<{width}}  {moment.cue.scene:<8} {what}")
    return 0


def _label(cue) -> str:
    return f"cue {cue.number:g}" + (f" {cue.name!r}" if cue.name else "") + (f" [{cue.group}]" if cue.group else "")


def add_parser(commands) -> None:
    parser = commands.add_parser("check", help="check a show file: every problem with its line, else the timeline")
    parser.add_argument("show", help="show file (.toml)")
    parser.add_argument("--model", default=None, help="model whose leaf space cursor paths must fit (default: shipped)")


def run(args) -> int:

    return check_command(args.show, model_path(args.model))
