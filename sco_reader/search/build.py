"""Building segments: one article at a time, and by merging segments (pure).

:class:`SegmentBuilder` takes articles in index order (``add(headline, paragraphs)``, or a
headline now and its body later with :meth:`SegmentBuilder.add_body`, which is how the
engine indexes bodies in budgeted slices) and keeps only postings, never the text. It can
be searched while it grows (the engine's in-memory tail is one) and :meth:`finish`\\ es into
an immutable :class:`~.index.Segment`. :func:`merge_segments` joins adjacent segments into
one without re-tokenising anything: it merges their vocabularies and re-bases their
postings. Building and merging lay tables out the same way, so merging the segments of a
split is byte-for-byte the segment built at once.
"""

from __future__ import annotations

import bisect
import operator
from array import array
from collections import defaultdict, deque
from collections.abc import Collection, Sequence
from functools import partial
from itertools import islice, repeat
from typing import Any

from .bits import from_ids, members, pack
from .index import CHECK_EACH, SPARSE_MATCHES, TABLES, AnchorKind, Segment, is_dense
from .text import _EDGE, _body_tokens, _words, normalise, tokenise


def tokenise_headline(headline: str) -> tuple[list[str], list[str], str]:
    """``(word tokens in order, glued extras, anchor)`` of a headline: what a segment stores of it."""
    norm = normalise(headline)
    words = _words(norm)
    extra = tokenise(norm)[len(words) :] if ("-" in norm or "'" in norm or not norm.isascii()) else []
    return words, extra, _EDGE.sub("", norm).replace("\n", " ")


def body_tokens(paragraphs: Sequence[str]) -> set[str]:
    """The distinct word tokens a body is indexed under."""
    return _body_tokens(normalise("\n".join(paragraphs)))


