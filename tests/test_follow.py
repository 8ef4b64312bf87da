"""Following the files (pure parts): what to watch, one pass at a time, what a pass brought, unseen
articles, files that cannot be read yet, and the watcher thread itself."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from sco_reader.archive import Archive, FileResult, known_files, plan_inputs
from sco_reader.follow import (
    POLL_SECONDS,
    FollowPass,
    Gate,
    Unreadable,
    Unseen,
    Watcher,
    WatchTargets,
    follow_refresh,
    poll_interval,
    present_inputs,
)
from sco_reader.loader import FoundFile

ARTICLE = "{day:02d}.07.2024\n{headline}\nBody of {headline}.\n"
HOUR_AGO = time.time() - 3600


def bulletin(*headlines: str, day: int = 4) -> str:
    return "".join(ARTICLE.format(day=day, headline=headline) for headline in headlines)


def age(*paths: Path) -> None:
    """Set files' and directories' times an hour back: nothing counts as changed just now."""
    for path in paths:
        os.utime(path, (HOUR_AGO, HOUR_AGO))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bulletins"
    folder.mkdir()
    (folder / "a.txt").write_text(bulletin("Alpha one", "Alpha two", day=1), encoding="utf-8")
    (folder / "b.txt").write_text(bulletin("Beta one", "Beta two", "Beta three", day=2), encoding="utf-8")
    return folder


def loaded(folder: Path) -> Archive:
    archive = Archive.open([folder], root=None)
    archive.refresh([folder])
    return archive


def one_pass(archive: Archive, folder: Path, unreadable: Unreadable | None = None):  # type: ignore[no-untyped-def]
    """A follow pass; what it brought."""
    follow = FollowPass(archive.library)
    batch = follow.take(follow_refresh(archive, [folder], unreadable or Unreadable()))
    return batch, follow.report()


def headlines(archive: Archive, indexes) -> list[str]:  # type: ignore[no-untyped-def]
    return [archive.library.headline(i) for i in indexes]


# --- one pass at a time ---------------------------------------------------------------------------


def test_gate_runs_one_pass_at_a_time_and_one_more_for_changes_during_it() -> None:
    gate = Gate()
    assert gate.request() is True
    assert gate.request() is False and gate.request() is False  # during the pass: one more wanted
    assert gate.finished() is True  # ... run at once
    assert gate.finished() is False and not gate.running
    assert gate.request() is True


def test_poll_interval_keeps_polling_to_a_tenth_of_a_core() -> None:
    assert poll_interval(0.01) == POLL_SECONDS
    assert poll_interval(0.35) == pytest.approx(3.5)


# --- what to watch -----------------------------------------------------------------------------------


def test_watch_targets_take_bulletins_and_directories_and_only_the_named_entries_of_parents(tmp_path: Path) -> None:
    folder = tmp_path / "bulletins"
    (folder / "2024").mkdir(parents=True)
    named = tmp_path / "elsewhere" / "one.txt"
    named.parent.mkdir()
    targets = WatchTargets.of([folder, named], [str(folder), str(folder / "2024")])
    assert targets.watched == sorted({str(folder), str(folder / "2024"), str(tmp_path), str(named.parent)})
    relevant = targets.relevant
    assert relevant(str(folder / "new.txt")) and relevant(str(folder / "2024" / "x.txt"))
    assert not relevant(str(folder / ".new.txt.swp")) and not relevant(str(folder / "notes.md"))
    (folder / "2025").mkdir()
    assert relevant(str(folder / "2025"))  # a new directory: its bulletins are found by listing it
    assert relevant(str(folder / "2024"))  # a known directory (even once deleted)
    assert relevant(str(named)) and relevant(str(folder))  # the inputs themselves, through their parents
    assert not relevant(str(named.parent / "other.txt")) and not relevant(str(tmp_path / "unrelated.txt"))
    assert not relevant(str(folder / "2024" / "deep" / "x.txt"))  # below a directory not listed yet


def test_present_inputs_leave_out_what_vanished(tmp_path: Path, folder: Path) -> None:
    assert present_inputs([folder, tmp_path / "gone.txt"]) == [folder]


# --- what a pass brought ----------------------------------------------------------------------------


def test_a_new_file_brings_new_articles_and_a_notice_naming_it(folder: Path) -> None:
    archive = loaded(folder)
    (folder / "c.txt").write_text(bulletin("Gamma one", "Gamma two", day=3), encoding="utf-8")
    batch, report = one_pass(archive, folder)
    assert headlines(archive, batch.new) == ["Gamma one", "Gamma two"] and batch.moved == {}
    assert [(n.kind, n.new, n.gone) for n in report.files] == [("new", 2, 0)]
    assert report.notice is not None and report.notice.endswith("c.txt: 2 new")


def test_a_grown_file_brings_only_its_new_articles_and_the_old_ones_move(folder: Path) -> None:
    archive = loaded(folder)
    before = {archive.library.headline(i): i for i in range(len(archive.library))}
    with open(folder / "a.txt", "a", encoding="utf-8") as stream:
        stream.write(bulletin("Alpha three", day=1))
    batch, report = one_pass(archive, folder)
    assert headlines(archive, batch.new) == ["Alpha three"]
    assert {archive.library.headline(new) for new in batch.moved.values()} == {"Alpha one", "Alpha two"}
    assert set(batch.moved) == {before["Alpha one"], before["Alpha two"]}
    assert [(n.kind, n.new, n.gone) for n in report.files] == [("changed", 1, 0)] and report.gone == 0
    assert report.notice is not None and report.notice.endswith("a.txt: 1 new")


def test_an_edit_in_place_counts_new_and_gone(folder: Path) -> None:
    archive = loaded(folder)
    (folder / "b.txt").write_text(bulletin("Beta one", "Beta TWO rewritten", "Beta three", day=2), encoding="utf-8")
    batch, report = one_pass(archive, folder)
    assert headlines(archive, batch.new) == ["Beta TWO rewritten"] and len(batch.moved) == 2
    assert [(n.kind, n.new, n.gone) for n in report.files] == [("changed", 1, 1)] and report.gone == 1
    assert report.notice is not None and report.notice.endswith("b.txt: 1 new, 1 gone")


def test_a_deleted_file_says_so_and_a_rename_says_nothing(folder: Path) -> None:
    archive = loaded(folder)
    (folder / "a.txt").rename(folder / "renamed.txt")
    batch, report = one_pass(archive, folder)
    assert batch.new == [] and report.gone == 0 and report.notice is None
    assert sorted(n.kind for n in report.files) == ["deleted", "new"]
    (folder / "b.txt").unlink()
    batch, report = one_pass(archive, folder)
    assert [(n.kind, n.new, n.gone) for n in report.files] == [("deleted", 0, 3)] and report.gone == 3
    assert report.notice is not None and report.notice.endswith("b.txt: deleted, 3 gone")
    assert archive.library.alive == 2


def test_a_copy_of_listed_articles_is_not_new(folder: Path) -> None:
    archive = loaded(folder)
    (folder / "copy.txt").write_text((folder / "a.txt").read_text(encoding="utf-8"), encoding="utf-8")
    batch, report = one_pass(archive, folder)
    assert batch.new == [] and report.notice is None and archive.library.alive == 7


def test_a_notice_names_three_files_and_counts_the_rest(folder: Path) -> None:
    archive = loaded(folder)
    for n in range(5):
        (folder / f"new-{n}.txt").write_text(bulletin(f"Story {n}", day=5), encoding="utf-8")
    _, report = one_pass(archive, folder)
    assert report.notice is not None
    assert report.notice.count(": 1 new") == 3 and report.notice.endswith("and 2 more files")


# --- unseen ---------------------------------------------------------------------------------------


def test_unseen_counts_unread_new_articles_until_read_or_gone_and_follows_moves() -> None:
    read = bytearray(10)
    read[1] = 1
    unseen = Unseen()
    unseen.add([0, 1, 2, 3], read)
    assert unseen.count(read, set()) == 3  # 1 was read already (its content key)
    read[0] = 1
    assert unseen.count(read, {3}) == 1 and 2 in unseen
    read[0] = 0  # marked unread again: it was seen, it stays out
    assert unseen.count(read, set()) == 1
    unseen.moved({2: 7})
    assert 7 in unseen and 2 not in unseen and unseen.count(read, {2}) == 1


# --- files that cannot be read yet -------------------------------------------------------------------


def failed(path: Path, message: str = "x.txt: empty file") -> FileResult:
    return FileResult(None, FoundFile(str(path), os.stat(path)), skipped=message)


def test_unreadable_file_is_reported_once_after_it_settles(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("", encoding="utf-8")
    unreadable = Unreadable(settle=2.0)
    unreadable.took(failed(path), now=100.0)
    assert unreadable.due(101.0) == [] and unreadable.next_due() == 102.0
    assert unreadable.due(102.5) == ["x.txt: empty file (not read; read again when it changes)"]
    assert unreadable.due(200.0) == [] and unreadable.next_due() is None
    unreadable.took(failed(path), now=300.0)  # the same failure again: still told once
    assert unreadable.due(400.0) == []


def test_unreadable_file_that_keeps_changing_is_not_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("", encoding="utf-8")
    unreadable = Unreadable(settle=2.0)
    unreadable.took(failed(path), now=100.0)
    path.write_text("04.07", encoding="utf-8")  # an editor still at it
    assert unreadable.due(103.0) == []
    unreadable.took(FileResult(None, FoundFile(str(path), os.stat(path))), now=104.0)  # read fine at last
    assert unreadable.failures == {} and unreadable.next_due() is None
    unreadable.took(failed(path), now=105.0)
    path.unlink()
    assert unreadable.due(110.0) == [] and unreadable.failures == {}


def test_half_written_file_is_read_again_when_it_changes(folder: Path) -> None:
    """The archive keeps no entry for a file it could not read: the next pass lists its directory
    again once the file changed, though the directory's own time did not move."""
    archive = loaded(folder)
    half = folder / "c.txt"
    half.write_text("", encoding="utf-8")  # a copy that has not written anything yet
    age(half, folder)
    unreadable = Unreadable()
    batch, report = one_pass(archive, folder, unreadable)
    assert batch.new == [] and report.files == () and list(unreadable.failures) == [str(half)]
    half.write_text(bulletin("Gamma one", day=3), encoding="utf-8")
    age(half, folder)
    archive.scanned_at = time.time_ns()  # the last listing was made after the directory's last change
    plan = plan_inputs([folder], known_files(archive))
    assert str(half) not in [item.path for item in plan.new]  # so the quick plan alone would not find it
    batch, report = one_pass(archive, folder, unreadable)
    assert headlines(archive, batch.new) == ["Gamma one"] and unreadable.failures == {}


