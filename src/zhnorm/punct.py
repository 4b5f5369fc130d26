"""Stage ``punct``: Chinese punctuation, character widths and stray spaces.

What it does, each part only where Chinese is written:

* ``punct="cjk"`` (the default): an ASCII ``,`` ``:`` ``;`` whose neighbours
  are Chinese becomes ``，`` ``：`` ``；``. "Chinese neighbours" means one side
  is a Han or kana character and the other is Han, kana or Chinese
  punctuation (``“”《》、…``). So ``原標題:天津`` and ``創新,打造`` change;
  ``08:18``, ``1.79萬``, ``010-84151598``, ``Hello, world`` and
  ``电话:010`` do not.
* On a line where that rule fired (the line shows that its punctuation was
  narrowed), more follows: ``!`` and ``?`` between Chinese characters become
  ``！`` ``？``; an ASCII ``(...)`` pair around Chinese text (with no Latin
  letters in it, or starting and ending with Chinese) becomes ``（...）``; and
  so do marks with Chinese on one side only (``宮,2022年``, ``21:30,周末``,
  a ``,`` that ends the line).
  Without that evidence ASCII parentheses are a common, accepted convention in
  Chinese web text (``单位(万元)``, ``天津工運華章(主題)``) and stay, as do
  ``张三(男,35岁)`` and ``电话:010-84151598``. ``(2024)`` and
  ``李白(Li Bai)`` always stay.
* ``fold_width=True`` (the default): full-width Latin letters and digits become
  ASCII (``ＡＢＣ１２３`` -> ``ABC123``), with the separators inside such a
  token (``１，２９９`` -> ``1,299``, ``Ｑ＆Ａ`` -> ``Q&A``). Full-width Chinese
  punctuation (``，（）：``) stays.
* Non-breaking spaces next to Chinese text become plain spaces; zero-width
  spaces, word joiners and stray BOMs next to Chinese text are removed
  (zero-width joiners, used by emoji sequences, stay).
* Runs of U+3000 that indent a line stay, unless ``strip_indent=True``.

Never touched: URLs, e-mail addresses, HTML/XML tags and their attributes,
text in backticks or ASCII quotes (``格式为 "用户名:密码"``), and whole lines
that look like code or JSON. Line ends
(``\\n``, ``\\r\\n``) are never changed.

>>> from zhnorm.pipeline import Normalizer
>>> apply("原标题:天津工会开拓创新,打造品牌——(引题)", Normalizer())
'原标题：天津工会开拓创新，打造品牌——（引题）'
>>> apply("2025-03-17 08:18 电话:010-84151598 第３章 ＡＢＣ", Normalizer())
'2025-03-17 08:18 电话:010-84151598 第3章 ABC'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from zhnorm.codepoints import class_table, code_points
from zhnorm.pipeline import Change

if TYPE_CHECKING:
    from zhnorm.pipeline import Normalizer

_MODES = ("keep", "cjk")

_HAN = (
    "\u3005-\u3007\u3021-\u3029\u3038-\u303b"  # 々〆〇, Hangzhou numerals
    "\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff"  # kana (not ・)
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ee5f\U0002f800-\U0002fa1f\U00030000-\U0003134f"
)
_CJK_PUNCT = (
    "\u3001-\u3003\u3008-\u3011\u3014-\u301f\u30fb"  # 、。〃〈〉《》「」『』【】〔〕…
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # ！（），：；？［］｛｝～｢｣､･
    "\ufe10-\ufe19\ufe30-\ufe4f\ufe50-\ufe6b"  # vertical, compatibility and small forms
    "\u2018-\u201f\u2014\u2015\u2025\u2026"  # quotes, dashes, ellipses
)
_ASCII_PUNCT = ",:;!?"
_FULL = dict(zip(map(ord, ",:;!?()"), "，：；！？（）", strict=True))

_IS_HAN = re.compile(f"[{_HAN}]").match
_IS_CJK = re.compile(f"[{_HAN}{_CJK_PUNCT}]").match

_FW_ALNUM = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_FW_TOKEN = (
    rf"[{_FW_ALNUM}]+"
    rf"(?:(?:[．／－＿＆＋＠＃：]|(?<=[０-９])，(?=[０-９]))[{_FW_ALNUM}]+)*"
    r"(?:(?<=[０-９])％)?"
)
_FW_TO_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}

# What the stage might act on. Each pattern starts with a small set of
# characters, so that clean text is scanned at C speed.
_MARKS = re.compile(rf"[,:;!?](?:(?<=[{_HAN}{_CJK_PUNCT}\u200b\u2060\ufeff].)|(?=[{_HAN}]))")
# A superset of the strong marks: Chinese (or a zero-width character) on both sides.
_STRONG_MARK_CHARS = "[,:;]"
_AROUND_STRONG = f"[{_HAN}{_CJK_PUNCT}\u200b\u2060\ufeff]"
_STRONG_MARK = re.compile(rf"{_STRONG_MARK_CHARS}(?<={_AROUND_STRONG}.)(?={_AROUND_STRONG})")
_FW = re.compile(_FW_TOKEN)
_FW_ANY = re.compile(f"[{_FW_ALNUM}]")
_SPACES = re.compile(r"[\u00a0\u202f\u200b\u2060\ufeff]+")
_SPACES_ANY = re.compile(r"[\u00a0\u202f\u200b\u2060\ufeff]")
#: A text this long is scanned for all three in one NumPy pass (see :func:`_candidates`).
_SCAN_MIN = 1 << 12
_NBSP = frozenset("\u00a0\u202f")
_ZERO_WIDTH = frozenset("\u200b\u2060\ufeff")
_INDENT = re.compile(r"^[\u3000\u00a0 \t]*\u3000[\u3000\u00a0 \t]*", re.MULTILINE)

# Spans inside a line that are never touched.
_PROTECTED = re.compile(
    # A URL (also one with Han in its path) runs to a space or Chinese punctuation.
    rf"\b(?:[A-Za-z][A-Za-z0-9+.-]{{1,15}}://|www\.)[^\s<>\"'{_CJK_PUNCT}]*"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"  # e-mail
    r"|<[A-Za-z!/?][^<>\n]*>"  # HTML/XML tag with its attributes
    r"|`[^`\n]+`"  # inline code
    r"|\"[^\"\n]*\"|'[^'\n]*'"  # ASCII-quoted literals: "用户名:密码"
)
# Lines that look like code or JSON are left whole.
_CODE_LINE = re.compile(
    r"[{}]"
    r"|\"\s*:\s*[\"\[\d\-tfn]"  # "key": value
    r"|==|!=|=>|->|&&|\|\||::|\+\+|\+=|-=|<=|>="
    r"|^\s*(?:#include|#define|#!|import\s|from\s\S+\simport|def\s|class\s|function\s"
    r"|var\s|let\s|const\s|return\b|\$\s|>>>\s|//|/\*|\*/)"
    r"|\b[A-Za-z_][\w.]*\s*\([^()\n]*\)\s*[;{]"  # call(...);
    r"|\b(?:printf|print|echo|puts|console\.log)\s*\("
    r"|^\s*[A-Za-z_][\w.\[\]]*\s*=\s*\S"  # name = value
)
_PARENS = re.compile(r"\(([^()\n]{1,200})\)")
_LATIN = re.compile(r"[A-Za-z]")
_HAS_HAN = re.compile(f"[{_HAN}]").search

_Edit = tuple[int, int, str, str]  # start, end, replacement, kind


def validate(config: Normalizer) -> None:
    """Reject an unknown ``punct`` mode."""
    if config.punct not in _MODES:
        raise ValueError(f"unknown punct mode {config.punct!r}; valid modes: {', '.join(_MODES)}")


class _Line:
    """What the stage needs to know about one line, computed on demand."""

    __slots__ = ("code", "end", "marks", "protected", "start")

    def __init__(self, text: str, pos: int) -> None:
        self.start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        self.end = len(text) if end < 0 else end
        line = text[self.start : self.end]
        self.code = _CODE_LINE.search(line) is not None
        self.protected = [(m.start() + self.start, m.end() + self.start)
                          for m in _PROTECTED.finditer(line)]
        self.marks: list[tuple[int, int, int]] = []

    def free(self, start: int, end: int) -> bool:
        if self.code:
            return False
        return all(end <= a or start >= b for a, b in self.protected)


_STRONG, _WEAK = 2, 1


def _punct_context(text: str, i: int, sub: dict[int, str]) -> tuple[int, int]:
    """How sure it is that the ASCII mark at ``i`` punctuates Chinese, and its span end.

    Strong: a ``,`` ``:`` or ``;`` with Han or kana on one side and Han, kana
    or Chinese punctuation on the other. Weak, changed only on a line that has
    a strong one:

    * a ``!`` or ``?`` in the same place (technical text writes them as
      symbols: ``在前面加上!来表示``), or a ``!`` that ends the line after Han;
    * a ``,`` ``;`` or ``:`` after Han or Chinese punctuation and before an
      ASCII letter or digit (``宮,2022年``) or the end of the line (the
      sentence goes on in the next line), or after a letter, digit or ``%``
      and before Han (``21:30,周末``);
    * a mark and one space between two Han characters (``覺得, 以我``; the
      space goes too).

    ``sub`` holds characters that this pass already turned full-width.
    """
    n = len(text)

    def at(j: int, step: int) -> str:
        # Zero-width characters next to Chinese go, so look past them.
        while 0 <= j < n and text[j] in _ZERO_WIDTH:
            j += step
        return sub.get(j) or (text[j] if 0 <= j < n else "")

    mark = text[i]
    left, right = at(i - 1, -1), at(i + 1, 1)
    line_end = right in ("", "\n", "\r")
    if not left or not _IS_CJK(left):
        if mark in ",;:" and left and (_alnum(left) or left == "%") and right and _IS_HAN(right):
            return _WEAK, i + 1
        return 0, 0
    sure = _STRONG if mark in ",;:" else _WEAK
    if _IS_HAN(left):
        if right and _IS_CJK(right):
            return sure, i + 1
        if mark == "!" and line_end:
            return _WEAK, i + 1
        if right == " " and text[i + 1] == " " and _IS_HAN(at(i + 2, 1) or "a"):
            return _WEAK, i + 2
    elif right and _IS_HAN(right):
        return sure, i + 1
    if mark in ",;:" and (line_end or _alnum(right)):
        return _WEAK, i + 1
    return 0, 0


def _alnum(ch: str) -> bool:
    """An ASCII letter or digit, or its full-width form."""
    return ch.isalnum() and (ch.isascii() or "\uff10" <= ch <= "\uff5a")


def _near_cjk(text: str, start: int, end: int) -> bool:
    return bool(
        (start and _IS_CJK(text[start - 1])) or (end < len(text) and _IS_CJK(text[end]))
    )


class _Candidates(NamedTuple):
    """Where the stage may act in a text: its strong marks (as :data:`_STRONG_MARK`
    finds them), and the characters that may start a full-width token or a run
    of spaces (as :data:`_FW_ANY` and :data:`_SPACES_ANY`)."""

    strong: list[int]
    fullwidth: list[int]
    spaces: list[int]


_AROUND_BIT, _MARK_BIT, _FW_BIT, _SPACE_BIT = 1, 2, 4, 8


@cache
def _bits() -> Any:
    """Code point -> the bits of :func:`_candidates`."""
    import numpy as np

    table = np.zeros(0x110000, dtype=np.uint8)
    for bit, pattern in (
        (_AROUND_BIT, _AROUND_STRONG),
        (_MARK_BIT, _STRONG_MARK_CHARS),
        (_FW_BIT, _FW_ANY.pattern),
        (_SPACE_BIT, _SPACES_ANY.pattern),
    ):
        table[class_table(pattern)] |= bit
    return table


def _candidates(text: str) -> _Candidates | None:
    """:class:`_Candidates` of a long text, from one table lookup a character
    (three regular-expression scans cost ~4x as much); ``None`` for a short one."""
    if len(text) < _SCAN_MIN:
        return None
    import numpy as np

    bits = _bits()[code_points(text)]
    around = (bits & _AROUND_BIT).astype(bool)
    strong = (bits[1:-1] & _MARK_BIT).astype(bool) & around[:-2] & around[2:]
    return _Candidates(
        (np.flatnonzero(strong) + 1).tolist(),
        np.flatnonzero(bits & _FW_BIT).tolist(),
        np.flatnonzero(bits & _SPACE_BIT).tolist(),
    )


def _edits(text: str, config: Normalizer, found: _Candidates | None) -> list[_Edit]:
    edits: list[_Edit] = []
    lines: dict[int, _Line] = {}

    def line_at(pos: int) -> _Line:
        start = text.rfind("\n", 0, pos) + 1
        info = lines.get(start)
        if info is None:
            info = lines[start] = _Line(text, pos)
        return info

    if config.punct == "cjk":
        # Lines with a strong mark first; only they get the finer rules.
        evidence: set[int] = set()
        known: dict[int, tuple[int, int]] = {}  # mark position -> its _punct_context
        strong = found.strong if found else [m.start() for m in _STRONG_MARK.finditer(text)]
        for start in strong:
            if text.rfind("\n", 0, start) + 1 in evidence:
                continue  # the line is in already
            context = known[start] = _punct_context(text, start, {})
            if context[0] == _STRONG:
                line = line_at(start)
                if line.free(start, start + 1):
                    evidence.add(line.start)
        for line_start in sorted(evidence):
            line = lines[line_start]
            for m in _MARKS.finditer(text, line.start, line.end):
                start = m.start()
                strength, end = known.get(start) or _punct_context(text, start, {})
                if strength and line.free(start, end):
                    line.marks.append((start, end, strength))
            edits.extend(_evidence_line_edits(text, line))
    if config.fold_width:
        for m in _tokens(_FW_ANY, _FW, text, found.fullwidth if found else None):
            start, end = m.span()
            if line_at(start).free(start, end):
                edits.append((start, end, m.group().translate(_FW_TO_ASCII), "fullwidth_alnum"))
    converted = {e[0] for e in edits}  # marks and parentheses made full-width
    for m in _tokens(_SPACES_ANY, _SPACES, text, found.spaces if found else None):
        start, end = m.span()
        near = _near_cjk(text, start, end) or start - 1 in converted or end in converted
        if not near or not line_at(start).free(start, end):
            continue
        run = m.group()
        if run[0] in _NBSP and all(ch in _NBSP for ch in run):
            edits.append((start, end, " " * len(run), "nbsp"))
        elif start and not any(ch in _NBSP for ch in run):
            edits.append((start, end, "", "zero_width"))
    if config.strip_indent and "\u3000" in text:
        edits.extend((m.start(), m.end(), "", "indent") for m in _INDENT.finditer(text))
    edits.sort(key=lambda e: (e[0], -e[1]))
    return edits


def _tokens(
    first: re.Pattern[str], token: re.Pattern[str], text: str, starts: list[int] | None
) -> Iterator[re.Match[str]]:
    """``token.finditer(text)`` for tokens that start with a ``first`` character
    (at one of ``starts``, the positions of those characters, when known).

    Searching for the simple pattern first keeps the scan of clean text fast.
    """
    if starts is not None:
        pos = 0
        for start in starts:
            if start >= pos and (m := token.match(text, start)) is not None:
                yield m
                pos = m.end()
        return
    pos = 0
    while (hit := first.search(text, pos)) is not None:
        m = token.match(text, hit.start())
        if m is None:
            pos = hit.end()
            continue
        yield m
        pos = m.end()


def _evidence_line_edits(text: str, line: _Line) -> list[_Edit]:
    """Marks and parentheses of a line whose punctuation was narrowed."""
    sub: dict[int, str] = {}  # position -> the full-width character it becomes
    spans: dict[int, int] = {}
    for start, end, _ in line.marks:
        sub[start] = text[start].translate(_FULL)
        spans[start] = end
    while True:
        grown = False
        for m in _PARENS.finditer(text, line.start, line.end):
            start, end = m.span()
            inner = m.group(1)
            if start in sub or not _HAS_HAN(inner):
                continue
            if _LATIN.search(inner) and not (_IS_CJK(inner[0]) and _IS_CJK(inner[-1])):
                continue  # "李白(Li Bai)", "(shell 机制)"; but "(例如,设定MTU的连线)"
            if not line.free(start, end):
                continue
            sub[start], sub[end - 1] = "（", "）"
            spans[start], spans[end - 1] = start + 1, end
            grown = True
            # A mark right outside a converted parenthesis may now qualify.
            for i in (start - 1, start + 1, end - 2, end):
                if line.start <= i < line.end and text[i] in _ASCII_PUNCT and i not in sub:
                    strength, stop = _punct_context(text, i, sub)
                    if strength and line.free(i, stop):
                        sub[i] = text[i].translate(_FULL)
                        spans[i] = stop
        if not grown:
            break
    return [
        (i, spans[i], new, "ascii_parens" if new in "（）" else "ascii_punct")
        for i, new in sub.items()
    ]


def _splice(text: str, edits: list[_Edit]) -> str:
    parts: list[str] = []
    pos = 0
    for start, end, new, _ in edits:
        if start < pos:  # overlapping edits: keep the first
            continue
        parts.append(text[pos:start])
        parts.append(new)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _dedupe(edits: list[_Edit]) -> list[_Edit]:
    out: list[_Edit] = []
    pos = 0
    for edit in edits:
        if edit[0] >= pos:
            out.append(edit)
            pos = edit[1]
    return out


def _gate(text: str, config: Normalizer, found: _Candidates | None) -> bool:
    if found is not None:
        return bool(
            (config.punct == "cjk" and found.strong)
            or (config.fold_width and found.fullwidth)
            or found.spaces
            or (config.strip_indent and "\u3000" in text)
        )
    return bool(
        (config.punct == "cjk" and _STRONG_MARK.search(text))
        or (config.fold_width and _FW_ANY.search(text))
        or _SPACES_ANY.search(text)
        or (config.strip_indent and "\u3000" in text)
    )


def apply(text: str, config: Normalizer) -> str:
    """Fix punctuation, widths and spaces in the Chinese parts of ``text``."""
    found = _candidates(text)
    if not _gate(text, config, found):
        return text
    edits = _edits(text, config, found)
    return _splice(text, edits) if edits else text


def explain(text: str, config: Normalizer) -> tuple[str, list[Change]]:
    """Like :func:`apply`, and list each change."""
    found = _candidates(text)
    if not _gate(text, config, found):
        return text, []
    edits = _dedupe(_edits(text, config, found))
    changes = [
        Change("punct", start, end, text[start:end], new, kind=kind)
        for start, end, new, kind in edits
    ]
    return _splice(text, edits), changes
