"""Measure candidate stores for a persistent search index, to choose one by numbers.

    python bench/store_choice.py --archive /work/archives/100000 [--archive DIR ...]
                                 [--candidates ours,fts5-trigram,fts5-vocab,tantivy,mmap]
                                 [--no-probes] [--out bench/results/store_choice]

Candidates (each answers the same queries, in its best approximation of the README's semantics):

* ``ours`` — :class:`sco_reader.search.SearchEngine` in memory (the baseline: rebuilt at every launch);
* ``fts5-trigram`` — SQLite FTS5, ``trigram`` tokenizer over the normalised headline and body
  (substring search; no typos);
* ``fts5-vocab`` — SQLite FTS5, ``unicode61 remove_diacritics 2`` (prefix index 1–3) plus an
  ``fts5vocab`` table: query words are resolved against the vocabulary the way our engine does
  (prefix, one-edit and transposition variants looked up, two-edit for long words), postings by
  ``MATCH`` with column filters, ranked by ``bm25()`` in tiers (exact/prefix before typos);
* ``tantivy`` — the tantivy library (Rust): pre-normalised text, fuzzy term queries (distance 1,
  transpositions, prefix), phrases, regex infixes and anchors, y/m/d fields for ``@date``;
* ``mmap`` — a sketch of our own format: sorted vocabulary + CSR postings (``array('I')``) in one
  memory-mapped file; measures open time and the time to resolve the query words and read their
  postings (no ranking: the real engine on this format is being written elsewhere).

Every candidate is built and queried in fresh processes: build (load the archive with
``load_library`` once, build, write), cold open (a new process opens the store and answers one
query), keystrokes (the queries of ``bench/bench_search.py`` typed one character at a time, limit
50), relevance (``tests/relevance``: the 3,000-article synthetic archive and its 65 queries, hit@1 /
hit@3 at limit 10, as ``tests/test_search.py`` scores them), peak RSS of each process. Probes: one
file's articles replaced in place (incremental update), a corrupted and a truncated store opened
and queried, a second writer while one holds the store. Without ``--no-probes`` they run too.

Candidates whose package is missing (``tantivy``) are skipped with a line saying so. The script
prints markdown tables, writes ``OUT.json`` and replaces the table block between
``<!-- store:start -->`` and ``<!-- store:end -->`` in ``OUT.md`` (the prose around it is kept).
The OS page cache is warm in "cold open": a fresh process, not a fresh boot.
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import math
import mmap
import os
import re
import resource
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from array import array
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_search import keystrokes, percentile  # noqa: E402
from sco_reader.dates import DateSpec  # noqa: E402
from sco_reader.loader import load_library  # noqa: E402
from sco_reader.model import Article  # noqa: E402
from sco_reader.search import (  # noqa: E402
    _EDGE,
    _WORD,
    Query,
    SearchEngine,
    Term,
    _words,
    normalise,
    parse_query,
    tokenise,
)

LIMIT = 50
"""Hits asked for per keystroke (as ``bench_search.py``)."""
RELEVANCE_LIMIT = 10
"""Hits looked at per relevance query (as ``tests/test_search.py``)."""
COLD_QUERY = "putin tokayev"
"""The one query the cold-open process answers."""
HEAD_WEIGHT = 2.5
"""bm25 column weight of the headline against 1.0 for the body (our body match is worth 0.4)."""
ASCII_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
CYRILLIC_ALPHABET = "абвгдежзиклмнопрстуфхцчшщъыьэюя0123456789"
"""Letters substituted/inserted for one-edit variants (normalised text has no ё, й or Kazakh letters)."""
CANDIDATES = ("ours", "fts5-trigram", "fts5-vocab", "tantivy", "mmap")

# --------------------------------------------------------------------------- shared helpers


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def size_on_disk(path: Path) -> int:
    """Bytes of a file or of every file below a directory."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass(frozen=True, slots=True)
class Prepared:
    """One article as every store indexes it (our normalisation and tokens)."""

    head: str
    """Normalised headline."""
    head_tokens: list[str]
    """Our headline tokens: words, then glued hyphenated wholes."""
    anchor: str
    """Normalised headline without leading/trailing punctuation (for ``^`` and ``$``)."""
    body: str
    """Normalised body, paragraphs joined by newlines."""


def prepare(article: Article) -> Prepared:
    """Normalise and tokenise one article the way ``sco_reader.search`` does."""
    head = normalise(article.headline)
    return Prepared(head, tokenise(head), _EDGE.sub("", head), normalise("\n".join(article.paragraphs)))


