"""Drive ``sco-reader --serve`` from outside: a server process, WebSocket sessions, a real browser.

Shared by ``tests/test_serve.py`` and by the script that makes the README's
picture: ``python -m tests.browser`` serves the bundled bulletin, opens it in
Chromium (Playwright driving Debian's ``/usr/bin/chromium``), presses ``j`` and
saves ``screenshots/browser.png``.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium (``apt-get install chromium``): ``playwright install`` cannot download browsers here."""
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
"""Flags that keep Chromium from reaching out (the network here is closed) and let it run as root."""
START_SECONDS = 30.0
"""Upper bound for a server to announce its address, or for a screen to arrive."""
STOP_SECONDS = 15.0
"""Upper bound for a server to exit after Ctrl+C."""
SCREENSHOT = ROOT / "screenshots" / "browser.png"
VIEWPORT = {"width": 1200, "height": 760}

_ESCAPES = re.compile(r"\x1b(?:\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")


def screen_text(data: bytes) -> str:
    """What a stream of terminal output says, with every escape sequence removed (cursor moves included)."""
    return _ESCAPES.sub("", data.decode("utf-8", "replace"))


@dataclass(slots=True)
class ServedReader:
    """A running ``sco-reader --serve`` process and where it listens."""

    process: subprocess.Popen[str]
    """The server (in a session of its own, like a command started in a terminal)."""
    url: str
    """``http://127.0.0.1:PORT/``, as the server announced it."""
    announcement: str
    """The server's first line on stdout."""

    @property
    def origin(self) -> str:
        """``http://host:port``: what a browser sends as ``Origin`` from our page."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def websocket_url(self) -> str:
        """The endpoint that starts one reader per connection."""
        return self.url.replace("http://", "ws://", 1) + "ws"

    def session_url(self, width: int = 120, height: int = 40) -> str:
        """The WebSocket URL a browser tab of ``width`` × ``height`` cells connects to."""
        return f"{self.websocket_url}?width={width}&height={height}"

    def interrupt(self) -> tuple[int, str, str]:
        """Ctrl+C as a terminal sends it (SIGINT to the process group): ``(status, stdout, stderr)``."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            stdout, stderr = self.process.communicate(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            stdout, stderr = self.process.communicate()
        return self.process.returncode, stdout, stderr


def _read_line(process: subprocess.Popen[str], seconds: float) -> str:
    """The process's next stdout line, waiting on the pipe (not the clock) but never longer than ``seconds``."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    if not ready:
        raise TimeoutError(f"no output from the server within {seconds} s")
    return process.stdout.readline()


@contextmanager
def served(*args: str, cwd: Path = ROOT) -> Iterator[ServedReader]:
    """Run ``sco-reader --serve --port 0 ARGS`` (any free port) until the block ends, then Ctrl+C it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sco_reader", "--serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    reader = None
    try:
        line = _read_line(process, START_SECONDS)
        match = re.search(r"http://\S+/", line)
        if match is None:
            process.kill()
            _, stderr = process.communicate()
            raise RuntimeError(f"the server did not start: {line!r} {stderr!r}")
        reader = ServedReader(process=process, url=match.group(0), announcement=line)
        yield reader
    finally:
        if process.poll() is None:
            if reader is not None:
                reader.interrupt()
            else:
                process.kill()
                process.communicate()


@dataclass(slots=True)
class BrowserVisit:
    """What a real browser did with the reader's page."""

    requests: list[str] = field(default_factory=list)
    """Every URL the page asked for (documents, scripts, styles, fonts, WebSockets), in order."""
    console_errors: list[str] = field(default_factory=list)
    """Console errors and uncaught exceptions (a Content-Security-Policy refusal would show here)."""
    screens: list[str] = field(default_factory=list)
    """The terminal text received by the time each expected screen had arrived."""


def visit_in_chromium(
    url: str, expect: Sequence[tuple[str, Sequence[str]]], screenshot: Path | None = None
) -> BrowserVisit:
    """Open ``url`` in headless Chromium; for each ``(keys, texts)`` press ``keys`` and wait until the reader shows every text.

    The reader's output is read from the WebSocket frames the page receives
    (xterm.js draws on a canvas); the screenshot is taken after the browser has
    painted the last screen.
    """
    from playwright.sync_api import ConsoleMessage, WebSocket, sync_playwright

    visit = BrowserVisit()
    received = bytearray()

    def on_frame(payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            received.extend(payload)

    def on_websocket(websocket: WebSocket) -> None:
        visit.requests.append(websocket.url)
        websocket.on("framereceived", on_frame)

    timeout_ms = START_SECONDS * 1000
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
            page.on("request", lambda request: visit.requests.append(request.url))

            def on_console(message: ConsoleMessage) -> None:
                if message.type == "error":
                    visit.console_errors.append(message.text)

            page.on("console", on_console)
            page.on("pageerror", lambda error: visit.console_errors.append(str(error)))
            page.on("websocket", on_websocket)
            with page.expect_websocket(timeout=timeout_ms) as websocket_info:
                page.goto(url, timeout=timeout_ms)
            websocket = websocket_info.value
            for keys, texts in expect:
                start = len(received)
                if keys:
                    page.locator(".xterm-helper-textarea").focus()
                    page.keyboard.type(keys)

                def shown(_payload: object = None, start: int = start, texts: Sequence[str] = texts) -> bool:
                    text = screen_text(bytes(received[start:]))
                    return all(t in text for t in texts)

                if not shown():
                    websocket.wait_for_event("framereceived", predicate=shown, timeout=timeout_ms)
                visit.screens.append(screen_text(bytes(received[start:])))
            page.wait_for_selector("body.-first-byte", timeout=timeout_ms)
            page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot))
        finally:
            browser.close()
    return visit


FIRST_SCREEN = ("Russian President Putin hold talks", "1 / 9", "8 unread")
"""The bundled bulletin's first screen in a fresh reading state."""
AFTER_J = ("SCO summit begins in Astana", "2 / 9")
"""After ``j``: the next article."""


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.browser [OUT.png]``: the README's picture of the reader in a browser."""
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else SCREENSHOT
    if not CHROMIUM.exists():
        sys.stderr.write(f"browser: {CHROMIUM} is missing (apt-get install chromium)\n")
        return 2
    with tempfile.TemporaryDirectory() as state_dir:
        # The bulletin named as sco_reader.screenshots names it (relative to the repository), a fresh reading state.
        with served("seeds", "--state", str(Path(state_dir) / "state.sqlite3")) as reader:
            visit_in_chromium(reader.url, [("", FIRST_SCREEN), ("j", AFTER_J)], screenshot=out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
