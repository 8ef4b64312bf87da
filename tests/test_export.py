"""Export as Markdown and HTML: structure, streaming, file names, and hostile text shown as typed.

Markdown is checked by rendering it with a CommonMark renderer (markdown-it-py, which Rich
depends on) and reading the HTML back; HTML by parsing it with ``html.parser``.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from sco_reader.export import (
    STYLE,
    export_file,
    format_for,
    html_text,
    markdown_text,
    suggest_name,
    write_html,
    write_markdown,
)
from sco_reader.loader import load_file
from sco_reader.model import Article, chronological_key

from .conftest import SEED

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[x](javascript:alert(1))",
    "![img](http://example.com/x.png)",
    "<http://example.com>",
    "[ref]: http://example.com",
    "*bold* and **strong**",
    "_it_ and __it__",
    "# not a heading",
    "Heading closed #",
    "```fenced",
    "`code` and ``more``",
    "a | b | c",
    "1. not a list",
    "2024) not a list either",
    "- not an item",
    "+ nor this",
    "* nor this",
    "---",
    "===",
    "> not a quote",
    "&amp; &#65; &copy;",
    "~~not struck~~",
    "$x^2$ and $$y$$",
    "back\\slash\\",
    "<!-- comment -->",
    "<div onclick=alert(1)>",
    "[bold]markup[/bold] [@click=app.quit]",
]


def make(headline: str, when: date | None = date(2024, 7, 4), paragraphs: tuple[str, ...] = (), *,
         time: str | None = None, source: str = "b.txt", line: int = 1) -> Article:
    return Article(headline, when, time, headline, paragraphs, source, line, headline)


def commonmark() -> MarkdownIt:
    """CommonMark with GitHub's tables and strikethrough on: escaping must hold against both."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


# --- reading HTML back ------------------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, tag: str) -> list[Node]:
        return [node for node in self.walk() if node.tag == tag]


class Tree(HTMLParser):
    """A forgiving DOM: every start tag, its attributes and the text directly inside it."""

    VOID = frozenset({"meta", "br", "img", "hr", "link", "input"})

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]
        self.feed(document)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].text += data

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"a comment was created: {data!r}")


def render_markdown(document: str) -> Tree:
    return Tree(commonmark().render(document))


def html_page(articles: list[Article], **options: str) -> tuple[str, Tree]:
    out = io.StringIO()
    write_html(out, articles, title=options.get("title", "Clippings"), description=options.get("description", ""))
    return out.getvalue(), Tree(out.getvalue())


def markdown_doc(articles: list[Article], **options: str) -> str:
    out = io.StringIO()
    write_markdown(out, articles, title=options.get("title", "Clippings"), description=options.get("description", ""))
    return out.getvalue()


# --- Markdown escaping -------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_shows_as_typed(text: str) -> None:
    tree = render_markdown(markdown_text(text))
    assert [node.tag for node in tree.root.walk()] == ["#root", "p"]
    assert tree.root.children[0].text == text


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_headline_shows_as_typed(text: str) -> None:
    tree = render_markdown(f"### {markdown_text(text)}")
    assert [node.tag for node in tree.root.walk()] == ["#root", "h3"]
    assert tree.root.children[0].text == text


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_list_item_shows_as_typed(text: str) -> None:
    tree = render_markdown(f"- {markdown_text(text)}\n- second")
    assert [node.tag for node in tree.root.walk()] == ["#root", "ul", "li", "li"]
    assert tree.root.find("li")[0].text == text


def test_markdown_text_holds_on_adjacent_lines() -> None:
    """Escaped lines stay text even next to each other: no table, setext heading or lazy list."""
    lines = ["a | b", ":-- | --:", "c | d", "===", "2. two", "+ plus"]
    tree = render_markdown("\n".join(markdown_text(line) for line in lines))
    assert [node.tag for node in tree.root.walk()] == ["#root", "p"]
    assert tree.root.children[0].text == "\n".join(lines)


def test_markdown_text_is_readable_for_plain_text() -> None:
    assert markdown_text("SCO summit begins in Astana, 2024-25") == "SCO summit begins in Astana, 2024-25"
    assert markdown_text("  1. first  ") == "1\\. first"
    assert markdown_text("a\nb\r\nc") == "a b c"


# Text as the loader leaves it: no control or format characters except tab.
_TEXT = st.text(
    alphabet=st.one_of(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), st.sampled_from("\t<>&[]()*_`#-+=.!|~$\\\"'1 ")),
    min_size=1,
    max_size=40,
).filter(str.strip)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_markdown_any_text_stays_text(text: str) -> None:
    tree = render_markdown(markdown_text(text))
    assert [node.tag for node in tree.root.walk()] == ["#root", "p"]
    assert tree.root.children[0].text == " ".join(text.splitlines()).strip()


