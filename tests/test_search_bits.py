"""Article sets as bitmaps, and the list corpus's date order."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sco_reader.model import Article, chronological_key, content_key
from sco_reader.search import ArticleSet, Corpus, ListCorpus
from sco_reader.search.bits import from_ids, members, pack, smallest, unpack

indexes = st.lists(st.integers(min_value=0, max_value=5000), max_size=300)


@settings(max_examples=150, deadline=None)
@given(indexes, indexes)
def test_article_sets_behave_like_sets(a: list[int], b: list[int]) -> None:
    x, y = ArticleSet.of(a), ArticleSet.of(b)
    sa, sb = set(a), set(b)
    assert set(x) == sa and list(x) == sorted(sa) and len(x) == len(sa) and bool(x) == bool(sa)
    assert set(x & y) == sa & sb and set(x | y) == sa | sb and set(x - y) == sa - sb and set(x ^ y) == sa ^ sb
    for probe in [*a[:20], *b[:20], 0, 5001, 10**6]:
        assert (probe in x) == (probe in sa)
    assert -1 not in x and "1" not in x
    assert x == ArticleSet.of(sorted(sa)) and (x == sa) and hash(x) == hash(ArticleSet.of(a))
    assert x.smallest(7) == sorted(sa)[:7]
    assert x.count_between(100, 2000) == sum(100 <= i < 2000 for i in sa)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=200_000), max_size=2000), st.integers(min_value=0, max_value=50))
def test_bitmap_primitives_dense_and_sparse(ids: list[int], k: int) -> None:
    size = max(ids, default=0) + 1
    bits = from_ids(ids, size)
    assert members(bits) == sorted(set(ids))
    assert members(bits, start=10) == [i + 10 for i in sorted(set(ids))]
    assert smallest(bits, k) == sorted(set(ids))[:k]
    bytemap = unpack(bits, size)
    assert len(bytemap) >= size and pack(bytemap) == bits
    dense = from_ids(range(0, size, 2), size)  # the scatter path, not bit by bit
    assert members(dense) == list(range(0, size, 2))


def test_article_set_refuses_negative_bitmaps() -> None:
    with pytest.raises(ValueError):
        ArticleSet(-1)
    with pytest.raises(TypeError):
        ArticleSet.of([1]) & 1.5  # type: ignore[operator]
    assert "3 members" in repr(ArticleSet.of([1, 2, 3]))


# --------------------------------------------------------------------------- the list corpus


def article(n: int, when: date | None, time: str | None) -> Article:
    key = content_key(f"Headline {n}", when, "")
    return Article(key, when, time, f"Headline {n}", (f"Body {n}.",), "test", n, key)


days = st.one_of(st.none(), st.dates(min_value=date(2024, 7, 1), max_value=date(2024, 7, 5)))
times = st.one_of(st.none(), st.sampled_from(["09:30", "18:00", "12:00"]))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(days, times), max_size=40), st.integers(min_value=0, max_value=40))
def test_list_corpus_orders_like_the_library(shape: list[tuple[date | None, str | None]], split: int) -> None:
    articles = [article(n, when, time) for n, (when, time) in enumerate(shape)]
    corpus = ListCorpus(articles[:split])
    corpus.chronological()  # ordered once, then grown: the order is brought up to date
    corpus.extend(articles[split:])
    assert isinstance(corpus, Corpus)
    assert list(corpus.chronological()) == sorted(range(len(articles)), key=lambda i: chronological_key(articles[i], i))
    order = corpus.chronological()
    runs = corpus.date_runs()
    assert [start for _, start, _ in runs] == sorted(start for _, start, _ in runs)
    assert sum(stop - start for _, start, stop in runs) == len(articles)
    for when, start, stop in runs:
        assert all(articles[i].date == when for i in order[start:stop])
    if articles:
        corpus.dead.add(0)
        assert 0 not in corpus.chronological() and len(corpus.chronological()) == len(articles) - 1