def like_pattern(text: str, kind: str) -> str:
    """A LIKE pattern (escape ``\\``) for ``text`` as a substring, prefix, suffix or whole."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {"sub": f"%{escaped}%", "prefix": f"{escaped}%", "suffix": f"%{escaped}", "equal": escaped}[kind]


def fts_string(text: str) -> str:
    """``text`` as an FTS5 string literal."""
    return '"' + text.replace('"', '""') + '"'


def alphabet_for(word: str) -> str:
    """Characters tried when generating one-edit variants of ``word``."""
    return ASCII_ALPHABET if word.isascii() else CYRILLIC_ALPHABET


def one_edit_variants(word: str) -> dict[str, int]:
    """Substitutions, insertions (not at the end), deletions and transpositions of ``word``,
    each with the length of the prefix it stands for (as ``SearchEngine._resolve_typos``)."""
    n = len(word)
    variants: dict[str, int] = {}
    alphabet = alphabet_for(word)
    for i in range(n):
        head, tail = word[:i], word[i + 1 :]
        for char in alphabet:
            if char != word[i]:
                variants[head + char + tail] = n
                variants[head + char + word[i:]] = n + 1
        variants.setdefault(head + tail, n - 1)
        if i + 1 < n and word[i] != word[i + 1]:
            variants[head + word[i + 1] + word[i] + word[i + 2 :]] = n
    variants.pop(word, None)
    return variants


def fuzzy_groups(query: Query) -> list[int]:
    """Indexes of the OR-groups holding a plain (fuzzy) word: the ones a partial tier relaxes."""
    return [i for i, g in enumerate(query.groups) if any(t.kind == "fuzzy" for t in g)]


# --------------------------------------------------------------------------- candidate interface


class Store:
    """One candidate: how to build it, open it and search it."""

    name = ""
    needs: str | None = None
    """Module that must be importable, else the candidate is skipped."""
    persistent = True
    path_is_dir = False

    def build(self, articles: Sequence[Article], path: Path) -> dict[str, float]:
        """Build the store at ``path``; extra timings (seconds) worth reporting."""
        raise NotImplementedError

    def open(self, path: Path, articles: Sequence[Article] | None = None) -> "Opened":
        raise NotImplementedError

    def replace_file(self, path: Path, articles: Sequence[Article], first: int) -> float:
        """Replace the articles ``articles[first:]`` (one file) in place; seconds taken."""
        raise NotImplementedError


class Opened:
    """An open store."""

    def search(self, query: str, limit: int) -> list[int]:
        """Article indexes, best first."""
        raise NotImplementedError

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- 1. ours


class Ours(Store):
    name = "ours"
    persistent = False

    def build(self, articles: Sequence[Article], path: Path) -> dict[str, float]:
        start = time.perf_counter()
        engine = SearchEngine(articles)
        headlines = time.perf_counter() - start
        engine.index_pending()
        bodies = time.perf_counter() - start - headlines
        self.engine = engine
        return {"headline_index_s": headlines, "body_index_s": bodies}

    def open(self, path: Path, articles: Sequence[Article] | None = None) -> Opened:
        assert articles is not None
        engine = SearchEngine(articles)
        engine.index_pending()
        return OursOpened(engine)


class OursOpened(Opened):
    def __init__(self, engine: SearchEngine) -> None:
        self.engine = engine

    def search(self, query: str, limit: int) -> list[int]:
        return [h.index for h in self.engine.search(query, limit)]


# --------------------------------------------------------------------------- 2. and 3. SQLite FTS5


class SqliteStore(Store):
    """FTS5 over the normalised text, contentless, plus a ``meta`` table (date, file, anchor)."""

    tokenize = ""
    options = ""

    def columns(self, p: Prepared) -> tuple[str, str]:
        raise NotImplementedError

    def rows(self, articles: Sequence[Article], first: int = 0) -> Iterator[tuple[Any, ...]]:
        for i, article in enumerate(articles[first:], start=first):
            p = prepare(article)
            when = article.date
            head, body = self.columns(p)
            yield (i, when and when.year, when and when.month, when and when.day, article.time or "", article.source, p.anchor, head, body)

    def schema(self, db: sqlite3.Connection) -> None:
        db.executescript(
            f"""
            CREATE TABLE meta(id INTEGER PRIMARY KEY, y INT, m INT, d INT, t TEXT, src TEXT, anchor TEXT);
            CREATE INDEX meta_src ON meta(src);
            CREATE VIRTUAL TABLE fts USING fts5(head, body, content='', tokenize='{self.tokenize}'{self.options});
            """
        )

    def insert(self, db: sqlite3.Connection, rows: Iterable[tuple[Any, ...]]) -> None:
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 2000:
                self._flush(db, batch)
                batch = []
        self._flush(db, batch)

    @staticmethod
    def _flush(db: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> None:
        db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?)", [r[:7] for r in batch])
        db.executemany("INSERT INTO fts(rowid, head, body) VALUES (?, ?, ?)", [(r[0], r[7], r[8]) for r in batch])

    def build(self, articles: Sequence[Article], path: Path) -> dict[str, float]:
        db = sqlite3.connect(path)
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        self.schema(db)
        start = time.perf_counter()
        with db:
            self.insert(db, self.rows(articles))
        inserted = time.perf_counter() - start
        db.execute("INSERT INTO fts(fts) VALUES('optimize')")
        db.commit()
        optimised = time.perf_counter() - start - inserted
        db.executescript("PRAGMA journal_mode=WAL;")
        db.close()
        return {"insert_s": inserted, "optimize_s": optimised}

    def replace_file(self, path: Path, articles: Sequence[Article], first: int) -> float:
        db = sqlite3.connect(path)
        start = time.perf_counter()
        with db:
            old = list(self.rows(articles, first))
            # Contentless FTS5 on SQLite 3.40 deletes only by giving back the indexed values
            # (contentless_delete=1 needs 3.43): the old text must be kept somewhere.
            db.executemany("INSERT INTO fts(fts, rowid, head, body) VALUES('delete', ?, ?, ?)", [(r[0], r[7], r[8]) for r in old])
            db.execute("DELETE FROM meta WHERE src = ?", (articles[first].source,))
            self.insert(db, old)
        elapsed = time.perf_counter() - start
        db.close()
        return elapsed


class SqliteOpened(Opened):
    """The query side shared by both FTS5 candidates: terms → MATCH expressions or LIKE conditions."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.db.execute("PRAGMA query_only=1")

    def close(self) -> None:
        self.db.close()

    # -- per candidate
    def expr(self, term: Term) -> tuple[str, str] | None:
        """``(strict, full)`` MATCH expressions for a positive term, or ``None`` when it
        cannot be put to FTS (then a LIKE on the headline stands in)."""
        raise NotImplementedError

    def exclusion(self, term: Term) -> str | None:
        raise NotImplementedError

    # -- shared
    def like(self, term: Term) -> str:
        kind = {"fuzzy": "sub", "exact": "sub"}.get(term.kind, term.kind)
        return like_pattern(term.text, kind)

    def search(self, query: str, limit: int) -> list[int]:
        parsed = parse_query(query)
        if parsed.empty:
            return []
        conds: list[str] = []
        params: list[Any] = []
        for spec in parsed.dates:
            for column, value in (("y", spec.year), ("m", spec.month), ("d", spec.day)):
                if value is not None:
                    conds.append(f"meta.{column} = ?")
                    params.append(value)
        for term in parsed.exclude:
            match = self.exclusion(term)
            if match is not None:
                conds.append("meta.id NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
                params.append(match)
            else:
                conds.append("meta.anchor NOT LIKE ? ESCAPE '\\'")
                params.append(self.like(term))
        strict: list[str] = []
        full: list[str] = []
        fuzzy_full: list[str] = []
        fuzzy = set(fuzzy_groups(parsed))
        for g, group in enumerate(parsed.groups):
            exprs = [self.expr(t) for t in group]
            if all(e is not None for e in exprs):
                strict.append(" OR ".join(f"({e[0]})" for e in exprs if e))
                full.append(" OR ".join(f"({e[1]})" for e in exprs if e))
                if g in fuzzy:
                    fuzzy_full.append(full[-1])
            else:  # a short word or an anchor: the headline's text, scanned
                conds.append("(" + " OR ".join("meta.anchor LIKE ? ESCAPE '\\'" for _ in group) + ")")
                params.extend(self.like(t) for t in group)
                fuzzy.discard(g)
        where = "".join(f" AND {c}" for c in conds)
        if not strict:
            order = "meta.y, meta.m, meta.d, meta.t, meta.id" if not parsed.groups else "meta.id"
            sql = f"SELECT meta.id FROM meta WHERE 1{where} ORDER BY {order} LIMIT ?"
            return [r[0] for r in self.db.execute(sql, (*params, limit))]
        sql = (
            f"SELECT meta.id FROM fts JOIN meta ON meta.id = fts.rowid WHERE fts MATCH ?{where} "
            f"ORDER BY bm25(fts, {HEAD_WEIGHT}, 1.0) LIMIT ?"
        )
        found: list[int] = []
        seen: set[int] = set()
        tiers = [" AND ".join(f"({e})" for e in strict)]
        if full != strict:
            tiers.append(" AND ".join(f"({e})" for e in full))
        if len(fuzzy_full) > 1:  # articles missing a plain word, after those that have them all
            others = [e for e in full if e not in fuzzy_full]
            tiers.append(" AND ".join([f"({' OR '.join(f'({e})' for e in fuzzy_full)})"] + [f"({e})" for e in others]))
        for match in tiers:
            for (a,) in self.db.execute(sql, (match, *params, limit)):
                if a not in seen:
                    seen.add(a)
                    found.append(a)
            if len(found) >= limit:
                break
        return found[:limit]


class Trigram(SqliteStore):
    name = "fts5-trigram"
    tokenize = "trigram"

    def columns(self, p: Prepared) -> tuple[str, str]:
        return p.head, p.body

    def open(self, path: Path, articles: Sequence[Article] | None = None) -> Opened:
        return TrigramOpened(path)


class TrigramOpened(SqliteOpened):
    def expr(self, term: Term) -> tuple[str, str] | None:
        if term.kind not in ("fuzzy", "exact") or len(term.text) < 3:
            return None  # trigram MATCH needs 3+ characters; anchors are LIKEs
        match = fts_string(term.text)
        return match, match

    def exclusion(self, term: Term) -> str | None:
        return fts_string(term.text) if term.kind == "exact" and len(term.text) >= 3 else None


class Vocab(SqliteStore):
    name = "fts5-vocab"
    tokenize = "unicode61 remove_diacritics 2"
    options = ", prefix='1 2 3'"

    def columns(self, p: Prepared) -> tuple[str, str]:
        return " ".join(p.head_tokens), p.body

    def schema(self, db: sqlite3.Connection) -> None:
        super().schema(db)
        db.execute("CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, 'row')")

    def open(self, path: Path, articles: Sequence[Article] | None = None) -> Opened:
        return VocabOpened(path)


class VocabOpened(SqliteOpened):
    """Query words resolved against ``fts5vocab`` in Python, the way our engine resolves them."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._resolve = lru_cache(maxsize=256)(self._resolve_uncached)

    def _has_prefix(self, prefix: str) -> str | None:
        row = self.db.execute(
            "SELECT term FROM vocab WHERE term >= ? AND term < ? LIMIT 1", (prefix, prefix + "\U0010ffff")
        ).fetchone()
        return row[0] if row else None

    def _resolve_uncached(self, word: str) -> tuple[bool, tuple[str, ...]]:
        """Whether ``word`` is a token or a prefix of one, and the MATCH pieces its typos add."""
        n = len(word)
        strict = self._has_prefix(word) is not None
        extra: list[str] = []
        if n >= 4:
            variants = one_edit_variants(word)
            marks = ",".join("?" * len(variants))
            whole = {r[0] for r in self.db.execute(f"SELECT term FROM vocab WHERE term IN ({marks})", tuple(variants))}
            extra.extend(fts_string(v) for v in sorted(whole))
            if n >= 5:
                for variant, length in variants.items():
                    if length >= n or n >= 6:
                        token = self._has_prefix(variant)
                        if token is not None and (token != variant or self._has_prefix(variant + "\x01")):
                            extra.append(fts_string(variant) + "*")
            if n >= 8:
                from rapidfuzz import process
                from rapidfuzz.distance import OSA

                choices = [r[0] for r in self.db.execute(
                    "SELECT term FROM vocab WHERE term >= ? AND term < ?", (word[0], word[0] + "\U0010ffff"))]
                for token, distance, _ in process.extract(word, choices, scorer=OSA.distance, score_cutoff=2, limit=None):
                    if distance == 2:
                        extra.append(fts_string(token))
        return strict, tuple(dict.fromkeys(extra))

    def _part(self, word: str) -> tuple[str, str]:
        if len(word) <= 2:  # prefixes in headlines, whole words in bodies (our rule)
            match = f"(head : {fts_string(word)}*) OR (body : {fts_string(word)})"
            return match, match
        strict, extra = self._resolve(word)
        base = fts_string(word) + "*"
        full = " OR ".join([base, *extra])
        return (base if strict else full), full

    def expr(self, term: Term) -> tuple[str, str] | None:
        if term.kind == "fuzzy":
            pieces = [self._part(p) for p in term.parts]
            return " AND ".join(f"({s})" for s, _ in pieces), " AND ".join(f"({f})" for _, f in pieces)
        if term.kind == "exact":
            if len(term.parts) == 1:  # our ``'word`` is a substring of tokens: a prefix here
                match = fts_string(term.parts[0]) + ("*" if len(term.parts[0]) >= 3 else "")
            else:
                match = fts_string(" ".join(term.parts))  # a phrase of tokens
            return match, match
        return None

    def exclusion(self, term: Term) -> str | None:
        if term.kind != "exact":
            return None
        return fts_string(" ".join(term.parts)) + ("*" if len(term.parts[-1]) >= 3 else "")


# --------------------------------------------------------------------------- 4. tantivy

_REGEX_META = set("\\.+*?()|[]{}^$#&-~")


def regex_escape(text: str) -> str:
    """``text`` as a literal for tantivy's (Rust) regex syntax."""
    return "".join("\\" + c if c in _REGEX_META else c for c in text)


class Tantivy(Store):
    name = "tantivy"
    needs = "tantivy"
    path_is_dir = True

    @staticmethod
    def schema():  # type: ignore[no-untyped-def]
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_unsigned_field("idx", indexed=True, fast=True)
        builder.add_unsigned_field("ord", fast=True)
        builder.add_unsigned_field("y", indexed=True)
        builder.add_unsigned_field("m", indexed=True)
        builder.add_unsigned_field("d", indexed=True)
        builder.add_text_field("src", tokenizer_name="raw", index_option="basic")
        builder.add_text_field("head", tokenizer_name="whitespace", index_option="position")
        builder.add_text_field("body", tokenizer_name="whitespace", index_option="position")
        builder.add_text_field("anchor", tokenizer_name="raw", index_option="basic")
        return builder.build()

    @staticmethod
    def documents(articles: Sequence[Article], first: int = 0) -> Iterator[Any]:
        import tantivy

        order = sorted(range(len(articles)), key=lambda i: (articles[i].date is None, articles[i].date or date.min, articles[i].time or "", i))
        rank = [0] * len(articles)
        for position, i in enumerate(order):
            rank[i] = position
        for i in range(first, len(articles)):
            article = articles[i]
            p = prepare(article)
            doc = tantivy.Document()
            doc.add_unsigned("idx", i)
            doc.add_unsigned("ord", rank[i])
            if article.date is not None:
                doc.add_unsigned("y", article.date.year)
                doc.add_unsigned("m", article.date.month)
                doc.add_unsigned("d", article.date.day)
            doc.add_text("src", article.source)
            doc.add_text("head", " ".join(p.head_tokens))
            doc.add_text("body", " ".join(_words(p.body)))
            doc.add_text("anchor", p.anchor)
            yield doc

    def build(self, articles: Sequence[Article], path: Path) -> dict[str, float]:
        import tantivy

        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self.schema(), str(path))
        # One indexing thread: documents keep input order inside a segment, so equal scores
        # tie-break the same way at every build (with two threads, hit@3 moved between builds).
        writer = index.writer(heap_size=256_000_000, num_threads=1)
        start = time.perf_counter()
        for doc in self.documents(articles):
            writer.add_document(doc)
        added = time.perf_counter() - start
        writer.commit()
        writer.wait_merging_threads()
        committed = time.perf_counter() - start - added
        index.reload()
        return {"add_s": added, "commit_merge_s": committed, "segments": float(index.searcher().num_segments)}

    def open(self, path: Path, articles: Sequence[Article] | None = None) -> Opened:
        return TantivyOpened(path)

    def replace_file(self, path: Path, articles: Sequence[Article], first: int) -> float:
        import tantivy

        index = tantivy.Index.open(str(path))
        start = time.perf_counter()
        writer = index.writer(heap_size=50_000_000, num_threads=1)
        writer.delete_documents_by_term("src", articles[first].source)
        for doc in self.documents(articles, first):
            writer.add_document(doc)
        writer.commit()
        elapsed = time.perf_counter() - start
        writer.wait_merging_threads()
        return elapsed