def test_problem_is_news_once_until_a_pass_goes_well() -> None:
    unreadable = Unreadable()
    assert unreadable.report_problem("x: cannot list directory") == "x: cannot list directory"
    assert unreadable.report_problem("x: cannot list directory") is None
    assert unreadable.report_problem(None) is None
    assert unreadable.report_problem("x: cannot list directory") == "x: cannot list directory"


def test_a_vanished_named_input_empties_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text(bulletin("Only one"), encoding="utf-8")
    archive = Archive.open([path], root=None)
    archive.refresh([path])
    path.unlink()
    _, report = one_pass(archive, path)
    assert archive.library.alive == 0 and [(n.kind, n.gone) for n in report.files] == [("deleted", 1)]
    path.write_text(bulletin("Only one", "And another"), encoding="utf-8")
    batch, _ = one_pass(archive, path)
    assert archive.library.alive == 2 and headlines(archive, batch.new) == ["Only one", "And another"]  # not listed before


# --- the watcher thread ---------------------------------------------------------------------------------


def watcher_on(folder: Path, events: bool, interval: float = POLL_SECONDS) -> tuple[Watcher, threading.Event]:
    changed = threading.Event()
    watcher = Watcher(WatchTargets.of([folder], [str(folder)]), changed.set, events=events, interval=interval)
    watcher.start()
    assert watcher.ready.wait(5)
    assert changed.wait(5)  # once after (re)starting: whatever changed while it was set up
    changed.clear()
    return watcher, changed