class SegmentBuilder:
    """Index articles ``base, base+1, …`` one at a time; searchable while it grows."""

    def __init__(self, base: int = 0) -> None:
        self.base = base
        """Index of the first article."""
        self._vocab: dict[str, int] = {}
        self._tokens: list[str] = []
        self._hpost: list[array] = []
        """Headline postings (local article numbers) by token id."""
        self._bpost: defaultdict[str, array] = defaultdict(partial(array, "I"))
        """Body postings by token string (one dict lookup per token while indexing)."""
        self._bpost_seen = 0
        self._title_tok = array("I")
        self._title_off = array("Q", [0])
        self._anchors: list[str] = []
        self._body_len = array("I")
        self._glued: set[int] = set()
        """Ids of tokens some headline holds only as a glued whole."""
        self._bodies = 0
        self.generation = 0
        """Bumped by every change (callers drop what they cached about it)."""
        self._sorted: list[str] = []
        self._sorted_count = 0
        self._blobs: list[tuple[int, str, array]] = []
        self._blobbed = 0
        self._chars: set[str] = set()
        self._chars_frozen: frozenset[str] | None = None
        self._anchor_order: dict[bool, tuple[int, list[int]]] = {}
        self._reversed: list[str] = []
        self._anchor_blob: tuple[int, str, array] = (0, "", array("Q", [0]))
        self._dense: dict[tuple[bool, int], tuple[int, int]] = {}

    # ------------------------------------------------------------------ adding

    @property
    def count(self) -> int:
        """Articles added (with or without their body)."""
        return len(self._anchors)

    @property
    def pending(self) -> int:
        """Articles whose body is not indexed yet."""
        return len(self._anchors) - self._bodies

    def add(self, headline: str, paragraphs: Sequence[str] | None = None) -> int:
        """Index one article (its body later when ``paragraphs`` is ``None``); returns its index."""
        if paragraphs is not None and self.pending:
            raise ValueError("bodies are indexed in order: add the pending ones first")
        local = len(self._anchors)
        words, extra, anchor = tokenise_headline(headline)
        vocab, tokens, hpost = self._vocab, self._tokens, self._hpost
        ids = []
        for token in words:
            tid = vocab.get(token)
            if tid is None:
                tid = vocab[token] = len(tokens)
                tokens.append(token)
                hpost.append(array("I"))
            ids.append(tid)
        self._title_tok.extend(ids)
        self._title_off.append(len(self._title_tok))
        distinct = set(ids)
        for token in extra:
            tid = vocab.get(token)
            if tid is None:
                tid = vocab[token] = len(tokens)
                tokens.append(token)
                hpost.append(array("I"))
            if tid not in distinct:
                self._glued.add(tid)
            distinct.add(tid)
        for tid in distinct:
            hpost[tid].append(local)
        self._anchors.append(anchor)
        self.generation += 1
        if paragraphs is not None:
            self.add_body(paragraphs)
        return self.base + local

    def add_body(self, paragraphs: Sequence[str]) -> None:
        """Index the body of the first article whose body is pending."""
        local = self._bodies
        if local >= len(self._anchors):
            raise ValueError("no article is waiting for its body")
        found = body_tokens(paragraphs)
        get_post = self._bpost.__getitem__
        deque(map(array.append, map(get_post, found), repeat(local)), maxlen=0)
        self._body_len.append(len(found))
        self._bodies = local + 1
        self.generation += 1

    # ------------------------------------------------------------------ searching while growing

    def _sync(self) -> None:
        """Give body-only tokens ids and bring the sorted vocabulary and substring blobs up to date."""
        vocab, tokens = self._vocab, self._tokens
        if len(self._bpost) > self._bpost_seen:
            for token in islice(self._bpost, self._bpost_seen, None):
                if token not in vocab:
                    vocab[token] = len(tokens)
                    tokens.append(token)
                    self._hpost.append(array("I"))
            self._bpost_seen = len(self._bpost)
        if len(tokens) > self._sorted_count:
            new = tokens[self._sorted_count :]
            self._sorted.extend(new)
            self._sorted.sort()
            self._chars.update("".join(new))
            self._sorted_count = len(tokens)
        if len(tokens) > self._blobbed:
            if len(self._blobs) >= 16:
                self._blobs.clear()
                new, first = tokens, 0
            else:
                new, first = tokens[self._blobbed :], self._blobbed
            for at in range(0, len(new), 65536):
                chunk = new[at : at + 65536]
                starts = array("Q", [0])
                offset = 0
                for token in chunk:
                    offset += len(token) + 1
                    starts.append(offset)
                self._blobs.append((first + at, "\n".join(chunk) + "\n", starts))
            self._blobbed = len(tokens)

    def sorted_tokens(self) -> list[str]:
        self._sync()
        return self._sorted

    def tid_at(self, position: int) -> int:
        return self._vocab[self._sorted[position]]

    def ids_between(self, lo: int, hi: int) -> Collection[int]:
        return frozenset(map(self._vocab.__getitem__, self._sorted[lo:hi]))

    def lookup(self, token: str) -> int | None:
        self._sync()
        return self._vocab.get(token)

    def token(self, tid: int) -> str:
        return self._tokens[tid]

    def token_list(self) -> Sequence[str]:
        self._sync()
        return self._tokens

    def glued(self, tid: int) -> bool:
        return tid in self._glued

    def chars(self) -> frozenset[str]:
        self._sync()
        if self._chars_frozen is None or len(self._chars_frozen) != len(self._chars):
            self._chars_frozen = frozenset(self._chars)
        return self._chars_frozen

    def substring_ids(self, word: str) -> list[tuple[int, int]]:
        self._sync()
        found: list[tuple[int, int]] = []
        for first, blob, starts in self._blobs:
            at = blob.find(word)
            while at >= 0:
                k = bisect.bisect_right(starts, at) - 1
                found.append((first + k, at - starts[k]))
                at = blob.find(word, starts[k + 1])
        return found

    def _postings(self, headline: bool, tid: int) -> array | None:
        if headline:
            return self._hpost[tid]
        return self._bpost.get(self._tokens[tid])

    def df(self, headline: bool, tid: int) -> int:
        found = self._postings(headline, tid)
        return len(found) if found is not None else 0

    def local_union(self, headline: bool, tids: Collection[int]) -> int:
        count = self.count
        bits = 0
        sparse = array("I")
        for tid in tids:
            ids = self._postings(headline, tid)
            if not ids:
                continue
            if is_dense(len(ids), count):  # keep its bitmap, extended as the builder grows
                key = (headline, tid)
                cached = self._dense.get(key)
                if cached is None:
                    value = from_ids(ids, count)
                elif cached[0] < len(ids):
                    value = cached[1] | from_ids(ids[cached[0] :], count)
                else:
                    value = cached[1]
                self._dense[key] = (len(ids), value)
                bits |= value
            else:
                sparse.extend(ids)
        if sparse:
            bits |= from_ids(sparse, count)
        return bits

    def union(self, headline: bool, tids: Collection[int]) -> int:
        return self.local_union(headline, tids) << self.base

    def postings(self, headline: bool, tid: int) -> list[int]:
        found = self._postings(headline, tid)
        return found.tolist() if found is not None else []

    def head_ids(self, local: int) -> Sequence[int]:
        return self._title_tok[self._title_off[local] : self._title_off[local + 1]]

    def body_size(self, local: int) -> int:
        return self._body_len[local] if local < len(self._body_len) else 0

    def total_body_size(self) -> int:
        return sum(self._body_len)

    def _order(self, reverse: bool) -> tuple[list[int], list[str]]:
        """Article numbers sorted by anchor (or reversed anchor), and the keys sorted on.

        Kept up to date incrementally: new articles are sorted among themselves, then merged
        with the earlier order (two sorted runs: a linear merge for ``sorted``)."""
        anchors = self._anchors
        keys = anchors
        if reverse:
            keys = self._reversed
            keys.extend(a[::-1] for a in anchors[len(keys) :])
        done, order = self._anchor_order.get(reverse, (0, []))
        if done < len(anchors):
            fresh = sorted(range(done, len(anchors)), key=keys.__getitem__)
            order = fresh if not order else sorted(order + fresh, key=keys.__getitem__)
            self._anchor_order[reverse] = (len(anchors), order)
        return order, keys

    def anchored(self, kind: AnchorKind, text: str) -> int:
        order, keys = self._order(kind == "suffix")
        if kind == "suffix":
            text = text[::-1]
        key = keys.__getitem__
        lo = bisect.bisect_left(order, text, key=key)
        if kind == "equal":
            hi = bisect.bisect_right(order, text, lo, key=key)
        else:
            hi = bisect.bisect_left(order, text + "\U0010ffff", lo, key=key)
        return from_ids(order[lo:hi], self.count) << self.base if hi > lo else 0

    def headline_substring(self, text: str, within: int | None = None) -> int:
        if not text or "\n" in text:
            return 0
        anchors = self._anchors
        if within is not None:
            local = (within >> self.base) & ((1 << self.count) - 1)
            if local.bit_count() <= CHECK_EACH:
                found = [k for k in members(local) if text in anchors[k]]
                return from_ids(found, self.count) << self.base if found else 0
        done, blob, starts = self._anchor_blob
        if done < len(anchors):
            fresh = anchors[done:]
            blob += "\n".join(fresh) + "\n"
            position = starts[-1]
            for anchor in fresh:
                position += len(anchor) + 1
                starts.append(position)
            self._anchor_blob = (len(anchors), blob, starts)
        if blob.count(text) * SPARSE_MATCHES > self.count:  # in many headlines: one pass beats a find per match
            bits = pack(bytes(map(operator.contains, anchors, repeat(text))))
        else:
            found = []
            at = blob.find(text)
            while at >= 0:
                k = bisect.bisect_right(starts, at) - 1
                found.append(k)
                at = blob.find(text, starts[k + 1])
            bits = from_ids(found, self.count) if found else 0
        if within is not None:
            bits &= within >> self.base
        return bits << self.base

    # ------------------------------------------------------------------ finishing

    def finish(self) -> Segment:
        """The immutable segment of everything added (every body must be indexed)."""
        if self.pending:
            raise ValueError(f"{self.pending} bodies are still pending")
        self._sync()
        tokens = self._sorted
        vocab = self._vocab
        rank = array("I", bytes(4 * len(tokens)))
        for position, token in enumerate(tokens):
            rank[vocab[token]] = position
        count = self.count
        head = [self._hpost[vocab[t]] for t in tokens]
        empty = array("I")
        body = [self._bpost.get(t, empty) for t in tokens]
        tables: dict[str, Any] = {}
        _vocab_tables(tables, tokens)
        _postings_tables(tables, "head", ((ids, None) for ids in head), count)
        _postings_tables(tables, "body", ((ids, None) for ids in body), count)
        tables["title_off"] = array("Q", self._title_off)
        tables["title_tok"] = array("I", map(rank.__getitem__, self._title_tok))
        _anchor_tables(tables, [a.encode("utf-8") for a in self._anchors])
        tables["body_len"] = array("I", self._body_len)
        tables["glued"] = bytes(vocab[t] in self._glued for t in tokens)
        return _segment(self.base, count, tables)


