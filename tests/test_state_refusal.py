"""A path that is not recognisably a sco-reader state database is refused and left exactly as it was."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from sco_reader import state as state_mod
from sco_reader.state import ENV_VAR, ReadingState, StateRefused, default_state_path

from .state_helpers.files import FOREIGN, tree


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_foreign_path_is_refused_untouched(tmp_path: Path, kind: str) -> None:
    if kind == "named-pipe" and not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    make, phrase = FOREIGN[kind]
    target = tmp_path / "state.sqlite3"
    make(target)
    before = tree(tmp_path)
    with pytest.raises(StateRefused) as caught:
        ReadingState.open(target)
    message = str(caught.value)
    assert "\n" not in message and str(target) in message and phrase in message, message
    assert caught.value.path == target
    assert tree(tmp_path) == before  # nothing changed, nothing created (no -wal, -shm, .corrupt-*)


def test_default_path_follows_the_same_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = tmp_path / "notes"
    FOREIGN["directory"][0](notes)
    monkeypatch.setenv(ENV_VAR, str(notes))
    before = tree(tmp_path)
    with pytest.raises(StateRefused, match="is a directory"):
        ReadingState.open(default_state_path())
    assert tree(tmp_path) == before


def test_zero_byte_file_is_ours_to_initialise(tmp_path: Path) -> None:
    target = tmp_path / "state.sqlite3"
    target.touch()
    state, warning = ReadingState.open(target)
    assert warning is None and state.path == target
    state.set_read("k")
    state.close()
    assert target.stat().st_size > 0


def test_recognition_reads_one_snapshot_while_another_process_initialises(tmp_path: Path) -> None:
    # Several readers may start at once on a fresh path: one initialises the file while another
    # is still recognising it. Reading the id, version and schema in separate snapshots once
    # made a fresh file of ours look like a foreign one.
    db = tmp_path / "state.sqlite3"
    db.touch()
    reader = sqlite3.connect(db, isolation_level=None)
    other = sqlite3.connect(db, isolation_level=None, timeout=0)
    outcome: list[str] = []

    def initialise_in_between(sql: str) -> None:
        if "user_version" in sql and not outcome:
            try:
                state_mod._migrate(other)
                outcome.append("initialised in between")
            except sqlite3.OperationalError:
                outcome.append("kept out until recognition was done")

    reader.set_trace_callback(initialise_in_between)
    assert state_mod._identify(reader) == (0, False)
    assert outcome == ["kept out until recognition was done"]
    reader.close()
    other.close()