class TantivyOpened(Opened):
    """Our query syntax translated to tantivy queries; match quality as constant scores."""

    def __init__(self, path: Path) -> None:
        import tantivy

        self.t = tantivy
        self.index = tantivy.Index.open(str(path))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        self.total = self.searcher.num_docs

    def _const(self, query: Any, score: float) -> Any:
        return self.t.Query.const_score_query(query, score)

    def _alternatives(self, field: str, word: str) -> Any:
        """Dismax of the ways ``word`` matches a token of ``field``, scored like our qualities."""
        Q = self.t.Query
        s = self.schema
        n = len(word)
        alts = [self._const(Q.term_query(s, field, word), 1.0)]
        if field == "head" or n >= 3:
            alts.append(self._const(Q.fuzzy_term_query(s, field, word, 0, True, True), 0.8))
        if n >= 4:
            alts.append(self._const(Q.fuzzy_term_query(s, field, word, 1, True, False), 0.7))
        if n >= 5:
            alts.append(self._const(Q.fuzzy_term_query(s, field, word, 1, True, True), 0.6))
        if n >= 8:
            alts.append(self._const(Q.fuzzy_term_query(s, field, word, 2, True, False), 0.55))
        if n >= 4 and field == "head":
            alts.append(self._const(Q.regex_query(s, field, ".*" + regex_escape(word) + ".*"), 0.45))
        return Q.disjunction_max_query(alts) if len(alts) > 1 else alts[0]

    def _weight(self, word: str) -> float:
        df = self.searcher.doc_freq("head", word) + self.searcher.doc_freq("body", word)
        return 1.0 + math.log((self.total + 1) / (min(df, self.total) + 1))

    def _both(self, head: Any, body: Any) -> Any:
        Q = self.t.Query
        return Q.disjunction_max_query([head, Q.boost_query(body, 0.4)], 0.125)

    def _term(self, term: Term) -> Any:
        Q = self.t.Query
        s = self.schema
        Occur = self.t.Occur
        if term.kind == "fuzzy":
            parts = [Q.boost_query(self._both(self._alternatives("head", p), self._alternatives("body", p)), self._weight(p) / len(term.parts)) for p in term.parts]
            return parts[0] if len(parts) == 1 else Q.boolean_query([(Occur.Must, q) for q in parts])
        if term.kind == "exact":
            if len(term.parts) == 1 and len(term.text) >= 3 and term.text == term.parts[0]:
                pattern = ".*" + regex_escape(term.text) + ".*"
                return self._both(self._const(Q.regex_query(s, "head", pattern), 1.0), self._const(Q.regex_query(s, "body", pattern), 1.0))
            words = list(term.parts)
            if len(words) == 1:
                return self._both(self._const(Q.term_query(s, "head", words[0]), 1.0), self._const(Q.term_query(s, "body", words[0]), 1.0))
            return self._both(self._const(Q.phrase_query(s, "head", words), 1.0), self._const(Q.phrase_query(s, "body", words), 1.0))
        text = regex_escape(term.text)
        if term.kind == "prefix":
            return self._const(Q.regex_query(s, "anchor", text + ".*"), 1.0)
        if term.kind == "suffix":
            return self._const(Q.regex_query(s, "anchor", ".*" + text), 1.0)
        return self._const(Q.term_query(s, "anchor", term.text), 1.0)

    def search(self, query: str, limit: int) -> list[int]:
        Q = self.t.Query
        Occur = self.t.Occur
        s = self.schema
        parsed = parse_query(query)
        if parsed.empty:
            return []
        filters: list[tuple[Any, Any]] = []
        for spec in parsed.dates:
            for field, value in (("y", spec.year), ("m", spec.month), ("d", spec.day)):
                if value is not None:
                    filters.append((Occur.Must, Q.term_query(s, field, value)))
        for term in parsed.exclude:
            filters.append((Occur.MustNot, self._term(term)))
        if not parsed.groups:
            query_ = Q.boolean_query([(Occur.Must, Q.all_query()), *filters])
            hits = self.searcher.search(query_, limit, count=False, order_by_field="ord", order=self.t.Order.Asc).hits
            return self._indexes(hits)
        groups = []
        for group in parsed.groups:
            terms = [self._term(t) for t in group]
            groups.append(terms[0] if len(terms) == 1 else Q.boolean_query([(Occur.Should, t) for t in terms]))
        bonus = []
        words = [g[0].parts[0] for g in parsed.groups if len(g) == 1 and g[0].kind == "fuzzy" and len(g[0].parts) == 1]
        for a, b in zip(words, words[1:]):  # our phrase bonus, for exact tokens only
            bonus.append((Occur.Should, self._const(Q.phrase_query(s, "head", [a, b]), 0.3)))
        tiers = [Q.boolean_query([*((Occur.Must, g) for g in groups), *filters, *bonus])]
        fuzzy = fuzzy_groups(parsed)
        if len(fuzzy) > 1:
            others = [(Occur.Must, g) for i, g in enumerate(groups) if i not in fuzzy]
            relaxed = Q.boolean_query([(Occur.Should, groups[i]) for i in fuzzy], len(fuzzy) - 1)
            tiers.append(Q.boolean_query([(Occur.Must, relaxed), *others, *filters, *bonus]))
        found: list[int] = []
        seen: set[int] = set()
        for tier in tiers:
            for a in self._indexes(self.searcher.search(tier, limit, count=False).hits):
                if a not in seen:
                    seen.add(a)
                    found.append(a)
            if len(found) >= limit:
                break
        return found[:limit]

    def _indexes(self, hits: list[tuple[Any, Any]]) -> list[int]:
        if not hits:
            return []
        return [int(v) for v in self.searcher.fast_field_values("idx", [address for _, address in hits])]


