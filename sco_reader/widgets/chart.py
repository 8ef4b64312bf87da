"""A bar chart of a trend: one column of Unicode eighth blocks per period, the peak labelled.

Drawn a visible row at a time (Line API) and scrolled sideways for long spans (a decade by
day: 3,650 columns), so its cost follows the screen, not the series. A cursor sits on one
bar (``←``/``→``, ``h``/``l``, ``Home``/``End``, ``PageUp``/``PageDown``); ``Enter`` or a
click on the cursor's bar chooses its period (:class:`BarChart.Chosen`). Labels are built from
data as plain segments, never parsed as markup.
"""

from __future__ import annotations

from datetime import date

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..trends import Period, Series

BLOCKS = " ▁▂▃▄▅▆▇█"
"""Bottom-aligned partial blocks by eighths (index 0: empty)."""
CURSOR_MARK = "▲"
PEAK_MARK = "▼"
MAX_BAR = 4
"""Widest a bar gets (columns, gap included) when few periods leave room."""


def bar_eighths(count: int, peak: int, rows: int) -> int:
    """Height of a bar in eighths of a row: ``peak`` fills ``rows``; any count above 0 shows."""
    if count <= 0 or peak <= 0 or rows <= 0:
        return 0
    return max(1, round(min(count, peak) * rows * 8 / peak))


def bar_cell(eighths: int, level: int) -> str:
    """The block drawn ``level`` rows above the baseline for a bar ``eighths`` high."""
    return BLOCKS[max(0, min(8, eighths - level * 8))]


class _ChartMessage(Message):
    """A message about one period of the chart."""

    def __init__(self, chart: BarChart, index: int) -> None:
        self.chart = chart
        self.index = index
        """Index of the period in the series."""
        super().__init__()

    @property
    def control(self) -> BarChart:
        return self.chart


