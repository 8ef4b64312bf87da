"""The timeline sidebar: draws the reader model's rows (date headings and articles), a visible row at a time.

A Line API widget (``ScrollView`` + ``render_line``), as toolong's log view: a frame costs
the rows on screen, not the articles in the archive. It keeps no order, grouping or cursor
of its own: :class:`~sco_reader.reader.View` says what each row is and where the cursor
stands, and the app tells the widget when that changed. Headlines are drawn as
``rich.text.Text`` — never parsed as markup.
"""

from __future__ import annotations

from typing import Iterable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..reader import View, day_label

__all__ = ["Timeline", "heading_label"]

heading_label = day_label


class Timeline(ScrollView, can_focus=True):
    """Articles under date headings, as the reader's view lists them; the cursor row highlighted."""

    COMPONENT_CLASSES = {
        "timeline--heading",
        "timeline--cursor",
        "timeline--time",
        "timeline--unread",
        "timeline--flag",
        "timeline--gone",
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
        & > .timeline--gone { color: $text-muted; text-style: strike; }
        & > .timeline--cursor { background: $block-cursor-blurred-background; }
        &:focus > .timeline--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    BINDINGS = [Binding("enter", "select", "Open", show=False)]

    class Selected(Message):
        """The user chose a row: Enter (the cursor's row) or a click."""

        def __init__(self, timeline: Timeline, row: int) -> None:
            self.timeline = timeline
            self.row = row
            """The row chosen (a heading means its first article)."""
            super().__init__()

        @property
        def control(self) -> Timeline:
            return self.timeline

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: View | None = None
        """What to draw (set by the app)."""
        self._drawn_cursor = -1
        self._render_cache: LRUCache[tuple[int, int, bool, bool], Strip] = LRUCache(1024)

    # --- told by the app ------------------------------------------------------------------

    def show(self, view: View) -> None:
        """Draw ``view`` from scratch (rows were laid out again: order, filter, growth)."""
        self.view = view
        self._render_cache.clear()
        self._drawn_cursor = view.cursor_row
        self.virtual_size = Size(self.scrollable_content_region.width, view.rows)
        self.refresh()
        self.scroll_cursor_into_view()

    def cursor_moved(self) -> None:
        """The view's cursor moved: redraw the two rows and keep the new one in sight."""
        view = self.view
        if view is None:
            return
        old, new = self._drawn_cursor, view.cursor_row
        if old == new:
            return
        self._drawn_cursor = new
        self.refresh_rows((old, new))
        self.scroll_cursor_into_view()

    def refresh_rows(self, rows: Iterable[int]) -> None:
        """Redraw these rows (their marks or counts changed)."""
        width = self.scrollable_content_region.width
        for row in set(rows):
            if row < 0:
                continue
            for cursor in (False, True):
                for focus in (False, True):
                    self._render_cache.discard((row, width, cursor, focus))
            self.refresh_line(row)

    def redraw(self) -> None:
        """Redraw every row (marks of many articles changed, or the theme)."""
        self._render_cache.clear()
        self.refresh()

    def scroll_cursor_into_view(self, animate: bool = False) -> None:
        """Scroll so the cursor's row (and the date heading above a date's first article) is in sight."""
        view = self.view
        if view is None or view.cursor_row < 0:
            return
        row = view.cursor_row
        top = row - 1 if row > 0 and view.row(row - 1) < 0 else row
        self.scroll_to_region(Region(0, top, 1, row - top + 1), animate=animate, force=True, immediate=True)

    # --- user ----------------------------------------------------------------------------

    def action_select(self) -> None:
        """Open the cursor's article."""
        if self.view is not None and self.view.cursor_row >= 0:
            self.post_message(self.Selected(self, self.view.cursor_row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.view is None:
            return
        row = offset.y + self.scroll_offset.y
        if 0 <= row < self.view.rows:
            self.post_message(self.Selected(self, row))

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self.redraw, init=False)

    def on_resize(self, event: events.Resize) -> None:
        self._render_cache.clear()
        if self.view is not None:
            self.virtual_size = Size(self.scrollable_content_region.width, self.view.rows)
        self.call_after_refresh(self.scroll_cursor_into_view)

    # --- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = y + self.scroll_offset.y
        view = self.view
        if view is None or not 0 <= row < view.rows or width <= 0:
            return Strip.blank(width, self.rich_style)
        cursor = row == view.cursor_row
        key = (row, width, cursor, self.has_focus)
        strip = self._render_cache.get(key)
        if strip is None:
            value = view.row(row)
            text = self._heading_text(-value - 1) if value < 0 else self._entry_text(value)
            text.truncate(width, overflow="ellipsis", pad=True)
            if cursor:
                text.stylize(self.get_component_rich_style("timeline--cursor"))  # the whole width, padding too
            segments = list(text.render(self.app.console, end=""))
            strip = Strip(list(Segment.apply_style(segments, self.rich_style)), width)
            self._render_cache[key] = strip
        return strip

    def _heading_text(self, group: int) -> Text:
        view = self.view
        assert view is not None
        when, count = view.heading(group)
        unread = view.heading_unread(group)
        extra = f" · {unread} unread" if unread else ""
        style = self.get_component_rich_style("timeline--heading")
        return Text(f"{day_label(when)} · {count}{extra}", style=style, no_wrap=True, end="")

    def _entry_text(self, index: int) -> Text:
        view = self.view
        assert view is not None
        library = view.library
        unread = not view.marks.read[index]
        flagged = bool(view.marks.flagged[index])
        text = Text(no_wrap=True, end="")
        text.append("•" if unread else " ", self.get_component_rich_style("timeline--unread") if unread else Style())
        text.append("★" if flagged else " ", self.get_component_rich_style("timeline--flag") if flagged else Style())
        time = library.time(index)
        text.append(f" {time} " if time else " ", self.get_component_rich_style("timeline--time"))
        gone = index in library.dead
        headline_style = (
            self.get_component_rich_style("timeline--gone")
            if gone
            else self.get_component_rich_style("timeline--unread") if unread else Style()
        )
        # A tab would move the terminal's cursor past the row: draw it as a space.
        text.append((library.headline(index) or "(no headline)").replace("\t", " "), headline_style)
        return text