# --------------------------------------------------------------------------- 5. our own memory-mapped format

MAGIC = b"SCOIDX01"
HEADER = struct.Struct("<8sIIIIQQQQQQQQI")
"""magic, articles, tokens, head postings, body postings, then 8 section offsets: vocabulary
blob, token starts, head offsets, head postings, body offsets, body postings, end, unused; crc32."""


class Mmap(Store):
    """Sorted vocabulary (one UTF-8 blob + starts), CSR postings for headlines and bodies."""

    name = "mmap"

    def build(self, articles: Sequence[Article], path: Path) -> dict[str, float]:
        start = time.perf_counter()
        engine = SearchEngine(articles)
        engine.index_pending()
        engine.search("a", 1)  # brings the vocabulary helpers up to date
        indexed = time.perf_counter() - start
        write_mmap(engine, path)
        return {"engine_index_s": indexed, "write_s": time.perf_counter() - start - indexed}

    def open(self, path: Path, articles: Sequence[Article] | None = None) -> Opened:
        return MmapOpened(path)

    def replace_file(self, path: Path, articles: Sequence[Article], first: int) -> float:
        """A new segment for the file (the real format: one file per segment + a tombstone list)."""
        start = time.perf_counter()
        write_mmap(SearchEngine(articles[first:]), path.with_suffix(".seg1"))
        return time.perf_counter() - start


