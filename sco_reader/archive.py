"""The persistent archive index: what the loader made of every input file, kept between runs.

Pure (no Textual). The first open of a set of inputs parses every file; later opens read
only what was stored, then check each file's ``stat`` and re-parse just the files that
changed. The index is a cache: it lives under the user's cache directory
(``platformdirs``; ``SCO_READER_CACHE`` or ``--cache`` elsewhere, ``--no-cache`` for none),
is never the only copy of anything, and is rebuilt — or bypassed with one warning — when it
is missing, stale, corrupt, truncated, locked, read-only or from another format.

One directory per set of inputs (named by a hash of the resolved paths and the encoding)
holds:

* ``index.bin`` — every article's header columns (date, time, line, file, content key, and
  where its headline and body start in the text stores), the chronological order and date
  runs, and per file its path, ``stat`` signature, content hash, loader facts and
  diagnostics; one file, checksummed, replaced atomically (written aside, then renamed);
* ``headlines-<build>.txt`` and ``bodies-<build>.txt`` — the texts, UTF-8, back to back,
  append-only (a reader maps them and reads one headline or body at a time);
* ``search-*.seg`` — the search engine's segments (:mod:`sco_reader.search`).

A file counts as unchanged when its size, modification time, inode and status-change time
(``ctime``, which every write sets and no tool can restore) are as stored. When they
differ, its content hash decides: the same bytes (a ``touch``, a copy back) only update the
signature; anything else re-parses the file. Writers take an exclusive ``flock`` on
``lock``; a process that cannot get it (another is writing) works in memory and saves
nothing, so two readers never corrupt the index.
"""

from __future__ import annotations

import errno
import hashlib
import json
import mmap
import operator
import os
import stat
import struct
import time
import threading
import zlib
from array import array
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence


from .library import FileTable, Library, LibraryFile, Runs
from .loader import DEFAULT_ENCODING, FoundFile, LoadError, check_inputs, display_name, parse_bytes, read_file, scan, walk_files
from .model import BulletinInfo, Diagnostic, ParsedBulletin

if TYPE_CHECKING:
    from .search import SearchEngine

try:  # POSIX advisory locks; elsewhere every writer just saves (the rename is still atomic)
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]

__all__ = ["Archive", "CACHE_ENV", "FORMAT", "Changes", "FileResult", "Plan", "SaveJob", "cache_root", "index_dir", "known_files", "plan", "plan_inputs", "quick_plan", "read_change"]

FORMAT = 1
"""Format of the files written here; another format lives in another directory."""
CACHE_ENV = "SCO_READER_CACHE"
"""Environment variable naming the cache directory (``--cache`` wins)."""
MAGIC = b"SCOIDX\x00\x01"
_TYPECODES = frozenset("bBhHiIlLqQ")
_HEADER = struct.Struct("<8sQQI")  # magic, table-of-contents length, data length, CRC-32 of both


class CacheError(Exception):
    """The stored index cannot be used (corrupt, truncated, foreign); ``str()`` says why."""


def cache_root(environ: dict[str, str] | None = None) -> Path:
    """Where indexes live: ``$SCO_READER_CACHE`` or the user cache directory's ``index``."""
    override = (environ if environ is not None else os.environ).get(CACHE_ENV, "")
    if override.strip():
        return Path(override).expanduser()
    import platformdirs  # only when needed: a tenth of the command's start-up

    return platformdirs.user_cache_path("sco-reader", appauthor=False) / "index"


def index_dir(root: Path, inputs: Sequence[str | Path], encoding: str) -> Path:
    """The directory of the index for ``inputs`` read with ``encoding``."""
    material = b"\0".join(os.fsencode(os.path.abspath(p)) for p in inputs) + b"\0" + encoding.encode()
    return root / f"v{FORMAT}" / hashlib.blake2b(material, digest_size=10).hexdigest()


@dataclass(slots=True)
class Plan:
    """What a refresh has to do to bring the library up to date with the files on disk."""

    new: list[FoundFile] = field(default_factory=list)
    """Files not in the library: parse and add."""
    changed: list[tuple[int, FoundFile]] = field(default_factory=list)
    """Library files whose signature changed: hash, and re-parse if the bytes did."""
    gone: list[int] = field(default_factory=list)
    """Library files no longer found: drop."""
    dirs: dict[str, int] | None = None
    """The directories listed, with their ``mtime_ns`` (for the next quick check)."""
    scanned_at: int = 0
    """When the listing began (``time_ns``)."""

    @property
    def empty(self) -> bool:
        """Nothing to do: every file is as stored."""
        return not (self.new or self.changed or self.gone)

    @property
    def files(self) -> int:
        """How many files must be read."""
        return len(self.new) + len(self.changed)

    @property
    def todo(self) -> list[tuple[int | None, FoundFile]]:
        """The files to read: changed ones (with the library file they replace), then new ones."""
        return [*sorted(self.changed, key=lambda pair: pair[0]), *((None, item) for item in self.new)]


@dataclass(slots=True)
class Changes:
    """What a refresh did."""

    added: list[range] = field(default_factory=list)
    """Article indexes added (new files and new versions of changed ones)."""
    dropped: list[range] = field(default_factory=list)
    """Article indexes no longer listed (changed or deleted files)."""
    files_added: list[int] = field(default_factory=list)
    """Library file numbers of files read (new, or new versions)."""
    files_dropped: list[int] = field(default_factory=list)
    """Library file numbers dropped."""
    skipped: list[str] = field(default_factory=list)
    """One-line messages for files that could not be read this time (they are tried again)."""

    @property
    def empty(self) -> bool:
        """Nothing was added or dropped."""
        return not (self.added or self.dropped)


