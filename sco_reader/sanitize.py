"""Removes the characters that let bulletin text talk to the terminal.

Pure. Rich and Textual pass ESC, OSC and bidi controls through to the
terminal, so an article could set the window title, write the clipboard
(OSC 52) or reorder what the user reads. The loader runs every line through
:func:`sanitize` before any other layer sees it.
"""

from __future__ import annotations

import re

# C0 except tab and newline, DEL, C1, zero-width characters, bidi controls,
# and the line/paragraph separators that would break a row in two.
_UNSAFE_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u00ad"  # soft hyphen (invisible)
    "\u061c"  # Arabic letter mark
    "\u180e"  # Mongolian vowel separator
    "\u200b-\u200f"  # zero width space/non-joiner/joiner, LRM, RLM
    "\u2028\u2029"  # line and paragraph separators
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064"  # word joiner and invisible operators
    "\u2066-\u2069"  # bidi isolates
    "\ufeff"  # zero width no-break space / stray BOM
    "\ufff9-\ufffb"  # interlinear annotation controls
)
UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
"""Matches one character that must not reach the terminal."""

_SEPARATORS = {"\u2028": " ", "\u2029": " ", "\x0b": " ", "\x0c": " "}


def _replace(match: re.Match[str]) -> str:
    return _SEPARATORS.get(match.group(), "")


def sanitize(text: str) -> tuple[str, int]:
    """Return ``text`` without unsafe characters, and how many were removed or replaced.

    Vertical tab, form feed and the Unicode line separators become spaces (they
    separate words); everything else unsafe is dropped.
    """
    if UNSAFE.search(text) is None:
        return text, 0
    cleaned, count = UNSAFE.subn(_replace, text)
    return cleaned, count
