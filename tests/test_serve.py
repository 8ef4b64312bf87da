"""``sco-reader --serve``: the rules on their pure functions, then a real server over HTTP, WebSockets and a browser."""

from __future__ import annotations

import asyncio
import re
import shlex
import shutil
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from sco_reader import cli
from sco_reader.serve import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    host_allowed,
    is_loopback,
    origin_allowed,
    reader_command,
    serve_settings,
    url_for,
)

from .browser import AFTER_J, CHROMIUM, FIRST_SCREEN, ServedReader, screen_text, served, visit_in_chromium
from .conftest import SEED

aiohttp = pytest.importorskip("aiohttp")

NASTY_DIR = "it's a \"dir\" with $(touch PWNED) `touch PWNED`; & | * ~ -x"
"""A directory name full of shell metacharacters: the reader must get it unchanged and the shell must run none of it."""


def settings_for(*argv: str):  # type: ignore[no-untyped-def]
    return serve_settings(cli.parse_options(list(argv)).args)


# --- the rules, on the pure functions that own them ------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("app.localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_which_hosts_are_this_machine(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("host_header", "local_only", "allowed"),
    [
        ("127.0.0.1:8000", True, True),
        ("localhost:8000", True, True),
        ("[::1]:8000", True, True),
        ("evil.example:8000", True, False),  # DNS rebinding: a foreign name pointing at 127.0.0.1
        ("192.168.1.20:8000", True, False),
        (None, True, False),
        ("", True, False),
        ("reader.lan:8000", False, True),  # bound to the network: its names are unknown, the user was warned
    ],
)
def test_host_header_check(host_header: str | None, local_only: bool, allowed: bool) -> None:
    assert host_allowed(host_header, local_only) is allowed


@pytest.mark.parametrize(
    ("origin", "host_header", "allowed"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("http://LOCALHOST:8000", "localhost:8000", True),
        (None, "127.0.0.1:8000", True),  # not a browser
        ("https://evil.example", "127.0.0.1:8000", False),
        ("http://127.0.0.1:9999", "127.0.0.1:8000", False),
        ("null", "127.0.0.1:8000", False),
        ("file://", "127.0.0.1:8000", False),
        ("http://127.0.0.1:8000", None, False),
    ],
)
def test_websocket_origin_check(origin: str | None, host_header: str | None, allowed: bool) -> None:
    assert origin_allowed(origin, host_header) is allowed


def test_defaults_are_localhost_8000() -> None:
    settings = settings_for("--serve")
    assert (settings.host, settings.port) == (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 8000)
    assert settings.local_only
    assert not settings_for("--serve", "--host", "0.0.0.0").local_only


def test_each_tab_runs_the_reader_with_the_same_paths_and_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nasty = tmp_path / NASTY_DIR
    nasty.mkdir()
    bulletin = nasty / "-x; rm -rf ~.txt"
    shutil.copy(SEED, bulletin)
    monkeypatch.chdir(tmp_path)
    settings = settings_for("--serve", NASTY_DIR, "--encoding", "cp1251", "--state", "s.db")
    assert settings.command == [
        sys.executable, "-m", "sco_reader", "--encoding", "cp1251", "--state", "s.db", "--", NASTY_DIR,
    ]
    # The shell textual-serve uses gets back exactly these words, and execs the reader.
    assert shlex.split(settings.shell_command) == ["exec", *settings.command]
    assert settings_for("--serve", "--no-state", str(bulletin)).command[-3:] == ["--no-state", "--", str(bulletin)]
    assert settings_for("--serve").command == [sys.executable, "-m", "sco_reader", "--"]


def test_reader_command_round_trips_through_the_shell_for_any_path() -> None:
    from argparse import Namespace

    for name in ["a b", "it's", 'say "hi"', "$(id)", "`id`", "a;b", "a\nb", "~", "*", "-rf", "ünïcødé"]:
        args = Namespace(paths=[f"/tmp/{name}"], encoding="utf-8", no_state=True, state=None)
        command = reader_command(args, python="/usr/bin/python3")
        assert shlex.split(shlex.join(command)) == command
        assert command[-2:] == ["--", f"/tmp/{name}"]


