"""The persistent archive index: reopened unchanged, kept in step with the files, safe when broken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sco_reader.archive import Archive, index_dir, read_change
from sco_reader.loader import LoadError, load_files, scan

from .conftest import SEED

BULLETIN = """ date 2024-07-06 05.07.2024, 10:00 1
{first}
Body of the first article.
05.07.2024, 09:00
{second}
Body of the second.
- an item
04.07.2024
{third}
Third body.
"""


def write(path: Path, first: str = "First news", second: str = "Second news", third: str = "Third news") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BULLETIN.format(first=first, second=second, third=third), encoding="utf-8")
    return path


def snapshot(archive: Archive) -> list[tuple[object, ...]]:
    """Everything a user sees of the listed articles, in timeline order."""
    library = archive.library
    return [
        (library.id(i), library.date(i), library.time(i), library.headline(i), library.body(i), library.source(i), library.line(i))
        for i in library.chronological()
    ]


def open_archive(inputs: list[Path], cache: Path) -> Archive:
    archive = Archive.open(inputs, root=cache)
    archive.refresh(inputs)
    return archive


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bulletins"
    for day in range(1, 4):
        write(folder / f"2024-07-0{day}.txt", first=f"Day {day} first", second=f"Day {day} second", third=f"Day {day} third")
    return folder


def test_reopening_reads_the_index_and_equals_a_fresh_load(tmp_path: Path, archive_dir: Path) -> None:
    cache = tmp_path / "cache"
    first = open_archive([archive_dir], cache)
    assert not first.loaded and first.warnings == []
    again = Archive.open([archive_dir], root=cache)
    assert again.loaded
    assert again.refresh([archive_dir]).empty
    fresh = load_files(scan_paths := [f.path for f in scan([archive_dir])])
    assert snapshot(again) == [
        (fresh.id(i), fresh.date(i), fresh.time(i), fresh.headline(i), fresh.body(i), fresh.source(i), fresh.line(i))
        for i in fresh.chronological()
    ]
    assert scan_paths and [a.key for a in again.library.articles] == [a.key for a in fresh.articles]


def test_seed_keys_are_unchanged_through_the_index(tmp_path: Path) -> None:
    """Marks are stored by content key: the index must give every article the same key as before."""
    archive = open_archive([SEED], tmp_path / "cache")
    reopened = Archive.open([SEED], root=tmp_path / "cache")
    fresh = load_files([SEED])
    assert [reopened.library.key(i) for i in range(len(reopened.library))] == [a.key for a in fresh.articles]
    assert archive.library.body(0) == fresh.articles[0].paragraphs


def test_a_new_file_is_the_only_one_read(tmp_path: Path, archive_dir: Path) -> None:
    cache = tmp_path / "cache"
    open_archive([archive_dir], cache)
    write(archive_dir / "2024-07-09.txt", first="Brand new")
    archive = Archive.open([archive_dir], root=cache)
    plan = archive.plan([archive_dir])
    assert [Path(f.path).name for f in plan.new] == ["2024-07-09.txt"] and not plan.gone
    changes = archive.refresh([archive_dir])
    assert [len(r) for r in changes.added] == [3] and not changes.dropped
    assert "Brand new" in [h for _, _, _, h, *_ in snapshot(archive)]
    assert Archive.open([archive_dir], root=cache).refresh([archive_dir]).empty


def test_append_edit_rename_delete_and_directory_are_never_served_stale(tmp_path: Path, archive_dir: Path) -> None:
    cache = tmp_path / "cache"

    def reopen() -> list[str]:
        archive = Archive.open([archive_dir], root=cache)
        archive.refresh([archive_dir])
        assert Archive.open([archive_dir], root=cache).refresh([archive_dir]).empty
        headlines = [h for _, _, _, h, *_ in snapshot(archive)]
        fresh = load_files([f.path for f in scan([archive_dir])])
        assert sorted(headlines) == sorted(a.headline for a in fresh.articles)
        return headlines

    reopen()
    one = archive_dir / "2024-07-01.txt"
    with open(one, "a", encoding="utf-8") as stream:  # append
        stream.write("03.07.2024\nAppended story\nIts body.\n")
    assert "Appended story" in reopen()
    # Edit in place with the same size, then restore the modification time.
    before = one.stat()
    text = one.read_text(encoding="utf-8")
    one.write_text(text.replace("Day 1 first", "Day 1 FIRST"), encoding="utf-8")
    os.utime(one, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert one.stat().st_size == before.st_size and one.stat().st_mtime_ns == before.st_mtime_ns
    headlines = reopen()
    assert "Day 1 FIRST" in headlines and "Day 1 first" not in headlines
    (archive_dir / "2024-07-02.txt").rename(archive_dir / "renamed.txt")  # rename
    assert reopen().count("Day 2 first") == 1
    (archive_dir / "2024-07-03.txt").unlink()  # delete
    assert "Day 3 first" not in reopen()
    (archive_dir / "renamed.txt").unlink()  # replace by a directory
    write(archive_dir / "renamed.txt" / "inner.txt", first="Inside a directory now")
    headlines = reopen()
    assert "Day 2 first" not in headlines and "Inside a directory now" in headlines


def test_touched_file_is_hashed_not_reparsed(tmp_path: Path, archive_dir: Path) -> None:
    cache = tmp_path / "cache"
    open_archive([archive_dir], cache)
    os.utime(archive_dir / "2024-07-01.txt")
    archive = Archive.open([archive_dir], root=cache)
    assert str(archive_dir / "2024-07-01.txt") in [item.path for _, item in archive.plan([archive_dir]).changed]
    changes = archive.refresh([archive_dir])
    assert changes.empty
    assert Archive.open([archive_dir], root=cache).refresh([archive_dir]).empty


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip", "empty", "stores"])
def test_a_broken_index_is_rebuilt_with_one_warning(tmp_path: Path, archive_dir: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    good = snapshot(open_archive([archive_dir], cache))
    directory = index_dir(cache, [archive_dir], "utf-8")
    index = directory / "index.bin"
    data = index.read_bytes()
    if damage == "truncate":
        index.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        index.write_bytes(os.urandom(len(data)))
    elif damage == "flip":
        index.write_bytes(data[:-40] + bytes([data[-40] ^ 0xFF]) + data[-39:])
    elif damage == "empty":
        index.write_bytes(b"")
    else:
        for store in directory.glob("bodies-*.txt"):
            store.write_bytes(store.read_bytes()[:10])
    archive = Archive.open([archive_dir], root=cache)
    assert not archive.loaded and len(archive.warnings) == 1 and "rebuilding" in archive.warnings[0]
    archive.refresh([archive_dir])
    assert snapshot(archive) == good
    assert Archive.open([archive_dir], root=cache).loaded


def test_read_only_cache_is_bypassed_with_one_warning(tmp_path: Path, archive_dir: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o500)
    try:
        archive = open_archive([archive_dir], cache)
        assert len(archive.warnings) == 1 and "cannot write the index cache" in archive.warnings[0]
        assert len(snapshot(archive)) == 9
    finally:
        cache.chmod(0o700)


def test_read_only_index_directory_serves_the_stored_index(tmp_path: Path, archive_dir: Path) -> None:
    cache = tmp_path / "cache"
    good = snapshot(open_archive([archive_dir], cache))
    directory = index_dir(cache, [archive_dir], "utf-8")
    for path in [directory, *directory.iterdir()]:
        path.chmod(0o500 if path.is_dir() else 0o400)
    try:
        archive = open_archive([archive_dir], cache)
        assert archive.loaded and archive.warnings == [] and snapshot(archive) == good
    finally:
        for path in [directory, *directory.iterdir()]:
            path.chmod(0o700 if path.is_dir() else 0o600)


def test_another_writer_holding_the_lock_means_no_save_and_no_corruption(tmp_path: Path, archive_dir: Path) -> None:
    cache = tmp_path / "cache"
    directory = index_dir(cache, [archive_dir], "utf-8")
    directory.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl,sys,os; f=open(sys.argv[1],'w'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()", str(directory / "lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        archive = open_archive([archive_dir], cache)
        assert len(snapshot(archive)) == 9
        assert len(archive.warnings) == 1 and "another sco-reader is writing" in archive.warnings[0]
        assert not (directory / "index.bin").exists()
    finally:
        holder.communicate("", timeout=10)
    assert len(snapshot(open_archive([archive_dir], cache))) == 9
    assert Archive.open([archive_dir], root=cache).loaded


def test_two_processes_building_at_once_leave_a_usable_index(tmp_path: Path, archive_dir: Path) -> None:
    cache = tmp_path / "cache"
    code = (
        "import sys; from pathlib import Path; from sco_reader.archive import Archive; from sco_reader.loader import scan\n"
        "inputs=[Path(sys.argv[1])]; a=Archive.open(inputs, root=Path(sys.argv[2])); a.refresh(inputs)\n"
        "print(len(a.library.chronological()))"
    )
    runs = [subprocess.Popen([sys.executable, "-c", code, str(archive_dir), str(cache)], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    assert [p.communicate(timeout=60)[0].strip() for p in runs] == ["9"] * 4
    archive = Archive.open([archive_dir], root=cache)
    assert archive.loaded and len(snapshot(archive)) == 9


def test_vanished_files_are_skipped_but_bad_ones_still_refused(tmp_path: Path, archive_dir: Path) -> None:
    found = scan([archive_dir])
    (archive_dir / "2024-07-02.txt").unlink()
    skipped = [read_change(None, item, None, "utf-8", strict=True) for item in found]
    assert [r.item.path for r in skipped if r.skipped] == [str(archive_dir / "2024-07-02.txt")]
    (archive_dir / "2024-07-05.txt").write_text("<html>not a bulletin</html>\n", encoding="utf-8")
    with pytest.raises(LoadError, match="not a bulletin"):
        Archive.open([archive_dir], root=tmp_path / "other").refresh([archive_dir])
    archive = Archive.open([archive_dir], root=tmp_path / "lenient")
    changes = archive.refresh([archive_dir], strict=False)
    assert len(changes.skipped) == 1 and "2024-07-05.txt" in changes.skipped[0] and len(snapshot(archive)) == 6


def test_in_memory_archive_needs_no_cache(tmp_path: Path, archive_dir: Path) -> None:
    archive = Archive.open([archive_dir], root=None)
    archive.refresh([archive_dir])
    assert len(snapshot(archive)) == 9 and archive.warnings == [] and not archive.save()


def test_unwritable_cache_location_is_bypassed_with_one_warning(tmp_path: Path, archive_dir: Path) -> None:
    """Also for root, who can write anywhere: a cache path below a regular file cannot be created."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x", encoding="utf-8")
    archive = open_archive([archive_dir], blocker / "cache")
    assert len(snapshot(archive)) == 9
    assert len(archive.warnings) == 1 and "cannot write the index cache" in archive.warnings[0]


