"""The one kind of error a user sees as one line and exit status 2 (bad input, a bad option, a path refused),
and the exit statuses.

Pure and tiny, so the command can catch it without importing what raises it.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user gave cannot be used; ``str()`` is the one-line message naming it."""


class UsageError(UserError):
    """Bad command line; ``str()`` is the one-line message."""


EXIT_OK = 0
"""Success."""
EXIT_NO_MATCH = 1
"""No match (``--search``, like grep), or diagnostics found (``--check``)."""
EXIT_BAD_INPUT = 2
"""Bad input, a bad option, a write error: one line on stderr, never a traceback."""
