"""Index segments: building, saving, loading (and refusing bad files), merging, and an
engine over segments answering exactly as the in-memory engine does."""

from __future__ import annotations

import struct
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from sco_reader.loader import bundled_seeds, load_library
from sco_reader.model import Article, content_key
from sco_reader.search import (
    Hit,
    IndexFormatError,
    ListCorpus,
    SearchEngine,
    Segment,
    SegmentBuilder,
    merge_segments,
)
from sco_reader.search.index import FORMAT_VERSION, MAGIC, TABLES
from tests.relevance.distractors import archive, targets
from tests.relevance.engines import build_segment, saved_segments

QUERIES = [
    "tokayev putin", "sumit begns", "s", "sco", "'2024", "^sco", "astana$", "^sco summit begins in astana$",
    "xi | putin", "belarus !csto", "@2024-07-04", "@jul !sco", "!belarus", "токаев путин", "шыу торагалыгын",
    "'anti-dr", "'xi", "'u.s", "turkiye", "erdogan turkiye", "cooperaton agreement", "kazakhstan hands over presidency",
    "10th member", "2024-25", "yermek", "a",
]


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return list(load_library(bundled_seeds()).articles) + targets() + archive(900)


def result_key(hits: list[Hit]) -> list[tuple]:
    return [(h.index, round(h.score, 9), h.headline_spans, h.paragraph, h.paragraph_spans, h.complete) for h in hits]


def answers(engine: SearchEngine) -> list[tuple]:
    out = []
    for query in QUERIES:
        hits = engine.search(query)
        out.append((query, result_key(hits), engine.last_total, engine.last_partial))
        out.append((query, result_key(engine.search(query, 7)), engine.last_total, engine.last_partial))
    return out


def art(headline: str, paragraphs: tuple[str, ...] = ("Body.",), when: date | None = date(2024, 7, 4)) -> Article:
    key = content_key(headline, when, paragraphs[0] if paragraphs else "")
    return Article(key, when, None, headline, paragraphs, "test", 1, key)


# --------------------------------------------------------------------------- same answers however the index is held


def test_segments_loaded_from_disk_answer_as_the_memory_index(articles: list[Article], tmp_path: Path) -> None:
    memory = answers(SearchEngine(articles))
    assert any(row[1] for row in memory)
    one = SearchEngine(ListCorpus(articles), segments=saved_segments(articles, tmp_path / "one", pieces=1))
    three = SearchEngine(ListCorpus(articles), segments=saved_segments(articles, tmp_path / "three", pieces=3))
    assert answers(one) == memory
    assert answers(three) == memory


def test_segments_then_growth_in_memory_answer_as_one_index(articles: list[Article], tmp_path: Path) -> None:
    corpus = ListCorpus(articles[:600])
    engine = SearchEngine(corpus, segments=saved_segments(articles[:600], tmp_path, pieces=2))
    engine.extend(articles[600:800])  # appended to the list corpus, indexed in memory
    assert engine.pending == 200
    engine.index_pending(0.0)
    corpus.extend(articles[800:])
    engine.extend(len(articles) - 800)  # the corpus grew by itself: say by how much
    assert len(engine) == len(articles)
    assert answers(engine) == answers(SearchEngine(articles))


def test_freezing_the_memory_part_gives_the_segment_built_directly(articles: list[Article], tmp_path: Path) -> None:
    engine = SearchEngine(articles[:300])
    before = answers(engine)
    frozen = engine.freeze()
    assert frozen is not None and engine.segments == (frozen,) and engine.freeze() is None
    assert answers(engine) == before
    frozen.save(tmp_path / "frozen.seg")
    build_segment(articles[:300]).save(tmp_path / "built.seg")
    assert (tmp_path / "frozen.seg").read_bytes() == (tmp_path / "built.seg").read_bytes()
    engine.extend(articles[300:])
    second = engine.freeze()
    assert second is not None and second.base == 300
    engine.replace_segments([merge_segments(engine.segments)])
    assert len(engine.segments) == 1
    assert answers(engine) == answers(SearchEngine(articles))


