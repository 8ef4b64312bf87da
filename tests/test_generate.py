"""The benchmark archive generator writes bulletins the loader reads back exactly."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import generate_articles, write_archive  # noqa: E402
from sco_reader.loader import load_library  # noqa: E402


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.txt"))}


@pytest.mark.parametrize(("n", "per_day"), [(200, 30), (7, 3), (1, 30)])
def test_archive_loads_to_exactly_the_generated_articles(tmp_path: Path, n: int, per_day: int) -> None:
    paths = write_archive(tmp_path, n, seed=3, per_day=per_day)
    expected = generate_articles(n, seed=3, per_day=per_day)

    library = load_library([tmp_path])

    assert library.diagnostics == []
    assert len(paths) == -(-n // per_day)
    assert len(library.bulletins) == len(paths)
    assert all(b.header for b in library.bulletins)
    assert [b.date for b in library.bulletins] == sorted({a.bulletin for a in expected})
    assert len(library.articles) == n
    got = [(a.date, a.time, a.headline, a.paragraphs) for a in library.articles]
    want = [(a.date, a.time, a.headline, a.paragraphs) for a in expected]
    assert got == want
    assert len({a.id for a in library.articles}) == n  # no repeats, so no "~2" ids


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_archive(first, 200, seed=0)
    write_archive(second, 200, seed=0)
    assert _files(first) == _files(second)
    assert generate_articles(200) == generate_articles(200)
    assert generate_articles(200, seed=1) != generate_articles(200)


def test_archive_shape_is_realistic(tmp_path: Path) -> None:
    articles = generate_articles(600)
    paths = write_archive(tmp_path, 600)
    assert len(paths) == 20
    assert paths[0].relative_to(tmp_path).parts == ("2016", "01", "2016-01-01.txt")
    # About 570 bytes an article, like the reference archive (57 MB / 100k articles).
    size = sum(p.stat().st_size for p in paths)
    assert 480 * 600 < size < 640 * 600
    assert any(a.time is None for a in articles) and any(a.time for a in articles)
    assert any(p.startswith("- ") for a in articles for p in a.paragraphs)
    assert any("\u0400" <= a.headline[0] <= "\u04ff" for a in articles)  # some Cyrillic stories
    assert all(6 <= len(a.paragraphs) <= 16 or "\u0400" <= a.headline[0] <= "\u04ff" for a in articles)
    assert len({a.headline for a in articles}) > 500


def test_cached_archive_is_made_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.generate as generate

    monkeypatch.setattr(generate, "ARCHIVES", tmp_path)
    root = generate.archive(40, per_day=10)
    assert root == tmp_path / "40-s0-d10"
    first = _files(root)
    assert len(first) == 4 and (root / "MANIFEST.json").is_file()
    stamp = (root / "MANIFEST.json").stat().st_mtime_ns
    assert generate.archive(40, per_day=10) == root
    assert (root / "MANIFEST.json").stat().st_mtime_ns == stamp  # reused, not rewritten
    assert [p.name for p in tmp_path.iterdir()] == ["40-s0-d10"]  # no staging directory left behind
    assert len(load_library([root]).articles) == 40
