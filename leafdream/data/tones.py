"""The colours leaves and skin come in (sRGB), for the made-up visitor scenes and for the camera calibration's
check that the backdrop is unlike them.

Leaves: a fresh green blade, a dark evergreen one, and the yellows, oranges, reds and browns of autumn; a
variegated leaf's blade is green with a pale margin (``data/visitor_scenes.py`` adds it). Skin: lit skin of
Fitzpatrick types I-VI (approximate, from published colorimetry of the inner forearm).
"""

LEAF_TONES = {
    "green": (60, 130, 45), "dark green": (30, 80, 35), "yellow": (215, 190, 50), "orange": (215, 110, 30),
    "red": (170, 35, 30), "brown": (120, 80, 42), "variegated": (70, 140, 50),
}
PLAIN_LEAF_COLOURS = tuple(name for name in LEAF_TONES if name != "variegated")  # one colour over the blade
SKIN_TONES = {
    "I": (246, 218, 200), "II": (234, 190, 160), "III": (212, 160, 122),
    "IV": (180, 124, 86), "V": (128, 84, 56), "VI": (78, 52, 40),
}
