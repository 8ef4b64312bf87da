"""Ranking: tiers, scores, best paragraphs, results and highlight spans (pure).

Articles matching more query terms come first (every term, then — when the query has two or
more plain words — all plain words but one); within a tier a score mixes IDF-weighted match
quality (exact > prefix > typo > infix, a body match worth 0.4 of a headline match) with
bonuses for query words adjacent in the headline or best paragraph and for how much of the
headline the query covers. Scores are computed lazily, best bound first, so a search with a
``limit`` tokenises only the paragraphs it needs.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, repeat

from .bits import ArticleSet, from_ids, members
from .corpus import Corpus
from .query import EXACT, INFIX, Query, Term, _token_level, match_token, parse_query
from .resolve import Group, Plan, Resolver
from .text import _EDGE, _merge, _normalise_mapped, _positions, _to_original, _words, normalise

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

RANK_CAP = 1000
"""Hits matching equally many terms are all ordered by score up to this many; beyond it the
first :data:`RANK_CAP` (most headline-matched groups first, then input order) are scored and
the rest follow in that order. Keeps one-letter queries over a million articles fast."""
BODY_PHRASE_BUDGET = 24
"""Per search, at most this many candidates (the most promising) get the body phrase bonus
computed; it means tokenising their paragraphs, the costliest step of ranking."""

# --------------------------------------------------------------------------- results

PARAGRAPH_LIMIT = 20_000
"""Characters of a paragraph that ranking and snippets read (the article pane lays out as many)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result."""

    index: int
    """Index of the article in the engine's corpus."""
    score: float
    """Higher is better; the integer part is how many query terms (OR-groups) matched."""
    headline_spans: tuple[tuple[int, int], ...]
    """``(start, end)`` character ranges of ``article.headline`` that matched."""
    paragraph: int | None
    """Index of the best-matching paragraph when the query (also) matched the body, else ``None``."""
    paragraph_spans: tuple[tuple[int, int], ...]
    """Matched ranges inside that paragraph."""
    complete: bool = True
    """Whether it matched every term (``False`` in the relaxed tier: all plain words but one)."""


@dataclass(frozen=True, slots=True)
class Ranked:
    """The ordered candidates of one search and the counts behind them."""

    order: list[tuple[float, int, bool]]
    """``(score, article, complete)`` best first."""
    total: int
    """Articles matching every term."""
    partial: int
    """Articles in the relaxed tier (all plain words but one, not all)."""