class FileTextStore:
    """A :class:`~sco_reader.library.TextStore` in an append-only file of UTF-8 texts.

    ``offsets[i]`` is where text ``i`` starts in the file (one more offset marks the end).
    Texts added since the last save are held in memory until a save writes them. The
    offsets and the texts in memory change together, in one assignment, so a save running
    in another thread never shows a reader a text half-moved.
    """

    def __init__(self, path: Path, offsets: array) -> None:
        self.path = path
        self._state: tuple[array, list[str]] = (offsets, [])
        self._map: mmap.mmap | None = None
        self._mapped = 0
        self._old_maps: list[mmap.mmap] = []
        self._lock = threading.Lock()

    @property
    def offsets(self) -> array:
        """Where each stored text starts (and where the last one ends)."""
        return self._state[0]

    @property
    def pending(self) -> list[str]:
        """Texts added since the last save (not in the file yet)."""
        return self._state[1]

    def _view(self, end: int) -> mmap.mmap:
        found = self._map
        if found is not None and end <= self._mapped:
            return found
        with self._lock:  # an export in a worker thread may read while the screen does
            if self._map is None or end > self._mapped:
                with open(self.path, "rb") as stream:
                    size = os.fstat(stream.fileno()).st_size
                    if size < end:
                        raise CacheError(f"{self.path.name} is shorter than the index says")
                    # The old map stays open: a reader in another thread may still be slicing it.
                    if self._map is not None:
                        self._old_maps.append(self._map)
                    self._map = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
                self._mapped = size
            return self._map

    def __getitem__(self, index: int) -> str:
        offsets, pending = self._state
        stored = len(offsets) - 1
        if index >= stored:
            return pending[index - stored]
        start, end = offsets[index], offsets[index + 1]
        if start == end:
            return ""
        return self._view(end)[start:end].decode("utf-8", "surrogatepass")

    def __len__(self) -> int:
        offsets, pending = self._state
        return len(offsets) - 1 + len(pending)

    def append_many(self, texts: Sequence[str]) -> None:
        self._state[1].extend(texts)

    def write(self, offsets: array, texts: Sequence[str]) -> array:
        """Append ``texts`` after ``offsets[-1]`` in the file (the caller holds the lock); the offsets after them.

        Thread-safe with readers: changes nothing in memory (see :meth:`commit`).
        """
        end = offsets[-1]
        grown = array("q", offsets)
        if not texts:
            return grown
        blobs = [text.encode("utf-8", "surrogatepass") for text in texts]
        with open(self.path, "r+b" if self.path.exists() else "w+b") as stream:
            stream.truncate(end)  # drop what a writer that crashed may have left
            stream.seek(end)
            stream.write(b"".join(blobs))
            stream.flush()
            os.fsync(stream.fileno())
        for blob in blobs:
            end += len(blob)
            grown.append(end)
        return grown

    def commit(self, offsets: array, written: int) -> None:
        """The first ``written`` pending texts are now in the file at ``offsets``."""
        _, pending = self._state
        self._state = (offsets, pending[written:])

    def close(self) -> None:
        """Unmap the file."""
        for mapped in (*self._old_maps, self._map):
            if mapped is not None:
                mapped.close()
        self._map = None
        self._old_maps.clear()
        self._mapped = 0


@dataclass(slots=True)
class Known:
    """What the archive knows of its files, to compare with the disk (a copy a worker thread may use)."""

    numbers: list[int]
    """Listed library file numbers."""
    paths: list[bytes]
    """Their paths."""
    sizes: array
    """Their sizes when read (as the signature's parts, parallel to :attr:`paths`)."""
    mtimes: array
    """Their modification times (ns)."""
    ctimes: array
    """Their status-change times (ns)."""
    inodes: array
    """Their inode numbers."""
    digests: bytes
    """16 bytes of hash per library file (by file number, not by position here)."""
    dirs: dict[str, int]
    """Directories listed when the index was saved, with their ``mtime_ns`` then."""
    scanned_at: int
    """When that listing was made (``time_ns``); ``0``: never."""

    def signature(self, k: int) -> tuple[int, int, int, int]:
        """The ``k``-th known file's signature."""
        return (self.sizes[k], self.mtimes[k], self.ctimes[k], self.inodes[k])

    def digest(self, number: int) -> bytes:
        """Library file ``number``'s hash when read."""
        return self.digests[16 * number : 16 * number + 16]

    def by_path(self) -> dict[bytes, int]:
        """Position in these lists of each path."""
        return {path: k for k, path in enumerate(self.paths)}


def known_files(archive: Archive) -> Known:
    """What ``archive`` knows of its listed files (copies: planning may run in another thread)."""
    dead = archive.library.files.dead
    cols = archive.cols
    if not dead.count(1):  # the usual case: whole columns, copied at C speed
        numbers: Sequence[int] = range(len(dead))
        paths = list(archive.paths)
        columns = tuple(array(_FILE_COLUMNS[name], cols[name]) for name in ("f_size", "f_mtime", "f_ctime", "f_inode"))
    else:
        numbers = [n for n in range(len(dead)) if not dead[n]]
        paths = [archive.paths[n] for n in numbers]
        columns = tuple(array(_FILE_COLUMNS[name], map(cols[name].__getitem__, numbers)) for name in ("f_size", "f_mtime", "f_ctime", "f_inode"))
    return Known(list(numbers), paths, *columns, bytes(archive.digests), dict(archive.dirs), archive.scanned_at)  # type: ignore[arg-type]


