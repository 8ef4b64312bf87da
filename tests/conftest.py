"""Shared fixtures: the seed bulletin, and isolation from the user's real state."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Property tests run the same examples on every machine and keep no example database in the checkout: a CI run
# fails only for a reason a second run reproduces.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.load_profile("repeatable")

ROOT = Path(__file__).resolve().parent.parent
SEED = next((ROOT / "seeds").glob("*.txt"))
SEED_HEADLINES = [
    "President Tokayev sums up Kazakhstan’s SCO chairmanship results",
    "Xi calls for building common home of solidarity, prosperity and fairness",
    "Xi warns SCO members of real threat from Cold War mentality",
    "Kazakhstan hands over SCO presidency to China for 2024-25 period",
    "Nurlan Yermekbayev appointed Secretary General of the SCO",
    "SCO members sign key documents on cooperation, including Astana Declaration",
    "Belarus officially joins SCO, becoming its 10th member state",
    "SCO summit begins in Astana",
    "Head of State Tokayev, Russian President Putin hold talks in Astana",
]


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests never touch the real home: state and the index cache live in a fresh temporary directory."""
    home = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("SCO_READER_STATE", str(home / "state.sqlite3"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "xdg"))
    monkeypatch.setenv("SCO_READER_CACHE", str(home / "cache"))
    monkeypatch.setenv("SCO_READER_CONFIG", str(home / "settings.json"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg-cache"))
    return home
