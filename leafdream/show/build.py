"""Building a player for a show: the seed mixing and the model loading every player shares."""

from __future__ import annotations

from leafdream.scenes.context import SceneContext, load_context
from leafdream.show.player import Player
from leafdream.show.resolve import resolve_show


def build_player(context: SceneContext, show, size: tuple[int, int], seed: int, dry: bool = False,
                 begin: bool = True) -> Player:
    """A player of ``show`` (a Show) whose seed mixes the show's own seed and ``seed`` (``dry``, ``begin``: see
    Player)."""
    return Player(context, show.cues, size[0], size[1], seed=show.seed * 1_000_003 + seed, loop=show.loop,
                  arrange=show.arrangement, dry=dry, start=show.start, begin=begin)



def make_player(model_path, show: str, size: tuple[int, int], seed: int) -> Player:
    """Everything offline rendering needs: resolve the show, load the model, build the player."""
    resolved = resolve_show(show)
    return build_player(load_context(model_path), resolved, size, seed)
