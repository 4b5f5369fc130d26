"""The conversion engine: OpenCC's algorithm, byte-for-byte, at C speed where possible.

OpenCC (src/Conversion.cpp, MaxMatchSegmentation.cpp, SingleStageConverter.cpp)
converts left to right: at each position it takes the longest dictionary key
starting there and emits that key's first value; with no key it copies one
character, or a whole Ideographic Description Sequence (IDS) starting with an
operator U+2FF0..U+2FFF. A config first runs its ``normalization`` chain over
the whole text, then splits the text into segments (``mmseg``: every match of
the segmentation dictionary is a segment, runs of unmatched characters form
one segment each), and runs the conversion chain on each segment separately.

Two facts make a fast exact version possible:

* Every dictionary group flattens to one plain dict (see :mod:`.config`).
* At a position any multi-character key beats any single-character one, so a
  flat dict converts as leftmost-longest matching of its multi-character keys
  (an Aho-Corasick automaton over the UTF-8 bytes) plus ``str.translate`` with
  its single-character keys for everything else. Values that the translate
  table would alter are emitted as private placeholders (U+100000...) that the
  table maps to the value, so the whole output is translated in one C call.

Segment boundaries are kept by wrapping every segmentation match in the
noncharacter U+FDD0, which no key contains, so no later match can cross it.

One quirk is reproduced on purpose: a segmented config passes each segment to
the conversion chain as a C string, so a NUL character ends its segment (the
rest of that segment is dropped). Texts holding an IDS operator, U+FDD0 or a
placeholder take an exact pure-Python path (:meth:`Converter.convert_reference`).

>>> converter("s2t").convert("头发和计算机")
'頭髮和計算機'
"""

from __future__ import annotations

import os
import pickle
import re
import tempfile
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version as _dist_version
from pathlib import Path

import ahocorasick

from zhnorm.convert import dicts
from zhnorm.convert.config import ConfigSpec, load_config

__all__ = ["Converter", "FlatDict", "cache_dir", "converter"]

SENTINEL = "\ufdd0"
_PLACEHOLDER_BASE = 0x100000
_PLACEHOLDER_LAST = 0x10FFFD
# Characters that send a text to the exact slow path.
_SLOW_CHARS = re.compile("[\u2ff0-\u2fff\ufdd0\U00100000-\U0010fffd]")
_ENGINE_VERSION = "1"


def _ids_arity(ch: str) -> int:
    cp = ord(ch)
    if cp in (0x2FF2, 0x2FF3):
        return 3
    if cp in (0x2FFE, 0x2FFF):
        return 1
    if 0x2FF0 <= cp <= 0x2FFD:
        return 2
    return 0


def ids_length(text: str, pos: int, end: int) -> int:
    """Length of the complete IDS starting at ``text[pos]`` (within ``end``), else 0.

    Mirrors UTF8Util::NextIdeographicDescriptionSequenceLength: at most 16
    levels and 64 code points; an incomplete or invalid sequence gives 0.

    >>> ids_length("⿰氵每x", 0, 4), ids_length("⿰氵", 0, 2)
    (3, 0)
    """
    if pos >= end or not _ids_arity(text[pos]):
        return 0
    count = [0]

    def consume(p: int, depth_left: int) -> int:
        # Returns the consumed length, -1 for incomplete, -2 for invalid.
        if p >= end:
            return -1
        if depth_left == 0 or count[0] >= 64:
            return -2
        count[0] += 1
        arity = _ids_arity(text[p])
        if not arity:
            return 1
        offset = 1
        for _ in range(arity):
            if p + offset >= end:
                return -1
            sub = consume(p + offset, depth_left - 1)
            if sub < 0:
                return sub
            offset += sub
        return offset

    result = consume(pos, 16)
    return result if result > 0 else 0


