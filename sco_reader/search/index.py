"""Index segments: immutable, saved as one file each, loaded with ``mmap`` (pure).

A :class:`Segment` indexes the contiguous articles ``base .. base+count-1``. Its tables:

- ``vocab`` / ``vocab_off``: the sorted vocabulary (UTF-8 tokens, each followed by ``\\n``,
  and their byte offsets); a token's id is its rank, so the tokens a word prefixes are
  one id range;
- ``head_*`` / ``body_*``: postings per token in CSR form (``*_off`` offsets into ``*_ids``,
  local article numbers ``0..count-1``); a token present in at least 1/32 of the articles
  is stored as a bitmap instead (``*_dense`` lists those token ids in order, ``*_bits``
  holds one ``ceil(count/8)``-byte bitmap each: never larger than its ids would be);
  ``*_df`` is each token's number of articles;
- ``title_off`` / ``title_tok``: each headline's word token ids in order (phrase and
  coverage bonuses);
- ``anchor`` / ``anchor_off``: each normalised headline without edge punctuation, and
  ``anchor_fwd`` / ``anchor_rev``: local articles sorted by it and by its reversal
  (``^start``, ``end$`` and ``^whole$`` are two ``bisect`` calls each);
- ``body_len``: distinct body tokens per article (length normalisation of ``related``);
- ``glued``: per token, 1 when some headline holds it only as the glued whole of a hyphenated
  or apostrophised word (``2024-25`` → ``202425``): a short exact substring found in such a
  token may span the joiner, so those headlines are checked one by one.

The file: an 8-byte magic, the format version, base, count, a table of contents (name,
type code, offset, size, CRC-32 of each table) and a CRC-32 of the header, then the tables,
each aligned to 8 bytes, little-endian. :meth:`Segment.load` checks magic, version, the
header's CRC, and every size and bound it can check without reading the tables (so
loading costs the same for 1,000 or 1,000,000 articles), then wraps the tables with
``memoryview.cast`` over the map. :meth:`Segment.verify` reads everything and checks the
tables' CRCs and offsets; the archive can run it once after writing or in the background.
Any problem raises :class:`IndexFormatError`.
"""

from __future__ import annotations

import bisect
import mmap
import operator
import os
import struct
import sys
import tempfile
import zlib
from array import array
from collections.abc import Collection, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any, Literal

from .bits import from_ids, members, pack

MAGIC = b"SCOSRCH\x00"
FORMAT_VERSION = 1
DENSE_RATIO = 32
"""A token in at least one article in this many is stored as a bitmap."""
CHECK_EACH = 4096
"""Substring search among at most this many candidate headlines looks at each of them."""
SPARSE_MATCHES = 16
"""Substring search finds match by match when fewer than one headline in this many has one."""
_HEADER = struct.Struct("<8sIIQQII")
"""magic, version, flags, base, count, vocabulary size, number of tables."""
_ENTRY = struct.Struct("<16s1s7xQQI4x")
"""name, type code, offset, size in bytes, CRC-32."""
_CRC = struct.Struct("<I")
TABLES: dict[str, str] = {
    "vocab": "B",
    "vocab_off": "Q",
    "head_off": "Q",
    "head_ids": "I",
    "head_dense": "I",
    "head_bits": "B",
    "head_df": "I",
    "body_off": "Q",
    "body_ids": "I",
    "body_dense": "I",
    "body_bits": "B",
    "body_df": "I",
    "title_off": "Q",
    "title_tok": "I",
    "anchor": "B",
    "anchor_off": "Q",
    "anchor_fwd": "I",
    "anchor_rev": "I",
    "body_len": "I",
    "glued": "B",
}
"""Every table a segment has, with its ``array`` type code, in file order."""
AnchorKind = Literal["prefix", "suffix", "equal"]


class IndexFormatError(Exception):
    """A segment file is truncated, corrupt, foreign or from another format version."""


def is_dense(df: int, count: int) -> bool:
    """Whether a token in ``df`` of ``count`` articles is stored as a bitmap."""
    return df > 0 and df * DENSE_RATIO >= count


