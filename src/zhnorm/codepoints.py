"""Long texts as NumPy arrays of code points, and tables indexed by code point.

The stages scan a long text with one table lookup a character instead of a
regular expression's character class (sre tests a class character by
character: ~5 ns a character of a text with an astral character in it, where
a lookup in a table of all code points costs well under one). NumPy is
imported only when a text is long enough to need it.

>>> code_points("中a").tolist()
[20013, 97]
>>> bool(class_table("[，。]")[ord("，")])
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

_SIZE = 0x110000  # code points


def code_points(text: str) -> Any:
    """``text``'s code points as a NumPy ``uint32`` array (lone surrogates included)."""
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def char_class_regex(chars: Iterable[str]) -> str:
    """A regular-expression character class matching exactly ``chars``, as code point ranges
    (``re`` parses a class of ranges far faster than one listing every character).

    >>> char_class_regex("abcx中")
    '[a-cx中]'
    """
    points = sorted(ord(c) for c in chars)
    parts: list[str] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        lo, hi = points[i], points[j]
        parts.append(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
        i = j + 1
    return "[" + "".join(parts) + "]"


@cache
def class_table(pattern: str) -> Any:
    """Code point -> does the one-character regular expression ``pattern`` match it.

    Built by running ``pattern`` over every code point once, so the table
    agrees with the expression by construction.
    """
    import numpy as np

    everything = np.arange(_SIZE, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    table = np.zeros(_SIZE, dtype=bool)
    for m in re.finditer(f"(?:{pattern})+", everything):
        table[m.start() : m.end()] = True
    return table


@cache
def char_table(chars: str | frozenset[str]) -> Any:
    """Code point -> is it one of ``chars``."""
    import numpy as np

    table = np.zeros(_SIZE, dtype=bool)
    if chars:
        table[[ord(c) for c in chars]] = True
    return table