RACY_NS = 1_000_000_000
"""A file or directory changed this close to the last listing may have changed again within the
same timestamp tick, unseen ("racy git"): it is hashed again rather than trusted. File system
timestamps are coarser than the clock (a few milliseconds, more on network file systems)."""


def plan(found: Sequence[FoundFile], known: Known) -> Plan:
    """Compare the files found on disk with the known ones (``stat`` only, no reading)."""
    remaining = known.by_path()
    result = Plan()
    racy = known.scanned_at - RACY_NS
    for item in found:
        k = remaining.pop(os.fsencode(item.path), None)
        if k is None:
            result.new.append(item)
            continue
        info = item.stat
        signature = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        if signature != known.signature(k) or info.st_ctime_ns >= racy:
            result.changed.append((known.numbers[k], item))
    result.gone.extend(sorted(known.numbers[k] for k in remaining.values()))
    return result


def quick_plan(inputs: Sequence[str | os.PathLike[str]], known: Known) -> Plan | None:
    """:func:`plan` without listing every directory: ``stat`` each known file, and list only the
    directories whose modification time moved (a file added, removed or renamed there).
    ``None`` when the stored listing does not cover ``inputs`` (then scan them all).

    :class:`~sco_reader.loader.LoadError` as :func:`~sco_reader.loader.scan` raises it.
    """
    if not known.scanned_at:
        return None
    roots = [os.fspath(p) for p in inputs]
    check_inputs(roots)
    if any(os.path.isdir(root) and root not in known.dirs for root in roots):
        return None
    result = Plan(dirs=dict(known.dirs))
    racy = known.scanned_at - RACY_NS
    listed = set(known.paths)
    # Directories: a moved mtime means entries came or went; list those (and new ones below) again.
    for directory, mtime in known.dirs.items():
        try:
            info = os.stat(directory)
        except OSError:
            del result.dirs[directory]  # type: ignore[union-attr]
            continue
        if info.st_mtime_ns == mtime and info.st_mtime_ns < racy:
            continue
        result.dirs[directory] = info.st_mtime_ns  # type: ignore[index]
        try:
            with os.scandir(directory) as entries:
                found = list(entries)
        except OSError:
            continue  # unlistable now: its known files are stat'ed below
        for entry in sorted(found, key=lambda e: e.name):
            try:
                if entry.is_dir() and entry.path not in known.dirs:
                    for item in walk_files(entry.path, result.dirs):
                        if os.fsencode(item.path) not in listed:
                            result.new.append(item)
                            listed.add(os.fsencode(item.path))
                elif entry.name.endswith(".txt") and entry.is_file() and os.fsencode(entry.path) not in listed:
                    result.new.append(FoundFile(entry.path, entry.stat()))
                    listed.add(os.fsencode(entry.path))
            except OSError:
                continue
    # Files: each known one, stat'ed again; the signatures compared as whole columns at C speed,
    # one by one only where something moved (no object per unchanged file).
    stats = list(map(_stat_or_none, known.paths))
    if None not in stats and all(stat.S_ISREG(info.st_mode) for info in stats):  # type: ignore[union-attr]
        ctimes = array("q", map(_CTIME, stats))
        same = (
            ctimes == known.ctimes
            and array("q", map(_MTIME, stats)) == known.mtimes
            and array("q", map(_SIZE, stats)) == known.sizes
            and array("Q", map(_INODE, stats)) == known.inodes
        )
        suspects = [] if same and (not ctimes or max(ctimes) < racy) else range(len(stats))
    else:
        suspects = range(len(stats))
    for k in suspects:
        info = stats[k]
        if info is None or not stat.S_ISREG(info.st_mode):
            result.gone.append(known.numbers[k])
            continue
        if (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino) != known.signature(k) or info.st_ctime_ns >= racy:
            result.changed.append((known.numbers[k], FoundFile(os.fsdecode(known.paths[k]), info)))
    for root in roots:  # a named file the archive does not know yet
        if not os.path.isdir(root) and os.fsencode(root) not in listed:
            result.new.append(FoundFile(root, os.stat(root)))
    result.gone.sort()
    return result


_CTIME = operator.attrgetter("st_ctime_ns")
_MTIME = operator.attrgetter("st_mtime_ns")
_SIZE = operator.attrgetter("st_size")
_INODE = operator.attrgetter("st_ino")


def _stat_or_none(path: bytes) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def plan_inputs(inputs: Sequence[str | os.PathLike[str]], known: Known) -> Plan:
    """What to do to bring the archive up to date with ``inputs``: the quick way when the stored
    listing allows, else a full :func:`~sco_reader.loader.scan`."""
    started = time.time_ns()
    result = quick_plan(inputs, known)
    if result is None:
        dirs: dict[str, int] = {}
        result = plan(scan(inputs, dirs), known)
        result.dirs = dirs
    result.scanned_at = started
    return result


@dataclass(frozen=True, slots=True)
class FileResult:
    """What reading one new or changed file gave (:func:`read_change`), for :meth:`Archive.apply`."""

    number: int | None
    """The library file it replaces (``None``: a new file)."""
    item: FoundFile
    """The file and its ``stat`` when found."""
    parsed: ParsedBulletin | None = None
    """Its articles (``None``: unchanged bytes, or skipped)."""
    digest: bytes = b""
    """Hash of its bytes."""
    skipped: str | None = None
    """Why it could not be read (it is tried again next time)."""