class Segment:
    """An immutable index over articles ``base .. base+count-1`` (see the module docstring)."""

    def __init__(self, base: int, count: int, tables: dict[str, Any], *, source: mmap.mmap | None = None) -> None:
        self.base = base
        """Index of the first article covered."""
        self.count = count
        """How many articles are covered."""
        self._t = tables
        self._map = source
        self._tokens: list[str] | None = None
        self._text: tuple[str, Sequence[int]] | None = None
        self._chars: frozenset[str] | None = None
        self._dense: dict[bool, dict[int, int]] = {}
        self._body_total: int | None = None
        self._origins: dict[str, int] = {}
        self._crcs: dict[str, int] = {}
        self.path: Path | None = None
        """The file it was loaded from or saved to, if any."""

    # ------------------------------------------------------------------ file

    @property
    def stride(self) -> int:
        """Bytes per bitmap."""
        return (self.count + 7) >> 3

    @property
    def vocabulary_size(self) -> int:
        """Distinct tokens."""
        return len(self._t["vocab_off"]) - 1

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the segment to ``path`` (a temporary name in the same directory, flushed to disk,
        then renamed over ``path``; like the temporary file, readable by its owner only)."""
        path = Path(path)
        names = list(TABLES)
        blobs = [_as_bytes(self._t[name]) for name in names]
        offset = _align(_HEADER.size + _ENTRY.size * len(names) + _CRC.size)
        entries = []
        for name, blob in zip(names, blobs):
            entries.append(_ENTRY.pack(name.encode(), TABLES[name].encode(), offset, len(blob), zlib.crc32(blob)))
            offset = _align(offset + len(blob))
        header = _HEADER.pack(MAGIC, FORMAT_VERSION, 0, self.base, self.count, self.vocabulary_size, len(names))
        head = header + b"".join(entries)
        head += _CRC.pack(zlib.crc32(head))
        fd, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(head)
                out.write(bytes(_align(len(head)) - len(head)))
                for blob in blobs:
                    out.write(blob)
                    out.write(bytes(_align(len(blob)) - len(blob)))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        self.path = path
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Segment:
        """Map the segment saved at ``path`` (raises :class:`IndexFormatError` for a bad file)."""
        path = Path(path)
        if sys.byteorder != "little" or array("I").itemsize != 4 or array("Q").itemsize != 8:
            raise IndexFormatError(f"{path}: this platform cannot map little-endian 32/64-bit tables")
        try:
            with open(path, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                if size < _HEADER.size:
                    raise IndexFormatError(f"{path}: truncated ({size} bytes), not a search index segment")
                source = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except OSError as error:
            raise IndexFormatError(f"{path}: cannot read: {error.strerror or error}") from error
        try:
            segment = cls._from_map(source, size, path)
        except IndexFormatError:
            source.close()
            raise
        segment.path = path
        return segment

    @classmethod
    def _from_map(cls, source: mmap.mmap, size: int, path: Path) -> Segment:
        magic, version, _flags, base, count, vocab, ntables = _HEADER.unpack_from(source, 0)
        if magic != MAGIC:
            raise IndexFormatError(f"{path}: not a search index segment")
        if version != FORMAT_VERSION:
            raise IndexFormatError(f"{path}: index format {version}, this sco-reader reads {FORMAT_VERSION}")
        end = _HEADER.size + _ENTRY.size * ntables
        if ntables != len(TABLES) or end + _CRC.size > size:
            raise IndexFormatError(f"{path}: truncated or corrupt header")
        if _CRC.unpack_from(source, end)[0] != zlib.crc32(source[:end]):
            raise IndexFormatError(f"{path}: corrupt header (checksum mismatch)")
        view = memoryview(source)
        tables: dict[str, Any] = {}
        crcs: dict[str, int] = {}
        origins: dict[str, int] = {}
        try:
            for k, expected in enumerate(TABLES):
                raw_name, code, offset, nbytes, crc = _ENTRY.unpack_from(source, _HEADER.size + k * _ENTRY.size)
                name = raw_name.rstrip(b"\x00").decode("ascii", "replace")
                if name != expected or code.decode("ascii", "replace") != TABLES[name]:
                    raise IndexFormatError(f"{path}: unexpected table {name!r}")
                itemsize = array(TABLES[name]).itemsize
                if offset % 8 or nbytes % itemsize or offset + nbytes > size:
                    raise IndexFormatError(f"{path}: table {name} out of bounds (truncated file?)")
                tables[name] = view[offset : offset + nbytes].cast(TABLES[name])
                crcs[name] = crc
                origins[name] = offset
            _check_shape(tables, base, count, vocab, path)
        except BaseException:
            for table in tables.values():
                table.release()
            raise
        finally:
            view.release()
        segment = cls(base, count, tables, source=source)
        segment._crcs = crcs
        segment._origins = origins
        return segment

    def verify(self) -> None:
        """Read every table: checksums (for a loaded file), offsets and ids in bounds."""
        where = self.path or "segment"
        for name, crc in self._crcs.items():
            if zlib.crc32(_as_bytes(self._t[name])) != crc:
                raise IndexFormatError(f"{where}: table {name} is corrupt (checksum mismatch)")
        t = self._t
        for off, data in (("vocab_off", "vocab"), ("head_off", "head_ids"), ("body_off", "body_ids"),
                          ("title_off", "title_tok"), ("anchor_off", "anchor")):
            offsets = t[off]
            if any(a > b for a, b in zip(offsets, offsets[1:])) or (len(offsets) and offsets[-1] != len(t[data])):
                raise IndexFormatError(f"{where}: table {off} is not a valid offset table")
        for name, bound in (("head_ids", self.count), ("body_ids", self.count), ("title_tok", self.vocabulary_size),
                            ("anchor_fwd", self.count), ("anchor_rev", self.count),
                            ("head_dense", self.vocabulary_size), ("body_dense", self.vocabulary_size)):
            if len(t[name]) and max(t[name]) >= bound:
                raise IndexFormatError(f"{where}: table {name} holds an out-of-range value")
        tokens = bytes(t["vocab"]).split(b"\n")[:-1]
        if tokens != sorted(tokens) or len(set(tokens)) != len(tokens):
            raise IndexFormatError(f"{where}: the vocabulary is not sorted")
        try:
            bytes(t["vocab"]).decode("utf-8")
            bytes(t["anchor"]).decode("utf-8")
        except UnicodeDecodeError as error:
            raise IndexFormatError(f"{where}: invalid text ({error.reason})") from error

    def close(self) -> None:
        """Release the file mapping (the segment is unusable afterwards)."""
        for table in self._t.values():
            if isinstance(table, memoryview):
                table.release()
        self._t = {}
        if self._map is not None:
            self._map.close()
            self._map = None

    def table(self, name: str) -> Sequence[int]:
        """A raw table (for merging and tests)."""
        return self._t[name]

    # ------------------------------------------------------------------ vocabulary

    def sorted_tokens(self) -> list[str]:
        """The vocabulary in sorted order (decoded once, on first use); a token's id is its position."""
        tokens = self._tokens
        if tokens is None:
            tokens = self._tokens = bytes(self._t["vocab"]).decode("utf-8").split("\n")[:-1]
        return tokens

    def tid_at(self, position: int) -> int:
        """Token id of ``sorted_tokens()[position]``."""
        return position

    def ids_between(self, lo: int, hi: int) -> Collection[int]:
        """Token ids of ``sorted_tokens()[lo:hi]``."""
        return range(lo, hi)

    def lookup(self, token: str) -> int | None:
        """The id of ``token``, ``None`` when absent."""
        tokens = self.sorted_tokens()
        at = bisect.bisect_left(tokens, token)
        return at if at < len(tokens) and tokens[at] == token else None

    def token(self, tid: int) -> str:
        """The token with id ``tid``."""
        return self.sorted_tokens()[tid]

    def token_list(self) -> Sequence[str]:
        """Tokens indexed by id."""
        return self.sorted_tokens()

    def glued(self, tid: int) -> bool:
        """Whether some headline holds token ``tid`` only as a glued whole (``202425``)."""
        return bool(self._t["glued"][tid])

    def chars(self) -> frozenset[str]:
        """Every character of the vocabulary."""
        if self._chars is None:
            self._chars = frozenset(self._vocab_text()[0]) - {"\n"}
        return self._chars

    def _vocab_text(self) -> tuple[str, Sequence[int]]:
        if self._text is None:
            text = bytes(self._t["vocab"]).decode("utf-8")
            if text.isascii():
                starts: Sequence[int] = self._t["vocab_off"]
            else:
                starts = array("Q", [0])
                position = 0
                for token in self.sorted_tokens():
                    position += len(token) + 1
                    starts.append(position)
            self._text = (text, starts)
        return self._text

    def substring_ids(self, word: str) -> list[tuple[int, int]]:
        """``(token id, offset)`` of every token containing ``word`` (``word + "\\n"``: ending with it)."""
        text, starts = self._vocab_text()
        found: list[tuple[int, int]] = []
        at = text.find(word)
        while at >= 0:
            k = bisect.bisect_right(starts, at) - 1
            found.append((k, at - starts[k]))
            at = text.find(word, starts[k + 1])
        return found

    # ------------------------------------------------------------------ postings

    def _dense_of(self, headline: bool) -> dict[int, int]:
        """Token id → bitmap number, for the tokens stored as bitmaps."""
        table = self._dense.get(headline)
        if table is None:
            table = self._dense[headline] = {t: k for k, t in enumerate(self._t["head_dense" if headline else "body_dense"])}
        return table

    def _bitmap(self, headline: bool, number: int) -> int:
        stride = self.stride
        bits = self._t["head_bits" if headline else "body_bits"]
        return int.from_bytes(bits[number * stride : (number + 1) * stride], "little")

    def df(self, headline: bool, tid: int) -> int:
        """Articles whose headline (or body) holds token ``tid``."""
        return self._t["head_df" if headline else "body_df"][tid]

    def local_union(self, headline: bool, tids: Collection[int]) -> int:
        """Bitmap (local article numbers) of articles whose headline (or body) holds any of ``tids``."""
        prefix = "head_" if headline else "body_"
        offsets, ids = self._t[prefix + "off"], self._t[prefix + "ids"]
        bits = 0
        if isinstance(tids, range) and tids.step == 1:
            lo, hi = tids.start, tids.stop
            if hi <= lo:
                return 0
            dense = self._t[prefix + "dense"]
            first = bisect.bisect_left(dense, lo)
            last = bisect.bisect_left(dense, hi, first)
            for number in range(first, last):
                bits |= self._bitmap(headline, number)
            sparse = ids[offsets[lo] : offsets[hi]]
        else:
            dense_of = self._dense_of(headline)
            pieces = []
            for tid in tids:
                number = dense_of.get(tid)
                if number is not None:
                    bits |= self._bitmap(headline, number)
                elif offsets[tid + 1] > offsets[tid]:
                    pieces.append(ids[offsets[tid] : offsets[tid + 1]])
            sparse = pieces[0] if len(pieces) == 1 else memoryview(b"".join(pieces)).cast("I") if pieces else ()
        if len(sparse):
            bits |= from_ids(sparse, self.count)
        return bits

    def union(self, headline: bool, tids: Collection[int]) -> int:
        """:meth:`local_union` as a bitmap of article indexes."""
        return self.local_union(headline, tids) << self.base

    def postings(self, headline: bool, tid: int) -> list[int]:
        """Local article numbers whose headline (or body) holds token ``tid``, ascending."""
        number = self._dense_of(headline).get(tid)
        if number is not None:
            return members(self._bitmap(headline, number))
        prefix = "head_" if headline else "body_"
        offsets = self._t[prefix + "off"]
        return self._t[prefix + "ids"][offsets[tid] : offsets[tid + 1]].tolist()

    # ------------------------------------------------------------------ per article

    def head_ids(self, local: int) -> Sequence[int]:
        """Token ids of the words of headline ``local``, in order."""
        offsets = self._t["title_off"]
        return self._t["title_tok"][offsets[local] : offsets[local + 1]]

    def body_size(self, local: int) -> int:
        """Distinct body tokens of article ``local``."""
        return self._t["body_len"][local]

    def total_body_size(self) -> int:
        """Distinct body tokens summed over the articles."""
        if self._body_total is None:
            self._body_total = sum(self._t["body_len"])
        return self._body_total

    def _anchor(self, local: int) -> bytes:
        offsets = self._t["anchor_off"]
        return bytes(self._t["anchor"][offsets[local] : offsets[local + 1] - 1])

    def _reversed_anchor(self, local: int) -> bytes:
        return self._anchor(local)[::-1]

    def anchored(self, kind: AnchorKind, text: str) -> int:
        """Bitmap of articles whose normalised headline starts with / ends with / equals ``text``."""
        key = text.encode("utf-8")
        if kind == "suffix":
            order, anchor, key = self._t["anchor_rev"], self._reversed_anchor, key[::-1]
        else:
            order, anchor = self._t["anchor_fwd"], self._anchor
        lo = bisect.bisect_left(order, key, key=anchor)
        if kind == "equal":
            hi = bisect.bisect_right(order, key, lo, key=anchor)
        else:
            hi = bisect.bisect_left(order, key + b"\xff", lo, key=anchor)  # no UTF-8 byte is 0xff
        return from_ids(order[lo:hi], self.count) << self.base if hi > lo else 0

    def headline_substring(self, text: str, within: int | None = None) -> int:
        """Bitmap of articles whose normalised headline contains ``text`` (only among the
        articles of the bitmap ``within``, when given)."""
        if "\n" in text or not text:
            return 0
        key = text.encode("utf-8")
        base = self.base
        if within is not None:
            local = (within >> base) & ((1 << self.count) - 1)
            if local.bit_count() <= CHECK_EACH:  # few candidates: look at their headlines only
                found = [k for k in members(local) if key in self._anchor(k)]
                return from_ids(found, self.count) << base if found else 0
        blob, offsets = self._t["anchor"], self._t["anchor_off"]
        if self._map is not None:  # search the mapped file in place
            finder, origin = self._map, self._origins["anchor"]
        else:
            finder, origin = blob.obj, 0  # the bytes the builder made
        end = origin + len(blob)
        sample = finder[origin : min(end, origin + max(1 << 16, (end - origin) >> 5))]  # estimate from a slice
        if sample.count(key) * (end - origin) * SPARSE_MATCHES > self.count * max(1, len(sample)):
            # in many headlines: split them and test each in C rather than one find per match
            pieces = finder[origin:end].split(b"\n")[:-1]
            bits = pack(bytes(map(operator.contains, pieces, repeat(key))))
        else:
            found = []
            at = finder.find(key, origin, end)
            while at >= 0:
                k = bisect.bisect_right(offsets, at - origin) - 1
                found.append(k)
                at = finder.find(key, origin + offsets[k + 1], end)
            bits = from_ids(found, self.count) if found else 0
        if within is not None:
            bits &= within >> base
        return bits << base


