"""Counters for ``--report`` and the per-chunk work behind ``--report``/``--explain``.

A :class:`Stats` is filled for each chunk (in whichever process ran it),
merged per file and in total, and written as JSON. Everything is counted from
the stages' own ``explain`` output, so a new stage is reported without any
change here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from zhnorm.pipeline import Change, Normalizer

__all__ = ["LOSSY_MARKS", "Stats", "explain_lines", "run_with_stats"]

#: What lost bytes look like once decoded: U+FFFD, and GBK's rendering of
#: UTF-8 U+FFFD pairs (锟斤拷), counted in the output.
LOSSY_MARKS: tuple[str, ...] = ("\ufffd", "锟斤拷")


@dataclass
class Stats:
    """What happened to some text: sizes, changed lines and changes per stage, time."""

    bytes_in: int = 0
    bytes_out: int = 0
    lines_in: int = 0
    lines_out: int = 0
    records: int = 0
    bad_records: int = 0
    lossy_chars: int = 0
    lines_changed: Counter[str] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    chars_changed: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    #: Han characters of the input by class: Simplified-only, Traditional-only, neutral.
    script: Counter[str] = field(default_factory=Counter)

    def count_text(self, before: str, after: str) -> None:
        """Count sizes, script classes and lossy marks of one piece of input and its output."""
        from zhnorm.script import count_classes

        self.script.update(count_classes(before))
        self.bytes_in += len(before.encode("utf-8", "surrogatepass"))
        self.bytes_out += len(after.encode("utf-8", "surrogatepass"))
        self.lines_in += before.count("\n")
        self.lines_out += after.count("\n")
        self.lossy_chars += after.count("\ufffd") + 2 * after.count("锟斤拷")

    def merge(self, other: Stats) -> None:
        for name, value in vars(other).items():
            if isinstance(value, Counter):
                getattr(self, name).update(value)
            else:
                setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in vars(self).items():
            if isinstance(value, Counter):
                if name == "seconds":
                    value = {k: round(v, 4) for k, v in value.items()}
                out[name] = dict(sorted(value.items()))
            else:
                out[name] = value
        return out


def run_with_stats(config: Normalizer, text: str, stats: Stats) -> str:
    """Normalize ``text`` through ``config.explain``, counting each stage's run into ``stats``."""

    def count(name: str, before: str, after: str, changes: list[Change], seconds: float) -> None:
        stats.seconds[name] += seconds
        for change in changes:
            stats.changes[f"{name}:{change.kind or 'change'}"] += 1
            stats.chars_changed[name] += max(len(change.before), len(change.after))
        if after != before:
            stats.lines_changed[name] += _changed_lines(before, after)

    return config.explain(text, observe=count)[0]


def explain_lines(config: Normalizer, text: str, first_line: int) -> tuple[str, list[dict[str, Any]]]:
    """Normalize ``text`` line by line; one record per changed line, naming each change."""
    out: list[str] = []
    records: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n"), first_line):
        fixed, changes = config.explain(line)
        if changes:
            records.append(
                {"line": number, "before": line, "after": fixed, "changes": [c.as_dict() for c in changes]}
            )
        out.append(fixed)
    return "\n".join(out), records


def _changed_lines(before: str, after: str) -> int:
    old, new = before.split("\n"), after.split("\n")
    return sum(a != b for a, b in zip(old, new, strict=False)) + abs(len(old) - len(new))
