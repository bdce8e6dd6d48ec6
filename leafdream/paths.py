"""Where things live: the shipped model, the user cache directory, the state kept between runs."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
ASSETS_DIR = REPO_DIR / "assets"
SHIPPED_MODEL = ASSETS_DIR / "leafdream-model.npz"


def user_cache_dir() -> Path:
    """A writable per-user cache directory (``$XDG_CACHE_HOME/leafdream`` or ``~/.cache/leafdream``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "leafdream"


def user_state_dir() -> Path:
    """Where leafdream keeps what must outlive a run (the last good show): ``$XDG_STATE_HOME/leafdream`` or
    ``~/.local/state/leafdream``."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "leafdream"


def default_model_path() -> Path:
    """The model used when none is named: ``$LEAFDREAM_MODEL`` or the shipped one in ``assets/``."""
    return Path(os.environ.get("LEAFDREAM_MODEL") or SHIPPED_MODEL)
