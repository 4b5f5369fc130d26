"""Stage ``repair``: undo mojibake without damaging correct Chinese text.

Scraped Chinese pages carry mis-decodings ftfy does not handle: UTF-8 read
as GBK or Big5, GBK read as UTF-8, GBK or Big5 read as latin-1/cp1252, GBK
and Big5 read as each other, double mojibake, HTML entities. The stage works
line by line and span by span:

1. a gate (one regular expression, see ``_gate``) returns lines that cannot
   hold mojibake at once: clean text costs almost nothing;
2. numeric and the common named HTML entities are unescaped;
3. for each wrong/right codec pair the line is cut into units that
   re-encode and decode cleanly, and the units to decode are chosen by a
   Chinese plausibility score (``_model``, built from jieba's dictionary);
4. ftfy runs last, on what is left, in a Chinese-safe configuration.

ftfy's defaults "fix" what is correct in Chinese typesetting: full-width
punctuation and U+3000 become ASCII (``fix_character_width``), curly quotes
become straight (``uncurl_quotes``), NFC maps CJK compatibility ideographs to
unified ones. All of that is off, and ftfy runs after the Chinese pass,
because its partial-UTF-8 fix corrupts GBK/Big5-as-latin-1 text.

>>> from zhnorm.pipeline import Normalizer
>>> apply("ä¸­æ–‡", Normalizer())
'中文'
>>> apply("打开ϵͳ设置", Normalizer())
'打开系统设置'
>>> apply("“中文”，（全角）！系统", Normalizer())
'“中文”，（全角）！系统'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from zhnorm.pipeline import Change
from zhnorm.repair._engine import repair_line
from zhnorm.repair._gate import SUSPICIOUS

if TYPE_CHECKING:
    from zhnorm.pipeline import Normalizer


def _flagged(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line (without its ``\\n``) the gate lets through.

    One regular-expression scan over the whole text finds them; lines
    without a match are never looked at again.
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
    out: list[str] = []
    changes: list[Change] = []
    last = 0
    for start, end in _flagged(text):
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