def write_mmap(engine: SearchEngine, path: Path) -> None:
    engine.index_pending()
    tokens: list[str] = engine._tokens  # noqa: SLF001 (a sketch reads the engine's own index)
    hpost = engine._hpost  # noqa: SLF001
    bpost = engine._bpost  # noqa: SLF001
    order = sorted(range(len(tokens)), key=tokens.__getitem__)
    blob = bytearray()
    starts = array("I", [0])
    head_off = array("I", [0])
    head = array("I")
    body_off = array("I", [0])
    body = array("I")
    for tid in order:
        token = tokens[tid]
        blob += token.encode()
        blob += b"\n"
        starts.append(len(blob))
        head.extend(sorted(hpost.get(tid, ())))
        head_off.append(len(head))
        body.extend(bpost.get(token, ()))
        body_off.append(len(body))
    sections = [bytes(blob), starts.tobytes(), head_off.tobytes(), head.tobytes(), body_off.tobytes(), body.tobytes()]
    offsets = []
    at = HEADER.size
    for section in sections:
        at = (at + 7) // 8 * 8
        offsets.append(at)
        at += len(section)
    crc = 0
    for section in sections:
        crc = zlib.crc32(section, crc)
    header = HEADER.pack(MAGIC, len(engine), len(tokens), len(head), len(body), *offsets, at, 0, crc)
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as out:
        out.write(header)
        for offset, section in zip(offsets, sections):
            out.write(b"\0" * (offset - out.tell()))
            out.write(section)
    os.replace(temporary, path)  # readers see the old file or the new one, never half of one


class MmapOpened(Opened):
    """Opens the file (mmap + vocabulary decode) and resolves/reads postings; no ranking."""

    def __init__(self, path: Path, verify: bool = False) -> None:
        self.file = open(path, "rb")
        self.mm = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
        fields = HEADER.unpack_from(self.mm, 0)
        if fields[0] != MAGIC:
            raise ValueError(f"{path}: not a search index (bad magic)")
        _, self.articles, count, heads, bodies, *offsets, end, _, crc = fields
        if end != len(self.mm):
            raise ValueError(f"{path}: truncated ({len(self.mm)} of {end} bytes)")
        self.blob_at, starts_at, head_off_at, head_at, body_off_at, body_at = offsets
        view = memoryview(self.mm)
        self.starts = view[starts_at : starts_at + 4 * (count + 1)].cast("I")
        self.tokens = bytes(view[self.blob_at : self.blob_at + self.starts[-1]]).decode().split("\n")[:-1]
        self.head_off = view[head_off_at : head_off_at + 4 * (count + 1)].cast("I")
        self.head = view[head_at : head_at + 4 * heads].cast("I")
        self.body_off = view[body_off_at : body_off_at + 4 * (count + 1)].cast("I")
        self.body = view[body_at : body_at + 4 * bodies].cast("I")
        if verify:  # reads every byte: what a checksum costs at open
            check = zlib.crc32(view[self.blob_at : self.blob_at + self.starts[-1]])
            for section in (self.starts, self.head_off, self.head, self.body_off, self.body):
                check = zlib.crc32(section.cast("B"), check)
            if check != crc:
                raise ValueError(f"{path}: checksum mismatch")
        if len(self.tokens) != count:
            raise ValueError(f"{path}: vocabulary has {len(self.tokens)} tokens, header says {count}")
        self.blob = self.mm  # substring search runs on the mapped bytes

    def close(self) -> None:
        for name in ("starts", "head_off", "head", "body_off", "body"):
            getattr(self, name).release()
        self.mm.close()
        self.file.close()

    def _range(self, prefix: str) -> range:
        tokens = self.tokens
        lo = bisect.bisect_left(tokens, prefix)
        return range(lo, bisect.bisect_left(tokens, prefix + "\U0010ffff", lo))

    def _id(self, token: str) -> int | None:
        at = bisect.bisect_left(self.tokens, token)
        return at if at < len(self.tokens) and self.tokens[at] == token else None

    def resolve(self, word: str) -> tuple[set[int], set[int]]:
        """Token ids ``word`` matches by our rules, ``(in headlines, in bodies)``: exact,
        prefix (one- and two-letter words: whole words only in bodies), one edit, fuzzy
        prefix, two edits for 8+ letters, and infixes (headlines only)."""
        n = len(word)
        ids = set(self._range(word))
        if n <= 2:
            exact = self._id(word)
            return ids, (set() if exact is None else {exact})
        infixes: set[int] = set()
        if n >= 4:
            for variant, length in one_edit_variants(word).items():
                tid = self._id(variant)
                if tid is not None:
                    ids.add(tid)
                if n >= 5 and (length >= n or n >= 6):
                    ids.update(self._range(variant))
            if n >= 8:
                from rapidfuzz import process
                from rapidfuzz.distance import OSA

                span = self._range(word[0])
                choices = self.tokens[span.start : span.stop]
                ids.update(span.start + k for _, _, k in process.extract(word, choices, scorer=OSA.distance, score_cutoff=2, limit=None))
            needle = word.encode()
            starts = self.starts
            at = self.mm.find(needle, self.blob_at, self.blob_at + starts[-1])
            while at >= 0:
                k = bisect.bisect_right(starts, at - self.blob_at) - 1
                infixes.add(k)
                at = self.mm.find(needle, self.blob_at + starts[k + 1], self.blob_at + starts[-1])
        return ids | infixes, ids

    def postings(self, ids: tuple[set[int], set[int]]) -> set[int]:
        found: set[int] = set()
        head, head_off, body, body_off = self.head, self.head_off, self.body, self.body_off
        for tid in ids[0]:
            found.update(head[head_off[tid] : head_off[tid + 1]])
        for tid in ids[1]:
            found.update(body[body_off[tid] : body_off[tid + 1]])
        return found

    def search(self, query: str, limit: int) -> list[int]:
        """The articles every plain word matches (resolve + read postings + intersect); unranked."""
        parsed = parse_query(query)
        sets = []
        for group in parsed.groups:
            union: set[int] = set()
            for term in group:
                if term.kind in ("fuzzy", "exact"):
                    parts = [self.postings(self.resolve(p)) for p in term.parts]
                    union |= set.intersection(*parts) if parts else set()
            sets.append(union)
        if not sets:
            return []
        sets.sort(key=len)
        return sorted(sets[0].intersection(*sets[1:]))[:limit]


STORES: dict[str, Callable[[], Store]] = {
    "ours": Ours,
    "fts5-trigram": Trigram,
    "fts5-vocab": Vocab,
    "tantivy": Tantivy,
    "mmap": Mmap,
}

# --------------------------------------------------------------------------- children (one process per measurement)


def store_path(work: Path, name: str) -> Path:
    return work / {"tantivy": "tantivy", "mmap": "index.bin"}.get(name, f"{name}.sqlite3")


def child_build(name: str, archive: Path, work: Path) -> dict[str, Any]:
    store = STORES[name]()
    base = rss_mb()
    start = time.perf_counter()
    articles = load_library([archive]).articles
    loaded = time.perf_counter() - start
    after_load = rss_mb()
    path = store_path(work, name)
    start = time.perf_counter()
    extra = store.build(articles, path)
    built = time.perf_counter() - start
    out: dict[str, Any] = {
        "articles": len(articles),
        "load_s": loaded,
        "build_s": built,
        "build_detail": extra,
        "rss_after_load_mb": after_load - base,
        "build_peak_rss_mb": peak_rss_mb(),
        "build_rss_over_articles_mb": rss_mb() - after_load,
    }
    if store.persistent:
        out["size_mb"] = size_on_disk(path) / 1e6
        last = articles[-1].source
        first = next(i for i in range(len(articles) - 1, -1, -1) if articles[i].source != last) + 1
        out["update_file_articles"] = len(articles) - first
        out["update_file_s"] = store.replace_file(path, articles, first)
        out["size_after_update_mb"] = size_on_disk(path) / 1e6
    return out