def test_merging_a_split_is_the_segment_built_at_once(articles: list[Article], tmp_path: Path) -> None:
    whole = build_segment(articles).save(tmp_path / "whole.seg")
    cuts = [0, 7, 8, 400, 401, len(articles)]
    pieces = [build_segment(articles[a:b], a) for a, b in zip(cuts, cuts[1:])]
    merged = merge_segments(pieces).save(tmp_path / "merged.seg")
    assert merged.read_bytes() == whole.read_bytes()
    nested = merge_segments([merge_segments(pieces[:3]), merge_segments(pieces[3:])]).save(tmp_path / "nested.seg")
    assert nested.read_bytes() == whole.read_bytes()
    with pytest.raises(ValueError, match="adjacent"):
        merge_segments([pieces[0], pieces[2]])


def test_engine_checks_that_segments_fit(articles: list[Article]) -> None:
    first, second = build_segment(articles[:100]), build_segment(articles[100:200], 100)
    with pytest.raises(ValueError, match="expected 0"):
        SearchEngine(ListCorpus(articles), segments=[second])
    with pytest.raises(ValueError, match="corpus has"):
        SearchEngine(ListCorpus(articles[:50]), segments=[first])
    engine = SearchEngine(ListCorpus(articles[:200]), segments=[first])
    assert engine.pending == 100  # the rest of the corpus is indexed in memory
    with pytest.raises(ValueError, match="freeze"):
        engine.add_segment(second)
    engine = SearchEngine(ListCorpus(articles[:200]), segments=[first])
    engine.freeze()
    with pytest.raises(ValueError, match="same articles"):
        engine.replace_segments([first])
    engine.replace_segments([merge_segments(engine.segments)])
    assert engine.segments[0].count == 200
    fresh = SearchEngine(ListCorpus(articles[:200]), segments=[])
    fresh.freeze()
    assert fresh.segments[0].count == 200
    lean = SearchEngine(ListCorpus(articles[:200]), segments=[first, second][:1])
    lean._tail = SegmentBuilder(100)  # nothing in memory yet: a segment for the next articles can be added
    lean.add_segment(second)
    assert [s.base for s in lean.segments] == [0, 100]


def test_builder_takes_bodies_later_and_in_order() -> None:
    builder = SegmentBuilder(5)
    assert builder.add("First headline") == 5
    assert builder.add("Second headline") == 6
    assert builder.pending == 2
    with pytest.raises(ValueError, match="pending"):
        builder.add("Third", ("text",))
    with pytest.raises(ValueError, match="pending"):
        builder.finish()
    builder.add_body(("Alpha paragraph.",))
    builder.add_body(("Beta paragraph.",))
    with pytest.raises(ValueError, match="waiting"):
        builder.add_body(("Gamma",))
    segment = builder.finish()
    assert (segment.base, segment.count) == (5, 2)
    beta = segment.lookup("beta")
    assert beta is not None and segment.postings(False, beta) == [1]


# --------------------------------------------------------------------------- the file