def _check_shape(t: dict[str, Any], base: int, count: int, vocab: int, path: Path) -> None:
    """Sizes and end points every table must have (cheap: no table is read through)."""

    def bad(what: str) -> IndexFormatError:
        return IndexFormatError(f"{path}: corrupt segment ({what})")

    stride = (count + 7) >> 3
    if base < 0 or count >= 1 << 32 or vocab >= 1 << 32:
        raise bad("counts")
    for name, length in (("vocab_off", vocab + 1), ("head_off", vocab + 1), ("body_off", vocab + 1), ("glued", vocab),
                         ("head_df", vocab), ("body_df", vocab), ("title_off", count + 1), ("anchor_off", count + 1),
                         ("anchor_fwd", count), ("anchor_rev", count), ("body_len", count)):
        if len(t[name]) != length:
            raise bad(f"{name} has {len(t[name])} entries, expected {length}")
    for off, data in (("vocab_off", "vocab"), ("head_off", "head_ids"), ("body_off", "body_ids"),
                      ("title_off", "title_tok"), ("anchor_off", "anchor")):
        if t[off][0] != 0 or t[off][-1] != len(t[data]):
            raise bad(f"{off} does not span {data}")
    for field in ("head", "body"):
        if len(t[field + "_bits"]) != len(t[field + "_dense"]) * stride:
            raise bad(f"{field}_bits size")
    if (vocab and t["vocab"][-1] != 10) or (count and t["anchor"][-1] != 10):
        raise bad("text tables are not newline-terminated")


def _align(n: int) -> int:
    return (n + 7) & ~7


def _as_bytes(table: Any) -> bytes:
    if isinstance(table, memoryview):
        return table.cast("B").tobytes() if table.format != "B" else table.tobytes()
    if isinstance(table, array):
        return table.tobytes()
    return bytes(table)
