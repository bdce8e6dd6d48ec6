"""Camera calibration for the technician: the empty scene, the venue's skin colours, a leaf check.

Three timed phases, driven by the frames' arrival times (time is passed in):

1. ``empty`` — nothing in front of the camera: learn the background and how much the
   picture of the empty scene flickers (sensor noise, compression), which sets the colour
   distance that counts as foreground.
2. ``hand`` — a hand in front of the camera, no leaf: the foreground's Cr/Cb range
   becomes the skin model (the light in a venue shifts skin colours).
3. ``leaf`` — a leaf held by the hand: the frames are segmented with the new settings and
   the report says how often a leaf was found and how large (a brown or red leaf that the
   skin model takes for hand shows up here as a small or missing leaf).

The saved file holds the thresholds and the picture of the *empty* scene at the size the
watcher segments at — never a picture with a visitor in it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from leafdream.atomic import replacing
from leafdream.errors import LeafdreamError
from leafdream.camera.segment import MAX_THRESHOLD, SKIN_THRESHOLD_SHARE, Segmenter
from leafdream.camera.skin import SkinModel

PHASES = ("empty", "hand", "leaf", "done")
VERSION = 1
LEAF_CLOSE = 1.5    # x the foreground threshold: a leaf this near the backdrop's colour is hard to see against it
BACKDROP_WARN = 0.25  # share of the empty scene that close to one leaf colour or skin tone that is worth a warning


def backdrop_close_to(segmenter: Segmenter, tones: dict, share_of_threshold: float) -> dict:
    """{name: share of the learnt empty scene within ``share_of_threshold`` x the foreground threshold of that
    tone (sRGB)} for each of ``tones`` with a share of at least 5 %. The live path sees what differs from the empty
    scene: an orange leaf before an orange wall hardly does, whatever the visitor does."""
    shares = {}
    height, width = segmenter.background.shape[:2]
    for name, (red, green, blue) in tones.items():
        tone = np.full((height, width, 3), (blue, green, red), np.uint8)
        share = float((segmenter.colour_distance(tone) < share_of_threshold * segmenter.threshold).mean())
        if share >= 0.05:
            shares[name] = round(share, 3)
    return shares


def backdrop_report(segmenter: Segmenter) -> dict:
    """What of the empty scene a plain leaf colour (within ``LEAF_CLOSE`` x the threshold) or a skin tone (within
    the share of the threshold skin-coloured pixels must differ by, ``SKIN_THRESHOLD_SHARE``) is close to."""
    from leafdream.data.tones import LEAF_TONES, PLAIN_LEAF_COLOURS, SKIN_TONES

    leaves = {name: LEAF_TONES[name] for name in PLAIN_LEAF_COLOURS}
    return {"backdrop_like_leaves": backdrop_close_to(segmenter, leaves, LEAF_CLOSE),
            "backdrop_like_skin": backdrop_close_to(segmenter, SKIN_TONES, SKIN_THRESHOLD_SHARE)}


def default_calibration_path() -> Path:
    """``$XDG_CONFIG_HOME/leafdream/camera-calibration.npz`` (or ``~/.config/...``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "leafdream" / "camera-calibration.npz"


@dataclass
class Calibration:
    """What the watcher needs: background float32 (h, w, 3) Lab of the empty scene, the foreground
    threshold and the skin model; ``report`` says what was measured."""

    background: np.ndarray
    threshold: float
    skin_cr: tuple
    skin_cb: tuple
    report: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple:
        return tuple(self.background.shape[:2])

    def segmenter(self) -> Segmenter:
        return Segmenter(self.shape, threshold=self.threshold, skin=SkinModel(tuple(self.skin_cr), tuple(self.skin_cb)),
                         background=self.background.copy(), learn_threshold=False)

    def save(self, path) -> Path:
        path = Path(path)
        meta = {"version": VERSION, "threshold": self.threshold, "skin_cr": list(self.skin_cr),
                "skin_cb": list(self.skin_cb), "report": self.report}
        with replacing(path, suffix=".tmp.npz") as temporary:
            with open(temporary, "wb") as handle:
                np.savez_compressed(handle, background=self.background.astype(np.float32),
                                    meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))
        return path


