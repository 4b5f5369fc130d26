"""The repair gate compiled lazily: the same verdicts as the compiled regular expression."""

from __future__ import annotations

import re
from pathlib import Path
from re import _parser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.repair import _gate

SHARED = Path(__file__).resolve().parents[2] / "shared"
STORED = _gate._stored()
FULL = re.compile(STORED["gate"])

_PIECES = [
    "中文测试", "繁體中文測試", "“中文”，（全角）！", "系统", "什么", "café", "𠮷", " ", "ABC", "&",
    "ϵͳ", "ʲô", "ÖÐÎÄ", "¤¤¤å", "鎴戞槸", "涓枃", "&#20013;", "&amp;", "蘆鰓", "и尺", "é", "Ã", "â€œ", "\x9d",
]


def fresh() -> _gate.LazyGate:
    return _gate.LazyGate(STORED["gate"], STORED["first"])


def _span(match: re.Match[str] | None) -> tuple[int, int] | None:
    return None if match is None else match.span()


def test_first_characters_are_the_gates_first_class() -> None:
    # The set test is sound only if every match starts with one of these characters.
    op, items = _parser.parse(STORED["gate"])[0]
    assert op is _parser.IN
    chars = set()
    for kind, value in items:
        if kind is _parser.RANGE:
            chars.update(map(chr, range(value[0], value[1] + 1)))
        else:
            assert kind is _parser.LITERAL
            chars.add(chr(value))
    assert chars == set(STORED["first"])


def test_clean_short_text_does_not_compile_the_gate() -> None:
    gate = fresh()
    assert gate.search("中文\n") is None
    assert gate.search("plain ASCII, no ampersand") is None
    assert gate._compiled is None
    assert _span(gate.search("打开ϵͳ设置")) == _span(FULL.search("打开ϵͳ设置"))
    assert gate._compiled is not None


def test_long_text_compiles_the_gate_at_once() -> None:
    gate = fresh()
    assert gate.search("中文" * _gate.PRECHECK_MAX) is None
    assert gate._compiled is not None


def test_the_precheck_budget_runs_out() -> None:
    gate = fresh()
    line = "中文" * (_gate.PRECHECK_MAX // 2)
    for _ in range(_gate.PRECHECK_BUDGET // len(line) + 1):
        assert gate.search(line) is None
    assert gate._compiled is not None


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=8),
    st.integers(-3, 40),
    st.integers(-3, 40) | st.none(),
)
def test_same_verdict_and_span_as_the_compiled_gate(parts: list[str], pos: int, endpos: int | None) -> None:
    text = "".join(parts)
    if endpos is None:
        assert _span(fresh().search(text, pos)) == _span(FULL.search(text, pos))
    else:
        assert _span(fresh().search(text, pos, endpos)) == _span(FULL.search(text, pos, endpos))


def test_lines_without_a_first_character_never_match() -> None:
    corpus = SHARED / "bench" / "corpus_unique_lines.txt"
    if not corpus.exists():
        pytest.skip("../shared is absent")
    first = frozenset(STORED["first"])
    lines = corpus.read_text(encoding="utf-8").split("\n")
    skipped = [line for line in lines if first.isdisjoint(line)]
    assert len(skipped) > len(lines) // 10  # the set test does rule out real lines
    assert [line for line in skipped if FULL.search(line)] == []