@pytest.fixture(scope="module")
def saved(articles: list[Article], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_segment(articles).save(tmp_path_factory.mktemp("saved") / "index.seg")


def test_loaded_tables_equal_the_built_ones(articles: list[Article], saved: Path) -> None:
    built = build_segment(articles)
    loaded = Segment.load(saved)
    loaded.verify()
    assert (loaded.base, loaded.count, loaded.vocabulary_size) == (built.base, built.count, built.vocabulary_size)
    for name in TABLES:
        assert loaded.table(name).tolist() == built.table(name).tolist(), name
    assert saved.read_bytes()[:8] == MAGIC
    assert not list(saved.parent.glob("*.tmp"))  # written under a temporary name, then renamed
    loaded.close()


def test_loading_maps_the_file_without_objects_per_article(tmp_path: Path) -> None:
    small = build_segment(archive(200)).save(tmp_path / "small.seg")
    large = build_segment(archive(3000)).save(tmp_path / "large.seg")
    peaks = []
    for path in (small, large):
        tracemalloc.start()
        segment = Segment.load(path)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        segment.close()
    assert large.stat().st_size > 5 * small.stat().st_size
    assert peaks[1] < 32_000 and peaks[1] < peaks[0] + 4_000, peaks  # the same for 200 or 3,000 articles


def corrupt(path: Path, target: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    data = bytearray(path.read_bytes())
    edit(data)
    target.write_bytes(bytes(data))
    return target


def test_bad_files_raise_one_specific_error(saved: Path, tmp_path: Path) -> None:
    data = saved.read_bytes()
    header = struct.calcsize("<8sIIQQII")
    cases = {
        "empty": b"",
        "short": data[:20],
        "header only": data[:header],
        "truncated tables": data[: len(data) // 2],
        "last byte gone": data[:-8],
        "foreign": b"PK\x03\x04" + bytes(500),
        "text": ("date 2024-07-06\nHeadline\nBody\n" * 40).encode(),
        "other version": data[:8] + struct.pack("<I", FORMAT_VERSION + 1) + data[12:],
        "flipped header byte": data[:40] + bytes([data[40] ^ 0xFF]) + data[41:],
        "flipped table-of-contents byte": data[:header + 30] + bytes([data[header + 30] ^ 0x01]) + data[header + 31 :],
    }
    for name, content in cases.items():
        path = tmp_path / f"{name}.seg"
        path.write_bytes(content)
        with pytest.raises(IndexFormatError):
            Segment.load(path)
    with pytest.raises(IndexFormatError, match="cannot read"):
        Segment.load(tmp_path / "missing.seg")
    with pytest.raises(IndexFormatError, match="cannot read"):
        Segment.load(tmp_path)


def test_corrupt_table_contents_are_caught_by_verify(saved: Path, tmp_path: Path) -> None:
    data = bytearray(saved.read_bytes())
    data[-20] ^= 0x40  # inside the last table: loading does not read it, verify does
    path = tmp_path / "bitrot.seg"
    path.write_bytes(bytes(data))
    segment = Segment.load(path)
    with pytest.raises(IndexFormatError, match="corrupt"):
        segment.verify()


def test_a_failed_save_leaves_the_old_file(articles: list[Article], saved: Path, tmp_path: Path) -> None:
    target = tmp_path / "index.seg"
    target.write_bytes(saved.read_bytes())
    segment = build_segment(articles[:10])
    segment._t = {**segment._t, "body_len": object()}  # cannot be written
    with pytest.raises(TypeError):
        segment.save(target)
    assert target.read_bytes() == saved.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.seg"]


def test_empty_and_tiny_segments_round_trip(tmp_path: Path) -> None:
    for articles in ([], [art("Solo")], [art("Ёлка и Türkiye"), art("")]):
        path = build_segment(articles, 3).save(tmp_path / f"{len(articles)}.seg")
        loaded = Segment.load(path)
        loaded.verify()
        assert (loaded.base, loaded.count) == (3, len(articles))


def test_headline_substrings_however_they_are_searched(articles: list[Article], saved: Path) -> None:
    from sco_reader.search.bits import from_ids, members
    from sco_reader.search.build import tokenise_headline

    anchors = [tokenise_headline(a.headline)[2] for a in articles]
    builder = SegmentBuilder(0)
    for a in articles:
        builder.add(a.headline, a.paragraphs)
    sources = [Segment.load(saved), build_segment(articles), builder]
    some = from_ids(range(0, len(articles), 3), len(articles))
    for text in ["a", "s", "xi", "sco summit", "u.s", "anti-dr", "zz", "-", "türkiye", "ё"]:
        expected = [i for i, anchor in enumerate(anchors) if text in anchor]
        for source in sources:
            assert members(source.headline_substring(text)) == expected, (text, source)
            assert members(source.headline_substring(text, some)) == [i for i in expected if i % 3 == 0]


def test_short_exact_terms_in_headlines_through_the_vocabulary(tmp_path: Path) -> None:
    from sco_reader.search.build import tokenise_headline
    from tests.relevance.engines import make_engine

    headlines = ["Anti-drug plan adopted", "Antid rises", "2024-25 period", "Ti-d and co", "Kazakhstan’s chairmanship",
                 "Ёлка в Астане", "XI forum", "Taxi drivers", "Plain words", "Zid-a-zid"]
    articles = [art(h, ()) for h in headlines]
    anchors = [tokenise_headline(h)[2] for h in headlines]
    for kind in ("memory", "disk"):
        engine = make_engine(kind, articles, tmp_path / kind)
        for needle in ["id", "a", "42", "xi", "ns", "ел", "2", "ti", "-d", "u."]:
            expected = {i for i, anchor in enumerate(anchors) if needle in anchor}
            assert set(engine.matching("'" + needle)) == expected, (kind, needle)
