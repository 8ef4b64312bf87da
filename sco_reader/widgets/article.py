"""The article pane: headline, date, length, source, then the paragraphs.

A Line API widget: an article is laid out once per width into lines (Rich does the
wrapping), and a frame draws only the visible ones, so moving to the next article
costs a few milliseconds whatever its length. Everything from the bulletin is
wrapped in ``rich.text.Text`` before it is drawn, so ``[bold]`` or
``[@click=app.quit]`` in an article is shown as typed.
"""

from __future__ import annotations

from typing import Callable, Sequence

from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..model import Article

Highlighter = Callable[[str, bool], Sequence[tuple[int, int]]]
"""Given a text (and whether it is body text rather than a headline), the character spans to highlight."""

MARGIN = 2
"""Blank columns either side of the text."""


def full_date(article: Article) -> str:
    """``Thursday 4 July 2024, 13:49`` (or ``Undated``)."""
    if article.date is None:
        return "Undated"
    when = f"{article.date:%A} {article.date.day} {article.date:%B %Y}"
    return f"{when}, {article.time}" if article.time else when


def _marked(text: str, highlighter: Highlighter | None, style: Style | str = "reverse", body: bool = True) -> Text:
    rich_text = Text(text)
    if highlighter is not None:
        for start, end in highlighter(text, body):
            rich_text.stylize(style, start, end)
    return rich_text


def render_body(
    paragraphs: Sequence[str], highlighter: Highlighter | None = None, match_style: Style | str = "reverse"
) -> RenderableType:
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
            items.add_row(Text("•"), _marked(paragraph[2:], highlighter, match_style))
            continue
        items = None
        if parts:
            parts.append(Text(""))
        parts.append(_marked(paragraph, highlighter, match_style))
    return Group(*parts)


class ArticleView(ScrollView, can_focus=True):
    """Shows one article; scrolls; its border title says where it stands ("4 / 9")."""

    COMPONENT_CLASSES = {"article--title", "article--meta", "article--match"}

    DEFAULT_CSS = """
    ArticleView {
        overflow-x: hidden;
        & > .article--title { color: $text-primary; text-style: bold; }
        & > .article--meta { color: $text-muted; }
        & > .article--match { background: $warning 40%; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.article: Article | None = None
        """The article on show."""
        self._highlighter: Highlighter | None = None
        self._empty_message = ""
        self._lines: list[Strip] = []
        self._laid_out_width = -1

    def show(
        self,
        article: Article | None,
        position: int = 0,
        total: int = 0,
        highlighter: Highlighter | None = None,
        keep_scroll: bool = False,
    ) -> None:
        """Display ``article`` (``None`` shows an empty pane) as number ``position`` of ``total``."""
        self.article = article
        self._highlighter = highlighter
        self._empty_message = "Nothing to show here; press u or F to show all articles." if total == 0 else ""
        self.border_title = f"{position} / {total}" if article is not None and total else ""
        self._layout()
        if not keep_scroll:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def _renderable(self) -> RenderableType:
        article = self.article
        if article is None:
            return Group(Text(""), Text("No article", style=self.get_component_rich_style("article--title")),
                         Text(self._empty_message))
        match_style = self.get_component_rich_style("article--match")
        title = _marked(article.headline or "(no headline)", self._highlighter, match_style, body=False)
        title.stylize(self.get_component_rich_style("article--title"), 0)
        meta = Text.assemble(
            full_date(article),
            " · ",
            f"{article.word_count:,} words, {article.reading_minutes} min read",
            "\n",
            (f"{article.source}:{article.line}", "italic"),
            style=self.get_component_rich_style("article--meta"),
        )
        return Group(Text(""), title, meta, Text(""), render_body(article.paragraphs, self._highlighter, match_style), Text(""))

    def _layout(self) -> None:
        """Wrap the article to the current width (once per article and width)."""
        width = self.scrollable_content_region.width
        self._laid_out_width = width
        if width <= 0:  # not sized yet: on_resize lays it out
            self._lines = []
            return
        text_width = max(1, width - 2 * MARGIN)
        console = self.app.console
        options = console.options.update(width=text_width, highlight=False, markup=False, height=None)
        base = self.rich_style
        lines = console.render_lines(self._renderable(), options, pad=True, new_lines=False)
        margin = [Segment(" " * MARGIN)] if width > 2 * MARGIN else []
        self._lines = [
            Strip(list(Segment.apply_style([*margin, *line, *margin], base)), width).crop_extend(0, width, base)
            for line in lines
        ]
        self._laid_out_width = width
        self.virtual_size = Size(width, len(self._lines))

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._relayout, init=False)

    def _relayout(self) -> None:
        self._layout()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self.scrollable_content_region.width != self._laid_out_width:
            self._layout()
            self.refresh()

    def render_line(self, y: int) -> Strip:
        if self._laid_out_width != self.scrollable_content_region.width:
            self._layout()  # first frame after a resize: lay out now rather than a frame later
        row = y + self.scroll_offset.y
        if 0 <= row < len(self._lines):
            return self._lines[row]
        return Strip.blank(self.scrollable_content_region.width, self.rich_style)

    @property
    def text_lines(self) -> list[str]:
        """The laid-out article as plain lines (for tests and copying)."""
        return [strip.text.strip() for strip in self._lines]

    @property
    def at_end(self) -> bool:
        """Whether the article is scrolled to (or fits above) its end."""
        return self.scroll_y >= self.max_scroll_y
