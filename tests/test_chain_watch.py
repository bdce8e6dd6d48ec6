"""Sampler health: flips and the species held per chain, and a chain held too long started again elsewhere."""

import logging

import numpy as np
import pytest

from leafdream.leafspace.store import leaf_space
from leafdream.scenes.chain_watch import ChainWatch
from leafdream.scenes.context import SceneContext
from leafdream.scenes.table import make_scene
from live_runs import headless_run


@pytest.fixture(scope="module")
def context(tiny_model):
    return SceneContext(tiny_model.dbn, leaf_space(tiny_model))


def test_the_watch_counts_flips_and_how_long_a_species_is_held():
    codes = np.array([[0.0, 0.0], [1.0, 1.0]], np.float32)
    watch = ChainWatch(codes, np.array(["acer", "quercus"]), chains=2)
    state = np.zeros((2, 10), np.float32)
    at = {"codes": np.array([[0.1, 0.0], [0.9, 1.0]], np.float32)}
    assert watch.update(0.5, state, lambda: at["codes"], reheat_after=3.0) == []  # the first look
    for unit in range(6):  # three seconds: chain 1 flips another unit every half second, chain 2 none
        state = state.copy()
        state[0, unit] = 1.0
        watch.update(0.5, state, lambda: at["codes"], reheat_after=3.0)
    report = watch.report()
    assert [chain["species"] for chain in report] == ["acer", "quercus"]
    assert report[0]["flips_per_s"] == pytest.approx(0.2) and report[1]["flips_per_s"] == 0.0  # 2 of 10 a second
    at["codes"] = np.array([[0.1, 0.0], [0.1, 0.1]], np.float32)  # chain 2 moves to acer
    watch.update(1.0, state, lambda: at["codes"], reheat_after=30.0)
    assert watch.report()[1]["species"] == "quercus"  # one look nearer acer is a flicker, not a move
    watch.update(1.0, state, lambda: at["codes"], reheat_after=30.0)
    stuck = watch.update(1.0, state, lambda: at["codes"], reheat_after=3.0)
    assert stuck == [0] and watch.report()[1]["held_s"] == 0.0 and watch.report()[1]["species"] == "acer"
    assert watch.update(1.0, state, lambda: at["codes"], reheat_after=0.0) == []  # 0: never


def test_a_dream_that_holds_one_species_too_long_starts_again_from_another(context, caplog):
    caplog.set_level(logging.INFO)
    scene = make_scene("dream", context, {"temperature": 0.2, "reheat_after": 3.0, "leaves": 2}, seed=3)
    held_before = None
    for step in range(8 * 30):  # 8 s at 30 fps, cold enough to stay in one leaf
        scene.update(step / 30, 1 / 30)
        if step == 2 * 30:
            held_before = [chain["species"] for chain in scene.health()]
    assert all(held_before)
    assert "started again from a" in caplog.text and "dream chain" in caplog.text
    assert all(chain["held_s"] <= 3.0 + 1.0 for chain in scene.health())  # none held past its limit
    quiet = make_scene("dream", context, {"temperature": 0.2, "reheat_after": 0.0}, seed=3)
    caplog.clear()
    for step in range(8 * 30):
        quiet.update(step / 30, 1 / 30)
    assert "started again" not in caplog.text and quiet.health()[0]["held_s"] > 5.0


def test_the_heartbeat_and_overlay_say_how_each_chain_is_doing(tiny_model_file, tmp_path):
    with headless_run(tiny_model_file, tmp_path, "dream", steps=80) as live:
        chains = live._state()["chains"]
        assert len(chains) == 1 and chains[0]["species"] and chains[0]["held_s"] > 0
        assert any(line.startswith("chains: ") and " s (" in line for line in live.overlay_lines())


def test_the_operator_overlay_says_rate_show_cue_palette_chains_camera_and_errors_line_by_line(tiny_model_file,
                                                                                               tmp_path):
    import re

    show = tmp_path / "named.toml"
    show.write_text('[show]\nname = "autumn"\n\n[[cue]]\nname = "opening"\nscene = "dream"\nduration = "90s"\n'
                    'palette = "night"\n[cue.params]\ntemperature = 1.25\n')
    with headless_run(tiny_model_file, tmp_path, str(show), steps=20) as live:
        lines = live.overlay_lines()
        live.installation.last_refused = "no cue number 7"
        live.installation.player, live.installation.open = None, False
        closed = live.overlay_lines()
    assert len(lines) == 8, lines
    assert re.fullmatch(r"fps [ \d]{3}\.\d   work [ \d]{3}\.\d ms   effort \d\.\d\d", lines[0])
    assert lines[1] == "show 'autumn'   open"
    assert re.fullmatch(r"cue 1 opening  dream  t [ \d]{4}\.\d / 90 s", lines[2])
    assert lines[3] == "temperature 1.25   palette night"
    assert re.fullmatch(r"chains: \S.* \d+ s \(\d+\.\d%\ flips/s\)", lines[4])
    assert lines[5:] == ["camera: none", "last error: none", "last refused remote command: none"]
    assert closed == [closed[0], "show 'autumn'   closed (outside opening hours)", "camera: none",
                      "last error: none", "last refused remote command: no cue number 7"]