def test_event_watcher_notices_a_new_file_and_ignores_other_files(folder: Path) -> None:
    watcher, changed = watcher_on(folder, events=True)
    try:
        assert watcher.mode == "events", watcher.error
        (folder / "notes.md").write_text("not a bulletin", encoding="utf-8")
        (folder / "c.txt").write_text(bulletin("Gamma"), encoding="utf-8")
        assert changed.wait(2)
    finally:
        watcher.stop()


def test_event_watcher_watches_new_directories_once_retargeted(folder: Path) -> None:
    watcher, changed = watcher_on(folder, events=True)
    try:
        (folder / "2025").mkdir()
        assert changed.wait(2)
        changed.clear()
        watcher.retarget(WatchTargets.of([folder], [str(folder), str(folder / "2025")]))
        assert changed.wait(5)  # restarted: one call for what changed meanwhile
        changed.clear()
        (folder / "2025" / "deep.txt").write_text(bulletin("Deep"), encoding="utf-8")
        assert changed.wait(2)
    finally:
        watcher.stop()


def test_polling_watcher_asks_for_passes(folder: Path) -> None:
    watcher, changed = watcher_on(folder, events=False, interval=0.05)
    try:
        assert watcher.mode == "polling" and changed.wait(2)
    finally:
        watcher.stop()


