"""The command refuses a state path that is not ours: one line on stderr, exit 2, the path untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sco_reader.state import ENV_VAR

from .conftest import ROOT
from .state_helpers.files import FOREIGN, ours, tree


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m sco_reader ARGS`` on the bundled bulletin."""
    return subprocess.run(
        [sys.executable, "-m", "sco_reader", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "kind", ["directory", "bulletin", "random-bytes", "other-application", "foreign-tables", "named-pipe", "crashed-foreign-wal"]
)
def test_state_option_refuses_what_is_not_ours(tmp_path: Path, kind: str) -> None:
    if kind == "named-pipe" and not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    make, phrase = FOREIGN[kind]
    target = tmp_path / ("notes" if kind == "directory" else "bulletin.txt")
    make(target)
    before = tree(tmp_path)
    result = _run("--state", str(target), "--list")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("sco-reader: ") and str(target) in result.stderr and phrase in result.stderr
    assert tree(tmp_path) == before


def test_environment_variable_path_is_refused_the_same_way(tmp_path: Path) -> None:
    target = tmp_path / "notes"
    FOREIGN["directory"][0](target)
    before = tree(tmp_path)
    result = _run("--list", env={ENV_VAR: str(target)})
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "is a directory" in result.stderr
    assert tree(tmp_path) == before


def test_damaged_file_of_ours_is_moved_aside_and_listing_goes_on(tmp_path: Path) -> None:
    target = tmp_path / "state.sqlite3"
    ours(target, 2000)
    os.truncate(target, target.stat().st_size // 2)
    result = _run("--state", str(target), "--list")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 9
    assert result.stderr.count("\n") == 1 and "moved it to state.sqlite3.corrupt-" in result.stderr
    assert [p.name.startswith("state.sqlite3.corrupt-") for p in tmp_path.iterdir()].count(True) == 1
