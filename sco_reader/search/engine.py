"""The search engine: incremental index over articles and the ranked, highlighted search on it (pure).

One vocabulary (token → id) serves a headline index (token id → article indexes) and a
body index (token → ``array('I')`` of article indexes; word tokens only). Both grow with
:meth:`SearchEngine.extend`: headlines are indexed at once, bodies are queued and indexed
in chunks by :meth:`SearchEngine.index_pending` (call it from a worker or idle time after
loading) and, at the latest, before a search. A one- or two-letter word matches bodies only
as a whole word (prefixes of it count in headlines).

A query word is first resolved against the vocabulary, not the articles: the exact token,
tokens it prefixes (sorted vocabulary + bisect), one-edit typos and transpositions (edit
variants looked up as whole tokens and as prefixes of longer ones), two-edit typos of long
words (rapidfuzz OSA over tokens with the same first letter) and, in headlines, infixes.
Its article sets are unions of the matched tokens' postings. Resolutions are cached per
word, so a keystroke only resolves the word being typed.

Ranking: articles matching more query terms first; then a score mixing IDF-weighted match
quality (exact > prefix > typo > infix, a body match worth 0.4 of a headline match) with
bonuses for query words adjacent in the headline or best paragraph and for how much of the
headline the query covers.
"""

from __future__ import annotations

import bisect
import heapq
import math
import threading
import time
from array import array
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from itertools import combinations, islice, repeat
from typing import Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ..dates import DateSpec
from ..model import Article
from .query import EXACT, FUZZY, FUZZY2, FUZZY_PREFIX, INFIX, PREFIX, Query, Term, _token_level, parse_query
from .rank import (
    BODY_PHRASE_BONUS, BODY_WEIGHT, BONUS_MAX, BOTH_BONUS, COVER_BONUS, PHRASE_BONUS, Hit,
    _adjacent_pairs, _ascii_search, _intersect, _slot_mask, _term_spans,
)
from .text import _EDGE, _body_tokens, _merge, _normalise_mapped, _positions, _to_original, _words, normalise, tokenise

RANK_CAP = 1000
"""Hits matching equally many terms are all ordered by score up to this many; beyond it the
first :data:`RANK_CAP` (most headline-matched groups first, then input order) are scored and
the rest follow in that order. Keeps one-letter queries over 100k articles fast."""
BODY_PHRASE_BUDGET = 24
"""Per search, at most this many candidates (the most promising) get the body phrase bonus
computed; it means tokenising their paragraphs, the costliest step of ranking."""
CACHE_PER_ARTICLE = 8
CACHE_MIN = 200_000
"""Each query cache holds article sets totalling at most ``max(CACHE_MIN, CACHE_PER_ARTICLE × articles)``
elements (least recently used first out), so typing never grows memory without bound."""
BODY_CHUNK = 256
"""Articles per body-indexing step (the time budget is checked between steps)."""
_PREFIX_ORDER = {0: 0, 1: 1, -1: 2}
"""Which matched prefix length wins for a fuzzy prefix: the typed length, one more, one less."""


@dataclass(slots=True, eq=False)
class _Part:
    """One alphanumeric query word resolved against the index."""

    matches: dict[int, tuple[float, int, int]]
    """Matched token id → (quality, start, end of the matched range in the token)."""
    head: list[tuple[float, set[int]]]
    """Headline article sets per quality level, best first."""
    body: list[tuple[float, set[int]]]
    """Body article sets per quality level, best first."""
    head_any: set[int]
    body_any: set[int]
    any: set[int]
    body_matches: dict[int, tuple[float, int, int]] | None = None
    """The :attr:`matches` that count in bodies (no infixes; only the whole word for 1–2 letters)."""


@dataclass(slots=True, eq=False)
class _TermIndex:
    term: Term
    parts: tuple[_Part, ...]
    """Resolved parts (token-level terms); empty for phrase/anchor terms scored as a whole."""
    head: set[int]
    """Articles whose headline the term matches."""
    body: set[int]
    """Articles whose body the term matches."""
    any: set[int]


@dataclass(slots=True, eq=False)
class _Group:
    terms: tuple[_TermIndex, ...]
    any: set[int]
    head: set[int]
    weight: float = 1.0


