"""``leafdream bench --camera``: how well and how fast the camera path completes a visitor's leaf.

Quality: made-up camera frames (``synthetic.composite``: a leaf in leaf colours on a
backdrop, a hand over it, camera noise) go through the live path — background learned
from empty frames, segmentation, completion — and the completed leaf is compared with the
true whole leaf (IoU), against OpenCV's Telea inpainting of the same segmentation and
against a perfect fill of the hidden pixels (what the segmentation allows at best). With
a data folder the leaves are the model's held-out real leaves, else procedural ones.

Speed: the real threads — a camera delivering frames at 30 fps, segmentation on the
capture thread, the completion worker — while the main thread renders the camera scene
at full size and frame rate with the frame governor. Latency is from a frame's arrival to
the end of composing the first screen frame that shows the completion made from it.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from leafdream.model.completion import telea_completion
from leafdream.errors import LeafdreamError
from leafdream.measure.leafspace import iou
from leafdream.camera.capture import CameraThread
from leafdream.camera.masks import may_hide_leaf
from leafdream.camera.completer import complete_live, live_filler
from leafdream.camera.segment import Segmenter
from leafdream.data.synthetic_frames import composite

COLOURS = ("green", "yellow", "red")  # brown next to a hand is a known limit of the skin model
BACKDROP = (235, 235, 235)
FRAME_SHAPE = (240, 320)              # the camera composites' frame size
NOISY_FRAMES = 8                      # the made-up camera's frames differ in their noise, cycling through this many


def completion_quality(context, leaf_masks: list | None, count: int, seed: int = 0) -> dict:
    """Figures over ``count`` composites; ``leaf_masks``: float32 (h, w) leaves to use, or None for procedural."""
    rng = np.random.default_rng(seed)
    filler = live_filler(context, seed)
    rows = []
    attempts = 0
    while len(rows) < count and attempts < count * 4:
        attempts += 1
        mask = leaf_masks[len(rows) % len(leaf_masks)] if leaf_masks else None
        segmenter = Segmenter(FRAME_SHAPE)
        for _ in range(5):
            segmenter.learn_background(composite(rng, FRAME_SHAPE, hidden=False, backdrop_colour=BACKDROP).background,
                                       rate=0.5)
        shot = composite(rng, FRAME_SHAPE, colour=COLOURS[len(rows) % len(COLOURS)], backdrop_colour=BACKDROP,
                         leaf_mask=mask)
        if not (shot.leaf & shot.hand).any():
            continue  # the hand missed the leaf: nothing to complete
        seen = segmenter.segment(shot.frame)
        if not (seen.leaf > 0.5).any():
            continue
        ours = complete_live(context, filler, seen.leaf, seen.hidden).probability > 0.5
        telea = telea_completion(seen.leaf, may_hide_leaf(seen.leaf, seen.hidden)) > 0.5
        perfect = np.where(seen.hidden, shot.leaf, seen.leaf > 0.5)
        hidden = seen.hidden
        rows.append((iou(ours, shot.leaf), iou(telea, shot.leaf), iou(perfect, shot.leaf),
                     float((ours != shot.leaf)[hidden].mean()), float((telea != shot.leaf)[hidden].mean()),
                     float(shot.hand[shot.leaf].mean())))
    if not rows:
        raise LeafdreamError(f"none of {attempts} made-up frames had a leaf both seen and partly hidden; "
                             f"nothing to measure")
    table = np.array(rows)
    return {
        "camera_leaves": "held-out real leaves" if leaf_masks else "procedural leaves",
        "camera_composites": len(rows),
        "camera_iou": float(table[:, 0].mean()),
        "camera_telea_iou": float(table[:, 1].mean()),
        "camera_perfect_fill_iou": float(table[:, 2].mean()),
        "camera_hidden_error": float(table[:, 3].mean()),
        "camera_telea_hidden_error": float(table[:, 4].mean()),
        "camera_hidden_error_vs_telea": float(table[:, 3].mean() / max(table[:, 4].mean(), 1e-9)),
        "camera_better_than_telea_share": float((table[:, 0] > table[:, 1]).mean()),
        "camera_leaf_share_under_hand": float(table[:, 5].mean()),
    }


class SyntheticCamera:
    """A stand-in for cv2.VideoCapture delivering made-up frames at ``fps`` in real time:
    ``empty_seconds`` of the empty scene, then a leaf held by a hand, with fresh sensor noise each frame."""

    def __init__(self, seed: int, shape=(480, 640), fps: float = 30.0, empty_seconds: float = 1.5,
                 leaf_mask: np.ndarray | None = None):
        rng = np.random.default_rng(seed)
        shot = composite(rng, shape, colour="green", backdrop_colour=BACKDROP, leaf_mask=leaf_mask, noise=0.0)
        while not (shot.leaf & shot.hand).any():
            shot = composite(rng, shape, colour="green", backdrop_colour=BACKDROP, leaf_mask=leaf_mask, noise=0.0)
        self.empty, self.held = shot.background, shot.frame
        self.rng = rng
        self.period = 1.0 / fps
        self.empty_seconds = empty_seconds
        self.opened_at = None
        self.next_at = 0.0
        # sensor noise made up front: making it per frame cost the screen's process ~10 ms of a 640x480 frame, which
        # a camera driver does not
        self.empty_frames, self.held_frames = ([self._noisy(base) for _ in range(NOISY_FRAMES)]
                                               for base in (self.empty, self.held))
        self.count = 0

    def _noisy(self, base: np.ndarray) -> np.ndarray:
        noise = self.rng.integers(-3, 4, base.shape, dtype=np.int16)
        return np.clip(base.astype(np.int16) + noise, 0, 255).astype(np.uint8)

    def isOpened(self) -> bool:  # noqa: N802 (cv2.VideoCapture's names)
        return True

    def set(self, prop, value) -> bool:
        return True

    def get(self, prop) -> float:
        answers = {cv2.CAP_PROP_FRAME_WIDTH: self.empty.shape[1], cv2.CAP_PROP_FRAME_HEIGHT: self.empty.shape[0],
                   cv2.CAP_PROP_FPS: 1.0 / self.period}
        return float(answers.get(prop, 0.0))

    def read(self):
        if self.opened_at is None:  # the empty scene begins with the first frame read, however long set-up took
            self.opened_at = self.next_at = time.monotonic()
        delay = self.next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.next_at += self.period
        frames = self.empty_frames if time.monotonic() - self.opened_at < self.empty_seconds else self.held_frames
        self.count += 1
        return True, frames[self.count % len(frames)].copy()

    def release(self) -> None:
        pass


def pipeline_timing(context, model_path, seconds: float = 10.0, size=(1920, 1080), fps: int = 60, seed: int = 0,
                    leaf_mask: np.ndarray | None = None) -> dict:
    """Run the camera, the camera process (segmentation and completion, as ``leafdream run`` has them) and the
    camera scene together for ``seconds``."""
    from leafdream.render.governor import FrameGovernor
    from leafdream.show.cue import Cue
    from leafdream.show.player import Player
    from leafdream.scenes.context import SceneContext
    from leafdream.camera.worker_process import CameraWorkerProcess
    from leafdream.render.compositor import warm_up
    from leafdream.render.cores import drawing_cores

    warm_up()  # as the live start does: a cold cache must not spend the measured seconds compiling the first frame
    watcher = CameraWorkerProcess(model_path)
    if not watcher.wait_ready():
        raise LeafdreamError("the camera process did not start within a minute")
    camera = SyntheticCamera(seed, leaf_mask=leaf_mask)
    capture = CameraThread("synthetic", opener=lambda source: camera, on_frame=watcher.observe)
    worker = watcher.completion
    scene_context = SceneContext(context.dbn, context.space, extras={**context.extras, "camera_completion": worker})
    player = Player(scene_context, [Cue("camera", 10 ** 9, {}, "ink", 0.0)], size[0], size[1], seed=seed)
    governor = FrameGovernor(fps)
    latencies, ready, completing, work, shown = [], [], [], [], None
    first_completion_at = last_completion_at = None
    completions = 0
    capture.start()
    try:
        with drawing_cores(beside_camera=True):  # as `leafdream run --camera` draws
            started = time.monotonic()
            deadline = started
            while time.monotonic() - started < seconds:
                deadline += 1.0 / fps
                newest = worker.latest()  # what this frame will show at least (the scene may pick a newer one)
                began = time.perf_counter()
                player.update(1.0 / fps, governor.effort)
                player.frame()
                spent = time.perf_counter() - began
                governor.record(spent)
                work.append(spent)
                if newest is not None and newest is not shown:
                    latencies.append(time.monotonic() - newest.frame_time)
                    ready.append(newest.made_at - newest.frame_time)
                    completing.append(newest.seconds)
                    shown = newest
                    completions += 1
                    last_completion_at = time.monotonic()
                    if first_completion_at is None:
                        first_completion_at = last_completion_at
                pause = deadline - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                else:
                    deadline = time.monotonic()  # a late frame: do not try to catch up with a burst
            ended = time.monotonic()
    finally:
        capture.stop()
        watcher.close()
    # n completions shown span n - 1 intervals, from the first to the last (not to the run's end, which cut the
    # last interval short and read 14.9 a second for the 15 of every second frame at 30 fps)
    showing_for = last_completion_at - first_completion_at if first_completion_at is not None else 0.0
    work_ms = np.array(work) * 1e3
    lat_ms = np.array(latencies or [np.nan]) * 1e3
    return {
        "camera_latency_p50_ms": float(np.nanpercentile(lat_ms, 50)),
        "camera_latency_p99_ms": float(np.nanpercentile(lat_ms, 99)),
        "camera_latency_max_ms": float(np.nanmax(lat_ms)),
        "camera_frame_to_completion_p50_ms": float(np.median(ready) * 1e3) if ready else float("nan"),
        "camera_frame_to_completion_p99_ms": float(np.percentile(ready, 99) * 1e3) if ready else float("nan"),
        "camera_completion_p50_ms": float(np.median(completing) * 1e3) if completing else float("nan"),
        "camera_completion_p99_ms": float(np.percentile(completing, 99) * 1e3) if completing else float("nan"),
        "camera_completions_per_s": (completions - 1) / showing_for if showing_for > 0 else 0.0,
        "camera_screen_fps": len(work) / (ended - started),
        "camera_screen_p99_work_ms": float(np.percentile(work_ms, 99)),
        "camera_screen_budget_ms": 1e3 / fps,
        "camera_screen_size": list(size),
    }


class SceneHands:
    """A hand detector that finds a made-up scene's true hand (palm, fingers, thumb: what mediapipe's landmarks
    outline) every time, and its arm's reach: the visitor scenes scored as if the detector found every hand. On
    the generator's drawn hands mediapipe finds few (8 of 60 in one count); on photographed hands it finds most.
    Both figures side by side tell what the segmentation loses once a hand is found from what it loses when
    colour alone must find it."""

    def __init__(self, scene):
        palm = max(3, int(cv2.distanceTransform(scene.hand.astype(np.uint8), cv2.DIST_L2, 3).max()))
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (palm | 1, palm | 1))
        self._hand = scene.hand
        self._reach = cv2.dilate((scene.skin | scene.sleeve).astype(np.uint8), disc).astype(bool)
        self._shape = None

    def hands(self, frame_bgr: np.ndarray) -> np.ndarray:
        """bool (H, W) at the frame's size (the photo path segments a shrunk copy)."""
        self._shape = frame_bgr.shape[:2]
        return self._at_size(self._hand)

    def look_after(self, frame_bgr: np.ndarray) -> None:
        pass

    @property
    def arm_reach(self) -> np.ndarray | None:
        return self._at_size(self._reach) if self._shape is not None else None

    def _at_size(self, mask: np.ndarray) -> np.ndarray:
        height, width = self._shape
        return cv2.resize(mask.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)