class Ranker:
    """Orders the matches of one plan and makes their :class:`Hit`\\ s (one per search)."""

    def __init__(self, resolver: Resolver, corpus: Corpus) -> None:
        self.resolver = resolver
        self.sources = resolver.sources
        self.bases = [s.base for s in self.sources]
        self.corpus = corpus
        self.budget = BODY_PHRASE_BUDGET

    # ------------------------------------------------------------------ tiers

    def rank(self, plan: Plan, query: Query, allowed: ArticleSet | None, excluded: ArticleSet, limit: int | None) -> Ranked:
        groups = plan.groups
        count = len(groups)
        if count > 2:
            # Typing edits the last word: the other words' intersection is kept between keystrokes.
            key = query.groups[:-1]
            leading = self.resolver.leading.get(key)
            if leading is None:
                leading = _and([g.any for g in groups[:-1]])
                self.resolver.leading.put(key, leading, (leading.bit_length() >> 3) + 64)
            full_bits = leading & groups[-1].any.bits
        else:
            full_bits = _and([g.any for g in groups])
        full_bits = _filtered(full_bits, allowed, excluded)
        full = ArticleSet(full_bits)
        tiers: list[tuple[int, ArticleSet]] = [(count, full)]
        fuzzy = [g for g in groups if any(t.term.kind == "fuzzy" for t in g.terms)]
        partial = ArticleSet()
        if len(fuzzy) > 1:  # then articles missing one plain word (operators are never relaxed)
            strict = [g.any for g in groups if g not in fuzzy]
            bits = _all_but_one([g.any.bits for g in fuzzy])
            if strict:
                bits &= _and(strict)
            partial = ArticleSet(_filtered(bits, allowed, excluded))
            tiers.append((count - 1, partial))
        ranked: list[tuple[float, int, bool]] = []
        for matched, tier in tiers:
            need = None if limit is None else limit - len(ranked)
            if need is not None and need <= 0:
                break
            if tier:
                complete = matched == count
                ranked.extend((matched + s / 2, a, complete) for s, a in self._rank_tier(plan, tier, need))
        return Ranked(ranked, len(full), len(partial))

    def _rank_tier(self, plan: Plan, tier: ArticleSet, need: int | None) -> list[tuple[float, int]]:
        """``(score, index)`` best first for one tier (at most ``need``)."""
        pool = list(tier) if len(tier) <= RANK_CAP else self._pool(plan.groups, tier)
        coarse = self._coarse(plan, pool)
        heap = [(-(c + BONUS_MAX), a, 0, c) for a, c in coarse.items()]
        heapq.heapify(heap)
        out: list[tuple[float, int]] = []
        while heap and (need is None or len(out) < need):
            bound, a, stage, value = heapq.heappop(heap)
            if stage == 0:
                head = value + self._head_bonus(plan, a)
                if plan.pairs and self.budget > 0 and self._matched_in_body(plan, a):
                    self.budget -= 1
                    heapq.heappush(heap, (-(head + BODY_PHRASE_BONUS), a, 1, head))
                else:
                    heapq.heappush(heap, (-head, a, 2, head))
            elif stage == 1:
                _, _, pairs = self.best_paragraph(plan, a)
                final = value + BODY_PHRASE_BONUS * pairs / plan.pairs
                heapq.heappush(heap, (-final, a, 2, final))
            else:
                out.append((value, a))
        if len(pool) < len(tier) and (need is None or len(out) < need):
            rest = self._by_headline_count(plan.groups, tier - ArticleSet.of(pool), None if need is None else need - len(out))
            out.extend((c, a) for a, c in self._coarse(plan, rest).items())
        return out

    def _pool(self, groups: list[Group], tier: ArticleSet) -> list[int]:
        """The :data:`RANK_CAP` members of an oversized tier that get scored: most groups
        matched in the headline first, then input order."""
        heads = [g.head.bits & tier.bits for g in groups]
        inside = _or_bits(heads)
        inside_count = inside.bit_count()
        if inside_count <= RANK_CAP:
            return members(inside) + (tier - inside).smallest(RANK_CAP - inside_count)
        if len(heads) > 4:
            return self._by_headline_count(groups, ArticleSet(inside), RANK_CAP)
        pool: list[int] = []
        taken = 0
        for k in range(len(heads), 0, -1):  # articles with k groups in the headline, by set algebra
            level = _or_bits(_and_bits(c) for c in combinations(heads, k)) & ~taken
            size = level.bit_count()
            if len(pool) + size >= RANK_CAP:
                pool.extend(ArticleSet(level).smallest(RANK_CAP - len(pool)))
                break
            pool.extend(members(level))
            taken |= level
        return pool

    def _by_headline_count(self, groups: list[Group], tier: ArticleSet, need: int | None) -> list[int]:
        """``tier`` ordered by how many groups matched the headline (most first), then index
        (the first ``need`` of that order, all when ``None``)."""
        heads = [g.head.bits & tier.bits for g in groups]
        at_least = [tier.bits] + [0] * len(heads)  # at_least[c]: articles with c or more groups in the headline
        for head in heads:
            for c in range(len(heads), 0, -1):
                at_least[c] |= at_least[c - 1] & head
        ordered: list[int] = []
        for c in range(len(heads), -1, -1):
            exactly = at_least[c] & ~at_least[c + 1] if c < len(heads) else at_least[c]
            if need is None:
                ordered.extend(members(exactly))
            else:
                ordered.extend(ArticleSet(exactly).smallest(need - len(ordered)))
                if len(ordered) >= need:
                    break
        return ordered

    # ------------------------------------------------------------------ scores

    def _coarse(self, plan: Plan, pool: list[int]) -> dict[int, float]:
        """Match quality of each of ``pool``, IDF-weighted over the groups (before bonuses).

        Computed set by set: each article set of the plan is intersected with the pool's
        bitmap once, instead of testing every article against every set. The arithmetic runs
        in the same order per article as one article at a time would, to the last bit.
        """
        pool_bits = from_ids(pool, max(pool) + 1) if pool else 0
        total = dict.fromkeys(pool, 0.0)
        for group in plan.groups:
            best: dict[int, float] = {}
            for term in group.terms:
                inside = term.any.bits & pool_bits
                if not inside:
                    continue
                if not term.parts:
                    head = set(members(term.head.bits & inside))
                    both = head.intersection(members(term.body.bits & inside))
                    qualities = {
                        a: (1.0 if a in head else BODY_WEIGHT) + (BOTH_BONUS if a in both else 0.0) for a in members(inside)
                    }
                else:
                    sums = dict.fromkeys(members(inside), 0.0)
                    for part in term.parts:
                        hq = _first_level(part.head, inside)
                        bq = _first_level(part.body, inside)
                        for a in sums:
                            h, b = hq.get(a, 0.0), bq.get(a, 0.0)
                            value = h if h >= b * BODY_WEIGHT else b * BODY_WEIGHT
                            if h and b:
                                value += BOTH_BONUS
                            sums[a] += value
                    count = len(term.parts)
                    qualities = {a: q / count for a, q in sums.items()}
                for a, quality in qualities.items():
                    if quality > best.get(a, 0.0):
                        best[a] = quality
            weight = group.weight
            for a in total:
                total[a] += weight * best.get(a, 0.0)
        weight_sum = plan.weight_sum
        return {a: t / weight_sum for a, t in total.items()}

    def _head_bonus(self, plan: Plan, a: int) -> float:
        mask = plan.mask
        if not mask:
            return 0.0
        source = self.sources[bisect.bisect_right(self.bases, a) - 1]
        ids = source.head_ids(a - source.base)
        if not ids:
            return 0.0
        bits = list(map(mask.get, map(source.token_list().__getitem__, ids), repeat(0)))
        covered = len(bits) - bits.count(0)
        bonus = COVER_BONUS * covered / len(bits)
        if plan.pairs and covered > 1:
            bonus += PHRASE_BONUS * _adjacent_pairs(bits) / plan.pairs
        return bonus

    def _matched_in_body(self, plan: Plan, a: int) -> bool:
        return any(a in t.body for g in plan.groups for t in g.terms)

    def best_paragraph(self, plan: Plan, a: int) -> tuple[int, float, int]:
        """``(paragraph, score, adjacent pairs)`` of the paragraph matching the query best
        (``-1`` when no paragraph has a matching word)."""
        found = plan.paragraphs.get(a)
        if found is not None:
            return found
        words_mask = plan.body_mask
        needles = plan.needles
        slots = plan.body_slots
        best = (-1, 0.0, 0)
        if words_mask:
            body = normalise("\n".join(self._shown(a))).split("\n")
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
                        for k, slot in enumerate(slots):
                            if b >> k & 1 and slot:
                                q = slot[word][0]
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

    def hit(self, plan: Plan, query: Query, a: int, score: float, complete: bool = True) -> Hit:
        headline_spans = _spans(self.corpus.headline(a), plan, query, headline=True)
        paragraph: int | None = None
        paragraph_spans: tuple[tuple[int, int], ...] = ()
        if self._matched_in_body(plan, a):
            number: int | None = self.best_paragraph(plan, a)[0]
            if number is not None and number < 0:
                number = self._paragraph_with_phrase(plan, a)
            if number is not None and number >= 0:
                paragraph = number
                paragraph_spans = _spans(self._shown(a)[number], plan, query, headline=False)
        return Hit(a, score, headline_spans, paragraph, paragraph_spans, complete)

    def _shown(self, a: int) -> list[str]:
        """Article ``a``'s paragraphs as far as a reader sees them: each cut at :data:`PARAGRAPH_LIMIT`
        characters (snippets, spans and phrase bonuses look no further; matching covers everything)."""
        return [p if len(p) <= PARAGRAPH_LIMIT else p[:PARAGRAPH_LIMIT] for p in self.corpus.body(a)]

    def _paragraph_with_phrase(self, plan: Plan, a: int) -> int | None:
        """First paragraph holding an exact multi-word term (those have no token matchers)."""
        for group in plan.groups:
            for term in group.terms:
                if not term.parts and term.term.kind == "exact" and a in term.body:
                    for number, paragraph in enumerate(self._shown(a)):
                        if term.term.text in normalise(paragraph):
                            return number
        return None


