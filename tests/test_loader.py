"""Loader: the seed, its variants, diagnostics, sanitising, and the nothing-is-lost property."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sco_reader.loader import LoadError, discover, load_file, load_library, parse_text
from sco_reader.library import Library

from .conftest import SEED, SEED_HEADLINES


def test_seed_has_nine_articles_in_file_order() -> None:
    parsed = load_file(SEED)
    assert [a.headline for a in parsed.articles] == SEED_HEADLINES
    assert [a.date.day if a.date else None for a in parsed.articles] == [4, 5, 5, 4, 4, 4, 4, 4, 3]
    assert parsed.diagnostics == ()


def test_seed_header_facts() -> None:
    parsed = load_file(SEED)
    assert parsed.info.date == date(2024, 7, 6)
    assert parsed.info.ref == "6031"
    assert parsed.info.articles == 9
    first = parsed.articles[0]
    assert (first.date, first.time, first.line) == (date(2024, 7, 4), "13:49", 2)
    assert first.paragraphs[0].startswith("Head of State Kassym-Jomart Tokayev summed up")


def test_list_items_stay_paragraphs_as_written() -> None:
    documents = load_file(SEED).articles[5]
    items = [p for p in documents.paragraphs if p.startswith("- ")]
    assert len(items) == 21
    assert items[0] == "- To approve the SCO initiative on world unity for just peace, harmony and development;"


def test_line_numbers_point_at_headlines() -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    for article in load_file(SEED).articles:
        assert lines[article.line - 1].strip() == article.headline


def _variants(tmp_path: Path) -> dict[str, Path]:
    text = SEED.read_text(encoding="utf-8")
    lines = text.split("\n")
    rest = lines[1:]
    variants = {
        "crlf": text.replace("\n", "\r\n"),
        "bom": "\ufeff" + text,
        "blank lines": "\n\n" + "\n\n".join(lines) + "\n\n\n",
        "trailing spaces": "\n".join(line + "  \t" for line in lines),
        "bom+crlf+blanks": "\ufeff" + "\r\n\r\n".join(lines),
        "leading spaces on header": "   " + text.lstrip(),
    }
    # No header line: the file then starts with a dateline carrying the same date and time.
    variants["no header"] = "\n".join(["04.07.2024, 13:49", *rest])
    out = {}
    for name, body in variants.items():
        path = tmp_path / (name.replace(" ", "_").replace("+", "_") + ".txt")
        path.write_bytes(body.encode("utf-8"))
        out[name] = path
    return out


def _essence(path: Path) -> list[tuple[object, ...]]:
    return [(a.id, a.date, a.time, a.headline, a.paragraphs) for a in load_file(path).articles]


def test_every_variant_loads_the_same_articles(tmp_path: Path) -> None:
    expected = _essence(SEED)
    for name, path in _variants(tmp_path).items():
        assert _essence(path) == expected, name


def test_datelines_with_times_and_other_languages() -> None:
    text = (
        "05.07.2024, 09:30\nТокаев провёл переговоры с Путиным\nПервый абзац.\n"
        "06.07.2024,10:05\nҚазақстан ШЫҰ төрағалығын Қытайға тапсырды\nМәтін.\n"
        "07.07.2024\n习近平出席上海合作组织峰会\n正文。\n"
    )
    articles = parse_text(text, "x.txt").articles
    assert [(a.date, a.time) for a in articles] == [
        (date(2024, 7, 5), "09:30"),
        (date(2024, 7, 6), "10:05"),
        (date(2024, 7, 7), None),
    ]
    assert articles[2].headline == "习近平出席上海合作组织峰会"


def test_impossible_date_starts_an_undated_article_with_a_warning() -> None:
    parsed = parse_text("04.07.2024\nFirst\nbody\n31.02.2024\nSecond\nmore\n", "f.txt")
    assert [a.headline for a in parsed.articles] == ["First", "Second"]
    assert parsed.articles[1].date is None
    [warning] = parsed.diagnostics
    assert (warning.source, warning.line, warning.level) == ("f.txt", 4, "warning")
    assert "31.02.2024" in warning.message


def test_first_article_without_date_is_kept_with_a_warning() -> None:
    parsed = parse_text("A headline\nits body\n04.07.2024\nNext\n", "g.txt")
    assert [a.headline for a in parsed.articles] == ["A headline", "Next"]
    assert parsed.articles[0].date is None
    [warning] = parsed.diagnostics
    assert warning.line == 1 and "no date" in warning.message


def test_control_characters_are_removed_and_reported() -> None:
    hostile = "04.07.2024\nTitle \x1b]52;c;SGVsbG8=\x07with \u202eevil\u202c text\nbody\x1b[2J ok\u200b\n"
    parsed = parse_text(hostile, "h.txt")
    [article] = parsed.articles
    assert article.headline == "Title ]52;c;SGVsbG8=with evil text"
    assert article.paragraphs == ("body[2J ok",)
    assert [(d.line, d.message) for d in parsed.diagnostics] == [
        (2, "removed 4 control characters"),
        (3, "removed 2 control characters"),
    ]


def test_ids_are_content_keys_stable_across_files(tmp_path: Path) -> None:
    copy = tmp_path / "renamed.txt"
    copy.write_bytes(SEED.read_bytes().replace(b"\n", b"\r\n"))
    assert [a.key for a in load_file(copy).articles] == [a.key for a in load_file(SEED).articles]


def test_repeated_articles_get_unique_ids_and_a_warning(tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_bytes(SEED.read_bytes())
    library = load_library([SEED, copy])
    ids = [a.id for a in library.articles]
    assert len(ids) == 18 and len(set(ids)) == 18
    assert sum("repeats" in d.message for d in library.diagnostics) == 9


def test_directories_expand_recursively_in_path_order(tmp_path: Path) -> None:
    for name in ("b/2.txt", "a/9.txt", "a/10/x.txt", "c.md", "a/1.txt"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("04.07.2024\nH\n", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["a/1.txt", "a/10/x.txt", "a/9.txt", "b/2.txt"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty file"),
        (b"\n  \n\t\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"04.07.2024\nHeadline \xff\xfe broken\n", "h.txt:2:10: not valid utf-8 (byte 0xff); try --encoding"),
        (b"04.07.2024\n\n05.07.2024\n", "no articles found"),
    ],
)
def test_bad_files_raise_one_line_errors(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "h.txt"
    path.write_bytes(content)
    with pytest.raises(LoadError) as raised:
        load_file(path)
    message = str(raised.value)
    assert expected in message and "\n" not in message and str(path) in message


def test_other_encodings_load_with_encoding_option(tmp_path: Path) -> None:
    path = tmp_path / "cp.txt"
    path.write_bytes("04.07.2024\nТокаев и Путин\nТекст.\n".encode("cp1251"))
    with pytest.raises(LoadError):
        load_file(path)
    assert load_file(path, "cp1251").articles[0].headline == "Токаев и Путин"


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no such file"):
        discover([tmp_path / "missing.txt"])
    with pytest.raises(LoadError, match="no bulletins"):
        discover([tmp_path])


def test_core_modules_do_not_import_textual() -> None:
    code = (
        "import sys, sco_reader.loader, sco_reader.model, sco_reader.dates, sco_reader.sanitize, sco_reader.cli\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- properties ---------------------------------------------------------------------------

_WORD = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N"), max_codepoint=0x9FFF), min_size=1, max_size=8
)
_LINE = st.lists(_WORD, min_size=1, max_size=6).map(" ".join).filter(
    lambda s: not __import__("re").fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}.*", s)
)
_ARTICLE = st.tuples(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    st.one_of(st.none(), st.times().map(lambda t: t.strftime("%H:%M"))),
    _LINE,
    st.lists(st.one_of(_LINE, _LINE.map(lambda s: "- " + s)), max_size=5),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=st.lists(_ARTICLE, min_size=1, max_size=6),
    header=st.booleans(),
    crlf=st.booleans(),
    blanks=st.lists(st.sampled_from(["", " ", "\t", "  "]), max_size=3),
)
def test_generated_bulletins_round_trip(articles, header, crlf, blanks) -> None:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    gap = "\n".join(blanks)
    for number, (when, at, headline, paragraphs) in enumerate(articles):
        dateline = when.strftime("%d.%m.%Y") + (f", {at}" if at else "")
        if number == 0 and header:
            lines.append(f" date {when.isoformat()} {when.strftime('%d.%m.%Y')}, {at or '00:00'} 6031")
            at = at or "00:00"
        else:
            lines.append(dateline)
        lines += [gap, headline, *paragraphs, gap]
    text = "\n".join(lines)
    if crlf:
        text = text.replace("\n", "\r\n")
    parsed = parse_text(text, "gen.txt")
    got = [(a.date, a.time, a.headline, a.paragraphs) for a in parsed.articles]
    want = [
        (when, ("00:00" if (i == 0 and header and at is None) else at), headline, tuple(paragraphs))
        for i, (when, at, headline, paragraphs) in enumerate(articles)
    ]
    assert got == want
    assert parsed.diagnostics == ()
    nonblank = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    assert parsed.info.lines == len(nonblank)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_loader_never_raises_and_accounts_for_every_line(text: str) -> None:
    parsed = parse_text(text, "any.txt")
    normalised = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    from sco_reader.sanitize import sanitize

    cleaned = [sanitize(line)[0] for line in normalised]
    nonblank = [line for line in cleaned if line.strip()]
    # Every non-blank line is exactly one of header, dateline, headline or paragraph.
    info = parsed.info
    accounted = int(info.header) + info.datelines + len(parsed.articles) + sum(
        len(a.paragraphs) for a in parsed.articles
    )
    assert accounted == info.lines == len(nonblank)
    for article in parsed.articles:
        assert cleaned[article.line - 1].strip() == article.headline
    library = Library()
    library.add(parsed)
    assert len({a.id for a in library.articles}) == len(library.articles)


def test_file_names_with_control_characters_are_shown_safely(tmp_path: Path) -> None:
    hostile = tmp_path / "evil\x1b]0;pwned\x07.txt"
    hostile.write_text("04.07.2024\nHeadline\n", encoding="utf-8")
    [article] = load_file(hostile).articles
    assert "\x1b" not in article.source and "\x07" not in article.source
    assert article.source.endswith("evil]0;pwned.txt")
    empty = tmp_path / "e\x1b[2Jmpty.txt"
    empty.write_bytes(b"")
    with pytest.raises(LoadError) as raised:
        load_file(empty)
    assert "\x1b" not in str(raised.value)


def test_sanitiser_covers_every_control_and_format_character() -> None:
    import sys
    import unicodedata

    from sco_reader.sanitize import UNSAFE

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in "\t\n":
            assert UNSAFE.match(char), f"U+{code:04X} survives the sanitiser"
    for char in "a\tä\u0301Ж中 ":
        assert not UNSAFE.match(char)


def test_tag_characters_are_removed_and_reported() -> None:
    parsed = parse_text("04.07.2024\nTag\U000E0041\U000E0042 smuggled\nbody\n", "t.txt")
    assert parsed.articles[0].headline == "Tag smuggled"
    assert [(d.line, d.message) for d in parsed.diagnostics] == [(2, "removed 2 control characters")]


def test_undecodable_and_multiline_file_names_are_displayed_safely(tmp_path: Path) -> None:
    import os

    raw = os.path.join(os.fsencode(tmp_path), b"bad\xff.txt")
    with open(raw, "wb") as stream:
        stream.write(b"04.07.2024\nHeadline\n")
    [article] = load_library([tmp_path]).articles
    assert article.source.endswith("bad\ufffd.txt") and article.source.encode("utf-8")
    (tmp_path / "x").mkdir()
    lined = tmp_path / "x" / "nl\nname.txt"
    lined.write_text("Undated\nbody\n04.07.2024\nNext\n", encoding="utf-8")
    parsed = load_file(lined)
    assert "\n" not in parsed.articles[0].source and "\n" not in str(parsed.diagnostics[0])


def test_non_text_codecs_are_refused() -> None:
    from sco_reader.loader import check_encoding

    for codec in ("rot13", "base64", "hex", "zlib"):
        with pytest.raises(LoadError, match="not a text encoding"):
            check_encoding(codec)


def test_the_fast_safety_check_never_calls_unsafe_text_safe() -> None:
    """has_unsafe skips the regex for printable text: every character the sanitiser removes must still be seen."""
    import sys

    from sco_reader.sanitize import UNSAFE, has_unsafe

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if UNSAFE.match(char):
            assert has_unsafe(f"plain {char} text"), f"U+{code:04X} passes the fast path"
    assert not has_unsafe("Türkiye\tжаңа\nnon\u00a0breaking")
