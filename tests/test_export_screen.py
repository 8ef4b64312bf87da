"""The export dialog, mounted on its own in a tiny app: names, formats, overwriting, errors, cancel."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, Label, Static

from sco_reader.export import export_file
from sco_reader.loader import load_file
from sco_reader.screens import ExportScreen

from .conftest import SEED
from .helpers import screen_text, wait_until


class Host(App[None]):
    """Pushes one export dialog and keeps what it dismissed with."""

    def __init__(self, screen: ExportScreen) -> None:
        super().__init__()
        self.dialog = screen
        self.results: list[Path | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, callback=self.results.append)


class Recorder:
    """A ``write`` callback that writes a small file and remembers where."""

    def __init__(self, count: int = 3, error: Exception | None = None) -> None:
        self.count = count
        self.error = error
        self.paths: list[Path] = []

    def __call__(self, path: Path) -> int:
        self.paths.append(path)
        if self.error is not None:
            raise self.error
        path.write_text("exported", encoding="utf-8")
        return self.count


def dialog(tmp_path: Path, write: object, suggested: str = "sco-flagged-2024-07-04.md", description: str = "Flagged articles") -> ExportScreen:
    return ExportScreen(description, 3, suggested, write, directory=tmp_path)  # type: ignore[arg-type]


def message(app: Host) -> str:
    return str(app.dialog.query_one("#export-message", Static).content)


async def submit(app: Host, pilot: object, name: str | None = None) -> None:
    """Optionally type ``name`` over the proposal, press Enter, and let any write finish."""
    if name is not None:
        app.dialog.query_one("#export-input", Input).value = name
    await pilot.press("enter")  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


async def test_shows_what_and_proposes_a_name(tmp_path: Path) -> None:
    app = Host(dialog(tmp_path, Recorder(), description="Search [bold]belarus[/bold]"))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        assert str(app.dialog.query_one("#export-what", Label).content) == "Search [bold]belarus[/bold] · 3 articles"
        assert app.dialog.query_one("#export-input", Input).value == "sco-flagged-2024-07-04.md"
        assert app.dialog.query_one("#export-input", Input).has_focus
        assert "Search [bold]belarus[/bold] · 3 articles" in screen_text(app)


async def test_enter_writes_and_dismisses_with_the_path(tmp_path: Path) -> None:
    write = Recorder(count=3)
    app = Host(dialog(tmp_path, write))
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await submit(app, pilot)
        target = tmp_path / "sco-flagged-2024-07-04.md"
        assert write.paths == [target]
        assert app.results == [target]
        assert target.read_text(encoding="utf-8") == "exported"
        assert [n.message for n in app._notifications] == [f"Wrote 3 articles to {target}"]


@pytest.mark.parametrize(("name", "start"), [("out.md", "# Flagged"), ("out.markdown", "# Flagged"),
                                             ("OUT.HTML", "<!DOCTYPE html>"), ("out.htm", "<!DOCTYPE html>")])
async def test_the_format_follows_the_extension(tmp_path: Path, name: str, start: str) -> None:
    seed = list(load_file(SEED).articles)
    app = Host(dialog(tmp_path, lambda path: export_file(path, seed, title="Flagged")))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot, name)
        assert app.results == [tmp_path / name]
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)


async def test_an_unknown_extension_is_refused_in_the_dialog(tmp_path: Path) -> None:
    write = Recorder()
    app = Host(dialog(tmp_path, write))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot, "clippings.txt")
        assert "clippings.txt: use .md or .markdown (Markdown), .html or .htm (HTML)" == message(app)
        assert write.paths == [] and app.results == [] and list(tmp_path.iterdir()) == []
        await submit(app, pilot, "   ")
        assert message(app) == "Type a file name ending in .md or .html"
        assert app.screen is app.dialog


async def test_an_existing_file_needs_a_second_enter(tmp_path: Path) -> None:
    existing = tmp_path / "sco-flagged-2024-07-04.md"
    existing.write_text("keep me", encoding="utf-8")
    write = Recorder()
    app = Host(dialog(tmp_path, write))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot)
        assert message(app) == "sco-flagged-2024-07-04.md exists: Enter again to overwrite, Esc to cancel"
        assert existing.read_text(encoding="utf-8") == "keep me" and write.paths == []
        await submit(app, pilot)
        assert write.paths == [existing] and app.results == [existing]
        assert existing.read_text(encoding="utf-8") == "exported"


async def test_changing_the_name_withdraws_the_confirmation(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text("keep me", encoding="utf-8")
    write = Recorder()
    app = Host(dialog(tmp_path, write, suggested="a.md"))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot)
        assert "a.md exists" in message(app)
        await submit(app, pilot, "b.md")
        assert "b.md exists" in message(app) and write.paths == []
        await submit(app, pilot, "a.md")
        assert "a.md exists" in message(app) and write.paths == []
        field = app.dialog.query_one("#export-input", Input)
        field.value = "a.m"  # an edit, even one put back, asks again
        await pilot.pause()
        assert message(app) == f"Enter writes (.md Markdown, .html HTML) in {tmp_path} · Esc cancels"
        await submit(app, pilot, "a.md")
        assert "a.md exists" in message(app) and write.paths == []
        assert (tmp_path / "a.md").read_text(encoding="utf-8") == "keep me"


async def test_escape_cancels_even_after_a_warning(tmp_path: Path) -> None:
    (tmp_path / "sco-flagged-2024-07-04.md").write_text("keep me", encoding="utf-8")
    write = Recorder()
    app = Host(dialog(tmp_path, write))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None] and write.paths == []
        assert (tmp_path / "sco-flagged-2024-07-04.md").read_text(encoding="utf-8") == "keep me"


async def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder.md").mkdir()
    write = Recorder()
    app = Host(dialog(tmp_path, write))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot, "folder.md")
        assert message(app) == f"{tmp_path / 'folder.md'} is a directory"
        assert write.paths == [] and app.results == []


async def test_a_missing_parent_is_refused(tmp_path: Path) -> None:
    write = Recorder()
    app = Host(dialog(tmp_path, write))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot, "missing/out.md")
        assert message(app) == f"No such directory: {tmp_path / 'missing'}"
        assert write.paths == [] and app.results == []


async def test_a_failed_write_is_shown_and_the_dialog_stays(tmp_path: Path) -> None:
    target = tmp_path / "out.html"
    write = Recorder(error=PermissionError(13, "Permission denied", str(target)))
    app = Host(dialog(tmp_path, write))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot, "out.html")
        assert message(app) == f"Cannot write {target}: Permission denied"
        assert app.results == [] and app.screen is app.dialog
        field = app.dialog.query_one("#export-input", Input)
        assert not field.disabled and field.has_focus
        write.error = None
        await submit(app, pilot)  # try again once the cause is gone
        assert app.results == [target]


async def test_a_real_permission_error_from_export_file(tmp_path: Path) -> None:
    seed = list(load_file(SEED).articles)
    app = Host(dialog(tmp_path, lambda path: export_file(path, seed, title="t")))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot, "/proc/sco-reader-test.md")  # no one may create files in /proc, not even root
        assert message(app).startswith("Cannot write /proc/sco-reader-test.md: ")
        assert app.results == [] and app.screen is app.dialog


async def test_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    write = Recorder()
    app = Host(dialog(tmp_path / "elsewhere", write))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot, "~/clips.md")
        assert app.results == [home / "clips.md"] and (home / "clips.md").exists()


async def test_relative_names_are_taken_from_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    write = Recorder()
    app = Host(ExportScreen("Flagged", 3, "sub/../sub/x.md", write))
    async with app.run_test(size=(100, 24)) as pilot:
        await submit(app, pilot)
        assert app.results == [tmp_path / "sub" / "x.md"]


async def test_while_writing_the_dialog_waits(tmp_path: Path) -> None:
    release = threading.Event()
    started = threading.Event()

    def slow_write(path: Path) -> int:
        started.set()
        release.wait()
        path.write_text("done", encoding="utf-8")
        return 1

    app = Host(dialog(tmp_path, slow_write))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert app.dialog.query_one("#export-input", Input).disabled
        assert message(app).startswith("Writing ")
        await pilot.press("escape")
        await pilot.pause()
        assert message(app) == "Still writing: the dialog closes when the file is written"
        assert app.results == []
        release.set()
        await wait_until(pilot, lambda: app.results, "the dialog to report the file written")
        assert started.is_set() and app.results == [tmp_path / "sco-flagged-2024-07-04.md"]
