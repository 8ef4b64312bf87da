"""Export as a user reaches it: the --markdown / --html modes with their filters, and the e key."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from sco_reader.cli import make_app

from .conftest import SEED
from .test_cli import run

HOSTILE = '04.07.2024\n<script>alert(1)</script>\n"><img src=x onerror=alert(2)>\n05.07.2024\nFine news\nbody\n'


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.data.append(data)


def test_html_mode_escapes_hostile_text_and_loads_nothing(tmp_path: Path) -> None:
    bulletin = tmp_path / "hostile.txt"
    bulletin.write_text(HOSTILE, encoding="utf-8")
    result = run("--html", "--no-state", str(bulletin))
    assert result.returncode == 0, result.stderr
    page = Collect()
    page.feed(result.stdout)
    assert "script" not in page.tags and "img" not in page.tags
    assert all(not name.startswith("on") and name != "src" for name, _ in page.attributes)
    assert all(value is None or not value.startswith(("http:", "https:", "//")) for name, value in page.attributes if name == "href")
    assert "<script>alert(1)</script>" in "".join(page.data)
    assert '"><img src=x onerror=alert(2)>' in "".join(page.data)


def test_markdown_mode_with_date_range_and_search() -> None:
    every = run("--markdown", "--no-state", str(SEED))
    assert every.returncode == 0 and every.stdout.count("\n### ") == 9
    fourth = run("--markdown", "--no-state", "--from", "04.07.2024", "--to", "04.07.2024", str(SEED))
    assert fourth.stdout.count("\n### ") == 6 and "## Thursday 4 July 2024" in fourth.stdout
    assert "Friday" not in fourth.stdout
    found = run("--markdown", "--no-state", "--search", "belarus", "--to", "2024-07-04", str(SEED))
    assert "Belarus officially joins SCO" in found.stdout and "Xi calls" not in found.stdout


def test_from_and_to_filter_list_and_reject_non_dates() -> None:
    listed = run("--list", "--no-state", "--from", "5 jul 2024", str(SEED))
    assert len(listed.stdout.splitlines()) == 2 and all(line.startswith("2024-07-05") for line in listed.stdout.splitlines())
    bad = run("--list", "--from", "someday")
    assert bad.returncode == 2 and bad.stderr.startswith("sco-reader: --from: not a date") and bad.stderr.count("\n") == 1


def test_flagged_html_export_of_state(tmp_path: Path) -> None:
    from sco_reader.state import ReadingState

    from sco_reader.loader import load_files

    state_path = tmp_path / "state.sqlite3"
    state, _ = ReadingState.open(state_path)
    belarus = next(a for a in load_files([SEED]).articles if a.headline.startswith("Belarus"))
    state.set_flagged(belarus.key, True)
    state.close()
    result = run("--html", "--flagged", "--state", str(state_path), str(SEED))
    page = Collect()
    page.feed(result.stdout)
    assert page.tags.count("article") == 1 and belarus.headline in "".join(page.data)


async def test_e_exports_what_is_shown(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    app = make_app(["--no-state", str(SEED)])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f", "F", "e")
        await pilot.pause()
        dialog = app.screen
        assert type(dialog).__name__ == "ExportScreen" and dialog.count == 1  # type: ignore[attr-defined]
        name = dialog.suggested  # type: ignore[attr-defined]
        assert name.startswith("sco-flagged-") and name.endswith(".md")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ != "ExportScreen"
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert text.count("\n### ") == 1
