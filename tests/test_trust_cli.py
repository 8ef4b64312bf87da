"""The trust issue's command-line defects, each run as a user runs the command (a subprocess)."""

from __future__ import annotations

import codecs
import os
import sys
from pathlib import Path

import pytest

from .conftest import SEED
from .test_cli import run


def one_line_exit_2(result, *expected: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("sco-reader: ")
    for part in expected:
        assert part in result.stderr, result.stderr


@pytest.mark.parametrize("mode", [["--list"], ["--check"], []], ids=["list", "check", "tui"])
def test_devices_and_fifos_are_refused_not_read(tmp_path: Path, mode: list[str]) -> None:
    """Trust #6: /dev/zero, /dev/urandom and FIFOs get one line and exit 2 (no endless read, no hang)."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    one_line_exit_2(run(*mode, str(fifo)), "pipe.txt: a FIFO (named pipe), not a bulletin file")
    one_line_exit_2(run(*mode, "/dev/zero"), "/dev/zero: a character device")
    one_line_exit_2(run(*mode, "/dev/urandom"), "/dev/urandom: a character device")


def test_name_too_long_and_unlistable_directories(tmp_path: Path) -> None:
    """Trust #10: ENAMETOOLONG and PermissionError while discovering are one line, exit 2."""
    one_line_exit_2(run("--list", str(tmp_path / ("x" * 5000 + ".txt"))), "File name too long")
    if os.geteuid() == 0:
        pytest.skip("root reads every directory")
    locked = tmp_path / "locked"
    (locked / "inner").mkdir(parents=True)
    (locked / "inner" / "a.txt").write_bytes(SEED.read_bytes())
    (locked / "inner").chmod(0)
    try:
        one_line_exit_2(run("--list", str(locked)), "cannot list directory", "Permission denied")
    finally:
        (locked / "inner").chmod(0o755)


@pytest.mark.parametrize(
    "content",
    [b"<!doctype html>\n<html><body><h1>News</h1></body></html>\n", b"# Notes\n\nSome *markdown* text.\n"],
    ids=["html", "markdown"],
)
@pytest.mark.parametrize("mode", [["--list"], ["--check"], ["--json"]], ids=["list", "check", "json"])
def test_a_file_without_datelines_is_not_a_bulletin(tmp_path: Path, content: bytes, mode: list[str]) -> None:
    """Trust #14: HTML or Markdown no longer loads as one undated article with exit 0."""
    page = tmp_path / "page.txt"
    page.write_bytes(content)
    one_line_exit_2(run(*mode, str(page)), "page.txt: not a bulletin: no dateline")


@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-16-le", "utf-16-be"])
def test_utf16_and_utf32_files_are_decoded(tmp_path: Path, codec: str) -> None:
    """Trust #14: UTF-16/32 with a BOM are read (not "binary file"); without one, the hint names them."""
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / "wide.txt"
    data = text.encode(codec)
    if codec.endswith(("-le", "-be")):
        path.write_bytes(data)  # no byte-order mark: refused, with the right hint
        one_line_exit_2(run("--list", str(path)), f"try --encoding {codec}")
        result = run("--list", "--encoding", codec, str(path))
    else:
        path.write_bytes(data)  # Python's utf-16 / utf-32 codecs write a BOM
        result = run("--list", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == run("--list", str(SEED)).stdout


def test_utf32_without_bom_never_suggests_cp1251(tmp_path: Path) -> None:
    path = tmp_path / "w.txt"
    path.write_bytes(codecs.encode(SEED.read_text(encoding="utf-8"), "utf-32-le"))
    result = run("--list", str(path))
    assert "cp1251" not in result.stderr and "utf-32-le" in result.stderr


def test_output_that_is_not_a_terminal_gets_the_list(tmp_path: Path) -> None:
    """Trust #9: `sco-reader > out.txt` prints the timeline (as --list) and exits, never the full screen."""
    out = tmp_path / "out.txt"
    with open(out, "w", encoding="utf-8") as stream:
        result = __import__("subprocess").run(
            [sys.executable, "-m", "sco_reader", "--no-state", str(SEED)], stdout=stream, stderr=-1, text=True, timeout=60
        )
    assert result.returncode == 0 and "\x1b" not in out.read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == run("--list", "--no-state", str(SEED)).stdout


def test_closed_and_full_stdout_are_one_line_errors() -> None:
    """Trust #10: `>&-` and `> /dev/full` give one line on stderr and a non-zero status, no traceback."""
    import subprocess

    closed = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -m sco_reader --list --no-state >&-'], capture_output=True, text=True, timeout=60
    )
    assert closed.returncode == 2 and closed.stderr.count("\n") == 1 and "Traceback" not in closed.stderr
    assert "standard output is closed" in closed.stderr
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    full = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -m sco_reader --list --no-state > /dev/full'], capture_output=True, text=True, timeout=60
    )
    assert full.returncode != 0 and full.stderr.count("\n") == 1 and "Traceback" not in full.stderr
    assert full.stderr.startswith("sco-reader: write error:") and "No space left" in full.stderr


def test_options_that_do_nothing_are_refused() -> None:
    """Trust #15: --limit without --search, and --check with --search, are one line and exit 2."""
    one_line_exit_2(run("--list", "--limit", "3"), "--limit goes with --search")
    one_line_exit_2(run("--check", "--search", "x"), "--check")
    one_line_exit_2(run("--list", "--by", "day"), "--by")


def test_counts_have_the_right_plural_and_whole_file_diagnostics_no_line_zero(tmp_path: Path) -> None:
    """Trust #16: "1 article in 1 file, 1 diagnostic", and a diagnostic about a whole file prints without `:0`."""
    one = tmp_path / "one.txt"
    one.write_text("04.07.2024\nOnly one\nbody\n04.07.2024\n", encoding="utf-8")  # a date line, no headline
    result = run("--check", str(one))
    assert "1 article in 1 file, 1 diagnostic\n" in result.stderr
    from sco_reader.model import Diagnostic

    assert str(Diagnostic("f.txt", 0, "warning", "control characters removed from 3 more lines")) == (
        "f.txt: warning: control characters removed from 3 more lines"
    )


def test_search_count_agrees_with_the_rows(tmp_path: Path) -> None:
    """Trust #11: the totals name both kinds of rows, on the command line as in the overlay."""
    from sco_reader.screens import count_label

    assert count_label("sumit begns", 9, 1, 8) == "1 matches all words · 8 all but one"
    assert count_label("x", 200, 0, 12_000) == "0 match all words · 12,000 all but one (best 200 shown)"
    assert count_label("belarus", 3, 3, 0) == "3 matches"
    assert count_label("", 0, 0, 0) == "Type to search"
