"""The one parameter contract: check, the scenes, fades and OSC set all refuse the same values."""

import pytest

from leafdream.errors import LeafdreamError
from leafdream.scenes.params import Param
from leafdream.scenes.table import SCENES
from leafdream.show.showfile import ShowError, parse_show

CUE = """[[cue]]
scene = "{scene}"
duration = "1m"
[cue.params]
{key} = {value}
"""

# every wrong value the show guide's tables invite, with what the message must name
WRONG = [
    ("dream", "temperature", "50", "from 0.2 to 5"),
    ("dream", "temperature", "-1.0", "from 0.2 to 5"),
    ("dream", "temperature", '"1.8"', "leave out the quotes"),
    ("dream", "leaves", "10", "from 1 to 6"),
    ("dream", "leaves", "0", "from 1 to 6"),
    ("dream", "leaves", "2.5", "whole number"),
    ("dream", "steps_per_second", "100000000", "from 0 to 5000"),
    ("dream", "smoothing", "-1", "from 0 to 60"),
    ("dream", "reheat_after", "-5", "from 0 to 86400"),
    ("camera", "reheat_after", '"3m"', "a number"),
    ("camera", "temperature", "9", "from 0.2 to 5"),
    ("drift", "speed", "0", "from 0.0001 to 1"),
    ("drift", "ease", '"bouncy"', "use one of"),
    ("drift", "hold", "-2", "from 0 to 3600"),
    ("drift", "inset", '"yes"', "true or false"),
    ("layers", "hold", "0.1", "from 0.5 to 3600"),
    ("xerox", "depth", "0", "from 1 to 3"),
    ("xerox", "depth", "7", "from 1 to 3"),
    ("xerox", "depth", "2.5", "whole number"),
    ("xerox", "zoom", "0", "from 0.5 to 2"),
    ("xerox", "generations_per_second", "1e300", "from 0 to 60"),
    ("xerox", "reseed_after", "-1", "from 0 to 100000"),
    ("learning", "seconds", "0", "from 1 to 86400"),
    ("mapping", "point_size", "500", "from 0.5 to 50"),
    ("dream", "temperature", "{ from = 1.0, to = 50.0 }", "from 0.2 to 5"),
    ("dream", "leaves", "{ from = 1, to = 3 }",
     "leaves cannot fade: only numbers fade, and only those with a fraction (leaves is a whole number)"),
    ("drift", "inset", "{ from = 0, to = 1 }", "(inset is not a number)"),
]


@pytest.mark.parametrize("scene, key, value, words", WRONG)
def test_check_names_the_line_and_the_valid_range(scene, key, value, words):
    with pytest.raises(ShowError) as caught:
        parse_show(CUE.format(scene=scene, key=key, value=value), "wrong.toml")
    lines = str(caught.value).splitlines()
    assert len(lines) == 1 and lines[0].startswith("wrong.toml:5:") and words in lines[0], lines


@pytest.mark.parametrize("scene, key, value, words", [w for w in WRONG if "{" not in w[2]])
def test_the_scene_refuses_what_check_refuses_and_keeps_its_value(scene, key, value, words):
    import tomllib

    parsed = tomllib.loads(f"v = {value}")["v"]
    cls = SCENES[scene]
    param = cls.contract[key]
    with pytest.raises(LeafdreamError, match=words.replace("(", r"\(")):
        param.check(f"{scene}.{key}", parsed)


def test_every_scene_parameter_has_a_contract_whose_default_is_valid():
    for name, cls in SCENES.items():
        assert set(cls.defaults) == set(cls.contract), name
        for key, param in cls.contract.items():
            assert param.check(key, param.default) == param.default, (name, key)
            if param.kind in (int, float):
                assert param.low is not None and param.high is not None, (name, key)


def test_nan_and_infinity_are_refused():
    param = Param(1.0, 0.0, 2.0)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(LeafdreamError):
            param.check("x", bad)
    assert param.check("x", 2) == 2.0 and isinstance(param.check("x", 2), float)


def _wrong_values():
    """One value past each end of every numeric parameter's range, an unknown word for every choice,
    a word for every switch: every wrong value the guide's tables (made from the contract) invite."""
    for scene, cls in sorted(SCENES.items()):
        for key, param in sorted(cls.contract.items()):
            if param.kind in (int, float):
                step = 1 if param.kind is int else max(abs(param.high - param.low) * 0.01, 1e-3)
                for value in (param.low - step, param.high + step):
                    yield scene, key, repr(value) if param.kind is float else str(int(value)), param.range_words()
            elif param.kind is bool:
                yield scene, key, '"yes"', "true or false"
            elif param.choices:
                yield scene, key, '"zzz"', ", ".join(param.choices)


@pytest.mark.parametrize("scene, key, value, words", list(_wrong_values()))
def test_every_parameter_of_every_scene_is_refused_past_its_range_at_its_line(scene, key, value, words):
    with pytest.raises(ShowError) as caught:
        parse_show(CUE.format(scene=scene, key=key, value=value), "wrong.toml")
    lines = str(caught.value).splitlines()
    assert len(lines) == 1 and lines[0].startswith("wrong.toml:5:") and words in lines[0], lines
