"""The two cores while frames are made: the drawing kernels use both, so the BLAS pool gets one thread.

OpenBLAS threads spin for a while after each matrix product of the Gibbs steps, on the same two cores the
outline and crossfade kernels (``edges.py``, ``compositor.py``) then want: measured at 3840x2160, the p99
work per frame fell from 49 ms to 21 ms with the BLAS pool at one thread, and the governor could give the
samplers more steps (mean effort 0.40 -> 0.58), because the small products of a frame gain little from two
threads. Training and the camera process set their own pools.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def drawing_cores():
    """A context in which the BLAS pool has one thread (the previous limits come back when it ends)."""
    return threadpool_limits(1, user_api="blas")
