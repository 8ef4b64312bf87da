"""The query language and the word relation (pure).

Query syntax (fzf-like): words are fuzzy and all must match (articles missing one rank after
those matching all); ``'word`` exact substring; ``^word`` headline starts with; ``word$``
headline ends with; ``!word`` (also ``!^word``, ``!word$``) excludes; ``a | b`` either;
``@date`` (``@2024-07-04``, ``@04.07``, ``@jul``, ``@2024``) keeps articles of that date;
``\\ `` escapes a space.

:func:`match_token` is the reference definition of how a query word matches a token
(exact, prefix, one-edit typo or transposition, typo in a half-typed word, two edits for
long words, infix), with the quality of each kind of match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from rapidfuzz.distance import OSA

from ..dates import DateSpec, parse_date_spec
from .text import _WORD, normalise

# --------------------------------------------------------------------------- quality levels

EXACT = 1.0
"""Quality of a token equal to the query word."""
PREFIX = 0.8
"""Quality of a token the query word starts (``yermek`` → ``yermekbayev``)."""
FUZZY = 0.7
"""Quality of a token one edit (or one transposition) away."""
FUZZY_PREFIX = 0.6
"""Quality of a token whose beginning is one edit away (typo in a half-typed word)."""
FUZZY2 = 0.55
"""Quality of a token two edits away (query words of 8+ characters)."""
INFIX = 0.45
"""Quality of a token containing the query word inside (headlines only, 4+ characters)."""
MAX_TYPO_WORD = 40
"""Longer words are matched exactly, as prefixes and as infixes only: their typo variants
would cost memory quadratic in their length (a pasted 100,000-character word must not)."""

# --------------------------------------------------------------------------- the token relation


def match_token(word: str, token: str) -> tuple[float, int, int] | None:
    """How normalised query ``word`` matches normalised ``token``, the reference definition.

    Returns ``(quality, start, end)`` with the matched range inside ``token``, or ``None``.
    The engine computes the same relation through its indexes (one-edit variants are drawn
    from the vocabulary's own alphabet).
    """
    n = len(word)
    if token == word:
        return (EXACT, 0, n)
    if token.startswith(word):
        return (PREFIX, 0, n)
    best: tuple[float, int, int] | None = None
    if n >= 4:
        if n <= MAX_TYPO_WORD:
            distance = OSA.distance(word, token, score_cutoff=2)
            if distance <= 1:
                return (FUZZY, 0, len(token))
            if n >= 5:
                lengths = (n, n + 1, n - 1) if n >= 6 else (n, n + 1)
                for m in lengths:
                    if m < len(token) and OSA.distance(word, token[:m], score_cutoff=1) <= 1:
                        return (FUZZY_PREFIX, 0, m)
            if n >= 8 and distance == 2 and token[:1] == word[:1]:
                return (FUZZY2, 0, len(token))
        at = token.find(word)
        if at > 0:
            best = (INFIX, at, at + n)
    return best


# --------------------------------------------------------------------------- queries

TermKind = Literal["fuzzy", "exact", "prefix", "suffix", "equal"]


@dataclass(frozen=True, slots=True)
class Term:
    """One word of a query, operators stripped."""

    kind: TermKind
    """``fuzzy`` (plain word), ``exact`` (``'w``), ``prefix`` (``^w``), ``suffix`` (``w$``), ``equal`` (``^w$``)."""
    text: str
    """The normalised word as typed (may hold punctuation, e.g. ``2024-25``)."""
    parts: tuple[str, ...]
    """Its alphanumeric runs (``("2024", "25")``); a fuzzy term matches when all parts do."""
    negated: bool = False
    """``!`` excludes articles the term matches."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: AND of OR-groups, exclusions and date filters."""

    groups: tuple[tuple[Term, ...], ...] = ()
    """Positive terms; each group matches when any of its terms does (``a | b``)."""
    exclude: tuple[Term, ...] = ()
    """Negated terms: articles any of them matches are dropped."""
    dates: tuple[DateSpec, ...] = ()
    """``@`` filters, all of which an article's date must match."""
    ignored: tuple[str, ...] = ()
    """Tokens that could not be used (``@`` not a date yet, a lone operator)."""

    @property
    def empty(self) -> bool:
        """Nothing to search for or filter on."""
        return not (self.groups or self.exclude or self.dates)


def _token_level(term: Term) -> bool:
    """Whether ``term`` is matched token by token (else as a substring or an anchor)."""
    if term.kind == "fuzzy":
        return True
    return term.kind == "exact" and len(term.parts) == 1 and term.text == term.parts[0] and len(term.text) >= 3


def _split_query(query: str) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    escaped = False
    for char in query:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char.isspace():
            if current:
                out.append("".join(current))
                current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    if current:
        out.append("".join(current))
    return out


def _make_term(raw: str) -> Term | None:
    negated = raw.startswith("!")
    if negated:
        raw = raw[1:]
    kind: TermKind = "fuzzy"
    if raw.startswith("'"):
        kind, raw = "exact", raw[1:]
    elif raw.startswith("^"):
        kind, raw = "prefix", raw[1:]
        if len(raw) > 1 and raw.endswith("$"):
            kind, raw = "equal", raw[:-1]
    elif len(raw) > 1 and raw.endswith("$"):
        kind, raw = "suffix", raw[:-1]
    if negated and kind == "fuzzy":
        kind = "exact"
    text = normalise(raw)
    parts = tuple(_WORD.findall(text))
    if not parts:
        return None
    if kind in ("prefix", "equal"):
        text = re.sub(r"^[\W_]+", "", text)
    if kind in ("suffix", "equal"):
        text = re.sub(r"[\W_]+$", "", text)
    return Term(kind, text, parts, negated)


def parse_query(query: str, today: date | None = None) -> Query:
    """Parse what the user typed (see the module docstring for the syntax).

    ``today`` anchors relative dates (``@yesterday``); it defaults to the real today.
    """
    groups: list[list[Term]] = []
    exclude: list[Term] = []
    dates: list[DateSpec] = []
    ignored: list[str] = []
    pending_or = False
    for raw in _split_query(query):
        if raw == "|":
            pending_or = bool(groups)
            continue
        if raw.startswith("@"):
            spec = parse_date_spec(raw[1:], today) if len(raw) > 1 else None
            if spec is None:
                ignored.append(raw)
            else:
                dates.append(spec)
            pending_or = False
            continue
        term = _make_term(raw)
        if term is None:
            ignored.append(raw)
        elif term.negated:
            exclude.append(term)
        elif pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return Query(
        tuple(tuple(dict.fromkeys(g)) for g in groups),
        tuple(dict.fromkeys(exclude)),
        tuple(dict.fromkeys(dates)),
        tuple(ignored),
    )

