"""Resolving query words against the index: vocabulary first, then article sets (pure).

The index is a list of *sources* (saved segments and the in-memory builder that grows after
them); each has its own sorted vocabulary. A query word is resolved against each source's
vocabulary, not its articles: the exact token, the tokens it prefixes (one ``bisect`` range),
one-edit typos and transpositions (edit variants looked up as whole tokens and as prefixes
of longer ones; variants are made once per word and alphabet), two-edit typos of long words
(rapidfuzz OSA over the tokens with the same first letter) and, in headlines, infixes. The
word's article sets are unions of the matched tokens' postings, as bitmaps (one per match
quality), OR-ed over sources. Matches are kept by token *string* (one map for all sources)
for highlighting and phrase bonuses. A :class:`Resolver` caches all of this per word, so a
keystroke only resolves the word being typed; a new one is made when the index changes.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .bits import ArticleSet
from .index import AnchorKind
from .query import EXACT, FUZZY, FUZZY2, FUZZY_PREFIX, INFIX, MAX_TYPO_WORD, PREFIX, Query, Term, _token_level
from .text import _WORD

Match = tuple[float, int, int]
"""``(quality, start, end)``: how a token matched, and the matched range inside it."""
_PREFIX_ORDER = {0: 0, 1: 1, -1: 2}
"""Which matched prefix length wins for a fuzzy prefix: the typed length, one more, one less."""
_TOP = "\U0010ffff"


class Source(Protocol):
    """What resolution and ranking need from a segment or the growing builder (documented on
    :class:`~.index.Segment`; token ids are per source, article numbers ``local`` are
    ``index - base``, bitmaps returned by ``union``, ``anchored`` and ``headline_substring``
    are of article indexes)."""

    base: int

    @property
    def count(self) -> int: ...
    def sorted_tokens(self) -> list[str]: ...
    def tid_at(self, position: int) -> int: ...
    def ids_between(self, lo: int, hi: int) -> Collection[int]: ...
    def lookup(self, token: str) -> int | None: ...
    def token(self, tid: int) -> str: ...
    def token_list(self) -> Sequence[str]: ...
    def glued(self, tid: int) -> bool: ...
    def chars(self) -> frozenset[str]: ...
    def substring_ids(self, word: str) -> list[tuple[int, int]]: ...
    def df(self, headline: bool, tid: int) -> int: ...
    def union(self, headline: bool, tids: Collection[int]) -> int: ...
    def postings(self, headline: bool, tid: int) -> list[int]: ...
    def head_ids(self, local: int) -> Sequence[int]: ...
    def body_size(self, local: int) -> int: ...
    def total_body_size(self) -> int: ...
    def anchored(self, kind: AnchorKind, text: str) -> int: ...
    def headline_substring(self, text: str, within: int | None = None) -> int: ...


@dataclass(frozen=True, slots=True, eq=False)
class Part:
    """One alphanumeric query word resolved against the index."""

    matches: dict[str, Match]
    """Matched token → how it matched."""
    head: list[tuple[float, ArticleSet]]
    """Headline article sets per quality level, best first."""
    body: list[tuple[float, ArticleSet]]
    """Body article sets per quality level, best first."""
    head_any: ArticleSet
    """Articles whose headline holds some match."""
    body_any: ArticleSet
    """Articles whose body holds some match that counts in bodies."""
    any: ArticleSet
    """Either."""
    body_matches: dict[str, Match]
    """The :attr:`matches` that count in bodies (no infixes; only the whole word for 1–2 letters)."""


@dataclass(frozen=True, slots=True, eq=False)
class TermIndex:
    """One query term resolved: its word parts and the articles it matches."""

    term: Term
    """The term as parsed."""
    parts: tuple[Part, ...]
    """Resolved parts (token-level terms); empty for phrase/anchor terms scored as a whole."""
    head: ArticleSet
    """Articles whose headline the term matches."""
    body: ArticleSet
    """Articles whose body the term matches."""
    any: ArticleSet
    """Either."""


@dataclass(frozen=True, slots=True, eq=False)
class Group:
    """An OR-group of terms (``a | b``; most groups hold one term)."""

    terms: tuple[TermIndex, ...]
    """Its terms."""
    any: ArticleSet
    """Articles any term matches."""
    head: ArticleSet
    """Articles whose headline any term matches."""
    weight: float = 1.0
    """IDF-like weight: rarer groups count more in the score."""


@dataclass(slots=True, eq=False)
class Plan:
    """Everything a search needs about one parsed query, cached between keystrokes."""

    groups: list[Group]
    slots: list[dict[str, Match] | None]
    """Token matchers in query order, for phrase adjacency (``None`` breaks the chain)."""
    mask: dict[str, int]
    """Token → bit set of the slots it matches."""
    body_slots: list[dict[str, Match] | None]
    """:attr:`slots` restricted to matches that count in bodies."""
    body_mask: dict[str, int]
    weight_sum: float
    """Sum of the groups' weights."""
    pairs: int
    """Adjacent slot pairs that can form a phrase."""
    needles: tuple[str, ...] | None = None
    """When few, the tokens that count in bodies: a paragraph containing none of them is
    skipped without tokenising it."""
    paragraphs: dict[int, tuple[int, float, int]] = field(default_factory=dict)
    """Memo of the best paragraph per article."""