class FlatDict:
    """One flattened dictionary and its fast matcher.

    ``convert`` gives OpenCC's conversion of a text free of IDS operators,
    U+FDD0 and placeholders; ``reference`` is the exact character-by-character
    scan used for every other text and by ``explain``.
    """

    def __init__(self, entries: Mapping[str, str], automaton: ahocorasick.Automaton | None = None):
        self.entries = dict(entries)
        self.maxlen = max(map(len, self.entries), default=0)
        single = {k: v for k, v in self.entries.items() if len(k) == 1}
        table: dict[int, str] = {ord(k): v for k, v in single.items()}
        self._has_multi = len(single) != len(self.entries)
        plain_table = dict(table)
        next_placeholder = _PLACEHOLDER_BASE
        self._values: dict[str, str] = {}
        for key, value in self.entries.items():
            if len(key) == 1:
                continue
            if value.translate(plain_table) != value:
                if next_placeholder > _PLACEHOLDER_LAST:
                    raise ValueError("too many placeholders")
                table[next_placeholder] = value
                value = chr(next_placeholder)
                next_placeholder += 1
            self._values[key] = value
        self.table = table
        self._automaton = automaton

    @property
    def automaton(self) -> ahocorasick.Automaton | None:
        """The automaton over multi-character keys, as UTF-8 bytes read as Latin-1."""
        if self._automaton is None and self._has_multi:
            self._automaton = build_automaton(self._values)
        return self._automaton

    def convert(self, text: str) -> str:
        """Convert ``text`` (no IDS operator, U+FDD0 or placeholder in it)."""
        automaton = self.automaton
        if automaton is None:
            return text.translate(self.table)
        raw = text.encode("utf-8", "surrogatepass").decode("latin-1")
        parts: list[str] = []
        append = parts.append
        last = 0
        for end, (length, value) in automaton.iter_long(raw):
            start = end + 1 - length
            append(raw[last:start])
            append(value)
            last = end + 1
        if not parts:
            return text.translate(self.table)
        append(raw[last:])
        joined = "".join(parts).encode("latin-1").decode("utf-8", "surrogatepass")
        return joined.translate(self.table)

    def scan(self, text: str) -> list[tuple[int, int, str | None]]:
        """OpenCC's scan of ``text``: ``(start, end, value)`` per step, value None = copied."""
        entries = self.entries
        maxlen = self.maxlen
        n = len(text)
        steps: list[tuple[int, int, str | None]] = []
        p = 0
        while p < n:
            for length in range(min(maxlen, n - p), 0, -1):
                value = entries.get(text[p : p + length])
                if value is not None:
                    steps.append((p, p + length, value))
                    p += length
                    break
            else:
                length = ids_length(text, p, n) or 1
                steps.append((p, p + length, None))
                p += length
        return steps

    def reference(self, text: str) -> str:
        """The exact, slow conversion of any text."""
        return "".join(text[s:e] if v is None else v for s, e, v in self.scan(text))


def build_automaton(values: Mapping[str, str]) -> ahocorasick.Automaton:
    """Aho-Corasick automaton over the UTF-8 bytes (as Latin-1 text) of the keys."""
    automaton = ahocorasick.Automaton()
    for key, value in values.items():
        raw_key = key.encode("utf-8").decode("latin-1")
        raw_value = value.encode("utf-8", "surrogatepass").decode("latin-1")
        automaton.add_word(raw_key, (len(raw_key), raw_value))
    automaton.make_automaton()
    return automaton


@dataclass
class Converter:
    """An OpenCC config ready to convert: ``Converter.convert(text) -> str``."""

    spec: ConfigSpec
    normalization: tuple[FlatDict, ...]
    segmentation: FlatDict | None
    chain: tuple[FlatDict, ...]

    @property
    def name(self) -> str:
        return self.spec.name

    def convert(self, text: str) -> str:
        """Convert ``text`` exactly as OpenCC 1.4.2 does."""
        if not text:
            return text
        if _SLOW_CHARS.search(text):
            return self.convert_reference(text)
        for flat in self.normalization:
            text = flat.convert(text)
        if self.segmentation is None:
            for flat in self.chain:
                text = flat.convert(text)
            return text
        text = self.segmentation.convert(text)
        if "\x00" in text:
            text = re.sub("\x00[^\ufdd0]*", "", text)
        for flat in self.chain:
            text = flat.convert(text)
        return text.replace(SENTINEL, "")

    __call__ = convert

    def segments(self, text: str) -> list[tuple[int, int]]:
        """OpenCC's segments of an already normalized ``text`` as ``(start, end)`` spans."""
        if self.segmentation is None:
            return [(0, len(text))] if text else []
        spans: list[tuple[int, int]] = []
        run_start = 0
        for start, end, value in self.segmentation.scan(text):
            if value is None:
                continue
            if run_start < start:
                spans.append((run_start, start))
            spans.append((start, end))
            run_start = end
        if run_start < len(text):
            spans.append((run_start, len(text)))
        return spans

    def convert_reference(self, text: str) -> str:
        """The exact character-by-character emulation of OpenCC (slow; any text)."""
        for flat in self.normalization:
            text = flat.reference(text)
        out: list[str] = []
        for start, end in self.segments(text):
            segment = text[start:end]
            if self.segmentation is not None:
                segment = segment.split("\x00", 1)[0]
            for flat in self.chain:
                segment = flat.reference(segment)
            out.append(segment)
        return "".join(out)


