"""Overlays: the key help, the go-to-date prompt and the search overlay.

Each is a ``ModalScreen`` that Esc closes. Search results are drawn in an
``OptionList`` (virtualised) from ``rich.text.Text`` prompts, so hostile
headlines stay inert.
"""

from __future__ import annotations

from typing import Callable, Sequence

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker



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
    """Asks for a date; dismisses with what to tell the user (``None`` when cancelled)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, resolve: Callable[[str], tuple[bool, str]]) -> None:
        """``resolve`` acts on what the user typed: ``(True, news)`` on success, ``(False, error)`` otherwise."""
        super().__init__()
        self.resolve = resolve

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-dialog", classes="dialog"):
            yield Label(Text("Go to date"), classes="dialog-title")
            yield Input(placeholder="2024-07-04 · 04.07 · 4 Jul · today · -2d", id="goto-input")
            yield Static(Text("Enter jumps, Esc cancels"), id="goto-message", classes="dialog-hint")

    @on(Input.Submitted, "#goto-input")
    def submitted(self, event: Input.Submitted) -> None:
        ok, message = self.resolve(event.value)
        if ok:
            self.dismiss(message)
        else:
            self.query_one("#goto-message", Static).update(Text(message, style="bold red"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SearchScreen(ModalScreen[int | None]):
    """Live fuzzy search: an input over ranked results. Dismisses with the chosen article."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "cursor(1)", "Next result", show=False),
        Binding("up", "cursor(-1)", "Previous result", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
    ]

    def __init__(
        self,
        search: Callable[[str], tuple[Sequence[object], int]],
        describe: Callable[[object, str], RenderableType],
        hit_article: Callable[[object], int],
        query: str = "",
        on_results: Callable[[str, Sequence[object], int], None] | None = None,
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
        self._generation = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="search-dialog", classes="dialog"):
            yield Input(value=self.initial_query, placeholder="Search headlines and text…  ('exact ^start end$ !not a|b @date)", id="search-input")
            yield Static(Text("Type to search"), id="search-count", classes="dialog-hint")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one("#search-results", OptionList).can_focus = False
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
        hits, total = self.search(query) if query.strip() else ([], 0)
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._show_results, query, hits, total, generation)

    def _show_results(self, query: str, hits: Sequence[object], total: int, generation: int) -> None:
        if generation != self._generation:
            return  # a newer query is already under way: never let stale results win
        self.hits = hits
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        results.add_options(Option(self.describe(hit, query), id=str(number)) for number, hit in enumerate(hits))
        if hits:
            results.highlighted = 0
        if not query.strip():
            label = "Type to search"
        else:
            label = f"{total:,} match{'es' if total != 1 else ''}"
            if total > len(hits):
                label += f" (best {len(hits)} shown)"
        self.query_one("#search-count", Static).update(Text(label))
        if self.on_results is not None:
            self.on_results(query, hits, total)

    def action_cursor(self, step: int) -> None:
        results = self.query_one("#search-results", OptionList)
        if results.option_count:
            current = results.highlighted or 0
            results.highlighted = max(0, min(results.option_count - 1, current + step))

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
