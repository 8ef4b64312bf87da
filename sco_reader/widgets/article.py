"""The article pane: headline, date, source, length, then the paragraphs.

Everything from the bulletin is wrapped in ``rich.text.Text`` before it reaches
a widget, so ``[bold]`` or ``[@click=app.quit]`` in an article is shown as typed.
"""

from __future__ import annotations

from typing import Callable, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..model import Article

Highlighter = Callable[[str], Sequence[tuple[int, int]]]
"""Given a text, the character spans to highlight."""


def full_date(article: Article) -> str:
    """``Thursday 4 July 2024, 13:49`` (or ``Undated``)."""
    if article.date is None:
        return "Undated"
    when = f"{article.date:%A} {article.date.day} {article.date:%B %Y}"
    return f"{when}, {article.time}" if article.time else when


def _marked(text: str, highlighter: Highlighter | None, style: str = "reverse") -> Text:
    rich_text = Text(text)
    if highlighter is not None:
        for start, end in highlighter(text):
            rich_text.stylize(style, start, end)
    return rich_text


def render_body(paragraphs: Sequence[str], highlighter: Highlighter | None = None) -> RenderableType:
    """Paragraphs with a blank line between them; runs of ``- `` items as a bulleted list."""
    parts: list[RenderableType] = []
    items: Table | None = None
    for paragraph in paragraphs:
        if paragraph.startswith("- ") or paragraph == "-":
            if items is None:
                items = Table.grid(padding=(0, 1))
                items.add_column(width=1, no_wrap=True)
                items.add_column(ratio=1)
                if parts:
                    parts.append(Text(""))
                parts.append(items)
            items.add_row(Text("•"), _marked(paragraph[2:], highlighter))
            continue
        items = None
        if parts:
            parts.append(Text(""))
        parts.append(_marked(paragraph, highlighter))
    return Group(*parts)


class ArticleView(VerticalScroll, can_focus=True):
    """Shows one article; scrolls; its border subtitle says where it stands ("4 / 9")."""

    DEFAULT_CSS = """
    ArticleView {
        padding: 0 2;
        & > #article-title { text-style: bold; color: $text-primary; margin-top: 1; }
        & > #article-meta { color: $text-muted; margin-bottom: 1; }
        & > #article-body { margin-bottom: 1; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.article: Article | None = None
        """The article on show."""

    def compose(self) -> ComposeResult:
        yield Static(id="article-title", markup=False)
        yield Static(id="article-meta", markup=False)
        yield Static(id="article-body", markup=False)

    def show(
        self,
        article: Article | None,
        position: int = 0,
        total: int = 0,
        highlighter: Highlighter | None = None,
        keep_scroll: bool = False,
    ) -> None:
        """Display ``article`` (``None`` shows an empty pane) as number ``position`` of ``total``."""
        title = self.query_one("#article-title", Static)
        meta = self.query_one("#article-meta", Static)
        body = self.query_one("#article-body", Static)
        self.article = article
        if article is None:
            title.update(Text("No article"))
            meta.update(Text("Nothing matches; press u or F to show all articles." if total == 0 else ""))
            body.update(Text(""))
            self.border_subtitle = ""
            return
        title.update(_marked(article.headline or "(no headline)", highlighter))
        words = article.word_count
        meta.update(
            Text.assemble(
                full_date(article),
                " · ",
                f"{words:,} words, {article.reading_minutes} min read",
                "\n",
                (f"{article.source}:{article.line}", "italic"),
            )
        )
        body.update(render_body(article.paragraphs, highlighter))
        self.border_subtitle = f"{position} / {total}" if total else ""
        if not keep_scroll:
            self.scroll_home(animate=False, immediate=True)

    @property
    def at_end(self) -> bool:
        """Whether the article is scrolled to (or fits above) its end."""
        return self.scroll_y >= self.max_scroll_y
