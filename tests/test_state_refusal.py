"""A path that is not recognisably a sco-reader state database is refused and left exactly as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
