"""Convert only what is foreign: one consistent script from pages that mix both.

Running one OpenCC config over a whole page damages what was already right:
s2t turns Traditional ``烏干達`` into ``烏幹達``, tw2s turns Simplified ``么``
into ``幺``. Here :func:`zhnorm.script.segments` cuts the page into runs
foreign to the target script, runs already in it, and clauses mixing both, and

- a foreign run is converted with the config that fits its source (``s2t``
  for Simplified; ``t2s`` for Traditional, with ``tw2s`` for the clauses of a
  Taiwan-style run that hold ``著`` or another character t2s handles
  differently);
- a run already in the target script is kept byte-identical (for a regional
  target such as ``tw`` it only gets that region's variants, with ``t2tw``);
- a mixed clause is converted whole, for phrase context, and then every
  character of its target-script part keeps its form: the characters unique
  to the target script, the neutral ones nearer to those than to a foreign
  one, and every phrase OpenCC knows whose target-script form is already there
  (``烏干達`` and ``獲准`` stay);
- the page's own spelling wins over OpenCC's defaults: a bigram written one
  way in the page's target-script clauses (``希伯崙``) is written that way in
  its converted runs too (s2t alone gives ``希伯侖``).

User dictionaries (OpenCC's ``phrase<TAB>replacement`` format) and protected
terms are matched first, leftmost-longest, inside every text that is
converted: a dictionary phrase becomes its replacement verbatim, a protected
term stays as it is. ``to="auto"`` converts the minority script to the
majority one. ``convert_all`` or ``opencc`` converts everything (OpenCC's
output, byte for byte, when no dictionary or protected term is given).

>>> from zhnorm.pipeline import Normalizer
>>> convert_foreign("烏干達的经济发展，很快。", Normalizer(to="hant", only=("repair",)))
'烏干達的經濟發展，很快。'
>>> convert_foreign("看著這本書，这是什么？", Normalizer(to="hans", only=("repair",)))
'看着这本书，这是什么？'
>>> convert_foreign("头发很长。頭髮很長。", Normalizer(to="auto", only=("repair",)))
'头发很长。头发很长。'
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ahocorasick

from zhnorm.codepoints import char_table, code_points
from zhnorm.convert import dicts
from zhnorm.convert.config import CONFIG_NAMES, load_config
from zhnorm.convert.engine import BIG_TEXT, code_array, converter
from zhnorm.convert.targets import TARGETS
from zhnorm.pipeline import Change
from zhnorm.script import (
    BIG_SCAN,
    BOUNDARY,
    HANS,
    HANT,
    MIXED,
    NATIVE,
    NEUTRAL,
    char_class,
    fast_pattern,
    find_unique,
    hans_only,
    hant_only,
    leaning,
    majority,
    segments,
)

if TYPE_CHECKING:
    from zhnorm.pipeline import Normalizer

__all__ = ["convert_foreign", "convert_foreign_batch", "explain_foreign", "validate_mixed"]


#: Not worked out yet (``None`` is an answer).
_UNSET: Any = object()

# A converted span: (start, end, replacement, kind, detail) in the input's indices.
_Piece = tuple[int, int, str, str, str]
_IDS_CHARS = "".join(map(chr, range(0x2FF0, 0x3000)))
_IDS_OPERATOR = re.compile(f"[{_IDS_CHARS}]")


# --------------------------------------------------------------------------
# Plans: which config converts which runs, per target (cached per process)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    #: The target script, ``hans`` or ``hant``.
    script: str
    #: Config for foreign runs.
    foreign: str | None
    #: Config for foreign runs written in Taiwan's orthography (``None``: ``foreign``).
    foreign_tw: str | None
    #: Config for runs already in the target script (``None``: kept as they are).
    native: str | None
    #: Convert everything with ``foreign`` (``convert_all`` / a raw OpenCC config).
    everything: bool


def _automaton(keys: Iterable[str]) -> ahocorasick.Automaton:
    """An Aho-Corasick automaton over ``keys``; each match's value is its length."""
    automaton = ahocorasick.Automaton()
    for key in keys:
        automaton.add_word(key, len(key))
    automaton.make_automaton()
    return automaton


@cache
def _plan(to: str, opencc: str | None, convert_all: bool) -> _Plan:
    if opencc:
        return _Plan(HANS, opencc, None, None, True)
    target = TARGETS[to]
    script = target.script
    foreign = target.from_hant if script == HANS else target.from_hans
    native = target.from_hans if script == HANS else target.from_hant
    foreign_tw = "tw2s" if foreign == "t2s" else None
    if convert_all:
        return _Plan(script, foreign, None, None, True)
    return _Plan(script, foreign, foreign_tw, native, False)


@cache
def _tw_style() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Characters of Taiwan's orthography and of OpenCC's where they differ (``為``/``爲``)."""
    tw, opencc_forms = _tw_style_chars()
    return (
        re.compile("[" + re.escape(tw) + "]"),
        re.compile("[" + re.escape(opencc_forms) + "]"),
    )


@cache
def _tw_style_chars() -> tuple[str, str]:
    """The characters of :func:`_tw_style`'s two patterns."""
    tw: set[str] = set()
    opencc_forms: set[str] = set()
    table = dicts.load("TWVariants.txt")
    for key, value in table.items():
        if len(key) == 1 and len(value) == 1 and key != value:
            opencc_forms.add(key)
            tw.add(value)
    # Only characters Simplified never writes tell the orthography (着 does not).
    unique = hant_only()
    tw = (tw - opencc_forms) & unique
    opencc_forms = (opencc_forms - tw) & unique
    tw.add("著")  # Taiwan writes 著 for OpenCC's 着 (zhe), which t2s keeps as 著
    return "".join(sorted(tw)), "".join(sorted(opencc_forms))


# --------------------------------------------------------------------------
# Phrases OpenCC knows, in their target-script form
# --------------------------------------------------------------------------


@cache
def _known_phrases(name: str, script: str) -> ahocorasick.Automaton | None:
    """The target-script forms of the phrases of config ``name`` that hold a character
    unique to ``script``: where one is found in a run being converted, it is already
    right and is kept (``烏干達`` is ``乌干达`` in STPhrases, and s2t alone would
    re-convert it character by character into ``烏幹達``)."""
    spec = load_config(name)
    variants = [dicts.load(f) for f in ("TWVariants.txt", "HKVariants.txt")] if script == HANT else []
    forms: set[str] = set()
    for table in spec.chain:
        for key, value in table.items():
            if len(key) < 2 or key == value:
                continue
            if find_unique(value, script) < 0:
                continue
            forms.add(value)
            for variant in variants:
                regional = "".join(variant.get(ch, ch) for ch in value)
                forms.add(regional)
    if not forms:
        return None
    return _automaton(forms)


# --------------------------------------------------------------------------
# User dictionaries and protected terms
# --------------------------------------------------------------------------


