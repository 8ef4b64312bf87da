"""The archive's days as a month calendar (go-to-date dialog) and as GitHub-style year grids.

Both draw from a :class:`~sco_reader.days.DayMap` (only the days, never the articles), so a
decade of a million articles costs what ~3,650 days cost. Each day is shaded by its number
of articles in a few steps of one theme colour *and* a symbol (``·░▒▓█``), so the steps read
with ``NO_COLOR`` too. A cursor day moves with the arrows and ``h``/``j``/``k``/``l``, never
leaving the archive's span; ``Enter`` or a click chooses it (:class:`DaySelected`).
"""

from __future__ import annotations

from datetime import date

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
from textual.widget import Widget

from ..days import MONTH_NAMES, MONTHS, SYMBOLS, WEEKDAYS, DayMap, month_weeks, month_starts, step, year_cell, year_columns, year_position

SHADING_CLASSES = frozenset(
    {
        "calendar--level-0",
        "calendar--level-1",
        "calendar--level-2",
        "calendar--level-3",
        "calendar--level-4",
        "calendar--outside",
        "calendar--cursor",
        "calendar--today",
        "calendar--current",
        "calendar--unread",
        "calendar--label",
    }
)
"""Component classes the month calendar and the year view share."""

SHADING_CSS = """
    & > .calendar--level-0 { color: $text-muted; }
    & > .calendar--level-1 { color: $success 40%; }
    & > .calendar--level-2 { color: $success 65%; }
    & > .calendar--level-3 { color: $success 85%; }
    & > .calendar--level-4 { color: $success; }
    & > .calendar--outside { color: $text-disabled; }
    & > .calendar--label { color: $text-muted; }
    & > .calendar--today { text-style: underline; }
    & > .calendar--current { color: $text-accent; text-style: bold; }
    & > .calendar--unread { text-style: bold; }
    & > .calendar--cursor { background: $block-cursor-blurred-background; text-style: reverse; }
    &:focus > .calendar--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
"""
"""Theme colours for the shading steps; the cursor also survives ``NO_COLOR`` (reverse / bold)."""

UNREAD_MARK = "•"
CURRENT_MARK = "›"


class DaySelected(Message):
    """The user chose a day (``Enter`` or a click)."""

    def __init__(self, sender: Widget, day: date) -> None:
        self.sender = sender
        self.day = day
        """The chosen day."""
        super().__init__()

    @property
    def control(self) -> Widget:
        return self.sender


class DayHighlighted(Message):
    """The cursor moved to another day."""

    def __init__(self, sender: Widget, day: date) -> None:
        self.sender = sender
        self.day = day
        """The day under the cursor."""
        super().__init__()

    @property
    def control(self) -> Widget:
        return self.sender


_MOVES = [
    Binding("left,h", "move(-1)", "Previous day", show=False),
    Binding("right,l", "move(1)", "Next day", show=False),
    Binding("up,k", "move(-7)", "Previous week", show=False),
    Binding("down,j", "move(7)", "Next week", show=False),
    Binding("pageup", "move(0, -1)", "Previous month", show=False),
    Binding("pagedown", "move(0, 1)", "Next month", show=False),
    Binding("home", "edge(0)", "First day", show=False),
    Binding("end", "edge(1)", "Last day", show=False),
    Binding("enter", "select", "Jump", show=False),
]