# --- Markdown document ----------------------------------------------------------------------


def test_markdown_document_structure() -> None:
    articles = [
        make("Summit opens", date(2024, 7, 3), ("First paragraph.", "- item one", "- item two", "After the list."),
             time="09:30", source="a.txt", line=2),
        make("Second story", date(2024, 7, 4), ("Body.",), source="a.txt", line=9),
        make("Third story", date(2024, 7, 4), (), source="b.txt", line=3),
    ]
    document = markdown_doc(articles, title="My *clippings*", description="3 flagged")
    assert document.startswith("# My \\*clippings\\*\n\n3 flagged\n\n## Wednesday 3 July 2024\n\n### Summit opens\n\n")
    assert "*Wednesday 3 July 2024, 09:30 · a.txt:2*" in document
    tree = render_markdown(document)
    assert [(node.tag, node.text) for node in tree.root.children if node.tag in ("h1", "h2", "h3")] == [
        ("h1", "My *clippings*"),
        ("h2", "Wednesday 3 July 2024"),
        ("h3", "Summit opens"),
        ("h2", "Thursday 4 July 2024"),
        ("h3", "Second story"),
        ("h3", "Third story"),
    ]
    assert [li.text for li in tree.root.find("li")] == ["item one", "item two"]
    paragraphs = [p.text for p in tree.root.children if p.tag == "p"]
    assert paragraphs[:4] == ["3 flagged", "", "First paragraph.", "After the list."]
    assert tree.root.find("em")[0].text == "Wednesday 3 July 2024, 09:30 · a.txt:2"


def test_markdown_seed_lists_every_item() -> None:
    seed = list(load_file(SEED).articles)
    tree = render_markdown(markdown_doc(seed))
    assert len(tree.root.find("h3")) == 9
    assert len(tree.root.find("li")) == 21
    assert not tree.root.find("a") and not tree.root.find("img")


def test_markdown_hostile_headlines_are_text() -> None:
    articles = [make(text, paragraphs=(text, f"- {text}")) for text in HOSTILE]
    tree = render_markdown(markdown_doc(articles))
    assert [h.text for h in tree.root.find("h3")] == HOSTILE
    assert {node.tag for node in tree.root.walk()} == {"#root", "h1", "h2", "h3", "p", "em", "ul", "li"}


# --- grouping and order (both formats) --------------------------------------------------------


def test_sections_follow_the_given_order_with_undated_last() -> None:
    articles = [
        make("undated first", None),
        make("a", date(2024, 7, 4)),
        make("b", date(2024, 7, 4)),
        make("c", date(2024, 7, 3)),
        make("undated second", None),
        make("d", date(2024, 7, 4)),
    ]
    _, tree = html_page(articles)
    sections = tree.root.find("section")
    assert [s.attrs["id"] for s in sections] == ["d-2024-07-04", "d-2024-07-03", "d-2024-07-04-2", "undated"]
    assert [[h.text for h in s.find("h3")] for s in sections] == [
        ["a", "b"], ["c"], ["d"], ["undated first", "undated second"]
    ]
    assert [s.find("h2")[0].text for s in sections] == [
        "Thursday 4 July 2024", "Wednesday 3 July 2024", "Thursday 4 July 2024", "Undated"
    ]
    toc = tree.root.find("nav")[0]
    assert [(a.attrs["href"], a.text) for a in toc.find("a")] == [
        ("#d-2024-07-04", "Thursday 4 July 2024"), ("#d-2024-07-03", "Wednesday 3 July 2024"),
        ("#d-2024-07-04-2", "Thursday 4 July 2024"), ("#undated", "Undated"),
    ]
    assert [span.text for span in toc.find("span")] == ["2 articles", "1 article", "1 article", "2 articles"]

    rendered = render_markdown(markdown_doc(articles))
    headings = [(n.tag, n.text) for n in rendered.root.children if n.tag in ("h2", "h3")]
    assert headings == [
        ("h2", "Thursday 4 July 2024"), ("h3", "a"), ("h3", "b"), ("h2", "Wednesday 3 July 2024"), ("h3", "c"),
        ("h2", "Thursday 4 July 2024"), ("h3", "d"), ("h2", "Undated"), ("h3", "undated first"),
        ("h3", "undated second"),
    ]


def test_writers_return_the_count() -> None:
    articles = [make("a"), make("b", None), make("c", date(2020, 1, 1))]
    assert write_markdown(io.StringIO(), articles, title="t") == 3
    assert write_html(io.StringIO(), articles, title="t") == 3
    assert write_markdown(io.StringIO(), [], title="t") == 0
    page, tree = html_page([])
    assert tree.root.find("section") == [] and "0 articles" in page


