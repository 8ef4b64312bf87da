"""The one kind of error a user sees as one line and exit status 2 (bad input, a bad option, a path refused).

Pure and tiny, so the command can catch it without importing what raises it.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user gave cannot be used; ``str()`` is the one-line message naming it."""
