"""Stage ``repair``: undo mojibake without damaging correct Chinese text.

For now this is ftfy in a Chinese-safe configuration. ftfy's defaults also
"fix" things that are correct in Chinese typesetting: they turn full-width
punctuation and U+3000 into ASCII (``fix_character_width``), curly quotes
into straight ones (``uncurl_quotes``) and apply NFC normalisation, which
maps CJK compatibility ideographs to their unified forms. All of that is off.

>>> from zhnorm.pipeline import Normalizer
>>> apply("ä¸­æ–‡", Normalizer())
'中文'
>>> apply("“中文”，（全角）！", Normalizer())
'“中文”，（全角）！'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ftfy

from zhnorm.pipeline import Change

if TYPE_CHECKING:
    from zhnorm.pipeline import Normalizer

_FTFY = ftfy.TextFixerConfig(
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    normalization=None,
    explain=False,
)
_FTFY_EXPLAIN = _FTFY._replace(explain=True)


def apply(text: str, config: Normalizer) -> str:
    """Repair mojibake in ``text``."""
    if text.isascii():
        return text
    return ftfy.fix_text(text, _FTFY)


def explain(text: str, config: Normalizer) -> tuple[str, list[Change]]:
    """Like :func:`apply`, and list the repairs made."""
    if text.isascii():
        return text, []
    fixed, steps = ftfy.fix_and_explain(text, _FTFY_EXPLAIN)
    if fixed == text:
        return text, []
    detail = ", ".join(f"{kind}:{arg}" for kind, arg in steps or ())
    return fixed, [Change("repair", 0, len(text), text, fixed, kind="ftfy", detail=detail)]
