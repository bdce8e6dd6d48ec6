"""leafdream: a Deep Belief Network that dreams leaves.

The package is split into small modules, one idea each:

- ``leaves``      loading folders of leaf masks, polarity, the held-out split
- ``normalise``   the one pose normalisation for training and camera leaves
- ``procedural``  a generator of parametric leaves for tests and data-less installs
- ``kernels``     the Numba Gibbs kernels every scene shares
- ``rbm`` / ``train`` / ``dbn``   the model, its training and its passes
- ``modelfile``   the versioned model file
- ``complete``    filling in the hidden part of a leaf (``reconstruct``)
- ``bench`` / ``evaluate``   speed and quality figures
"""

import os as _os

_os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # no banner in logs and command output

__version__ = "0.1.0"
