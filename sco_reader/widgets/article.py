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
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ..model import Article

Highlighter = Callable[[str, bool], Sequence[tuple[int, int]]]
"""Given a text (and whether it is body text rather than a headline), the character spans to highlight."""

MARGIN = 2
"""Blank columns either side of the text."""
MEASURE = 88
"""The widest a line of text gets, however wide the terminal (as other readers cap it)."""
PARAGRAPH_LIMIT = 20_000
"""Characters of one paragraph laid out; the rest is summed up in a note (a 50 MB line would take minutes)."""
ARTICLE_LIMIT = 200_000
"""Characters of one article laid out in all."""


def set_virtual_size(widget: ScrollView, size: Size) -> None:
    """Set a scroll view's virtual size without a layout pass of the whole screen.

    ``virtual_size`` is a layout reactive: setting it lays the whole screen out again, which
    is most of the cost of a key. Only the scrollbars depend on it here (the widget's own
    size does not change), so they are updated directly; when their visibility flips,
    Textual still asks for the layout it needs.
    """
    if widget.virtual_size == size:
        return
    scrollbars = (widget.show_vertical_scrollbar, widget.show_horizontal_scrollbar)
    widget.set_reactive(Widget.virtual_size, size)
    widget._scroll_update(size)  # noqa: SLF001 - the scrollbars' part of what the reactive would do
    # A scrollbar that appears or goes changes the content's width: that needs the layout pass.
    widget.refresh(layout=(widget.show_vertical_scrollbar, widget.show_horizontal_scrollbar) != scrollbars)


def _capped(paragraphs: Sequence[str]) -> list[str]:
    """The paragraphs as laid out: each at most :data:`PARAGRAPH_LIMIT` characters, all at most :data:`ARTICLE_LIMIT`."""
    out: list[str] = []
    budget = ARTICLE_LIMIT
    for number, paragraph in enumerate(paragraphs):
        if budget <= 0:
            rest = len(paragraphs) - number
            out.append(f"[… {rest:,} more paragraph{'s' if rest != 1 else ''} not shown: the article is too long to lay out; export it with e]")
            break
        limit = min(PARAGRAPH_LIMIT, budget)
        if len(paragraph) > limit:
            paragraph = paragraph[:limit] + f" […{len(paragraph) - limit:,} more characters not shown; export the article with e]"
        budget -= len(paragraph)
        out.append(paragraph)
    return out


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


