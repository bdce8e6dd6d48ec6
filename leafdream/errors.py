"""User-facing errors: one line that names the file, key or value and what would be right."""


class LeafdreamError(Exception):
    """An error caused by input (a file, an argument, a frame) rather than by a bug.

    The command line prints ``str(error)`` on one line and exits non-zero, never a traceback.
    """
