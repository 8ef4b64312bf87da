"""The reader's own commands for the command palette (Ctrl+P).

The rows (label, what to do, key) come from the app (``palette_commands()``), so this
module never refers to the app: it only matches and shows them.
"""

from __future__ import annotations

from typing import Callable, Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

Command = tuple[str, Callable[[], object], str]
"""A palette row: label, callback, key (``""`` when none)."""


class HasCommands(Protocol):
    """An app that lists its palette rows."""

    def palette_commands(self) -> list[Command]:
        """Label, callback and key of each command."""


class ReaderCommands(Provider):
    """Go to each date, toggle order and sidebar, filters, search, help."""

    def _commands(self) -> list[Command]:
        return cast(HasCommands, self.app).palette_commands()

    async def discover(self) -> Hits:
        for name, callback, key in self._commands()[:40]:
            yield DiscoveryHit(name, callback, help=f"key: {key}" if key else None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, key in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=f"key: {key}" if key else None)