def test_urls_bracket_ipv6() -> None:
    assert url_for("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert url_for("::1", 8080) == "http://[::1]:8080/"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--serve", "--list"], "--serve cannot be combined with --list"),
        (["--serve", "--json"], "--serve cannot be combined with --json"),
        (["--serve", "--check"], "--serve cannot be combined with --check"),
        (["--serve", "--search", "xi"], "--serve cannot be combined with --search"),
        (["--port", "9000"], "--port goes with --serve"),
        (["--host", "0.0.0.0", "--list"], "--host goes with --serve"),
        (["--serve", "--port", "70000"], "--port must be between 0 and 65535"),
        (["--serve", "--port", "-1"], "--port must be between 0 and 65535"),
        (["--serve", "--port", "http"], "invalid int value"),
        (["--serve", "--host", " "], "--host must not be empty"),
        (["--serve", "no/such/bulletin.txt"], "no/such/bulletin.txt"),
    ],
)
def test_options_that_do_not_fit_serve_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == cli.EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("sco-reader: ")
    assert message in captured.err


def test_without_the_serve_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.delitem(sys.modules, "sco_reader.serve_http", raising=False)
    assert cli.main(["--serve", "--port", "0"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'sco-reader[serve]'" in err


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something else is already listening on."""
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_port_in_use_is_one_line_and_exit_2(busy_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--serve", "--port", str(busy_port)]) == cli.EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"sco-reader: cannot serve on 127.0.0.1:{busy_port}: the port is in use "
        "(choose another with --port, or --port 0 for any free one)\n"
    )


def test_binding_beyond_localhost_warns_in_one_line(busy_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--serve", "--host", "0.0.0.0", "--port", str(busy_port)]) == cli.EXIT_BAD_INPUT
    warning, error = capsys.readouterr().err.splitlines()
    assert warning.startswith("sco-reader: warning: serving on 0.0.0.0, not only this machine")
    assert "no authentication" in warning
    assert "the port is in use" in error


# --- a real server -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nasty_bulletins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed in a directory whose name would run commands if it reached the shell unquoted."""
    directory = tmp_path_factory.mktemp("serve") / NASTY_DIR
    directory.mkdir()
    shutil.copy(SEED, directory / "bulletin.txt")
    return directory


@pytest.fixture(scope="module")
def server(nasty_bulletins: Path) -> Iterator[ServedReader]:
    """One server for the HTTP and WebSocket tests, reading the nasty directory with its own state file."""
    state = nasty_bulletins.parent / "state.sqlite3"
    with served(str(nasty_bulletins), "--state", str(state), cwd=nasty_bulletins.parent) as reader:
        yield reader


def fetch(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def test_the_page_is_the_readers_and_names_only_this_server(server: ServedReader) -> None:
    assert server.announcement.startswith("sco-reader: serving http://127.0.0.1:")
    status, page = fetch(server.url)
    assert status == 200
    assert "<title>sco-reader</title>" in page
    assert "googleapis" not in page and "https://" not in page
    assert f'data-session-websocket-url="{server.websocket_url}"' in page
    links = re.findall(r'(?:src|href)="([^"]*)"|url\("([^"]*)"\)', page)
    assets = [a or b for a, b in links]
    assert set(assets) == {
        "data:,",
        "/static/css/xterm.css",
        "/static/js/textual.js",
        "/static/fonts/RobotoMono-VariableFont_wght.ttf",
        "/static/fonts/RobotoMono-Italic-VariableFont_wght.ttf",
    }
    for asset in assets:
        if asset.startswith("/"):
            assert fetch(server.origin + asset)[0] == 200, asset


def test_requests_addressed_to_another_name_are_refused(server: ServedReader) -> None:
    """A page on a rebinding domain reaches 127.0.0.1 with its own name in Host: nothing for it."""
    status, _ = fetch(server.url, host=f"rebind.example:{server.url.rsplit(':', 1)[1].strip('/')}")
    assert status == 403
    assert fetch(server.url.replace("127.0.0.1", "localhost"))[0] == 200


async def read_until(websocket, *texts: str) -> str:  # type: ignore[no-untyped-def]
    """Terminal output from a reader's WebSocket until it shows every text (bounded by a timeout)."""
    received = bytearray()

    async def collect() -> str:
        async for message in websocket:
            if message.type == aiohttp.WSMsgType.BINARY:
                received.extend(message.data)
                text = screen_text(bytes(received))
                if all(t in text for t in texts):
                    return text
        raise AssertionError(f"session closed before showing {texts}: {screen_text(bytes(received))[-500:]!r}")

    return await asyncio.wait_for(collect(), timeout=20)


async def send_keys(websocket, keys: str) -> None:  # type: ignore[no-untyped-def]
    await websocket.send_json(["stdin", keys])


async def closed_by_server(websocket) -> bool:  # type: ignore[no-untyped-def]
    """Read what is left until the server closes the connection (bounded by a timeout)."""

    async def drain() -> None:
        async for _message in websocket:
            pass

    await asyncio.wait_for(drain(), timeout=20)
    return websocket.closed


async def test_each_tab_is_its_own_reader_sharing_the_reading_state(
    server: ServedReader, nasty_bulletins: Path
) -> None:
    headers = {"Origin": server.origin}
    async with aiohttp.ClientSession() as session:
        url = server.session_url()
        async with session.ws_connect(url, headers=headers) as first, session.ws_connect(url, headers=headers) as second:
            await asyncio.gather(read_until(first, *FIRST_SCREEN), read_until(second, *FIRST_SCREEN))
            await send_keys(first, "j")
            await read_until(first, *AFTER_J)  # the second tab is unaffected: it is another reader
            await send_keys(first, "q")
            assert await closed_by_server(first)  # that reader quit, and its tab's connection ended
            assert not second.closed
        # A new tab starts from the shared reading state: two articles read, where the first tab left off.
        async with session.ws_connect(url, headers=headers) as third:
            await read_until(third, "7 unread", *AFTER_J)
    assert not list(nasty_bulletins.rglob("PWNED")) and not (nasty_bulletins.parent / "PWNED").exists()


async def test_websocket_from_another_sites_page_is_refused(server: ServedReader) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(server.websocket_url, headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403


def reader_processes(marker: str) -> list[int]:
    """Processes whose command line mentions ``marker`` (a unique temporary path)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            pass
    return pids


async def test_ctrl_c_stops_the_server_and_its_readers_with_exit_0(tmp_path: Path) -> None:
    state = tmp_path / "ctrl-c-state.sqlite3"
    with served("--state", str(state)) as reader:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(reader.session_url(), headers={"Origin": reader.origin}) as websocket:
                await read_until(websocket, *FIRST_SCREEN)
                assert len(reader_processes(str(state))) == 2  # the server and one reader
                status, stdout, stderr = await asyncio.to_thread(reader.interrupt)
                assert await closed_by_server(websocket)
    assert status == 0, stderr
    assert "Traceback" not in stdout + stderr
    assert (stdout, stderr) == ("", "")  # after the announcement: nothing
    assert reader_processes(str(state)) == []


# --- a real browser ------------------------------------------------------------------------------


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")
def test_the_reader_works_in_a_browser_without_leaving_this_machine(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")
    screenshot = tmp_path / "browser.png"
    with served("--state", str(tmp_path / "state.sqlite3")) as reader:
        visit = visit_in_chromium(reader.url, [("", FIRST_SCREEN), ("j", AFTER_J)], screenshot=screenshot)
    local = (reader.origin, reader.origin.replace("http://", "ws://", 1))
    assert visit.requests, "the browser made no request"
    assert [url for url in visit.requests if not url.startswith(local)] == []
    assert reader.websocket_url + "?" in " ".join(visit.requests)
    assert any("/static/fonts/RobotoMono" in url for url in visit.requests)  # our font, not a web font
    assert visit.console_errors == []
    assert all(text in visit.screens[0] for text in FIRST_SCREEN)
    assert all(text in visit.screens[1] for text in AFTER_J)
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 10_000
