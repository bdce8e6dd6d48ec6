"""The scene base class, parameters with defaults and checks, and the scene registry."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from leafdream.model.dbn import DBN
from leafdream.errors import LeafdreamError, did_you_mean
from leafdream.leafspace.space import LeafSpace


@dataclass
class SceneContext:
    """What every scene may use: the network, its leaf space (None if the model has none)."""

    dbn: DBN
    space: LeafSpace | None = None
    extras: dict = field(default_factory=dict)


def smooth_towards(display: np.ndarray, target: np.ndarray, dt: float, seconds: float) -> None:
    """Move ``display`` towards ``target`` in place, by the share an exponential of time constant ``seconds`` covers in dt."""
    if seconds <= 0:
        display[...] = target
        return
    display += (target - display) * np.float32(1.0 - np.exp(-dt / seconds))


def side_by_side(images: np.ndarray, gap_fraction: float) -> np.ndarray:
    """Fields float32 (K, h, w) in a row, separated by dark gaps ``gap_fraction`` x w wide: float32 (h, W)."""
    count, height, width = images.shape
    gap = np.zeros((height, int(width * gap_fraction)), np.float32)
    parts = []
    for k, image in enumerate(images):
        if k:
            parts.append(gap)
        parts.append(image)
    return np.concatenate(parts, axis=1)


class Scene:
    """Base of all scenes. Subclasses set ``name`` and ``defaults`` (parameter -> default value)."""

    name = "scene"
    defaults: dict = {}

    def __init__(self, context: SceneContext, params: dict | None = None, seed: int = 0):
        self.context = context
        self.seed = seed
        self.params = dict(self.defaults)
        for key, value in (params or {}).items():
            self.set_param(key, value)

    def set_param(self, key: str, value) -> None:
        """Set a parameter live; unknown names and wrong types are clear errors."""
        if key not in self.defaults:
            hint = did_you_mean(key, self.defaults, fallback=f"{self.name} takes {', '.join(sorted(self.defaults))}")
            raise LeafdreamError(f"scene {self.name!r} has no parameter {key!r}{hint}")
        default = self.defaults[key]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise LeafdreamError(f"{self.name}.{key} must be true or false, got {value!r}")
        elif isinstance(default, (int, float)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                raise LeafdreamError(f"{self.name}.{key} must be a number, got {value!r}")
            value = type(default)(value) if isinstance(default, float) else value
        elif isinstance(default, str) and not isinstance(value, str):
            raise LeafdreamError(f"{self.name}.{key} must be text, got {value!r}")
        elif isinstance(default, list) and not isinstance(value, list):
            raise LeafdreamError(f"{self.name}.{key} must be a list, got {value!r}")
        self.params[key] = value

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        raise NotImplementedError

    def view(self) -> np.ndarray:
        raise NotImplementedError

    def overlay(self, frame: np.ndarray, rect: tuple[int, int, int, int]) -> None:
        """Draw fine detail on the full-size frame (uint8 (H, W, 3)); ``rect`` is where the field landed."""


_REGISTRY: dict[str, type] = {}


def register(cls):
    _REGISTRY[cls.name] = cls
    return cls


SCENE_NAMES = _REGISTRY.keys()


def all_scenes() -> dict[str, type]:
    """Every scene class by name (importing the scene modules registers them)."""
    from leafdream.scenes import camera, dream, drift, layers, learning, mapping, xerox  # noqa: F401

    return _REGISTRY


def make_scene(name: str, context: SceneContext, params: dict | None = None, seed: int = 0) -> Scene:
    """A new scene by name; unknown names get a "did you mean"."""
    all_scenes()
    if name not in _REGISTRY:
        hint = did_you_mean(name, _REGISTRY, fallback=f"scenes are {', '.join(sorted(_REGISTRY))}")
        raise LeafdreamError(f"unknown scene {name!r}{hint}")
    return _REGISTRY[name](context, params, seed)
