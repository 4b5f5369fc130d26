"""zhnorm: clean Chinese text scraped from the web.

>>> import zhnorm
>>> zhnorm.normalize("ä¸­æ–‡", only=["repair"])
'中文'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zhnorm.decode import decode
from zhnorm.pipeline import STAGES, Change, Normalizer

__all__ = ["STAGES", "Change", "Normalizer", "decode", "explain", "normalize"]
__version__ = "0.1.0"


def normalize(
    text: str,
    *,
    to: str = "hans",
    opencc: str | None = None,
    only: Iterable[str] | None = None,
    skip: Iterable[str] | None = None,
    **options: Any,
) -> str:
    """Normalize ``text``: repair mojibake, then convert to the target script.

    ``to`` is a target (``hans``, ``hant``, ``tw``, ``hk``, ``cn``, ``twp``);
    ``opencc`` names a raw OpenCC config instead and gives exactly OpenCC's output.
    """
    return _config(to, opencc, only, skip, options).normalize(text)


def explain(
    text: str,
    *,
    to: str = "hans",
    opencc: str | None = None,
    only: Iterable[str] | None = None,
    skip: Iterable[str] | None = None,
    **options: Any,
) -> tuple[str, list[Change]]:
    """Normalize ``text`` and return the result with the changes each stage made."""
    return _config(to, opencc, only, skip, options).explain(text)


def _config(to, opencc, only, skip, options) -> Normalizer:
    return Normalizer(
        to=to, opencc=opencc, only=tuple(only or ()), skip=tuple(skip or ()), **options
    )
