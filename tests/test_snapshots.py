"""Snapshot tests of the main screens at fixed terminal sizes (pytest-textual-snapshot).

Update after an intended change with ``python -m pytest tests/test_snapshots.py --snapshot-update``
and regenerate the README pictures with ``python -m sco_reader.screenshots``.
"""

from __future__ import annotations

import pytest

from sco_reader.cli import make_app
from sco_reader.screenshots import ROOT, SCENARIOS, Scenario


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_screen(scenario: Scenario, snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)  # sources are shown relative to the repository, as a user would type them
    app = make_app(list(scenario.args))
    assert snap_compare(app, run_before=scenario.play, terminal_size=scenario.size)
