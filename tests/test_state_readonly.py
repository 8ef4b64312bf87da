"""A state file that cannot be written: never moved aside, never left read-only by us, the cause named.

File modes do not bind root, so when the suite runs as root these scenarios
run in a child process as the unprivileged user ``nobody``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .state_helpers.files import tree
from .state_helpers.processes import HERE, child_env

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX file modes")


def _as_user(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` as the unprivileged user (``nobody`` under root, via setpriv; else ourselves)."""
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if IS_ROOT else []
    env = {**child_env(), "HOME": tempfile.gettempdir()}
    try:
        return subprocess.run(
            [*drop, sys.executable, *args], capture_output=True, text=True, env=env, timeout=60, check=False
        )
    except OSError as exc:  # no setpriv
        return subprocess.CompletedProcess(args, 127, "", str(exc))


@pytest.fixture(scope="module")
def _user_can_run() -> None:
    result = _as_user("-c", "import sco_reader.state")
    if result.returncode != 0:
        pytest.skip(f"the unprivileged user cannot run this checkout: {result.stderr.strip()[-200:]}")


@pytest.fixture
def home(_user_can_run: None) -> Iterator[Path]:
    """A fresh directory owned by the unprivileged user."""
    path = Path(tempfile.mkdtemp(prefix="sco-reader-ro-"))
    path.chmod(0o755)
    if IS_ROOT:
        os.chown(path, NOBODY, NOBODY)
    try:
        yield path
    finally:
        path.chmod(0o755)
        shutil.rmtree(path, ignore_errors=True)


def _probe(db: Path, *keys: str) -> dict[str, Any]:
    result = _as_user(str(HERE / "probe.py"), str(db), *keys)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _read_only_session_of_the_released_version(db: Path) -> None:
    """What sco-reader 1 did with a read-only file: read it in place through a ``mode=ro`` connection."""
    code = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n"
        "c.execute('SELECT count(*) FROM marks').fetchall()\n"
        "c.close()\n"
    )
    result = _as_user("-c", code, str(db))
    assert result.returncode == 0, result.stderr


def test_healthy_file_in_a_read_only_directory_is_shown_not_moved(home: Path) -> None:
    db = home / "state.sqlite3"
    assert _probe(db, "a", "b")["saved"]
    home.chmod(0o555)
    before = tree(home)
    seen = _probe(db, "c")
    assert not seen["persistent"] and seen["read"] == ["a", "b"]
    warning = seen["warning"]
    assert f"its directory {home} is not writable" in warning and "showing its marks" in warning
    assert "moved" not in warning and "\n" not in warning
    assert tree(home) == before  # nothing moved aside, nothing created
    home.chmod(0o755)
    again = _probe(db, "c")
    assert again["warning"] is None and again["persistent"] and again["saved"] and again["read"] == ["a", "b"]


def test_read_only_file_is_shown_and_nothing_is_created_next_to_it(home: Path) -> None:
    db = home / "state.sqlite3"
    assert _probe(db, "a")["saved"]
    db.chmod(0o444)
    before = tree(home)
    seen = _probe(db, "b")
    assert not seen["persistent"] and seen["read"] == ["a"]
    assert "the file is read-only" in seen["warning"]
    assert tree(home) == before  # no -wal/-shm left behind to trouble the next session


def test_sidecars_an_earlier_read_only_session_left_do_not_keep_the_store_read_only(home: Path) -> None:
    db = home / "state.sqlite3"
    assert _probe(db, "a")["saved"]
    db.chmod(0o444)
    _read_only_session_of_the_released_version(db)
    shm = Path(f"{db}-shm")
    assert shm.exists() and shm.stat().st_mode & 0o777 == 0o444
    db.chmod(0o644)
    seen = _probe(db, "b")
    assert seen["persistent"] and seen["saved"] and seen["read"] == ["a"], seen
    assert "state.sqlite3-shm" in seen["warning"] and "made writable again" in seen["warning"]
    again = _probe(db, "c")
    assert again["warning"] is None and again["read"] == ["a", "b"]


@pytest.mark.skipif(not IS_ROOT, reason="needs sidecars owned by another user")
def test_sidecars_another_user_left_read_only_are_named_as_the_cause(home: Path) -> None:
    db = home / "state.sqlite3"
    assert _probe(db, "a")["saved"]
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # as root: the sidecars are root's
    conn.execute("SELECT count(*) FROM marks").fetchall()
    conn.close()
    for side in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        os.chown(side, 0, 0)
        side.chmod(0o444)
    before = tree(home)
    seen = _probe(db, "b")
    assert not seen["persistent"] and seen["read"] == ["a"]
    assert "state.sqlite3-wal and state.sqlite3-shm next to it are read-only" in seen["warning"], seen
    assert tree(home) == before
