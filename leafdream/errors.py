"""User-facing errors: one line that names the file, key or value and what would be right."""

import difflib


class LeafdreamError(Exception):
    """An error caused by input (a file, an argument, a frame) rather than by a bug.

    The command line prints ``str(error)`` on one line and exits non-zero, never a traceback.
    """


def did_you_mean(word, options, many: int = 1, fallback: str = "", lead: str = "; ") -> str:
    """The hint after an unknown name: "; did you mean 'x'?" (up to ``many`` suggestions), else ``fallback``."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=many)
    if close:
        return f"{lead}did you mean {' or '.join(repr(c) for c in close)}?"
    return f"{lead}{fallback}" if fallback else ""
