"""Test helpers: what the screen shows, as plain text."""

from __future__ import annotations

import io
from collections.abc import Callable
from time import monotonic

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot


def _whole_screen(app: App[object]) -> object:
    """The compositor's full update of the screen, overlays included: what the terminal would be sent."""
    return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)  # noqa: SLF001


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
    console.print(_whole_screen(app))
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


def click_actions(app: App[object]) -> set[str]:
    """Every ``@click`` action carried by a cell on screen: what a mouse click anywhere could run."""
    actions: set[str] = set()
    for line in _whole_screen(app).strips:  # type: ignore[attr-defined]
        for strip in line:
            for segment in strip:
                style = segment.style
                if style is not None and style._meta:  # noqa: SLF001
                    action = style.meta.get("@click")
                    if action is not None:
                        actions.add(str(action))
    return actions


async def wait_until(pilot: Pilot[object], condition: Callable[[], object], what: str = "the condition") -> None:
    """Let the app run until ``condition()`` holds: tests wait on what they need, never on a guessed delay.

    The timeout only stops a broken test from hanging; it is far beyond any healthy run, loaded machine or not.
    """
    deadline = monotonic() + 30.0
    while not condition():
        if monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)
    await pilot.pause()