def _spans(text: str, plan: Plan, query: Query, headline: bool) -> tuple[tuple[int, int], ...]:
    norm, origin = _normalise_mapped(text)
    spans: list[tuple[int, int]] = []
    mask = plan.mask if headline else plan.body_mask
    slots = plan.slots if headline else plan.body_slots
    if mask:
        for start, end, token in _positions(norm):
            bits = mask.get(token, 0)
            if not bits:
                continue
            best: tuple[float, int, int] | None = None
            for k, slot in enumerate(slots):
                if bits >> k & 1 and slot:
                    m = slot[token]
                    if best is None or m[0] > best[0]:
                        best = m
            if best is not None:
                spans.append((start + best[1], start + best[2]))
    for group in query.groups:
        for term in group:
            spans.extend(_term_spans(term, norm, headline))
    return _to_original(_merge(spans), origin)


def _first_level(levels: list[tuple[float, ArticleSet]], within: int) -> dict[int, float]:
    """Article → quality of the best level holding it, for the articles of ``within``."""
    found: dict[int, float] = {}
    for quality, level in levels:
        inside = level.bits & within
        if inside:
            for a in members(inside):
                if a not in found:
                    found[a] = quality
    return found


def _filtered(bits: int, allowed: ArticleSet | None, excluded: ArticleSet) -> int:
    if excluded:
        bits &= ~excluded.bits
    if allowed is not None:
        bits &= allowed.bits
    return bits


def _and(sets: Sequence[ArticleSet]) -> int:
    return _and_bits([s.bits for s in sets])


def _and_bits(values) -> int:  # type: ignore[no-untyped-def]
    values = list(values)
    if not values:
        return 0
    bits = values[0]
    for value in values[1:]:
        bits &= value
    return bits


def _or_bits(values) -> int:  # type: ignore[no-untyped-def]
    bits = 0
    for value in values:
        bits |= value
    return bits


def _all_but_one(values: list[int]) -> int:
    """Members of exactly ``len(values) - 1`` of ``values``."""
    k = len(values)
    before = [-1] * (k + 1)  # before[i]: AND of values[:i] (-1: every bit)
    after = [-1] * (k + 1)  # after[i]: AND of values[i:]
    for i in range(k):
        before[i + 1] = before[i] & values[i]
        after[k - 1 - i] = after[k - i] & values[k - 1 - i]
    some = 0
    for i in range(k):
        some |= before[i] & after[i + 1]
    return some & ~before[k]


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
