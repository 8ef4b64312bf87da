"""Articles related to an article: weighted overlap of informative words (pure).

The article's own words (headline and body, re-read through the corpus) are looked up in
every source's vocabulary for their document frequencies. Only its most informative words
are used: the rarest that some other article shares (at most :data:`MAX_TERMS`, none in more
than :data:`COMMON` of the articles). A candidate scores the BM25 weight (IDF) of every such
word it holds, a headline word counting :data:`HEADLINE_BOOST` times more on either side.

No postings are walked article by article: each word's articles are a bitmap, and the
weights (rounded to 4 bits) are summed into bit-sliced counters — a ripple-carry adder over
bitmap ints, a few dozen C-level operations per word whatever its frequency. A threshold
search on the counters picks the :data:`RERANK` best candidates, whose exact scores are then
computed and length-normalised as BM25 does (by their number of distinct body words).
"""

from __future__ import annotations

import bisect
import math

from .bits import ArticleSet, members, smallest
from .build import body_tokens, tokenise_headline
from .corpus import Corpus
from .resolve import Resolver

MAX_TERMS = 32
"""At most this many of the article's words are scored."""
COMMON = 0.1
"""Words in more than this share of the articles are never used."""
SMALL_CORPUS_COMMON = 20
"""…unless they are in at most this many articles and at most half of them (small corpora)."""
HEADLINE_BOOST = 1.5
"""Weight of a shared word that is in the article's (or the candidate's) headline."""
K1, B = 1.2, 0.75
"""BM25's saturation and length-normalisation constants."""
RERANK = 200
"""How many of the best raw scores are length-normalised and re-ordered."""
LEVELS = 15
"""Weights are rounded to 1..LEVELS for the counters (exact scores are computed afterwards)."""


def related_articles(
    resolver: Resolver, corpus: Corpus, index: int, limit: int, dead: ArticleSet
) -> list[tuple[int, float]]:
    """``(article, score)`` of the ``limit`` articles most similar to ``index``, best first."""
    if limit <= 0:
        return []
    sources = resolver.sources
    total = max(1, resolver.total)
    words, extra, _ = tokenise_headline(corpus.headline(index))
    in_headline = set(words) | set(extra)
    terms = in_headline | body_tokens(corpus.body(index))
    # A small corpus (a single bulletin) has few articles per word: half of it is still telling.
    common = max(COMMON * total, min(0.5 * total, SMALL_CORPUS_COMMON))
    found: list[tuple[float, str, list[tuple[int, int]]]] = []
    for term in terms:
        places = []
        df_head = df_body = 0
        for number, source in enumerate(sources):
            tid = source.lookup(term)
            if tid is not None:
                places.append((number, tid))
                df_head += source.df(True, tid)
                df_body += source.df(False, tid)
        df = max(df_head, df_body)
        if df < 2 or df > common:
            continue
        idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
        found.append((idf, term, places))
    found.sort(key=lambda f: (-f[0], f[1]))
    contributions: list[tuple[int, float]] = []
    excluded = dead.bits | (1 << index)
    used = 0
    for idf, term, places in found:
        if used == MAX_TERMS:
            break
        body = head = 0
        for number, tid in places:
            body |= resolver.union(number, False, frozenset((tid,)))
            head |= resolver.union(number, True, frozenset((tid,)))
        if not (body | head) & ~excluded:
            continue  # only the article itself (or copies of files since changed) holds it: not telling
        used += 1
        weight = idf * (HEADLINE_BOOST if term in in_headline else 1.0)
        contributions.append((body, weight))
        contributions.append((head, weight * (HEADLINE_BOOST - 1.0)))
    candidates = _best_candidates(contributions, excluded, max(RERANK, 4 * limit))
    scores = dict.fromkeys(members(candidates), 0.0)
    for bits, weight in contributions:
        if bits & candidates:
            holds = ArticleSet(bits).__contains__
            for article in scores:
                if holds(article):
                    scores[article] += weight
    best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    average = _average_length(resolver)
    bases = [s.base for s in sources]
    reranked = []
    for article, raw in best:
        source = sources[bisect.bisect_right(bases, article) - 1]
        length = source.body_size(article - source.base)
        norm = (K1 + 1) / (1 + K1 * (1 - B + B * length / average)) if average else 1.0
        reranked.append((raw * norm, article))
    reranked.sort(key=lambda item: (-item[0], item[1]))
    key = corpus.key(index)
    out: list[tuple[int, float]] = []
    for score, article in reranked:
        if article in dead or corpus.key(article) == key:
            continue
        out.append((article, score))
        if len(out) >= limit:
            break
    return out


def _average_length(resolver: Resolver) -> float:
    """Mean distinct body words per article over every source (cached on the resolver)."""
    cached = resolver._average_length
    if cached is None:
        total = count = 0
        for source in resolver.sources:
            total += source.total_body_size()
            count += source.count
        cached = total / count if count else 0.0
        resolver._average_length = cached
    return cached


def _best_candidates(contributions: list[tuple[int, float]], excluded: int, wanted: int) -> int:
    """Bitmap of about ``wanted`` articles with the highest summed (rounded) weights.

    The weights are rounded to integers 1..:data:`LEVELS` and added into bit-sliced
    counters (``planes[k]``: articles whose counter has bit ``k``), then the highest
    threshold that at least ``wanted`` articles reach is found by bisection. Ties at that
    threshold are broken by article index.
    """
    top = max((w for bits, w in contributions if bits), default=0.0)
    if top <= 0:
        return 0
    planes: list[int] = []
    keep = ~excluded
    for bits, weight in contributions:
        bits &= keep
        level = round(weight * LEVELS / top)
        if not bits or level <= 0:
            continue
        shift = 0
        while level:
            if level & 1:  # add ``bits << shift`` with ripple carry
                carry, k = bits, shift
                while carry:
                    while k >= len(planes):
                        planes.append(0)
                    plane = planes[k]
                    planes[k] = plane ^ carry
                    carry &= plane
                    k += 1
            level >>= 1
            shift += 1
    if not planes:
        return 0

    def at_least(threshold: int) -> int:
        above, equal = 0, -1
        for k in range(len(planes) - 1, -1, -1):
            if threshold >> k & 1:
                equal &= planes[k]
            else:
                above |= equal & planes[k]
        return above | (equal if threshold else 0)

    lo, hi = 1, (1 << len(planes)) - 1
    if at_least(lo).bit_count() <= wanted:
        return at_least(lo)
    while lo < hi:  # the highest threshold reached by at least ``wanted`` articles
        middle = (lo + hi + 1) // 2
        if at_least(middle).bit_count() >= wanted:
            lo = middle
        else:
            hi = middle - 1
    above = at_least(lo + 1)
    ties = at_least(lo) & ~above
    chosen = above
    for article in smallest(ties, wanted - above.bit_count()):
        chosen |= 1 << article
    return chosen
