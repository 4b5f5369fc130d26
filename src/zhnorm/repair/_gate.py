"""The gate: can a line contain mojibake at all?

A character is *suspicious* when it is not ASCII (``&`` excepted: HTML
entities), not common Chinese punctuation or a full-width form, and not one
of the common Han characters (cost at most ``SAFE_COST`` in the unigram
table). The full path only changes a span whose chain holds a suspicious
character, so a line without any is returned untouched without looking
further; one compiled regular expression finds out at C speed.
"""

from __future__ import annotations

import re

from zhnorm.repair._model import UNIGRAM

SAFE_COST = 38

_SAFE_PUNCT = "“”‘’，。！？：；（）「」『』《》〈〉【】、—…·～\u3000"
_SAFE = frozenset(
    [chr(c) for c in range(0x80) if chr(c) != "&"]
    + [ch for ch, cost in UNIGRAM.items() if cost <= SAFE_COST]
    + list(_SAFE_PUNCT)
    + [chr(c) for c in range(0xFF01, 0xFF5F)]
)


def _class(chars: frozenset[str]) -> str:
    codes = sorted(ord(c) for c in chars)
    ranges: list[list[int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    parts = []
    for a, b in ranges:
        parts.append(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}")
    return "".join(parts)


SUSPICIOUS = re.compile(f"[^{_class(_SAFE)}]")


def is_suspicious(ch: str) -> bool:
    return ch not in _SAFE
