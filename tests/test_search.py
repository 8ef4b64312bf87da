"""The fuzzy search engine: normalisation, query syntax, operators, spans, incremental
indexing, caches, and a relevance set (hit@1 / hit@3 over a synthetic archive)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sco_reader.dates import DateSpec
from sco_reader.loader import bundled_seeds, load_library
from sco_reader.model import Article, chronological_key, content_key
from sco_reader.search import (
    Hit,
    SearchEngine,
    _normalise_mapped,
    highlight_spans,
    match_token,
    normalise,
    parse_query,
    tokenise,
)
from tests.relevance.distractors import archive, targets
from tests.relevance.engines import KINDS, make_engine

ROOT = Path(__file__).resolve().parent.parent
QUERIES = json.loads((ROOT / "tests" / "relevance" / "queries.json").read_text(encoding="utf-8"))

S_RESULTS = "President Tokayev sums up Kazakhstan’s SCO chairmanship results"
S_PERIOD = "Kazakhstan hands over SCO presidency to China for 2024-25 period"
S_YERMEK = "Nurlan Yermekbayev appointed Secretary General of the SCO"
S_BELARUS = "Belarus officially joins SCO, becoming its 10th member state"
S_SUMMIT = "SCO summit begins in Astana"
S_TALKS = "Head of State Tokayev, Russian President Putin hold talks in Astana"
S_DOCS = "SCO members sign key documents on cooperation, including Astana Declaration"


@pytest.fixture(scope="module")
def seed() -> list[Article]:
    return list(load_library(bundled_seeds()).articles)


@pytest.fixture(scope="module", params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """Every engine test runs in memory and over segments saved to disk and loaded back."""
    return request.param


@pytest.fixture(scope="module")
def seed_engine(seed: list[Article], kind: str, tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    return make_engine(kind, seed, tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="module")
def big() -> list[Article]:
    return archive(3000)


@pytest.fixture(scope="module")
def big_engine(big: list[Article], kind: str, tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    return make_engine(kind, big, tmp_path_factory.mktemp("big"))


def headlines(engine: SearchEngine, query: str, limit: int | None = None) -> list[str]:
    return [engine.articles[h.index].headline for h in engine.search(query, limit)]


def art(headline: str, paragraphs: tuple[str, ...] = (), when: date | None = date(2024, 7, 4), time: str | None = None) -> Article:
    key = content_key(headline, when, paragraphs[0] if paragraphs else "")
    return Article(key, when, time, headline, paragraphs, "test", 1, key)


# --------------------------------------------------------------------------- purity


def test_importing_search_does_not_import_textual() -> None:
    code = "import sys, sco_reader.search; print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- normalisation


def test_normalise_folds_case_and_diacritics_but_keeps_cyrillic() -> None:
    assert normalise("Türkiye") == "turkiye"
    assert normalise("ERDOĞAN") == "erdogan"
    assert normalise("Токаев провёл") == "токаев провел"
    assert normalise("ﬁnance ½") == "finance 1⁄2"


def test_kazakh_letters_match_themselves_and_their_russian_keyboard_twins() -> None:
    kazakh = "Қазақстан ШЫҰ төрағалығын"
    assert normalise(kazakh) == normalise("казакстан шыу торагалыгын")
    assert highlight_spans(kazakh, "шыұ") == [(10, 13)]
    assert highlight_spans(kazakh, "ШЫУ") == [(10, 13)]


def test_tokens_keep_numbers_and_hyphenated_wholes() -> None:
    tokens = tokenise(normalise("China for 2024-25 period, 10th member, Kazakhstan’s anti-drug plan"))
    for token in ("2024", "25", "202425", "10th", "kazakhstan", "kazakhstans", "anti", "drug", "antidrug"):
        assert token in tokens


@given(st.text(alphabet=st.sampled_from("aZé ÜßﬁÖ-’İıТокаевҚұёЁ\u0301\u0308,.2"), max_size=40))
def test_mapped_normalisation_agrees_with_the_fast_one(text: str) -> None:
    norm, origin = _normalise_mapped(text)
    assert norm == normalise(text)
    if origin is not None:
        assert len(origin) == len(norm)
        assert origin == sorted(origin)
        assert all(0 <= i < len(text) for i in origin)


# --------------------------------------------------------------------------- query syntax


def test_parse_query_operators() -> None:
    q = parse_query("putin 'exact ^start end$ ^whole$ !nope a | b @2024-07-04 @notadate")
    kinds = [[(t.kind, t.text) for t in g] for g in q.groups]
    assert kinds == [
        [("fuzzy", "putin")],
        [("exact", "exact")],
        [("prefix", "start")],
        [("suffix", "end")],
        [("equal", "whole")],
        [("fuzzy", "a"), ("fuzzy", "b")],
    ]
    assert [(t.kind, t.text) for t in q.exclude] == [("exact", "nope")]
    assert q.dates == (DateSpec(2024, 7, 4),)
    assert q.ignored == ("@notadate",)


def test_parse_query_edge_cases() -> None:
    assert parse_query("").empty and parse_query("   ").empty
    assert parse_query("' ^ ! $ |").empty
    assert parse_query("'summit\\ begins").groups[0][0].text == "summit begins"
    assert parse_query("2024-25").groups[0][0].parts == ("2024", "25")
    assert parse_query("| a |").groups == parse_query("a").groups
    assert parse_query("@").ignored == ("@",)


# --------------------------------------------------------------------------- the token relation


def test_match_token_reference_relation() -> None:
    assert match_token("putin", "putin") == (1.0, 0, 5)
    assert match_token("yermek", "yermekbayev")[1:] == (0, 6)
    assert match_token("tokaev", "tokayev")[1:] == (0, 7)  # insertion
    assert match_token("belaurs", "belarus") is not None  # transposition
    assert match_token("begns", "begins") is not None
    assert match_token("belau", "belarus")[1:] == (0, 5)  # typo in a half-typed word
    assert match_token("pezeshkain", "pezeshkian") is not None
    assert match_token("cooperaton", "cooperation") is not None
    assert match_token("xi", "xinhua")[0] > 0 and match_token("xi", "taxi") is None
    assert match_token("abc", "abd") is None  # no typos under four letters
    assert match_token("khstan", "kazakhstan")[1:] == (4, 10)  # infix


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdeikmnorsty", min_size=1, max_size=10), min_size=1, max_size=40),
    st.text(alphabet="abcdeikmnorsty", min_size=1, max_size=10),
)
def test_engine_resolution_equals_reference_relation(words: list[str], query: str) -> None:
    engine = SearchEngine([art(" ".join(words[i : i + 4])) for i in range(0, len(words), 4)])
    got = dict(engine._sync().part(query, "fuzzy").matches)
    expected = {w: m for w in set(words) if (m := match_token(query, w)) is not None}
    assert got == expected


def test_cyrillic_resolution_equals_reference_relation() -> None:
    rng = random.Random(3)
    words = ["".join(rng.choice("абвгдежзиклмнопрстуфхцчшщыэюя") for _ in range(rng.randint(3, 9))) for _ in range(300)]
    words += ["путиным", "переговоры", "токаев", "торагалыгын"]
    engine = SearchEngine([art(" ".join(words[i : i + 5])) for i in range(0, len(words), 5)])
    for query in ["путин", "перговоры", "токаев", "тоакев", "торагалык", "ш", "пер", *rng.sample(words, 20)]:
        word = normalise(query)
        got = dict(engine._sync().part(word, "fuzzy").matches)
        expected = {w: m for w in set(words) if (m := match_token(word, w)) is not None}
        assert got == expected, query


# --------------------------------------------------------------------------- behaviour on the seed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("putin tokayev", S_TALKS),
        ("yermek", S_YERMEK),
        ("tokaev putin", S_TALKS),
        ("belaurs", S_BELARUS),
        ("sumit begns", S_SUMMIT),
        ("turkiye", S_SUMMIT),  # body: "Qatar, Turkiye, and Turkmenistan"
        ("2024-25", S_PERIOD),
        ("10th", S_BELARUS),
        ("spiritual relics", S_RESULTS),
        ("TOKAYEV Chairmanship", S_RESULTS),
    ],
)
def test_brief_examples_rank_first_on_the_seed(seed_engine: SearchEngine, query: str, expected: str) -> None:
    assert headlines(seed_engine, query)[0] == expected


def test_blank_query_finds_nothing(seed_engine: SearchEngine) -> None:
    assert seed_engine.search("") == []
    assert seed_engine.search("   ") == []
    assert seed_engine.search("'") == []
    assert seed_engine.search("putin", limit=0) == []


def test_headline_match_outranks_body_match(seed_engine: SearchEngine) -> None:
    hits = seed_engine.search("belarus")
    found = [seed_engine.articles[h.index].headline for h in hits]
    assert found[0] == S_BELARUS
    assert len(found) > 1  # the body mentions count too
    assert hits[0].score > hits[1].score


def test_exact_operator(seed_engine: SearchEngine, seed: list[Article]) -> None:
    assert headlines(seed_engine, "'2024-25") == [S_PERIOD]
    found = headlines(seed_engine, "'anti-drug")
    expected = [a.headline for a in seed if "anti-drug" in (a.headline + "\n".join(a.paragraphs)).casefold()]
    assert sorted(found) == sorted(expected) and found
    assert headlines(seed_engine, "'tokaev") == []  # exact means no typos
    assert "Turkiye" not in seed[0].paragraphs[0] and headlines(seed_engine, "'turkiye") == [S_SUMMIT]


def test_prefix_and_suffix_operators(seed_engine: SearchEngine) -> None:
    starts = headlines(seed_engine, "^sco")
    assert starts and all(h.startswith("SCO") for h in starts)
    assert set(starts) == {S_DOCS, S_SUMMIT}
    ends = headlines(seed_engine, "astana$")
    assert set(ends) == {S_SUMMIT, S_TALKS}
    assert headlines(seed_engine, "^sco astana$") == [S_SUMMIT]
    assert headlines(seed_engine, "^sco summit begins in astana$") == [S_SUMMIT]
    assert headlines(seed_engine, "^summit") == []


def test_exclusion_operator(seed_engine: SearchEngine, seed: list[Article]) -> None:
    found = headlines(seed_engine, "sco !belarus")
    assert found
    for article in seed:
        text = (article.headline + " " + " ".join(article.paragraphs)).casefold()
        assert (article.headline in found) == ("belarus" not in text)
    assert headlines(seed_engine, "sco !^sco") and all(not h.startswith("SCO") for h in headlines(seed_engine, "sco !^sco"))


def test_or_operator(seed_engine: SearchEngine) -> None:
    found = headlines(seed_engine, "yermekbayev | putin")
    assert found[:2] and set(found[:2]) == {S_YERMEK, S_TALKS}
    assert headlines(seed_engine, "yermekbayev | putin astana$") == [S_TALKS]


def test_date_only_query_lists_that_date_chronologically(kind: str, tmp_path: Path) -> None:
    articles = [
        art("B late", when=date(2024, 7, 4), time="18:00"),
        art("A other day", when=date(2024, 7, 5)),
        art("C early", when=date(2024, 7, 4), time="09:30"),
        art("D untimed", when=date(2024, 7, 4)),
        art("E last year", when=date(2023, 7, 4)),
        art("F undated", when=None),
    ]
    engine = make_engine(kind, articles, tmp_path)
    order = [articles[h.index].headline for h in engine.search("@2024-07-04")]
    expected = sorted((i for i, a in enumerate(articles) if a.date == date(2024, 7, 4)), key=lambda i: chronological_key(articles[i], i))
    assert order == [articles[i].headline for i in expected] == ["D untimed", "C early", "B late"]
    assert [articles[h.index].headline for h in engine.search("@04.07")] == ["E last year", "D untimed", "C early", "B late"]
    assert len(engine.search("@jul")) == 5 and len(engine.search("@2023")) == 1
    assert [articles[h.index].headline for h in engine.search("late @2024-07-04")] == ["B late"]
    assert engine.search("late @2024-07-05") == []
    assert all(h.score == 0.0 and h.headline_spans == () for h in engine.search("@jul"))


def test_date_filter_with_words(seed_engine: SearchEngine) -> None:
    assert headlines(seed_engine, "putin @2024-07-03") == [S_TALKS]
    assert S_TALKS not in headlines(seed_engine, "putin @2024-07-04")
    assert headlines(seed_engine, "@2024-07-05 cold war")[0].startswith("Xi warns")


def test_unfinished_date_token_is_ignored_while_typing(seed_engine: SearchEngine) -> None:
    assert headlines(seed_engine, "putin @20")[0] == S_TALKS


def test_limit_is_a_prefix_of_the_full_ranking(big_engine: SearchEngine) -> None:
    for query in ["sco", "s", "tokayev putin", "energy cooperation", "xi | putin astana", "belarus !csto"]:
        full = big_engine.search(query)
        for k in (1, 7, 50):
            assert big_engine.search(query, k) == full[:k], (query, k)


def test_ranking_matches_all_terms_before_some(big_engine: SearchEngine) -> None:
    hits = big_engine.search("tokayev putin astana")
    counts = [int(h.score) for h in hits]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == 3 and 2 in counts


# --------------------------------------------------------------------------- spans


def span_texts(text: str, spans: tuple[tuple[int, int], ...] | list[tuple[int, int]]) -> list[str]:
    return [text[s:e] for s, e in spans]


@pytest.mark.parametrize(
    ("query", "headline", "texts"),
    [
        ("yermek", S_YERMEK, ["Yermek"]),
        ("tokaev putin", S_TALKS, ["Tokayev", "Putin"]),
        ("belaurs", S_BELARUS, ["Belarus"]),
        ("'2024-25", S_PERIOD, ["2024-25"]),
        ("2024-25", S_PERIOD, ["2024", "25"]),
        ("^sco", S_SUMMIT, ["SCO"]),
        ("astana$", S_SUMMIT, ["Astana"]),
        ("10th", S_BELARUS, ["10th"]),
    ],
)
def test_headline_spans_point_at_the_match(seed_engine: SearchEngine, query: str, headline: str, texts: list[str]) -> None:
    hit = next(h for h in seed_engine.search(query) if seed_engine.articles[h.index].headline == headline)
    assert span_texts(headline, hit.headline_spans) == texts


def test_spans_map_back_through_diacritics_and_cyrillic(kind: str, tmp_path: Path) -> None:
    engine = make_engine(kind, targets(), tmp_path)
    cases = [
        ("turkiye erdogan", "Erdoğan calls for Türkiye's deeper engagement with SCO", ["Erdoğan", "Türkiye"]),
        ("путин провел", "Токаев провёл переговоры с Путиным в Акорде", ["провёл", "Путин"]),
        ("ШЫУ торагалыгын", "Қазақстан ШЫҰ төрағалығын Қытайға тапсырды", ["ШЫҰ", "төрағалығын"]),
    ]
    for query, headline, texts in cases:
        hit = engine.search(query)[0]
        assert engine.articles[hit.index].headline == headline
        assert span_texts(headline, hit.headline_spans) == texts
        assert list(hit.headline_spans) == highlight_spans(headline, query)


def test_paragraph_and_its_spans(seed_engine: SearchEngine, seed: list[Article]) -> None:
    hit = seed_engine.search("spiritual relics")[0]
    article = seed[hit.index]
    assert hit.paragraph == 4 and hit.headline_spans == ()
    assert span_texts(article.paragraphs[4], hit.paragraph_spans) == ["Spiritual", "Relics"]
    for query in ["spiritual relics", "xi sco", "s", "kazakhstan chairmanship", "tokaev putin"]:
        for hit in seed_engine.search(query):
            if hit.paragraph is not None:
                paragraph = seed[hit.index].paragraphs[hit.paragraph]
                assert list(hit.paragraph_spans) == highlight_spans(paragraph, query, body=True), query
    only_headline = seed_engine.search("'2024-25")[0]
    assert only_headline.paragraph is None and only_headline.paragraph_spans == ()


def test_spans_are_well_formed_and_agree_with_highlight_spans(big_engine: SearchEngine) -> None:
    for q in QUERIES:
        query = q["query"]
        for hit in big_engine.search(query, limit=10):
            article = big_engine.articles[hit.index]
            for text, spans in [(article.headline, hit.headline_spans)] + (
                [(article.paragraphs[hit.paragraph], hit.paragraph_spans)] if hit.paragraph is not None else []
            ):
                assert all(0 <= s < e <= len(text) for s, e in spans), query
                assert all(a[1] < b[0] for a, b in zip(spans, spans[1:])), query
                for s, e in spans:
                    assert normalise(text[s:e]).strip(), query
            plain = all(t.kind == "fuzzy" for g in parse_query(query).groups for t in g)
            if plain:
                assert list(hit.headline_spans) == highlight_spans(article.headline, query), (query, article.headline)


def test_highlight_spans_on_any_text() -> None:
    text = "Kassym-Jomart Tokayev met Vladimir Putin; Токаев и Путин обсудили «Türkiye»."
    spans = highlight_spans(text, "tokaev putin токаев")
    assert span_texts(text, spans) == ["Tokayev", "Putin", "Токаев"]
    assert span_texts(text, highlight_spans(text, "turkiye")) == ["Türkiye"]
    assert span_texts(text, highlight_spans(text, "'met vlad")) == ["met"] or span_texts(text, highlight_spans(text, "'met vlad")) == ["met", "Vlad"]
    assert highlight_spans(text, "") == [] and highlight_spans(text, "@2024 !putin") == []


# --------------------------------------------------------------------------- incremental index and caches


def result_key(hits: list[Hit]) -> list[tuple]:
    return [(h.index, round(h.score, 9), h.headline_spans, h.paragraph, h.paragraph_spans) for h in hits]


def test_extend_incrementally_equals_building_at_once(big: list[Article]) -> None:
    articles = big[:1200]
    queries = ["tokayev putin", "sumit begns", "s", "'2024", "^sco", "astana$", "xi | putin", "belarus !csto", "@2024-07-04", "токаев"]
    whole = SearchEngine(articles)
    pieces = SearchEngine()
    for start in range(0, len(articles), 250):
        pieces.extend(articles[start : start + 250])
        pieces.search("tok")  # caches and vocabulary helpers built mid-way
        if start % 500 == 0:
            pieces.index_pending(0.0)
    for query in queries:
        assert result_key(pieces.search(query)) == result_key(whole.search(query)), query


def test_narrowing_while_typing_equals_fresh_search(big: list[Article]) -> None:
    typed = SearchEngine(big)
    fresh = SearchEngine(big)
    for query in ["tokayev putin talks", "kazakhstan hands over presidency", "'anti-drug", "^sco summit", "беларусь десятым"]:
        for i in range(1, len(query) + 1):
            prefix = query[:i]
            fresh.clear_caches()
            assert result_key(typed.search(prefix, 20)) == result_key(fresh.search(prefix, 20)), prefix
        for i in range(len(query), 0, -1):  # and backspacing
            fresh.clear_caches()
            assert result_key(typed.search(query[:i], 20)) == result_key(fresh.search(query[:i], 20)), query[:i]


def test_bodies_are_indexed_lazily_and_in_chunks(big: list[Article]) -> None:
    engine = SearchEngine(big[:2000])
    assert engine.pending == 2000
    left = engine.index_pending(0.0)
    assert 0 < left < 2000 and engine.pending == left
    assert headlines(engine, "spiritual relics")  # a search finishes the index first
    assert engine.pending == 0 and engine.index_pending() == 0


# --------------------------------------------------------------------------- relevance


def test_relevance_hit_at_1_and_3(big_engine: SearchEngine) -> None:
    assert len(QUERIES) >= 40
    ranks: list[int | None] = []
    misses = []
    for q in QUERIES:
        found = headlines(big_engine, q["query"], limit=10)
        assert found.count(q["expect"]) <= 1
        rank = found.index(q["expect"]) + 1 if q["expect"] in found else None
        ranks.append(rank)
        if rank != 1:
            misses.append(f"{q['query']!r} ({q['kind']}): rank {rank}, first {found[:1]}")
    hit1 = sum(r == 1 for r in ranks) / len(ranks)
    hit3 = sum(r is not None and r <= 3 for r in ranks) / len(ranks)
    print(f"\nhit@1 {hit1:.1%}  hit@3 {hit3:.1%} over {len(ranks)} queries; misses:\n  " + "\n  ".join(misses))
    assert hit1 >= 0.92, misses
    assert hit3 >= 0.98, misses