class _Cache:
    """A least-recently-used map bounded by entry count and by the summed size of its values."""

    __slots__ = ("_data", "_sizes", "_total", "_count", "_budget")

    def __init__(self, count: int, budget: int) -> None:
        self._data: dict = {}
        self._sizes: dict = {}
        self._total = 0
        self._count = count
        self._budget = budget

    def get(self, key):  # type: ignore[no-untyped-def]
        data = self._data
        value = data.pop(key, None)
        if value is not None:
            data[key] = value
        return value

    def put(self, key, value, size: int) -> None:  # type: ignore[no-untyped-def]
        data, sizes = self._data, self._sizes
        if key in data:
            self._total -= sizes.pop(key)
            del data[key]
        data[key] = value
        sizes[key] = size
        self._total += size
        while len(data) > 1 and (len(data) > self._count or self._total > self._budget):
            oldest = next(iter(data))
            del data[oldest]
            self._total -= sizes.pop(oldest)

    def __len__(self) -> int:
        return len(self._data)


CACHE_BYTES = 48 << 20
"""Each cache of article sets holds at most this many bytes of bitmaps (least recently used
first out), so typing never grows memory without bound."""


class Resolver:
    """Resolves words, terms and queries against a fixed list of sources, with caches."""

    def __init__(self, sources: Sequence[Source], total: int, body_contains) -> None:  # type: ignore[no-untyped-def]
        self.sources = list(sources)
        self.total = total
        """Articles covered by the sources."""
        self._body_contains = body_contains
        self._parts = _Cache(64, CACHE_BYTES)
        self._terms = _Cache(64, CACHE_BYTES)
        self._unions = _Cache(256, CACHE_BYTES)
        self._plans = _Cache(16, CACHE_BYTES)
        self.leading = _Cache(16, CACHE_BYTES)
        """Intersections of all groups but the last, kept while the last word is typed."""
        self._variants: dict[tuple[str, str], dict[str, int]] = {}
        self._alphabets: dict[tuple[frozenset[str], frozenset], str] = {}
        self._average_length: float | None = None

    # ------------------------------------------------------------------ words

    def part(self, word: str, kind: str) -> Part:
        """``word`` (normalised, alphanumeric) resolved as a ``fuzzy`` or ``exact`` word."""
        key = (kind, word)
        part = self._parts.get(key)
        if part is not None:
            return part
        n = len(word)
        exact = kind == "exact"
        matches: dict[str, Match] = {}
        levels: list[tuple[int, dict[float, Collection[int]]]] = []
        for number, source in enumerate(self.sources):
            found, source_levels = self._resolve_in(source, word, exact)
            for token, match in found.items():
                old = matches.get(token)
                if old is None or match[0] > old[0]:
                    matches[token] = match
            levels.append((number, source_levels))
        qualities = sorted({q for _, lv in levels for q, tids in lv.items() if tids}, reverse=True)
        head: list[tuple[float, ArticleSet]] = []
        body: list[tuple[float, ArticleSet]] = []
        for quality in qualities:
            found_head = self._level(levels, quality, True)
            if found_head:
                head.append((quality, found_head))
            if quality == INFIX or (not exact and n <= 2 and quality != EXACT):
                continue
            found_body = self._level(levels, quality, False)
            if found_body:
                body.append((quality, found_body))
        head_any = ArticleSet(_or(s.bits for _, s in head))
        body_any = ArticleSet(_or(s.bits for _, s in body))
        if exact or n >= 4:
            body_matches = matches if exact else {t: m for t, m in matches.items() if m[0] != INFIX}
        elif n == 3:
            body_matches = matches
        else:
            body_matches = {t: m for t, m in matches.items() if m[0] == EXACT}
        part = Part(matches, head, body, head_any, body_any, head_any | body_any, body_matches)
        self._parts.put(key, part, head_any.nbytes + body_any.nbytes + sum(s.nbytes for _, s in head + body))
        return part

    def _level(self, levels: list[tuple[int, dict[float, Collection[int]]]], quality: float, headline: bool) -> ArticleSet:
        bits = 0
        for number, source_levels in levels:
            tids = source_levels.get(quality)
            if tids:
                bits |= self.union(number, headline, tids)
        return ArticleSet(bits)

    def union(self, number: int, headline: bool, tids: Collection[int]) -> int:
        """Bitmap of articles of source ``number`` whose headline (or body) holds any of ``tids``.

        Memoised on the token set: while a word is typed its successive prefixes often resolve
        to the same tokens, so their (possibly large) article sets are reused.
        """
        if not isinstance(tids, (range, frozenset)):
            tids = frozenset(tids)
        key = (number, headline, tids)
        found = self._unions.get(key)
        if found is None:
            found = self.sources[number].union(headline, tids)
            self._unions.put(key, found, (found.bit_length() >> 3) + 64)
        return found

    def _resolve_in(self, source: Source, word: str, exact: bool) -> tuple[dict[str, Match], dict[float, Collection[int]]]:
        """Matches of ``word`` in one source's vocabulary: by token, and token ids per quality."""
        n = len(word)
        if exact:
            found: dict[str, Match] = {}
            tids: list[int] = []
            for tid, offset in source.substring_ids(word):
                token = source.token(tid)
                if token not in found:
                    found[token] = (EXACT, offset, offset + n)
                    tids.append(tid)
            return found, {EXACT: tids}
        tokens = source.sorted_tokens()
        lo = bisect.bisect_left(tokens, word)
        hi = bisect.bisect_left(tokens, word + _TOP, lo)
        found = dict.fromkeys(tokens[lo:hi], (PREFIX, 0, n))
        levels: dict[float, Collection[int]] = {}
        first = lo
        if lo < hi and tokens[lo] == word:
            found[word] = (EXACT, 0, n)
            levels[EXACT] = (source.tid_at(lo),)
            first = lo + 1
        levels[PREFIX] = source.ids_between(first, hi)
        if n >= 4:
            extra: dict[str, tuple[Match, int]] = {}
            self._typos(source, word, tokens, extra, (lo, hi))
            for tid, offset in source.substring_ids(word):
                if offset > 0:
                    token = source.token(tid)
                    if token not in found and token not in extra:
                        extra[token] = ((INFIX, offset, offset + n), tid)
            by_quality: dict[float, list[int]] = {}
            for token, (match, tid) in extra.items():
                found[token] = match
                by_quality.setdefault(match[0], []).append(tid)
            levels.update(by_quality)
        return found, levels

    def _typos(self, source: Source, word: str, tokens: list[str], extra: dict, prefixed: tuple[int, int]) -> None:  # type: ignore[type-arg]
        """One-edit variants (as tokens and as prefixes of longer ones), two edits for long words."""
        n = len(word)
        if n > MAX_TYPO_WORD:
            return
        lo, hi = prefixed

        def add(position: int, quality: float, start: int, end: int) -> None:
            if lo <= position < hi:
                return  # the word prefixes it: a better match already
            token = tokens[position]
            old = extra.get(token)
            if old is None or quality > old[0][0] or (
                quality == old[0][0] == FUZZY_PREFIX and _PREFIX_ORDER[end - n] < _PREFIX_ORDER[old[0][2] - n]
            ):
                extra[token] = ((quality, start, end), source.tid_at(position) if old is None else old[1])

        size = len(tokens)
        for variant, length in self._variant_map(word, self._alphabet(source, word)).items():
            at = bisect.bisect_left(tokens, variant)
            if at < size and tokens[at] == variant:
                add(at, FUZZY, 0, length)
            if n >= 5 and (length >= n or n >= 6):
                stop = bisect.bisect_left(tokens, variant + _TOP, at)
                for position in range(at, stop):
                    if len(tokens[position]) > length:
                        add(position, FUZZY_PREFIX, 0, length)
        if n >= 8:
            start = bisect.bisect_left(tokens, word[0])
            stop = bisect.bisect_left(tokens, word[0] + _TOP, start)
            for token, distance, position in process.extract(
                word, tokens[start:stop], scorer=OSA.distance, score_cutoff=2, limit=None
            ):
                if distance == 2:
                    add(start + position, FUZZY2, 0, len(token))

    def _alphabet(self, source: Source, word: str) -> str:
        """Characters substituted or inserted when generating one-edit variants of ``word``."""
        chars = source.chars()
        if len(chars) <= 160:
            key: frozenset = frozenset()
        else:
            key = frozenset(("a" if c.isascii() else ord(c) >> 7) for c in word)
        cache_key = (chars, key)
        alphabet = self._alphabets.get(cache_key)
        if alphabet is None:
            picked = chars if not key else {c for c in chars if c.isdigit() or ("a" if c.isascii() else ord(c) >> 7) in key}
            alphabet = self._alphabets[cache_key] = "".join(sorted(picked))
        return alphabet

    def _variant_map(self, word: str, alphabet: str) -> dict[str, int]:
        """One-edit variants of ``word`` over ``alphabet`` → their length."""
        key = (word, alphabet)
        variants = self._variants.get(key)
        if variants is not None:
            return variants
        n = len(word)
        variants = {}
        for i in range(n):
            head, tail = word[:i], word[i + 1 :]
            for char in alphabet:
                if char != word[i]:
                    variants[head + char + tail] = n  # substitution
                    variants[head + char + word[i:]] = n + 1  # insertion (not at the end)
            variants.setdefault(head + tail, n - 1)  # deletion
            if i + 1 < n and word[i] != word[i + 1]:
                variants[head + word[i + 1] + word[i] + word[i + 2 :]] = n  # transposition
        variants.pop(word, None)
        if len(self._variants) > 32:
            self._variants.clear()
        self._variants[key] = variants
        return variants

    # ------------------------------------------------------------------ terms and plans

    def term(self, term: Term) -> TermIndex:
        cached = self._terms.get(term)
        if cached is not None:
            return cached
        text = term.text
        if _token_level(term):
            kind = "fuzzy" if term.kind == "fuzzy" else "exact"
            parts = tuple(self.part(p, kind) for p in term.parts)
            head = _intersect([p.head_any for p in parts])
            body = _intersect([p.body_any for p in parts])
            any_ = parts[0].any if len(parts) == 1 else _intersect([p.any for p in parts])
            result = TermIndex(term, parts, head, body, any_)
        elif term.kind == "exact" and len(text) <= 2:
            # Too short to expand through the vocabulary: headlines as substrings, bodies as words.
            head = ArticleSet(_or(self._headline_substring(number, text) for number in range(len(self.sources))))
            body = ArticleSet(_or(self.union(k, False, (tid,)) for k, s in enumerate(self.sources)
                                  if (tid := s.lookup(text)) is not None))
            result = TermIndex(term, (), head, body, head | body)
        elif term.kind == "exact":
            candidates = self._phrase_candidates(term.parts)
            within = None if candidates is None else candidates.bits
            head = ArticleSet(_or(s.headline_substring(text, within) for s in self.sources))
            if candidates is not None:
                body = ArticleSet.of(a for a in candidates if self._body_contains(a, text))
            else:  # only one- and two-letter pieces (``'u.s``): headlines only
                body = ArticleSet()
            result = TermIndex(term, (), head, body, head | body)
        else:
            kind: AnchorKind = term.kind  # type: ignore[assignment]
            head = ArticleSet(_or(s.anchored(kind, text) for s in self.sources))
            result = TermIndex(term, (), head, ArticleSet(), head)
        self._terms.put(term, result, result.any.nbytes + result.head.nbytes + result.body.nbytes)
        return result

    def _headline_substring(self, number: int, text: str) -> int:
        """Articles of source ``number`` whose normalised headline contains ``text``.

        An alphanumeric ``text`` lies inside one word of the headline, so the headlines are
        those of the tokens containing it (one bitmap union), except where the token is only
        the glued whole of a hyphenated word and ``text`` is longer than a letter (it may span
        the hyphen): those few headlines are checked one by one.
        """
        source = self.sources[number]
        if not _WORD.fullmatch(text):
            return source.headline_substring(text)
        sure: list[int] = []
        unsure: list[int] = []
        for tid, _ in source.substring_ids(text):
            (unsure if len(text) > 1 and source.glued(tid) else sure).append(tid)  # one letter spans no hyphen
        found = self.union(number, True, frozenset(sure)) if sure else 0
        if unsure:
            maybe = self.union(number, True, frozenset(unsure)) & ~found
            if maybe:
                found |= source.headline_substring(text, maybe)
        return found

    def _phrase_candidates(self, parts: tuple[str, ...]) -> ArticleSet | None:
        """Articles that may contain an exact text made of ``parts`` (``anti-dr``): a token
        ending with the first piece, tokens equal to the middle ones, a token starting with
        the last one. ``None`` when no piece is long enough to narrow anything down."""
        last = len(parts) - 1
        sets = []
        for i, piece in enumerate(parts):
            if (i == 0 and len(piece) < 3) or (i == last and len(piece) < 2):
                continue
            bits = 0
            for number, source in enumerate(self.sources):
                if i == 0:
                    tids: Collection[int] = frozenset(tid for tid, _ in source.substring_ids(piece + "\n"))
                elif i == last:
                    tokens = source.sorted_tokens()
                    lo = bisect.bisect_left(tokens, piece)
                    tids = source.ids_between(lo, bisect.bisect_left(tokens, piece + _TOP, lo))
                else:
                    tid = source.lookup(piece)
                    tids = frozenset(() if tid is None else (tid,))
                if tids:
                    bits |= self.union(number, True, tids) | self.union(number, False, tids)
            sets.append(ArticleSet(bits))
        return _intersect(sets) if sets else None

    def plan(self, query: Query) -> Plan:
        plan = self._plans.get(query)
        if plan is not None:
            return plan
        total = max(1, self.total)
        groups: list[Group] = []
        slots: list[dict[str, Match] | None] = []
        body_slots: list[dict[str, Match] | None] = []
        for group_terms in query.groups:
            terms = tuple(self.term(t) for t in group_terms)
            any_ = ArticleSet(_or(t.any.bits for t in terms))
            head = ArticleSet(_or(t.head.bits for t in terms))
            weight = 1.0 + math.log((total + 1) / (len(any_) + 1))
            groups.append(Group(terms, any_, head, weight))
            if len(terms) == 1:
                if terms[0].parts:
                    slots.extend(p.matches for p in terms[0].parts)
                    body_slots.extend(p.body_matches for p in terms[0].parts)
                else:
                    slots.append(None)
                    body_slots.append(None)
            else:
                merged: dict[str, Match] = {}
                merged_body: dict[str, Match] = {}
                for t in terms:
                    if t.parts:
                        merged.update(t.parts[0].matches)
                        merged_body.update(t.parts[0].body_matches)
                slots.append(merged or None)
                body_slots.append(merged_body or None)
        pairs = sum(1 for i in range(len(slots) - 1) if slots[i] and slots[i + 1])
        body_mask = slot_mask(body_slots)
        needles = tuple(body_mask) if 0 < len(body_mask) <= 12 else None
        plan = Plan(groups, slots, slot_mask(slots), body_slots, body_mask, sum(g.weight for g in groups), pairs, needles)
        self._plans.put(query, plan, sum(g.any.nbytes for g in groups if len(g.terms) > 1))
        return plan


def slot_mask(slots: list[dict[str, Match] | None]) -> dict[str, int]:
    """Token → bit set of the slots whose matches hold it."""
    mask: dict[str, int] = {}
    for bit, slot in enumerate(slots):
        if not slot:
            continue
        flag = 1 << bit
        if not mask:
            mask = dict.fromkeys(slot, flag)
        else:
            fresh = dict.fromkeys(slot, flag)
            for token in mask.keys() & fresh.keys():
                fresh[token] |= mask[token]
            mask.update(fresh)
    return mask


def _or(values) -> int:  # type: ignore[no-untyped-def]
    bits = 0
    for value in values:
        bits |= value.bits if isinstance(value, ArticleSet) else value
    return bits


def _intersect(sets: list[ArticleSet]) -> ArticleSet:
    if not sets:
        return ArticleSet()
    bits = sets[0].bits
    for s in sets[1:]:
        bits &= s.bits
    return sets[0] if len(sets) == 1 else ArticleSet(bits)
