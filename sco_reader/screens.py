"""Overlays: the key help, the go-to-date prompt and the search overlay.

Each is a ``ModalScreen`` that Esc closes. Search results are drawn in an
``OptionList`` (virtualised) from ``rich.text.Text`` prompts, so hostile
headlines stay inert.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Callable, Sequence

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from .dates import nearest_date, parse_date_spec
from .days import LEVEL_NAMES, SYMBOLS, DayCount, DayMap, day_label
from .trends import GRANULARITIES, Granularity, Series, Tally, bucket, suggest_granularity
from .widgets.calendar import DayHighlighted, DaySelected, MonthCalendar, YearView
from .widgets.chart import BarChart


class HelpScreen(ModalScreen[None]):
    """Every key and what it does."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", show=True),
    ]

    def __init__(self, rows: Sequence[tuple[str, str]]) -> None:
        """``rows``: (keys, meaning) pairs."""
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2), expand=True)
        table.add_column(style="bold", max_width=18)
        table.add_column(ratio=1)
        for keys, meaning in self.rows:
            table.add_row(Text(keys), Text(meaning))
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label(Text("Keys"), id="help-title", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(table)
            yield Label(Text("Esc closes this help · ↑/↓ scroll"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


class GotoDateScreen(ModalScreen[str | None]):
    """Asks for a date beside a month calendar of the archive; dismisses with what to tell the user.

    Typed dates work as ever (Enter resolves what was typed, and the calendar follows as you
    type). With the input empty, or the calendar focused (Tab), the arrows move by day and
    week, ``PageUp``/``PageDown`` by month, and Enter or a click jumps to the calendar's day:
    it goes through the same ``resolve`` as a typed date (its ISO form), so the "nearest date"
    message is one rule. ``Ctrl+Y`` opens the year view. Without ``days`` the dialog is the
    plain prompt.
    """

    DEFAULT_CSS = """
    GotoDateScreen {
        align: center middle;
        #goto-calendar-dialog {
            width: auto;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            background: $panel;
            border: thick $primary;
            padding: 0 1;
        }
        #goto-calendar-dialog > .dialog-title { width: 100%; content-align: center middle; text-style: bold; }
        #goto-body { width: auto; height: auto; }
        #goto-side { width: 34; height: auto; padding: 1 0 0 1; }
        #goto-side > Static { width: 100%; }
        #goto-day { margin-top: 1; }
        #goto-legend { color: $text-muted; margin-top: 1; }
        &.-stacked #goto-body { layout: vertical; }
        &.-stacked #goto-side { width: 100%; min-width: 20; padding: 0; }
        &.-stacked.-short #goto-legend, &.-stacked.-short #goto-keys { display: none; }
        &.-stacked.-low #goto-calendar { display: none; }
        &.-low #goto-legend, &.-low #goto-keys { display: none; }
    }
    """

    HORIZONTAL_BREAKPOINTS = [(0, "-stacked"), (80, "-beside")]
    """Calendar beside the input from 80 columns, above it when narrower."""
    VERTICAL_BREAKPOINTS = [(0, "-low"), (16, "-short"), (24, "-tall")]
    """Stacked under 24 rows: no legend; under 16 rows: no calendar (typed dates still work)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("up", "calendar_move(-7)", "Previous week", show=False),
        Binding("down", "calendar_move(7)", "Next week", show=False),
        Binding("pageup", "calendar_move(0, -1)", "Previous month", show=False),
        Binding("pagedown", "calendar_move(0, 1)", "Next month", show=False),
        Binding("left", "calendar_day(-1)", "Previous day", show=False, priority=True),
        Binding("right", "calendar_day(1)", "Next day", show=False, priority=True),
        Binding("ctrl+y", "year_view", "Year view", show=False),
    ]

    def __init__(
        self,
        resolve: Callable[[str], tuple[bool, str]],
        days: Mapping[date, DayCount] | DayMap | None = None,
        *,
        today: date | None = None,
        current: date | None = None,
    ) -> None:
        """``resolve`` acts on what the user typed: ``(True, news)`` on success, ``(False, error)`` otherwise.

        ``days`` (only the days with articles), ``today`` and ``current`` (the day of the article
        being read) draw the calendar.
        """
        super().__init__()
        self.resolve = resolve
        self.day_map = DayMap.build(days) if days is not None and not isinstance(days, DayMap) else days
        self.today = today or date.today()
        self.current = current

    def compose(self) -> ComposeResult:
        if self.day_map is None:
            with Vertical(id="goto-dialog", classes="dialog"):
                yield Label(Text("Go to date"), classes="dialog-title")
                yield Input(placeholder="2024-07-04 · 04.07 · 4 Jul · today · -2d", id="goto-input")
                yield Static(Text("Enter jumps, Esc cancels"), id="goto-message", classes="dialog-hint")
            return
        calendar = MonthCalendar(self.day_map, today=self.today, current=self.current, id="goto-calendar")
        with Vertical(id="goto-calendar-dialog"):
            yield Label(Text("Go to date"), classes="dialog-title")
            with Horizontal(id="goto-body"):
                yield calendar
                with Vertical(id="goto-side"):
                    yield Input(placeholder="2024-07-04 · 4 Jul · -2d", id="goto-input", select_on_focus=False)
                    yield Static(Text("Enter jumps, Esc cancels"), id="goto-message", classes="dialog-hint")
                    yield Static(self._describe(calendar.cursor), id="goto-day")
                    yield Static(Text(""), id="goto-legend")  # styled like the calendar once mounted
                    yield Static(
                        Text("←→↑↓ PgUp PgDn: move the day\nTab: calendar · Ctrl+Y: years"),
                        id="goto-keys",
                        classes="dialog-hint",
                    )

    def _describe(self, day: date) -> Text:
        """The day under the cursor on two lines: ``Thu 4 Jul 2024`` / ``6 articles · 2 unread``."""
        assert self.day_map is not None
        return Text(self.day_map.describe(day).replace(" · ", "\n", 1))

    def on_mount(self) -> None:
        self.query_one("#goto-input", Input).focus()
        if self.day_map is not None:
            self._style_legend()
            self.watch(self.app, "theme", lambda: self.call_after_refresh(self._style_legend), init=False)

    def _style_legend(self) -> None:
        """The shading legend, its symbols coloured like the calendar's (theme colours, known once mounted)."""
        calendar = self.query_one(MonthCalendar)
        legend = Text()
        for level in (0, 1, 2, 3, 4):
            legend.append(SYMBOLS[level], calendar.get_component_rich_style(f"calendar--level-{level}"))
            if level in (0, 1, 4):
                legend.append(f" {LEVEL_NAMES[level]}")
            legend.append(" ")
        legend.append("\n› current  • unread  ")
        legend.append("today", calendar.get_component_rich_style("calendar--today"))
        self.query_one("#goto-legend", Static).update(legend)

    # --- the calendar -----------------------------------------------------------------

    def _calendar(self) -> MonthCalendar | None:
        return self.query_one(MonthCalendar) if self.day_map is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "calendar_day":
            # Left/right belong to the input while it holds text; else they move the calendar's day.
            if self.day_map is None:
                return False
            focused = self.focused
            return isinstance(focused, Input) and not focused.value
        if action in ("calendar_move", "year_view"):
            return self.day_map is not None
        return True

    def action_calendar_move(self, days: int, months: int = 0) -> None:
        calendar = self._calendar()
        if calendar is not None:
            calendar.action_move(days, months)

    def action_calendar_day(self, days: int) -> None:
        self.action_calendar_move(days)

    @on(DayHighlighted)
    def highlighted(self, event: DayHighlighted) -> None:
        if self.day_map is not None:
            self.query_one("#goto-day", Static).update(self._describe(event.day))

    @on(DaySelected)
    def chosen(self, event: DaySelected) -> None:
        event.stop()
        self._jump(event.day.isoformat())

    @on(Input.Changed, "#goto-input")
    def typed(self, event: Input.Changed) -> None:
        """The calendar follows a typed date to the day a jump would reach."""
        calendar, day_map = self._calendar(), self.day_map
        if calendar is None or day_map is None or not event.value.strip():
            return
        spec = parse_date_spec(event.value, self.today)
        if spec is None:
            return
        target = nearest_date(spec, day_map.dates, self.today) if day_map.dates else spec.exact
        if target is not None:
            calendar.cursor = target

    def on_key(self, event: events.Key) -> None:
        """Typing a date while the calendar has focus goes to the input."""
        calendar = self._calendar()
        character = event.character
        if calendar is None or self.focused is not calendar or not character or not event.is_printable:
            return
        if character in "hjkl" or character.isspace():
            return
        event.stop()
        event.prevent_default()
        field = self.query_one("#goto-input", Input)
        field.focus()
        field.insert_text_at_cursor(character)

    def action_year_view(self) -> None:
        calendar = self._calendar()
        if calendar is None or self.day_map is None:
            return

        def chosen(day: date | None) -> None:
            if day is not None:
                calendar.cursor = day
                self._jump(day.isoformat())

        self.app.push_screen(
            YearScreen(self.day_map, today=self.today, current=self.current, cursor=calendar.cursor), chosen
        )

    # --- jumping ----------------------------------------------------------------------

    @on(Input.Submitted, "#goto-input")
    def submitted(self, event: Input.Submitted) -> None:
        calendar = self._calendar()
        if calendar is not None and not event.value.strip():
            self._jump(calendar.cursor.isoformat())
        else:
            self._jump(event.value)

    def _jump(self, typed: str) -> None:
        ok, message = self.resolve(typed)
        if ok:
            self.dismiss(message)
        else:
            self.query_one("#goto-message", Static).update(Text(message, style="bold red"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class YearScreen(ModalScreen[date | None]):
    """The archive's years as GitHub-style grids of days; dismisses with the chosen day (``None``: cancelled).

    Arrows and ``h``/``j``/``k``/``l`` move by week and day, ``PageUp``/``PageDown`` by year,
    ``Home``/``End`` to the archive's ends; Enter or a click chooses.
    """

    DEFAULT_CSS = """
    YearScreen {
        align: center middle;
        #year-dialog {
            width: auto;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            background: $panel;
            border: thick $primary;
            padding: 0 1;
        }
        #year-dialog > .dialog-title { width: 100%; content-align: center middle; text-style: bold; }
        #year-grid { width: 115; max-width: 100%; height: 8; }
        #year-day { height: 1; }
        &.-low #year-keys { display: none; }
    }
    """

    VERTICAL_BREAKPOINTS = [(0, "-low"), (14, "-tall")]
    """Under 14 rows the key hint goes."""

    BINDINGS = [Binding("escape,q", "cancel", "Cancel")]

    def __init__(
        self,
        days: Mapping[date, DayCount] | DayMap,
        *,
        today: date | None = None,
        current: date | None = None,
        cursor: date | None = None,
    ) -> None:
        """``days``: only the days with articles; ``cursor``: where to start (else the current day, else today)."""
        super().__init__()
        self.day_map = days if isinstance(days, DayMap) else DayMap.build(days)
        self.today = today or date.today()
        self.current = current
        self.start = cursor

    def compose(self) -> ComposeResult:
        grid = YearView(self.day_map, today=self.today, current=self.current, id="year-grid")
        if self.start is not None:
            grid.set_reactive(YearView.cursor, self.day_map.clamp(self.start))
        span = self.day_map.span
        if span is None:
            title = "Year"
        elif span.first.year == span.last.year:
            title = f"Year {span.first.year}"
        else:
            title = f"Years {span.first.year}–{span.last.year}"
        with Vertical(id="year-dialog"):
            yield Label(Text(title), classes="dialog-title")
            yield grid
            yield Static(Text(self.day_map.describe(grid.cursor)), id="year-day")
            yield Static(
                Text("←→ week · ↑↓ day · PgUp/PgDn year · Enter jumps · Esc closes"), id="year-keys", classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one(YearView).focus()

    def on_resize(self, event: events.Resize) -> None:
        """The grid is as tall as its years, within the screen (its own scrolling keeps the cursor in view)."""
        grid = self.query_one(YearView)
        rows = grid.virtual_rows
        grid.styles.height = max(1, min(rows, event.size.height - (7 if event.size.height >= 14 else 5)))

    @on(DayHighlighted)
    def highlighted(self, event: DayHighlighted) -> None:
        self.query_one("#year-day", Static).update(Text(self.day_map.describe(event.day)))

    @on(DaySelected)
    def chosen(self, event: DaySelected) -> None:
        event.stop()
        self.dismiss(event.day)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TrendScreen(ModalScreen[tuple[date, date] | None]):
    """A query's matching articles per day, week or month across the archive, as a bar chart.

    Dismisses with the chosen period's ``(first day, last day)`` (Enter or a click on the
    cursor's bar), so the app can open that period's first hit; ``None`` when closed.
    ``d``/``w``/``m`` re-bucket by day, week or month (counts are per day already: no new
    search). With ``recount``, ``/`` edits the query and Enter counts the new one in a worker.
    """

    DEFAULT_CSS = """
    TrendScreen {
        align: center middle;
        #trend-dialog {
            width: 90%;
            max-width: 140;
            height: 80%;
            min-height: 5;
            background: $panel;
            border: thick $primary;
            padding: 0 1;
        }
        #trend-title { width: 100%; text-style: bold; }
        #trend-query { display: none; }
        &.-editing #trend-query { display: block; }
        &.-editing #trend-title { display: none; }
        #trend-chart { height: 1fr; min-height: 1; }
        #trend-period, #trend-summary { height: 1; }
        &.-low #trend-dialog { height: 100%; width: 100%; }
        &.-low #trend-keys, &.-low #trend-summary { display: none; }
    }
    """

    VERTICAL_BREAKPOINTS = [(0, "-low"), (18, "-tall")]
    """Under 18 rows the chart takes the whole screen and the key hint goes."""

    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("d", "by('day')", "By day", show=False),
        Binding("w", "by('week')", "By week", show=False),
        Binding("m", "by('month')", "By month", show=False),
        Binding("slash", "edit_query", "Query", show=False),
    ]

    def __init__(
        self,
        tally: Tally,
        query: str,
        *,
        first: date | None = None,
        last: date | None = None,
        by: Granularity | None = None,
        recount: Callable[[str], Tally] | None = None,
    ) -> None:
        """``tally``: the matching articles per day; ``first``/``last``: the archive's span; ``by``:
        the period size (default: about a screenful of bars); ``recount`` (run off the UI thread)
        counts another query."""
        super().__init__()
        self.tally = tally
        self.query_text = query
        self.first = first
        self.last = last
        self.by: Granularity = by or suggest_granularity(first or min(tally.days, default=None), last or max(tally.days, default=None))
        self.recount = recount
        self.series: Series = bucket(tally, self.by, first, last)
        self._generation = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="trend-dialog"):
            yield Label(self._title(), id="trend-title")
            yield Input(value=self.query_text, placeholder="Query to chart…", id="trend-query")
            yield BarChart(self.series, id="trend-chart")
            yield Static(Text(""), id="trend-period")
            yield Static(Text(""), id="trend-summary", classes="dialog-hint")
            hint = "←→ move · d/w/m period · Enter opens first hit · Esc closes"
            if self.recount is not None:
                hint += " · / query"
            yield Static(Text(hint), id="trend-keys", classes="dialog-hint")

    def on_mount(self) -> None:
        if self.recount is not None and not self.query_text.strip():
            self.action_edit_query()
        else:
            self.query_one(BarChart).focus()
        self._describe()

    def _title(self) -> Text:
        title = Text("Trend of ")
        title.append(self.query_text or "all articles", style="italic")
        return title

    def _describe(self) -> None:
        chart = self.query_one(BarChart)
        period = chart.period
        line = Text()
        if period is not None:
            line.append(period.label, style="bold")
            if period.start != period.end:
                line.append(f" · {day_label(period.start)} – {day_label(period.end)}")
            line.append(f" · {period.count:,} article{'s' if period.count != 1 else ''}")
        self.query_one("#trend-period", Static).update(line)
        series = self.series
        summary = f"by {series.by} · {series.total:,} dated"
        peak = series.peak
        if peak is not None:
            summary += f" · peak {series.periods[peak].label} ({series.periods[peak].count:,})"
        if series.undated:
            summary += f" · {series.undated:,} undated"
        self.query_one("#trend-summary", Static).update(Text(summary))

    @on(BarChart.Highlighted)
    def highlighted(self, event: BarChart.Highlighted) -> None:
        self._describe()

    @on(BarChart.Chosen)
    def chosen(self, event: BarChart.Chosen) -> None:
        event.stop()
        period = self.series.periods[event.index]
        self.dismiss((period.start, period.end))

    def action_by(self, by: Granularity) -> None:
        """Re-bucket the same per-day counts by day, week or month, keeping the cursor's date."""
        if by not in GRANULARITIES:
            return
        chart = self.query_one(BarChart)
        keep = chart.period.start if chart.period is not None else None
        self.by = by
        self.series = bucket(self.tally, self.by, self.first, self.last)
        chart.set_series(self.series, keep)
        self._describe()

    # --- another query ----------------------------------------------------------------

    def action_edit_query(self) -> None:
        if self.recount is None:
            return
        self.add_class("-editing")
        self.query_one("#trend-query", Input).focus()

    @on(Input.Submitted, "#trend-query")
    def submitted(self, event: Input.Submitted) -> None:
        if self.recount is None:
            return
        self._generation += 1
        self._count(event.value, self._generation)

    @work(thread=True, exclusive=True, group="trend")
    def _count(self, query: str, generation: int) -> None:
        assert self.recount is not None
        tally = self.recount(query)
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._show, query, tally, generation)

    def _show(self, query: str, tally: Tally, generation: int) -> None:
        if generation != self._generation:
            return  # an older count never replaces a newer one
        self.query_text, self.tally = query, tally
        self.series = bucket(tally, self.by, self.first, self.last)
        self.query_one("#trend-title", Label).update(self._title())
        self.remove_class("-editing")
        chart = self.query_one(BarChart)
        chart.set_series(self.series, None)
        chart.focus()
        self._describe()

    def action_cancel(self) -> None:
        if self.has_class("-editing") and self.query_text.strip():
            self.remove_class("-editing")
            self.query_one(BarChart).focus()
            return
        self.dismiss(None)


def count_label(query: str, shown: int, complete: int, partial: int) -> str:
    """What the search overlay says of its rows: both truths, as the rows list them.

    Articles matching every word come first, then those matching all plain words but one:
    ``3 match all words · 197 match all but one (best 200 shown)``.
    """
    if not query.strip():
        return "Type to search"
    if partial:
        label = f"{complete:,} match{'es' if complete == 1 else ''} all words · {partial:,} all but one"
    else:
        label = f"{complete:,} match{'es' if complete != 1 else ''}"
    if complete + partial > shown:
        label += f" (best {shown:,} shown)"
    return label


class SearchScreen(ModalScreen[int | None]):
    """Live fuzzy search: an input over ranked results. Dismisses with the chosen article."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "cursor(1)", "Next result", show=False),
        Binding("up", "cursor(-1)", "Previous result", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
    ]

    PAGE = 50
    """Results added to the list at a time."""

    def __init__(
        self,
        search: Callable[[str], tuple[Sequence[object], int, int]],
        describe: Callable[[object, str], RenderableType],
        hit_article: Callable[[object], int],
        query: str = "",
        on_results: Callable[[str, Sequence[object], int, int], None] | None = None,
    ) -> None:
        """``search`` (run off the UI thread) gives the best hits and the total count; ``describe`` draws
        one hit; ``hit_article`` maps a hit to its article; ``on_results`` hears of every answer shown."""
        super().__init__()
        self.search = search
        self.describe = describe
        self.hit_article = hit_article
        self.initial_query = query
        self.on_results = on_results
        self.hits: Sequence[object] = ()
        """Every result of the last search, best first (the list shows them a page at a time)."""
        self._query = ""
        self._shown = 0
        """How many of :attr:`hits` the list holds."""
        self._generation = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="search-dialog", classes="dialog"):
            yield Input(value=self.initial_query, placeholder="Search headlines and text…  ('exact ^start end$ !not a|b @date)", id="search-input")
            yield Static(Text("Type to search"), id="search-count", classes="dialog-hint")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        results = self.query_one("#search-results", OptionList)
        results.can_focus = False
        self.watch(results, "scroll_y", self._scrolled, init=False)
        if self.initial_query:
            self.run_search(self.initial_query)

    @on(Input.Changed, "#search-input")
    def changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    def run_search(self, query: str) -> None:
        self._generation += 1
        self._search(query, self._generation)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str, generation: int) -> None:
        hits, total, partial = self.search(query) if query.strip() else ([], 0, 0)
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._show_results, query, hits, total, partial, generation)

    def _show_results(self, query: str, hits: Sequence[object], total: int, partial: int, generation: int) -> None:
        if generation != self._generation:
            return  # a newer query is already under way: never let stale results win
        self.hits = hits
        self._query = query
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        self._shown = 0
        self._show_more()
        if hits:
            results.highlighted = 0
        self.query_one("#search-count", Static).update(Text(count_label(query, len(hits), total, partial)))
        if self.on_results is not None:
            self.on_results(query, hits, total, partial)

    def _show_more(self) -> bool:
        """Add the next page of results to the list; whether there was one.

        Only what can be seen soon is drawn: the list measures every row it is given, and 200 rows
        at once cost a keystroke ~50 ms of drawing at 100,000 articles where a page costs ~20 ms.
        """
        start, end = self._shown, min(len(self.hits), self._shown + self.PAGE)
        if start >= end:
            return False
        results = self.query_one("#search-results", OptionList)
        results.add_options(
            Option(self.describe(hit, self._query), id=str(number))
            for number, hit in enumerate(self.hits[start:end], start)
        )
        self._shown = end
        return True

    def _scrolled(self, scroll_y: float) -> None:
        """The mouse wheel reached the end of what is shown: show the next page."""
        results = self.query_one("#search-results", OptionList)
        if scroll_y >= results.max_scroll_y - 1:
            self._show_more()

    def action_cursor(self, step: int) -> None:
        results = self.query_one("#search-results", OptionList)
        if results.option_count:
            target = max(0, (results.highlighted or 0) + step)
            while target >= self._shown - 1 and self._show_more():
                pass
            results.highlighted = min(results.option_count - 1, target)

    @on(Input.Submitted, "#search-input")
    def submitted(self) -> None:
        results = self.query_one("#search-results", OptionList)
        if results.highlighted is not None and results.highlighted < len(self.hits):
            self.dismiss(self.hit_article(self.hits[results.highlighted]))

    @on(OptionList.OptionSelected, "#search-results")
    def clicked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hit_article(self.hits[event.option_index]))

    def action_cancel(self) -> None:
        self.dismiss(None)


# Imports of the export dialog live with it, so that edits to the classes above merge cleanly.
import os
from pathlib import Path

from .export import format_for


class ExportScreen(ModalScreen[Path | None]):
    """Asks for a file name and exports what is shown there; dismisses with the path written (``None``: cancelled).

    The format follows the extension (``.md``/``.markdown`` Markdown, ``.html``/``.htm``
    HTML). An existing file is overwritten only after a second Enter; a directory, a
    missing parent, an unknown extension or a failed write is reported in the dialog.
    The app's ``write(path) -> int`` runs in a worker thread (a large export takes
    seconds), so it must only read the articles; the screen says how many it wrote.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    ExportScreen #export-dialog { max-width: 80; }
    ExportScreen #export-what { width: 100%; }
    """

    def __init__(
        self,
        description: str,
        count: int,
        suggested: str,
        write: Callable[[Path], int],
        directory: Path | None = None,
    ) -> None:
        """``description`` says what is exported (one line), ``count`` how many articles; ``suggested`` is
        the proposed file name; ``write`` writes the file and returns how many articles it wrote; relative
        names are taken from ``directory`` (default: the current directory)."""
        super().__init__()
        self.description = description
        self.count = count
        self.suggested = suggested
        self.write = write
        self.directory = directory
        self.hint = f"Enter writes (.md Markdown, .html HTML) in {directory or Path.cwd()} · Esc cancels"
        """The message under the file name while nothing is wrong."""
        self.confirmed: Path | None = None
        """The existing file the user has been warned about (a second Enter overwrites it)."""
        self.writing = False
        """Whether a write is under way."""

    def compose(self) -> ComposeResult:
        articles = f"{self.count:,} article{'' if self.count == 1 else 's'}"
        with Vertical(id="export-dialog", classes="dialog"):
            yield Label(Text("Export"), classes="dialog-title")
            yield Label(Text(f"{self.description} · {articles}", no_wrap=True, overflow="ellipsis"), id="export-what")
            yield Input(value=self.suggested, placeholder="file name: .md or .html", id="export-input")
            yield Static(Text(self.hint), id="export-message", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#export-input", Input).focus()

    def say(self, message: str, style: str = "") -> None:
        """Show ``message`` under the file name (``bold red`` for errors)."""
        self.query_one("#export-message", Static).update(Text(message, style=style))

    def target(self, typed: str) -> Path | None:
        """The file a typed name means: ``~`` expanded, relative to :attr:`directory`; ``None`` if blank."""
        typed = typed.strip()
        if not typed:
            return None
        path = Path(typed).expanduser()
        if not path.is_absolute():
            path = (self.directory or Path.cwd()) / path
        return Path(os.path.normpath(path))

    @on(Input.Changed, "#export-input")
    def changed(self) -> None:
        if not self.writing:
            self.confirmed = None
            self.say(self.hint)

    @on(Input.Submitted, "#export-input")
    def submitted(self, event: Input.Submitted) -> None:
        if self.writing:
            return
        path = self.target(event.value)
        if path is None:
            self.say("Type a file name ending in .md or .html", "bold red")
            return
        if format_for(path) is None:
            self.say(f"{path.name}: use .md or .markdown (Markdown), .html or .htm (HTML)", "bold red")
            return
        try:
            if path.is_dir():
                self.say(f"{path} is a directory", "bold red")
                return
            if not path.parent.is_dir():
                self.say(f"No such directory: {path.parent}", "bold red")
                return
            exists = path.exists()
        except OSError as error:
            self.say(f"Cannot use {path}: {error.strerror or error}", "bold red")
            return
        if exists and path != self.confirmed:
            self.confirmed = path
            self.say(f"{path.name} exists: Enter again to overwrite, Esc to cancel", "bold yellow")
            return
        self.writing = True
        self.query_one("#export-input", Input).disabled = True
        self.say(f"Writing {path} …")
        self._write(path)

    @work(thread=True, exclusive=True, group="export")
    def _write(self, path: Path) -> None:
        try:
            written = self.write(path)
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            self.app.call_from_thread(self._failed, f"Cannot write {path}: {reason}")
        else:
            self.app.call_from_thread(self._written, path, written)

    def _failed(self, message: str) -> None:
        self.writing = False
        self.confirmed = None
        field = self.query_one("#export-input", Input)
        field.disabled = False
        field.focus()
        self.say(message, "bold red")

    def _written(self, path: Path, written: int) -> None:
        self.writing = False
        self.app.notify(f"Wrote {written:,} article{'' if written == 1 else 's'} to {path}", markup=False)
        self.dismiss(path)

    def action_cancel(self) -> None:
        if self.writing:
            self.say("Still writing: the dialog closes when the file is written")
            return
        self.dismiss(None)


class RelatedScreen(ModalScreen[int | None]):
    """The articles most like the one being read, best first; dismisses with the one chosen.

    Rows are drawn from ``rich.text.Text`` (headlines stay inert); ``n``/``N`` later step
    through the same list, as after a search.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("down,j", "cursor(1)", "Next", show=False),
        Binding("up,k", "cursor(-1)", "Previous", show=False),
    ]

    def __init__(self, title: Text, rows: Sequence[tuple[int, Text]]) -> None:
        """``title`` names the article; ``rows`` are ``(article index, its line)`` best first."""
        super().__init__()
        self.title_text = title
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="related-dialog", classes="dialog"):
            yield Label(self.title_text, id="related-title", classes="dialog-title")
            results = OptionList(*(Option(line, id=str(number)) for number, (_, line) in enumerate(self.rows)), id="related-results")
            yield results
            hint = "Enter opens · n / N step through them later · Esc closes" if self.rows else "No related articles: nothing shares enough telling words"
            yield Static(Text(hint), classes="dialog-hint")

    def on_mount(self) -> None:
        results = self.query_one("#related-results", OptionList)
        if self.rows:
            results.highlighted = 0
        results.focus()

    def action_cursor(self, step: int) -> None:
        results = self.query_one("#related-results", OptionList)
        if results.option_count:
            results.highlighted = max(0, min(results.option_count - 1, (results.highlighted or 0) + step))

    @on(OptionList.OptionSelected, "#related-results")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.rows[event.option_index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)
