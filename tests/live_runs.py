"""A running piece for tests: offscreen in a window-sized frame, its heartbeat in the test's own folder (never the
live installation's), always closed afterwards."""

from contextlib import contextmanager
from pathlib import Path


@contextmanager
def headless_run(model_file, folder, show: str = "dream", steps: int = 0, **settings):
    """A ``LiveRun`` of ``show`` that has drawn ``steps`` frames, with ``folder``/hb.json as its heartbeat;
    ``settings`` are further ``LiveSettings`` fields (osc_port, fps, status_port…)."""
    from leafdream.ops.live import LiveRun, LiveSettings

    live = LiveRun(LiveSettings(model_path=model_file, show=show, windowed=True, headless=True,
                                heartbeat_path=str(Path(folder) / "hb.json"), **settings))
    try:
        for _ in range(steps):
            live.step()
        yield live
    finally:
        live.close()
