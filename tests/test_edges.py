"""The outline drawn at the output size: what the kernel draws, how wide and how smooth the edge is."""

import numpy as np
import pytest

from leafdream.errors import LeafdreamError
from leafdream.measure.outline import intensity, outline_figures
from leafdream.render.compositor import Compositor
from leafdream.render.edges import RAMP_STEPS_PER_PX, edge_style, surfaces
from leafdream.render.palette import palette_lut


def keys_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) Catmull-Rom upsampling with pixel centres aligned and the border replicated."""
    f = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
    i = np.floor(f).astype(int)
    t = f - i
    matrix = np.zeros((n_out, n_in))
    for k, x in enumerate((t + 1, t, 1 - t, 2 - t)):
        ax = np.abs(x)
        w = np.where(ax <= 1, 1.5 * ax ** 3 - 2.5 * ax ** 2 + 1, -0.5 * ax ** 3 + 2.5 * ax ** 2 - 4 * ax + 2)
        np.add.at(matrix, (np.arange(n_out), np.clip(i - 1 + k, 0, n_in - 1)), w)
    return matrix


def disc(side: int = 64, radius: float = 22.0, soft: float = 1.0) -> np.ndarray:
    """A leaf-like field float32 (side, side): a disc whose probability falls from 1 to 0 over ``soft`` px."""
    yy, xx = np.mgrid[0:side, 0:side]
    r = np.hypot(yy - side / 2 + 0.3, xx - side / 2 - 0.2)
    return np.clip((radius - r) / soft + 0.5, 0, 1).astype(np.float32)


def blotches(seed: int = 1) -> np.ndarray:
    """An irregular field float32 (40, 70) with holes, thin parts and soft areas."""
    import cv2

    rng = np.random.default_rng(seed)
    return np.clip(cv2.GaussianBlur((rng.random((40, 70)) > 0.6).astype(np.float32), (0, 0), 2) * 1.6, 0, 1)


@pytest.mark.parametrize("size,edge", [((640, 360), "crisp"), ((1920, 1080), "soft"), ((3840, 2160), "glow"),
                                       ((1000, 700), 40), ((800, 800), "shaded")])
def test_the_kernel_draws_the_upsampled_distance_through_the_ramp(size, edge):
    """Every pixel is what the definition says: the field's distance upsampled (Catmull-Rom) to the rectangle,
    looked up in the style's ramp, times the upsampled tone, through the palette; the rest is ground. The
    fast paths (runs of one colour copied) change no pixel."""
    field = blotches()
    tone = np.where(np.arange(70) < 35, 1.0, 0.6).astype(np.float32)[None, :].repeat(40, 0)
    compositor = Compositor(*size, "moss", edge)
    frame = compositor.frame(field, tone).copy()
    left, top, width, height = compositor.last_rect
    edges = compositor.edges
    per_field = width / field.shape[1]
    distance, brightness = surfaces(field, edges.reach_in_px / per_field + 2, edges.reach_out_px / per_field + 2,
                                    tone, edges.style.shaded)
    rows, cols = keys_matrix(height, field.shape[0]), keys_matrix(width, field.shape[1])
    big = rows @ distance[2:-2, 2:-2].astype(float) @ cols.T
    bright = np.clip(rows @ brightness[2:-2, 2:-2].astype(float) @ cols.T, 0, 1)
    step = np.clip(((big * per_field - edges.first) * RAMP_STEPS_PER_PX + 0.5).astype(int), 0, len(edges.ramp) - 1)
    expected = np.empty_like(frame)
    expected[...] = compositor.lut[edges.ramp[0]]
    expected[top:top + height, left:left + width] = compositor.lut[(edges.ramp[step] * bright + 0.5).astype(int)]
    differ = np.abs(expected.astype(int) - frame).max(axis=2)
    # float32 against float64: a pixel on a rounding boundary takes the next palette entry (a few units)
    assert differ.max() <= 6 and (differ > 0).mean() < 1e-3


@pytest.mark.parametrize("height", [720, 1080, 2160])
def test_a_crisp_edge_is_as_many_pixels_wide_at_every_size_and_free_of_staircase(height):
    """A leaf's outline 10-90 % width follows the frame's height (2.5 px of a 1080-line frame, 0.61 of that
    between 10 and 90 %), never the 64-px grid's cells; its outline is as long as the same outline smoothed."""
    compositor = Compositor(height * 16 // 9, height, "bone", "crisp")
    frame = compositor.frame(disc())
    figures = outline_figures(intensity(frame, compositor.lut))
    expected = 0.61 * 2.5 * height / 1080  # a field this sharp reads its slope a little low: up to 25 % narrower
    assert expected * 0.7 < figures["edge_width_px"] < expected * 1.1 + 0.3
    assert figures["staircase"] < 0.01


def test_soft_and_numbered_edges_are_wider_and_glow_lights_the_ground_around_the_leaf():
    widths = {}
    for edge in ("crisp", 6, "soft"):
        compositor = Compositor(1920, 1080, "bone", edge)
        widths[edge] = outline_figures(intensity(compositor.frame(disc()), compositor.lut))["edge_width_px"]
    assert widths["crisp"] < widths[6] < widths["soft"]
    assert 0.7 * 0.61 * 6 < widths[6] < 1.1 * 0.61 * 6
    plain, glow = (Compositor(1920, 1080, "bone", edge).frame(disc()).copy() for edge in ("crisp", "glow"))
    ring = (slice(540 - 10, 540 + 10), slice(960 + 355, 960 + 375))  # 15-35 px outside the disc's right side
    assert plain[ring].max() == 0 and glow[ring].mean() > 20


def test_a_tone_dims_a_part_of_the_leaf_without_moving_its_outline():
    field = disc()
    tone = np.ones_like(field)
    tone[:, 32:] = 0.6  # the right half imagined
    compositor = Compositor(1920, 1080, "bone")
    full = compositor.frame(field).copy()
    dimmed = compositor.frame(field, tone).copy()
    assert ((full[..., 0] > 0) == (dimmed[..., 0] > 0)).all()
    left_half, right_half = dimmed[540, 700, 0], dimmed[540, 1220, 0]
    assert left_half == full[540, 700, 0] == 244 and 0.5 * 244 < right_half < 0.7 * 244


def test_frames_stay_as_handed_out_until_more_are_drawn_and_the_same_field_draws_the_same_frame():
    compositor = Compositor(320, 180, "moss")
    first = compositor.frame(disc())
    kept = first.copy()
    compositor.frame(disc(radius=10))
    np.testing.assert_array_equal(first, kept)  # the next frame is drawn elsewhere
    again = Compositor(320, 180, "moss").frame(disc())
    np.testing.assert_array_equal(again, kept)


@pytest.mark.parametrize("value,words", [("blurry", 'write "crisp"'), (0, "0.5 to 200"), (500, "0.5 to 200"),
                                         (True, 'write "crisp"'), (float("nan"), "0.5 to 200")])
def test_an_edge_that_is_not_a_style_says_what_would_be_right(value, words):
    with pytest.raises(LeafdreamError, match=words):
        edge_style(value)


def test_the_outline_measure_reads_a_known_ramp_and_a_known_staircase():
    """A straight ramp 10 px wide (8 px between 10 and 90 %), at a slant so that pixels fall at every phase,
    measures 8 px; a disc drawn with nearest-pixel cells of 16 px (a staircase) measures much longer than
    smoothed, the smooth disc does not."""
    yy, xx = np.mgrid[0:800, 0:800]
    across = (xx * np.cos(0.3) + yy * np.sin(0.3))
    ramp = np.clip((across - 400) / 10, 0, 1)
    assert outline_figures(ramp)["edge_width_px"] == pytest.approx(8.0, abs=0.2)
    smooth = np.clip(300 - np.hypot(yy - 400, xx - 400), 0, 1)
    cells = (np.hypot(yy // 16 * 16 + 8 - 400, xx // 16 * 16 + 8 - 400) < 300).astype(float)
    assert outline_figures(smooth)["staircase"] < 0.005
    assert outline_figures(cells)["staircase"] > 0.05


def test_intensity_reads_palettes_dark_and_light_alike():
    for name in ("moss", "ink", "bone"):
        lut = palette_lut(name)
        frame = lut[np.array([[0, 64, 128, 255]])]
        np.testing.assert_allclose(intensity(frame, lut)[0], [0, 64 / 255, 128 / 255, 1], atol=0.02)


def test_boundary_f_score_counts_outline_pixels_within_the_tolerance():
    from leafdream.measure.outline import boundary_f_score

    yy, xx = np.mgrid[0:200, 0:200]
    disc = (yy - 100) ** 2 + (xx - 100) ** 2 < 60 ** 2
    assert boundary_f_score(disc, disc) == 1.0
    assert boundary_f_score(np.roll(disc, 1, axis=1), disc) == 1.0  # within 2 px
    far = np.roll(disc, 8, axis=1)
    assert boundary_f_score(far, disc) < 0.5
    toothed = disc & ~((np.hypot(yy - 100, xx - 100) > 54) & (np.sin(np.arctan2(yy - 100, xx - 100) * 40) > 0))
    assert 0.3 < boundary_f_score(disc, toothed) < 0.9  # the teeth are 6 px deep: half the outline is off
    assert boundary_f_score(disc, toothed, tolerance_px=7) == 1.0
    empty = np.zeros_like(disc)
    assert boundary_f_score(empty, empty) == 1.0
    assert boundary_f_score(empty, disc) == 0.0