class _DayCursor(Widget):
    """What the month calendar and the year view share: the day map, the cursor, choosing."""

    day_map: DayMap
    today: date
    current: date | None

    cursor: reactive[date] = reactive(date(2000, 1, 1), init=False, always_update=False)
    """The day under the cursor (always within the archive's span)."""

    def __init__(
        self,
        day_map: DayMap,
        *,
        today: date,
        current: date | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.day_map = day_map
        self.today = today
        self.current = current
        self.set_reactive(_DayCursor.cursor, day_map.initial(today, current))

    def validate_cursor(self, day: date) -> date:
        return self.day_map.clamp(day)

    def watch_cursor(self, old: date, new: date) -> None:
        self.cursor_moved(old, new)
        self.post_message(DayHighlighted(self, new))

    def cursor_moved(self, old: date, new: date) -> None:
        """Redraw after the cursor moved."""
        self.refresh()

    def action_move(self, days: int, months: int = 0) -> None:
        """Move the cursor by ``months`` then ``days`` (kept within the span)."""
        self.cursor = step(self.cursor, days=days, months=months, span=self.day_map.span)

    def action_edge(self, last: int) -> None:
        """First (0) or last (1) day of the archive."""
        span = self.day_map.span
        if span is not None:
            self.cursor = span.last if last else span.first

    def action_select(self) -> None:
        """Choose the day under the cursor."""
        self.post_message(DaySelected(self, self.cursor))

    def choose(self, day: date | None) -> None:
        """Move to ``day`` (clicked) and choose it, when it is within the span."""
        if day is None or self.day_map.clamp(day) != day:
            return
        self.cursor = day
        self.post_message(DaySelected(self, day))

    def _day_style(self, day: date, cursor: bool) -> tuple[Style, Style]:
        """Styles of a day's number and of its shading symbol."""
        symbol = self.get_component_rich_style(f"calendar--level-{self.day_map.level(day)}")
        number = Style()
        if self.day_map.count(day).unread:
            number += self.get_component_rich_style("calendar--unread")
        if day == self.current:
            number += self.get_component_rich_style("calendar--current")
        if day == self.today:
            number += self.get_component_rich_style("calendar--today")
        if cursor:
            cursor_style = self.get_component_rich_style("calendar--cursor")
            number += cursor_style
            symbol += cursor_style
        return number, symbol


class MonthCalendar(_DayCursor, can_focus=True):
    """One month: weeks as rows (ISO week number first), each day shaded by its articles.

    A day reads `` ›4▒•``: ``›`` the current article's day, the number (underlined: today,
    bold: has unread articles), the shading symbol, ``•`` unread articles. ``PageUp`` /
    ``PageDown`` change month; clicking ``‹`` / ``›`` in the title does too.
    """

    COMPONENT_CLASSES = SHADING_CLASSES | {"calendar--title"}

    DEFAULT_CSS = (
        """
    MonthCalendar {
        width: 40;
        height: 8;
        padding: 0 1;
        & > .calendar--title { text-style: bold; }
    """
        + SHADING_CSS
        + "}"
    )

    BINDINGS = _MOVES

    GUTTER = 3
    """Columns of the week-number gutter."""
    CELL = 5
    """Columns of one day: mark, two digits, symbol, unread mark."""
    TOP = 2
    """Rows above the weeks: title and weekday names."""

    @property
    def grid_width(self) -> int:
        """Width of the drawing without padding."""
        return self.GUTTER + 7 * self.CELL

    def render(self) -> Text:
        cursor = self.cursor
        width = self.grid_width
        label_style = self.get_component_rich_style("calendar--label")
        lines: list[Text] = []
        title = f"{MONTH_NAMES[cursor.month - 1]} {cursor.year}"
        inner = width - 2 * (self.GUTTER + 1)
        heading = Text(no_wrap=True, end="")
        heading.append(" " * self.GUTTER + "‹", label_style)
        heading.append(title.center(max(inner, len(title))), self.get_component_rich_style("calendar--title"))
        heading.append("›", label_style)
        lines.append(heading)
        header = Text("Wk ".ljust(self.GUTTER), style=label_style, no_wrap=True, end="")
        for name in WEEKDAYS:
            header.append(f" {name}  ", label_style)
        lines.append(header)
        outside = self.get_component_rich_style("calendar--outside")
        for week in month_weeks(cursor.year, cursor.month):
            line = Text(no_wrap=True, end="")
            first = next((day for day in week if day is not None), None)
            line.append(f"{first.isocalendar()[1]:>2} " if first else " " * self.GUTTER, label_style)
            for day in week:
                if day is None:
                    line.append(" " * self.CELL)
                    continue
                if self.day_map.clamp(day) != day:
                    line.append(f" {day.day:>2}  ", outside)
                    continue
                number, symbol = self._day_style(day, day == cursor)
                count = self.day_map.count(day)
                digits = str(day.day)
                line.append(" " * (2 - len(digits)))
                line.append(CURRENT_MARK if day == self.current else " ", self.get_component_rich_style("calendar--current"))
                line.append(digits, number)
                line.append(SYMBOLS[self.day_map.level(day)], symbol)
                line.append(UNREAD_MARK if count.unread else " ", self.get_component_rich_style("calendar--unread"))
            lines.append(line)
        return Text("\n", no_wrap=True, end="").join(lines)

    def day_at(self, x: int, y: int) -> date | None:
        """The day drawn at content offset ``(x, y)``, if any."""
        row, column = y - self.TOP, (x - self.GUTTER) // self.CELL
        if not (0 <= row < 6 and x >= self.GUTTER and 0 <= column < 7):
            return None
        return month_weeks(self.cursor.year, self.cursor.month)[row][column]

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y == 0:
            if offset.x <= self.GUTTER + 1:
                self.action_move(0, -1)
            elif offset.x >= self.grid_width - self.GUTTER - 1:
                self.action_move(0, 1)
            return
        self.choose(self.day_at(offset.x, offset.y))


class YearView(_DayCursor, ScrollView, can_focus=True):
    """GitHub-style grids, one block per year of the archive: weeks as columns, weekdays as rows.

    Drawn a visible row at a time (Line API), so a decade opens as fast as one year. Arrows
    and ``h``/``j``/``k``/``l`` move by week (left/right) and day (up/down), ``PageUp`` /
    ``PageDown`` by year. Days are two columns wide when the width allows, else one.
    """

    COMPONENT_CLASSES = SHADING_CLASSES | {"calendar--year"}

    DEFAULT_CSS = (
        """
    YearView {
        height: 1fr;
        scrollbar-size: 1 1;
        & > .calendar--year { text-style: bold; }
    """
        + SHADING_CSS
        + "}"
    )

    BINDINGS = [
        Binding("left,h", "move(-7)", "Previous week", show=False),
        Binding("right,l", "move(7)", "Next week", show=False),
        Binding("up,k", "move(-1)", "Previous day", show=False),
        Binding("down,j", "move(1)", "Next day", show=False),
        Binding("pageup", "move(0, -12)", "Previous year", show=False),
        Binding("pagedown", "move(0, 12)", "Next year", show=False),
        Binding("home", "edge(0)", "First day", show=False),
        Binding("end", "edge(1)", "Last day", show=False),
        Binding("enter", "select", "Jump", show=False),
    ]

    GUTTER = 5
    """Columns before the first week: the year, or a weekday name."""
    ROWS_PER_YEAR = 9
    """Title row, seven weekdays, a blank row."""
    COLUMNS = 54
    """Most week columns a year can have."""

    def __init__(
        self,
        day_map: DayMap,
        *,
        today: date,
        current: date | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(day_map, today=today, current=current, id=id, classes=classes)
        start = self.cursor
        years = day_map.years()
        self.years = years if len(years) else range(start.year, start.year + 1)
        """The years shown, oldest first."""
        self.cell_width = 1
        """Columns per day: 2 when the width allows, else 1."""
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(256)

    # --- geometry ---------------------------------------------------------------------

    def _layout(self) -> None:
        width = self.scrollable_content_region.width
        self.cell_width = 2 if width >= self.GUTTER + 2 * self.COLUMNS else 1
        self.virtual_size = Size(self.GUTTER + self.cell_width * self.COLUMNS, self.virtual_rows)

    @property
    def virtual_rows(self) -> int:
        """Rows of all the years' blocks (no blank row after the last)."""
        return self.ROWS_PER_YEAR * len(self.years) - 1

    def cursor_region(self) -> Region:
        """The cursor's cell across its year's whole block (title and weekdays), to scroll into view."""
        day = self.cursor
        column, _ = year_position(day)
        top = (day.year - self.years.start) * self.ROWS_PER_YEAR
        x = self.GUTTER + column * self.cell_width
        return Region(max(0, x - self.GUTTER), top, self.GUTTER + self.cell_width, self.ROWS_PER_YEAR - 1)

    def scroll_to_cursor(self) -> None:
        self.scroll_to_region(self.cursor_region(), animate=False, force=True, immediate=True)

    def day_at(self, x: int, y: int) -> date | None:
        """The day drawn at virtual position ``(x, y)``, if any."""
        year_index, row = divmod(y, self.ROWS_PER_YEAR)
        if not (0 <= year_index < len(self.years) and 1 <= row <= 7 and x >= self.GUTTER):
            return None
        column = (x - self.GUTTER) // self.cell_width
        year = self.years[year_index]
        if column >= year_columns(year):
            return None
        return year_cell(year, column, row - 1)

    # --- events -----------------------------------------------------------------------

    def on_mount(self) -> None:
        self._layout()
        self.call_after_refresh(self.scroll_to_cursor)

    def on_resize(self, event: events.Resize) -> None:
        self._layout()
        self.refresh()
        self.call_after_refresh(self.scroll_to_cursor)

    def cursor_moved(self, old: date, new: date) -> None:
        self.refresh()
        self.scroll_to_cursor()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        self.choose(self.day_at(offset.x + self.scroll_offset.x, offset.y + self.scroll_offset.y))

    # --- drawing ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = y + self.scroll_offset.y
        year_index, part = divmod(row, self.ROWS_PER_YEAR)
        base = self.rich_style
        if width <= 0 or not 0 <= year_index < len(self.years) or part == 8:
            return Strip.blank(width, base)
        year = self.years[year_index]
        cursor = self.cursor
        # Only the row holding the cursor depends on it: other rows stay cached while it moves.
        holds_cursor = part and cursor.year == year and cursor.weekday() == part - 1
        key = (year, part, self.cell_width, cursor if holds_cursor else None, self.has_focus)
        line = self._line_cache.get(key)
        if line is None:
            segments = self._title_segments(year) if part == 0 else self._week_segments(year, part - 1)
            line = Strip(Segment.apply_style(segments, base)).extend_cell_length(self.virtual_size.width, base)
            self._line_cache[key] = line
        return line.crop(self.scroll_offset.x, self.scroll_offset.x + width).extend_cell_length(width, base)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()

    def _title_segments(self, year: int) -> list[Segment]:
        label = self.get_component_rich_style("calendar--label")
        segments = [Segment(f"{year:<{self.GUTTER}}", self.get_component_rich_style("calendar--year"))]
        position = 0
        for column, month in month_starts(year):
            x = column * self.cell_width
            if x < position:
                continue
            name = MONTHS[month - 1]
            segments.append(Segment(" " * (x - position)))
            segments.append(Segment(name, label))
            position = x + len(name)
        return segments

    def _week_segments(self, year: int, weekday: int) -> list[Segment]:
        """One weekday's row of a year: a symbol per week, runs of one style merged into one segment."""
        day_map = self.day_map
        levels = [self.get_component_rich_style(f"calendar--level-{level}") for level in range(5)]
        cell = self.cell_width
        pad = " " * (cell - 1)
        jan1 = date(year, 1, 1).toordinal()
        dec31 = date(year, 12, 31).toordinal()
        low, high = (day_map.span.first.toordinal(), day_map.span.last.toordinal()) if day_map.span else (jan1, dec31)
        low, high = max(low, jan1), min(high, dec31)
        first = jan1 - date(year, 1, 1).weekday() + weekday
        marked = {d.toordinal() for d in (self.cursor, self.today, self.current) if d is not None and d.year == year}
        days_get, level_of = day_map.days.get, day_map.shading.level
        runs: list[Segment] = [Segment(f" {WEEKDAYS[weekday]}".ljust(self.GUTTER), self.get_component_rich_style("calendar--label"))]
        text, style = "", None
        for column in range(year_columns(year)):
            ordinal = first + 7 * column
            if not low <= ordinal <= high:
                symbol, cell_style = " " * cell, None
            else:
                day = date.fromordinal(ordinal)
                count = days_get(day)
                level = level_of(count.articles) if count is not None else 0
                symbol, cell_style = SYMBOLS[level] + pad, levels[level]
                if ordinal in marked:
                    number, marked_style = self._day_style(day, day == self.cursor)
                    cell_style = marked_style + number if day in (self.today, self.current) else marked_style
                    runs.append(Segment(text, style))
                    runs.append(Segment(SYMBOLS[level], cell_style))
                    text, style = pad, None
                    continue
            if cell_style == style:
                text += symbol
            else:
                runs.append(Segment(text, style))
                text, style = symbol, cell_style
        runs.append(Segment(text, style))
        return [segment for segment in runs if segment.text]
