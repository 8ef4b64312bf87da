"""Running the helper scripts in this folder as child processes."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Self

from ..conftest import ROOT

HERE = Path(__file__).resolve().parent


def child_env() -> dict[str, str]:
    """The environment with this checkout first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def spawn(script: str, *args: str) -> subprocess.Popen[str]:
    """Start ``script`` (a file in this folder) with pipes on all three streams."""
    return subprocess.Popen(
        [sys.executable, str(HERE / script), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )


def run(script: str, *args: str) -> str:
    """Run ``script`` to the end; its stdout (it must succeed)."""
    result = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        capture_output=True, text=True, env=child_env(), timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def expect_line(proc: subprocess.Popen[str], want: str, timeout: float = 30) -> None:
    """Wait for the child's next stdout line and check it is ``want`` (``timeout`` is only a safety net)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
    assert ready, f"no {want!r} from the child"
    line = proc.stdout.readline().strip()
    assert line == want, (line, proc.stderr.read() if proc.stderr and proc.poll() is not None else "")


class Locker:
    """``locker.py`` as a context manager: the lock is held inside the block until :meth:`release`."""

    def __init__(self, db: Path, mode: str) -> None:
        self.proc = spawn("locker.py", str(db), mode)
        self.released = False

    def __enter__(self) -> Self:
        expect_line(self.proc, "locked")
        return self

    def release(self) -> None:
        """Let go of the lock and wait until the child says so."""
        if self.released:
            return
        self.released = True
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        expect_line(self.proc, "released")
        self.proc.wait(timeout=30)

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.proc.poll() is None:
                self.release()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


class Problems:
    """Collects ``on_problem`` messages; :meth:`wait` blocks until there are ``n``."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._changed = threading.Condition()

    def __call__(self, message: str) -> None:
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()

    def wait(self, n: int, timeout: float = 30) -> list[str]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.messages) >= n, timeout), self.messages
            return list(self.messages)
