"""The stage table, the frozen configuration, and the explain plan.

Data flows one way through the stages named in :data:`STAGES`::

    str --repair--> --convert--> str

Each stage is a module with two public functions::

    apply(text: str, config: Normalizer) -> str
    explain(text: str, config: Normalizer) -> tuple[str, list[Change]]

and optionally ``validate(config) -> None``, which raises ``ValueError`` with a
one-line message for a setting the stage cannot use, ``suspects(text)``, a
cheap scan that yields the ``(start, end)`` span of every line the stage could
still change (and maybe others), and ``apply_batch(texts, config) -> list[str]``,
the same as ``apply`` over each text but cheaper per text (``normalize_batch``
uses it: conversion converts many records in one engine call).

A stage that judges a line by its context (``repair`` weighs a candidate
decoding against the rest of the line) may judge it differently once a later
stage has changed that context, which would make a second run change the
output. So the pipeline *settles* its result: a line that a stage after the
first ``suspects``-bearing one changed, and that some stage still suspects, runs
through the stages again (at most :data:`MAX_ROUNDS` times in all). Then
``normalize(normalize(x)) == normalize(x)``, and clean text pays nothing: its
lines are unchanged, or not suspect.

``apply`` must return the same string that ``explain`` returns; ``explain`` also
says what it did. Adding a stage is one module and one line in :data:`STAGES`.
Stage modules are imported lazily, so ``import zhnorm`` stays cheap and a
stage's heavy data (automata, tables) is built only by the processes that use it.
"""

from __future__ import annotations

import bisect
import dataclasses
import importlib
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any

#: ``observe(stage, before, after, changes, seconds)``: see :meth:`Normalizer.explain`.
Observer = Callable[[str, str, str, "list[Change]", float], None]

