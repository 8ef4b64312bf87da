"""Test helpers: what the screen shows, as plain text."""

from __future__ import annotations

import io

from rich.console import Console
from textual.app import App


def screen_text(app: App[object]) -> str:
    """The whole screen (with overlays) as the user would read it, without styles."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.export_text(styles=False)


def pane_text(app: App[object]) -> str:
    """Just the article pane's region of the screen."""
    region = app.query_one("#article").region
    lines = screen_text(app).split("\n")
    return "\n".join(line[region.x : region.right] for line in lines[region.y : region.bottom])


def squash(text: str) -> str:
    """Text with box drawing and runs of whitespace folded, for wrapped-line assertions."""
    for char in "│╭╮╰╯─▁▂▃▄▅▆▇█▔▏▎▊▌":
        text = text.replace(char, " ")
    return " ".join(text.split())


def notices(app: App[object]) -> list[str]:
    """The messages of the notifications on screen (toasts wrap, so their text is checked here)."""
    return [notification.message for notification in app._notifications]  # noqa: SLF001