def read_change(
    number: int | None, item: FoundFile, known_digest: bytes | None, encoding: str, strict: bool
) -> FileResult:
    """Read and parse one new or changed file (pure I/O and parsing: safe in a worker thread).

    ``strict``: a file that is not a bulletin raises :class:`~sco_reader.loader.LoadError`;
    otherwise it is skipped. A file that vanished meanwhile is always skipped.
    """
    try:
        data = read_file(item.path)
    except LoadError as error:
        if strict and os.path.lexists(item.path):
            raise
        return FileResult(number, item, skipped=str(error))
    digest = _digest(data)
    if known_digest is not None and digest == known_digest:
        return FileResult(number, item, digest=digest)  # touched, not changed
    try:
        parsed = parse_bytes(data, display_name(item.path), encoding)
    except LoadError as error:
        if strict:
            raise
        return FileResult(number, item, digest=digest, skipped=str(error))
    return FileResult(number, item, parsed, digest)


@dataclass(slots=True)
class SaveJob:
    """One save of the index, prepared on the archive's thread and written in any thread (:meth:`run`)."""

    directory: Path
    generation: str
    """The stored generation the archive was read from (another means someone else saved meanwhile)."""
    meta: dict[str, object]
    arrays: dict[str, array | bytes]
    stores: list[tuple[FileTextStore, array, list[str]]]
    """Each text store, its offsets and the texts to append."""
    written: list[array] = field(default_factory=list)
    """After :meth:`run`: each store's offsets once its texts are written."""
    error: str | None = None
    """After :meth:`run`: why nothing was saved (``None``: saved)."""

    def _collect_garbage(self) -> None:
        """Remove what the new index no longer names (a reader that still maps it keeps its pages)."""
        for path in _garbage(self.directory, self.meta, time.time()):
            try:
                path.unlink()
            except OSError:
                continue

    def run(self) -> bool:
        """Write the texts and the index (takes the directory's lock without waiting); never raises."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            lock = _lock(self.directory)
            if lock is None:
                self.error = "another sco-reader is writing the index cache; this session works without saving it"
                return False
            try:
                if _stored_generation(self.directory) != self.generation:
                    self.error = "another sco-reader updated the index meanwhile; this session's changes stay in memory"
                    return False
                self.written = [store.write(offsets, texts) for store, offsets, texts in self.stores]
                self.arrays["head_off"], self.arrays["body_off"] = self.written
                write_index(self.directory / "index.bin", self.meta, self.arrays)
                self._collect_garbage()
                return True
            finally:
                os.close(lock)  # closing releases the flock
        except OSError as error:
            self.error = f"cannot write the index cache at {self.directory} ({error.strerror or error}); working without it"
            return False


GARBAGE_AGE = 600
"""Seconds a file the index no longer names is kept (another process may be about to name it)."""


def _garbage(directory: Path, meta: dict[str, object], now: float) -> list[Path]:
    """Files of ``directory`` that the index ``meta`` describes no longer: texts of other builds, search
    segments it does not list, left-over temporary files; only those older than :data:`GARBAGE_AGE`."""
    build = str(meta.get("build", ""))
    kept = {"index.bin", "lock", f"headlines-{build}.txt", f"bodies-{build}.txt"}
    kept.update(str(entry.get("file")) for entry in (meta.get("search") or {}).get("segments", ()))  # type: ignore[union-attr]
    found = []
    for path in directory.iterdir():
        name = path.name
        ours = name.startswith(("headlines-", "bodies-", "search-")) or name.endswith(".tmp")
        if ours and name not in kept:
            try:
                if now - path.stat().st_mtime > GARBAGE_AGE:
                    found.append(path)
            except OSError:
                continue
    return found


def _lock(directory: Path) -> int | None:
    """An exclusive ``flock`` on the directory's lock file, or ``None`` when another process holds it."""
    descriptor = os.open(directory / "lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    if fcntl is None:
        return descriptor
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(descriptor)
        if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return None
        raise
    return descriptor


def _stored_generation(directory: Path) -> str:
    """The generation of the index on disk now (``""``: none, or one too broken to tell)."""
    try:
        meta, _ = read_index(directory / "index.bin", header_only=True)
        return str(meta.get("generation", ""))
    except (CacheError, OSError, ValueError, KeyError, TypeError, struct.error, UnicodeError):
        return ""


_FILE_COLUMNS = {
    "f_first": "i", "f_count": "i", "f_size": "q", "f_mtime": "q", "f_ctime": "q", "f_inode": "Q",
    "f_date": "i", "f_articles": "i", "f_lines": "i", "f_datelines": "i", "f_header": "b",
}
"""Per-file numbers the index keeps, with their array type codes."""


class Archive:
    """The library of a set of inputs, kept in sync with the files and stored between runs.

    Per file it keeps columns (range of articles, ``stat`` signature, hash, loader facts) and
    makes a :class:`~sco_reader.library.LibraryFile` record only when one is asked for.
    """

    def __init__(self, library: Library, directory: Path | None) -> None:
        self.library = library
        self.directory = directory
        """Where the index is stored (``None``: in memory only)."""
        self.warnings: list[str] = []
        """One-line messages for the user (cache problems)."""
        self.encoding = DEFAULT_ENCODING
        self.loaded = False
        """Whether the library came from a stored index."""
        self.search_meta: dict[str, object] = {}
        """What the search engine stored with the index (its segments)."""
        self.cols: dict[str, array] = {name: array(code) for name, code in _FILE_COLUMNS.items()}
        """Per-file numbers (see :data:`_FILE_COLUMNS`)."""
        self.paths: list[bytes] = []
        """Per file, its path (bytes, as the OS takes it: no decoding for tens of thousands of files)."""
        self.digests = bytearray()
        """Per file, 16 bytes of hash of its content when read."""
        self.dirs: dict[str, int] = {}
        """Directories listed at the last check, with their ``mtime_ns`` then."""
        self.scanned_at = 0
        """When that listing began (``time_ns``; 0: never)."""
        self._sources: list[bytes] = []
        self._refs: list[bytes] = []
        self._diagnostics: list[bytes] = []
        """Per file, its diagnostics as one JSON line."""
        self._generation = ""
        """The stored index this archive was read from (``""``: none)."""
        self._build = ""
        """Names the text stores this archive appends to."""
        self._dirty = False

    @property
    def total_bytes(self) -> int:
        """How many bytes the listed files held when read."""
        dead = self.library.files.dead
        sizes = self.cols["f_size"]
        return sum(sizes[n] for n in range(len(sizes)) if not dead[n])

    # --- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, inputs: Sequence[str | os.PathLike[str]], encoding: str = DEFAULT_ENCODING, root: Path | None = None) -> Archive:
        """The archive of ``inputs``: loaded from the index under ``root`` when there is a usable one.

        ``root=None`` keeps everything in memory. Never raises for a cache problem: it is
        recorded in :attr:`warnings` and the index is rebuilt (or, if it cannot be written,
        bypassed).
        """
        if root is None:
            archive = cls(Library(), None)
            archive.encoding = encoding
            return archive
        directory = index_dir(root, inputs, encoding)
        try:
            archive = cls._load(directory)
        except (FileNotFoundError, NotADirectoryError):  # nothing stored yet
            archive = cls._fresh(directory)
        except (CacheError, OSError, ValueError, KeyError, TypeError, struct.error, UnicodeError) as error:
            archive = cls._fresh(directory)
            archive._generation = _stored_generation(directory)  # the broken index is ours to replace
            archive.warnings.append(f"the index cache at {directory} was unusable ({_one_line(error)}); rebuilding it")
        archive.encoding = encoding
        return archive

    @classmethod
    def _fresh(cls, directory: Path) -> Archive:
        build = os.urandom(6).hex()
        library = Library(
            headlines=FileTextStore(directory / f"headlines-{build}.txt", array("q", [0])),
            bodies=FileTextStore(directory / f"bodies-{build}.txt", array("q", [0])),
        )
        archive = cls(library, directory)
        archive._build = build
        return archive

    @classmethod
    def _load(cls, directory: Path) -> Archive:
        meta, arrays = read_index(directory / "index.bin")
        if meta.get("format") != FORMAT:
            raise CacheError(f"format {meta.get('format')!r}, not {FORMAT}")
        build = str(meta["build"])
        if not build.isalnum():
            raise CacheError("bad build name")
        count = int(meta["articles"])
        files = int(meta["files"])
        for name in ("ordinals", "minutes", "lines", "file_of", "keys"):
            if len(arrays[name]) != count:
                raise CacheError(f"{name} holds {len(arrays[name])} entries for {count} articles")
        for name in ("head_off", "body_off"):
            if len(arrays[name]) != count + 1:
                raise CacheError(f"{name} does not match the article count")
        for name in (*_FILE_COLUMNS, "f_dead", "f_diag_count"):
            if len(arrays[name]) != files:
                raise CacheError(f"{name} does not match the file count")
        if len(arrays["f_digest"]) != 16 * files or len(arrays["dir_mtime"]) != len(_split(arrays["dir_paths"])):
            raise CacheError("file table is inconsistent")
        first, number = arrays["f_first"], arrays["f_count"]
        if files and (min(first) < 0 or max(map(int.__add__, first, number)) > count):
            raise CacheError("file range out of bounds")
        heads = FileTextStore(directory / f"headlines-{build}.txt", arrays["head_off"])
        bodies = FileTextStore(directory / f"bodies-{build}.txt", arrays["body_off"])
        for store in (heads, bodies):
            if store.path.stat().st_size < store.offsets[-1]:
                raise CacheError(f"{store.path.name} is truncated")
        archive = cls(Library(), directory)
        archive.cols = {name: arrays[name] for name in _FILE_COLUMNS}  # type: ignore[misc]
        archive.paths = _split(arrays["f_paths"], files)
        archive.digests = bytearray(arrays["f_digest"])
        archive._sources = _split(arrays["f_sources"], files)
        archive._refs = _split(arrays["f_refs"], files)
        archive._diagnostics = _split(arrays["f_diagnostics"], files, b"\n")
        archive.dirs = dict(zip(map(os.fsdecode, _split(arrays["dir_paths"])), arrays["dir_mtime"]))
        archive.scanned_at = int(meta.get("scanned_at", 0))
        table = FileTable(files, archive._file_record, bytearray(arrays["f_dead"]), arrays["f_diag_count"])  # type: ignore[arg-type]
        library = Library(
            headlines=heads,
            bodies=bodies,
            files=table,
            ordinals=arrays["ordinals"],
            minutes=arrays["minutes"],
            lines=arrays["lines"],
            file_of=arrays["file_of"],
            keys=arrays["keys"],
            repeats=dict(zip(arrays["rep_index"], arrays["rep_count"])),
            dead=set(arrays["dead"]),
        )
        order = arrays["chronological"]
        if len(order) != count - len(library.dead):
            raise CacheError("chronological order does not match the articles")
        runs = Runs(arrays["run_date"], arrays["run_start"], arrays["run_stop"])  # type: ignore[arg-type]
        if not (len(runs.ordinals) == len(runs.starts) == len(runs.stops)) or (runs.stops and runs.stops[-1] != len(order)):
            raise CacheError("date runs do not match the chronological order")
        key_order = arrays["key_order"]
        if len(key_order) != count:
            raise CacheError("key order does not match the articles")
        library.set_order(order, runs, key_order)  # type: ignore[arg-type]
        archive.library = library
        archive._generation = str(meta["generation"])
        archive._build = build
        archive.search_meta = dict(meta.get("search") or {})
        archive.loaded = True
        return archive

    def _file_record(self, number: int) -> LibraryFile:
        """Make file ``number``'s record from the columns (the library asks when it needs one)."""
        cols = self.cols
        source = self._sources[number].decode("utf-8")
        ordinal = cols["f_date"][number]
        info = BulletinInfo(
            source,
            date.fromordinal(ordinal) if ordinal else None,
            self._refs[number].decode("utf-8") or None,
            cols["f_articles"][number],
            cols["f_lines"][number],
            cols["f_datelines"][number],
            bool(cols["f_header"][number]),
        )
        found = tuple(Diagnostic(source, line, level, message) for line, level, message in json.loads(self._diagnostics[number]))
        return LibraryFile(os.fsdecode(self.paths[number]), info, cols["f_first"][number], cols["f_count"][number], found)

    # --- keeping up with the files -----------------------------------------------------------

    def plan(self, inputs: Sequence[str | os.PathLike[str]]) -> Plan:
        """What :meth:`refresh` would do for ``inputs`` (``stat`` and listing only, no reading)."""
        return plan_inputs(inputs, known_files(self))

    def refresh(
        self,
        inputs: Sequence[str | os.PathLike[str]],
        progress: Callable[[int, int], None] | None = None,
        *,
        strict: bool = True,
        save_every: int = 2000,
    ) -> Changes:
        """Bring the library up to date with the files of ``inputs``, here and now.

        ``strict``: a file that is not a bulletin raises :class:`~sco_reader.loader.LoadError`
        (the command exits 2); otherwise it is skipped with a message in
        :attr:`Changes.skipped`. A file that vanished meanwhile is always skipped.
        ``progress(done, total)`` hears of every file read. Saves as it goes (every
        ``save_every`` files) and at the end.
        """
        known = known_files(self)
        work = plan_inputs(inputs, known)
        changes = Changes()
        self.begin(work, changes)
        todo = work.todo
        for done, (number, item) in enumerate(todo, start=1):
            self.apply(read_change(number, item, known.digest(number) if number is not None else None, self.encoding, strict), changes)
            if progress is not None:
                progress(done, len(todo))
            if save_every and done % save_every == 0:
                self.save()
        self.save()
        return changes

    def begin(self, work: Plan, changes: Changes) -> None:
        """Take in a plan's listing and drop the files it found gone (before the files are read)."""
        for number in work.gone:
            self.drop(number, changes)
        if work.dirs is not None:
            if work.dirs != self.dirs:
                self._dirty = True
            self.dirs = work.dirs
            if self._dirty or work.files:
                self.scanned_at = work.scanned_at  # stored with what the listing changed

    def apply(self, result: FileResult, changes: Changes) -> None:
        """Take in what :func:`read_change` found (on the thread that owns the library)."""
        if result.number is not None and result.parsed is None and result.skipped is None:
            self._set_signature(result.number, result.item.stat)  # the same bytes
            self._dirty = True
            return
        if result.number is not None:
            self.drop(result.number, changes)
        if result.skipped is not None:
            changes.skipped.append(result.skipped)
            return
        assert result.parsed is not None
        library = self.library
        changes.added.append(library.add(result.parsed, result.item.path))
        number = len(library.files) - 1
        changes.files_added.append(number)
        entry = library.files[number]
        info = entry.info
        self._own_columns()
        for name, value in (
            ("f_first", entry.first), ("f_count", entry.count), ("f_size", 0), ("f_mtime", 0), ("f_ctime", 0),
            ("f_inode", 0), ("f_date", info.date.toordinal() if info.date else 0), ("f_articles", info.articles),
            ("f_lines", info.lines), ("f_datelines", info.datelines), ("f_header", int(info.header)),
        ):
            self.cols[name].append(value)
        self._set_signature(number, result.item.stat)
        self.paths.append(os.fsencode(entry.path))
        self.digests += result.digest
        self._sources.append(info.source.encode("utf-8"))
        self._refs.append((info.ref or "").encode("utf-8"))
        self._diagnostics.append(json.dumps([[d.line, d.level, d.message] for d in entry.diagnostics], ensure_ascii=False).encode("utf-8"))
        self._dirty = True

    def _own_columns(self) -> None:
        """Copy stored per-file columns into arrays before the first change (they are read-only views)."""
        for name, values in self.cols.items():
            if not isinstance(values, array):
                self.cols[name] = array(_FILE_COLUMNS[name], values)

    def _set_signature(self, number: int, info: os.stat_result) -> None:
        self._own_columns()
        cols = self.cols
        cols["f_size"][number] = info.st_size
        cols["f_mtime"][number] = info.st_mtime_ns
        cols["f_ctime"][number] = info.st_ctime_ns
        cols["f_inode"][number] = info.st_ino

    def drop(self, number: int, changes: Changes) -> None:
        """Drop library file ``number`` (changed or gone)."""
        gone = self.library.drop_file(number)
        if gone is not None:
            changes.dropped.append(gone)
            changes.files_dropped.append(number)
            self._dirty = True

    # --- storing ---------------------------------------------------------------------------

    def save_job(self) -> SaveJob | None:
        """A save of what changed (``None``: nothing to save, or no cache). Run it anywhere, then :meth:`finish`."""
        if self.directory is None or not self._dirty:
            return None
        heads, bodies = self.library.headlines, self.library.bodies
        assert isinstance(heads, FileTextStore) and isinstance(bodies, FileTextStore)
        generation = os.urandom(6).hex()
        meta = self._meta(generation)
        stores = [(store, store.offsets, list(store.pending)) for store in (heads, bodies)]
        self._dirty = False
        return SaveJob(self.directory, self._generation, meta, self._arrays(), stores)

    def finish(self, job: SaveJob) -> bool:
        """Take in a save that ran: the texts it wrote now come from the files."""
        if job.error is not None:
            self._give_up(job.error)
            return False
        for (store, _, texts), offsets in zip(job.stores, job.written):
            store.commit(offsets, len(texts))
        self._generation = str(job.meta["generation"])
        return True

    def save(self) -> bool:
        """Store what changed since the last save, here and now; ``False`` (and one warning) when it cannot.

        Never raises. When another process holds the lock, this one keeps its changes in memory.
        """
        job = self.save_job()
        if job is None:
            return False
        job.run()
        return self.finish(job)

    def _give_up(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
        self.directory = None

    def set_search_meta(self, meta: dict[str, object]) -> None:
        """Record what the search engine stored (saved with the next :meth:`save`)."""
        self.search_meta = dict(meta)
        self._dirty = True

    def _meta(self, generation: str) -> dict[str, object]:
        library = self.library
        return {
            "format": FORMAT,
            "generation": generation,
            "build": self._build,
            "articles": len(library),
            "files": len(library.files),
            "encoding": self.encoding,
            "scanned_at": self.scanned_at,
            "search": self.search_meta,
        }

    def _arrays(self) -> dict[str, array | bytes]:
        """Everything the index stores, copied (the library may grow while a save runs)."""
        library = self.library
        runs = library.date_runs()
        heads, bodies = library.headlines, library.bodies
        assert isinstance(heads, FileTextStore) and isinstance(bodies, FileTextStore)
        arrays: dict[str, array | bytes] = {
            "ordinals": _column("i", library.ordinals),
            "minutes": _column("h", library.minutes),
            "lines": _column("i", library.lines),
            "file_of": _column("i", library.file_of),
            "keys": _column("Q", library.keys),
            "head_off": heads.offsets,  # replaced by the offsets after the pending texts (SaveJob.run)
            "body_off": bodies.offsets,
            "chronological": _column("i", library.chronological()),
            "key_order": _column("i", library.key_order()),
            "run_date": _column("i", runs.ordinals),
            "run_start": _column("i", runs.starts),
            "run_stop": _column("i", runs.stops),
            "rep_index": array("i", library.repeats.keys()),
            "rep_count": array("i", library.repeats.values()),
            "dead": array("i", sorted(library.dead)),
            "f_dead": bytes(library.files.dead),
            "f_diag_count": array("i", library.files.diagnostic_counts),
            "f_digest": bytes(self.digests),
            "f_paths": b"\0".join(self.paths),
            "f_sources": b"\0".join(self._sources),
            "f_refs": b"\0".join(self._refs),
            "f_diagnostics": b"\n".join(self._diagnostics),
            "dir_paths": b"\0".join(map(os.fsencode, self.dirs)),
            "dir_mtime": array("q", self.dirs.values()),
        }
        arrays.update((name, _column(_FILE_COLUMNS[name], values)) for name, values in self.cols.items())
        return arrays

    # --- the search index ---------------------------------------------------------------

    def search_engine(self) -> SearchEngine:
        """The search engine over the library: stored segments mapped (milliseconds), articles
        added since indexed in memory (headlines now, bodies when :meth:`SearchEngine.index_pending`
        runs). A stored segment that cannot be used is dropped, with one warning, and rebuilt."""
        from .search import IndexFormatError, SearchEngine, Segment

        segments: list[Segment] = []
        entries = list(self.search_meta.get("segments", ())) if self.directory is not None else []  # type: ignore[call-overload]
        try:
            for entry in entries:
                segment = Segment.load(self.directory / str(entry["file"]))  # type: ignore[operator]
                expected = segments[-1].base + segments[-1].count if segments else 0
                if segment.base != expected or segment.count != entry["count"] or segment.base + segment.count > len(self.library):
                    segment.close()
                    raise IndexFormatError(f"{entry['file']} does not cover the articles the index says")
                segments.append(segment)
        except (IndexFormatError, OSError, KeyError, TypeError, ValueError) as error:
            for segment in segments:
                segment.close()
            segments = []
            self.search_meta = {}
            self._dirty = True
            self.warnings.append(f"the search index in {self.directory} was unusable ({_one_line(error)}); rebuilding it")
        engine = SearchEngine(self.library, segments=segments)
        return engine

    def write_search_segment(self, engine: SearchEngine) -> dict[str, object] | None:
        """Freeze what ``engine`` indexed in memory into a segment file (I/O: call it from a worker);
        the entry to record with :meth:`add_search_segment`, ``None`` when there was nothing or no cache."""
        if self.directory is None:
            return None
        segment = engine.freeze()
        if segment is None:
            return None
        name = f"search-{self._build}-{segment.base}-{segment.count}-{os.urandom(3).hex()}.seg"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            segment.save(self.directory / name)
        except OSError:
            return None  # the next save of the index says why the cache cannot be written
        return {"file": name, "base": segment.base, "count": segment.count}

    def add_search_segment(self, entry: dict[str, object]) -> None:
        """Record a segment :meth:`write_search_segment` wrote (saved with the next :meth:`save`)."""
        segments = list(self.search_meta.get("segments", ()))  # type: ignore[call-overload]
        segments.append(entry)
        self.search_meta = {**self.search_meta, "segments": segments}
        self._dirty = True

    def close(self) -> None:
        """Release the mapped files."""
        for store in (self.library.headlines, self.library.bodies):
            if isinstance(store, FileTextStore):
                store.close()


def _column(typecode: str, values: Sequence[int]) -> array:
    """A copy of ``values`` as an array; a read-only view of a stored index (as a warm start leaves the
    columns until they change) is copied as bytes, not number by number (a million: 3 ms, not 70)."""
    if isinstance(values, memoryview) and values.format == typecode:
        copy = array(typecode)
        copy.frombytes(values.cast("B"))
        return copy
    return array(typecode, values)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _split(blob: bytes | memoryview, count: int | None = None, separator: bytes = b"\0") -> list[bytes]:
    """The parts of a joined blob (``count`` of them, or :class:`CacheError`)."""
    data = bytes(blob)
    parts = data.split(separator) if data or count else []
    if count is not None and len(parts) != (count if count else 0):
        if not (count == 0 and parts == [b""]):
            raise CacheError("file table is inconsistent")
        parts = []
    return parts


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


# --- the index file ------------------------------------------------------------------------


def write_index(path: Path, meta: dict[str, object], arrays: dict[str, array | bytes]) -> None:
    """Write ``meta`` and ``arrays`` to ``path`` atomically (aside, synced, renamed)."""
    toc: dict[str, list[object]] = {}
    chunks: list[bytes | memoryview] = []
    offset = 0
    for name, values in arrays.items():
        if isinstance(values, memoryview) and values.format != "B":
            values = array(values.format, values)  # a typed view of a stored index: keep its type
        data = memoryview(values).cast("B") if isinstance(values, array) else memoryview(values)
        typecode = values.typecode if isinstance(values, array) else "bytes"
        toc[name] = [typecode, offset, len(data)]
        chunks.append(data)
        pad = -len(data) % 8
        if pad:
            chunks.append(b"\0" * pad)
        offset += len(data) + pad
    table = json.dumps({"meta": meta, "arrays": toc}, ensure_ascii=True).encode("ascii")
    table += b" " * (-len(table) % 8)
    checksum = zlib.crc32(table)
    for chunk in chunks:
        checksum = zlib.crc32(chunk, checksum)
    aside = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(3).hex()}.tmp")
    try:
        with open(aside, "wb") as stream:
            stream.write(_HEADER.pack(MAGIC, len(table), offset, checksum))
            stream.write(table)
            for chunk in chunks:
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(aside, path)
    except BaseException:
        try:
            os.unlink(aside)
        except OSError:
            pass
        raise


def read_index(path: Path, *, header_only: bool = False) -> tuple[dict[str, object], dict[str, array | bytes]]:
    """Read an index file written by :func:`write_index`; :class:`CacheError` when it is not one."""
    with open(path, "rb") as stream:
        head = stream.read(_HEADER.size)
        if len(head) < _HEADER.size:
            raise CacheError("index.bin is truncated")
        magic, table_length, data_length, checksum = _HEADER.unpack(head)
        if magic != MAGIC:
            raise CacheError("index.bin is not a sco-reader index")
        table = stream.read(table_length)
        if len(table) != table_length:
            raise CacheError("index.bin is truncated")
        parsed = json.loads(table.decode("ascii"))
        meta = parsed["meta"]
        if header_only:
            return meta, {}
        data = stream.read(data_length)
        if len(data) != data_length or stream.read(1):
            raise CacheError("index.bin has the wrong length")
    if zlib.crc32(data, zlib.crc32(table)) != checksum:
        raise CacheError("index.bin fails its checksum")
    view = memoryview(data)
    arrays: dict[str, array | bytes | memoryview] = {}
    for name, (typecode, offset, length) in parsed["arrays"].items():
        if not 0 <= offset <= offset + length <= data_length:
            raise CacheError(f"{name} lies outside index.bin")
        if typecode == "bytes":
            arrays[name] = view[offset : offset + length].tobytes()
        else:
            if typecode not in _TYPECODES or length % array(typecode).itemsize:
                raise CacheError(f"{name} has a partial entry")
            # A read-only view of the file's bytes, no copy: the library copies a column into an
            # array only when it first changes it (a warm start changes nothing).
            arrays[name] = view[offset : offset + length].cast(typecode)
    return meta, arrays
