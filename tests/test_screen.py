"""A lost screen is waited for and opened again; the show keeps its time; health says the truth meanwhile."""

import json
import logging

import numpy as np
import pygame
import pytest

from leafdream.ops.heartbeat import judge
from leafdream.render import screen as screen_module
from leafdream.render.screen import Screen
from live_runs import headless_run


@pytest.fixture
def flaky(monkeypatch):
    """flip() fails while ``broken["flip"]``; SDL reports ``broken["displays"]`` displays."""
    broken = {"flip": False, "displays": 1}
    real_flip = pygame.display.flip

    def flip():
        if broken["flip"]:
            raise pygame.error("video system not initialized")
        real_flip()

    monkeypatch.setattr(pygame.display, "flip", flip)
    monkeypatch.setattr(pygame.display, "get_num_displays", lambda: broken["displays"])
    return broken


def test_a_screen_that_fails_is_waited_for_and_opened_again(flaky, caplog):
    screen = Screen(windowed=True, display=0, headless=True)
    frame = np.full((720, 1280, 3), 90, np.uint8)
    assert screen.show(frame, None, now=0.0) and screen.state(0.0) == "ok 1280x720 on display 0"
    flaky["flip"] = True
    assert not screen.show(frame, None, now=1.0) and screen.lost
    assert "SCREEN LOST" in caplog.text and "video system not initialized" in caplog.text
    assert screen.state(5.0).startswith("lost for 4 s")
    flaky["flip"] = False
    screen.update(1.0, now=2.0)
    assert screen.lost  # not before RETRY_S
    screen.update(screen_module.RETRY_S, now=5.0)
    assert not screen.lost and screen.show(frame, None, now=5.1) and "screen back after 4 s" in caplog.text


def test_a_display_that_leaves_the_list_is_lost_until_it_is_back(flaky, caplog):
    caplog.set_level(logging.WARNING)
    screen = Screen(windowed=True, display=0, headless=True)
    flaky["displays"] = 0
    screen.update(screen_module.CHECK_S, now=10.0)
    assert screen.lost and "display 0 is gone (0 display(s) left)" in screen.state(10.0)
    assert not screen.show(np.zeros((720, 1280, 3), np.uint8), None, now=11.0)
    flaky["displays"] = 1
    screen.update(screen_module.RETRY_S, now=13.0)
    assert not screen.lost


def test_the_show_keeps_its_time_and_the_heartbeat_says_the_screen_is_lost(tiny_model_file, tmp_path, flaky):
    with headless_run(tiny_model_file, tmp_path, "dream", steps=1, fps=1000) as live:
        try:
            flaky["flip"] = True
            for _ in range(20):
                live.step()  # no exception, the loop goes on
            assert live.screen.lost and live.installation.player.t > 0
            live.health.heartbeat.timer.since = live.health.heartbeat.timer.seconds  # a heartbeat now
            live.step()
            state = json.loads((tmp_path / "hb.json").read_text())
            well, line = judge(state)
            assert not well and "the screen is lost for" in line
        finally:
            flaky["flip"] = False


def test_a_size_asked_for_is_the_size_opened_and_drawn_at(monkeypatch):
    """--size: the window is opened at that mode, and asked for again at it when the screen comes back."""
    opened = []

    def opener(windowed, display, headless, size=None):
        import pygame

        opened.append(size)
        pygame.display.init()
        return pygame.display.set_mode(size or (64, 48))

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    screen = Screen(False, 0, headless=True, opener=opener, mode=(320, 200))
    assert screen.size == (320, 200) and opened == [(320, 200)]
    screen._lose("unplugged", 0.0)
    screen._reopen(3.0)
    assert opened == [(320, 200), (320, 200)] and not screen.lost
    from leafdream.render.window import open_display

    assert open_display(True, 0, headless=True, size=(200, 120)).get_size() == (200, 120)


def test_on_x11_frames_go_through_shared_memory_unless_the_technician_says_otherwise():
    from leafdream.render.window import FRAMEBUFFER_HINT, choose_framebuffer

    environ = {}
    assert "shared memory" in choose_framebuffer("x11", environ) and environ[FRAMEBUFFER_HINT] == "0"
    told = {FRAMEBUFFER_HINT: "1"}
    assert "SDL_FRAMEBUFFER_ACCELERATION=1" in choose_framebuffer("x11", told) and told[FRAMEBUFFER_HINT] == "1"
    for driver in ("wayland", "kmsdrm"):  # they have no framebuffer of their own: SDL's choice stands
        untouched = {}
        assert choose_framebuffer(driver, untouched) == "SDL's own choice" and untouched == {}


def test_beside_the_camera_process_the_drawing_kernels_get_one_thread_and_the_old_count_comes_back():
    import numba
    from threadpoolctl import threadpool_info

    from leafdream.render.cores import drawing_cores

    before = numba.get_num_threads()
    if before < 2:
        pytest.skip("one core: there is no second drawing thread to give up")
    with drawing_cores():
        assert numba.get_num_threads() == before
        assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    with drawing_cores(beside_camera=True):
        assert numba.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    assert numba.get_num_threads() == before
    with pytest.raises(RuntimeError), drawing_cores(beside_camera=True):
        raise RuntimeError("a frame that fails")
    assert numba.get_num_threads() == before
