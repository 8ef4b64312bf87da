"""Scoring constants, results and highlighting (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .query import EXACT, INFIX, Term, _token_level, match_token, parse_query
from .text import _EDGE, _merge, _normalise_mapped, _positions, _to_original

BODY_WEIGHT = 0.4
"""A body match is worth this fraction of the same match in the headline."""
BOTH_BONUS = 0.05
"""Added to a word's quality when it matches both headline and body."""
PHRASE_BONUS = 0.3
"""Bonus when consecutive query words are adjacent, in order, in the headline."""
COVER_BONUS = 0.2
"""Bonus proportional to the share of headline words the query matched."""
BODY_PHRASE_BONUS = 0.15
"""Bonus when consecutive query words are adjacent in the best paragraph."""
HEAD_BONUS_MAX = PHRASE_BONUS + COVER_BONUS
BONUS_MAX = HEAD_BONUS_MAX + BODY_PHRASE_BONUS

# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result."""

    index: int
    """Index into the articles the engine was given (in :meth:`SearchEngine.extend` order)."""
    score: float
    """Higher is better; the integer part is how many query terms (OR-groups) matched."""
    headline_spans: tuple[tuple[int, int], ...]
    """``(start, end)`` character ranges of ``article.headline`` that matched."""
    paragraph: int | None
    """Index of the best-matching paragraph when the query (also) matched the body, else ``None``."""
    paragraph_spans: tuple[tuple[int, int], ...]
    """Matched ranges inside that paragraph."""


def _term_spans(term: Term, norm: str, headline: bool) -> list[tuple[int, int]]:
    """Spans of the terms that are not matched token by token (phrases and anchors)."""
    text = term.text
    if term.kind == "exact" and not _token_level(term):
        spans = []
        at = norm.find(text)
        while at >= 0:
            spans.append((at, at + len(text)))
            at = norm.find(text, at + 1)
        return spans
    if not headline or term.kind not in ("prefix", "suffix", "equal"):
        return []
    stripped = _EDGE.sub("", norm)
    lead = norm.find(stripped[:1]) if stripped else 0
    if term.kind == "prefix" and stripped.startswith(text):
        return [(lead, lead + len(text))]
    if term.kind == "suffix" and stripped.endswith(text):
        end = lead + len(stripped)
        return [(end - len(text), end)]
    if term.kind == "equal" and stripped == text:
        return [(lead, lead + len(text))]
    return []


def _slot_mask(slots: list[dict[int, tuple[float, int, int]] | None]) -> dict[int, int]:
    """Token id → bit set of the slots whose matches hold it."""
    mask: dict[int, int] = {}
    for bit, slot in enumerate(slots):
        if not slot:
            continue
        flag = 1 << bit
        if not mask:
            mask = dict.fromkeys(slot, flag)
        else:
            fresh = dict.fromkeys(slot, flag)
            for tid in mask.keys() & fresh.keys():
                fresh[tid] |= mask[tid]
            mask.update(fresh)
    return mask


@lru_cache(maxsize=64)
def _ascii_search(text: str):  # type: ignore[no-untyped-def]
    """Case-insensitive search for ASCII ``text`` (only used on ASCII haystacks)."""
    return re.compile(re.escape(text), re.IGNORECASE | re.ASCII).search


def _adjacent_pairs(bits: list[int]) -> int:
    """How many consecutive slot pairs ``(k, k+1)`` occur on adjacent tokens.

    ``bits[j]`` is the set of query slots token ``j`` matches.
    """
    seen = previous = 0
    for b in bits:
        if b and previous:
            seen |= previous & (b >> 1)
        previous = b
    return seen.bit_count()


def _intersect(sets: list[set[int]], copy: bool = False) -> set[int]:
    if not sets:
        return set()
    ordered = sorted(sets, key=len)
    if len(ordered) == 1:
        return set(ordered[0]) if copy else ordered[0]
    return ordered[0].intersection(*ordered[1:])


def highlight_spans(text: str, query: str, *, body: bool = False) -> list[tuple[int, int]]:
    """Character ranges of ``text`` matching the positive terms of ``query``, merged and sorted.

    Works on any text (the article pane highlights the open article's paragraphs); uses the
    same word relation as the engine (:func:`match_token`). With ``body=True`` it applies the
    engine's body rules, as :attr:`Hit.paragraph_spans` does: no infixes, and one- and
    two-letter words only as whole words. ``^``/``$`` terms only match at the start/end of a
    headline (not with ``body=True``); exclusions and dates highlight nothing.
    """
    parsed = parse_query(query)
    if not parsed.groups:
        return []
    norm, origin = _normalise_mapped(text)
    words: list[tuple[str, str]] = []
    for group in parsed.groups:
        for term in group:
            if term.kind == "fuzzy":
                words.extend(("fuzzy", p) for p in term.parts)
            elif term.kind == "exact" and _token_level(term):
                words.append(("exact", term.text))
    spans: list[tuple[int, int]] = []
    if words:
        for start, end, token in _positions(norm):
            best: tuple[float, int, int] | None = None
            for kind, word in words:
                if kind == "exact":
                    at = token.find(word)
                    found = (EXACT, at, at + len(word)) if at >= 0 else None
                else:
                    found = match_token(word, token)
                    if body and found is not None and (found[0] == INFIX or (len(word) <= 2 and found[0] != EXACT)):
                        found = None
                if found is not None and (best is None or found[0] > best[0]):
                    best = found
            if best is not None:
                spans.append((start + best[1], start + best[2]))
    for group in parsed.groups:
        for term in group:
            spans.extend(_term_spans(term, norm, headline=not body))
    return list(_to_original(_merge(spans), origin))
