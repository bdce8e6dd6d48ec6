"""What every scene may use: the network and its leaf space, loaded once and warmed up."""

from __future__ import annotations

from dataclasses import dataclass, field

from leafdream.leafspace.space import LeafSpace
from leafdream.leafspace.store import leaf_space_if_any
from leafdream.model.dbn import DBN
from leafdream.model.kernels import warm_up
from leafdream.model.modelfile import load_model


def load_context(model_path) -> SceneContext:
    """The model and its leaf space, with the kernels warmed up."""
    model = load_model(model_path)
    space = leaf_space_if_any(model)
    warm_up()
    return SceneContext(model.dbn, space, extras=model.extras)


@dataclass
class SceneContext:
    """What every scene may use: the network, its leaf space (None if the model has none)."""

    dbn: DBN
    space: LeafSpace | None = None
    extras: dict = field(default_factory=dict)
