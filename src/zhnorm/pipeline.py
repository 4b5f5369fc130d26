"""The stage table, the frozen configuration, and the explain plan.

Data flows one way through the stages named in :data:`STAGES`::

    str --repair--> --convert--> str

Each stage is a module with two public functions::

    apply(text: str, config: Normalizer) -> str
    explain(text: str, config: Normalizer) -> tuple[str, list[Change]]

and optionally ``validate(config) -> None``, which raises ``ValueError`` with a
one-line message for a setting the stage cannot use.

``apply`` must return the same string that ``explain`` returns; ``explain`` also
says what it did. Adding a stage is one module and one line in :data:`STAGES`.
Stage modules are imported lazily, so ``import zhnorm`` stays cheap and a
stage's heavy data (automata, tables) is built only by the processes that use it.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any

#: The ordered stage table: stage name -> module that implements it.
STAGES: dict[str, str] = {
    "repair": "zhnorm.repair",
    "glosses": "zhnorm.glosses",
    "convert": "zhnorm.convert",
    "punct": "zhnorm.punct",
}


@dataclass(frozen=True)
class Change:
    """One thing a stage did to the text, as ``explain`` reports it.

    ``start``/``end`` index the span in the text the stage received; ``before``
    is that span, ``after`` its replacement. ``kind`` names the fix (for
    example ``utf8_as_gbk`` or ``t2s``) and ``detail`` carries free-form facts
    such as a plausibility score.
    """

    stage: str
    start: int
    end: int
    before: str
    after: str
    kind: str = ""
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class Normalizer:
    """A reusable, picklable zhnorm configuration.

    The object holds only plain settings; the heavy, per-process objects that
    stages build from them (dictionary automata, frequency tables) live in
    per-process caches, so a ``Normalizer`` pickles cheaply into Spark, Ray or
    multiprocessing workers.

    >>> Normalizer(to="hant").normalize("简体中文")
    '簡體中文'
    """

    #: Target script: a name from :data:`zhnorm.convert.TARGETS`.
    to: str = "hans"
    #: A raw OpenCC config name (``"s2twp"``); overrides ``to`` and gives OpenCC's output.
    opencc: str | None = None
    #: Run only these stages (empty: all of them).
    only: tuple[str, ...] = ()
    #: Skip these stages.
    skip: tuple[str, ...] = ()
    #: Options of individual stages (read by those stages only).
    keep_glosses: bool = False
    punct: str = "cjk"
    strip_indent: bool = False
    fold_width: bool = True  # punct: full-width Latin letters and digits -> ASCII
    convert_all: bool = False
    dicts: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("only", "skip", "dicts", "protect"):
            object.__setattr__(self, name, _tuple(getattr(self, name)))
        unknown = [s for s in (*self.only, *self.skip) if s not in STAGES]
        if unknown:
            raise ValueError(
                f"unknown stage {unknown[0]!r}; valid stages: {', '.join(STAGES)}"
            )
        # A stage may check its own settings (a target name, a dictionary file)
        # so that a bad one fails here, with a clear message, not mid-batch.
        for name in self.stages:
            validate = getattr(stage_module(name), "validate", None)
            if validate is not None:
                validate(self)

    @cached_property
    def stages(self) -> tuple[str, ...]:
        """The stage names this configuration runs, in pipeline order."""
        return tuple(
            name
            for name in STAGES
            if (not self.only or name in self.only) and name not in self.skip
        )

    @cached_property
    def _appliers(self) -> tuple[Callable[[str, Normalizer], str], ...]:
        return tuple(stage_module(name).apply for name in self.stages)

    def __getstate__(self) -> dict[str, Any]:
        # Pickle the settings only; a worker process rebuilds the cached lookups.
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def replace(self, **changes: Any) -> Normalizer:
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    def normalize(self, text: str) -> str:
        """Run every enabled stage over ``text``."""
        for apply in self._appliers:
            text = apply(text, self)
        return text

    def normalize_batch(self, texts: Iterable[str | None]) -> list[str | None]:
        """Normalize many texts; ``None`` (a missing value) stays ``None``.

        Usable as-is in ``datasets.map(batched=True)`` and on pandas columns.

        >>> Normalizer(to="hant").normalize_batch(["简体", None])
        ['簡體', None]
        """
        normalize = self.normalize
        return [None if t is None else normalize(t) for t in texts]

    def explain(self, text: str) -> tuple[str, list[Change]]:
        """Normalize ``text`` and list the changes each stage made, in order."""
        changes: list[Change] = []
        for name in self.stages:
            text, stage_changes = stage_module(name).explain(text, self)
            changes.extend(stage_changes)
        return text, changes


_MODULES: dict[str, ModuleType] = {}


def stage_module(name: str) -> ModuleType:
    """The module that implements stage ``name`` (imported on first use)."""
    module = _MODULES.get(name)
    if module is None:
        module = _MODULES[name] = importlib.import_module(STAGES[name])
    return module