def test_sources_are_read_again_not_exhausted() -> None:
    articles = [make("a"), make("b", None)]
    calls: list[int] = []

    def source() -> Iterator[Article]:
        calls.append(1)
        return iter(articles)

    assert write_html(io.StringIO(), source, title="t") == 2
    assert len(calls) == 3  # contents, dated articles, undated articles
    calls.clear()
    assert write_markdown(io.StringIO(), source, title="t") == 2
    assert len(calls) == 2
    calls.clear()
    write_markdown(io.StringIO(), lambda: (a for a in articles if a.date), title="t")
    with pytest.raises(TypeError, match="readable twice"):
        write_html(io.StringIO(), iter(articles), title="t")
    with pytest.raises(TypeError, match="readable twice"):
        write_markdown(io.StringIO(), (a for a in articles), title="t")


class MeasuringStream(io.StringIO):
    """Remembers the longest single write."""

    longest = 0

    def write(self, text: str) -> int:
        self.longest = max(self.longest, len(text))
        return len(text)


@pytest.mark.parametrize("writer", [write_markdown, write_html])
def test_writers_stream_one_article_at_a_time(writer: object) -> None:
    body = tuple(f"Paragraph {n} of a long story about the summit." for n in range(20))
    articles = [make(f"Story {n}", date(2024, 1 + n % 12, 1 + n % 28), body) for n in range(3000)]
    out = MeasuringStream()
    assert writer(out, articles, title="t") == 3000  # type: ignore[operator]
    assert out.longest < 5000  # one article or the page's head, never the document (~3 MB)


# --- HTML page --------------------------------------------------------------------------------


def test_html_page_is_complete_and_self_contained() -> None:
    seed = [a for i, a in sorted(enumerate(load_file(SEED).articles), key=lambda p: chronological_key(p[1], p[0]))]
    page, tree = html_page(seed, title="SCO <summit>", description='Flagged & "kept"')
    assert page.startswith("<!DOCTYPE html>\n<html>") and page.endswith("</html>\n")
    assert tree.stack == [tree.root]  # every element closed
    assert tree.root.find("meta")[0].attrs == {"charset": "utf-8"}
    assert tree.root.find("title")[0].text == "SCO <summit>"
    assert tree.root.find("h1")[0].text == "SCO <summit>"
    assert tree.root.find("header")[0].find("p")[0].text == 'Flagged & "kept"'
    style = tree.root.find("style")
    assert len(style) == 1 and "@media print" in style[0].text
    assert "url(" not in STYLE and "@import" not in STYLE and "//" not in STYLE
    assert not tree.root.find("script") and not tree.root.find("link") and not tree.root.find("img")
    ids = {node.attrs["id"] for node in tree.root.walk() if "id" in node.attrs}
    hrefs = [node.attrs["href"] for node in tree.root.walk() if "href" in node.attrs]
    assert hrefs and all(href is not None and href[1:] in ids for href in hrefs)
    assert len(tree.root.find("article")) == 9
    assert len(tree.root.find("li")) == 21 + 3  # the seed's list items, and three dates in the contents
    meta = tree.root.find("article")[0].find("p")[0]
    assert meta.attrs == {"class": "meta"}
    assert meta.text == "Wednesday 3 July 2024 · " and meta.find("span")[0].text == f"{seed[0].source}:{seed[0].line}"


def _assert_inert(tree: Tree) -> None:
    for node in tree.root.walk():
        assert node.tag not in ("script", "img", "iframe", "object", "embed", "link", "a") or (
            node.tag == "a" and set(node.attrs) == {"href"}
        ), node
        assert not any(name.startswith("on") for name in node.attrs), node
        assert "src" not in node.attrs and "srcdoc" not in node.attrs, node
        if "href" in node.attrs:
            assert (node.attrs["href"] or "").startswith("#"), node


def test_html_hostile_text_is_data() -> None:
    articles = [
        make(text, paragraphs=(text, f"- {text}"), source=f"{text}.txt", line=7) for text in HOSTILE
    ]
    page, tree = html_page(articles, title=HOSTILE[0], description=HOSTILE[1])
    _assert_inert(tree)
    assert [node.text for node in tree.root.find("h3")] == HOSTILE
    for article, text in zip(tree.root.find("article"), HOSTILE):
        items = [text[2:], text] if text.startswith("- ") else [text]  # "- …" is a list item in a bulletin
        assert [p.text for p in article.find("p")][1:] == ([] if text.startswith("- ") else [text])
        assert [li.text for li in article.find("li")] == items
        assert article.find("span")[0].text == f"{text}.txt:7"
    assert tree.root.find("title")[0].text == HOSTILE[0]
    assert "<script>" not in page and "<img" not in page