class BarChart(ScrollView, can_focus=True):
    """A trend's periods as vertical bars, one column (or a few) per period, oldest on the left.

    Rows from the top: the peak's label, the bars, a baseline with ``▲`` under the cursor,
    period labels. Short widgets drop the labels first, then the baseline.
    """

    COMPONENT_CLASSES = {"chart--bar", "chart--peak", "chart--cursor", "chart--axis", "chart--label"}

    DEFAULT_CSS = """
    BarChart {
        height: 1fr;
        overflow-y: hidden;
        scrollbar-size-horizontal: 1;
        & > .chart--bar { color: $primary; }
        & > .chart--peak { color: $warning; text-style: bold; }
        & > .chart--axis { color: $text-muted; }
        & > .chart--label { color: $text-muted; }
        & > .chart--cursor { color: $foreground; background: $foreground 12%; text-style: bold; }
    }
    """

    BINDINGS = [
        Binding("left,h", "move(-1)", "Previous", show=False),
        Binding("right,l", "move(1)", "Next", show=False),
        Binding("pageup", "page(-1)", "Page left", show=False),
        Binding("pagedown", "page(1)", "Page right", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "choose", "Open", show=False),
    ]

    class Highlighted(_ChartMessage):
        """The cursor moved to another period."""

    class Chosen(_ChartMessage):
        """The user chose the period under the cursor (``Enter`` or a click on it)."""

    cursor: reactive[int] = reactive(0, init=False, always_update=False)
    """Index of the period under the cursor."""

    def __init__(self, series: Series, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.series = series
        self._peak_count = 0
        self._peak: int | None = None
        self._heights_for: tuple[int, int, int, int] | None = None
        self._height_cache: list[int] = []
        self.bar_width = 1
        """Columns per period (a gap included when wider than 2)."""
        self.set_series(series, None)

    # --- data -------------------------------------------------------------------------

    def set_series(self, series: Series, keep: date | None = None) -> None:
        """Show ``series``; the cursor goes to the period holding ``keep`` (else the peak, else the last)."""
        self.series = series
        periods = series.periods
        self._peak = series.peak  # computed once: drawing asks for it per bar
        self._peak_count = periods[self._peak].count if self._peak is not None else 0
        index = series.index_of(keep) if keep is not None else None
        if index is None:
            index = self._peak if self._peak is not None else max(0, len(periods) - 1)
        self.set_reactive(BarChart.cursor, index)
        if self.is_mounted:
            self._layout()
            self.refresh()
            self.scroll_to_cursor()
            self.post_message(self.Highlighted(self, index))

    @property
    def period(self) -> Period | None:
        """The period under the cursor."""
        periods = self.series.periods
        return periods[self.cursor] if 0 <= self.cursor < len(periods) else None

    # --- geometry ---------------------------------------------------------------------

    def _rows(self) -> tuple[bool, int, bool, bool]:
        """``(peak label?, bar rows, baseline?, labels?)`` for the widget's height."""
        height = self.scrollable_content_region.height
        labels = height >= 4
        axis = height >= 5
        peak = height >= 3
        return peak, max(1, height - peak - axis - labels), axis, labels

    def _layout(self) -> None:
        count = max(1, len(self.series.periods))
        width = self.scrollable_content_region.width
        self.bar_width = max(1, min(MAX_BAR, width // count))
        self.virtual_size = Size(count * self.bar_width, 1)  # never scrolls vertically: bars fit the height

    def scroll_to_cursor(self) -> None:
        x = self.cursor * self.bar_width
        margin = max(0, min(8, self.scrollable_content_region.width // 4))
        region = Region(max(0, x - margin), 0, self.bar_width + 2 * margin, 1)
        self.scroll_to_region(region, animate=False, force=True, immediate=True)

    def index_at(self, x: int) -> int | None:
        """The period drawn at virtual column ``x``."""
        index = x // self.bar_width
        return index if 0 <= index < len(self.series.periods) else None

    # --- actions ----------------------------------------------------------------------

    def validate_cursor(self, index: int) -> int:
        return max(0, min(len(self.series.periods) - 1, index))

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh()
        self.scroll_to_cursor()
        self.post_message(self.Highlighted(self, new))

    def action_move(self, step: int) -> None:
        """Move the cursor by ``step`` periods."""
        self.cursor += step

    def action_page(self, direction: int) -> None:
        """Move the cursor by a screenful of periods."""
        shown = max(1, self.scrollable_content_region.width // self.bar_width - 1)
        self.cursor += direction * shown

    def action_edge(self, last: int) -> None:
        """First (0) or last (1) period."""
        self.cursor = len(self.series.periods) - 1 if last else 0

    def action_choose(self) -> None:
        """Choose the period under the cursor."""
        if self.period is not None:
            self.post_message(self.Chosen(self, self.cursor))

    # --- events -----------------------------------------------------------------------

    def on_mount(self) -> None:
        self._layout()
        self.call_after_refresh(self.scroll_to_cursor)

    def on_resize(self, event: events.Resize) -> None:
        self._layout()
        self.refresh()
        self.call_after_refresh(self.scroll_to_cursor)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        index = self.index_at(offset.x + self.scroll_offset.x)
        if index is None:
            return
        if index == self.cursor:
            self.action_choose()
        else:
            self.cursor = index

    # --- drawing ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        periods = self.series.periods
        if width <= 0:
            return Strip.blank(width, base)
        if not periods:
            if y:
                return Strip.blank(width, base)
            return Strip([Segment("no matches", self.get_component_rich_style("chart--label"))]).extend_cell_length(width, base)
        show_peak, bar_rows, show_axis, show_labels = self._rows()
        first = self.scroll_offset.x // self.bar_width
        last = min(len(periods), (self.scroll_offset.x + width) // self.bar_width + 1)
        if show_peak and y == 0:
            segments = self._peak_segments()
        elif y < show_peak + bar_rows:
            segments = self._bar_segments(bar_rows - 1 - (y - show_peak), bar_rows, first, last)
        elif show_axis and y == show_peak + bar_rows:
            segments = self._axis_segments(first, last)
        elif show_labels and y == show_peak + bar_rows + show_axis:
            segments = self._label_segments(first, last)
        else:
            return Strip.blank(width, base)
        strip = Strip(Segment.apply_style(segments, base))
        # Segments start at the first visible period's column; crop to the scroll offset.
        start = self.scroll_offset.x - first * self.bar_width
        return strip.crop(start, start + width).extend_cell_length(width, base)

    def _style(self, index: int, kind: str = "chart--bar") -> Style:
        style = self.get_component_rich_style(kind)
        if index == self._peak:
            style += self.get_component_rich_style("chart--peak")
        if index == self.cursor:
            style += self.get_component_rich_style("chart--cursor")
        return style

    def _heights(self, rows: int, first: int, last: int) -> list[int]:
        """Heights in eighths of the bars ``first``..``last`` (kept for the frame's other rows)."""
        key = (id(self.series), rows, first, last)
        if self._heights_for != key:
            periods, peak = self.series.periods, self._peak_count
            self._height_cache = [bar_eighths(periods[index].count, peak, rows) for index in range(first, last)]
            self._heights_for = key
        return self._height_cache

    def _bar_segments(self, level: int, rows: int, first: int, last: int) -> list[Segment]:
        """One row of bars, ``level`` rows above the baseline; runs of one look merged into one segment."""
        width = self.bar_width
        filled = width - 1 if width > 2 else width
        gap = " " * (width - filled)
        plain = self.get_component_rich_style("chart--bar")
        special = {self.cursor, self._peak}
        floor = level * 8
        cells: list[str] = []
        segments: list[Segment] = []
        for index, height in enumerate(self._heights(rows, first, last), first):
            cell = BLOCKS[max(0, min(8, height - floor))] * filled
            if index in special:
                segments.append(Segment("".join(cells), plain))
                segments.append(Segment(cell, self._style(index)))
                cells = [gap]
                continue
            cells.append(cell + gap)
        segments.append(Segment("".join(cells), plain))
        return [segment for segment in segments if segment.text]

    def _axis_segments(self, first: int, last: int) -> list[Segment]:
        axis = self.get_component_rich_style("chart--axis")
        segments = []
        for index in range(first, last):
            if index == self.cursor:
                segments.append(Segment(CURSOR_MARK.ljust(self.bar_width, "▔"), self._style(index, "chart--axis")))
            else:
                segments.append(Segment("▔" * self.bar_width, axis))
        return segments

    def _label_segments(self, first: int, last: int) -> list[Segment]:
        """Period labels every few bars where they fit, and always the cursor's (it wins over neighbours)."""
        periods, width = self.series.periods, self.bar_width
        label_style = self.get_component_rich_style("chart--label")
        every = max(1, -(-(len(periods[0].label) + 2) // width))
        length = (last - first) * width + len(periods[0].label)  # room for a label past the last bar
        line = [" "] * length
        styles: list[Style | None] = [None] * length

        def put(index: int, style: Style) -> None:
            label = periods[index].label
            x = (index - first) * width
            for k, char in enumerate(label):
                line[x + k] = char
                styles[x + k] = style

        for index in range(first + (-first % every), last, every):
            put(index, label_style)
        if first <= self.cursor < last:
            x = (self.cursor - first) * width
            for k in range(max(0, x - 1), min(length, x + len(periods[self.cursor].label) + 1)):
                line[k], styles[k] = " ", None
            # A neighbour's label cut by the clearing goes altogether.
            for k in range(max(0, x - 1) - 1, -1, -1):
                if line[k] == " ":
                    break
                line[k], styles[k] = " ", None
            for k in range(min(length, x + len(periods[self.cursor].label) + 1), length):
                if line[k] == " ":
                    break
                line[k], styles[k] = " ", None
            put(self.cursor, self._style(self.cursor, "chart--label"))
        return [Segment(char, style) for char, style in zip(line, styles)]

    def _peak_segments(self) -> list[Segment]:
        """``▼ 42 · 2024-07`` starting above the peak bar (or ending there near the right edge)."""
        index = self._peak
        if index is None:
            return [Segment("no matches", self.get_component_rich_style("chart--label"))]
        period = self.series.periods[index]
        label = f"{PEAK_MARK} peak {period.count:,} · {period.label}"
        first = self.scroll_offset.x // self.bar_width
        width = self.scrollable_content_region.width
        visible_start = self.scroll_offset.x - first * self.bar_width
        x = (index - first) * self.bar_width
        if not 0 <= x - visible_start < width:
            # The peak is scrolled out of view: say where it is, on the side it lies.
            arrow = "◀ " if index < first else ""
            text = f"{arrow}peak {period.count:,} · {period.label}{' ▶' if index >= first else ''}"
            pad = visible_start if index < first else max(visible_start, visible_start + width - len(text))
            return [Segment(" " * pad), Segment(text, self.get_component_rich_style("chart--peak"))]
        if x - visible_start + len(label) > width:
            label = f"peak {period.count:,} · {period.label} {PEAK_MARK}"
            x = max(visible_start, x + self.bar_width - len(label))
        return [Segment(" " * x), Segment(label, self.get_component_rich_style("chart--peak"))]
