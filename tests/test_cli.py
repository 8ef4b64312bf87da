"""The command line as a user runs it: real subprocesses, exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sco_reader import __version__

from .conftest import ROOT, SEED, SEED_HEADLINES


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sco_reader", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=60,
    )


def test_json_document_shape() -> None:
    result = run("--json", "--no-state")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"articles", "bulletins", "diagnostics"}
    assert [a["headline"] for a in document["articles"]] == SEED_HEADLINES
    first = document["articles"][0]
    assert set(first) == {"id", "date", "time", "headline", "paragraphs", "source", "line"}
    assert (first["date"], first["time"], first["line"]) == ("2024-07-04", "13:49", 2)
    assert document["bulletins"] == [{"source": first["source"], "date": "2024-07-06", "ref": "6031", "articles": 9}]
    assert document["diagnostics"] == []


def test_json_with_state_has_read_and_flagged(tmp_path: Path) -> None:
    document = json.loads(run("--json", "--state", str(tmp_path / "s.db")).stdout)
    assert all(a["read"] is False and a["flagged"] is False for a in document["articles"])


def test_json_is_identical_for_every_variant(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    (tmp_path / "crlf.txt").write_bytes(text.replace("\n", "\r\n").encode())
    (tmp_path / "bom.txt").write_bytes(("\ufeff" + text).encode())
    (tmp_path / "blank.txt").write_text("\n\n" + text.replace("\n", "\n\n"), encoding="utf-8")
    (tmp_path / "trailing.txt").write_text(text.replace("\n", "   \n"), encoding="utf-8")
    (tmp_path / "noheader.txt").write_text("04.07.2024, 13:49\n" + text.split("\n", 1)[1], encoding="utf-8")
    expected = [
        {k: v for k, v in a.items() if k not in ("source", "line")}
        for a in json.loads(run("--json", "--no-state", str(SEED)).stdout)["articles"]
    ]
    for path in sorted(tmp_path.iterdir()):
        got = json.loads(run("--json", "--no-state", str(path)).stdout)["articles"]
        assert [{k: v for k, v in a.items() if k not in ("source", "line")} for a in got] == expected, path.name


def test_list_is_chronological() -> None:
    result = run("--list", "--no-state")
    lines = result.stdout.splitlines()
    assert len(lines) == 9
    assert lines[0].endswith("2024-07-03        Head of State Tokayev, Russian President Putin hold talks in Astana")
    assert "2024-07-04 13:49  President Tokayev sums up" in lines[6]
    dates = [line.split()[0] for line in lines]
    assert dates == sorted(dates)


def test_search_ranks_and_exits_1_on_no_match() -> None:
    result = run("--search", "belarus", "--no-state")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].endswith("Belarus officially joins SCO, becoming its 10th member state")
    missing = run("--search", "zzqxwv", "--no-state")
    assert missing.returncode == 1 and missing.stdout == "" and "no match" in missing.stderr


def test_json_search_lists_matches_in_rank_order() -> None:
    document = json.loads(run("--json", "--search", "yermekbayev", "--limit", "1", "--no-state").stdout)
    assert [a["headline"] for a in document["articles"]] == ["Nurlan Yermekbayev appointed Secretary General of the SCO"]


def test_check_prints_diagnostics_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_text("Undated first\nbody\n31.02.2024\nImpossible\n", encoding="utf-8")
    result = run("--check", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}:1: warning: article has no date (no header or dateline before it)",
        f"{path}:3: warning: impossible date 31.02.2024; the article is undated",
    ]
    clean = run("--check")
    assert clean.returncode == 0 and clean.stdout == ""


def _file(name: str, content: bytes):  # type: ignore[no-untyped-def]
    def make(directory: Path) -> Path:
        path = directory / name
        path.write_bytes(content)
        return path

    return make


def _empty_dir(directory: Path) -> Path:
    (directory / "empty").mkdir()
    return directory / "empty"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda d: d / "missing.txt", "missing.txt: no such file or directory"),
        (_empty_dir, "no bulletins (*.txt files) in this directory"),
        (_file("e.txt", b""), "e.txt: empty file"),
        (_file("n.txt", b"04.07.2024\n"), "n.txt: no articles found"),
        (_file("b.txt", b"\x7fELF\x02\x01\x01\x00\x00"), "b.txt: binary file"),
        (_file("u.txt", "04.07.2024\nТокаев\n".encode("cp1251")), "u.txt:2:1: not valid utf-8 (byte 0xd2); try --encoding"),
    ],
    ids=["missing", "empty-dir", "empty-file", "no-articles", "binary", "undecodable"],
)
@pytest.mark.parametrize("mode", [[], ["--json"], ["--list"], ["--check"]], ids=["tui", "json", "list", "check"])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, setup, expected: str, mode: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = setup(tmp_path)
    result = run(*mode, str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert expected in result.stderr and result.stderr.startswith("sco-reader: ")


def test_usage_errors_are_one_line_and_exit_2() -> None:
    for args in (["--bogus"], ["--limit", "0", "--search", "x"], ["--encoding", "klingon"], ["--list", "--json"]):
        result = run(*args)
        assert result.returncode == 2, args
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, args


def test_encoding_option_reads_other_encodings(tmp_path: Path) -> None:
    path = tmp_path / "cp.txt"
    path.write_bytes("04.07.2024\nТокаев и Путин\n".encode("cp1251"))
    result = run("--list", "--no-state", "--encoding", "cp1251", str(path))
    assert result.returncode == 0 and "Токаев и Путин" in result.stdout


def test_directories_and_argument_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.txt").write_text("01.01.2020\nB-one\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("02.01.2020\nA-one\n", encoding="utf-8")
    document = json.loads(run("--json", "--no-state", str(tmp_path / "b"), str(tmp_path / "a.txt")).stdout)
    assert [a["headline"] for a in document["articles"]] == ["B-one", "A-one"]


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"sco-reader {__version__}"
    help_text = run("--help").stdout
    assert "examples:" in help_text and "--search" in help_text and "exit status" in help_text


def test_bundled_seed_works_from_any_directory(tmp_path: Path) -> None:
    result = run("--list", "--no-state", cwd=tmp_path)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 9


def test_control_characters_reported_by_check(tmp_path: Path) -> None:
    path = tmp_path / "esc.txt"
    path.write_text("04.07.2024\nTitle\x1b]0;pwned\x07\n", encoding="utf-8")
    result = run("--check", str(path))
    assert result.stdout == f"{path}:2: warning: removed 2 control characters\n"
    listing = run("--list", "--no-state", str(path))
    assert "\x1b" not in listing.stdout and "Title]0;pwned" in listing.stdout


def test_list_streams_to_a_closed_pipe_without_traceback(tmp_path: Path) -> None:
    for day in range(1, 29):
        (tmp_path / f"{day:02d}.txt").write_text(
            "".join(f"{day:02d}.02.2024\nStory {n}\nBody\n" for n in range(200)), encoding="utf-8"
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "sco_reader", "--list", "--no-state", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert b"Traceback" not in err
    assert process.returncode in (0, 141)


def test_non_utf8_file_names_give_valid_json(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"bad\xff.txt")
    with open(raw, "wb") as stream:
        stream.write(b"04.07.2024\nHeadline\n")
    result = subprocess.run(
        [sys.executable, "-m", "sco_reader", "--json", "--no-state", str(tmp_path)],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8:strict"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout.decode("utf-8"))
    assert document["articles"][0]["source"].endswith("bad\ufffd.txt")


def test_non_text_encoding_is_a_usage_error() -> None:
    result = run("--encoding", "rot13", "--list")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "not a text encoding" in result.stderr
