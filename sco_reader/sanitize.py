"""Removes the characters that let bulletin text talk to the terminal or hide from the reader.

Pure. Rich and Textual pass ESC, OSC and bidi controls through to the
terminal, so an article could set the window title, write the clipboard
(OSC 52) or reorder what the user reads. The loader runs every line through
:func:`sanitize` before any other layer sees it.
"""

from __future__ import annotations

import re

# Every character of Unicode categories Cc (controls: C0, DEL, C1), Cf (format: soft hyphen,
# zero-width characters, bidi marks, embeddings, overrides and isolates, invisible operators,
# tag characters, ...), Zl and Zp (line and paragraph separators), except tab and newline.
# Spelled out (from Unicode 14, Python 3.11's tables) so importing costs nothing; a test checks
# that it still covers those categories in the running Python.
_BMP_CLASS = (
    "\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890-\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ufff9-\ufffb"
)
_ASTRAL_CLASS = (
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
UNSAFE = re.compile(f"[{_BMP_CLASS}{_ASTRAL_CLASS}]")
"""Matches one character that must not reach the terminal."""
_BMP_UNSAFE = re.compile(f"[{_BMP_CLASS}]")



def has_unsafe(text: str) -> bool:
    """Whether ``text`` holds a character :data:`UNSAFE` matches, fast for the common case.

    A regex class with characters beyond the BMP is several times slower to scan than one
    within it, so the full class runs only on text that has such characters at all (its
    UTF-16 form is then longer than the text).
    """
    # Every unsafe character is one ``str.isprintable`` rejects, so text that is printable once tabs and
    # newlines are set aside (nearly every bulletin) is safe, found at C speed without the regex.
    if text.replace("\n", "").replace("\t", "").isprintable():  # (str.translate is slow beyond ASCII)
        return False
    if _BMP_UNSAFE.search(text) is not None:
        return True
    if len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):
        return False
    return UNSAFE.search(text) is not None


_SEPARATORS = {"\u2028": " ", "\u2029": " ", "\x0b": " ", "\x0c": " "}


def _replace(match: re.Match[str]) -> str:
    return _SEPARATORS.get(match.group(), "")


def sanitize(text: str) -> tuple[str, int]:
    """Return ``text`` without unsafe characters, and how many were removed or replaced.

    Vertical tab, form feed and the Unicode line separators become spaces (they
    separate words); everything else unsafe is dropped.
    """
    if not has_unsafe(text):
        return text, 0
    cleaned, count = UNSAFE.subn(_replace, text)
    return cleaned, count