def merge_segments(segments: Sequence[Segment]) -> Segment:
    """One segment covering adjacent ``segments`` (in order), without re-tokenising."""
    if not segments:
        raise ValueError("nothing to merge")
    for left, right in zip(segments, segments[1:]):
        if right.base != left.base + left.count:
            raise ValueError(f"segments are not adjacent: {left.base}+{left.count} then {right.base}")
    base = segments[0].base
    count = sum(s.count for s in segments)
    vocabularies = [s.sorted_tokens() for s in segments]
    tokens = sorted(set().union(*vocabularies))
    position = {token: k for k, token in enumerate(tokens)}
    remaps = [array("I", map(position.__getitem__, v)) for v in vocabularies]
    tables: dict[str, Any] = {}
    _vocab_tables(tables, tokens)
    for field in ("head", "body"):
        _postings_tables(tables, field, _merged_postings(segments, remaps, len(tokens), field == "head"), count)
    title_off = array("Q", [0])
    title_tok = array("I")
    for segment, remap in zip(segments, remaps):
        shift = len(title_tok)
        title_off.extend(map(shift.__add__, islice(segment.table("title_off"), 1, None)))
        title_tok.extend(map(remap.__getitem__, segment.table("title_tok")))
    tables["title_off"], tables["title_tok"] = title_off, title_tok
    anchors: list[bytes] = []
    for segment in segments:
        blob = bytes(segment.table("anchor"))
        offsets = segment.table("anchor_off")
        anchors.extend(blob[offsets[k] : offsets[k + 1] - 1] for k in range(segment.count))
    _anchor_tables(tables, anchors)
    body_len = array("I")
    for segment in segments:
        body_len.extend(segment.table("body_len"))
    tables["body_len"] = body_len
    glued = bytearray(len(tokens))
    for segment, remap in zip(segments, remaps):
        for old, flag in enumerate(segment.table("glued")):
            if flag:
                glued[remap[old]] = 1
    tables["glued"] = bytes(glued)
    return _segment(base, count, tables)


