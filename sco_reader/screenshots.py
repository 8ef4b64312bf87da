"""Generates ``screenshots/*.svg`` by driving the real app: ``python -m sco_reader.screenshots``.

The same scenarios feed the snapshot tests (``tests/test_snapshots.py``), so the
pictures in the README are exactly what the tests check. Run from the repository
root; state is kept in memory so the pictures do not depend on your reading.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.pilot import Pilot

ROOT = Path(__file__).resolve().parent.parent
SEED_ARGS = ["seeds", "--no-state"]


@dataclass(frozen=True, slots=True)
class Scenario:
    """One screen to picture: arguments, terminal size, keys pressed first."""

    name: str
    """File stem of the SVG and the snapshot test id."""
    size: tuple[int, int]
    """Terminal columns and rows."""
    press: tuple[str, ...] = ()
    """Keys pressed before the picture is taken."""
    args: tuple[str, ...] = tuple(SEED_ARGS)
    """Command-line arguments for ``make_app``."""

    async def play(self, pilot: Pilot[None]) -> None:
        """Press the keys, then wait until background work (search) has settled."""
        await pilot.pause()
        for key in self.press:
            await pilot.press(key)
        for _ in range(200):
            if not any(worker.is_running for worker in pilot.app.workers if worker.group == "search"):
                break
            await pilot.pause(0.01)
        await pilot.pause(0.1)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("start-120x40", (120, 40)),
    Scenario("start-80x24", (80, 24)),
    Scenario("list-article-120x40", (120, 40), ("right_square_bracket", "j", "j", "space")),
    Scenario("list-article-80x24", (80, 24), ("right_square_bracket", "j", "j", "space", "space")),
    Scenario("help-120x40", (120, 40), ("question_mark",)),
    Scenario("help-80x24", (80, 24), ("question_mark",)),
    Scenario("goto-date-120x40", (120, 40), ("d", "4", "space", "j", "u", "l")),
    Scenario("goto-date-80x24", (80, 24), ("d", "4", "space", "j", "u", "l")),
    Scenario("narrow-60x20", (60, 20), ("j",)),
    Scenario("narrow-40x12", (40, 12), ("j",)),
    Scenario("search-120x40", (120, 40), ("slash", "b", "e", "l", "a", "u", "r", "s")),
    Scenario("search-80x24", (80, 24), ("slash", "s", "u", "m", "i", "t", "space", "b", "e", "g", "n", "s")),
    Scenario("newest-first-120x40", (120, 40), ("o",)),
    Scenario("calendar-120x40", (120, 40), ("j", "d", "right")),
    Scenario("trends-120x40", (120, 40), ("slash", "s", "c", "o", "enter", "t")),
    Scenario("related-120x40", (120, 40), ("G", "r")),
)


async def capture(scenario: Scenario) -> str:
    """Run the app for ``scenario`` and return the SVG of its screen."""
    from .cli import make_app

    app = make_app(list(scenario.args))
    async with app.run_test(size=scenario.size) as pilot:
        await scenario.play(pilot)
        return app.export_screenshot(title=f"sco-reader · {scenario.name}")


def main() -> int:
    """Write every scenario's SVG to ``screenshots/``."""
    import tempfile

    os.chdir(ROOT)
    scratch = tempfile.mkdtemp(prefix="sco-screenshots-")
    # The pictures never depend on this machine's preferences or index cache.
    os.environ["SCO_READER_CONFIG"] = os.path.join(scratch, "settings.json")
    os.environ["SCO_READER_CACHE"] = os.path.join(scratch, "cache")
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    for scenario in SCENARIOS:
        svg = asyncio.run(capture(scenario))
        (out / f"{scenario.name}.svg").write_text(svg, encoding="utf-8")
        print(f"screenshots/{scenario.name}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
