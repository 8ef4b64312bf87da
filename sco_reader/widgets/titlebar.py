"""The reader's one-line title bar: what is open and how much is unread.

Textual's ``Header`` lays the screen out again when its sub-title changes; this bar only
redraws its own line (its size never changes), so a key that changes the unread count
costs one line, not a layout pass.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class TitleBar(Widget):
    """``sco-reader — Bulletin of Sat 6 Jul 2024 · 9 articles · 8 unread``, centred."""

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        text-align: center;
        background: $panel;
        color: $foreground;
        & > .titlebar--title { text-style: bold; }
        & > .titlebar--sub { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES = {"titlebar--title", "titlebar--sub"}

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._sub = ""

    @property
    def text(self) -> str:
        """The bar as plain text."""
        return f"{self._title} — {self._sub}" if self._sub else self._title

    def update(self, sub_title: str) -> None:
        """Show ``sub_title`` (redraws this line only, and only when it changed)."""
        if sub_title != self._sub:
            self._sub = sub_title
            self.refresh()

    def render(self) -> Text:
        text = Text(self._title, style=self.get_component_rich_style("titlebar--title"), no_wrap=True, overflow="ellipsis", justify="center", end="")
        if self._sub:
            text.append(" — ")
            text.append(self._sub, style=self.get_component_rich_style("titlebar--sub"))
        return text
