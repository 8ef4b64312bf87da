"""The reader's own commands for the command palette (Ctrl+P)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .widgets.timeline import heading_label

if TYPE_CHECKING:
    from .app import ReaderApp


class ReaderCommands(Provider):
    """Go to each date, toggle order and sidebar, filters."""

    def _commands(self) -> list[tuple[str, object, str]]:
        app = cast("ReaderApp", self.app)
        commands: list[tuple[str, object, str]] = [
            ("Toggle order (oldest / newest first)", app.action_toggle_order, "o"),
            ("Toggle sidebar", app.action_toggle_sidebar, "s"),
            ("Show only unread articles (toggle)", partial(app.action_filter, "unread"), "u"),
            ("Show only flagged articles (toggle)", partial(app.action_filter, "flagged"), "F"),
            ("Search", app.action_search, "/"),
            ("Go to date…", app.action_goto_date, "d"),
            ("Keys (help)", app.action_help, "?"),
        ]
        for when, count in app.timeline.dates():
            label = f"Go to {heading_label(when)} ({count} article{'s' if count != 1 else ''})"
            commands.append((label, partial(app.jump_to_date, when), ""))
        return commands

    async def discover(self) -> Hits:
        for name, callback, key in self._commands()[:40]:
            yield DiscoveryHit(name, callback, help=f"key: {key}" if key else None)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, key in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=f"key: {key}" if key else None)  # type: ignore[arg-type]
