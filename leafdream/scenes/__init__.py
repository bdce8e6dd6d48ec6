"""The scenes: each a model/update/view unit driven by parameters and the show clock.

``update(t, dt, effort)`` advances the scene's state to show time ``t`` (``effort`` in (0, 1]
is the frame governor's share of the full work per frame); ``view()`` only reads that state
and returns a float32 field in [0, 1] for the compositor; ``overlay(frame, rect)`` may draw
fine detail (dots, lines) onto the full-resolution frame.

The parameter contract is in ``params.py``, the table of scenes by name in ``table.py``.
"""
