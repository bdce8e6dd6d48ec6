"""The two cores while frames are made: the drawing kernels use both, so the BLAS pool gets one thread —
unless the camera process works beside the screen, when the drawing kernels get one thread too.

OpenBLAS threads spin for a while after each matrix product of the Gibbs steps, on the same two cores the
outline and crossfade kernels (``edges.py``, ``compositor.py``) then want: measured at 3840x2160, the p99
work per frame fell from 49 ms to 21 ms with the BLAS pool at one thread, and the governor could give the
samplers more steps (mean effort 0.40 -> 0.58), because the small products of a frame gain little from two
threads. Training and the camera process set their own pools.

The live camera's process (``camera/worker_process.py``) keeps about one core busy. A parallel drawing
kernel then waits for its second thread to get the other core back, and while it spins it takes that core
from the camera: measured with the camera scene at 1920x1080 and a visitor in view, two drawing threads gave
p99 work per frame 17.7-18.6 ms and camera-to-screen p99 125-148 ms; one thread gave 9.9-11.0 ms and 84-87 ms.
"""

from __future__ import annotations

from contextlib import contextmanager

import numba
from threadpoolctl import threadpool_limits


@contextmanager
def drawing_cores(beside_camera: bool = False):
    """A context in which the BLAS pool has one thread, and (``beside_camera``: the camera process is running)
    so have the drawing kernels; the previous limits come back when it ends."""
    threads = numba.get_num_threads()
    with threadpool_limits(1, user_api="blas"):
        if beside_camera:
            numba.set_num_threads(1)
        try:
            yield
        finally:
            numba.set_num_threads(threads)