def cache_dir() -> Path:
    """Where built automata are cached: ``$ZHNORM_CACHE_DIR``, else the XDG cache."""
    override = os.environ.get("ZHNORM_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "zhnorm"


def _cache_file(name: str) -> Path:
    from zhnorm import __version__

    tag = "-".join(
        (
            name,
            __version__,
            dicts.data_version(),
            "pyahocorasick" + _dist_version("pyahocorasick"),
            "e" + _ENGINE_VERSION,
        )
    )
    return cache_dir() / f"{tag}.pickle"


def _load_cached(path: Path) -> list[ahocorasick.Automaton | None] | None:
    try:
        with path.open("rb") as handle:
            data = pickle.load(handle)
    except Exception:  # a missing, truncated or foreign file: rebuild
        return None
    if not isinstance(data, list):
        return None
    return data


def _store(path: Path, automata: list[ahocorasick.Automaton | None]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(automata, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # an unwritable cache only costs start-up time


def _build(name: str) -> Converter:
    spec = load_config(name)
    dicts_in_order: list[Mapping[str, str]] = [*spec.normalization]
    if spec.segmentation is not None:
        dicts_in_order.append({k: SENTINEL + k + SENTINEL for k in spec.segmentation})
    dicts_in_order.extend(spec.chain)
    path = _cache_file(name)
    cached = _load_cached(path)
    if cached is not None and len(cached) != len(dicts_in_order):
        cached = None
    flats = [
        FlatDict(entries, cached[i] if cached is not None else None)
        for i, entries in enumerate(dicts_in_order)
    ]
    if cached is None:
        _store(path, [flat.automaton for flat in flats])
    n_norm = len(spec.normalization)
    has_seg = spec.segmentation is not None
    return Converter(
        spec=spec,
        normalization=tuple(flats[:n_norm]),
        segmentation=flats[n_norm] if has_seg else None,
        chain=tuple(flats[n_norm + has_seg :]),
    )


@cache
def converter(name: str) -> Converter:
    """The converter for OpenCC config ``name``, built once per process."""
    return _build(name)


ConvertFn = Callable[[str], str]


_Piece = tuple[int, int, str]  # (source start, source end, current text)


def _track(pieces: list[_Piece], flat: FlatDict) -> list[_Piece]:
    """Run ``flat`` over the pieces' text, keeping for each output piece its source span.

    A dictionary step that covers parts of several pieces merges them, so the
    source spans of the result never overlap.
    """
    pieces = _absorb_empty(pieces)
    if len(pieces) <= 1 and not (pieces and pieces[0][2]):
        return pieces
    starts: list[int] = []
    offset = 0
    for _, _, txt in pieces:
        starts.append(offset)
        offset += len(txt)
    current = "".join(txt for _, _, txt in pieces)
    out: list[_Piece] = []
    group_first = group_last = -1
    group_text: list[str] = []
    for s, e, value in flat.scan(current):
        first = bisect_right(starts, s) - 1
        last = bisect_right(starts, e - 1) - 1
        piece_text = current[s:e] if value is None else value
        if group_text and first <= group_last:
            group_last = max(group_last, last)
            group_text.append(piece_text)
            continue
        if group_text:
            out.append((pieces[group_first][0], pieces[group_last][1], "".join(group_text)))
        group_first, group_last, group_text = first, last, [piece_text]
    if group_text:
        out.append((pieces[group_first][0], pieces[group_last][1], "".join(group_text)))
    return out


def _absorb_empty(pieces: list[_Piece]) -> list[_Piece]:
    """Merge pieces whose text became empty into a neighbour (their spans are adjacent)."""
    if all(txt for _, _, txt in pieces):
        return pieces
    out: list[_Piece] = []
    pending: int | None = None
    for s, e, txt in pieces:
        if not txt:
            pending = s if pending is None else pending
            continue
        if pending is not None:
            s, pending = pending, None
        out.append((s, e, txt))
    if pending is not None:
        if out:
            s, _, txt = out[-1]
            out[-1] = (s, pieces[-1][1], txt)
        else:
            out.append((pending, pieces[-1][1], ""))
    return out


def _explain(conv: Converter, text: str) -> list[_Piece]:
    """``(start, end, after)`` for every converted piece of ``text``, in order."""
    pieces: list[_Piece] = [(i, i + 1, ch) for i, ch in enumerate(text)]
    for flat in conv.normalization:
        pieces = _track(pieces, flat)
    pieces = _absorb_empty(pieces)
    normalized = "".join(txt for _, _, txt in pieces)
    starts: list[int] = []
    offset = 0
    for _, _, txt in pieces:
        starts.append(offset)
        offset += len(txt)
    result: list[_Piece] = []
    index = 0
    for _seg_start, seg_end in conv.segments(normalized):
        if index < len(pieces) and starts[index] >= seg_end:
            continue  # a segment inside a piece already handled
        first = index
        while index < len(pieces) and starts[index] < seg_end:
            index += 1
        segment = pieces[first:index]
        if conv.segmentation is not None:
            segment = _truncate_at_nul(segment)
        for flat in conv.chain:
            segment = _track(segment, flat)
        result.extend(segment)
    return result


def _truncate_at_nul(pieces: list[_Piece]) -> list[_Piece]:
    """A segment is passed to OpenCC's chain as a C string: a NUL ends it."""
    for i, (s, _e, txt) in enumerate(pieces):
        cut = txt.find("\x00")
        if cut >= 0:
            kept = [*pieces[:i], (s, pieces[-1][1], txt[:cut])]
            return kept
    return pieces