@cache
def _read_dict(path: str) -> dict[str, str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read dictionary {path}: {error}") from None
    return dicts.parse(text, path)


@dataclass(frozen=True)
class _UserLayer:
    automaton: ahocorasick.Automaton
    #: key -> (replacement, source): source is a file name, or "" for a protected term.
    entries: dict[str, tuple[str, str]]


@cache
def _user_layer(paths: tuple[str, ...], protect: tuple[str, ...]) -> _UserLayer | None:
    """One automaton over the protected terms and the user dictionaries' phrases.

    A protected term wins over a dictionary phrase; an earlier file wins over a later one.
    """
    entries: dict[str, tuple[str, str]] = {}
    for term in protect:
        if term:
            entries.setdefault(term, (term, ""))
    for path in paths:
        for key, value in _read_dict(path).items():
            entries.setdefault(key, (value, path))
    if not entries:
        return None
    return _UserLayer(_automaton(entries), entries)


def validate_mixed(config: Normalizer) -> None:
    """Check the user dictionaries (readable, well-formed) and the protected terms.

    Raises ``ValueError`` with a one-line message naming the file and line.

    >>> from zhnorm.pipeline import Normalizer
    >>> validate_mixed(Normalizer(only=("repair",), dicts=("/no/such.txt",)))
    Traceback (most recent call last):
    ...
    ValueError: cannot read dictionary /no/such.txt: [Errno 2] No such file or directory: '/no/such.txt'
    """
    for path in config.dicts:
        _read_dict(path)
    for term in config.protect:
        if not isinstance(term, str) or not term.strip():
            raise ValueError(f"protected term {term!r} is empty")
    if config.opencc is None and config.to != "auto" and config.to not in TARGETS:
        raise ValueError(f"unknown target {config.to!r}; valid: auto, {', '.join(TARGETS)}")
    if config.opencc is not None and config.opencc not in CONFIG_NAMES:
        raise ValueError(f"unknown OpenCC config {config.opencc!r}; valid: {', '.join(CONFIG_NAMES)}")


# --------------------------------------------------------------------------
# The conversion
# --------------------------------------------------------------------------


def _native_mask(
    text: str, start: int, end: int, script: str, phrases: ahocorasick.Automaton | None
) -> list[bool]:
    """For a clause holding both scripts: which of its characters belong to the target-script part.

    A unique character belongs to its script; a leaning one (``万``, ``於``)
    to the script it leans to; any other neutral character goes with the nearer
    unique character (the earlier one on a tie). A phrase known in its
    target-script form is target-script throughout.
    """
    chunk = text[start:end]
    n = len(chunk)
    mask = [False] * n
    marks: list[tuple[int, bool]] = []
    weak: list[tuple[int, bool]] = []
    for i, ch in enumerate(chunk):
        cls = char_class(ch)
        if cls != NEUTRAL:
            marks.append((i, cls == script))
            continue
        lean = leaning(ch)
        if lean != NEUTRAL:
            weak.append((i, lean == script))
    k = 0
    for i in range(n):
        while k + 1 < len(marks) and abs(marks[k + 1][0] - i) < abs(marks[k][0] - i):
            k += 1
        mask[i] = marks[k][1]
    for i, native in weak:
        mask[i] = native
    if phrases is not None:
        for last, length in phrases.iter_long(chunk):
            for i in range(last + 1 - length, last + 1):
                mask[i] = True
    return mask


def _run_config(
    text: str,
    start: int,
    end: int,
    name: str | None,
    user: _UserLayer | None,
    out: list[_Piece],
    native: str | None = None,
    mask: list[int] | None = None,
    memory: _Memory | None = None,
    alt: str | None = None,
    converted_already: tuple[str, list[tuple[int, int]]] | None = None,
) -> None:
    """Convert ``text[start:end]`` with config ``name`` (None: keep), after the user layer.

    ``mask`` lists (sorted, absolute) positions that keep their target-script
    form: the original character, or the ``native`` config's output for it.
    ``converted_already`` is :func:`_convert`'s result for the span, when the
    caller converted several spans in one call.
    """
    if start >= end:
        return
    if user is not None:
        position = start
        chunk = text[start:end]
        for last, length in user.automaton.iter_long(chunk):
            first = start + last + 1 - length
            _run_config(text, position, first, name, None, out, native, mask, memory, alt)
            key = chunk[first - start : first - start + length]
            replacement, source = user.entries[key]
            if source:
                out.append((first, first + length, replacement, name or "dict", f"user dictionary {source}"))
            position = first + length
        _run_config(text, position, end, name, None, out, native, mask, memory, alt)
        return
    if name is None:
        return
    segment = text[start:end]
    converted, alt_spans = converted_already or _convert(segment, name, alt)
    if mask:
        first = bisect_left(mask, start)
        last = bisect_left(mask, end)
        if first < last and len(converted) == len(segment):
            kept = converter(native).convert(segment) if native else segment
            if len(kept) == len(segment):
                chars = list(converted)
                for i in mask[first:last]:
                    chars[i - start] = kept[i - start]
                converted = "".join(chars)
    if memory is not None and len(converted) == len(segment):
        converted = memory.apply(segment, converted, start, mask or [])
    if not alt_spans:
        out.append((start, end, converted, name, ""))
        return
    done = 0
    for a, b in alt_spans:
        if done < a:
            out.append((start + done, start + a, converted[done:a], name, ""))
        out.append((start + a, start + b, converted[a:b], alt or name, ""))
        done = b
    if done < len(segment):
        out.append((start + done, end, converted[done:], name, ""))


@cache
def _evidence_lost(name: str, script: str) -> re.Pattern[str] | None:
    """The characters unique to ``script`` that config ``name`` turns into characters
    unique to neither script (Hong Kong writes ``台`` for ``臺``, as Simplified does)."""
    unique = sorted(hant_only() if script == HANT else hans_only())
    lost = [
        ch
        for ch, out in zip(unique, converter(name).convert_batch(unique), strict=True)
        if find_unique(out, script) < 0
    ]
    return re.compile("[" + re.escape("".join(lost)) + "]") if lost else None


def _would_convert_again(text: str, pieces: list[_Piece], plan: _Plan) -> bool:
    """Might converting the output of ``pieces`` (a regional target's) change it again?

    Maybe if a piece's output holds a character unique to the other script (a
    phrase can keep one: s2tw writes Hang Seng ``恒生`` with Simplified-only ``恒``;
    converting again tells). And maybe if no
    piece's output holds one unique to the target script while the text held one
    that the config for runs in that script turns into a neutral one: Hong Kong
    writes ``台`` for ``臺``, as Simplified does, so ``和臺干`` (Traditional, kept)
    comes out as ``和台干``, which leans to Simplified (``干``) and would be
    converted whole.
    """
    assert plan.native is not None
    other = HANS if plan.script == HANT else HANT
    anchored = False  # an output holds a character unique to the target script
    for piece in pieces:  # (loops, not any(): this runs once a line)
        if find_unique(piece[2], other) >= 0:
            return True
        anchored = anchored or find_unique(piece[2], plan.script) >= 0
    if anchored:
        return False
    lost = _evidence_lost(plan.native, plan.script)
    return lost is not None and lost.search(text) is not None


#: Runs at least this long look for the page's bigrams with NumPy (the automaton's
#: ``iter_long`` reads ~6 M characters/s).
_BIGRAM_SCAN = 1 << 10


class _Memory:
    """How this page writes words in the target script, learnt from its target-script runs.

    A page that writes ``希伯崙`` in its Traditional part wants ``希伯仑`` in its
    Simplified part to become ``希伯崙`` too, where s2t alone gives ``希伯侖``.
    Each character of a target-script run that the foreign config would not
    reproduce from its source-script form is remembered with its neighbours, as
    two bigrams (source-script form -> form on the page); a bigram seen with two
    different forms is forgotten. Foreign runs then take the page's form for
    every remembered bigram.
    """

    def __init__(self, entries: dict[str, str]) -> None:
        self.entries = entries
        self.automaton = _automaton(entries)
        self.bigrams = all(len(key) == 2 for key in entries)

    @classmethod
    def learn(cls, text: str, spans: list[tuple[int, int]], script: str, foreign: str) -> _Memory | None:
        forward = converter(foreign).convert
        entries: dict[str, str] = {}
        conflicts: set[str] = set()
        written = "".join(text[a:b] for a, b in spans)
        trip = _round_trip(written, "t2s" if script == HANT else "s2t", foreign)
        if trip is None:
            return None
        source, differing = trip
        checked: dict[str, str] = {}
        teaches: dict[int, bool] = {}  # clause start -> does it hold a character unique to the script
        for i in differing:
            # Only clauses holding a character unique to the target script teach
            # (a neutral clause may be a foreign one that followed its neighbour).
            left = max(0, i - _WINDOW)
            for boundary in _CLAUSE_END.finditer(written, left, i):
                left = boundary.end()
            if left not in teaches:
                end_match = _CLAUSE_END.search(written, i)
                right = end_match.start() if end_match else len(written)
                teaches[left] = find_unique(written, script, left, right) >= 0
            if not teaches[left]:
                continue
            for a in (i - 1, i):
                b = a + 2
                if a < 0 or b > len(written) or not all(map(_is_han, written[a:b])):
                    continue
                key, value = source[a:b], written[a:b]
                if key in conflicts:
                    continue
                if key not in checked:
                    checked[key] = forward(key)
                if checked[key] == value:
                    continue
                if entries.setdefault(key, value) != value:
                    del entries[key]
                    conflicts.add(key)
        return cls(entries) if entries else None

    def _matches(self, segment: str) -> Iterable[tuple[int, int]]:
        """``(last, length)`` of the leftmost non-overlapping matches, as ``iter_long``.

        Every key is a bigram, so for a long text NumPy finds the positions
        whose two characters can start and end a key, and a dict check and a
        left-to-right pass keep the same matches as the automaton.
        """
        if len(segment) < _BIGRAM_SCAN or not self.bigrams:
            return self.automaton.iter_long(segment)
        import numpy as np

        codes = code_points(segment)
        first_chars, second_chars = self._tables
        candidates = np.flatnonzero(first_chars[codes[:-1]] & second_chars[codes[1:]]).tolist()
        entries = self.entries
        found: list[tuple[int, int]] = []
        done = 0
        for i in candidates:
            if i >= done and segment[i : i + 2] in entries:
                found.append((i + 1, 2))
                done = i + 2
        return found

    @cached_property
    def _tables(self) -> tuple[Any, Any]:
        import numpy as np

        first_chars = np.zeros(0x110000, dtype=bool)
        second_chars = np.zeros(0x110000, dtype=bool)
        first_chars[[ord(key[0]) for key in self.entries]] = True
        second_chars[[ord(key[1]) for key in self.entries]] = True
        return first_chars, second_chars

    def apply(self, segment: str, converted: str, start: int, mask: list[int]) -> str:
        parts: list[str] = []
        done = 0
        for last, length in self._matches(segment):
            first = last + 1 - length
            if first < done:
                continue
            k = bisect_left(mask, start + first)
            if k < len(mask) and mask[k] < start + last + 1:
                continue  # touches the target-script part of a mixed clause
            parts.append(converted[done:first])
            parts.append(self.entries[segment[first : last + 1]])
            done = last + 1
        if not parts:
            return converted
        parts.append(converted[done:])
        return "".join(parts)


#: A text shorter than this makes its round trip whole (the tables below cost ~0.2 s once).
_SMALL_TRIP = 1 << 14


def _round_trip(written: str, inverse: str, forward: str) -> tuple[str, list[int]] | None:
    """``written`` converted with ``inverse`` (its source-script form), and the
    positions where converting that back with ``forward`` does not give ``written``.

    ``None`` when a conversion changes the length. For a long text, only the
    pieces around characters whose round trip may differ (see
    :func:`_trip_tables`) are converted: the returned source form is exact in
    every piece holding a returned position (elsewhere it is ``written``).
    """
    n = len(written)
    tables = codes = None
    if n >= _SMALL_TRIP:
        tables = _trip_tables(inverse, forward)
        codes = code_points(written)
        if tables[-1][codes].any():
            tables = None  # a NUL, an IDS operator, a noncharacter or placeholder: the engine's exact path
    if tables is None:
        source = converter(inverse).convert(written)
        again = converter(forward).convert(source)
        if not len(source) == len(again) == n:
            return None
        if n < _SMALL_TRIP:  # (a short text need not import NumPy, ~0.1 s)
            return source, [i for i, (a, b) in enumerate(zip(again, written, strict=True)) if a != b]
        return source, (code_points(again) != code_points(written)).nonzero()[0].tolist()
    import numpy as np

    risky, watched, left, right, safe, _special = tables
    assert codes is not None
    hits = np.flatnonzero(risky[codes])
    watch = np.flatnonzero(watched[codes])
    if len(watch):
        # Characters that come back different only inside some phrase: flagged
        # when a neighbour can be that phrase's (see :func:`_compute_trip_rules`).
        flagged = np.zeros(len(watch), dtype=bool)
        inner = watch > 0
        flagged[inner] = _pairs_in(left, codes[watch[inner] - 1], codes[watch[inner]])
        inner = watch + 1 < n
        flagged[inner] |= _pairs_in(right, codes[watch[inner]], codes[watch[inner] + 1])
        if flagged.any():
            hits = np.union1d(hits, watch[flagged])
    if not len(hits):
        return written, []
    # Each risky character's piece: from after the safe character before it to
    # the safe character after it, included. No dictionary key holds a safe
    # character, so no match of either conversion crosses a piece's edge, and
    # converting the pieces joined is converting them in place.
    cuts = np.flatnonzero(safe[codes])
    slots = np.unique(np.searchsorted(cuts, hits))
    with_end = np.append(cuts + 1, n)
    starts = np.where(slots > 0, with_end[np.maximum(slots - 1, 0)], 0)
    ends = with_end[slots]
    starts_list, ends_list = starts.tolist(), ends.tolist()
    joined = "".join([written[a:b] for a, b in zip(starts_list, ends_list, strict=True)])
    source_part = converter(inverse).convert(joined, large=True)  # pieces of a long text
    again = converter(forward).convert(source_part, large=True)
    if not len(source_part) == len(again) == len(joined):
        return None
    found = np.flatnonzero(code_points(again) != code_points(joined))
    if not len(found):
        return written, []
    # Joined positions -> positions in ``written``.
    sizes = ends - starts
    offsets = np.cumsum(sizes) - sizes
    piece = np.searchsorted(offsets, found, side="right") - 1
    differing = (found - offsets[piece] + starts[piece]).tolist()
    # The source form, exact in the pieces that hold a difference.
    parts: list[str] = []
    done = 0
    for k in np.unique(piece).tolist():
        a, b, o = starts_list[k], ends_list[k], int(offsets[k])
        parts.append(written[done:a])
        parts.append(source_part[o : o + b - a])
        done = b
    parts.append(written[done:])
    return "".join(parts), differing


@cache
def _trip_tables(inverse: str, forward: str) -> tuple[Any, Any, Any, Any, Any, Any]:
    """Code point tables for the round trip ``inverse`` then ``forward``:

    - *risky*: a character that may come back different whatever its
      neighbours (see :func:`_compute_trip_rules`);
    - *watched*, with *left* and *right*: a character that may come back
      different only when its left neighbour is one of ``left[ch]`` or its
      right one one of ``right[ch]``; *left* and *right* hold those pairs
      as sorted numbers (see :func:`_pairs_in`);
    - *safe*: a character no key of either config holds (so no match covers
      it) and that is not Han (so no bigram holds it);
    - *special*: a character that sends a text to the engine's exact path
      (NUL, IDS operators, U+FDD0, the placeholders), where it is converted whole.

    Elsewhere the round trip gives the text back unchanged.
    """
    import numpy as np

    risky, held, left, right = _trip_chars(inverse, forward)
    risky_table = np.zeros(0x110000, dtype=bool)
    risky_table[[ord(ch) for ch in risky]] = True
    watched = np.zeros(0x110000, dtype=bool)
    watched[[ord(ch) for ch in (*left, *right)]] = True
    safe = np.ones(0x110000, dtype=bool)
    safe[[ord(ch) for ch in held]] = False
    for lo, hi in ((0x3400, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F)):
        safe[lo : hi + 1] = False
    special = np.zeros(0x110000, dtype=bool)
    special[[0, 0xFDD0]] = True
    special[0x2FF0:0x3000] = True
    special[0x100000:] = True
    left_pairs = [_PAIR * ord(before) + ord(ch) for ch, chars in left.items() for before in chars]
    right_pairs = [_PAIR * ord(ch) + ord(after) for ch, chars in right.items() for after in chars]
    return (
        risky_table,
        watched,
        np.unique(np.array(left_pairs, dtype=np.int64)),
        np.unique(np.array(right_pairs, dtype=np.int64)),
        safe,
        special,
    )


_PAIR = 0x110000  # two code points a and b as one number: a * _PAIR + b


def _pairs_in(pairs: Any, firsts: Any, seconds: Any) -> Any:
    """Which of the pairs ``(firsts[k], seconds[k])`` (code point arrays) ``pairs`` holds."""
    import numpy as np

    keys = firsts.astype(np.int64) * _PAIR + seconds
    if not len(pairs):
        return np.zeros(len(keys), dtype=bool)
    slots = np.minimum(np.searchsorted(pairs, keys), len(pairs) - 1)
    return pairs[slots] == keys


_TRIP_VERSION = "2"

_TripChars = tuple[str, str, dict[str, str], dict[str, str]]


def _trip_chars(inverse: str, forward: str) -> _TripChars:
    """The tables of :func:`_trip_tables` as characters, cached on disk beside
    the compiled converters (reading the configs' dictionaries costs ~0.4 s
    and ~40 MB that a process converting text never needs again)."""
    import json

    from zhnorm.convert.engine import cache_dir, fingerprint, store_cached, used_cached

    path = cache_dir() / f"trip-{inverse}-{forward}-{fingerprint()}-{_TRIP_VERSION}.json"
    try:
        risky, held, left, right = json.loads(path.read_text(encoding="utf-8"))
        if (
            isinstance(risky, str)
            and isinstance(held, str)
            and isinstance(left, dict)
            and isinstance(right, dict)
        ):
            used_cached(path)
            return risky, held, left, right
    except (OSError, ValueError):
        pass
    chars = _compute_trip_chars(inverse, forward)
    store_cached(path, json.dumps(chars).encode("utf-8"))
    return chars


def _config_tables(name: str) -> list[Any]:
    spec = load_config(name)
    segmentation = [spec.segmentation] if spec.segmentation is not None else []
    return [*spec.normalization, *segmentation, *spec.chain]


def _compute_trip_chars(inverse: str, forward: str) -> _TripChars:
    held: set[str] = set()
    for name in (inverse, forward):
        for table in _config_tables(name):
            for key in table:
                held.update(key)
    rules = _compute_trip_rules(inverse, forward)
    if rules is None:
        return _compute_trip_images(inverse, forward), "".join(sorted(held)), {}, {}
    risky, left, right = rules
    return (
        "".join(sorted(risky)),
        "".join(sorted(held)),
        {ch: "".join(sorted(chars)) for ch, chars in sorted(left.items())},
        {ch: "".join(sorted(chars)) for ch, chars in sorted(right.items())},
    )


def _compute_trip_images(inverse: str, forward: str) -> str:
    """Characters that may come back different whatever their neighbours, for any
    pair of configs: every form some step may give a character, as key or inside
    a phrase, is followed through the next steps; a key changing the length
    makes every character it holds risky."""
    steps: list[tuple[dict[str, str], dict[str, set[str]], set[str]]] = []
    held: set[str] = set()
    for name in (inverse, forward):
        for table in _config_tables(name):
            single: dict[str, str] = {}
            inside: dict[str, set[str]] = {}
            resizing: set[str] = set()
            for key, value in table.items():
                held.update(key)
                if len(key) != len(value):
                    resizing.update(key)
                elif len(key) == 1:
                    single[key] = value
                else:
                    for k, v in zip(key, value, strict=True):
                        inside.setdefault(k, set()).add(v)
            steps.append((single, inside, resizing))
    risky: list[str] = []
    for ch in held:
        images = {ch}
        for single, inside, resizing in steps:
            if not images.isdisjoint(resizing):
                images = set()
                break
            following: set[str] = set()
            for image in images:
                # Outside any phrase a character takes its single-character
                # entry's form; inside one, the phrase's (kept or changed).
                following.add(single.get(image, image))
                following.update(inside.get(image, ()))
            images = following
        if images != {ch}:
            risky.append(ch)
    return "".join(sorted(risky))


def _simple_config(name: str) -> tuple[list[Any], dict[str, str], list[tuple[str, str]]] | None:
    """A config as character maps (its normalization), then one dictionary of
    single characters and same-length phrases; ``None`` for any other shape."""
    spec = load_config(name)
    if spec.segmentation is not None or len(spec.chain) != 1:
        return None
    maps = list(spec.normalization)
    if any(len(k) != 1 or len(v) != 1 for table in maps for k, v in table.items()):
        return None
    chain = spec.chain[0]
    if any(len(k) != len(v) for k, v in chain.items()):
        return None
    single = {k: v for k, v in chain.items() if len(k) == 1}
    return maps, single, [(k, v) for k, v in chain.items() if len(k) > 1]


def _compute_trip_rules(
    inverse: str, forward: str
) -> tuple[set[str], dict[str, set[str]], dict[str, set[str]]] | None:
    """When and where a character ``x`` of the text may not come back from the round trip.

    Both configs must be character maps and one dictionary (s2t, t2s). At a
    position holding ``x``, the inverse gives ``x`` its single-character form
    unless a phrase P1 covers the position, and the forward config likewise
    unless a phrase P2 covers it in the inverse's output. Then:

    - with neither phrase, ``x`` comes back as its single-character round
      trip: ``x`` is *risky* when that is not ``x``;
    - a phrase covers at least one neighbour of the position, so a phrase
      that would bring ``x`` back different can only be there when that
      neighbour is one of the characters that can become the phrase's one
      there: those characters go into ``left[x]`` (the phrase covers the left
      neighbour) or ``right[x]``.

    Returns ``(risky, left, right)``, or ``None`` for other configs.
    """
    parts_i, parts_f = _simple_config(inverse), _simple_config(forward)
    if parts_i is None or parts_f is None:
        return None
    maps_i, single_i, phrases_i = parts_i
    maps_f, single_f, phrases_f = parts_f

    def norm_i(ch: str) -> str:
        for table in maps_i:
            ch = table.get(ch, ch)
        return ch

    def norm_f(ch: str) -> str:
        for table in maps_f:
            ch = table.get(ch, ch)
        return ch

    # Every character some table or key holds; any other one maps to itself all the way.
    chars = set(single_i) | set(single_f)
    for table in (*maps_i, *maps_f):
        chars.update(table)
        chars.update(table.values())
    for key, _ in (*phrases_i, *phrases_f):
        chars.update(key)
    inside_i: dict[str, set[str]] = {}  # inverse's input char -> its forms inside phrases
    by_char_i: dict[str, list[tuple[str, str, int]]] = {}
    for key, value in phrases_i:
        for t, (k, v) in enumerate(zip(key, value, strict=True)):
            inside_i.setdefault(k, set()).add(v)
            by_char_i.setdefault(k, []).append((key, value, t))
    by_char_f: dict[str, list[tuple[str, str, int]]] = {}
    for key, value in phrases_f:
        for t, k in enumerate(key):
            by_char_f.setdefault(k, []).append((key, value, t))
    # The forms a character may have when the forward config's phrases are matched.
    middle: dict[str, set[str]] = {}
    for x in chars:
        a = norm_i(x)
        middle[x] = {norm_f(b) for b in {single_i.get(a, a)} | inside_i.get(a, set())}
    becomes_middle: dict[str, set[str]] = {}
    for x, forms in middle.items():
        for form in forms:
            becomes_middle.setdefault(form, set()).add(x)
    becomes_input: dict[str, set[str]] = {}
    for x in chars:
        becomes_input.setdefault(norm_i(x), set()).add(x)

    def before_middle(ch: str) -> set[str]:
        found = set(becomes_middle.get(ch, ()))
        return found | {ch} if ch not in chars else found

    def before_input(ch: str) -> set[str]:
        found = set(becomes_input.get(ch, ()))
        return found | {ch} if ch not in chars else found

    risky: set[str] = set()
    left: dict[str, set[str]] = {}
    right: dict[str, set[str]] = {}
    for x in chars:
        a = norm_i(x)
        c = norm_f(single_i.get(a, a))
        if single_f.get(c, c) != x:
            risky.add(x)
            continue
        for key, value, t in by_char_i.get(a, ()):
            c = norm_f(value[t])
            if single_f.get(c, c) != x:
                if t > 0:
                    left.setdefault(x, set()).update(before_input(key[t - 1]))
                else:
                    right.setdefault(x, set()).update(before_input(key[1]))
        for form in middle[x]:
            for key, value, t in by_char_f.get(form, ()):
                if value[t] != x:
                    if t > 0:
                        left.setdefault(x, set()).update(before_middle(key[t - 1]))
                    else:
                        right.setdefault(x, set()).update(before_middle(key[1]))
    return risky, left, right


def _is_han(ch: str) -> bool:
    cp = ord(ch)
    return 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3134F


# tw2s is t2s after Taiwan's variants are mapped to OpenCC's. Its output differs
# from t2s's only around a few characters (著, 么, ...: the "triggers"), so a
# Taiwan-style run is converted with t2s, and only its clauses holding a trigger
# with tw2s (no dictionary phrase crosses punctuation): the run costs t2s's time.
_CLAUSE_END = re.compile(f"[{BOUNDARY}]+")
#: Matched from a position, ends after the last boundary before ``endpos``.
_LAST_BOUNDARY = re.compile(f"(?s).*[{BOUNDARY}]")
_WINDOW = 64  # a clause longer than this is cut (OpenCC's phrases are far shorter)

# Standard Simplified characters that a config for Taiwan's orthography rewrites
# (Taiwan writes 么 for 幺; Simplified writes it for 麼): kept as they are.
_KEEP = {"tw2s": "么", "tw2sp": "么"}


@cache
def _triggers(name: str, alt: str) -> str | None:
    """Characters around which config ``alt`` converts differently from ``name``."""
    full, cheap = converter(alt).convert, converter(name).convert
    chars: set[str] = set()
    for table in load_config(alt).chain[:-1]:
        for key in table:
            a, b = full(key), cheap(key)
            if a != b:
                if len(a) != len(b) or len(a) != len(key):
                    return None  # not position-aligned: no shortcut
                chars.update(key[i] for i in range(len(key)) if a[i] != b[i])
    return "".join(sorted(chars)) or None


@cache
def _class(chars: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(chars) + "]")


def _positions(segment: str, chars: str) -> list[int]:
    """Indices of ``segment`` holding one of ``chars`` (NumPy for long texts)."""
    if len(segment) < BIG_SCAN:
        pattern = _class(chars)
        if pattern.search(segment) is None:
            return []
        return [m.start() for m in pattern.finditer(segment)]
    import numpy as np

    return np.flatnonzero(char_table(chars)[code_points(segment)]).tolist()


_STYLE_SAMPLE = 1 << 16  # characters read to tell a run's orthography


def _taiwan_style(segment: str) -> bool:
    """Is ``segment`` written in Taiwan's orthography (為, 裡, 著) rather than OpenCC's (爲, 裏, 着)?"""
    tw, opencc_forms = _tw_style()
    n_opencc = len(opencc_forms.findall(segment, 0, _STYLE_SAMPLE))
    if not n_opencc:
        return True
    return any(i + 1 >= n_opencc for i, _ in enumerate(tw.finditer(segment, 0, _STYLE_SAMPLE)))


def _clause_spans(segment: str, found: list[int]) -> list[tuple[int, int]]:
    """The clause around each position of ``found`` (sorted): from after the last
    boundary before it (at most :data:`_WINDOW` back) to the end of the first run
    of boundaries after it. A position inside the clause just taken is skipped;
    touching clauses are merged."""
    n = len(segment)
    spans: list[tuple[int, int]] = []
    right = 0
    for position in found:
        if position < right:
            continue  # inside the clause just taken
        left = max(right, position - _WINDOW)
        before = _LAST_BOUNDARY.match(segment, left, position)
        if before is not None:
            left = before.end()
        after = _CLAUSE_END.search(segment, position + 1)
        right = after.end() if after else n
        if spans and spans[-1][1] == left:
            spans[-1] = (spans[-1][0], right)
        else:
            spans.append((left, right))
    return spans


def _convert(
    segment: str,
    name: str,
    alt: str | None,
    starts: list[int] | None = None,
    known: tuple[list[int], bool] | None = None,
    codes: Any = None,
    large: bool = False,
    checked: bool = False,
) -> tuple[str, list[tuple[int, int]]]:
    """Convert ``segment`` with config ``name``, and Taiwan-style clauses with ``alt``.

    ``starts`` cuts ``segment`` into runs (joined by the caller) whose style is
    told one by one. ``known`` is the positions of ``alt``'s triggers and the
    style of the whole segment, and ``codes`` its code points, when the caller
    has them; ``large``: ``segment`` comes from a long text, ``checked``: it
    holds none of both configs' special characters (see
    :meth:`.Converter.convert`). Returns the output and the spans that ``alt``
    converted.
    """
    large = large or len(segment) >= BIG_TEXT
    out = converter(name).convert(segment, codes=codes, large=large, checked=checked)
    if alt is None:
        return out, []
    triggers = _triggers(name, alt)
    if triggers is None or len(out) != len(segment):
        return out, []
    found = _positions(segment, triggers) if known is None else known[0]
    if not found:
        return out, []
    if starts is None:
        if not (_taiwan_style(segment) if known is None else known[1]):
            return out, []
    else:
        bounds = [*starts, len(segment)]
        style: dict[int, bool] = {}
        kept: list[int] = []
        for position in found:
            run = bisect_right(starts, position) - 1
            if run not in style:
                style[run] = _taiwan_style(segment[bounds[run] : bounds[run + 1]])
            if style[run]:
                kept.append(position)
        found = kept
        if not found:
            return out, []
    spans = _clause_spans(segment, found)
    # One engine call for all the clauses (each ends with punctuation or the text).
    joined = "".join(segment[a:b] for a, b in spans)
    converted = converter(alt).convert(joined, large=large, checked=checked)
    if len(converted) != len(joined):
        return out, []
    keep = _KEEP.get(alt, "")
    kept = _class(keep) if keep else None
    parts: list[str] = []
    done = offset = 0
    for a, b in spans:
        parts.append(out[done:a])
        piece = converted[offset : offset + b - a]
        if kept is not None and kept.search(segment, a, b) is not None:
            piece = "".join(o if o in keep else c for o, c in zip(segment[a:b], piece, strict=True))
        parts.append(piece)
        offset += b - a
        done = b
    parts.append(out[done:])
    return "".join(parts), spans


def _pieces(text: str, config: Normalizer) -> list[_Piece]:
    """The converted spans of ``text`` (everything else is copied), in order."""
    if not text:
        return []
    to = config.to
    if config.opencc is None and to == "auto":
        script = majority(text)
        if script is None:
            return []
        to = script
    if _IDS_OPERATOR.search(text) is not None and config.opencc is None and not config.convert_all:
        # OpenCC copies an Ideographic Description Sequence whole (⿰氵每), its parts taken
        # from the characters after the operator, across a line end too. Here the parts
        # are never converted, and never taken from the next line: otherwise what they
        # become would hang on where the runs around them end, and a second run could
        # convert what the first left.
        line_config = config if to == config.to else config.replace(to=to)
        out_lines: list[_Piece] = []
        offset = 0
        for line in text.split("\n"):
            pieces = _keep_ids(line, _pieces_of(line, line_config, to))
            out_lines.extend((s + offset, e + offset, r, k, d) for s, e, r, k, d in pieces)
            offset += len(line) + 1
        return out_lines
    return _pieces_of(text, config, to)


def _keep_ids(text: str, pieces: list[_Piece]) -> list[_Piece]:
    """``pieces`` with every IDS of ``text`` given back as it was (see :func:`_pieces`)."""
    from zhnorm.convert.engine import ids_units

    units = ids_units(text)
    if not units:
        return pieces
    kept: list[_Piece] = []
    for start, end, replacement, kind, detail in pieces:
        inside = [(a, b) for a, b in units if a < end and start < b]
        if not inside:
            kept.append((start, end, replacement, kind, detail))
            continue
        if len(replacement) != end - start:
            continue  # a phrase that runs into an IDS: left as it was
        chars = list(replacement)
        for a, b in inside:
            for i in range(max(a, start), min(b, end)):
                chars[i - start] = text[i]
        if (new := "".join(chars)) != text[start:end]:
            kept.append((start, end, new, kind, detail))
    return kept


def _pieces_of(text: str, config: Normalizer, to: str, again: bool = True) -> list[_Piece]:
    """:func:`_pieces` for target ``to`` (``auto`` resolved); ``again``: see :func:`_converted_again`."""
    plan = _plan(to, config.opencc, config.convert_all)
    user = _user_layer(config.dicts, config.protect)
    out: list[_Piece] = []
    if plan.everything:
        _run_config(text, 0, len(text), plan.foreign, user, out)
        return out
    script = plan.script
    parts = segments(text, script)
    mask: list[int] = []  # positions of mixed clauses that keep their target-script form
    phrases = None
    for start, end, kind in parts:
        if kind == MIXED:
            if phrases is None and plan.foreign is not None:
                phrases = _known_phrases(plan.foreign, script)
            clause_mask = _native_mask(text, start, end, script, phrases)
            mask.extend(start + i for i, native in enumerate(clause_mask) if native)
    memory = None
    if len(parts) > 1 and plan.foreign is not None and plan.native is None:
        memory = _Memory.learn(text, [(a, b) for a, b, kind in parts if kind == NATIVE], script, plan.foreign)
    # Foreign and mixed spans next to each other form one group.
    groups: list[tuple[int, int, bool]] = []  # (start, end, foreign)
    for start, end, kind in parts:
        foreign = kind != NATIVE
        if groups and foreign and groups[-1][2]:
            groups[-1] = (groups[-1][0], end, True)
        else:
            groups.append((start, end, foreign))
    batch = (
        _convert_groups(text, [(a, b) for a, b, foreign in groups if foreign], plan) if user is None else {}
    )
    natives: dict[int, tuple[str, list[tuple[int, int]]]] = {}
    if plan.native is not None and user is None:
        # One engine pass for all the runs already in the target script (the
        # engine's batch keeps each text's conversion as if converted alone).
        spans = [(a, b) for a, b, foreign in groups if not foreign]
        if len(spans) > 1:
            converted = converter(plan.native).convert_batch([text[a:b] for a, b in spans])
            natives = {a: (c, []) for (a, _), c in zip(spans, converted, strict=True)}
    for start, end, foreign in groups:
        if not foreign:
            if plan.native is not None:
                _run_config(text, start, end, plan.native, user, out, converted_already=natives.get(start))
            continue
        _run_config(
            text,
            start,
            end,
            plan.foreign,
            user,
            out,
            plan.native,
            mask,
            memory,
            plan.foreign_tw,
            batch.get(start),
        )
    if again and user is None:
        return _answered_again(text, out, config, to, plan)
    return out


def _answered_again(
    text: str, pieces: list[_Piece], config: Normalizer, to: str, plan: _Plan
) -> list[_Piece]:
    """``pieces``, or for a regional target whose output a second run would change,
    :func:`_converted_again`."""
    if plan.native is not None and _would_convert_again(text, pieces, plan):
        return _converted_again(text, pieces, config, to)
    return pieces


#: How many more times at most :func:`_converted_again` converts a text.
_MAX_AGAIN = 2


def _converted_again(text: str, pieces: list[_Piece], config: Normalizer, to: str) -> list[_Piece]:
    """``pieces`` of ``text``, or, when converting their output again changes it (see
    :func:`_would_convert_again`), what that gives, converted again until nothing
    changes (at most :data:`_MAX_AGAIN` times): so a second run changes nothing.

    >>> from zhnorm.pipeline import Normalizer
    >>> hk, tw = Normalizer(to="hk", only=("repair",)), Normalizer(to="tw", only=("repair",))
    >>> convert_foreign("和臺干", hk), convert_foreign("這是\ufaae", tw)
    ('和台幹', '這是類')
    """
    once = _join(text, pieces)
    converted = once
    for _ in range(_MAX_AGAIN):
        again = _join(converted, _pieces_of(converted, config, to, again=False))
        if again == converted:
            break
        converted = again
    if converted == once:
        return pieces
    return [(0, len(text), converted, pieces[0][3] if pieces else "", "converted again")]


def _convert_groups(
    text: str, groups: list[tuple[int, int]], plan: _Plan
) -> dict[int, tuple[str, list[tuple[int, int]]]]:
    """:func:`_convert` of many spans in one engine call: ``{start: (output, alt spans)}``.

    Each span ends with punctuation (or the text), and no dictionary phrase
    crosses punctuation, so converting them joined is converting them one by one.
    """
    if len(groups) < 2 or plan.foreign is None:
        return {}
    joined = "".join(text[a:b] for a, b in groups)
    starts: list[int] = []
    offset = 0
    for a, b in groups:
        starts.append(offset)
        offset += b - a
    large = len(text) >= BIG_SCAN
    converted, alt_spans = _convert(joined, plan.foreign, plan.foreign_tw, starts, large=large)
    if len(converted) != len(joined):
        return {}
    out: dict[int, tuple[str, list[tuple[int, int]]]] = {}
    offset = 0
    k = 0
    for a, b in groups:
        length = b - a
        spans: list[tuple[int, int]] = []
        while k < len(alt_spans) and alt_spans[k][0] < offset + length:
            x, y = alt_spans[k]
            spans.append((max(x, offset) - offset, min(y, offset + length) - offset))
            if y > offset + length:
                break  # continues into the next group
            k += 1
        out[a] = (converted[offset : offset + length], spans)
        offset += length
    return out


class _Fast:
    """The shortcuts of a target for texts in one script: as they are (or, for a regional
    target such as ``tw``, converted with its config for runs already in the script), or
    converted whole."""

    def __init__(self, plan: _Plan) -> None:
        assert plan.foreign is not None
        self.plan = plan
        self.name = plan.foreign
        self.alt = plan.foreign_tw
        #: The config for runs already in the target script (``t2tw`` for ``tw``), if any:
        #: its output, and the foreign config's, is settled as the general path settles
        #: it (see :func:`_whole_answer`).
        self.regional = plan.native
        #: The characters unique to the other script, and to the target's (and every astral
        #: one). Both match the IDS operators too: a text holding one takes none of the
        #: shortcuts (see :func:`_keep_ids`), with no scan of its own for them.
        self.foreign = fast_pattern(HANT if plan.script == HANS else HANS, _IDS_CHARS)
        self.native = fast_pattern(plan.script, _IDS_CHARS)

    @cached_property
    def convert(self) -> Any:
        """The foreign config's conversion (built on first use: clean text never needs it)."""
        return converter(self.name).convert

    @cached_property
    def convert_batch(self) -> Any:
        """The foreign config's :meth:`.Converter.convert_batch`."""
        return converter(self.name).convert_batch

    @cached_property
    def convert_native(self) -> Any:
        """The regional config's conversion, for a text already in the target script."""
        assert self.regional is not None
        return converter(self.regional).convert

    @cached_property
    def convert_native_batch(self) -> Any:
        assert self.regional is not None
        return converter(self.regional).convert_batch

    @cached_property
    def triggers(self) -> str | None:
        return _triggers(self.name, self.alt) if self.alt is not None else None

    @cached_property
    def special(self) -> str:
        """The characters both configs' engines look for before converting (see
        :attr:`.Converter.special_chars`): a text holding none converts ``checked``."""
        names = (self.name,) if self.alt is None else (self.name, self.alt)
        return "".join(sorted(set().union(*(converter(name).special_chars for name in names))))

    @cached_property
    def stop(self) -> re.Pattern[str]:
        """``native``, the alternative config's triggers and the engines' special characters."""
        return fast_pattern(self.plan.script, (self.triggers or "") + self.special)

    @cached_property
    def unchecked(self) -> re.Pattern[str]:
        """``native``, and the engines' special characters."""
        return fast_pattern(self.plan.script, self.special)


@cache
def _fast(to: str) -> _Fast | None:
    """The shortcuts of target ``to`` with no raw config, ``convert_all`` or user layer."""
    if to == "auto":
        return None
    plan = _plan(to, None, False)
    if plan.foreign is None:
        return None
    return _Fast(plan)


#: Bits of :func:`_mark_table`.
_FOREIGN_BIT, _NATIVE_BIT, _TRIGGER_BIT, _TW_BIT, _OPENCC_BIT, _IDS_BIT, _SPECIAL_BIT = 1, 2, 4, 8, 16, 32, 64


@cache
def _mark_table(script: str, triggers: str | None, special: str) -> Any:
    """Code point -> bits: unique to the script other than ``script`` (1), unique to
    ``script`` (2), one of ``triggers`` (4), a character of Taiwan's orthography (8)
    or of OpenCC's where they differ (16) (see :func:`_tw_style`), an IDS operator (32),
    one of the engines' ``special`` characters or a code point from U+100000 on (64)."""
    import numpy as np

    table = np.zeros(0x110000, dtype=np.uint8)
    other = hans_only() if script == HANT else hant_only()
    own = hant_only() if script == HANT else hans_only()
    tw, opencc_forms = _tw_style_chars()
    for bit, chars in (
        (_FOREIGN_BIT, other),
        (_NATIVE_BIT, own),
        (_TRIGGER_BIT, triggers or ""),
        (_TW_BIT, tw),
        (_OPENCC_BIT, opencc_forms),
        (_IDS_BIT, _IDS_CHARS),
        (_SPECIAL_BIT, special),
    ):
        if chars:
            table[[ord(c) for c in chars]] |= bit
    table[0x100000:] |= _SPECIAL_BIT
    return table


def _convert_whole(text: str, fast: _Fast, config: Normalizer) -> str | None:
    """A long text with no character unique to one script, in one pass: as it is
    (or, for a regional target, converted with its config) when nothing in it is
    foreign, converted whole when nothing in it is already in the target script
    (the answers of the general path, which gives such a text one piece), else ``None``.

    One table lookup per code point tells both, and where the alternative
    config's triggers are (the general path scans the text three times).
    """
    import numpy as np

    triggers = fast.triggers
    codes = code_array(text)  # shared with the engine
    marks = np.take(_mark_table(fast.plan.script, triggers, fast.special), codes)
    present = int(np.bitwise_or.reduce(marks))
    if present & _IDS_BIT:
        return None
    if not present & _FOREIGN_BIT:
        if not present & _NATIVE_BIT:
            return None
        if fast.regional is None:
            return text
        return _whole_answer(text, fast.convert_native(text, codes=codes), fast.regional, fast, config)
    if present & _NATIVE_BIT:
        return None
    checked = not present & _SPECIAL_BIT
    if fast.alt is None or triggers is None or not present & _TRIGGER_BIT:
        converted = fast.convert(text, codes=codes, checked=checked)
        return converted if fast.regional is None else _whole_answer(text, converted, fast.name, fast, config)
    found = np.flatnonzero((marks & _TRIGGER_BIT).astype(bool)).tolist()  # bool: ~8x faster
    sample = marks[:_STYLE_SAMPLE]
    n_opencc = int(np.count_nonzero(sample & _OPENCC_BIT))
    taiwan = not n_opencc or int(np.count_nonzero(sample & _TW_BIT)) >= n_opencc
    return _convert(text, fast.name, fast.alt, known=(found, taiwan), codes=codes, checked=checked)[0]


def convert_foreign(text: str, config: Normalizer) -> str:
    """Convert the runs of ``text`` foreign to ``config.to``; keep the rest byte-identical.

    >>> from zhnorm.pipeline import Normalizer
    >>> convert_foreign("皇后的頭髮，后来", Normalizer(to="hant", only=("repair",)))
    '皇后的頭髮，後來'
    """
    fast = config.memo.get("convert.fast", _UNSET)  # (_fast_of, inlined: this runs once a line)
    if fast is _UNSET:
        fast = _fast_of(config)
    if fast is not None and len(text) < BIG_SCAN:
        # The common cases first, for short texts (a record, a line), with the same
        # answers as the general path: nothing foreign -> as it is; nothing in the
        # target script -> converted whole. (These patterns match every astral
        # character, so a text holding one goes the general way.)
        if fast.foreign.search(text) is None:
            if fast.native.search(text):
                if fast.regional is None:
                    return text
                return _whole_answer(text, fast.convert_native(text), fast.regional, fast, config)
        elif fast.stop.search(text) is None:
            # Nothing in the target script, none of the alternative config's triggers
            # and none of the engines' special characters: ``_convert`` would be the
            # plain conversion, and the engine need not look for them again.
            converted = fast.convert(text, checked=True)
            if fast.regional is None:
                return converted
            return _whole_answer(text, converted, fast.name, fast, config)
        elif fast.regional is not None:
            pass  # the general path
        elif fast.alt is not None and fast.unchecked.search(text) is None:
            # A trigger, and nothing else that ``stop`` matches.
            return _convert(text, fast.name, fast.alt, checked=True)[0]
        elif fast.native.search(text) is None:
            return fast.convert(text) if fast.alt is None else _convert(text, fast.name, fast.alt)[0]
    elif fast is not None:
        head = BIG_SCAN // 4
        # A text holding both scripts near its start goes the general way at once.
        if fast.foreign.search(text, 0, head) is None or fast.native.search(text, 0, head) is None:
            whole = _convert_whole(text, fast, config)
            if whole is not None:
                return whole
    return _join(text, _pieces(text, config))


def _whole_answer(text: str, converted: str, name: str, fast: _Fast, config: Normalizer) -> str:
    """The general path's answer for ``text`` in one script, which config ``name``
    converted whole into ``converted``: the general path gives such a text that one
    piece, settled for a regional target by :func:`_answered_again`."""
    if fast.regional is None:
        return converted
    pieces = [(0, len(text), converted, name, "")]
    answer = _answered_again(text, pieces, config, config.to, fast.plan)
    return converted if answer is pieces else _join(text, answer)


def _fast_of(config: Normalizer) -> _Fast | None:
    """The short-text shortcuts for ``config`` (kept in its memo), if it may take them."""
    fast = config.memo.get("convert.fast", _UNSET)
    if fast is _UNSET:
        plain = not (config.opencc or config.convert_all or config.dicts or config.protect)
        fast = config.memo["convert.fast"] = _fast(config.to) if plain else None
    return fast


def convert_foreign_batch(texts: list[str], config: Normalizer) -> list[str]:
    """:func:`convert_foreign` over each of ``texts``; the short ones with nothing in
    the target script (the shortcut that converts a text whole) go through the
    engine together, in one call (:meth:`.Converter.convert_batch`).

    >>> from zhnorm.pipeline import Normalizer
    >>> convert_foreign_batch(["頭髮", "头发", "頭髮和头发"], Normalizer(to="hans", only=("repair",)))
    ['头发', '头发', '头发和头发']
    """
    fast = _fast_of(config)
    if fast is None or len(texts) < 2:
        return [convert_foreign(text, config) for text in texts]
    out = list(texts)
    whole: list[int] = []  # converted whole with the foreign config
    regional: list[int] = []  # already in the target script, converted with the regional config
    for k, text in enumerate(texts):
        if len(text) < BIG_SCAN:
            if fast.foreign.search(text) is None:
                if fast.native.search(text):
                    if fast.regional is not None:
                        regional.append(k)
                    continue  # (else kept as it is)
            elif fast.stop.search(text) is None:
                whole.append(k)
                continue
        out[k] = convert_foreign(text, config)

    def put(where: list[int], convert: Any, name: str) -> None:
        for k, converted in zip(where, convert([texts[k] for k in where]), strict=True):
            out[k] = _whole_answer(texts[k], converted, name, fast, config)

    if whole:
        put(whole, fast.convert_batch, fast.name)
    if regional:
        put(regional, fast.convert_native_batch, fast.regional)
    return out


def _join(text: str, pieces: list[_Piece]) -> str:
    if not pieces:
        return text
    parts: list[str] = []
    position = 0
    for start, end, replacement, _kind, _detail in pieces:
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _changes(text: str, pieces: Iterable[_Piece]) -> list[Change]:
    changes: list[Change] = []
    for start, end, replacement, kind, detail in pieces:
        before = text[start:end]
        if before == replacement:
            continue
        if len(before) != len(replacement) or detail:
            changes.append(Change("convert", start, end, before, replacement, kind=kind, detail=detail))
            continue
        i = 0
        n = len(before)
        while i < n:
            if before[i] == replacement[i]:
                i += 1
                continue
            j = i
            while j < n and before[j] != replacement[j]:
                j += 1
            changes.append(Change("convert", start + i, start + j, before[i:j], replacement[i:j], kind=kind))
            i = j
    return changes


def explain_foreign(text: str, config: Normalizer) -> tuple[str, list[Change]]:
    """Like :func:`convert_foreign`, and list each changed span with the config that changed it.

    >>> from zhnorm.pipeline import Normalizer
    >>> out, changes = explain_foreign("他說：头发乱了", Normalizer(to="hant", only=("repair",)))
    >>> out, [(c.start, c.end, c.before, c.after, c.kind) for c in changes]
    ('他說：頭髮亂了', [(3, 6, '头发乱', '頭髮亂', 's2t')])
    """
    pieces = _pieces(text, config)
    return _join(text, pieces), _changes(text, pieces)