def load_calibration(path) -> Calibration:
    """Read a calibration file; any problem is a LeafdreamError naming the file and what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise LeafdreamError(f"{path}: no camera calibration there; make one with 'leafdream camera calibrate'")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            background = arrays["background"]
            meta = json.loads(arrays["meta"].tobytes().decode())
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as error:
        raise LeafdreamError(f"{path}: not a readable camera calibration ({error}); "
                             f"run 'leafdream camera calibrate' again") from None
    if meta.get("version") != VERSION:
        raise LeafdreamError(f"{path}: calibration version {meta.get('version')!r}, this leafdream reads {VERSION}; "
                             f"run 'leafdream camera calibrate' again")
    if background.ndim != 3 or background.shape[2] != 3:
        raise LeafdreamError(f"{path}: the background picture has shape {background.shape}, expected (h, w, 3)")
    return Calibration(background.astype(np.float32), float(meta["threshold"]), tuple(meta["skin_cr"]),
                       tuple(meta["skin_cb"]), meta.get("report", {}))


class Calibrator:
    """Model/update for the calibration: feed frames (BGR uint8, at the watcher's size) with their times."""

    def __init__(self, shape, phase_seconds: float = 5.0, settle_seconds: float = 1.0):
        self.shape = tuple(shape)
        self.phase_seconds = phase_seconds
        self.settle_seconds = min(settle_seconds, 0.3 * phase_seconds)  # time to step in or out of view
        self.phase = "empty"
        self.started: float | None = None
        self.segmenter = Segmenter(self.shape)
        self.frames = 0
        self._skin: list[np.ndarray] = []
        self._hand_share: list[float] = []
        self._leaf_share: list[float] = []
        self.checker: Segmenter | None = None  # the calibrated segmenter, from the leaf phase on
        self.last = None                       # the newest Segmentation in the leaf phase, for a preview

    def seconds_left(self, now: float) -> float:
        if self.started is None or self.phase == "done":
            return 0.0
        return max(0.0, (PHASES.index(self.phase) + 1) * self.phase_seconds - (now - self.started))

    def observe(self, frame, now: float) -> None:
        if self.phase == "done" or not isinstance(frame, np.ndarray) or frame.shape[:2] != self.shape \
                or frame.ndim != 3 or frame.dtype != np.uint8:
            return
        if self.started is None:
            self.started = now
        elapsed = now - self.started
        self.phase = PHASES[min(int(elapsed // self.phase_seconds), len(PHASES) - 1)]
        if self.phase == "done" or elapsed - PHASES.index(self.phase) * self.phase_seconds < self.settle_seconds \
                and self.phase != "empty":
            return
        self.frames += 1
        if self.phase == "empty":
            self.segmenter.learn_background(frame, rate=1.0 / self.frames, measure=True)
            return
        if self.phase == "hand":
            foreground = self.segmenter.colour_distance(frame) > self.threshold
            foreground = cv2.morphologyEx(foreground.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
            self._hand_share.append(float(foreground.mean()))
            self._skin.append(cv2.cvtColor(frame, cv2.COLOR_BGR2YCrCb)[foreground][::3, 1:])
            return
        if self.checker is None:
            self.checker = self.result().segmenter()
        self.last = self.checker.segment(frame)
        self._leaf_share.append(self.last.area)

    @property
    def noise_level(self) -> float | None:
        """p99.5 of the empty scene's colour distance from its own mean (sensor noise, compression)."""
        return self.segmenter.noise_level

    @property
    def threshold(self) -> float:
        return self.segmenter.threshold

    def skin(self) -> SkinModel:
        colours = np.concatenate(self._skin) if self._skin else np.zeros((0, 2))
        if len(colours) < 0.01 * self.shape[0] * self.shape[1]:
            return SkinModel()  # no hand seen: keep the default box
        low = np.percentile(colours, 2, axis=0) - 4
        high = np.percentile(colours, 98, axis=0) + 4
        return SkinModel((int(low[0]), int(high[0])), (int(low[1]), int(high[1])))

    def result(self) -> Calibration:
        if self.segmenter.background is None:
            raise LeafdreamError("no usable camera frames arrived during the calibration; check the camera "
                                 "with 'leafdream doctor --camera SOURCE'")
        skin = self.skin()
        report = {"frames": self.frames, "threshold": round(self.threshold, 1),
                  "empty_scene_noise_p99_5": round(self.noise_level, 1) if self.noise_level is not None else None,
                  "hand_seen": bool(self._skin) and skin != SkinModel(),
                  "hand_share_of_frame": round(float(np.median(self._hand_share)) if self._hand_share else 0.0, 3),
                  **backdrop_report(self.segmenter)}
        if self._leaf_share:
            shares = np.array(self._leaf_share)
            report["leaf_found_share_of_frames"] = round(float((shares >= self.segmenter.on_area).mean()), 3)
            report["leaf_median_share_of_frame"] = round(float(np.median(shares)), 3)
        return Calibration(self.segmenter.background.copy(), self.threshold, skin.cr, skin.cb, report)


def describe(calibration: Calibration) -> list[str]:
    """Lines for the technician: what was measured and what to do about it."""
    r = calibration.report
    lines = [f"empty scene: noise p99.5 {r.get('empty_scene_noise_p99_5', '?')} -> foreground threshold "
             f"{calibration.threshold:.1f} (Lab distance)"]
    if r.get("hand_seen"):
        lines.append(f"hand: skin is Cr {calibration.skin_cr[0]}-{calibration.skin_cr[1]}, "
                     f"Cb {calibration.skin_cb[0]}-{calibration.skin_cb[1]}")
    else:
        lines.append("hand: none seen in the hand phase; the default skin colours are kept "
                     "(run again and hold a hand in front of the camera when asked)")
    found = r.get("leaf_found_share_of_frames")
    if found is None:
        lines.append("leaf: the leaf phase was not reached; nothing checked")
    elif found < 0.8:
        lines.append(f"leaf: found in only {found:.0%} of the leaf-phase frames; if the leaf was there, its colour "
                     f"is close to the backdrop or to skin (brown, red): try a different backdrop or calibrate again")
    else:
        lines.append(f"leaf: found in {found:.0%} of the leaf-phase frames, covering {r['leaf_median_share_of_frame']:.0%} "
                     f"of the frame")
    close = {name: share for name, share in r.get("backdrop_like_leaves", {}).items() if share >= BACKDROP_WARN}
    if close:
        named = sorted(close.items(), key=lambda item: -item[1])
        (first, share), rest = named[0], named[1:]
        also = "".join(f", {other:.0%} to {name} ones" for name, other in rest)
        lines.append(f"backdrop: {share:.0%} of the empty scene is close to the colour of {first} leaves{also}: leaves "
                     f"of {'that colour' if not rest else 'those colours'} will be hard to see against it; a backdrop "
                     f"unlike leaves (grey, white, black, blue) works best")
    elif "backdrop_like_leaves" in r:
        lines.append("backdrop: unlike every leaf colour (green, yellow, orange, red, brown)")
    skin = {name: share for name, share in r.get("backdrop_like_skin", {}).items() if share >= BACKDROP_WARN}
    if skin:
        types = " and ".join(sorted(skin))
        lines.append(f"backdrop: {max(skin.values()):.0%} of the empty scene is close to skin of type {types}: hands "
                     f"of that tone hardly differ from it, and only the hand detector's outline finds them; a backdrop "
                     f"unlike skin and leaves (grey, white, black, blue) works best")
    if calibration.threshold >= MAX_THRESHOLD:
        lines.append("warning: the empty scene flickers a lot (lights, auto exposure?); fix the camera's exposure "
                     "and calibrate again")
    return lines
