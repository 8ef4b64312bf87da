"""The reader model's rules, on the pure objects (no screen): view, marks, history, hits, opening."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from sco_reader.library import Library
from sco_reader.loader import load_files, parse_text
from sco_reader.reader import Hits, History, Reader, View
from sco_reader.state import ReadingState

from .conftest import SEED, SEED_HEADLINES

FIRST = "Head of State Tokayev, Russian President Putin hold talks in Astana"
SUMMIT = "SCO summit begins in Astana"
XI_WARNS = "Xi warns SCO members of real threat from Cold War mentality"
XI_CALLS = "Xi calls for building common home of solidarity, prosperity and fairness"


def seed_reader(state: ReadingState | None = None) -> Reader:
    return Reader(load_files([SEED]), state)


def headlines(view: View) -> list[str]:
    return [view.library.headline(i) for i in view.listed()]


def shown(view: View) -> list[str]:
    """Every row as the timeline draws it: headings as dates, articles as headlines."""
    out = []
    for row in range(view.rows):
        value = view.row(row)
        out.append(str(view.heading(-value - 1)) if value < 0 else view.library.headline(value))
    return out


def test_seed_is_listed_oldest_first_under_date_headings() -> None:
    reader = seed_reader()
    view = reader.view
    assert view.entries == 9 and view.rows == 12
    assert [d for d, _ in view.dates()] == [date(2024, 7, 3), date(2024, 7, 4), date(2024, 7, 5)]
    assert [c for _, c in view.dates()] == [1, 6, 2]
    assert headlines(view)[0] == FIRST and headlines(view)[1] == SUMMIT and headlines(view)[-1] == XI_CALLS
    assert sorted(headlines(view)) == sorted(SEED_HEADLINES)
    assert view.current is not None and view.library.headline(view.current) == FIRST
    assert view.position == 1 and view.cursor_row == 1


def test_every_row_maps_back_to_itself() -> None:
    for newest in (False, True):
        view = seed_reader().view
        view.set_order(newest)
        for row in range(view.rows):
            value = view.row(row)
            if value >= 0:
                assert view.row_of(value) == row


def test_toggling_order_twice_is_the_identity_and_keeps_the_cursor() -> None:
    reader = seed_reader()
    reader.go("next")
    reader.go("next")
    before, current = shown(reader.view), reader.current
    reader.toggle_order()
    assert reader.current == current
    newest = headlines(reader.view)
    assert newest[0] == XI_CALLS and newest[-1] == FIRST
    reader.toggle_order()
    assert shown(reader.view) == before and reader.current == current


def test_moves_by_article_date_first_and_last() -> None:
    reader = seed_reader()
    view = reader.view
    assert not reader.go("previous") and not reader.go("previous_date")
    assert reader.go("next_date") and view.library.headline(view.current) == SUMMIT  # type: ignore[arg-type]
    assert reader.go("next") and reader.go("previous_date")
    assert view.library.headline(view.current) == SUMMIT  # type: ignore[arg-type]
    assert reader.go("previous_date") and view.library.headline(view.current) == FIRST  # type: ignore[arg-type]
    assert reader.go("last") and view.at_last() and not reader.go("next") and not reader.go("next_date")
    assert view.library.headline(view.current) == XI_CALLS  # type: ignore[arg-type]
    assert reader.go("first") and view.at_first()


def test_opening_marks_read_but_moving_the_cursor_alone_does_not() -> None:
    reader = seed_reader()
    assert reader.marks.unread == 9
    reader.go("next")
    assert reader.marks.unread == 9
    changed = reader.open()
    assert changed == [reader.current] and reader.marks.unread == 8


def test_reordering_and_filtering_mark_nothing() -> None:
    reader = seed_reader()
    reader.open()
    reader.marks.set_read(reader.current, False)  # type: ignore[arg-type]
    for step in (reader.toggle_order, lambda: reader.set_filter("unread"), lambda: reader.set_filter("flagged")):
        step()
        assert reader.marks.unread == 9


def test_unread_filter_keeps_the_article_being_read_until_toggled_off() -> None:
    reader = seed_reader()
    reader.open()
    reader.go("next")
    reader.open()  # two read now, the second one is being read
    reader.set_filter("unread")
    assert reader.view.entries == 8 and reader.view.library.headline(reader.current) == SUMMIT  # type: ignore[arg-type]
    reader.go("next")
    reader.open()
    assert reader.view.entries == 8  # rows never vanish while reading under the filter
    reader.set_filter("unread")  # off
    assert reader.view.entries == 9
    reader.set_filter("unread")  # on again: now the read ones are gone, the current one stays
    assert reader.view.entries == 7


def test_flag_filter_and_reveal_drops_a_hiding_filter() -> None:
    reader = seed_reader()
    reader.go("last")
    last = reader.current
    reader.marks.set_flagged(last, True)  # type: ignore[arg-type]
    reader.go("first")
    reader.set_filter("flagged")
    assert reader.view.entries == 1 and reader.current == last
    first_article = reader.view.library.chronological()[0]
    assert reader.reveal(first_article) and reader.view.filter == "" and reader.current == first_article


def test_empty_filter_has_no_cursor() -> None:
    reader = seed_reader()
    reader.set_filter("flagged")
    assert reader.view.entries == 0 and reader.view.rows == 0 and reader.current is None
    assert not reader.go("next") and not reader.go("last") and reader.view.position == 0


def test_back_then_forward_returns_to_the_same_article() -> None:
    reader = seed_reader()
    reader.open()
    opened = [reader.current]
    for _ in range(3):
        reader.go("next")
        reader.open()
        opened.append(reader.current)
    assert reader.back().index == opened[-2] and reader.current == opened[-2]  # type: ignore[union-attr]
    assert reader.back().index == opened[-3]  # type: ignore[union-attr]
    assert reader.forward().index == opened[-2] and reader.forward().index == opened[-1]  # type: ignore[union-attr]
    assert reader.forward() is None


def test_history_walks_through_a_filter_that_hides_the_target() -> None:
    reader = seed_reader()
    reader.open()
    reader.go("next")
    reader.open()
    reader.marks.set_flagged(reader.current, True)  # type: ignore[arg-type]
    reader.set_filter("flagged")
    assert reader.back() is not None and reader.view.filter == ""


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["next", "previous", "next_date", "previous_date", "first", "last", "open", "back", "forward"]), max_size=40))
def test_back_then_forward_is_the_identity_after_any_walk(moves: list[str]) -> None:
    reader = seed_reader()
    reader.open()
    for move in moves:
        if move == "open":
            reader.open()
        elif move in ("back", "forward"):
            getattr(reader, move)()
        elif reader.go(move):
            reader.open()
    here = reader.current
    if reader.back() is not None:
        assert reader.forward().index == here and reader.current == here  # type: ignore[union-attr]


def test_date_jump_lands_on_the_nearest_listed_date() -> None:
    reader = seed_reader()
    ok, message = reader.goto_date("2024-07-04")
    assert ok and message == "Thu 4 Jul 2024" and reader.view.library.headline(reader.current) == SUMMIT  # type: ignore[arg-type]
    ok, message = reader.goto_date("2024-07-10")
    assert ok and "nearest date, Fri 5 Jul 2024" in message
    assert reader.view.current_date == date(2024, 7, 5)
    ok, message = reader.goto_date("-1d")  # counts from the article being read (5 Jul), not the clock
    assert ok and reader.view.current_date == date(2024, 7, 4)
    assert not reader.goto_date("not a date")[0]


def test_date_jump_respects_the_filter() -> None:
    reader = seed_reader()
    reader.go("last")
    reader.marks.set_flagged(reader.current, True)  # type: ignore[arg-type]
    reader.set_filter("flagged")
    ok, message = reader.goto_date("2024-07-03")
    assert ok and "nearest date, Fri 5 Jul 2024" in message


def test_hits_step_and_say_when_they_wrap() -> None:
    hits = Hits()
    assert hits.step(1) is None
    hits.replace("q", [5, 6, 7], complete=2, partial=1)
    assert hits.step(-1) == (7, False)  # N right after a search: the last hit
    assert hits.step(1) == (5, True)
    assert hits.step(1) == (6, False)
    hits.choose(7)
    assert hits.step(1) == (5, True)


def test_step_hit_tells_both_counts() -> None:
    reader = seed_reader()
    order = list(reader.library.chronological())
    reader.hits.replace("sumit begns", order[:3], complete=1, partial=2)
    index, message = reader.step_hit(1)  # type: ignore[misc]
    assert index == order[0] and message == "Match 1 of 3 (1 match all words) for 'sumit begns'"
    reader.step_hit(1)
    reader.step_hit(1)
    _, message = reader.step_hit(1)  # type: ignore[misc]
    assert message.startswith("Back at the first match")


def test_history_limit_and_forget() -> None:
    history = History(limit=3)
    for i in range(5):
        history.visit(i)
    assert history.back() == 3 and history.back() == 2 and history.back() is None
    history.forget([2])
    assert history.current == 3 or history.current is None


def test_repeats_share_marks() -> None:
    text = "04.07.2024\nSame story\nSame body\n05.07.2024\nOther\nbody\n"
    library = Library()
    library.add(parse_text(text, "a.txt"))
    library.add(parse_text(text, "b.txt"))
    reader = Reader(library)
    assert reader.marks.unread == 4
    first = reader.current
    assert sorted(reader.open()) == sorted(library.same_key(first))  # type: ignore[arg-type]
    assert reader.marks.unread == 2


def test_marks_come_from_and_go_to_the_state_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    state, _ = ReadingState.open(tmp_path / "s.sqlite3")
    reader = seed_reader(state)
    reader.open()
    reader.marks.set_flagged(reader.current, True)  # type: ignore[arg-type]
    state.close()
    state, _ = ReadingState.open(tmp_path / "s.sqlite3")
    again = seed_reader(state)
    assert again.marks.unread == 8 and again.marks.is_flagged(again.current)  # type: ignore[arg-type]


def test_library_growth_keeps_the_cursor_and_lists_new_articles_in_their_place() -> None:
    library = load_files([SEED])
    reader = Reader(library)
    reader.go("next")
    here = reader.current
    library.add(parse_text("04.07.2024\nEarly news on the 4th\nbody\n", "new.txt"))
    reader.grew()
    assert reader.current == here and reader.view.entries == 10 and reader.marks.unread == 10
    # Untimed, later in the input: the earliest story of 4 July.
    assert headlines(reader.view)[1] == "Early news on the 4th"


def test_pure_modules_never_import_textual() -> None:
    """Harlequin's import-hygiene rule: every module that must stay Textual-free, in a fresh interpreter."""
    pure = [
        "sco_reader.model", "sco_reader.loader", "sco_reader.library", "sco_reader.archive", "sco_reader.reader",
        "sco_reader.dates", "sco_reader.sanitize", "sco_reader.state", "sco_reader.search", "sco_reader.cli",
        "sco_reader.export", "sco_reader.trends", "sco_reader.days", "sco_reader.settings", "sco_reader.errors",
    ]
    code = (
        f"import importlib, sys\nfor name in {pure!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_heading_counts_stay_right_across_order_toggles() -> None:
    reader = seed_reader()
    view = reader.view
    heading_of_4th = next(g for g in range(len(view.dates())) if view.heading(g)[0] == date(2024, 7, 4))
    assert view.heading_unread(heading_of_4th) == 6
    reader.toggle_order()  # laid out (and counted) the other way
    reader.go("next_date")
    reader.go("first")
    g_newest = next(g for g in range(len(view.dates())) if view.heading(g)[0] == date(2024, 7, 4))
    view.heading_unread(g_newest)
    reader.toggle_order()
    reader.marks.mark_read(view.articles_on(date(2024, 7, 4)))
    view.marks_changed(view.articles_on(date(2024, 7, 4)))
    reader.toggle_order()
    assert view.heading_unread(g_newest) == 0  # not the count cached before the marks changed
