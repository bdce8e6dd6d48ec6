"""The colours leaves come in (sRGB of a lit blade), for the made-up visitor scenes and for the camera
calibration's check that the backdrop is unlike every one of them.

Approximate: a fresh green leaf, a dark evergreen one, and the yellows, oranges, reds and browns of
autumn; a variegated leaf's blade is green with a pale margin (``data/visitor_scenes.py`` adds it).
"""

LEAF_TONES = {
    "green": (60, 130, 45), "dark green": (30, 80, 35), "yellow": (215, 190, 50), "orange": (215, 110, 30),
    "red": (170, 35, 30), "brown": (120, 80, 42), "variegated": (70, 140, 50),
}
PLAIN_LEAF_COLOURS = tuple(name for name in LEAF_TONES if name != "variegated")  # one colour over the blade