@dataclass(slots=True, eq=False)
class _Plan:
    """Everything a search needs about one parsed query, cached between keystrokes."""

    groups: list[_Group]
    slots: list[dict[int, tuple[float, int, int]] | None]
    """Token matchers in query order, for phrase adjacency (``None`` breaks the chain)."""
    mask: dict[int, int]
    """Token id → bit set of the slots it matches."""
    body_slots: list[dict[int, tuple[float, int, int]] | None]
    """:attr:`slots` restricted to matches that count in bodies."""
    body_mask: dict[int, int]
    weight_sum: float
    pairs: int
    """Adjacent slot pairs that can form a phrase."""
    words: dict[str, int] | None = None
    """:attr:`mask` keyed by token string (built on first use, for tokenised paragraphs)."""
    needles: tuple[str, ...] | None = None
    """When few, the matched token strings: a paragraph containing none of them is skipped
    without tokenising it."""
    paragraphs: dict[int, tuple[int, float, int]] = field(default_factory=dict)
    """Memo of :meth:`SearchEngine._best_paragraph` per article."""


class _Cache:
    """A least-recently-used map bounded by entry count and by the summed size of its values."""

    __slots__ = ("_data", "_sizes", "_total", "_count", "_budget")

    def __init__(self, count: int, budget: int = CACHE_MIN) -> None:
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

    def clear(self, budget: int | None = None) -> None:
        self._data.clear()
        self._sizes.clear()
        self._total = 0
        if budget is not None:
            self._budget = budget


# --------------------------------------------------------------------------- the engine


