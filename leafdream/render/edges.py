"""Resolution-independent outlines: a scene's small probability field drawn at any output size.

The field p (h, w), 0 = ground, 1 = leaf, is smoothed a little and turned into an approximate signed
distance to its 0.5 level, in field pixels:

    d = (p - 0.5) / max(|grad p|, GRADIENT_FLOOR)

That surface is smooth, so it is upsampled in float (Keys bicubic with a = -0.5, Catmull-Rom: smooth,
and it passes through the field's own values) straight to the
output size, and only there is the edge shaped: the distance in *output* pixels is looked up in the
style's ramp (``EdgeStyle.ramp``), which maps it to a palette index — a smoothstep whose width is given
in pixels of the output, a halo outside it for "glow". So the outline is as sharp at 4K as at 720p and
follows the field's smooth surface rather than its 64-px grid.

Far from the outline the ramp is flat, so most of a 4K frame is runs of one colour, copied a row at
a time: the distance is clamped a little beyond the ramp's reach, a field cell whose 16 taps lie beyond
it by more than the bicubic's negative lobes can bring back is one colour (``flat_cells``), then per
output row the same test on a cell's four horizontal taps, then within a cell the cubic's slope bound
skips pixels that cannot reach the ramp. Only the band around the outline is interpolated pixel by
pixel; ``tests/test_edges.py`` checks every pixel against the plain definition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from leafdream.model import numba_setup  # noqa: F401  (sets the cache directory before numba loads)
from numba import njit, prange

from leafdream.errors import LeafdreamError

FIELD_SMOOTHING = 0.9     # field pixels: takes away the sampler's pixel-level speckle before the edge is found
GRADIENT_FLOOR = 0.05     # per field pixel: flat, uncertain areas keep a readable grey instead of noise
TONE_FULL = 0.9           # a field this high or higher is leaf at full brightness (the sampler's speckle aside)
RAMP_STEPS_PER_PX = 8     # resolution of the ramp table, per output pixel of distance
CELL_LOBES = 0.125 + 0.125 * 1.25  # how far beyond its taps' range a bicubic cell can reach, per unit of range
REFERENCE_HEIGHT = 1080   # edge widths are given in pixels of a 1080-line frame and scaled with the frame

# name -> (edge width, halo width, halo brightness, shaded); widths in pixels of a 1080-line frame
EDGE_STYLES = {
    "crisp": (2.5, 0.0, 0.0, False),
    "soft": (14.0, 0.0, 0.0, False),
    "glow": (2.5, 36.0, 0.45, False),
    "shaded": (2.5, 0.0, 0.0, True),
}
EDGE_WIDTH_RANGE = (0.5, 200.0)


@dataclass(frozen=True)
class EdgeStyle:
    """How an outline looks: ``width`` px (of a 1080-line frame) from ground to leaf; for a glow a halo
    ``halo`` px wide outside the outline, ``halo_level`` (0–1) bright where it touches it; ``shaded``: the
    leaf's inside shows the network's uncertainty (dimmer where it is less sure)."""

    width: float
    halo: float = 0.0
    halo_level: float = 0.0
    shaded: bool = False
    name: str = ""

    def ramp(self, frame_height: int) -> tuple[np.ndarray, float]:
        """(palette index uint8 (N,), distance of its first entry in output px) for a frame ``frame_height``
        lines tall: entry k is the intensity at distance ``first + k / RAMP_STEPS_PER_PX`` from the outline
        (negative outside)."""
        scale = frame_height / REFERENCE_HEIGHT
        half = 0.5 * self.width * scale
        halo = self.halo * scale
        outer = half + (4.0 * halo if halo > 0 else 0.0)  # the halo tapers to 0 over four of its widths
        first = -outer - 1.0
        distance = first + np.arange(int(math.ceil((outer + half + 2.0) * RAMP_STEPS_PER_PX)) + 1) / RAMP_STEPS_PER_PX
        u = np.clip((distance + half) / (2 * half), 0.0, 1.0)
        intensity = u * u * (3.0 - 2.0 * u)
        if halo > 0:
            beyond = np.maximum(-distance - half, 0.0)
            taper = np.clip(1.0 - beyond / (4.0 * halo), 0.0, 1.0) ** 2  # down to exactly 0 at the ramp's start
            glow = self.halo_level * np.exp(-beyond / halo) * taper * (distance < 0)
            intensity = np.maximum(intensity, glow * (1.0 - intensity))
        return np.round(intensity * 255.0).astype(np.uint8), float(first)


def edge_style(value, where: str = "edge") -> EdgeStyle:
    """The style an artist wrote: "crisp", "soft", "glow", "shaded" or a width in pixels of a 1080-line frame."""
    if isinstance(value, EdgeStyle):
        return value
    if isinstance(value, str) and value in EDGE_STYLES:
        return EdgeStyle(*EDGE_STYLES[value], name=value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = EDGE_WIDTH_RANGE
        if not low <= value <= high or value != value:
            raise LeafdreamError(f"{where} = {value}: an edge width must be {low:g} to {high:g} pixels "
                                 "(of a 1080-line frame)")
        return EdgeStyle(float(value), name=f"{value:g} px")
    raise LeafdreamError(f"{where} = {value!r}: write \"crisp\", \"soft\", \"glow\", \"shaded\" or a width in pixels "
                         "of a 1080-line frame, like 6")


def surfaces(field: np.ndarray, reach_in: float, reach_out: float, tone: np.ndarray | None = None,
             shaded: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """(distance, brightness), float32 (h + 4, w + 4) each, padded by 2 on each side (edge values) for the
    bicubic taps. ``distance``: the field's approximate signed distance to its 0.5 level in field pixels
    (positive inside), clamped to [-reach_out, reach_in]. ``brightness``: how bright the leaf is there,
    0–1: the scene's ``tone`` float32 (h, w) where it gives one (the camera's imagined part is dimmer),
    times, when ``shaded``, the field's own level a pixel inward of the outline (the network's
    uncertainty as texture; full wherever the field is at least TONE_FULL); None when neither dims the leaf."""
    clean = _without_denormals(np.ascontiguousarray(field, np.float32))  # denormals make the blur 15x slower
    smooth = cv2.GaussianBlur(clean, (0, 0), FIELD_SMOOTHING, borderType=cv2.BORDER_REPLICATE)
    distance = _padded_distance(smooth, np.float32(GRADIENT_FLOOR), np.float32(reach_in), np.float32(reach_out))
    if tone is None and not shaded:
        return distance, None
    brightness = np.ones_like(smooth) if tone is None else np.clip(tone, 0.0, 1.0).astype(np.float32)
    if shaded:
        brightness *= np.minimum(cv2.dilate(smooth, np.ones((3, 3), np.uint8)) / TONE_FULL, 1.0)
    return distance, cv2.copyMakeBorder(brightness, 2, 2, 2, 2, cv2.BORDER_REPLICATE)


@njit(cache=True, nogil=True, boundscheck=False, error_model="numpy")
def _without_denormals(field):
    """A copy of ``field`` float32 (h, w) with every value below one part in a million in size set to 0."""
    out = np.empty_like(field)
    for i in range(field.shape[0]):
        for j in range(field.shape[1]):
            value = field[i, j]
            out[i, j] = value if abs(value) >= 1e-6 else np.float32(0.0)
    return out


@njit(cache=True, nogil=True, fastmath=True, boundscheck=False, error_model="numpy")
def _padded_distance(smooth, floor, reach_in, reach_out):
    """float32 (h + 4, w + 4): (smooth - 0.5) / max(|central-difference gradient|, floor), clamped to
    [-reach_out, reach_in], the border replicated (for the gradient and for the 2-wide padding)."""
    h, w = smooth.shape
    core = np.empty((h, w), np.float32)
    half = np.float32(0.5)
    for i in range(h):
        above, below, row = smooth[max(i - 1, 0)], smooth[min(i + 1, h - 1)], smooth[i]
        line = core[i]
        for j in range(w):
            left, right = row[max(j - 1, 0)], row[min(j + 1, w - 1)]
            gx = half * (right - left)
            gy = half * (below[j] - above[j])
            slope = max(math.sqrt(gx * gx + gy * gy), floor)
            line[j] = min(max((row[j] - half) / slope, -reach_out), reach_in)
    out = np.empty((h + 4, w + 4), np.float32)
    for i in range(h + 4):
        source = min(max(i - 2, 0), h - 1)
        for j in range(w + 4):
            out[i, j] = core[source, min(max(j - 2, 0), w - 1)]
    return out


@njit(cache=True, inline="always")
def _keys(t):
    """The four Keys (a = -0.5) bicubic weights at fraction t of a cell (cv2.resize uses a = -0.75, whose
    stronger lobes ring)."""
    a = -0.5
    t1 = t + 1.0
    t2 = 1.0 - t
    t3 = 2.0 - t
    w0 = ((a * t1 - 5.0 * a) * t1 + 8.0 * a) * t1 - 4.0 * a
    w1 = ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0
    w2 = ((a + 2.0) * t2 - (a + 3.0)) * t2 * t2 + 1.0
    w3 = ((a * t3 - 5.0 * a) * t3 + 8.0 * a) * t3 - 4.0 * a
    return w0, w1, w2, w3


@njit(cache=True, inline="always", boundscheck=False)
def _column(surface, i, c, v0, v1, v2, v3):
    """``surface`` (padded) interpolated down column ``c`` at the row of cell i with vertical weights v."""
    return v0 * surface[i + 1, c] + v1 * surface[i + 2, c] + v2 * surface[i + 3, c] + v3 * surface[i + 4, c]


@njit(cache=True, inline="always", boundscheck=False)
def _end_run(row, kind, start, end, inside, outside):
    """Copy the run of one colour that ends at byte ``end`` (kind +1 inside, -1 outside; 0: pixels drawn one by one)."""
    if kind > 0:
        row[start:end] = inside[start:end]
    elif kind < 0:
        row[start:end] = outside[start:end]


@njit(cache=True, nogil=True, boundscheck=False, error_model="numpy")
def _flat_segments(flat, starts):
    """Per cell row r (i = r - 1), the runs of cells of one kind: (count (h + 1,), kind, first x, end x, first
    cell (h + 1, w + 1) each). ``flat`` int8 (h + 1, w + 1) is +1 / -1 where all 16 taps of cell (i, j) lie
    beyond the ramp inside / outside, 0 elsewhere; x in output columns of the rectangle."""
    rows, cols = flat.shape
    count = np.zeros(rows, np.int64)
    kind = np.zeros((rows, cols), np.int8)
    x0 = np.zeros((rows, cols), np.int64)
    x1 = np.zeros((rows, cols), np.int64)
    cell = np.zeros((rows, cols), np.int64)
    for r in range(rows):
        n = 0
        for c in range(cols):
            a, b = starts[c], starts[c + 1]
            if a >= b:
                continue
            if n and kind[r, n - 1] == flat[r, c]:
                x1[r, n - 1] = b
                continue
            kind[r, n], x0[r, n], x1[r, n], cell[r, n] = flat[r, c], a, b, c - 1
            n += 1
        count[r] = n
    return count, kind, x0, x1, cell


@njit(cache=True, nogil=True, parallel=True, fastmath=True, boundscheck=False, error_model="numpy")
def draw_field(out, top, left, height, width, distance, tone, flat, lit_cells, ramp, first, lut, inside, outside):
    """Draw into ``out`` uint8 (H, W * 3) (a frame's rows as bytes): the field whose ``distance`` and
    ``tone`` (h + 4, w + 4, padded: see ``surfaces``) and ``flat`` and ``lit_cells`` (see ``flat_cells``) are given, fitted to
    the rectangle ``top, left, height, width``: each output pixel's distance in output px looked up in
    ``ramp`` uint8 (N,) (entry 0 at ``first`` px), times its tone, coloured through ``lut`` uint8 (256, 3).
    The ramp runs from 0 to 255; ``inside`` and ``outside`` uint8 (W * 3,) are rows of lut[255] and lut[0];
    the rest of the frame is ``outside``."""
    frame_h = out.shape[0]
    field_h, field_w = distance.shape[0] - 4, distance.shape[1] - 4
    sy = field_h / height
    sx = field_w / width
    px_per_field = width / field_w
    last = ramp.shape[0] - 1
    # a run of pixels is one colour when its four taps lie beyond the ramp's ends by more than the Keys
    # kernel's negative lobes (at most 1/8 of the taps' spread) can bring them back
    end_in = (first + last / RAMP_STEPS_PER_PX) / px_per_field
    end_out = -first / px_per_field
    end_in_px = end_in * px_per_field
    lobes = 0.125
    # where each output column falls: its cell j (-1 .. w-1) and its four horizontal weights; the
    # columns of cell j are starts[j + 1] .. starts[j + 2]
    wx = np.empty((width, 4), np.float32)
    starts = np.full(field_w + 3, width, np.int64)  # one spare past the end for the cell loop's last look
    for x in range(width - 1, -1, -1):
        fx = (x + 0.5) * sx - 0.5
        j = int(math.floor(fx))
        t = fx - j
        j = min(max(j, -1), field_w - 1)  # beyond the field's last centres the replicated border holds
        w0, w1, w2, w3 = _keys(t)
        wx[x, 0], wx[x, 1], wx[x, 2], wx[x, 3] = w0, w1, w2, w3
        starts[j + 1] = x
    for j in range(field_w, -1, -1):
        starts[j] = min(starts[j], starts[j + 1])
    count, seg_kind, seg_x0, seg_x1, seg_cell = _flat_segments(flat, starts)
    for y in prange(frame_h):
        row = out[y]
        if y < top or y >= top + height:
            row[:] = outside
            continue
        fy = (y - top + 0.5) * sy - 0.5
        i = int(math.floor(fy))
        t = fy - i
        i = min(max(i, -1), field_h - 1)
        v0, v1, v2, v3 = _keys(t)
        r = i + 1
        # runs of one colour are copied from ``inside`` / ``outside`` in one go: run_kind -1 outside, +1 inside,
        # from byte run_start; the left margin begins an outside run
        run_kind, run_start = -1, 0
        for s in range(count[r]):
            whole = seg_kind[r, s]
            if whole != 0:
                a = 3 * (left + seg_x0[r, s])
                if whole != run_kind:
                    _end_run(row, run_kind, run_start, a, inside, outside)
                    run_kind, run_start = whole, a
                continue
            j = seg_cell[r, s]
            loaded_tone = False
            loaded = -10  # the padded column whose taps t0, b0 hold now: consecutive cells reuse three of four
            t0 = t1 = t2 = t3 = np.float32(0.0)
            b0 = b1 = b2 = b3 = np.float32(1.0)
            while True:
                x0, x1 = starts[j + 1], starts[j + 2]
                if x0 >= seg_x1[r, s]:
                    break
                j += 1
                if x0 >= x1:
                    continue
                c = j  # padded columns of the taps of cell j - 1: c .. c + 3
                lit_cell = lit_cells[r, j]  # all 16 tone taps are 1: no tone to interpolate
                if c == loaded + 1:
                    t0, t1, t2 = t1, t2, t3
                    t3 = _column(distance, i, c + 3, v0, v1, v2, v3)
                    if not lit_cell and loaded_tone:
                        b0, b1, b2 = b1, b2, b3
                        b3 = _column(tone, i, c + 3, v0, v1, v2, v3)
                else:
                    t0 = _column(distance, i, c, v0, v1, v2, v3)
                    t1 = _column(distance, i, c + 1, v0, v1, v2, v3)
                    t2 = _column(distance, i, c + 2, v0, v1, v2, v3)
                    t3 = _column(distance, i, c + 3, v0, v1, v2, v3)
                if lit_cell:
                    b0 = b1 = b2 = b3 = np.float32(1.0)
                    loaded_tone = False
                elif c != loaded + 1 or not loaded_tone:  # (else shifted above)
                    b0 = _column(tone, i, c, v0, v1, v2, v3)
                    b1 = _column(tone, i, c + 1, v0, v1, v2, v3)
                    b2 = _column(tone, i, c + 2, v0, v1, v2, v3)
                    b3 = _column(tone, i, c + 3, v0, v1, v2, v3)
                    loaded_tone = True
                loaded = c
                low, high = min(min(t0, t1), min(t2, t3)), max(max(t0, t1), max(t2, t3))
                dim, lit = min(min(b0, b1), min(b2, b3)), max(max(b0, b1), max(b2, b3))
                full = dim - lobes * (lit - dim) >= 0.999  # within half a palette step of full brightness
                kind = 0
                if full and low - lobes * (high - low) >= end_in:
                    kind = 1
                elif high + lobes * (high - low) <= -end_out:
                    kind = -1
                a = 3 * (left + x0)
                if kind != run_kind:
                    _end_run(row, run_kind, run_start, a, inside, outside)
                    run_kind, run_start = kind, a
                if kind != 0:
                    continue
                # d(x) is a cubic across the cell; its slope, in output px of distance per output px, is at most
                # ``slope``, so from a pixel beyond the ramp's ends the next ones are too, as far as it reaches
                c1 = 0.5 * (t2 - t0)
                c2 = t0 - 2.5 * t1 + 2.0 * t2 - 0.5 * t3
                c3 = 0.5 * (t3 - t0) + 1.5 * (t1 - t2)
                slope = 3.0 * abs(c3) + 2.0 * abs(c2) + abs(c1) + 1e-6
                x = x0
                while x < x1:
                    d = (wx[x, 0] * t0 + wx[x, 1] * t1 + wx[x, 2] * t2 + wx[x, 3] * t3) * px_per_field
                    if d <= first:
                        n = min(int((first - d) / slope) + 1, x1 - x)
                        level = 0
                    elif full and d >= end_in_px:
                        n = min(int((d - end_in_px) / slope) + 1, x1 - x)
                        level = 255
                    else:
                        n = 1
                        k = int((d - first) * RAMP_STEPS_PER_PX + 0.5)
                        bb = wx[x, 0] * b0 + wx[x, 1] * b1 + wx[x, 2] * b2 + wx[x, 3] * b3
                        level = int(ramp[min(max(k, 0), last)] * min(max(bb, 0.0), 1.0) + 0.5)
                    red, green, blue = lut[level, 0], lut[level, 1], lut[level, 2]
                    for m in range(x, x + n):
                        p = 3 * (left + m)
                        row[p], row[p + 1], row[p + 2] = red, green, blue
                    x += n
        # the right margin is outside
        a = 3 * (left + width)
        if run_kind >= 0:  # an inside run, or pixels drawn one by one, ends where the margin begins
            _end_run(row, run_kind, run_start, a, inside, outside)
            run_start = a
        row[run_start:] = outside[run_start:]


def flat_cells(distance: np.ndarray, brightness: np.ndarray | None, end_in: float,
               end_out: float) -> tuple[np.ndarray, np.ndarray]:
    """(flat, lit), int8 (h + 1, w + 1) each. ``lit``: 1 where all 16 tone taps of the cell are 1 (everywhere
    when ``brightness`` is None: a leaf drawn at full brightness). ``flat``, for ``surfaces``' padded (h + 4, w + 4): at [i + 1, j + 1], +1 where every point of
    the cell [i, i+1) x [j, j+1) (i, j from -1) lies beyond the ramp's inner end ``end_in`` (field px) at full
    brightness, -1 where every point lies beyond its outer end ``end_out``, 0 elsewhere. From the cell's 16
    taps, lowest m and highest M: the bicubic's negative lobes (1/8 of the spread per pass, two passes)
    bring no point below m - CELL_LOBES (M - m) or above M + CELL_LOBES (M - m)."""
    box = np.ones((4, 4), np.uint8)
    h, w = distance.shape[0] - 4, distance.shape[1] - 4

    def windows(image, reduce):  # [r, c]: over rows r..r+3 and columns c..c+3 (the box anchored top-left)
        return reduce(image, box, anchor=(0, 0), borderType=cv2.BORDER_REPLICATE)[:h + 1, :w + 1]

    low, high = windows(distance, cv2.erode), windows(distance, cv2.dilate)
    spread = CELL_LOBES * (high - low)
    if brightness is None:
        full = np.ones((h + 1, w + 1), bool)
    else:
        full = windows(brightness, cv2.erode) >= np.float32(1.0)  # tones are clipped at 1: all 16 taps are exactly 1
    inside = full & (low - spread >= end_in)
    outside = high + spread <= -end_out
    return inside.astype(np.int8) - outside.astype(np.int8), full.astype(np.int8)


class EdgeRenderer:
    """Draws fields at one output size in one style: ``draw(out, field, rect, lut)``."""

    def __init__(self, frame_height: int, style: EdgeStyle):
        self.style = style
        self.ramp, self.first = style.ramp(frame_height)
        self.reach_in_px = self.first + (len(self.ramp) - 1) / RAMP_STEPS_PER_PX
        self.reach_out_px = -self.first

    def draw(self, out: np.ndarray, field: np.ndarray, rect: tuple[int, int, int, int], lut: np.ndarray,
             tone: np.ndarray | None = None) -> None:
        """Draw ``field`` float32 (h, w) into ``out`` uint8 (H, W, 3) at ``rect`` (left, top, width, height)
        through the palette ``lut`` uint8 (256, 3), the leaf as bright as ``tone`` float32 (h, w) (0–1, None:
        full) says; everything outside ``rect`` is the palette's ground."""
        left, top, width, height = rect
        px_per_field = width / field.shape[1]
        # clamp a little beyond the ramp's reach, so that clamping never bends the surface the ramp shows
        reach_in = self.reach_in_px / px_per_field + 2.0
        reach_out = self.reach_out_px / px_per_field + 2.0
        distance, brightness = surfaces(field, reach_in, reach_out, tone, self.style.shaded)
        flat, lit = flat_cells(distance, brightness, self.reach_in_px / px_per_field, self.reach_out_px / px_per_field)
        if brightness is None:
            brightness = np.ones_like(distance)  # every cell is lit, so the kernel never reads it
        frame_w = out.shape[1]
        inside = np.tile(lut[255], frame_w)
        outside = np.tile(lut[0], frame_w)
        draw_field(out.reshape(out.shape[0], -1), top, left, height, width, distance, brightness, flat, lit, self.ramp, self.first,
                   lut, inside, outside)


def warm_up() -> None:
    """Compile (or load from the cache) the drawing kernel, behind the splash rather than on frame one."""
    EdgeRenderer(16, edge_style("crisp")).draw(np.zeros((16, 16, 3), np.uint8), np.zeros((4, 4), np.float32),
                                              (2, 2, 12, 12), np.zeros((256, 3), np.uint8))