def test_event_watcher_falls_back_to_polling_when_events_cannot_be_had(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import watchfiles

    def broken(*_args: object, **_kwargs: object):  # type: ignore[no-untyped-def]
        raise OSError("OS file watch limit reached")
        yield  # pragma: no cover

    monkeypatch.setattr(watchfiles, "watch", broken)
    watcher, changed = watcher_on(folder, events=True, interval=0.05)
    try:
        assert watcher.mode == "polling" and watcher.error == "OS file watch limit reached"
        assert changed.wait(2)
    finally:
        watcher.stop()


def test_library_takes_back_the_articles_of_a_file_read_again(folder: Path) -> None:
    """A dropped file's content keys are free again: read anew, its articles are no repeats (no crash, no warning)."""
    from sco_reader.loader import load_file

    archive = loaded(folder)
    library = archive.library
    library.files[0]  # noqa: B018 - the record exists
    gone = library.drop_file(0)
    assert gone is not None
    added = library.add(load_file(folder / "a.txt"), folder / "a.txt")
    assert [library.id(i) for i in added] == [library.id(i) for i in gone]
    assert not any("repeats" in d.message for d in library.files[len(library.files) - 1].diagnostics)


def test_follow_never_imports_textual_or_rich_nor_watchfiles_until_watching() -> None:
    import subprocess
    import sys

    code = (
        "import sys, sco_reader.follow\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'watchfiles')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_date_runs_kept_up_as_files_come_and_go_equal_those_worked_out_afresh() -> None:
    """Following adds and drops files one by one: the library moves its date runs instead of walking the
    whole order again, and they are always those :meth:`Runs.of` finds."""
    import random

    from sco_reader.library import Library, Runs
    from sco_reader.loader import parse_bytes

    chooser = random.Random(7)
    library = Library()
    base = "".join(f"{1 + n % 28:02d}.03.2024, {n % 24:02d}:00\nBase {n}\nBase body {n}.\n" for n in range(300))
    library.add(parse_bytes(base.encode(), "base.txt", "utf-8"), "base.txt")  # large enough to insert into
    library.date_runs()
    alive: list[int] = []
    for step in range(60):
        if alive and chooser.random() < 0.35:
            number = alive.pop(chooser.randrange(len(alive)))
            library.drop_file(number)
        else:
            days = [chooser.choice(["01", "02", "15", "31"]) for _ in range(chooser.randint(1, 6))]  # 31.02: undated
            text = "".join(f"{day}.0{chooser.choice('12')}.2024\nStory {step}-{n}\nBody {step}-{n}.\n" for n, day in enumerate(days))
            library.add(parse_bytes(text.encode(), f"f{step}.txt", "utf-8"), f"f{step}.txt")
            alive.append(len(library.files) - 1)
        assert library._runs is not None  # noqa: SLF001 - moved, not dropped to be worked out again
        assert library.date_runs() == Runs.of(library.chronological(), library.ordinals), step


def test_runs_moved_refuses_to_remove_a_date_it_does_not_hold() -> None:
    from sco_reader.library import Runs

    runs = Runs.of([0, 1, 2], [738000, 738000, 0])
    assert runs.moved(added=[737999, 0], removed=[738000]) == Runs.of([3, 0, 2, 4], [738000, 0, 0, 737999, 0])
    with pytest.raises(ValueError):
        runs.moved(removed=[738001])


def test_library_finds_repeats_by_key_order_without_the_set_of_every_key(folder: Path) -> None:
    from sco_reader.loader import load_file

    archive = loaded(folder)
    library = archive.library
    library._seen_keys = None  # noqa: SLF001 - as an archive opened from its index starts
    library.key_order()
    (folder / "c.txt").write_text(bulletin("Gamma one", day=3), encoding="utf-8")
    library.add(load_file(folder / "c.txt"), folder / "c.txt")
    assert library._seen_keys is None  # noqa: SLF001 - no repeat, no set of a million keys
    repeated = library.add(load_file(folder / "a.txt"), folder / "copy.txt")
    assert [library.id(i).endswith("~2") for i in repeated] == [True, True]
    assert sum("repeats" in d.message for d in library.files[len(library.files) - 1].diagnostics) == 2
