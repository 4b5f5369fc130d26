"""Evidence and the gate: can a line contain mojibake at all?

Every codec pair has an *evidence* pattern: something each chain of units it
may decode necessarily contains, derived from the byte structure of that
mis-decoding. UTF-8 read as GBK, for instance, always starts with a GBK
character whose bytes are a UTF-8 three-byte lead and a continuation byte,
followed by one whose bytes are a continuation and a lead (or a lone trail
before ASCII). The engine decodes a chain only when the pattern matches inside
it, so the gate (the union of the patterns and the Han HTML entities, one
compiled regular expression) returns lines that match none of them without
looking further, and that is sound by construction: a property test checks it.

The patterns are built from the codec tables and the frequency model by
:func:`build` (which takes a fifth of a second and loads the model), so
``scripts/build_repair_data.py`` stores them in ``data/gate.json`` and this
module only compiles the gate from there: clean text never loads the model.
A test checks that the stored patterns are what :func:`build` gives.

Compiling the gate takes about 25 ms (it lists some 12,000 characters), which
a one-line run should not pay. The gate starts with one character class, the
union of the patterns' first characters (also stored), so a text holding none
of those characters cannot match: :data:`SUSPICIOUS` answers such short texts
with a set test and compiles the regular expression only when a text could
match, or once enough text has been seen for the compilation to pay.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path

#: Han characters at most this cost (half bits) are too common to be evidence.
COMMON_COST = 34
#: ... and those at most this cost are the commonest (的, 以, 子).
VERY_COMMON_COST = 22
_TRAILS_BIG5 = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
#: Punctuation that correct Big5 text is full of (not evidence).
_BIG5_PUNCT = frozenset("，。、；：？！「」『』（）《》〈〉【】〔〕“”‘’…—·‧︰﹐﹑﹔﹕﹖﹗～")


def _chars(codec: str, leads, trails) -> set[str]:
    out = set()
    for a in leads:
        for b in trails:
            try:
                ch = bytes((a, b)).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and ch >= "\x80":
                out.add(ch)
    return out


def _class(chars) -> str:
    codes = sorted({ord(c) for c in chars})
    ranges: list[list[int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


def _utf8_under(codec: str) -> tuple[set[str], str]:
    # A unit of UTF-8 read as a double-byte codec starts with (3-byte lead,
    # continuation); the next character is (continuation, lead) or, before
    # ASCII, (continuation, ASCII trail).
    first = _chars(codec, range(0xE0, 0xF0), range(0x80, 0xC0))
    second = _chars(codec, range(0x80, 0xC0), range(0xE0, 0xF0))
    lone = _chars(codec, range(0x80, 0xC0), range(0x40, 0x7F))
    return first, f"(?=[{_class(second)}]|[{_class(lone)}][\\x00-\\x7f])"


_PINYIN = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê")
# latin-1 and cp1252 characters, less those correct Chinese text uses in runs (……, ——).
_SOUP = (
    {chr(c) for c in range(0x80, 0x100)}
    | {bytes([b]).decode("cp1252", "ignore") for b in range(0x80, 0xA0)}
) - set("“”‘’…—–•·×°") - {""}
_SOUP_PUNCT = set("“”‘’…—–•·×°")
_C1 = {chr(c) for c in range(0x80, 0xA0)}
_LATIN1 = {chr(c) for c in range(0x80, 0x100)}
_U2G = {chr(c) for c in range(0x100, 0x800)} - _PINYIN
#: HTML entities: numeric ones (the engine unescapes those of Chinese
#: characters and punctuation) and the common named ones.
ENTITY = re.compile(
    r"&(?:amp;)?#(?:[0-9]{4,7}|[xX][0-9a-fA-F]{4,6});|&(?:amp|quot|lt|gt|nbsp|apos);"
)



def build() -> dict[str, object]:
    """The gate and the evidence pattern of each codec pair, as pattern strings."""
    from zhnorm.repair._model import UNIGRAM

    _GBK_KANA_GREEK = _chars("gbk", range(0xA4, 0xA9), range(0xA1, 0xFF))  # rows A4-A8
    _GBK_HAN = {c for c in _chars("gbk", range(0x81, 0xFF), range(0x40, 0xFF)) if c >= "\u3400"}
    _BIG5_RARE = (
        _chars("big5", range(0xA4, 0xFA), _TRAILS_BIG5)  # Han (the common ones go below)
        | _chars("big5", range(0xA1, 0xA4), _TRAILS_BIG5)  # symbols, bopomofo
    ) - _BIG5_PUNCT - {chr(c) for c in range(0xFF01, 0xFF5F)}
    # Big5's level 2 holds some common characters (据, 种); they prove nothing.
    _BIG5_RARE -= {ch for ch in _BIG5_RARE if UNIGRAM.get(ch, 99) <= COMMON_COST}
    _XH = _GBK_KANA_GREEK | _GBK_HAN


    def _as_gbk(ch: str) -> str:
        try:
            return ch.encode("big5").decode("gbk")
        except UnicodeError:
            return ""


    _BIG5_TELLING = {ch for ch in _BIG5_RARE if UNIGRAM.get(_as_gbk(ch), 99) <= VERY_COMMON_COST}
    _G2U_FIRST, _G2U_REST = _utf8_under("gb18030")
    _B2U_FIRST, _B2U_REST = _utf8_under("big5hkscs")

    # Each rule: (first character set, condition checked once that character is
    # consumed). Every pattern starts with one character class, so the regular
    # expression engine scans for it at C speed and tries the condition rarely.
    _RULES: dict[tuple[str, str], tuple[set[str], str]] = {
        # A C1 control, or two latin-1/cp1252 characters in a row.
        # A C1 control, or two latin-1/cp1252 characters in a row or around one
        # ASCII character (GBK and Big5 trail bytes can be ASCII: "¤J¤F").
        ("latin", "utf-8"): (
            _SOUP | _C1,
            f"(?:(?<=[{_class(_C1)}])|(?=[{_class(_SOUP | _SOUP_PUNCT)}]|[\\x40-\\x7e][{_class(_SOUP)}]))",
        ),
        ("gb18030", "utf-8"): (_G2U_FIRST, _G2U_REST),
        # A letter from U+0100-U+07FF (not pinyin), or two latin-1 characters in a row.
        ("utf-8", "gbk"): (_U2G | _LATIN1, f"(?:(?<=[{_class(_U2G)}])|(?=[{_class(_LATIN1)}]))"),
        # Two rare Big5 characters (Han, symbols, bopomofo) at most two apart, or
        # one whose bytes read as GBK are one of the commonest characters (眕: 以).
        ("big5", "gbk"): (
            _BIG5_RARE,
            f"(?:(?=.{{0,2}}[{_class(_BIG5_RARE)}])|(?<=[{_class(_BIG5_TELLING)}]))",
        ),
        # A GBK kana/Greek/Cyrillic/pinyin character next to a GBK Han or another one.
        ("gbk", "big5"): (
            _GBK_KANA_GREEK,
            f"(?:(?<=[{_class(_XH)}].)|(?=[{_class(_XH)}]))",
        ),
        ("big5hkscs", "utf-8"): (_B2U_FIRST, _B2U_REST),
    }
    _RULES[("latin", "gbk")] = _RULES[("latin", "big5")] = _RULES[("latin", "utf-8")]
    # Double mojibake: UTF-8 read as cp1252, that text's UTF-8 read as GBK. The
    # cp1252 characters are two-byte UTF-8 (C2-C3, C5-C6, CB) or E2 80-84.
    _G2L_FIRST = _chars("gb18030", [0xC2, 0xC3, 0xC5, 0xC6, 0xCB], range(0x80, 0xC0)) | _chars(
        "gb18030", [0xE2], range(0x80, 0x85)
    )
    _RULES[("gb18030", "utf-8+latin")] = (_G2L_FIRST, f"(?=[{_class(_G2L_FIRST)}])")


    gate_first: set[str] = {"&"}
    conds = [f"(?<=&)(?={ENTITY.pattern[1:].replace('|&', '|')})"]
    for chars, cond in {id(r): r for r in _RULES.values()}.values():
        gate_first |= chars
        conds.append(f"(?<=[{_class(chars)}]){cond}")
    return {
        "first": "".join(sorted(gate_first)),
        "gate": f"[{_class(gate_first)}](?:{'|'.join(conds)})",
        "evidence": {f"{w}>{r}": f"[{_class(first)}]{cond}" for (w, r), (first, cond) in _RULES.items()},
    }


def _stored() -> dict[str, object]:
    path = Path(__file__).with_name("data") / "gate.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:  # being rebuilt by scripts/build_repair_data.py, or not a plain file
        from importlib import resources

        try:
            text = resources.files(__package__).joinpath("data", "gate.json").read_text(encoding="utf-8")
        except FileNotFoundError:
            return build()
    return json.loads(text)


#: Texts up to this many characters are first tested for a first character of the gate.
PRECHECK_MAX = 4096
#: ... and the regular expression is compiled anyway once the tests have seen this much text.
PRECHECK_BUDGET = 1 << 18


class LazyGate:
    """A compiled pattern ``[first](?:...)`` that is compiled only when it could match.

    ``search`` returns what ``re.compile(pattern).search`` returns. Before the
    pattern is compiled, a short text without any character of ``first`` gets
    ``None`` at once: every match of the pattern starts with such a character.
    Once compiled, ``search`` is the compiled pattern's own method.
    """

    def __init__(self, pattern: str, first: str) -> None:
        self.pattern = pattern
        self._first = frozenset(first)
        self._compiled: re.Pattern[str] | None = None
        self._budget = PRECHECK_BUDGET

    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (compiled now if it was not yet)."""
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
            self.search = self._compiled.search  # type: ignore[method-assign]
        return self._compiled

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """Like :meth:`re.Pattern.search`."""
        if self._compiled is None:
            start, stop = max(pos, 0), min(endpos, len(string))
            size = stop - start
            if size <= PRECHECK_MAX and size < self._budget:
                self._budget -= max(size, 0)
                if size <= 0 or self._first.isdisjoint(string[start:stop]):
                    return None
        return self.compiled().search(string, pos, endpos)


_STORED = _stored()
#: The gate: a line that does not match is returned as it is.
SUSPICIOUS = LazyGate(_STORED["gate"], _STORED["first"])


@cache
def evidence_patterns() -> dict[tuple[str, str], re.Pattern[str]]:
    """Evidence pattern of each codec pair, by ``(wrong, right)``."""
    return {tuple(k.split(">")): re.compile(v) for k, v in _STORED["evidence"].items()}