def _merged_postings(segments: Sequence[Segment], remaps: list[array], size: int, headline: bool):  # type: ignore[no-untyped-def]
    """Per merged token id: ``(ids, None)`` or ``(None, bitmap)``, rebased to the first segment."""
    where: list[list[tuple[int, int]]] = [[] for _ in range(size)]
    for number, remap in enumerate(remaps):
        for old, new in enumerate(remap):
            where[new].append((number, old))
    base = segments[0].base
    for places in where:
        parts = []
        for number, old in places:
            segment = segments[number]
            if segment.df(headline, old):
                parts.append((segment, old, segment.base - base))
        yield parts


def _postings_tables(tables: dict[str, Any], field: str, postings, count: int) -> None:  # type: ignore[no-untyped-def]
    """Fill ``{field}_off/ids/dense/bits/df`` from per-token postings in token order.

    Each item is an ``array`` of local ids (from a builder) or a list of
    ``(segment, token id, shift)`` parts (from a merge).
    """
    offsets = array("Q", [0])
    ids = array("I")
    dense = array("I")
    bits = bytearray()
    dfs = array("I")
    stride = (count + 7) >> 3
    headline = field == "head"
    for tid, item in enumerate(postings):
        own, _ = item if isinstance(item, tuple) else (None, None)
        parts = item if not isinstance(item, tuple) else None
        if own is not None:
            df = len(own)
        else:
            df = sum(s.df(headline, old) for s, old, _ in parts)
        dfs.append(df)
        if is_dense(df, count):
            if own is not None:
                value = from_ids(own, count)
            else:
                value = 0
                for segment, old, shift in parts:
                    value |= segment.local_union(headline, (old,)) << shift
            dense.append(tid)
            bits += value.to_bytes(stride, "little")
        elif own is not None:
            ids.extend(own)
        else:
            for segment, old, shift in parts:
                found = segment.local_union(headline, (old,)) if is_dense(segment.df(headline, old), segment.count) else None
                local = members(found) if found is not None else segment.postings(headline, old)
                ids.extend(map(shift.__add__, local) if shift else local)
        offsets.append(len(ids))
    tables[field + "_off"], tables[field + "_ids"], tables[field + "_dense"] = offsets, ids, dense
    tables[field + "_bits"], tables[field + "_df"] = bytes(bits), dfs


def _vocab_tables(tables: dict[str, Any], tokens: list[str]) -> None:
    encoded = [t.encode("utf-8") for t in tokens]
    offsets = array("Q", [0])
    position = 0
    for token in encoded:
        position += len(token) + 1
        offsets.append(position)
    tables["vocab"] = b"".join(t + b"\n" for t in encoded)
    tables["vocab_off"] = offsets


def _anchor_tables(tables: dict[str, Any], anchors: list[bytes]) -> None:
    offsets = array("Q", [0])
    position = 0
    for anchor in anchors:
        position += len(anchor) + 1
        offsets.append(position)
    tables["anchor"] = b"".join(a + b"\n" for a in anchors)
    tables["anchor_off"] = offsets
    tables["anchor_fwd"] = array("I", sorted(range(len(anchors)), key=anchors.__getitem__))
    backwards = [a[::-1] for a in anchors]
    tables["anchor_rev"] = array("I", sorted(range(len(anchors)), key=backwards.__getitem__))


def _segment(base: int, count: int, tables: dict[str, Any]) -> Segment:
    """A segment over freshly built tables (as memoryviews, like a mapped file's)."""
    views = {}
    for name, code in TABLES.items():
        table = tables[name]
        if isinstance(table, (bytes, bytearray)):
            table = bytes(table)
        view = memoryview(table)
        views[name] = view if view.format == code else view.cast(code)
    return Segment(base, count, views)