class SearchEngine:
    """Incremental index over articles and the ranked, highlighted search on it.

    Thread-safe: :meth:`extend`, :meth:`index_pending` and :meth:`search` may be called from
    different threads (they serialise on a lock).
    """

    def __init__(self, articles: Sequence[Article] = (), *, today: date | None = None) -> None:
        self._lock = threading.RLock()
        self._today = today
        self._articles: list[Article] = []
        self._vocab: dict[str, int] = {}
        self._tokens: list[str] = []
        self._hpost: defaultdict[int, list[int]] = defaultdict(list)
        self._bpost: defaultdict[str, array] = defaultdict(partial(array, "I"))
        """Body postings, keyed by token string (one dict lookup per token while indexing)."""
        self._bpost_seen = 0
        self._head_tok = array("I")
        """Word token ids of every headline, concatenated (for phrase and coverage bonuses)."""
        self._head_off = array("I", [0])
        self._anchor: list[str] = []
        """Normalised headlines without leading/trailing punctuation (for ``^`` and ``$``)."""
        self._by_date: dict[date | None, list[int]] = {}
        self._body_done = 0
        self._generation = 0
        self._synced = 0
        self._sorted: list[str] = []
        self._sorted_head: list[str] = []
        """Tokens that occur in some headline, sorted (prefix matches of one- and two-letter words)."""
        self._head_synced = 0
        self._blobs: list[tuple[int, str, array]] = []
        self._chars: set[str] = set()
        self._alphabets: dict[frozenset[str], str] = {}
        self._cache_generation = -1
        self._ints: list[int] = []
        """Canonical int objects for article indexes, shared by every cached set."""
        self._parts = _Cache(64)
        self._terms = _Cache(64)
        self._anchors = _Cache(16)
        self._unions = _Cache(256)
        self._leading = _Cache(16)
        self._plans = _Cache(16)
        self._date_sets = _Cache(16)
        self._budget = 0
        self.last_total = 0
        """How many articles matched every term (or the listing) in the last :meth:`search`."""
        if articles:
            self.extend(articles)

    # ------------------------------------------------------------------ building

    def __len__(self) -> int:
        return len(self._articles)

    @property
    def articles(self) -> Sequence[Article]:
        """The indexed articles, in :meth:`extend` order."""
        return self._articles

    @property
    def pending(self) -> int:
        """Articles whose body is not indexed yet."""
        return len(self._articles) - self._body_done

    def extend(self, articles: Sequence[Article]) -> None:
        """Add articles: their headlines are indexed now, their bodies queued."""
        with self._lock:
            vocab = self._vocab
            tokens = self._tokens
            hpost = self._hpost
            head_tok = self._head_tok
            head_off = self._head_off
            anchor = self._anchor
            by_date = self._by_date
            index = len(self._articles)
            ints = self._ints
            ints.extend(range(index, index + len(articles)))
            for article in articles:
                norm = normalise(article.headline)
                words = _words(norm)
                ids = []
                for token in words:
                    tid = vocab.get(token)
                    if tid is None:
                        tid = vocab[token] = len(tokens)
                        tokens.append(token)
                    ids.append(tid)
                head_tok.extend(ids)
                head_off.append(len(head_tok))
                distinct = set(ids)
                if "-" in norm or "'" in norm or not norm.isascii():
                    for token in tokenise(norm)[len(words) :]:
                        tid = vocab.get(token)
                        if tid is None:
                            tid = vocab[token] = len(tokens)
                            tokens.append(token)
                        distinct.add(tid)
                canonical = ints[index]
                for tid in distinct:
                    hpost[tid].append(canonical)
                anchor.append(_EDGE.sub("", norm))
                by_date.setdefault(article.date, []).append(canonical)
                index += 1
            self._articles.extend(articles)
            self._generation += 1

    def index_pending(self, budget: float | None = None) -> int:
        """Index queued bodies, for at most ``budget`` seconds (all when ``None``).

        Returns how many bodies are still pending. Cheap to call when nothing is.
        """
        with self._lock:
            start = self._body_done
            total = len(self._articles)
            if start >= total:
                return 0
            deadline = None if budget is None else time.perf_counter() + budget
            get_post = self._bpost.__getitem__
            append = array.append
            articles = self._articles
            position = start
            while position < total:
                stop = min(total, position + BODY_CHUNK)
                for a in range(position, stop):
                    found = _body_tokens(normalise("\n".join(articles[a].paragraphs)))
                    deque(map(append, map(get_post, found), repeat(a)), maxlen=0)
                position = stop
                if deadline is not None and time.perf_counter() >= deadline:
                    break
            self._body_done = position
            self._generation += 1
            return total - position

    def clear_caches(self) -> None:
        """Forget cached query work (results are the same, only slower); frees its memory."""
        with self._lock:
            self._cache_generation = -1

    def _sync(self) -> None:
        """Bring vocabulary helpers up to date and drop caches after the index grew."""
        if self._cache_generation == self._generation:
            return
        tokens = self._tokens
        vocab = self._vocab
        if len(self._bpost) > self._bpost_seen:
            for token in islice(self._bpost, self._bpost_seen, None):
                if token not in vocab:
                    vocab[token] = len(tokens)
                    tokens.append(token)
            self._bpost_seen = len(self._bpost)
        if len(self._hpost) > self._head_synced:
            self._sorted_head.extend(map(tokens.__getitem__, islice(self._hpost, self._head_synced, None)))
            self._sorted_head.sort()
            self._head_synced = len(self._hpost)
        if len(tokens) > self._synced:
            new = tokens[self._synced :]
            self._sorted.extend(new)
            self._sorted.sort()
            self._chars.update("".join(new))
            self._alphabets.clear()
            if len(self._blobs) >= 16:
                self._blobs.clear()
                new, first = tokens, 0
            else:
                first = self._synced
            for at in range(0, len(new), 65536):
                chunk = new[at : at + 65536]
                starts = array("I", [0])
                offset = 0
                for token in chunk:
                    offset += len(token) + 1
                    starts.append(offset)
                self._blobs.append((first + at, "\n".join(chunk) + "\n", starts))
            self._synced = len(tokens)
        budget = max(CACHE_MIN, CACHE_PER_ARTICLE * len(self._articles))
        for cache in (self._parts, self._terms, self._anchors, self._unions, self._leading, self._plans, self._date_sets):
            cache.clear(budget)
        self._cache_generation = self._generation

    # ------------------------------------------------------------------ resolving words

    def _alphabet(self, word: str) -> str:
        """Characters substituted or inserted when generating one-edit variants of ``word``."""
        chars = self._chars
        if len(chars) <= 160:
            key = frozenset()
        else:
            key = frozenset(("a" if c.isascii() else ord(c) >> 7) for c in word)
        alphabet = self._alphabets.get(key)
        if alphabet is None:
            if not key:
                picked = chars
            else:
                picked = {c for c in chars if c.isdigit() or ("a" if c.isascii() else ord(c) >> 7) in key}
            alphabet = self._alphabets[key] = "".join(sorted(picked))
        return alphabet

    def _prefixed(self, prefix: str, ordered: list[str] | None = None) -> list[str]:
        """Vocabulary tokens starting with ``prefix`` (from ``ordered``, the whole sorted vocabulary by default)."""
        if ordered is None:
            ordered = self._sorted
        lo = bisect.bisect_left(ordered, prefix)
        hi = bisect.bisect_left(ordered, prefix + "\U0010ffff", lo)
        return ordered[lo:hi]

    def _substring_ids(self, word: str) -> list[tuple[int, int]]:
        """``(token id, offset)`` of every vocabulary token containing ``word``."""
        found: list[tuple[int, int]] = []
        for first, blob, starts in self._blobs:
            at = blob.find(word)
            while at >= 0:
                k = bisect.bisect_right(starts, at) - 1
                found.append((first + k, at - starts[k]))
                at = blob.find(word, starts[k + 1])
        return found

    def _resolve(self, word: str, kind: str) -> _Part:
        key = (kind, word)
        part = self._parts.get(key)
        if part is not None:
            return part
        vocab = self._vocab
        matches: dict[int, tuple[float, int, int]] = {}
        n = len(word)

        def add(tid: int, quality: float, start: int, end: int) -> None:
            old = matches.get(tid)
            if old is None or quality > old[0]:
                matches[tid] = (quality, start, end)
            elif quality == old[0] == FUZZY_PREFIX and _PREFIX_ORDER[end - n] < _PREFIX_ORDER[old[2] - n]:
                matches[tid] = (quality, start, end)  # the same prefix length match_token reports

        levels: dict[float, frozenset[int]] | None = None
        if kind == "exact":
            for tid, offset in self._substring_ids(word):
                if tid not in matches:
                    matches[tid] = (EXACT, offset, offset + n)
        else:
            # Prefix matches in bulk (a one-letter word can prefix tens of thousands of tokens).
            ordered = self._sorted_head if n <= 2 else self._sorted  # short words: prefixes count in headlines only
            prefixed = frozenset(map(vocab.__getitem__, self._prefixed(word, ordered)))
            matches = dict.fromkeys(prefixed, (PREFIX, 0, n))
            exact = vocab.get(word)
            if exact is not None:
                matches[exact] = (EXACT, 0, n)
            if n >= 4:
                self._resolve_typos(word, add)
                for tid, offset in self._substring_ids(word):
                    if offset > 0 and tid not in matches:
                        matches[tid] = (INFIX, offset, offset + n)
            elif exact is None:
                levels = {PREFIX: prefixed}
            else:
                levels = {EXACT: frozenset((exact,)), PREFIX: prefixed - {exact}}
        part = self._index_part(matches, n, kind == "exact", levels)
        self._parts.put(key, part, sum(len(s) for _, s in part.head) + sum(len(s) for _, s in part.body))
        return part

    def _resolve_typos(self, word: str, add) -> None:  # type: ignore[no-untyped-def]
        vocab = self._vocab
        n = len(word)
        alphabet = self._alphabet(word)
        variants: dict[str, int] = {}
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
        prefixed = self._prefixed
        for variant, length in variants.items():
            tid = vocab.get(variant)
            if tid is not None:
                add(tid, FUZZY, 0, len(variant))
            if n >= 5 and (length >= n or n >= 6):
                for token in prefixed(variant):
                    if len(token) > length:
                        add(vocab[token], FUZZY_PREFIX, 0, length)
        if n >= 8:
            choices = self._prefixed(word[0])
            for token, distance, _ in process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=2, limit=None
            ):
                if distance == 2:
                    add(vocab[token], FUZZY2, 0, len(token))

    def _index_part(
        self,
        matches: dict[int, tuple[float, int, int]],
        n: int,
        exact: bool,
        levels: dict[float, frozenset[int]] | None = None,
    ) -> _Part:
        if levels is None:
            by_quality: dict[float, list[int]] = defaultdict(list)
            for tid, (quality, _, _) in matches.items():
                by_quality[quality].append(tid)
            levels = {q: frozenset(tids) for q, tids in by_quality.items()}
        head: list[tuple[float, set[int]]] = []
        body: list[tuple[float, set[int]]] = []
        keys: list[object] = []
        for quality in sorted(levels, reverse=True):
            tids = levels[quality]
            if not tids:
                continue
            found = self._union(True, tids)
            if found:
                head.append((quality, found))
                keys.append((True, quality, tids))
            if quality == INFIX or (not exact and n <= 2 and quality != EXACT):
                continue
            found = self._union(False, tids)
            if found:
                body.append((quality, found))
                keys.append((False, quality, tids))
        key = tuple(keys)
        combined = self._unions.get(key)
        if combined is None:
            head_any = set().union(*(s for _, s in head)) if len(head) != 1 else head[0][1]
            body_any = set().union(*(s for _, s in body)) if len(body) != 1 else body[0][1]
            combined = (head_any, body_any, head_any | body_any)
            self._unions.put(key, combined, len(head_any) + len(body_any) + len(combined[2]))
        if exact or n >= 4:
            body_matches = matches if exact else {t: m for t, m in matches.items() if m[0] != INFIX}
        elif n == 3:
            body_matches = matches
        else:
            body_matches = {t: m for t, m in matches.items() if m[0] == EXACT}
        return _Part(matches, head, body, *combined, body_matches)

    def _union(self, headline: bool, tids: frozenset[int]) -> set[int]:
        """Articles whose headline (or body) holds any of the tokens ``tids``.

        Memoised on the token set: while a word is typed its successive prefixes often
        resolve to the same tokens, so their (possibly large) article sets are reused.
        """
        key = (headline, tids)
        found = self._unions.get(key)
        if found is None:
            if headline:
                hpost = self._hpost
                lists = [hpost[t] for t in tids if t in hpost]
                found = set().union(*lists) if lists else set()
            else:
                bpost = self._bpost
                words = self._tokens
                canonical = self._ints.__getitem__
                found = set()
                for w in map(words.__getitem__, tids):
                    postings = bpost.get(w)
                    if postings:
                        found.update(map(canonical, postings))
            self._unions.put(key, found, len(found))
        return found

    def _term(self, term: Term) -> _TermIndex:
        cached = self._terms.get(term)
        if cached is not None:
            return cached
        text = term.text
        if _token_level(term):
            kind = "fuzzy" if term.kind == "fuzzy" else "exact"
            parts = tuple(self._resolve(p, kind) for p in term.parts)
            head = _intersect([p.head_any for p in parts])
            body = _intersect([p.body_any for p in parts])
            any_ = parts[0].any if len(parts) == 1 else _intersect([p.any for p in parts])
            result = _TermIndex(term, parts, head, body, any_)
        elif term.kind == "exact" and len(text) <= 2:
            # Too short to expand through the vocabulary: headlines as substrings, bodies as words.
            head = {i for i, h in enumerate(self._anchor) if text in h}
            body = set(self._bpost.get(text, ()))
            result = _TermIndex(term, (), head, body, head | body)
        elif term.kind == "exact":
            candidates = self._phrase_candidates(term.parts)
            if candidates is not None:
                anchor = self._anchor
                head = {a for a in candidates if text in anchor[a]}
                body = {a for a in candidates if self._body_contains(a, text)}
            else:  # only one- and two-letter pieces (``'u.s``): headlines only
                head = {i for i, h in enumerate(self._anchor) if text in h}
                body = set()
            result = _TermIndex(term, (), head, body, head | body)
        else:
            result = _TermIndex(term, (), self._anchored(term.kind, text), set(), set())
            result.any = result.head
        self._terms.put(term, result, len(result.any) + len(result.head) + len(result.body))
        return result

    def _body_contains(self, a: int, text: str) -> bool:
        """Whether the normalised body of article ``a`` contains normalised ``text``."""
        body = "\n".join(self._articles[a].paragraphs)
        if body.isascii() and text.isascii():  # normalising ASCII is lower(): a case-blind search is enough
            return _ascii_search(text)(body) is not None
        return text in normalise(body)

    def _phrase_candidates(self, parts: tuple[str, ...]) -> set[int] | None:
        """Articles that may contain an exact text made of ``parts`` (``anti-dr``): a token
        ending with the first piece, tokens equal to the middle ones, a token starting with
        the last one. ``None`` when no piece is long enough to narrow anything down."""
        vocab = self._vocab
        last = len(parts) - 1
        sets = []
        for i, piece in enumerate(parts):
            if i == 0:
                if len(piece) < 3:
                    continue
                tids = frozenset(tid for tid, _ in self._substring_ids(piece + "\n"))
            elif i == last:
                if len(piece) < 2:
                    continue
                tids = frozenset(map(vocab.__getitem__, self._prefixed(piece)))
            else:
                tid = vocab.get(piece)
                tids = frozenset(() if tid is None else (tid,))
            sets.append(self._union(True, tids) | self._union(False, tids))
        return _intersect(sets) if sets else None

    def _anchored(self, kind: str, text: str) -> set[int]:
        """Headlines starting with / ending with / equal to ``text``."""
        anchor = self._anchor
        if kind == "prefix":
            shorter = self._anchors.get((kind, text[:-1]))
            if shorter is not None:  # typing on: narrow the previous answer
                found = {i for i in shorter if anchor[i].startswith(text)}
            else:
                found = {i for i, h in enumerate(anchor) if h.startswith(text)}
        elif kind == "suffix":
            found = {i for i, h in enumerate(anchor) if h.endswith(text)}
        else:
            found = {i for i, h in enumerate(anchor) if h == text}
        self._anchors.put((kind, text), found, len(found))
        return found

    def _plan(self, query: Query) -> _Plan:
        plan = self._plans.get(query)
        if plan is not None:
            return plan
        total = max(1, len(self._articles))
        groups: list[_Group] = []
        slots: list[dict[int, tuple[float, int, int]] | None] = []
        body_slots: list[dict[int, tuple[float, int, int]] | None] = []
        for group_terms in query.groups:
            terms = tuple(self._term(t) for t in group_terms)
            any_ = set().union(*(t.any for t in terms)) if len(terms) > 1 else terms[0].any
            head = set().union(*(t.head for t in terms)) if len(terms) > 1 else terms[0].head
            weight = 1.0 + math.log((total + 1) / (len(any_) + 1))
            groups.append(_Group(terms, any_, head, weight))
            if len(terms) == 1:
                if terms[0].parts:
                    slots.extend(p.matches for p in terms[0].parts)
                    body_slots.extend(p.body_matches for p in terms[0].parts)
                else:
                    slots.append(None)
                    body_slots.append(None)
            else:
                merged: dict[int, tuple[float, int, int]] = {}
                merged_body: dict[int, tuple[float, int, int]] = {}
                for t in terms:
                    if t.parts:
                        merged.update(t.parts[0].matches)
                        merged_body.update(t.parts[0].body_matches or {})
                slots.append(merged or None)
                body_slots.append(merged_body or None)
        pairs = sum(1 for i in range(len(slots) - 1) if slots[i] and slots[i + 1])
        plan = _Plan(groups, slots, _slot_mask(slots), body_slots, _slot_mask(body_slots), sum(g.weight for g in groups), pairs)
        self._plans.put(query, plan, sum(len(g.any) for g in groups if len(g.terms) > 1))
        return plan

    def _allowed(self, specs: tuple[DateSpec, ...]) -> set[int] | None:
        if not specs:
            return None
        allowed = self._date_sets.get(specs)
        if allowed is None:
            allowed = set()
            for when, indexes in self._by_date.items():
                if when is not None and all(s.matches(when) for s in specs):
                    allowed.update(indexes)
            self._date_sets.put(specs, allowed, len(allowed))
        return allowed

    # ------------------------------------------------------------------ searching

    def search(self, query: str, limit: int | None = None) -> list[Hit]:
        """Articles matching ``query``, best first (at most ``limit``); ``[]`` for a blank query.

        A query of only ``@date`` filters (and/or exclusions) lists the matching articles in
        chronological order. Pass a ``limit`` for as-you-type use: spans and paragraphs are
        computed for the returned hits only.
        """
        with self._lock:
            self.index_pending()
            self._sync()
            parsed = parse_query(query, self._today)
            if parsed.empty or (limit is not None and limit <= 0):
                self.last_total = 0
                return []
            allowed = self._allowed(parsed.dates)
            excluded: set[int] = set()
            for term in parsed.exclude:
                excluded |= self._term(term).any
            if not parsed.groups:
                order = self._listing(parsed.dates, allowed, excluded)
                self.last_total = len(order)
                chosen = order if limit is None else order[:limit]
                return [Hit(i, 0.0, (), None, ()) for i in chosen]
            plan = self._plan(parsed)
            self._budget = BODY_PHRASE_BUDGET
            ranked = self._rank(plan, parsed, allowed, excluded, limit)
            return [self._hit(plan, parsed, index, score) for score, index in ranked]

    def _listing(self, specs: tuple[DateSpec, ...], allowed: set[int] | None, excluded: set[int]) -> list[int]:
        articles = self._articles
        days = [d for d in self._by_date if d is not None and (allowed is None or all(s.matches(d) for s in specs))]
        order: list[int] = []
        for day in sorted(days):
            group = self._by_date[day]
            order.extend(sorted(group, key=lambda i: (articles[i].time or "", i)))
        if not specs and None in self._by_date:
            order.extend(self._by_date[None])
        if excluded:
            order = [i for i in order if i not in excluded]
        return order

    def _rank(
        self, plan: _Plan, query: Query, allowed: set[int] | None, excluded: set[int], limit: int | None
    ) -> list[tuple[float, int]]:
        groups = plan.groups
        count = len(groups)
        if count > 2:
            # Typing edits the last word: the other words' intersection is kept between keystrokes.
            key = query.groups[:-1]
            leading = self._leading.get(key)
            if leading is None:
                leading = _intersect([g.any for g in groups[:-1]])
                self._leading.put(key, leading, len(leading))
            full = _intersect([leading, groups[-1].any], copy=True)
        else:
            full = _intersect([g.any for g in groups], copy=True)
        if excluded:
            full -= excluded
        if allowed is not None:
            full &= allowed
        self.last_total = len(full)
        ranked: list[tuple[float, int]] = []
        tiers: list[tuple[int, set[int] | None]] = [(count, full)]
        fuzzy = [g for g in groups if any(t.term.kind == "fuzzy" for t in g.terms)]
        if len(fuzzy) > 1:  # then articles missing one plain word (operators are never relaxed)
            tiers.append((count - 1, None))
        for matched, tier in tiers:
            need = None if limit is None else limit - len(ranked)
            if need is not None and need <= 0:
                break
            if tier is None:
                strict = [g.any for g in groups if g not in fuzzy]
                tier = self._partial(fuzzy, full)
                if strict:
                    tier &= _intersect(strict)
                if excluded:
                    tier -= excluded
                if allowed is not None:
                    tier &= allowed
            if tier:
                ranked.extend((matched + s / 2, a) for s, a in self._rank_tier(plan, tier, need))
        return ranked

    def _partial(self, groups: list[_Group], full: set[int]) -> set[int]:
        """Articles matching all ``groups`` but one (and not all)."""
        if len(groups) == 2:
            return (groups[0].any | groups[1].any) - full
        counts = Counter()
        for g in groups:
            counts.update(g.any)
        need = len(groups) - 1
        return {a for a, c in counts.items() if c == need}

    def _rank_tier(self, plan: _Plan, tier: set[int], need: int | None) -> list[tuple[float, int]]:
        """``(score, index)`` best first for one tier (at most ``need``)."""
        pool = tier if len(tier) <= RANK_CAP else self._pool(plan.groups, tier)
        coarse = self._coarse
        heap = [(-(c + BONUS_MAX), a, 0, c) for a in pool for c in (coarse(plan, a),)]
        heapq.heapify(heap)
        out: list[tuple[float, int]] = []
        while heap and (need is None or len(out) < need):
            bound, a, stage, value = heapq.heappop(heap)
            if stage == 0:
                head = value + self._head_bonus(plan, a)
                if plan.pairs and self._budget > 0 and self._matched_in_body(plan, a):
                    self._budget -= 1
                    heapq.heappush(heap, (-(head + BODY_PHRASE_BONUS), a, 1, head))
                else:
                    heapq.heappush(heap, (-head, a, 2, head))
            elif stage == 1:
                _, _, pairs = self._best_paragraph(plan, a)
                final = value + BODY_PHRASE_BONUS * pairs / plan.pairs
                heapq.heappush(heap, (-final, a, 2, final))
            else:
                out.append((value, a))
        if len(pool) < len(tier) and (need is None or len(out) < need):
            rest = self._by_headline_count(plan.groups, tier - set(pool))
            extra = rest if need is None else rest[: need - len(out)]
            out.extend((coarse(plan, a), a) for a in extra)
        return out

    def _pool(self, groups: list[_Group], tier: set[int]) -> list[int]:
        """The :data:`RANK_CAP` members of an oversized tier that get scored: most groups
        matched in the headline first, then input order."""
        heads = [g.head & tier for g in groups]
        inside = set().union(*heads) if len(heads) > 1 else heads[0]
        if len(inside) <= RANK_CAP:
            return list(inside) + heapq.nsmallest(RANK_CAP - len(inside), tier - inside)
        if len(heads) > 4:
            return self._by_headline_count(groups, inside)[:RANK_CAP]
        pool: list[int] = []
        taken: set[int] = set()
        for k in range(len(heads), 0, -1):  # articles with k groups in the headline, by set algebra
            level = set().union(*(_intersect(list(c)) for c in combinations(heads, k))) - taken
            if len(pool) + len(level) >= RANK_CAP:
                pool.extend(heapq.nsmallest(RANK_CAP - len(pool), level))
                break
            pool.extend(sorted(level))
            taken |= level
        return pool

    def _by_headline_count(self, groups: list[_Group], tier: set[int]) -> list[int]:
        """``tier`` ordered by how many groups matched the headline (most first), then index."""
        if len(groups) == 1:
            inside = groups[0].head & tier
            return sorted(inside) + sorted(tier - inside)
        counts = Counter()
        for g in groups:
            counts.update(g.head & tier)
        buckets: dict[int, list[int]] = defaultdict(list)
        for a, c in counts.items():
            buckets[c].append(a)
        ordered: list[int] = []
        for c in sorted(buckets, reverse=True):
            ordered.extend(sorted(buckets[c]))
        ordered.extend(sorted(tier - counts.keys()))
        return ordered

    def _coarse(self, plan: _Plan, a: int) -> float:
        total = 0.0
        for group in plan.groups:
            best = 0.0
            for term in group.terms:
                if a not in term.any:
                    continue
                if not term.parts:
                    quality = 1.0 if a in term.head else BODY_WEIGHT
                    if a in term.head and a in term.body:
                        quality += BOTH_BONUS
                else:
                    quality = 0.0
                    for part in term.parts:
                        hq = bq = 0.0
                        if a in part.head_any:
                            for q, s in part.head:
                                if a in s:
                                    hq = q
                                    break
                        if a in part.body_any:
                            for q, s in part.body:
                                if a in s:
                                    bq = q
                                    break
                        value = hq if hq >= bq * BODY_WEIGHT else bq * BODY_WEIGHT
                        if hq and bq:
                            value += BOTH_BONUS
                        quality += value
                    quality /= len(term.parts)
                if quality > best:
                    best = quality
            total += group.weight * best
        return total / plan.weight_sum

    def _head_bonus(self, plan: _Plan, a: int) -> float:
        mask = plan.mask
        if not mask:
            return 0.0
        ids = self._head_tok[self._head_off[a] : self._head_off[a + 1]]
        if not ids:
            return 0.0
        bits = list(map(mask.get, ids, repeat(0)))
        covered = len(bits) - bits.count(0)
        bonus = COVER_BONUS * covered / len(bits)
        if plan.pairs and covered > 1:
            bonus += PHRASE_BONUS * _adjacent_pairs(bits) / plan.pairs
        return bonus

    def _matched_in_body(self, plan: _Plan, a: int) -> bool:
        return any(a in t.body for g in plan.groups for t in g.terms)

    def _best_paragraph(self, plan: _Plan, a: int) -> tuple[int, float, int]:
        """``(paragraph, score, adjacent pairs)`` of the paragraph matching the query best
        (``-1`` when no paragraph has a matching word)."""
        found = plan.paragraphs.get(a)
        if found is not None:
            return found
        words_mask = plan.words
        if words_mask is None:
            tokens = self._tokens
            words_mask = plan.words = dict(zip(map(tokens.__getitem__, plan.body_mask), plan.body_mask.values()))
            plan.needles = tuple(words_mask) if len(words_mask) <= 12 else None
        needles = plan.needles
        vocab = self._vocab
        slots = plan.body_slots
        best = (-1, 0.0, 0)
        if words_mask:
            body = normalise("\n".join(self._articles[a].paragraphs)).split("\n")
            for number, paragraph in enumerate(body):
                if needles is not None and not any(n in paragraph for n in needles):
                    continue
                words = _words(paragraph)
                bits = list(map(words_mask.get, words, repeat(0)))
                if not any(bits):
                    continue
                qualities = [0.0] * len(slots)
                for word, b in zip(words, bits):
                    if b:
                        tid = vocab[word]
                        for k, slot in enumerate(slots):
                            if b >> k & 1 and slot:
                                q = slot[tid][0]
                                if q > qualities[k]:
                                    qualities[k] = q
                pairs = _adjacent_pairs(bits) if plan.pairs else 0
                score = sum(qualities) + pairs
                if score > best[1]:
                    best = (number, score, pairs)
        if len(plan.paragraphs) > 4096:
            plan.paragraphs.clear()
        plan.paragraphs[a] = best
        return best

    # ------------------------------------------------------------------ hits

    def _hit(self, plan: _Plan, query: Query, a: int, score: float) -> Hit:
        article = self._articles[a]
        headline_spans = self._spans(article.headline, plan, query, headline=True)
        paragraph: int | None = None
        paragraph_spans: tuple[tuple[int, int], ...] = ()
        if self._matched_in_body(plan, a):
            number = self._best_paragraph(plan, a)[0]
            if number < 0:
                number = self._paragraph_with_phrase(plan, a)
            if number is not None and number >= 0:
                paragraph = number
                paragraph_spans = self._spans(article.paragraphs[number], plan, query, headline=False)
        return Hit(a, score, headline_spans, paragraph, paragraph_spans)

    def _paragraph_with_phrase(self, plan: _Plan, a: int) -> int | None:
        """First paragraph holding an exact multi-word term (those have no token matchers)."""
        for group in plan.groups:
            for term in group.terms:
                if not term.parts and term.term.kind == "exact" and a in term.body:
                    for number, paragraph in enumerate(self._articles[a].paragraphs):
                        if term.term.text in normalise(paragraph):
                            return number
        return None

    def _spans(self, text: str, plan: _Plan, query: Query, headline: bool) -> tuple[tuple[int, int], ...]:
        norm, origin = _normalise_mapped(text)
        spans: list[tuple[int, int]] = []
        mask = plan.mask if headline else plan.body_mask
        slots = plan.slots if headline else plan.body_slots
        get_id = self._vocab.get
        if mask:
            for start, end, token in _positions(norm):
                tid = get_id(token)
                bits = mask.get(tid, 0) if tid is not None else 0
                if not bits:
                    continue
                best: tuple[float, int, int] | None = None
                for k, slot in enumerate(slots):
                    if bits >> k & 1 and slot:
                        m = slot[tid]
                        if best is None or m[0] > best[0]:
                            best = m
                if best is not None:
                    spans.append((start + best[1], start + best[2]))
        for group in query.groups:
            for term in group:
                spans.extend(_term_spans(term, norm, headline))
        return _to_original(_merge(spans), origin)