#: How many times at most a line goes through the stages while it settles.
MAX_ROUNDS = 3

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
    def memo(self) -> dict[str, Any]:
        """What stages derive from these settings, kept per object and per process
        (never pickled): a stage called once a line or record looks its choices up
        here instead of working them out from the settings each time."""
        return {}

    @cached_property
    def _appliers(self) -> tuple[Callable[[str, Normalizer], str], ...]:
        return tuple(stage_module(name).apply for name in self.stages)

    @cached_property
    def _settling(self) -> tuple[int, tuple[Callable[[str], Iterable[tuple[int, int]]], ...]]:
        """Index of the first stage with ``suspects`` (-1: none), and every such test."""
        tests = [(i, getattr(stage_module(n), "suspects", None)) for i, n in enumerate(self.stages)]
        tests = [(i, t) for i, t in tests if t is not None]
        return (tests[0][0] if tests else -1), tuple(t for _, t in tests)

    def __getstate__(self) -> dict[str, Any]:
        # Pickle the settings only; a worker process rebuilds the cached lookups.
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def replace(self, **changes: Any) -> Normalizer:
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    def normalize(self, text: str) -> str:
        """Run every enabled stage over ``text`` (and settle the result)."""
        return self._normalize(text, MAX_ROUNDS)

    def _normalize(self, text: str, rounds: int) -> str:
        first = self._settling[0]
        mark = text
        for i, apply in enumerate(self._appliers):
            text = apply(text, self)
            if i == first:
                mark = text
        if first < 0 or rounds <= 1 or mark is text or mark == text:
            return text
        return self._settled(mark, text, rounds)

    def _settled(self, mark: str, text: str, rounds: int) -> str:
        """``text`` (which the stages after the one that left ``mark`` changed), settled."""
        settled = self._settle(mark, text, rounds, lambda t, r: (self._normalize(t, r), []))[0]
        if settled is text:
            return text
        # A line came out differently: the stages see the whole text again
        # (conversion weighs a line by the rest of the document).
        return self._normalize(settled, rounds - 1)

    def normalize_batch(self, texts: Iterable[str | None]) -> list[str | None]:
        """Normalize many texts; ``None`` (a missing value) stays ``None``.

        The same as :meth:`normalize` on each text, stage after stage over all of
        them (a stage with ``apply_batch`` takes them at once). Usable as-is in
        ``datasets.map(batched=True)`` and on pandas columns.

        >>> Normalizer(to="hant").normalize_batch(["简体", None, "頭髮"])
        ['簡體', None, '頭髮']
        """
        out = list(texts)
        where = [k for k, text in enumerate(out) if text]  # None and "" stay as they are
        batch: list[str] = [out[k] for k in where]  # type: ignore[misc]
        first = self._settling[0]
        marks = batch
        for i, apply_batch in enumerate(self._batch_appliers):
            batch = apply_batch(batch, self)
            if i == first:
                marks = batch
        if first >= 0 and MAX_ROUNDS > 1:
            batch = [
                text if mark is text or mark == text else self._settled(mark, text, MAX_ROUNDS)
                for mark, text in zip(marks, batch, strict=True)
            ]
        for k, text in zip(where, batch, strict=True):
            out[k] = text
        return out

    @cached_property
    def _batch_appliers(self) -> tuple[Callable[[list[str], Normalizer], list[str]], ...]:
        def one_by_one(apply: Callable[[str, Normalizer], str]) -> Callable[..., list[str]]:
            return lambda texts, config: [apply(text, config) for text in texts]

        return tuple(
            getattr(stage_module(name), "apply_batch", None) or one_by_one(stage_module(name).apply)
            for name in self.stages
        )

    def explain(self, text: str, *, observe: Observer | None = None) -> tuple[str, list[Change]]:
        """Normalize ``text`` and list the changes each stage made, in order.

        Each change indexes the text as it stood when its stage ran; a line
        that settles in a further round is one more pass over that line.
        ``observe(stage, before, after, changes, seconds)``, if given, is called
        after each stage's run (a report counts with it).
        """
        return self._explain(text, MAX_ROUNDS, observe)

    def _explain(self, text: str, rounds: int, observe: Observer | None = None) -> tuple[str, list[Change]]:
        first = self._settling[0]
        mark = text
        changes: list[Change] = []
        for i, name in enumerate(self.stages):
            started = time.perf_counter()
            new, stage_changes = stage_module(name).explain(text, self)
            if observe is not None:
                observe(name, text, new, stage_changes, time.perf_counter() - started)
            text = new
            changes.extend(stage_changes)
            if i == first:
                mark = text
        if first < 0 or rounds <= 1 or mark == text:
            return text, changes
        settled, more = self._settle(mark, text, rounds, lambda t, r: self._explain(t, r, observe))
        if settled is text:
            return text, changes
        # As in _normalize: the whole text again (it holds the settling round's changes).
        settled, again = self._explain(settled, rounds - 1, observe)
        return settled, changes + more + again

    def _settle(
        self, mark: str, text: str, rounds: int, run: Callable[[str, int], tuple[str, list[Change]]]
    ) -> tuple[str, list[Change]]:
        """Run the unsettled lines of ``text`` through one more round (``run``).

        A line is settled if no stage suspects it, or if the stages up to
        ``mark`` (the text as the first suspecting stage left it) have judged
        it already: later stages left it as it is in ``mark`` (found by its
        number; if a stage joined or split lines, it is any suspect line of
        ``mark``: stages judge lines on their own, so the same line anywhere
        gets the same judgement). The unsettled lines go through the next round
        together (one by one if a stage joined or split them). Changes index
        the text as it stood, line after line.
        """
        tests = self._settling[1]
        spans = sorted({span for test in tests for span in test(text)})
        if not spans:
            return text, []
        if mark.count("\n") == text.count("\n"):
            # The same line of mark, found by its number.
            before = mark.split("\n")
            line = pos = 0
            unsettled = []
            for s, e in spans:
                line += text.count("\n", pos, s)
                pos = s
                if before[line] != text[s:e]:
                    unsettled.append((s, e))
            spans = unsettled
        else:
            judged = {mark[s:e] for test in tests for s, e in test(mark)}
            spans = [(s, e) for s, e in spans if text[s:e] not in judged]
        if not spans:
            return text, []
        lines_in = "\n".join(text[s:e] for s, e in spans)
        joined, changes = run(lines_in, rounds - 1)
        if joined == lines_in:
            return text, []  # the usual end: they were settled after all
        lines = joined.split("\n")
        per_line: list[list[Change]] = [[] for _ in spans]
        if len(lines) == len(spans):
            # Each change of the joined round belongs to one line (no stage
            # changes a line end): file it under that line, at its offset.
            starts = list(itertools.accumulate((e - s + 1 for s, e in spans), initial=0))
            for c in changes:
                k = bisect.bisect_right(starts, c.start) - 1
                per_line[k].append(dataclasses.replace(c, start=c.start - starts[k], end=c.end - starts[k]))
        else:
            pairs = [run(text[s:e], rounds - 1) for s, e in spans]
            lines = [line for line, _ in pairs]
            per_line = [c for _, c in pairs]
        out: list[str] = []
        moved: list[Change] = []
        last = shift = 0  # shift: how much the lines settled so far grew or shrank
        for (start, end), line, line_changes in zip(spans, lines, per_line, strict=True):
            at = start + shift
            moved.extend(dataclasses.replace(c, start=c.start + at, end=c.end + at) for c in line_changes)
            shift += len(line) - (end - start)
            out += (text[last:start], line)
            last = end
        out.append(text[last:])
        return "".join(out), moved


_MODULES: dict[str, ModuleType] = {}


def stage_module(name: str) -> ModuleType:
    """The module that implements stage ``name`` (imported on first use)."""
    module = _MODULES.get(name)
    if module is None:
        module = _MODULES[name] = importlib.import_module(STAGES[name])
    return module
