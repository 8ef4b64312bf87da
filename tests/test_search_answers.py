"""The engine's other answers: ``matching`` (unranked complete matches), ``related``
(similar articles) and dead articles, in memory and over saved segments."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sco_reader.model import Article, content_key
from sco_reader.search import ListCorpus, SearchEngine
from tests.relevance.distractors import archive
from tests.relevance.engines import KINDS, saved_segments

EVENT = [
    ("Tokayev, Mirziyoyev sign Rogun water accord in Khujand",
     ("Presidents Kassym-Jomart Tokayev and Shavkat Mirziyoyev signed the Rogun water-sharing accord in Khujand.",
      "Engineer Bakhtiyor Sarymsakov presented the Vakhsh dam schedule to both delegations.")),
    ("Rogun accord: Sarymsakov outlines Vakhsh dam schedule",
     ("Bakhtiyor Sarymsakov said the first Vakhsh turbine of Rogun will start before the next flood season.",
      "The accord signed in Khujand sets quotas for each country.")),
    ("Khujand talks end with water accord on the Vakhsh",
     ("Negotiators in Khujand agreed on Rogun reservoir quotas, Sarymsakov told reporters.",)),
    ("Mirziyoyev praises Rogun deal signed in Khujand",
     ("Shavkat Mirziyoyev called the Vakhsh accord a model for the region; engineer Sarymsakov will report monthly.",)),
]
"""Four articles about one event: rare names (Rogun, Khujand, Vakhsh, Sarymsakov) in common."""


def article(headline: str, paragraphs: tuple[str, ...], when: date = date(2024, 7, 9)) -> Article:
    key = content_key(headline, when, paragraphs[0] if paragraphs else "")
    return Article(key, when, None, headline, paragraphs, "test", 1, key)


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    noise = archive(400)  # same leaders, countries, topics: common words shared with the event
    event = [article(h, p) for h, p in EVENT]
    return noise[:150] + event[:2] + noise[150:300] + event[2:] + noise[300:] + [event[0]]  # a repeat at the end


@pytest.fixture(params=KINDS)
def engine(request: pytest.FixtureRequest, articles: list[Article], tmp_path: Path) -> SearchEngine:
    corpus = ListCorpus(articles)
    if request.param == "memory":
        return SearchEngine(corpus)
    return SearchEngine(corpus, segments=saved_segments(articles, tmp_path, pieces=2))


def event_indexes(articles: list[Article]) -> list[int]:
    headlines = [h for h, _ in EVENT]
    return [i for i, a in enumerate(articles) if a.headline in headlines]


# --------------------------------------------------------------------------- related


def test_related_ranks_the_same_event_above_common_words(engine: SearchEngine, articles: list[Article]) -> None:
    first, *others, repeat = event_indexes(articles)
    assert articles[repeat].key == articles[first].key
    found = engine.related(first, 10)
    ranked = [index for index, _ in found]
    assert set(ranked[:3]) == set(others), [articles[i].headline for i in ranked]
    assert first not in ranked and repeat not in ranked  # itself and its exact repeat are left out
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True) and len(found) == 10
    assert scores[2] > 1.5 * scores[3]  # the event stands out from what shares only common words
    for index in others:
        assert set(i for i, _ in engine.related(index, 3)) <= set(event_indexes(articles)) - {index}


def test_related_of_a_plain_article_finds_articles_sharing_its_words(engine: SearchEngine, articles: list[Article]) -> None:
    found = engine.related(10, 5)
    assert len(found) == 5 and 10 not in [i for i, _ in found]
    own = set(articles[10].headline.lower().split())
    assert any(own & set(articles[i].headline.lower().split()) for i, _ in found)
    assert engine.related(10, 0) == []
    with pytest.raises(IndexError):
        engine.related(len(articles) + 5)


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    "query",
    ["rogun", "sarymsakov khujand", "tokayev putin", "sumit begns", "water !rogun", "xi | putin astana", "tokayev @2024",
     "'khujand", "^rogun", "accord$", "s"],
)
def test_matching_is_the_set_of_complete_hits(engine: SearchEngine, query: str) -> None:
    hits = engine.search(query)
    complete = {h.index for h in hits if h.complete}
    found = engine.matching(query)
    assert set(found) == complete and len(found) == engine.last_total
    assert list(found) == sorted(complete)


def test_matching_with_only_filters_is_the_listing(engine: SearchEngine) -> None:
    for query in ["@2024-07-09", "@2024", "!rogun", "@jul !water"]:
        listed = engine.search(query)
        assert set(engine.matching(query)) == {h.index for h in listed}
        assert len(listed) == engine.last_total
    assert not engine.matching("") and not engine.matching("   ")


def test_matching_counts_by_contiguous_slices(engine: SearchEngine, articles: list[Article]) -> None:
    found = engine.matching("'rogun")
    assert found.count_between(0, len(articles)) == len(found) == 5  # four articles and the repeat
    assert found.count_between(0, 150) == 0 and found.count_between(150, 152) == 2
    assert found.count_between(152, 302) == 0 and found.count_between(302, len(articles)) == 3


# --------------------------------------------------------------------------- dead articles


def test_dead_articles_are_never_returned(articles: list[Article], tmp_path: Path) -> None:
    for kind in KINDS:
        corpus = ListCorpus(articles)
        segments = saved_segments(articles, tmp_path / kind) if kind == "disk" else ()
        engine = SearchEngine(corpus, segments=segments)
        first, second, *_ = event_indexes(articles)
        before = {h.index for h in engine.search("rogun")}
        assert second in before
        corpus.dead.add(second)
        assert second not in {h.index for h in engine.search("rogun")}
        assert engine.last_total == len(before) - 1
        assert second not in engine.matching("rogun")
        assert second not in [i for i, _ in engine.related(first, 20)]
        assert second not in {h.index for h in engine.search("@2024-07-09")}
        assert second not in {h.index for h in engine.search("!zzzz")}
        assert engine.last_total == len(articles) - 1
