"""A minimal on-disk corpus for the search benchmark (not the archive's store).

The search engine reads articles through the :class:`~sco_reader.search.Corpus` protocol.
The archive's library will implement it over the real files; until then the benchmark needs a
corpus a fresh process can open in milliseconds for a million articles, so it writes one:
headlines, bodies, dates, times, keys and the chronological order as flat files in a
directory, each mapped with ``mmap`` and read through ``memoryview`` when asked.
"""

from __future__ import annotations

import mmap
import os
from array import array
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sco_reader.model import Article

_NO_TIME = b"     "


class StoreWriter:
    """Appends articles to a store directory; :meth:`close` writes the date order."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._head = open(directory / "head.bin", "wb")
        self._body = open(directory / "body.bin", "wb")
        self._head_off = array("Q", [0])
        self._body_off = array("Q", [0])
        self._dates = array("i")
        self._times = bytearray()
        self._keys = bytearray()

    def add(self, article: Article) -> None:
        head = article.headline.encode("utf-8")
        body = "\n".join(article.paragraphs).encode("utf-8")
        self._head.write(head)
        self._body.write(body)
        self._head_off.append(self._head_off[-1] + len(head))
        self._body_off.append(self._body_off[-1] + len(body))
        self._dates.append(article.date.toordinal() if article.date else 0)
        self._times += article.time.encode("ascii") if article.time else _NO_TIME
        self._keys += bytes.fromhex(article.key)

    def close(self) -> None:
        self._head.close()
        self._body.close()
        d = self.directory
        self._head_off.tofile(open(d / "head.off", "wb"))
        self._body_off.tofile(open(d / "body.off", "wb"))
        self._dates.tofile(open(d / "date.i", "wb"))
        (d / "time.bin").write_bytes(self._times)
        (d / "key.bin").write_bytes(self._keys)
        dates, times = self._dates, self._times
        n = len(dates)
        order = sorted(range(n), key=lambda i: (dates[i] == 0, dates[i], times[5 * i : 5 * i + 5], -i if dates[i] else i))
        array("I", order).tofile(open(d / "chron.I", "wb"))
        runs = array("i")
        start = 0
        for position in range(1, n + 1):
            if position == n or dates[order[position]] != dates[order[start]]:
                runs.extend((dates[order[start]], start, position))
                start = position
        runs.tofile(open(d / "runs.i", "wb"))


class StoreCorpus:
    """A read-only :class:`~sco_reader.search.Corpus` over a store directory."""

    def __init__(self, directory: Path) -> None:
        self._maps = {}
        for name in ("head.bin", "body.bin", "head.off", "body.off", "date.i", "time.bin", "key.bin", "chron.I", "runs.i"):
            path = directory / name
            with open(path, "rb") as file:
                self._maps[name] = (
                    mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if os.path.getsize(path) else b""
                )
        view = {name: memoryview(m) for name, m in self._maps.items()}
        self._head, self._body = self._maps["head.bin"], self._maps["body.bin"]
        self._head_off = view["head.off"].cast("Q")
        self._body_off = view["body.off"].cast("Q")
        self._dates = view["date.i"].cast("i")
        self._times = self._maps["time.bin"]
        self._keys = self._maps["key.bin"]
        self._order = view["chron.I"].cast("I")
        runs = view["runs.i"].cast("i").tolist()
        self._runs = [
            (date.fromordinal(runs[k]) if runs[k] else None, runs[k + 1], runs[k + 2]) for k in range(0, len(runs), 3)
        ]
        self.dead: frozenset[int] = frozenset()

    def __len__(self) -> int:
        return len(self._dates)

    def headline(self, index: int) -> str:
        return self._head[self._head_off[index] : self._head_off[index + 1]].decode("utf-8")

    def body(self, index: int) -> Sequence[str]:
        text = self._body[self._body_off[index] : self._body_off[index + 1]].decode("utf-8")
        return tuple(text.split("\n")) if text else ()

    def date(self, index: int) -> date | None:
        ordinal = self._dates[index]
        return date.fromordinal(ordinal) if ordinal else None

    def time(self, index: int) -> str | None:
        value = self._times[5 * index : 5 * index + 5]
        return None if value == _NO_TIME else value.decode("ascii")

    def key(self, index: int) -> str:
        return self._keys[8 * index : 8 * index + 8].hex()

    def chronological(self) -> Sequence[int]:
        return self._order

    def date_runs(self) -> Sequence[tuple[date | None, int, int]]:
        return self._runs
