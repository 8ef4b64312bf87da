"""The timeline sidebar: articles grouped under date headings, drawn a visible row at a time.

A Line API widget (``ScrollView`` + ``render_line``), as toolong's log view: the
cost of a frame follows the rows on screen, not the number of articles, so an
archive of 100,000 articles scrolls as lightly as the nine-article seed.
Headlines are drawn as ``rich.text.Text`` — never parsed as markup.
"""

from __future__ import annotations

import bisect
from array import array
from datetime import date
from typing import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..model import Article

Marks = Callable[[Article], tuple[bool, bool]]
"""Given an article, ``(unread, flagged)``."""


def heading_label(when: date | None) -> str:
    """``Wed 3 Jul 2024`` (or ``Undated``)."""
    if when is None:
        return "Undated"
    return f"{when:%a} {when.day} {when:%b %Y}"


def _no_marks(article: Article) -> tuple[bool, bool]:
    return (False, False)


class _ArticleMessage(Message):
    """A timeline message about one article."""

    def __init__(self, timeline: Timeline, article: int | None) -> None:
        self.timeline = timeline
        self.article = article
        """Index into the library's articles."""
        super().__init__()

    @property
    def control(self) -> Timeline:
        return self.timeline


class Timeline(ScrollView, can_focus=True):
    """Articles under date headings; one highlighted article, kept in view."""

    COMPONENT_CLASSES = {
        "timeline--heading",
        "timeline--cursor",
        "timeline--time",
        "timeline--unread",
        "timeline--flag",
    }

    DEFAULT_CSS = """
    Timeline {
        background: $surface;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .timeline--heading { color: $text-accent; text-style: bold; background: $surface; }
        & > .timeline--time { color: $text-muted; }
        & > .timeline--unread { color: $text-primary; text-style: bold; }
        & > .timeline--flag { color: $text-warning; text-style: bold; }
        & > .timeline--cursor { background: $block-cursor-blurred-background; }
        &:focus > .timeline--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    BINDINGS = [
        Binding("enter", "select", "Open", show=False),
    ]

    class Highlighted(_ArticleMessage):
        """The highlighted article changed (``article`` is ``None`` when the timeline is empty)."""

    class Selected(_ArticleMessage):
        """The user chose an article (Enter or click)."""

    cursor_row: reactive[int] = reactive(-1, init=False, always_update=False)
    """Row of the highlighted entry (-1 when empty)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._articles: Sequence[Article] = ()
        self._rows = array("i")  # >= 0: article index; < 0: -(heading number + 1)
        self._headings: list[tuple[date | None, int]] = []  # (date, article count)
        self._heading_rows: list[int] = []
        self._row_of_article: dict[int, int] = {}
        self._entry_count = 0
        self._marks: Marks = _no_marks
        self._heading_extra: dict[int, str] = {}
        self._render_cache: LRUCache[tuple[int, int, bool, bool], Strip] = LRUCache(1024)

    # --- data -------------------------------------------------------------------------

    def set_entries(self, articles: Sequence[Article], order: Sequence[int], keep: int | None = None) -> None:
        """Show ``articles`` in ``order`` (indexes), keeping ``keep`` highlighted when present.

        Headings are inserted wherever the date changes.
        """
        self._articles = articles
        order = list(order)
        dates = [articles[index].date for index in order]
        count = len(order)
        # Rows between two date changes form one group under one heading.
        bounds = [0, *(k for k in range(1, count) if dates[k] != dates[k - 1]), count] if count else [0]
        rows = array("i")
        headings: list[tuple[date | None, int]] = []
        heading_rows: list[int] = []
        row_of_article: dict[int, int] = {}
        for number in range(len(bounds) - 1):
            first, stop = bounds[number], bounds[number + 1]
            heading_rows.append(len(rows))
            rows.append(-(number + 1))
            chunk = order[first:stop]
            row_of_article.update(zip(chunk, range(len(rows), len(rows) + len(chunk))))
            rows.extend(chunk)
            headings.append((dates[first], stop - first))
        self._rows, self._headings, self._heading_rows = rows, headings, heading_rows
        self._row_of_article = row_of_article
        self._entry_count = len(order)
        self._heading_extra.clear()
        self._render_cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(rows))
        target = row_of_article.get(keep, -1) if keep is not None else -1
        if target < 0:
            target = self._first_entry_row(0)
        old_article = self.current_article
        self.set_reactive(Timeline.cursor_row, target)
        self.refresh()
        self._scroll_cursor_into_view(animate=False)
        if self.current_article != old_article or keep is None:
            self.post_message(self.Highlighted(self, self.current_article))

    def set_marks(self, marks: Marks) -> None:
        """How to tell unread and flagged articles (drawn as ``•`` and ``★``)."""
        self._marks = marks
        self.refresh_marks()

    def refresh_marks(self) -> None:
        """Redraw everything after read/flag state changed."""
        self._heading_extra.clear()
        self._render_cache.clear()
        self.refresh()

    def refresh_article(self, article: int) -> None:
        """Redraw one article's row and its date heading after its marks changed."""
        if not self.contains(article):
            return
        row = self._row_of_article[article]
        heading = self._heading_of(row)
        rows = [row]
        if heading >= 0:
            self._heading_extra.pop(heading, None)
            rows.append(self._heading_rows[heading])
        width = self.scrollable_content_region.width
        for changed in rows:
            for cursor in (False, True):
                for focus in (False, True):
                    self._render_cache.discard((changed, width, cursor, focus))
            self.refresh_line(changed)

    # --- queries ----------------------------------------------------------------------

    @property
    def current_article(self) -> int | None:
        """Index of the highlighted article, or ``None``."""
        row = self.cursor_row
        if 0 <= row < len(self._rows) and self._rows[row] >= 0:
            return self._rows[row]
        return None

    @property
    def entry_count(self) -> int:
        """How many articles the timeline shows."""
        return self._entry_count

    @property
    def position(self) -> int:
        """1-based position of the highlighted article among the shown ones (0 when none)."""
        row = self.cursor_row
        if row < 0:
            return 0
        headings_above = bisect.bisect_right(self._heading_rows, row)
        return row - headings_above + 1

    @property
    def current_date(self) -> date | None:
        """Date heading of the highlighted article."""
        heading = self._heading_of(self.cursor_row)
        return self._headings[heading][0] if heading >= 0 else None

    def dates(self) -> list[tuple[date | None, int]]:
        """Date headings in display order with their article counts."""
        return list(self._headings)

    def articles_on(self, when: date | None) -> list[int]:
        """Article indexes under the heading for ``when``, in display order."""
        for number, (heading_date, count) in enumerate(self._headings):
            if heading_date == when:
                start = self._heading_rows[number] + 1
                return list(self._rows[start : start + count])
        return []

    def contains(self, article: int) -> bool:
        """Whether ``article`` is shown (filters may hide it)."""
        return article in self._row_of_article

    def _heading_of(self, row: int) -> int:
        return bisect.bisect_right(self._heading_rows, row) - 1 if row >= 0 else -1

    def _first_entry_row(self, row: int) -> int:
        rows = self._rows
        while row < len(rows):
            if rows[row] >= 0:
                return row
            row += 1
        return -1

    # --- movement ---------------------------------------------------------------------

    def move_to_article(self, article: int) -> bool:
        """Highlight ``article`` if the timeline shows it."""
        if not self.contains(article):
            return False
        self.cursor_row = self._row_of_article[article]
        return True

    def _move_to_row(self, row: int) -> None:
        if row >= 0:
            self.cursor_row = row

    def action_cursor_down(self) -> None:
        """Next article."""
        row = self.cursor_row + 1
        if row < len(self._rows) and self._rows[row] < 0:
            row += 1
        if row < len(self._rows):
            self._move_to_row(row)

    def action_cursor_up(self) -> None:
        """Previous article."""
        row = self.cursor_row - 1
        if row >= 0 and self._rows[row] < 0:
            row -= 1
        if row >= 0:
            self._move_to_row(row)

    def action_first(self) -> None:
        """First article."""
        self._move_to_row(self._first_entry_row(0))

    def action_last(self) -> None:
        """Last article."""
        if self._rows:
            self._move_to_row(len(self._rows) - 1)

    def action_next_date(self) -> bool:
        """First article of the next date; ``False`` at the last date."""
        heading = self._heading_of(self.cursor_row) + 1
        if heading >= len(self._heading_rows):
            return False
        self._move_to_row(self._heading_rows[heading] + 1)
        return True

    def action_previous_date(self) -> bool:
        """First article of the previous date (or of this one, when below its first)."""
        heading = self._heading_of(self.cursor_row)
        if heading < 0:
            return False
        first_of_this = self._heading_rows[heading] + 1
        if self.cursor_row > first_of_this:
            self._move_to_row(first_of_this)
            return True
        if heading == 0:
            return False
        self._move_to_row(self._heading_rows[heading - 1] + 1)
        return True

    def action_select(self) -> None:
        """Open the highlighted article."""
        article = self.current_article
        if article is not None:
            self.post_message(self.Selected(self, article))

    def watch_cursor_row(self, old_row: int, new_row: int) -> None:
        self.refresh_line(old_row)
        self.refresh_line(new_row)
        self._scroll_cursor_into_view()
        self.post_message(self.Highlighted(self, self.current_article))

    def _scroll_cursor_into_view(self, animate: bool = False) -> None:
        row = self.cursor_row
        if row < 0:
            return
        top = row
        heading = self._heading_of(row)
        if heading >= 0 and self._heading_rows[heading] == row - 1:
            top = row - 1  # show the date heading with the first article of a date
        region = Region(0, top, 1, row - top + 1)
        self.scroll_to_region(region, animate=animate, force=True, immediate=True)

    # --- events -----------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = offset.y + self.scroll_offset.y
        if 0 <= row < len(self._rows):
            if self._rows[row] < 0:
                row = self._first_entry_row(row)
            self._move_to_row(row)
            article = self.current_article
            if article is not None:
                self.post_message(self.Selected(self, article))

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self.refresh_marks, init=False)

    def on_resize(self, event: events.Resize) -> None:
        self._render_cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))
        self.call_after_refresh(self._scroll_cursor_into_view)

    # --- drawing ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = y + self.scroll_offset.y
        if not 0 <= row < len(self._rows) or width <= 0:
            return Strip.blank(width, self.rich_style)
        value = self._rows[row]
        cursor = row == self.cursor_row
        key = (row, width, cursor, self.has_focus)
        strip = self._render_cache.get(key)
        if strip is None:
            base = self.rich_style
            text = self._heading_text(-value - 1) if value < 0 else self._entry_text(value)
            if cursor:
                text.stylize(self.get_component_rich_style("timeline--cursor"))
            text.truncate(width, overflow="ellipsis", pad=True)
            segments = list(text.render(self.app.console, end=""))
            strip = Strip(list(Segment.apply_style(segments, base)), width)
            self._render_cache[key] = strip
        return strip

    def _heading_text(self, heading: int) -> Text:
        when, count = self._headings[heading]
        extra = self._heading_extra.get(heading)
        if extra is None:
            start = self._heading_rows[heading] + 1
            marks = self._marks
            articles = self._articles
            unread = sum(1 for i in self._rows[start : start + count] if marks(articles[i])[0])
            extra = f" · {unread} unread" if unread else ""
            self._heading_extra[heading] = extra
        style = self.get_component_rich_style("timeline--heading")
        return Text(f"{heading_label(when)} · {count}{extra}", style=style, no_wrap=True, end="")

    def _entry_text(self, index: int) -> Text:
        article = self._articles[index]
        unread, flagged = self._marks(article)
        text = Text(no_wrap=True, end="")
        text.append("★" if flagged else ("•" if unread else " "), self._mark_style(flagged, unread))
        text.append(f" {article.time} " if article.time else " ", self.get_component_rich_style("timeline--time"))
        headline_style = self.get_component_rich_style("timeline--unread") if unread else Style()
        # A tab would move the terminal's cursor past the row: draw it as a space.
        text.append((article.headline or "(no headline)").replace("\t", " "), headline_style)
        return text

    def _mark_style(self, flagged: bool, unread: bool) -> Style:
        if flagged:
            return self.get_component_rich_style("timeline--flag")
        if unread:
            return self.get_component_rich_style("timeline--unread")
        return Style()
