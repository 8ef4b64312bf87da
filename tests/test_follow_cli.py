"""``sco-reader --list --follow``: the timeline, then each new article as it arrives, until Ctrl+C (exit 0)."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from sco_reader.cli import main

ARTICLE = "{day:02d}.07.2024, 10:00\n{headline}\nBody of {headline}.\n"
WAIT = 20.0
"""Seconds a test waits at most for a line (a guard against hanging, not a measure of speed)."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bulletins"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE.format(day=4, headline="Old news one") + ARTICLE.format(day=5, headline="Old news two"), encoding="utf-8")
    return folder


def follow(folder: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sco_reader", "--list", "--follow", "--no-state", str(folder), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def lines_of(stream: IO[str]) -> queue.Queue[str]:
    """Lines as the process prints them (read by a thread, so a test can wait with a bound)."""
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            found.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return found


def test_list_follow_prints_new_articles_as_they_arrive_and_ctrl_c_exits_0(folder: Path) -> None:
    process = follow(folder)
    try:
        lines = lines_of(process.stdout)  # type: ignore[arg-type]
        assert lines.get(timeout=WAIT).endswith("Old news one")
        assert lines.get(timeout=WAIT).endswith("Old news two")
        (folder / "b.txt").write_text(ARTICLE.format(day=6, headline="Fresh arrival"), encoding="utf-8")
        assert lines.get(timeout=WAIT) == "2024-07-06 10:00  Fresh arrival"
        with open(folder / "a.txt", "a", encoding="utf-8") as stream:  # a grown file: only its new article
            stream.write(ARTICLE.format(day=7, headline="Appended later"))
        assert lines.get(timeout=WAIT) == "2024-07-07 10:00  Appended later"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=WAIT)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err and lines.empty()


def test_list_follow_ends_quietly_when_the_reader_of_its_output_goes_away(folder: Path) -> None:
    process = follow(folder)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().endswith("Old news one\n")
        process.stdout.close()
        (folder / "b.txt").write_text(ARTICLE.format(day=6, headline="Nobody reads this"), encoding="utf-8")
        process.wait(timeout=WAIT)
        err = process.stderr.read()  # type: ignore[union-attr]
    finally:
        process.kill()
    assert process.returncode == 0 and "Traceback" not in err, err


def test_follow_goes_with_list_or_the_reader_only(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(folder), "--json", "--follow"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--follow goes with --list or the reader" in err
    assert main([str(folder), "--list", "--no-follow", "--no-state"]) == 0  # prints and exits
    assert capsys.readouterr().out.count("\n") == 2


def test_half_written_file_is_printed_once_complete_without_a_word_on_stderr(folder: Path) -> None:
    process = follow(folder)
    try:
        lines = lines_of(process.stdout)  # type: ignore[arg-type]
        assert lines.get(timeout=WAIT).endswith("Old news one") and lines.get(timeout=WAIT).endswith("Old news two")
        partial = folder / "c.txt"
        partial.write_bytes(b"")  # a copy under way
        complete = ARTICLE.format(day=8, headline="Copied at last")
        partial.write_text(complete, encoding="utf-8")
        assert lines.get(timeout=WAIT) == "2024-07-08 10:00  Copied at last"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=WAIT)
    finally:
        process.kill()
    assert process.returncode == 0 and "Traceback" not in err and "c.txt" not in err, err