def test_quick_check_lists_only_directories_whose_time_moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick check stats known files and lists only the directories whose time moved; a file
    is hashed again only when its signature moved or it changed right before the last listing."""
    from sco_reader import archive as archive_module
    from sco_reader.archive import RACY_NS

    folder = tmp_path / "bulletins"
    for month in ("01", "02"):
        write(folder / month / f"2024-{month}-01.txt", first=f"Month {month}")
    cache = tmp_path / "cache"
    open_archive([folder], cache)
    archive = Archive.open([folder], root=cache)
    assert len(archive.plan([folder]).changed) == 2  # both written within RACY_NS of the listing: hashed again
    archive.scanned_at += 10 * RACY_NS  # as if the listing were made long after the files were written
    listed: list[str] = []
    real_scandir = os.scandir
    monkeypatch.setattr(archive_module.os, "scandir", lambda path: listed.append(os.fspath(path)) or real_scandir(path))
    assert archive.plan([folder]).empty and listed == []
    write(folder / "02" / "2024-02-02.txt", first="Late")
    archive.scanned_at = (folder / "02").stat().st_mtime_ns + 10 * RACY_NS
    plan = archive.plan([folder])
    assert [Path(f.path).name for f in plan.new] == ["2024-02-02.txt"] and not plan.changed and not plan.gone
    assert listed == [str(folder / "02")]


def test_files_the_index_no_longer_names_are_removed_once_old(tmp_path: Path, archive_dir: Path) -> None:
    from sco_reader.archive import GARBAGE_AGE

    cache = tmp_path / "cache"
    open_archive([archive_dir], cache)
    directory = index_dir(cache, [archive_dir], "utf-8")
    old_segment = directory / "search-0000-0-9-abcdef.seg"
    old_texts = directory / "bodies-deadbeef0000.txt"
    fresh_segment = directory / "search-0000-0-9-fedcba.seg"
    for path in (old_segment, old_texts, fresh_segment):
        path.write_bytes(b"x")
    for path in (old_segment, old_texts):
        os.utime(path, (0, os.stat(path).st_mtime - 2 * GARBAGE_AGE))
    write(archive_dir / "2024-07-09.txt", first="Something new")
    open_archive([archive_dir], cache)  # saves: and collects
    assert not old_segment.exists() and not old_texts.exists()
    assert fresh_segment.exists()  # maybe another process is about to name it
    assert Archive.open([archive_dir], root=cache).loaded


def test_an_index_of_another_format_is_rebuilt(tmp_path: Path, archive_dir: Path) -> None:
    from sco_reader.archive import read_index, write_index

    cache = tmp_path / "cache"
    open_archive([archive_dir], cache)
    index = index_dir(cache, [archive_dir], "utf-8") / "index.bin"
    meta, arrays = read_index(index)
    from array import array

    write_index(index, {**meta, "format": 999}, {k: v if isinstance(v, bytes) else array(v.format, v) for k, v in arrays.items()})  # type: ignore[union-attr]
    archive = Archive.open([archive_dir], root=cache)
    assert not archive.loaded and "format 999" in archive.warnings[0]


def test_cache_options_on_the_command_line(tmp_path: Path, archive_dir: Path) -> None:
    from .test_cli import run

    env_cache = tmp_path / "env-cache"
    run("--list", "--no-state", "--no-cache", str(archive_dir), env={"SCO_READER_CACHE": str(env_cache)})
    assert not env_cache.exists()  # --no-cache stores nothing
    run("--list", "--no-state", str(archive_dir), env={"SCO_READER_CACHE": str(env_cache)})
    assert list(env_cache.rglob("index.bin"))  # the environment names the cache
    chosen = tmp_path / "chosen"
    run("--list", "--no-state", "--cache", str(chosen), str(archive_dir), env={"SCO_READER_CACHE": str(env_cache)})
    assert list(chosen.rglob("index.bin"))  # --cache wins
    check_cache = tmp_path / "check-cache"
    result = run("--check", str(archive_dir), env={"SCO_READER_CACHE": str(check_cache)})
    assert result.returncode == 0 and not check_cache.exists()  # --check reads every file, stores nothing
