"""Articles related to an article: weighted overlap of informative words (pure).

The article's own words (headline and body, re-read through the corpus) are looked up in
every source's vocabulary for their document frequencies. Only its most informative words
are used — the rarest that some other article shares, at most :data:`MAX_TERMS` of them and
at most :data:`POSTINGS_BUDGET` postings in all — so the long postings of common words are
never walked. Each candidate scores the BM25 weight (IDF) of every such word it holds, a
headline word counting :data:`HEADLINE_BOOST` times more on either side, and the best
candidates are length-normalised as BM25 does (by their number of distinct body words).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict

from .bits import ArticleSet
from .build import body_tokens, tokenise_headline
from .corpus import Corpus
from .resolve import Resolver

MAX_TERMS = 32
"""At most this many of the article's words are looked up in the postings."""
POSTINGS_BUDGET = 300_000
"""At most this many postings are walked per call (common words are skipped before rare ones)."""
COMMON = 0.1
"""Words in more than this share of the articles are never used."""
HEADLINE_BOOST = 1.5
"""Weight of a shared word that is in the article's (or the candidate's) headline."""
K1, B = 1.2, 0.75
"""BM25's saturation and length-normalisation constants."""
RERANK = 200
"""How many of the best raw scores are length-normalised and re-ordered."""


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
    found: list[tuple[float, str, list[tuple[int, int]], int]] = []
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
        if df < 2 or df > COMMON * total:
            continue
        idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
        found.append((idf, term, places, df_head + df_body))
    found.sort(key=lambda f: (-f[0], f[1]))
    scores: defaultdict[int, float] = defaultdict(float)
    walked = 0
    for idf, term, places, size in found[:MAX_TERMS]:
        if walked + size > POSTINGS_BUDGET:
            continue
        walked += size
        weight = idf * (HEADLINE_BOOST if term in in_headline else 1.0)
        for number, tid in places:
            source = sources[number]
            base = source.base
            for local in source.postings(False, tid):
                scores[base + local] += weight
            boost = weight * (HEADLINE_BOOST - 1.0)
            for local in source.postings(True, tid):
                scores[base + local] += boost
    scores.pop(index, None)
    best = heapq.nlargest(max(RERANK, 4 * limit), scores.items(), key=lambda item: (item[1], -item[0]))
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
