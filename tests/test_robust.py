"""Guarantees over arbitrary input: every public function returns text, never raises, never loses data.

A short deterministic version of benchmarks/fuzz.py runs here; the long fuzzing run is in the benchmark.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm.decode import DecodeError
from zhnorm.io import TextChunks
from zhnorm.pipeline import Normalizer

FAST = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

# Text that looks like what zhnorm meets: Chinese of both scripts, punctuation, Latin, mojibake
# fragments, controls, surrogates and the rest of Unicode.
PIECES = [
    "简体中文",
    "繁體中文",
    "发髮發",
    "干乾幹",
    "后後",
    "么麼",
    "著着",
    "台臺颱",
    "“引号”",
    "，。！？",
    "（括号）",
    "(xù)",
    "續(xù)",
    "ä¸­æ–‡",
    "涓枃",
    "ÖÐÎÄ",
    "¤¤¤å",
    "&#20013;",
    "&amp;",
    "锟斤拷",
    "\ufffd",
    "\u3000\u3000",
    "\r\n",
    "\n",
    "\t",
    " ",
    "ＡＢＣ１２３",
    "café",
    "𠮷",
    "😀",
    "http://a.b/c?d=1",
    "1.79万",
]
TEXT = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=10).map("".join),
)
TARGETS = ["hans", "hant", "tw", "hk", "cn", "twp"]


@FAST
@given(TEXT, st.sampled_from(TARGETS))
def test_normalize_and_explain_return_text(text: str, to: str) -> None:
    out = zhnorm.normalize(text, to=to)
    assert isinstance(out, str)
    explained, changes = zhnorm.explain(text, to=to)
    assert explained == out
    assert all(isinstance(c, zhnorm.Change) for c in changes)


@FAST
@given(TEXT, st.sampled_from(TARGETS))
def test_normalize_is_idempotent(text: str, to: str) -> None:
    once = zhnorm.normalize(text, to=to)
    assert zhnorm.normalize(once, to=to) == once


# Found by benchmarks/fuzz.py: repair declines a GBK-read-as-Big5 span while a Traditional character
# elsewhere in the line sets the line's script; conversion then makes the line Simplified, and a second
# run took the repair. The pipeline settles such lines (pipeline.MAX_ROUNDS).
SOUP = (
    b"\xc3\xd3\xd3\xd3\xd3\xd3\xd3\xd3\xd3\xd3\xd3\xd3,\xd3\xe8\xd3\xd3\xd3\xd3\xd3\xd3\xe8\xd3\xe8"
    + b"\xe8" * 22 + b"\xd3" * 10 + b"]" + b"\xd3" * 9 + b"E"
)


def test_a_line_that_later_stages_make_repairable_is_settled() -> None:
    text = zhnorm.decode(SOUP)
    config = Normalizer()
    once = config.normalize(text)
    assert config.normalize(once) == once
    # It is the settling round that repairs it: one round alone leaves a line that a second run changes.
    one_round = Normalizer(only=("repair", "glosses", "convert", "punct"))
    first = one_round._normalize(text, 1)
    assert one_round._normalize(first, 1) != first


# Also found by fuzzing: the settling round changed the second line, and conversion, which weighs a
# line by the rest of the document, then converts 夥 in the first line: the whole text goes round again.
SOUP_TWO_LINES = (
    b"\xa3\xbf\xe8\xa1\x8c\xe6\x9c\xb9\xefy\xe5\xa4\xa5\xe5\xbb\x96A\x96A3\xa3\xf9\n1\x83\x92\xa3\xf9"
    b"\xa8\xe5\x85\x8e\xe9\x9d\xb8\xe5\x85\x8e\xe9\xa6\x8b\xe5\xaa\xbb;;\xa3\xf9\xb9\xf9\xb9\xf9A"
)


def test_a_settled_line_that_changes_the_document_context_is_settled_too() -> None:
    text = zhnorm.decode(SOUP_TWO_LINES)
    config = Normalizer()
    once = config.normalize(text)
    assert config.normalize(once) == once
    explained, _ = config.explain(text)
    assert explained == once


# Found by fuzz.py --to all: repair needed a fourth pass over its own output (a lossy decoding,
# then another), so a second run changed the line again.
_FOUR_PASSES = (
    b"\xe6\xa0\x89\xe5\xe5\x91\x95\xe6\xa0\x89\xe6\xa0\x89\xe9\xa6\xad\xe9\xb1\xb8\xb9\x92\xe6\xa0\x89"
    b"/,\xe9\xae\x9c\x89\n"
)
_TRADITIONAL_LEAD = b"\xe8\xbc\xb8\xe5\xa5\xbbx`\xe6\x9b\x8b\xe9\xb0\xb7\xe9\xa7\x98\xe9\xa7\x98"


@pytest.mark.parametrize(
    ("to", "data"),
    [
        ("auto", _FOUR_PASSES),
        ("hant", _TRADITIONAL_LEAD + _FOUR_PASSES),
        ("twp", "`晹蹟&閰茬墻姦奻,厞f,鏍夊鍛曟爥鏍墔婇Ν楸腹掓爥/,楫湁\nf,呏&&xx".encode()),
    ],
)
def test_repair_reaches_its_fixed_point(to: str, data: bytes) -> None:
    config = Normalizer(to=to)
    once = config.normalize(zhnorm.decode(data))
    assert config.normalize(once) == once


def test_settling_does_not_trade_correct_text_for_a_swap() -> None:
    # The Traditional line's script kept repair off; converted, it must still read as correct text.
    assert zhnorm.normalize("憂心慇慇。佌佌", to="hans") == "忧心慇慇。佌佌"


def test_an_ids_operator_at_a_line_end_does_not_take_the_next_line() -> None:
    # Fuzzing: ⿲ at the end of a line took the next line's characters as its parts, so whether
    # 鍃 was converted hung on where the runs around it ended, and a second run converted it.
    text = "馠懣⿲\n鍃@"
    config = Normalizer()
    once = config.normalize(text)
    assert once == "馠懑⿲\n锪@"  # each line converted as a line of its own
    assert config.normalize(once) == once
    assert config.explain(text)[0] == once


def test_the_parts_of_an_ids_are_never_converted() -> None:
    # Fuzzing: 顰 made the clause foreign, converted whole and the IDS ⿺:磣 with it (kept as
    # OpenCC keeps it); once 顰 was 颦 the run began after the operator and 磣 was converted.
    config = Normalizer()
    once = config.normalize("顰⿺:磣")
    assert once == "颦⿺:磣"
    assert config.normalize(once) == once


def test_a_report_counts_the_settling_round_and_changes_nothing() -> None:
    from zhnorm.report import Stats, run_with_stats

    text = zhnorm.decode(SOUP) + "\n中文,好\n"
    config = Normalizer()
    stats = Stats()
    assert run_with_stats(config, text, stats) == config.normalize(text)
    assert stats.changes["repair:gbk_as_big5"] == 1


def test_settled_lines_are_explained_where_they_stand() -> None:
    soup = zhnorm.decode(SOUP)
    text = f"第一行 ä¸\xadæ–‡\n{soup}\n中文,好\r\n{soup}\r\n末行"
    config = Normalizer()
    out, changes = config.explain(text)
    assert out == config.normalize(text)
    assert config.normalize(out) == out
    settled = [c for c in changes if c.kind == "gbk_as_big5"]
    assert len(settled) == 2  # once per copy of the line, in the settling round
    # The settling round runs over the text the first round gave, line after line (the repairs keep
    # the length, so both spans index that text): one in the second line, one in the fourth.
    first_round = Normalizer()._normalize(text, 1)
    line_starts = [0] + [i + 1 for i, ch in enumerate(first_round) if ch == "\n"]
    assert [first_round[c.start : c.end] for c in settled] == [c.before for c in settled]
    assert line_starts[1] < settled[0].start < line_starts[2] < line_starts[3] < settled[1].start


@FAST
@given(st.lists(TEXT, max_size=5), st.sampled_from(TARGETS))
def test_batch_equals_one_by_one(texts: list[str], to: str) -> None:
    config = Normalizer(to=to)
    assert config.normalize_batch(texts) == [config.normalize(t) for t in texts]


@FAST
@given(st.binary(max_size=300))
def test_decode_returns_text_or_the_documented_error(data: bytes) -> None:
    try:
        text = zhnorm.decode(data)
    except DecodeError as exc:
        assert 0 <= exc.offset <= len(data)
        return
    assert isinstance(text, str)
    assert zhnorm.decode(data, errors="replace") == text


@FAST
@given(st.text(max_size=200), st.sampled_from(["utf-8", "utf-16", "gb18030"]), st.integers(1, 64))
def test_streaming_loses_nothing(text: str, codec: str, size: int) -> None:
    data = text.encode(codec, errors="surrogatepass" if codec.startswith("utf") else "replace")
    try:
        expected = data.decode(codec)
    except UnicodeDecodeError:
        return  # lone surrogates: not valid text in any encoding
    reader = TextChunks(io.BytesIO(data), encoding=codec, size=size)
    assert "".join(reader) == expected


CLEAN_HANS = "我们在北京的公园里散步，天气很好。他说：“明天见！”"
CLEAN_HANT = "我們在臺北的公園裡散步，天氣很好。他說：「明天見！」"


@pytest.mark.parametrize(("text", "to"), [(CLEAN_HANS, "hans"), (CLEAN_HANT, "tw")])
def test_clean_text_in_the_target_script_is_unchanged(text: str, to: str) -> None:
    assert zhnorm.normalize(text, to=to) == text


def test_jobs_output_is_identical_with_bad_records(tmp_path: Path) -> None:
    lines = []
    for i in range(20_000):
        if i % 997 == 0:
            lines.append(f'{{"id": {i}, "text": 12}}')  # not a string
        elif i % 1499 == 0:
            lines.append(f'{{"id": {i}, "text": "unterminated')
        else:
            lines.append(f'{{"id": {i}, "text": "第{i}條：這是ä¸­æ–‡的測試，(xù)"}}')
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "zhnorm",
                "--jsonl",
                "--field",
                "text",
                "--keep-going",
                "-j",
                jobs,
                str(path),
            ],
            capture_output=True,
            timeout=300,
        )
        assert done.returncode == 0
        outputs.append((done.stdout, done.stderr))
    assert outputs[0] == outputs[1]
    assert outputs[0][1].count(b"\n") == 20_000 // 997 + 1 + 20_000 // 1499 + 1 - 1  # i=0 counted once


ANY_CODE_POINT = st.text(st.characters(exclude_categories=()), max_size=40)  # surrogates and controls too


@FAST
@given(ANY_CODE_POINT, st.sampled_from(TARGETS))
def test_any_code_points_including_lone_surrogates(text: str, to: str) -> None:
    out = zhnorm.normalize(text, to=to)
    assert isinstance(out, str)
    assert zhnorm.normalize(out, to=to) == out
    assert zhnorm.explain(text, to=to)[0] == out


def test_a_huge_line() -> None:
    line = "ä¸­æ–‡與简体混排，續(xù)寫:測試," * 40_000  # one line of about 1.2 MB
    out = zhnorm.normalize(line)
    assert "\n" not in out and "ä" not in out and "(xù)" not in out
    assert zhnorm.normalize(out) == out