class _Item:
    """One list item: ``•`` then the text, wrapped with a hanging indent (cheaper than a table)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console, options):  # type: ignore[no-untyped-def]
        lines = console.render_lines(self.text, options.update(width=max(1, options.max_width - 2)), pad=False, new_lines=False)
        for number, line in enumerate(lines):
            yield Segment("• " if number == 0 else "  ")
            yield from line
            yield Segment.line()


def body_parts(
    paragraphs: Sequence[str], highlighter: Highlighter | None = None, match_style: Style | str = "reverse"
) -> list[RenderableType]:
    """Paragraphs with a blank line between them; runs of ``- `` items as a bulleted list (one part each)."""
    parts: list[RenderableType] = []
    in_list = False
    for paragraph in _capped(paragraphs):
        item = paragraph.startswith("- ") or paragraph == "-"
        if parts and not (item and in_list):
            parts.append(Text(""))
        parts.append(_Item(_marked(paragraph[2:], highlighter, match_style)) if item else _marked(paragraph, highlighter, match_style))
        in_list = item
    return parts


def render_body(
    paragraphs: Sequence[str], highlighter: Highlighter | None = None, match_style: Style | str = "reverse"
) -> RenderableType:
    """:func:`body_parts` as one renderable."""
    return Group(*body_parts(paragraphs, highlighter, match_style))


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
        self.source = ""
        """Where it comes from, as shown (``file:line``)."""
        self.gone = False
        """Whether its file changed or went away since it was opened."""
        self._highlighter: Highlighter | None = None
        self._empty_message = ""
        self._lines: list[Strip] = []
        self._laid_out_width = -1
        self._pending: object | None = None
        """Marks the rest of the article still to lay out after the frame."""

    def show(
        self,
        article: Article | None,
        position: int = 0,
        total: int = 0,
        highlighter: Highlighter | None = None,
        keep_scroll: bool = False,
        source: str | None = None,
    ) -> None:
        """Display ``article`` (``None`` shows an empty pane) as number ``position`` of ``total``."""
        self.article = article
        self.gone = False
        self.source = source if source is not None else (f"{article.source}:{article.line}" if article else "")
        self._highlighter = highlighter
        self._empty_message = "Nothing to show here; press u or F to show all articles." if total == 0 else ""
        self.set_position(position, total)
        self._layout(whole=keep_scroll)
        if not keep_scroll:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def set_position(self, position: int, total: int) -> None:
        """The "4 / 9" in the border (the article itself unchanged)."""
        title = f"{position:,} / {total:,}" if self.article is not None and total else ""
        if self.gone:
            title = "gone from its file · " + title
        if self.border_title != title:
            self.border_title = title

    def mark_gone(self) -> None:
        """The article's file changed or went away: it stays on screen, marked, until the user moves."""
        if self.article is not None and not self.gone:
            self.gone = True
            self.border_title = "gone from its file · " + (self.border_title or "")

    def _parts(self) -> list[RenderableType]:
        """The article as renderables, top to bottom (laid out one by one: see :meth:`_layout`)."""
        article = self.article
        if article is None:
            return [Text(""), Text("No article", style=self.get_component_rich_style("article--title")), Text(self._empty_message)]
        match_style = self.get_component_rich_style("article--match")
        title = _marked(article.headline or "(no headline)", self._highlighter, match_style, body=False)
        title.stylize(self.get_component_rich_style("article--title"), 0)
        meta_style = self.get_component_rich_style("article--meta")
        meta = Text.assemble(
            full_date(article),
            " · ",
            f"{article.word_count:,} words, {article.reading_minutes} min read",
            style=meta_style,
        )
        # A path is never broken mid-word: one line, shortened from the left when too long.
        source = Text(self.source, style=meta_style + Style(italic=True), no_wrap=True, overflow="ellipsis")
        return [Text(""), title, meta, _LeftCut(source), Text(""), *body_parts(article.paragraphs, self._highlighter, match_style), Text("")]

    def _layout(self, whole: bool = True) -> None:
        """Wrap the article to the current width (once per article and width).

        Unless ``whole``, only what fills the pane is laid out now, and the rest right after the
        frame is drawn: a key shows the next article after a screenful of wrapping, not all of it.
        """
        width = self.scrollable_content_region.width
        self._laid_out_width = width
        self._pending = None
        if width <= 0:  # not sized yet: on_resize lays it out
            self._lines = []
            return
        parts = self._parts()
        self._lines = []
        budget = None if whole else self.scrollable_content_region.height + 1
        done = self._lay_out(parts, width, budget)
        if done < len(parts):
            token = self._pending = object()
            self.call_after_refresh(self._finish_layout, token, parts[done:], width)
        set_virtual_size(self, Size(width, len(self._lines)))

    def _lay_out(self, parts: Sequence[RenderableType], width: int, budget: int | None) -> int:
        """Append ``parts``' lines to the laid-out ones until ``budget`` lines; how many parts were laid out."""
        text_width = max(1, min(MEASURE, width - 2 * MARGIN))
        console = self.app.console
        options = console.options.update(width=text_width, highlight=False, markup=False, height=None)
        base = self.rich_style
        margin = [Segment(" " * MARGIN)] if width > 2 * MARGIN else []
        lines = self._lines
        for done, part in enumerate(parts):
            if budget is not None and len(lines) >= budget:
                return done
            lines.extend(
                Strip(list(Segment.apply_style([*margin, *line], base))).crop_extend(0, width, base)
                for line in console.render_lines(part, options, pad=True, new_lines=False)
            )
        return len(parts)

    def _finish_layout(self, token: object = None, parts: Sequence[RenderableType] = (), width: int = 0) -> None:
        """Lay out what :meth:`_layout` left for after the frame (nothing if another article came meanwhile)."""
        if token is None or token is not self._pending or width != self._laid_out_width:
            return
        self._pending = None
        self._lay_out(parts, width, None)
        set_virtual_size(self, Size(width, len(self._lines)))
        self.refresh()

    def on_mount(self) -> None:
        # After the new theme's styles are in place, not before (or the old colours stay).
        self.watch(self.app, "theme", lambda: self.call_after_refresh(self._relayout), init=False)

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
        """The whole laid-out article as plain lines (for tests and copying)."""
        if self._pending is not None:
            self._layout()
        return [strip.text.strip() for strip in self._lines]

    @property
    def at_end(self) -> bool:
        """Whether the article is scrolled to (or fits above) its end."""
        return self.scroll_y >= self.max_scroll_y


class _LeftCut:
    """A one-line ``Text`` shortened from the left (``…/seeds/bulletin.txt:12``) to fit the width."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console, options):  # type: ignore[no-untyped-def]
        text = self.text
        width = options.max_width
        if text.cell_len > width:
            cut = len(text) - max(0, width - 1)
            text = Text.assemble(Text("…", style=text.style), text[cut:], no_wrap=True)
        yield text
