"""Stage ``repair``: undo mojibake without damaging correct Chinese text.

Scraped Chinese pages carry mis-decodings ftfy does not handle: UTF-8 read
as GBK or Big5, GBK read as UTF-8, GBK or Big5 read as latin-1/cp1252, GBK
and Big5 read as each other, double mojibake, HTML entities, lost bytes. The
stage works line by line and, inside a line, on spans:

1. the gate (``_gate``): one regular-expression scan over the whole text
   finds the lines that hold *evidence* of some mis-decoding (a pattern
   derived from its byte structure); all other lines are left alone, so
   clean text costs almost nothing;
2. numeric HTML entities of Chinese text are unescaped (and named ones in
   lines plainly escaped for HTML);
3. for each wrong/right codec pair (``_codecs``) the line is decoded whole
   if it can be; otherwise it is cut into units that re-encode and decode
   cleanly, and a dynamic programme (``_engine``) picks the units to decode
   by a Chinese plausibility score (``_model``: character and bigram costs
   built from jieba's dictionary by ``scripts/build_repair_data.py``, with
   OpenCC's tables for Traditional spellings and for script context: a
   GBK/Big5 swap must leave a Simplified line Simplified and vice versa);
   the best pair is applied and the search repeats for double mojibake;
4. lost bytes (U+FFFD, dropped bytes, ``锟斤拷``) are marked, one U+FFFD per
   lost character; nothing is invented;
5. ftfy runs last, in a Chinese-safe configuration (no width, quote or NFC
   changes) and only where latin-1/cp1252 evidence is left: run first, its
   partial-UTF-8 fix corrupts GBK/Big5 read as latin-1.

``explain`` names each repair: ``Change(stage="repair", start, end, before,
after, kind, detail)`` where ``kind`` is the corruption (``utf8_as_gbk``,
``gbk_as_cp1252``, ``big5_as_gbk``, ``html_entities``, ``ftfy``; two joined by
``+`` for double mojibake) and ``detail`` the wrong and right codecs and the
gain in plausibility (half bits). A repair that could not recover everything
has ``kind="lossy"`` and ``lost=N`` in its detail; each lost character is one
U+FFFD in the output.

>>> from zhnorm.pipeline import Normalizer
>>> apply("ä¸­æ–‡", Normalizer())
'中文'
>>> apply("打开ϵͳ设置", Normalizer())
'打开系统设置'
>>> apply("ÖÐÎÄ²âÊÔ", Normalizer())
'中文测试'
>>> apply("“中文”，（全角）！系统 café 𠮷", Normalizer())
'“中文”，（全角）！系统 café 𠮷'
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from zhnorm.pipeline import Change
from zhnorm.repair._gate import SUSPICIOUS

if TYPE_CHECKING:
    from zhnorm.pipeline import Normalizer


def suspects(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line (without its ``\\n``) the gate lets through.

    One regular-expression scan over the whole text finds them; lines
    without a match are never looked at again. (The pipeline also asks, to
    settle lines that later stages changed.)

    >>> text = "中文\\nä¸­æ–‡"
    >>> [text[s:e] for s, e in suspects(text)]
    ['ä¸­æ–‡']
    """
    pos = 0
    search = SUSPICIOUS.search
    while (m := search(text, pos)) is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        if end < 0:
            end = len(text)
        yield start, end
        pos = end + 1


def _repair(text: str) -> tuple[str, list[Change]]:
    flagged = suspects(text)
    first = next(flagged, None)
    if first is None:  # the common case: no line can hold mojibake
        return text, []
    # The engine (plausibility tables, ftfy) is loaded only when a line needs it.
    from zhnorm.repair._engine import repair_line

    out: list[str] = []
    changes: list[Change] = []
    last = 0
    for start, end in itertools.chain([first], flagged):
        line = text[start:end]
        cut = len(line) - 1 if line.endswith("\r") else len(line)
        fixed, edits = repair_line(line[:cut])
        if not edits:
            continue
        out.append(text[last:start])
        out.append(fixed + line[cut:])
        last = end
        for ed in edits:
            changes.append(
                Change("repair", start + ed.start, start + ed.end, ed.before, ed.after,
                       kind=ed.kind, detail=ed.detail)
            )
    if not changes:
        return text, changes
    out.append(text[last:])
    return "".join(out), changes


def apply(text: str, config: Normalizer) -> str:
    """Repair mojibake in ``text``."""
    return _repair(text)[0]


def explain(text: str, config: Normalizer) -> tuple[str, list[Change]]:
    """Like :func:`apply`, and list the repairs made."""
    return _repair(text)

