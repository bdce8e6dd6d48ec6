"""The scene base class (model/update/view) and the small helpers scenes share."""

from __future__ import annotations


import numpy as np

from leafdream.scenes.context import SceneContext
from leafdream.errors import LeafdreamError, did_you_mean


def smooth_towards(display: np.ndarray, target: np.ndarray, dt: float, seconds: float) -> None:
    """Move ``display`` towards ``target`` in place, by the share an exponential of time constant ``seconds`` covers in dt."""
    if seconds <= 0:
        display[...] = target
        return
    display += (target - display) * np.float32(1.0 - np.exp(-dt / seconds))
    # an exponential approach to 0 ends in denormal floats, which make every later pass over the array (the
    # outline's blur, the kernels) 10-20x slower: below one part in a million, zero it is
    display[np.abs(display) < 1e-6] = 0.0


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
    """Base of all scenes. Subclasses set ``name``, ``contract`` and ``defaults``."""

    name = "scene"
    contract: dict = {}   # parameter name -> Param (scenes/params.py)
    defaults: dict = {}   # parameter name -> default, from the contract
    kept: tuple = ()      # names of the float32 arrays a checkpoint keeps (what the time alone does not give)

    def __init__(self, context: SceneContext, params: dict | None = None, seed: int = 0):
        self.context = context
        self.seed = seed
        self.params = dict(self.defaults)
        for key, value in (params or {}).items():
            self.set_param(key, value)

    def set_param(self, key: str, value) -> None:
        """Set a parameter live, through the contract: unknown names, wrong kinds and values out of range are
        clear errors and leave the parameter as it was."""
        if key not in self.contract:
            hint = did_you_mean(key, self.contract, fallback=f"{self.name} takes {', '.join(sorted(self.contract))}")
            raise LeafdreamError(f"scene {self.name!r} has no parameter {key!r}{hint}")
        self.params[key] = self.contract[key].check(f"{self.name}.{key}", value)

    def update(self, t: float, dt: float, effort: float = 1.0) -> None:
        raise NotImplementedError

    def settle(self) -> None:
        """Do now what the scene spreads over its first updates to keep frames short (a dream's burn-in), for
        a cue that cuts in and is seen at once."""

    @property
    def showing(self) -> bool:
        """Whether the scene has a picture to show yet (a dream is dark until its burn-in is done): a crossfade into
        it waits for it, so the picture it fades from does not dim into black first."""
        return True

    def health(self) -> list[dict]:
        """How the scene's samplers are doing, one dict per chain (none for scenes without chains)."""
        return []

    def state(self) -> dict[str, np.ndarray]:
        """What a checkpoint must keep for this scene to carry on after a restart, beyond its cue's time: copies
        of the ``kept`` arrays (a scene whose picture follows from the time alone keeps nothing)."""
        return {name: np.array(getattr(self, name), copy=True) for name in self.kept}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        """Carry on from ``state()`` of a scene of the same kind and parameters; ValueError, changing nothing,
        if it does not fit."""
        for name in self.kept:
            if name not in state or state[name].shape != getattr(self, name).shape:
                raise ValueError(f"the saved {name!r} of the {self.name} scene does not fit this one")
        for name in self.kept:
            getattr(self, name)[...] = state[name]

    def view(self) -> np.ndarray:
        raise NotImplementedError

    def tone(self) -> np.ndarray | None:
        """How bright each part of ``view()``'s leaf is drawn, float32 of its shape in [0, 1]; None: all full
        (the outline itself comes from the field's 0.5 level, so brightness cannot be said by the field)."""
        return None

    def overlay(self, frame: np.ndarray, rect: tuple[int, int, int, int]) -> None:
        """Draw fine detail on the full-size frame (uint8 (H, W, 3)); ``rect`` is where the field landed."""
