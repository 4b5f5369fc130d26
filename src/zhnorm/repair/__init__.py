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

from typing import TYPE_CHECKING

from zhnorm.pipeline import Change
from zhnorm.repair._engine import repair_line
from zhnorm.repair._gate import SUSPICIOUS

if TYPE_CHECKING:
    from zhnorm.pipeline import Normalizer


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line: str.splitlines would also cut at U+2028, form feeds, ...
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _split_end(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def apply(text: str, config: Normalizer) -> str:
    """Repair mojibake in ``text``."""
    if SUSPICIOUS.search(text) is None:
        return text
    out = []
    for line in _lines(text):
        if SUSPICIOUS.search(line) is None:
            out.append(line)
            continue
        body, end = _split_end(line)
        out.append(repair_line(body)[0] + end)
    return "".join(out)


def explain(text: str, config: Normalizer) -> tuple[str, list[Change]]:
    """Like :func:`apply`, and list the repairs made."""
    changes: list[Change] = []
    if SUSPICIOUS.search(text) is None:
        return text, changes
    out = []
    offset = 0
    for line in _lines(text):
        if SUSPICIOUS.search(line) is not None:
            body, end = _split_end(line)
            fixed, edits = repair_line(body)
            for ed in edits:
                changes.append(
                    Change("repair", offset + ed.start, offset + ed.end, ed.before, ed.after,
                           kind=ed.kind, detail=ed.detail)
                )
            out.append(fixed + end)
        else:
            out.append(line)
        offset += len(line)
    return "".join(out), changes
