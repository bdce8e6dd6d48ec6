"""The scene table: every scene by the name a show file uses. Adding a scene means one line here."""

from __future__ import annotations

from leafdream.errors import LeafdreamError, did_you_mean
from leafdream.scenes.base import Scene
from leafdream.scenes.camera import CameraScene
from leafdream.scenes.context import SceneContext
from leafdream.scenes.dream import DreamScene
from leafdream.scenes.drift import DriftScene
from leafdream.scenes.layers import LayersScene
from leafdream.scenes.learning import LearningScene
from leafdream.scenes.mapping import MappingScene
from leafdream.scenes.xerox import XeroxScene

SCENES: dict[str, type[Scene]] = {cls.name: cls for cls in (
    LearningScene, MappingScene, DreamScene, DriftScene, LayersScene, XeroxScene, CameraScene)}
SCENE_NAMES = tuple(SCENES)


def make_scene(name: str, context: SceneContext, params: dict | None = None, seed: int = 0) -> Scene:
    """A new scene by name; unknown names get a "did you mean"."""
    if name not in SCENES:
        hint = did_you_mean(name, SCENES, fallback=f"scenes are {', '.join(sorted(SCENES))}")
        raise LeafdreamError(f"unknown scene {name!r}{hint}")
    return SCENES[name](context, params, seed)