def _seen_in_photo(scene, detector=None):
    from leafdream.camera.photo import segment_photo

    return segment_photo(cv2.cvtColor(scene.frame, cv2.COLOR_BGR2RGB), detector)


def _seen_live(scene, detector=None, empty_frames: int = 10):
    """The live path's segmentation of a visitor scene, the empty scene learnt from ``empty_frames`` frames of it
    with fresh sensor noise, as the watcher learns it at the start; at the size the watcher works at (at most
    ``SEGMENT_WIDTH`` wide), as the installation segments and completes."""
    from leafdream.camera.watcher import SEGMENT_WIDTH, shrink
    from leafdream.data.visitor_scenes import rehearsal_frames

    frames = [shrink(frame, SEGMENT_WIDTH)
              for frame in rehearsal_frames(scene, np.random.default_rng(0), empty=empty_frames, visitor=0)]
    segmenter = Segmenter(frames[0].shape[:2], on_frames=1, detector=detector)
    for count, frame in enumerate(frames, 1):
        segmenter.learn_background(frame, rate=1.0 / count, measure=True)
    return segmenter.segment(shrink(scene.frame, SEGMENT_WIDTH))


def _probability_at(shape, probability: np.ndarray) -> np.ndarray:
    """float32 (H, W): a completed leaf's probability brought to the frame's size, as ``camera rehearse`` writes it."""
    return cv2.resize(probability, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def visitor_quality(context, leaf_masks: list | None, per_group: int, seed: int = 0, detector=None,
                    hands_given: bool = False) -> dict:
    """Per skin-tone group (Fitzpatrick I-VI) and path (live: the empty scene learnt; photo: none), over
    ``per_group`` made-up visitor scenes each (``data/visitor_scenes.py``): the completed leaf's IoU with the
    true leaf (network and Telea from the same segmentation), the visible leaf's IoU, the share of the
    hand-hidden leaf marked hidden, and how often no leaf was found although at least half of it was in view.
    ``hands_given``: each scene's true hand stands for the detector's (``SceneHands``); the keys then begin
    ``visitor_hands_given_`` instead of ``visitor_``."""
    from leafdream.data.visitor_scenes import SKIN_GROUPS, visitor_scene

    prefix = "visitor_hands_given" if hands_given else "visitor"

    filler = live_filler(context, seed)
    figures: dict = {f"{prefix}_scenes_per_group": per_group,
                     "visitor_leaves": "held-out real leaves" if leaf_masks else "procedural leaves"}
    for path, seen_by in (("live", _seen_live), ("photo", _seen_in_photo)):
        for group in SKIN_GROUPS:
            rows = []
            for k in range(per_group):
                # scene k is one scene for every group and both paths (leaf, backdrop, body, clothes, light, the
                # arm's pose and the skin's shading): only the skin's tone differs, so the groups' figures differ
                # by the skin alone. Drawn afresh for each group, 30 scenes a group differed by up to 0.05 from
                # the scenes' own difficulty (a group's mean IoU had a standard error of 0.03-0.06 there).
                mask = leaf_masks[(k * 7) % len(leaf_masks)] if leaf_masks else None
                scene = visitor_scene(np.random.default_rng([seed, k]), skin_group=group, leaf_mask=mask)
                worked = seen_by(scene, SceneHands(scene) if hands_given else detector)  # at the size it works at
                seen = worked.at_size(scene.leaf.shape)
                found = seen.leaf > 0.5
                visible = scene.leaf & ~scene.occluder
                missed = not found.any()
                if missed:
                    ours = telea = found
                else:
                    ours = _probability_at(found.shape, complete_live(context, filler, worked.leaf,
                                                                      worked.hidden).probability) > 0.5
                    telea = _probability_at(found.shape, telea_completion(
                        worked.leaf, may_hide_leaf(worked.leaf, worked.hidden))) > 0.5
                recall = float((seen.hidden & scene.hidden_leaf).sum() / max(scene.hidden_leaf.sum(), 1))
                rows.append((iou(ours, scene.leaf), iou(telea, scene.leaf), iou(found, visible), recall,
                             missed and visible.sum() >= 0.5 * scene.leaf.sum()))
            table = np.array(rows, float)
            key = f"{prefix}_{path}_{group}"
            figures[f"{key}_leaf_iou"] = float(table[:, 0].mean())
            figures[f"{key}_telea_iou"] = float(table[:, 1].mean())
            figures[f"{key}_visible_iou"] = float(table[:, 2].mean())
            figures[f"{key}_hidden_recall"] = float(table[:, 3].mean())
            figures[f"{key}_no_leaf"] = int(table[:, 4].sum())
        groups = [figures[f"{prefix}_{path}_{g}_leaf_iou"] for g in SKIN_GROUPS]
        figures[f"{prefix}_{path}_worst_group_iou"] = float(min(groups))
        figures[f"{prefix}_{path}_best_group_iou"] = float(max(groups))
    return figures
