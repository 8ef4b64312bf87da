"""The HTTP side of ``--serve``: textual-serve's server with a page of our own.

textual-serve runs one reader process per browser WebSocket (so every tab is
its own reader) and serves its JavaScript, CSS and fonts from its package. Its
default page also links a web font from the internet; :class:`ReaderServer`
renders ``templates/app_index.html`` instead, which names only this server's
URLs. It also refuses requests addressed to a non-local name while bound to
loopback (DNS rebinding), refuses WebSocket handshakes from other origins,
and closes every session when the server stops so no reader is left behind.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import IO, Any, Awaitable, Callable

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from .errors import EXIT_BAD_INPUT, EXIT_OK
from .serve import BindError, ServeSettings, bind_error_message, host_allowed, origin_allowed, url_for

TEMPLATES = Path(__file__).resolve().with_name("templates")
"""Our page (``app_index.html``) for textual-serve's ``templates_path``."""
STOP_SECONDS = 5.0
"""How long a reader gets to quit when its tab closes or the server stops, before it is killed."""
LOGGERS = ("textual-serve", "aiohttp")
"""Loggers whose warnings reach the user, one line each."""

log = logging.getLogger("textual-serve")


class OneLineFormatter(logging.Formatter):
    """``sco-reader: message``: the first line only, never a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().strip().splitlines() or [""]
        return f"sco-reader: {lines[0]}"


def quiet_logging() -> None:
    """Warnings from the server and its readers as single lines on stderr; no banner, no access log."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter())
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.WARNING)
        logger.propagate = False


class ReaderSession(AppService):
    """One browser tab's reader process: its own session, and stopping it never waits forever."""

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        """textual-serve's way (``/bin/sh -c command``), in a session of its own.

        Ctrl+C in the terminal then reaches only the server, which asks each
        reader to quit, rather than interrupting readers still starting up.
        """
        self._process = process = await asyncio.create_subprocess_shell(
            self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """Ask the reader to quit and wait until its process has exited; kill it after :data:`STOP_SECONDS`."""
        task, self._task = self._task, None
        process = self._process
        if task is None or process is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        finished = asyncio.gather(task, process.wait())
        try:
            await asyncio.wait_for(asyncio.shield(finished), STOP_SECONDS)
        except TimeoutError:
            if process.returncode is None:
                log.warning("a reader did not quit within %s s; killing it (pid %s)", STOP_SECONDS, process.pid)
                process.kill()
            await finished


class ReaderServer(Server):
    """textual-serve's server, serving our page and guarding who may connect."""

    def __init__(self, settings: ServeSettings) -> None:
        super().__init__(
            settings.shell_command,
            host=settings.host,
            port=settings.port,
            title="sco-reader",
            templates_path=TEMPLATES,
        )
        self.settings = settings
        self.sessions: set[web.WebSocketResponse] = set()
        """Open browser connections, each driving one reader."""

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._check_host)
        return app

    @web.middleware
    async def _check_host(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not host_allowed(request.headers.get("Host"), self.settings.local_only):
            raise web.HTTPForbidden(text="sco-reader answers only requests addressed to this machine\n")
        return await handler(request)

    async def on_startup(self, app: web.Application) -> None:
        """No banner: :func:`serve_forever` announces the address once it is listening."""

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every browser connection, so each reader is asked to quit."""
        await asyncio.gather(
            *(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped") for ws in list(self.sessions)),
            return_exceptions=True,
        )

    async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
        """Our page: static files and the WebSocket on the host the browser asked for."""
        context: dict[str, Any] = {
            "title": "sco-reader",
            "font_size": min(max(to_int(request.query.get("fontsize", "16"), 16), 6), 64),
            "static_url": "/static/",
            "websocket_url": f"ws://{request.host}/ws",
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One WebSocket, one reader process, until either side closes."""
        if not origin_allowed(request.headers.get("Origin"), request.headers.get("Host")):
            raise web.HTTPForbidden(text="sco-reader refuses connections from other sites' pages\n")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        session = ReaderSession(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,  # type: ignore[arg-type]  # returns a bool nobody reads (as in textual-serve)
            download_manager=self.download_manager,
        )
        self.sessions.add(websocket)
        try:
            await session.start(width, height)
            await self._process_messages(websocket, session)
        except (ValueError, AssertionError, KeyError, TypeError) as error:
            log.warning("closing a browser session after a malformed message: %s", error)
        finally:
            self.sessions.discard(websocket)
            await session.stop()
            await websocket.close()
        return websocket


async def serve_forever(settings: ServeSettings, announce: Callable[[int], None]) -> None:
    """Listen, call ``announce(port)``, and serve until SIGINT, SIGTERM or SIGHUP (the terminal closed).

    Raises :class:`BindError` if it cannot listen.
    """
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signal_number, stopped.set)
    server = ReaderServer(settings)
    runner = web.AppRunner(await server._make_app(), handle_signals=False, access_log=None, shutdown_timeout=STOP_SECONDS)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as error:
            raise BindError(error) from None
        quiet_logging()
        announce(runner.addresses[0][1])
        await stopped.wait()
    finally:
        await runner.cleanup()


def run_serve(settings: ServeSettings, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``sco-reader --serve``: serve readers until Ctrl+C (exit 0); a busy port: one line, exit 2."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if not settings.local_only:
        err.write(
            f"sco-reader: warning: serving on {settings.host}, not only this machine: the reader has no "
            "authentication, so anyone who can reach this port can read these bulletins and change the reading state\n"
        )
        err.flush()

    def announce(port: int) -> None:
        out.write(f"sco-reader: serving {url_for(settings.host, port)} (one reader per browser tab; Ctrl+C stops)\n")
        out.flush()

    try:
        asyncio.run(serve_forever(settings, announce))
    except BindError as bind:
        err.write(f"sco-reader: {bind_error_message(settings, bind.error)}\n")
        return EXIT_BAD_INPUT
    return EXIT_OK