def test_html_text_escapes_quotes() -> None:
    assert html_text('<a href="x">\'&') == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;"


_ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(headline=_ANY_TEXT, paragraphs=st.lists(_ANY_TEXT, max_size=4), source=_ANY_TEXT)
def test_html_any_text_survives_as_data(headline: str, paragraphs: list[str], source: str) -> None:
    article = make(headline, date(2024, 7, 4), tuple(paragraphs), source=source, line=3)
    _, tree = html_page([article], title=headline, description=source)
    _assert_inert(tree)
    tags = {node.tag for node in tree.root.walk()}
    assert tags <= {"#root", "html", "head", "meta", "title", "style", "body", "header", "h1", "p", "nav", "h2",
                    "ol", "li", "a", "span", "main", "section", "article", "h3", "ul"}
    body = tree.root.find("article")[0]
    assert body.find("h3")[0].text == (headline or "(no headline)")
    assert body.find("span")[0].text == f"{source}:3"
    texts = [p.text for p in body.find("p")[1:]] + [li.text for li in body.find("li")]
    expected = [p for p in paragraphs if not (p.startswith("- ") or p == "-")] + [
        p[2:] for p in paragraphs if p.startswith("- ") or p == "-"
    ]
    assert sorted(texts) == sorted(expected)
    assert tree.root.find("title")[0].text == headline


# --- files and names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "when", "ext", "expected"),
    [
        ("flagged", date(2024, 7, 4), "md", "sco-flagged-2024-07-04.md"),
        ("search belarus", None, "html", "sco-search-belarus.html"),
        ("Search: Belarus / SCO!", None, ".HTML", "sco-search-belarus-sco.html"),
        ("../../etc/passwd", None, "md", "sco-etc-passwd.md"),
        ("a\\b\x00c\nd", None, "md", "sco-a-b-c-d.md"),
        ("токаев путин", None, "md", "sco-токаев-путин.md"),
        ("__init__ . -rf", None, "md", "sco-init-rf.md"),
        ("", date(2024, 7, 4), "md", "sco-export-2024-07-04.md"),
        ("/// ...", None, "md", "sco-export.md"),
        ("x" * 100, None, "md", "sco-" + "x" * 48 + ".md"),
        ("flagged", None, "../x", "sco-flagged.x"),
    ],
)
def test_suggest_name(what: str, when: date | None, ext: str, expected: str) -> None:
    assert suggest_name(what, when, ext) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=8))
def test_suggested_names_are_plain_file_names(what: str, ext: str) -> None:
    name = suggest_name(what, None, ext)
    assert name.startswith("sco-") and "/" not in name and "\\" not in name and "\x00" not in name
    assert not any(char.isspace() for char in name) and name.count(".") == 1
    assert Path(name).name == name and len(name) < 80


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.md", "markdown"), ("a.MARKDOWN", "markdown"), ("x/a.html", "html"), ("a.HTM", "html"),
     ("a.txt", None), ("md", None), ("a.md.bak", None)],
)
def test_format_follows_the_extension(name: str, kind: str | None) -> None:
    assert format_for(name) == kind


def test_export_file_writes_by_extension(tmp_path: Path) -> None:
    seed = list(load_file(SEED).articles)
    assert export_file(tmp_path / "c.md", seed, title="Seed") == 9
    assert (tmp_path / "c.md").read_text(encoding="utf-8").startswith("# Seed\n")
    assert export_file(tmp_path / "c.HTML", seed, title="Seed") == 9
    assert (tmp_path / "c.HTML").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.HTML", "c.md"]


def test_export_file_errors_leave_nothing_behind(tmp_path: Path) -> None:
    seed = list(load_file(SEED).articles)
    with pytest.raises(ValueError, match="unknown format"):
        export_file(tmp_path / "c.txt", seed, title="t")
    (tmp_path / "dir.md").mkdir()
    with pytest.raises(IsADirectoryError):
        export_file(tmp_path / "dir.md", seed, title="t")
    with pytest.raises(FileNotFoundError):
        export_file(tmp_path / "missing" / "c.md", seed, title="t")

    old = tmp_path / "old.html"
    old.write_text("earlier export", encoding="utf-8")

    def failing() -> Iterator[Article]:
        yield seed[0]
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        export_file(old, failing, title="t")
    assert old.read_text(encoding="utf-8") == "earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.md", "old.html"]


def test_export_is_pure() -> None:
    code = (
        "import sys, sco_reader.export\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
