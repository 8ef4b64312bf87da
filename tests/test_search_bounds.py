"""Bounds and counts: pasted giant words stay cheap, and the counts agree with the rows."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from sco_reader.loader import bundled_seeds, load_library
from sco_reader.model import Article
from sco_reader.search import SearchEngine, highlight_spans, match_token
from sco_reader.search.query import MAX_TYPO_WORD
from tests.relevance.distractors import archive
from tests.relevance.engines import KINDS, make_engine
from tests.test_search import art

S_SUMMIT = "SCO summit begins in Astana"


@pytest.fixture(scope="module")
def seed() -> list[Article]:
    return list(load_library(bundled_seeds()).articles)


@pytest.fixture(scope="module", params=KINDS)
def seed_engine(request: pytest.FixtureRequest, seed: list[Article], tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    return make_engine(request.param, seed, tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="module", params=KINDS)
def big_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    return make_engine(request.param, archive(1500), tmp_path_factory.mktemp("big"))


# --------------------------------------------------------------------------- long words


def peak_bytes(action) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("length", [10_000, 100_000])
def test_a_giant_word_costs_little_memory(seed_engine: SearchEngine, length: int) -> None:
    word = "a" * length
    peak = peak_bytes(lambda: seed_engine.search(word, limit=10))
    assert peak < 40 * length + 2_000_000, peak  # a few copies of the word, never its typo variants
    assert seed_engine.search(word) == [] and seed_engine.last_total == 0
    mixed = ("tokayev" * (length // 7))[:length]
    assert peak_bytes(lambda: seed_engine.search(f"{mixed} putin")) < 40 * length + 2_000_000
    assert peak_bytes(lambda: highlight_spans(S_SUMMIT + " " + word, word)) < 40 * length + 2_000_000


def test_long_words_still_match_exactly_and_as_prefixes(tmp_path: Path) -> None:
    long_word = "x" * 30 + "supercalifragilistic" * 3
    assert len(long_word) > MAX_TYPO_WORD
    articles = [art(f"Word {long_word} here"), art("Other headline"), art(f"Near {long_word[:-1]}q here")]
    for kind in KINDS:
        engine = make_engine(kind, articles, tmp_path / kind)
        assert [h.index for h in engine.search(long_word)] == [0]  # exactly
        assert [h.index for h in engine.search(long_word[:-1])] == [0, 2]  # a prefix of both
        assert engine.search(long_word[:-2] + "qq") == []  # no typos that long
    assert match_token(long_word, long_word[:-1] + "q") is None
    assert match_token("x" * MAX_TYPO_WORD, "x" * (MAX_TYPO_WORD - 1) + "y") is not None


# --------------------------------------------------------------------------- counts agree with rows


def test_counts_split_complete_and_relaxed_matches(seed_engine: SearchEngine) -> None:
    hits = seed_engine.search("sumit begns")
    assert seed_engine.articles[hits[0].index].headline == S_SUMMIT
    assert [h.complete for h in hits] == [True] + [False] * (len(hits) - 1)
    assert (seed_engine.last_total, seed_engine.last_partial) == (1, len(hits) - 1)
    assert seed_engine.last_partial > 0
    for limit in (1, 2, 5, 50):
        assert seed_engine.search("sumit begns", limit) == hits[:limit]
        assert (seed_engine.last_total, seed_engine.last_partial) == (1, len(hits) - 1)


@pytest.mark.parametrize(
    "query",
    ["sumit begns", "tokayev putin astana", "xi putin", "sco", "s", "energy cooperation agreement", "belarus !csto",
     "tokayev ^kaz", "putin yermekbayev", "'sco summit", "xi | putin astana", "tokayev @2024-07-04", "@jul !sco"],
)
def test_totals_count_the_rows_whatever_the_limit(big_engine: SearchEngine, query: str) -> None:
    hits = big_engine.search(query)
    total, partial = big_engine.last_total, big_engine.last_partial
    assert len(hits) == total + partial
    assert sum(h.complete for h in hits) == total
    assert all(a.complete >= b.complete for a, b in zip(hits, hits[1:]))  # complete ones first
    for limit in (1, 10, 200):
        big_engine.search(query, limit)
        assert (big_engine.last_total, big_engine.last_partial) == (total, partial), limit


def test_relaxed_tier_keeps_operators_strict(big_engine: SearchEngine) -> None:
    for query in ["tokayev putin !astana", "tokayev putin ^tokayev", "tokayev putin @2024-07-04"]:
        strict = query.split()[-1]
        hits = big_engine.search(query)
        assert any(not h.complete for h in hits)
        if strict.startswith("!"):
            excluded = {h.index for h in big_engine.search("'" + strict[1:])}
            assert not excluded & {h.index for h in hits}, query
        else:
            assert {h.index for h in hits} <= {h.index for h in big_engine.search(strict)}, query


def test_only_one_word_queries_have_no_relaxed_tier(big_engine: SearchEngine) -> None:
    big_engine.search("tokayev")
    assert big_engine.last_partial == 0 and big_engine.last_total > 0
    big_engine.search("")
    assert (big_engine.last_total, big_engine.last_partial) == (0, 0)