def child_cold(name: str, archive: Path, work: Path) -> dict[str, Any]:
    store = STORES[name]()
    start = time.perf_counter()
    articles = load_library([archive]).articles if not store.persistent else None
    opened = store.open(store_path(work, name), articles)
    open_s = time.perf_counter() - start
    hits = opened.search(COLD_QUERY, 10)
    first = time.perf_counter() - start
    return {"open_s": open_s, "open_and_query_s": first, "hits": len(hits), "peak_rss_mb": peak_rss_mb()}


def child_keys(name: str, archive: Path, work: Path) -> dict[str, Any]:
    store = STORES[name]()
    articles = load_library([archive]).articles if not store.persistent else None
    before = rss_mb()
    opened = store.open(store_path(work, name), articles)
    opened_rss = rss_mb()
    latencies: list[float] = []
    errors: list[str] = []
    texts = keystrokes()
    for text in texts:
        start = time.perf_counter()
        try:
            opened.search(text, LIMIT)
        except Exception as error:  # noqa: BLE001 (a query the candidate cannot take is a finding)
            errors.append(f"{text!r}: {type(error).__name__}: {str(error)[:80]}")
        latencies.append((time.perf_counter() - start) * 1000)
    slowest = sorted(zip(latencies, texts), reverse=True)[:3]
    peak = peak_rss_mb()  # before the articles are loaded for the highlight step
    typed_rss = rss_mb() - before
    spans: dict[str, float] = {}
    if store.persistent and name != "mmap":
        spans = highlight_cost(opened, texts, latencies, load_library([archive]).articles)
    return {
        **spans,
        "keystrokes": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "max_ms": max(latencies),
        "slowest": [[round(ms, 1), text] for ms, text in slowest],
        "errors": errors,
        "store_rss_mb": opened_rss - before,
        "rss_after_typing_mb": typed_rss,
        "peak_rss_mb": peak,
    }


def highlight_cost(opened: Opened, texts: list[str], latencies: list[float], articles: Sequence[Article]) -> dict[str, float]:
    """What the reader adds on top of a store that returns only article indexes: highlight
    spans of the hits' headlines and, when the headline shows no match, the first paragraph
    that does (``sco_reader.search.highlight_spans``, the code the article pane uses)."""
    from sco_reader.search import highlight_spans

    costs: list[float] = []
    for text in texts:
        try:
            hits = opened.search(text, LIMIT)
        except Exception:  # noqa: BLE001 (already counted as an error)
            hits = []
        start = time.perf_counter()
        for a in hits:
            article = articles[a]
            if not highlight_spans(article.headline, text):
                next((p for p in article.paragraphs if highlight_spans(p, text, body=True)), None)
        costs.append((time.perf_counter() - start) * 1000)
    total = [a + b for a, b in zip(latencies, costs)]
    return {"spans_p50_ms": statistics.median(costs), "spans_p95_ms": percentile(costs, 95),
            "with_spans_p50_ms": statistics.median(total), "with_spans_p95_ms": percentile(total, 95)}


def child_relevance(name: str, archive: Path, work: Path) -> dict[str, Any]:
    from tests.relevance.distractors import archive as relevance_archive

    if name == "mmap":
        return {"skipped": "same as ours by construction (the format changes storage, not resolution or ranking)"}

    queries = json.loads((ROOT / "tests" / "relevance" / "queries.json").read_text(encoding="utf-8"))
    store = STORES[name]()
    articles = relevance_archive(3000)
    path = store_path(work, name)
    store.build(articles, path)
    opened = store.open(path, articles)
    ranks: list[int | None] = []
    misses: list[str] = []
    by_kind: dict[str, list[int]] = {}
    for q in queries:
        try:
            found = [articles[i].headline for i in opened.search(q["query"], RELEVANCE_LIMIT)]
        except Exception as error:  # noqa: BLE001
            found = []
            misses.append(f"{q['query']!r}: {type(error).__name__}")
        rank = found.index(q["expect"]) + 1 if q["expect"] in found else None
        ranks.append(rank)
        by_kind.setdefault(q["kind"], [0, 0])
        by_kind[q["kind"]][0] += rank is not None and rank <= 3
        by_kind[q["kind"]][1] += 1
        if rank != 1:
            misses.append(f"{q['query']!r} ({q['kind']}): {rank or '-'}")
    return {
        "queries": len(ranks),
        "hit1": sum(r == 1 for r in ranks) / len(ranks),
        "hit3": sum(r is not None and r <= 3 for r in ranks) / len(ranks),
        "misses": misses,
        "hit3_by_kind": by_kind,
    }


def child_probe_open(name: str, archive: Path, work: Path) -> dict[str, Any]:
    """Open a (damaged) store and run a few queries; report what happened."""
    store = STORES[name]()
    try:
        opened = store.open(store_path(work, name))
        counts = [len(opened.search(q, 10)) for q in ("putin tokayev", "summit", "energy cooperation", "'anti-drug")]
        outcome = f"answered (hits {counts})"
        if name == "mmap":
            opened.close()
            MmapOpened(store_path(work, name), verify=True)
        elif name.startswith("fts5"):
            start = time.perf_counter()
            check = opened.db.execute("PRAGMA quick_check").fetchone()[0]  # type: ignore[attr-defined]
            outcome += f"; PRAGMA quick_check: {' '.join(check.split())[:70]} ({time.perf_counter() - start:.2f} s)"
        return {"outcome": outcome}
    except Exception as error:  # noqa: BLE001
        return {"outcome": f"{type(error).__name__}: {str(error)[:120]}"}
    except BaseException as error:  # a Rust panic surfaces as pyo3's PanicException (a BaseException)
        return {"outcome": f"{type(error).__name__} (BaseException): {str(error)[:120]}"}


CHILDREN = {"build": child_build, "cold": child_cold, "keys": child_keys, "relevance": child_relevance, "probe": child_probe_open}

# --------------------------------------------------------------------------- probes run by the parent


