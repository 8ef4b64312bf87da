"""``sco-reader --serve``: read in a browser, one reader per tab, served from this machine only.

This module owns the rules of the command line side: which options go with
``--serve``, the exact command every browser tab runs (quoted for the shell
textual-serve starts it with), which hosts count as local, and which requests
the server accepts. It needs only the standard library; the HTTP server itself
(textual-serve and aiohttp, the ``serve`` extra) lives in :mod:`sco_reader.serve_http`
and is imported only when a server really starts.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import shlex
import sys
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

from .errors import UsageError
from .loader import DEFAULT_ENCODING

DEFAULT_HOST = "127.0.0.1"
"""Where ``--serve`` listens unless ``--host`` says otherwise: this machine only."""
DEFAULT_PORT = 8000
"""The TCP port ``--serve`` listens on unless ``--port`` says otherwise (0: any free port)."""
NOT_WITH_SERVE = ("list", "json", "check", "markdown", "html", "search")
"""Options that print and exit, so make no sense with ``--serve``."""
INSTALL_HINT = "python -m pip install 'sco-reader[serve]'"
"""How to get the optional dependencies ``--serve`` needs."""


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """Everything the server needs, checked and resolved from the command line."""

    host: str
    """The address to listen on, as given (a name or an IP literal)."""
    port: int
    """The TCP port to listen on; 0 lets the system pick a free one."""
    command: list[str]
    """The argv each browser tab runs: the reader with the same paths and options."""

    @property
    def shell_command(self) -> str:
        """``command`` as the one shell string textual-serve hands to ``/bin/sh -c``.

        Every word is quoted (``shlex.join``), so paths with spaces, quotes or
        ``$(…)`` reach the reader unchanged; ``exec`` makes the reader replace
        the shell, so each tab is one process that gets the server's signals.
        """
        return "exec " + shlex.join(self.command)

    @property
    def local_only(self) -> bool:
        """True when only this machine can connect (the default)."""
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (``127.0.0.0/8``, ``::1``), brackets allowed."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_allowed(host_header: str | None, local_only: bool) -> bool:
    """Whether a request with this ``Host`` header is served.

    A server bound to loopback answers only requests addressed to a loopback
    name: a web page that rebinds its own domain name to 127.0.0.1 (DNS
    rebinding) is refused. A server bound elsewhere cannot know its public
    names, so it answers any (the user was warned that it is open).
    """
    if not local_only:
        return True
    if not host_header:
        return False
    hostname = urlsplit(f"//{host_header}").hostname
    return hostname is not None and is_loopback(hostname)


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """Whether a WebSocket handshake may start a reader.

    Browsers send ``Origin`` with every WebSocket handshake and do not apply the
    same-origin policy to WebSockets, so a page from anywhere could otherwise
    open a reader here and read it. Only our own page (same scheme-less
    ``host:port``) may; clients that send no ``Origin`` are not browsers.
    """
    if origin is None:
        return True
    if not host_header:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.lower()


def reader_command(args: argparse.Namespace, python: str = sys.executable) -> list[str]:
    """The reader each tab runs: the same paths, encoding and state options as this command.

    Paths are passed as given (readers start in the server's working directory,
    so they name the same files and show the same source names as the terminal
    reader) and come after ``--``, so a file named ``-x.txt`` stays a file.
    """
    command = [python, "-m", "sco_reader"]
    if args.encoding != DEFAULT_ENCODING:
        command += ["--encoding", args.encoding]
    if args.no_state:
        command.append("--no-state")
    elif args.state:
        command += ["--state", args.state]
    if getattr(args, "follow", None) is False:
        command.append("--no-follow")
    if getattr(args, "no_cache", False):
        command.append("--no-cache")
    elif getattr(args, "cache", None):
        command += ["--cache", args.cache]
    command.append("--")
    command += list(args.paths)
    return command


def serve_settings(args: argparse.Namespace) -> ServeSettings:
    """Check the ``--serve`` options (:class:`UsageError` if they do not fit) and resolve defaults."""
    if not args.serve:
        given = [name for name, value in (("--host", args.host), ("--port", args.port)) if value is not None]
        raise UsageError(f"{' and '.join(given)} go{'es' if len(given) == 1 else ''} with --serve")
    clashing = [f"--{name}" for name in NOT_WITH_SERVE if getattr(args, name) not in (None, False)]
    if clashing:
        raise UsageError(f"--serve cannot be combined with {', '.join(clashing)}")
    port = DEFAULT_PORT if args.port is None else args.port
    if not 0 <= port <= 65535:
        raise UsageError("--port must be between 0 and 65535 (0: any free port)")
    host = DEFAULT_HOST if args.host is None else args.host.strip()
    if not host:
        raise UsageError("--host must not be empty")
    return ServeSettings(host=host, port=port, command=reader_command(args))


class BindError(Exception):
    """The server could not listen; ``error`` is the system's reason."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def url_for(host: str, port: int) -> str:
    """The address to open in a browser (IPv6 literals in brackets)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def bind_error_message(settings: ServeSettings, error: OSError) -> str:
    """One line for a server that cannot listen (port in use, unknown host, no permission)."""
    where = f"{settings.host}:{settings.port}"
    if error.errno == errno.EADDRINUSE:
        return f"cannot serve on {where}: the port is in use (choose another with --port, or --port 0 for any free one)"
    if error.errno == errno.EACCES:
        return f"cannot serve on {where}: permission denied (ports below 1024 need privileges)"
    reason = error.strerror or str(error)
    return f"cannot serve on {where}: {reason}"
