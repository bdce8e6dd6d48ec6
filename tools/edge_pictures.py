"""Make the edge pictures of the show guide (shows/pictures/edge-*.png) from the shipped model.

    .venv/bin/python tools/edge_pictures.py

Each is a 400x400 crop, at full size, of frame 4 s of a lone dream cue rendered at 1920x1080 in the
palette "bone" with one edge style, around the top of the leaf's outline.
"""

from pathlib import Path

import cv2
import numpy as np

from leafdream.paths import default_model_path
from leafdream.render.loop import render_frames
from leafdream.scenes.context import load_context
from leafdream.show.cue import Cue
from leafdream.show.player import Player

OUT = Path(__file__).resolve().parent.parent / "shows" / "pictures"
CROP = 400


def main() -> None:
    context = load_context(default_model_path())
    OUT.mkdir(parents=True, exist_ok=True)
    for edge in ("crisp", "soft", "glow", "shaded"):
        player = Player(context, [Cue("dream", 600.0, {}, "bone", 0.0, edge=edge)], 1920, 1080, seed=3)
        last = {}
        render_frames(player, 4.0, 30, None, after_frame=lambda index, frame: last.update(frame=frame.copy()))
        frame = last["frame"]
        ys, xs = np.nonzero(frame[..., 0] > 128)
        top, centre = int(ys.min()), int(xs[ys == ys.min()].mean())
        y0 = min(max(top - CROP // 4, 0), frame.shape[0] - CROP)
        x0 = min(max(centre - CROP // 2, 0), frame.shape[1] - CROP)
        path = OUT / f"edge-{edge}.png"
        cv2.imwrite(str(path), cv2.cvtColor(frame[y0:y0 + CROP, x0:x0 + CROP], cv2.COLOR_RGB2BGR))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