def run_child(kind: str, name: str, archive: Path, work: Path, timeout: float = 1800) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--candidates", name,
               "--archive", str(archive), "--work", str(work)]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    wall = time.perf_counter() - start
    if result.returncode != 0 or not result.stdout.strip():
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {"failed": f"exit {result.returncode}: {tail[:200]}", "wall_s": wall}
    out = json.loads(result.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


def damage(path: Path, how: str) -> None:
    """Overwrite 64 KiB in the middle of the store's largest file, or truncate it to half."""
    target = path if path.is_file() else max((p for p in path.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    size = target.stat().st_size
    with open(target, "r+b") as f:
        if how == "truncate":
            f.truncate(size // 2)
        else:
            f.seek(size // 2)
            f.write(os.urandom(min(65536, size - size // 2)))


def probe_damage(name: str, archive: Path, work: Path) -> dict[str, str]:
    out = {}
    source = store_path(work, name)
    for how in ("garbage", "truncate"):
        copy_dir = work / f"damaged-{how}"
        shutil.rmtree(copy_dir, ignore_errors=True)
        copy_dir.mkdir()
        target = store_path(copy_dir, name)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
        damage(target, how)
        result = run_child("probe", name, archive, copy_dir, timeout=300)
        out[how] = result.get("outcome") or result.get("failed", "?")
        shutil.rmtree(copy_dir, ignore_errors=True)
    return out


WRITER_SCRIPT = {
    "sqlite": (
        "import sqlite3, sys, time\n"
        "db = sqlite3.connect(sys.argv[1], timeout=0.2, isolation_level=None)\n"
        "start = time.perf_counter()\n"
        "try:\n"
        "    db.execute('BEGIN IMMEDIATE')\n"
        "    print('second writer got the lock')\n"
        "except sqlite3.OperationalError as e:\n"
        "    print(f'second writer: OperationalError: {e} after {time.perf_counter() - start:.2f}s (busy timeout 0.2s)')\n"
    ),
    "tantivy": (
        "import tantivy, sys\n"
        "index = tantivy.Index.open(sys.argv[1])\n"
        "try:\n"
        "    index.writer(15_000_000, 1)\n"
        "    print('second writer got the lock')\n"
        "except BaseException as e:\n"
        "    print(f'second writer: {type(e).__name__}: {str(e)[:100]}')\n"
    ),
}


def probe_writers(name: str, work: Path) -> str:
    """Hold a writer in this process and try a second one in another process."""
    path = store_path(work, name)
    if name == "tantivy":
        import tantivy

        index = tantivy.Index.open(str(path))
        holder = index.writer(15_000_000, 1)
        try:
            result = subprocess.run([sys.executable, "-c", WRITER_SCRIPT["tantivy"], str(path)], capture_output=True, text=True, timeout=60)
        finally:
            holder.rollback()
            del holder
    elif name.startswith("fts5"):
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            result = subprocess.run([sys.executable, "-c", WRITER_SCRIPT["sqlite"], str(path)], capture_output=True, text=True, timeout=60)
        finally:
            db.execute("ROLLBACK")
            db.close()
    else:
        return "no lock: whole files are replaced atomically (os.replace), readers keep their mapping; a lock file must serialise writers"
    return (result.stdout.strip() or result.stderr.strip().splitlines()[-1])[:200]


def native_folding() -> dict[str, dict[str, str]]:
    """What each tokenizer does by itself (without our normalise()) to a few test words."""
    words = ["Türkiye", "ERDOĞAN", "провёл", "Қазақстан", "2024-25", "Kazakhstan’s"]
    out: dict[str, dict[str, str]] = {}
    db = sqlite3.connect(":memory:")
    for label, tokenizer in (("fts5 unicode61 remove_diacritics 2", "unicode61 remove_diacritics 2"), ("fts5 trigram", "trigram")):
        table = "t" + str(len(out))
        db.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(x, tokenize='{tokenizer}')")
        db.execute(f"CREATE VIRTUAL TABLE {table}v USING fts5vocab({table}, 'row')")
        row: dict[str, str] = {}
        for word in words:
            db.execute(f"DELETE FROM {table}")
            db.execute(f"INSERT INTO {table} VALUES (?)", (word,))
            terms = [r[0] for r in db.execute(f"SELECT term FROM {table}v")]
            if tokenizer == "trigram":  # substrings: does the normalised spelling find the original?
                hit = db.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", (fts_string(normalise(word)),)).fetchone()[0]
                row[word] = f"`{normalise(word)}` {'finds it' if hit else 'misses it'}"
            else:
                row[word] = " ".join(terms)
        out[label] = row
    if importlib.util.find_spec("tantivy"):
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("x", tokenizer_name="fold")
        schema = builder.build()
        row = {}
        for word in words:
            index = tantivy.Index(schema)
            index.register_tokenizer("fold", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build())
            writer = index.writer(15_000_000, 1)
            writer.add_document(tantivy.Document(x=word))
            writer.commit()
            index.reload()
            searcher = index.searcher()
            terms = sorted({t for c in set(normalise(word) + word.lower()) for t, _ in searcher.terms_with_prefix("x", c)})
            row[word] = " ".join(terms)
        out["tantivy simple+lowercase+ascii_fold"] = row
    out["ours: normalise() + tokenise()"] = {w: " ".join(tokenise(normalise(w))) for w in words}
    return out


# --------------------------------------------------------------------------- report


def fmt(value: Any, spec: str = ".2f", unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:{spec}}{unit}"


def table(results: dict[str, Any]) -> str:
    lines: list[str] = []
    for archive, rows in results["archives"].items():
        load = f" (1-minute load average {rows['_load_before']:.1f} before, {rows['_load_after']:.1f} after, on {os.cpu_count()} cores)" if "_load_before" in rows else ""
        lines.append(f"\n#### {archive}: {rows.get('_articles', '?'):,} articles{load}\n")
        lines.append("| candidate | build s | size MB | cold open + 1 query s (process wall s) | p50 ms | p95 ms | max ms "
                     "| p50 / p95 ms with highlight spans | build peak RSS MB | query process peak RSS MB | store RSS MB | replace 1 file s |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, row in rows.items():
            if name.startswith("_"):
                continue
            if "skipped" in row:
                lines.append(f"| {name} | skipped: {row['skipped']} ||||||||||| ")
                continue
            b, c, k = row.get("build", {}), row.get("cold", {}), row.get("keys", {})
            p95 = fmt(k.get("p95_ms"), ".1f") + (" (postings only)" if name == "mmap" else "")
            spans = "included" if name == "ours" else (
                f"{fmt(k.get('with_spans_p50_ms'), '.1f')} / {fmt(k.get('with_spans_p95_ms'), '.1f')}" if "with_spans_p95_ms" in k else "–")
            lines.append(
                f"| {name} | {fmt(b.get('build_s'), '.1f')} | {fmt(b.get('size_mb'), '.0f') if name != 'ours' else 'memory'} "
                f"| {fmt(c.get('open_and_query_s'), '.3f')} ({fmt(c.get('wall_s'), '.2f')}) "
                f"| {fmt(k.get('p50_ms'), '.1f')} | {p95} | {fmt(k.get('max_ms'), '.0f')} "
                f"| {spans} "
                f"| {fmt(b.get('build_peak_rss_mb'), '.0f')} | {fmt(k.get('peak_rss_mb'), '.0f')} | {fmt(k.get('store_rss_mb'), '.0f')} "
                f"| {fmt(b.get('update_file_s'), '.3f')} |"
            )
            for key in ("build", "cold", "keys"):
                if "failed" in row.get(key, {}):
                    lines.append(f"| ↳ {name} {key} failed: {row[key]['failed']} ||||||||||||")
        notes = []
        for name, row in rows.items():
            if name.startswith("_") or "skipped" in row:
                continue
            b, k = row.get("build", {}), row.get("keys", {})
            detail = ", ".join(f"{key} {v:.1f}" for key, v in b.get("build_detail", {}).items())
            slow = ", ".join(f"{t!r} {ms:.0f}" for ms, t in k.get("slowest", []))
            errors = f"; {len(k['errors'])} keystrokes raised ({k['errors'][0]})" if k.get("errors") else ""
            notes.append(f"- {name}: build = {detail or '–'}; slowest keystrokes (ms) {slow}{errors}")
        lines.append("\n" + "\n".join(notes))
    rel = results.get("relevance", {})
    if rel:
        lines.append("\n#### Relevance (tests/relevance: 3,000 articles, 65 queries, top 10)\n")
        lines.append("| candidate | hit@1 | hit@3 | misses (query (kind): rank) |")
        lines.append("|---|---:|---:|---|")
        for name, r in rel.items():
            if "hit1" in r:
                misses = "; ".join(r["misses"][:14]) + (f"; … {len(r['misses']) - 14} more" if len(r["misses"]) > 14 else "")
                lines.append(f"| {name} | {r['hit1']:.1%} | {r['hit3']:.1%} | {misses} |")
            else:
                lines.append(f"| {name} | – | – | {r.get('skipped') or r.get('failed')} |")
    probes = results.get("probes", {})
    if probes:
        lines.append("\n#### Robustness probes (on the first archive's stores)\n")
        lines.append("| candidate | 64 KiB of garbage in the largest file | largest file truncated to half | second writer while one holds the store |")
        lines.append("|---|---|---|---|")
        for name, p in probes.items():
            lines.append(f"| {name} | {p.get('garbage', '–')} | {p.get('truncate', '–')} | {p.get('writer', '–')} |")
    folding = results.get("native_folding")
    if folding:
        words = list(next(iter(folding.values())))
        lines.append("\n#### Native tokenizers, without our normalise() (tokens produced)\n")
        lines.append("| tokenizer | " + " | ".join(f"`{w}`" for w in words) + " |")
        lines.append("|---|" + "---|" * len(words))
        for label, row in folding.items():
            lines.append(f"| {label} | " + " | ".join(row[w] for w in words) + " |")
    return "\n".join(lines)


def write_markdown(path: Path, body: str, header: str) -> None:
    block = f"<!-- store:start -->\n{header}\n{body}\n<!-- store:end -->"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if "<!-- store:start -->" in text:
            text = re.sub(r"<!-- store:start -->.*<!-- store:end -->", lambda _: block, text, flags=re.S)
            path.write_text(text, encoding="utf-8")
            return
    path.write_text(f"# Choosing the store for the persistent search index\n\n{block}\n", encoding="utf-8")


def machine() -> str:
    from bench.run import machine as describe

    return describe()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", action="append", type=Path, help="archive directory (repeatable)")
    parser.add_argument("--candidates", default=",".join(CANDIDATES), help="comma-separated: " + ", ".join(CANDIDATES))
    parser.add_argument("--runs", type=int, default=2, help="cold-open and keystroke runs per candidate; the best is kept (default 2)")
    parser.add_argument("--no-probes", action="store_true", help="skip corruption / writer probes and relevance")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "store_choice", help="writes OUT.json and OUT.md")
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.candidates.split(",") if n.strip()]
    unknown = [n for n in names if n not in STORES]
    if unknown or not args.archive:
        print(f"store_choice: {'unknown candidate ' + ', '.join(unknown) if unknown else 'give --archive DIR'}", file=sys.stderr)
        return 2
    for archive in args.archive:
        if args.child is None and not archive.is_dir():
            print(f"store_choice: {archive}: not a directory", file=sys.stderr)
            return 2
    if args.child:
        print(json.dumps(CHILDREN[args.child](names[0], args.archive[0], args.work)))
        return 0

    available = []
    for name in names:
        needs = STORES[name]().needs
        if needs and importlib.util.find_spec(needs) is None:
            print(f"# {name}: skipped, package {needs!r} is not installed (pip install {needs})", file=sys.stderr)
        else:
            available.append(name)
    results: dict[str, Any] = {"machine": machine(), "sqlite": sqlite3.sqlite_version, "limit": LIMIT,
                               "keystrokes": len(keystrokes()), "archives": {}, "relevance": {}, "probes": {}}
    if importlib.util.find_spec("tantivy"):
        from importlib.metadata import version

        results["tantivy"] = version("tantivy")
    skipped = {n: {"skipped": f"package {STORES[n]().needs!r} not installed"} for n in names if n not in available}
    for a, archive in enumerate(args.archive):
        rows: dict[str, Any] = {"_load_before": os.getloadavg()[0]}
        for name in names:
            if name in skipped:
                rows[name] = skipped[name]
                continue
            work = Path(tempfile.mkdtemp(prefix=f"store-{name}-", dir=os.environ.get("STORE_CHOICE_TMP")))
            try:
                row: dict[str, Any] = {}
                for kind in ("build", "cold", "keys"):
                    print(f"# {archive} {name}: {kind}…", file=sys.stderr, flush=True)
                    row[kind] = run_child(kind, name, archive, work)
                    for _ in range(args.runs - 1 if kind != "build" else 0):  # the machine is shared: best run
                        again = run_child(kind, name, archive, work)
                        metric = "p50_ms" if kind == "keys" else "open_and_query_s"
                        if again.get(metric, math.inf) < row[kind].get(metric, math.inf):
                            row[kind] = again
                    if "failed" in row[kind]:
                        print(f"#   failed: {row[kind]['failed']}", file=sys.stderr)
                        break
                rows["_articles"] = row["build"].get("articles", rows.get("_articles", 0))
                if a == 0 and not args.no_probes and STORES[name]().persistent and "failed" not in row["build"]:
                    print(f"# {name}: probes…", file=sys.stderr, flush=True)
                    probe = probe_damage(name, archive, work)
                    probe["writer"] = probe_writers(name, work)
                    results["probes"][name] = probe
                rows[name] = row
            finally:
                shutil.rmtree(work, ignore_errors=True)
        rows["_load_after"] = os.getloadavg()[0]
        results["archives"][str(archive)] = rows
    if not args.no_probes:
        for name in names:
            if name in skipped:
                results["relevance"][name] = skipped[name]
                continue
            print(f"# relevance {name}…", file=sys.stderr, flush=True)
            work = Path(tempfile.mkdtemp(prefix=f"store-rel-{name}-"))
            try:
                results["relevance"][name] = run_child("relevance", name, args.archive[0], work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        results["native_folding"] = native_folding()
    header = (f"Measured {date.today().isoformat()} on {results['machine']}; SQLite {results['sqlite']}, "
              f"tantivy {results.get('tantivy', 'not installed')} (`python bench/store_choice.py`). "
              f"{results['keystrokes']} keystrokes, limit {LIMIT}; cold open and keystrokes: best of {args.runs} runs.")
    print(header + "\n" + table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    body = table(results)
    json_path = args.out.with_suffix(".json")
    previous: dict[str, Any] = json.loads(json_path.read_text()) if json_path.exists() else {}
    if previous:  # a run on some archives or candidates (or without probes) keeps the other numbers
        archives = previous.get("archives", {})
        for archive, rows in results["archives"].items():
            archives[archive] = {**archives.get(archive, {}), **rows}
        results["archives"] = archives
        for key in ("relevance", "probes"):
            results[key] = {**previous.get(key, {}), **results[key]}
        if not results.get("native_folding") and previous.get("native_folding"):
            results["native_folding"] = previous["native_folding"]
        body = table(results)
    json_path.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    write_markdown(args.out.with_suffix(".md"), body, header)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
