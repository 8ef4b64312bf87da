"""Text normalisation and tokenisation shared by indexing, querying and highlighting (pure).

Text is *normalised* (casefold; NFKD with combining marks stripped, so ``Türkiye`` is
``turkiye``; Kazakh letters folded to their Russian-keyboard twins, ``қ`` → ``к``, so Kazakh
still matches itself and is found when typed without a Kazakh layout) and split into
*tokens*: runs of letters and digits, plus the glued whole of hyphenated or apostrophised
words (``2024-25`` gives ``2024``, ``25`` and ``202425``).
"""

from __future__ import annotations

import re
import unicodedata
from itertools import repeat
from typing import Iterable

_MARKS = re.compile("[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_FOLD = {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и", "ı": "i"}
"""Kazakh letters (and dotless i) → what a Russian (or Latin) keyboard types instead."""
_FOLDABLE = re.compile("[" + "".join(_FOLD) + "]")
_WORD = re.compile(r"[^\W_]+")
_JOINERS = "-'’‘‐‑–"
_GLUED = re.compile(r"[^\W_]+(?:[" + _JOINERS + r"][^\W_]+)+")
_UNJOIN = str.maketrans(dict.fromkeys(_JOINERS))
_ASCII_SPLIT = {i: " " for i in range(128) if not chr(i).isalnum() and not chr(i).isspace()}
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_CHAR_CACHE: dict[str, str] = {}


def normalise(text: str) -> str:
    """Casefold, strip diacritics (NFKD) and fold Kazakh letters: ``Türkiye`` → ``turkiye``."""
    if text.isascii():
        return text.lower()
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))
    if _FOLDABLE.search(text) is not None:  # (str.translate is slow on non-ASCII text)
        for letter, twin in _FOLD.items():
            text = text.replace(letter, twin)
    return text


def _normalise_mapped(text: str) -> tuple[str, list[int] | None]:
    """:func:`normalise` plus, per output character, the index of the input character it
    came from (``None`` when they coincide, i.e. for ASCII)."""
    if text.isascii():
        return text.lower(), None
    pieces: list[str] = []
    origin: list[int] = []
    cache = _CHAR_CACHE
    for i, char in enumerate(text):
        folded = cache.get(char)
        if folded is None:
            folded = cache[char] = normalise(char)
        if folded:
            pieces.append(folded)
            if len(folded) == 1:
                origin.append(i)
            else:
                origin.extend(repeat(i, len(folded)))
    return "".join(pieces), origin


def tokenise(text: str) -> list[str]:
    """Tokens of already normalised text, in order: words, then glued hyphenated wholes."""
    if text.isascii():
        tokens = text.translate(_ASCII_SPLIT).split()
        if "-" in text or "'" in text:
            tokens += [g.translate(_UNJOIN) for g in _GLUED.findall(text)]
        return tokens
    tokens = _WORD.findall(text)
    if any(j in text for j in _JOINERS):
        tokens += [g.translate(_UNJOIN) for g in _GLUED.findall(text)]
    return tokens


TOKEN_CHUNK = 1 << 20
"""Characters of a long body tokenised at a time (a 50 MB one-line article would otherwise make a
list of millions of words before its few distinct ones are kept)."""


def _body_tokens(text: str) -> set[str]:
    """Distinct word tokens of normalised text (bodies: glued wholes are left to headlines;
    a hyphenated query word still finds the body through its parts)."""
    if len(text) <= TOKEN_CHUNK:
        return _chunk_tokens(text)
    found: set[str] = set()
    start = 0
    while start < len(text):
        stop = min(len(text), start + TOKEN_CHUNK)
        while stop < len(text) and not text[stop].isspace():  # never cut a word in two
            stop += 1
        found |= _chunk_tokens(text[start:stop])
        start = stop
    return found


def _chunk_tokens(text: str) -> set[str]:
    if text.isascii():
        return set(text.translate(_ASCII_SPLIT).split())
    return set(_WORD.findall(text))


def _words(text: str) -> list[str]:
    """Word tokens of normalised text in order (no glued wholes)."""
    if text.isascii():
        return text.translate(_ASCII_SPLIT).split()
    return _WORD.findall(text)


def _positions(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, token)`` for each token of normalised text, glued wholes included."""
    found = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    if any(j in text for j in _JOINERS):
        found += [(m.start(), m.end(), m.group().translate(_UNJOIN)) for m in _GLUED.finditer(text)]
    return found


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _to_original(spans: list[tuple[int, int]], origin: list[int] | None) -> tuple[tuple[int, int], ...]:
    if origin is None:
        return tuple(spans)
    return tuple(_merge((origin[s], origin[e - 1] + 1) for s, e in spans if e > s))

