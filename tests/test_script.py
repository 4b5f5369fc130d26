"""Script detection: character classes from OpenCC's data, clauses, runs, verdicts, inspect."""

from __future__ import annotations

import json
import os
import re
import tempfile
from itertools import pairwise

os.environ.setdefault("ZHNORM_CACHE_DIR", tempfile.mkdtemp(prefix="zhnorm-test-cache-"))

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared_path
from zhnorm.convert.engine import converter
from zhnorm.script import (
    BIG_SCAN,
    char_class,
    clauses,
    count_classes,
    find_unique,
    foreign_pattern,
    format_inspect,
    hans_only,
    hant_only,
    inspect,
    leaning,
    majority,
    runs,
    verdict,
)


@pytest.mark.parametrize(
    ("chars", "expected"),
    [
        ("这发历复扰众么", ["hans"] * 6 + ["neutral"]),  # 么 is also a Traditional character
        ("這發髮歷曆復複隻係繫麼麵為裡裏爲衆", ["hant"] * 17),
        ("干后里面台余只系着著和座待a1，", ["neutral"] * 16),
    ],
)
def test_char_classes(chars: str, expected: list[str]) -> None:
    assert [char_class(ch) for ch in chars] == expected


def test_unique_sets_are_disjoint_and_opencc_changes_them() -> None:
    hans, hant = hans_only(), hant_only()
    assert hans and hant and not hans & hant
    s2t, t2s = converter("s2t").convert, converter("t2s").convert
    # A Simplified-only character is one s2t always changes, and vice versa.
    assert [ch for ch in hans if s2t(ch) == ch] == []
    assert [ch for ch in hant if t2s(ch) == ch] == []


def test_leaning_characters() -> None:
    assert [leaning(ch) for ch in "万后里于余干"] == ["hans"] * 6
    assert [leaning(ch) for ch in "於乾"] == ["hant"] * 2
    # Unique characters, regional standard forms and shared ones do not lean.
    assert [leaning(ch) for ch in "这這群床台只和"] == ["neutral"] * 7


_ALPHABET = "这這发發髮干后里裡面麵台臺只隻么麼和的，。 a\n𠮷𫝈㑮\U0002a6a5"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40), st.integers(0, 5), st.integers(0, 45))
def test_find_unique_matches_a_plain_scan(text: str, start: int, end: int) -> None:
    for script, chars in (("hans", hans_only()), ("hant", hant_only())):
        expected = next((i for i in range(start, min(end, len(text))) if text[i] in chars), -1)
        assert find_unique(text, script, start, end) == expected
        expected_all = next((i for i, ch in enumerate(text) if ch in chars), -1)
        assert find_unique(text, script) == expected_all
        assert bool(foreign_pattern(script).search(text)) == (expected_all >= 0)


@pytest.mark.parametrize("position", [0, 5, BIG_SCAN // 4 + 3, BIG_SCAN * 2 - 1, None])
@pytest.mark.parametrize(("script", "char"), [("hans", "这"), ("hant", "這"), ("hans", "𫝈")])
def test_find_unique_on_big_texts(position: int | None, script: str, char: str) -> None:
    # Long texts take the NumPy path; the answer is the same, surrogates and astral characters included.
    chars = list(("和平的干\ud800𠮷ab" * BIG_SCAN)[: BIG_SCAN * 2])
    if position is not None:
        chars[position] = char
    text = "".join(chars)
    assert find_unique(text, script) == (-1 if position is None else position)
    if position is not None and position > 10:
        assert find_unique(text, script, 3, position) == -1
        assert find_unique(text, script, 3, position + 1) == position


def test_find_unique_handles_astral_characters() -> None:
    # TSCharactersExt maps 㑮 to the astral Simplified 𫝈; 𠮷 is in neither set.
    assert "𫝈" in hans_only()
    assert find_unique("𠮷𠮷𫝈", "hans") == 2
    assert find_unique("𠮷𠮷", "hans") == -1


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET + "！？；：、（）「」", max_size=60))
def test_clauses_tile_the_text(text: str) -> None:
    spans = clauses(text)
    assert "".join(text[s:e] for s, e in spans) == text
    assert all(s < e for s, e in spans)
    assert all(a[1] == b[0] for a, b in pairwise(spans))


def test_runs() -> None:
    got = [(r.text, r.script, r.hans, r.hant) for r in runs("他說：这是头发，頭髮和头发。123")]
    assert got == [
        ("他說：", "hant", 0, 1),
        ("这是头发，", "hans", 3, 0),
        ("頭髮和头发。", "mixed", 2, 2),
        ("123", "neutral", 0, 0),
    ]


def test_counts_majority_verdict() -> None:
    assert count_classes("头发頭髮ab干") == {"hans": 2, "hant": 2, "neutral": 1}
    assert majority("頭髮和头发很长") == "hans"  # 3 Simplified-only (头 发 长) to 2
    assert majority("头髮") == "hans"  # a tie: the first unique character's script
    assert majority("髮头") == "hant"
    assert majority("干和") is None
    # One stray character does not make a page mixed (hanzidentifier's failure).
    page = "這是一個很長的繁體頁面，" * 20 + "这"
    assert verdict(count_classes(page)) == "hant"
    assert verdict(count_classes(page + "这个页面")) == "mixed"
    assert verdict(count_classes("干和123")) == "none"


def test_inspect() -> None:
    text = "烏干達的首都是坎帕拉。这是简体的句子。那么？"
    report = inspect(text, to="hant")
    assert report["verdict"] == "mixed"
    assert report["target"] == "hant"
    assert report["han_chars"] == sum(report["counts"].values())
    assert abs(report["hans_only"] + report["hant_only"] + report["neutral"] - 1) < 1e-3
    assert [r["text"] for r in report["converted_runs"]] == ["这是简体的句子。那么？"]  # 那么 follows
    assert [r["script"] for r in report["runs"]] == ["hant", "hans"]
    # To Simplified, the Traditional clause is the one converted; a regional target maps to its script.
    assert [r["text"] for r in inspect(text, to="hans")["converted_runs"]] == ["烏干達的首都是坎帕拉。"]
    assert inspect(text, to="tw")["target"] == "hant"
    assert inspect("", to="auto")["verdict"] == "none"
    json.dumps(inspect(text))  # serialisable as is, for `--json`
    with pytest.raises(ValueError, match="unknown target"):
        inspect(text, to="klingon")


def test_shared_pairs_sides_hold_no_character_of_the_other_script() -> None:
    path = shared_path("data", "mixed_pairs.jsonl")
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    hans, hant = foreign_pattern("hans"), foreign_pattern("hant")
    assert [p["id"] for p in pairs if hans.search(p["traditional"])] == []
    assert [p["id"] for p in pairs if hant.search(p["simplified"])] == []
    # ... and each side is recognised as its script.
    assert all(majority(p["simplified"]) in ("hans", None) for p in pairs)
    assert all(majority(p["traditional"]) in ("hant", None) for p in pairs)
    assert sum(1 for p in pairs if re.search("[\u4e00-\u9fff]", p["simplified"])) > 1000


def test_scraped_page_sample() -> None:
    # A Traditional mirror of a Simplified article with a Simplified footer (../shared/samples).
    page = shared_path("samples", "scraped_page_tianjin.txt").read_text(encoding="utf-8", errors="replace")
    report = inspect(page, to="hant")
    assert report["verdict"] == "mixed"  # a few Simplified characters, but a whole footer of them
    converted = "".join(r["text"] for r in report["converted_runs"])
    assert "打开微信" in converted and "使用“扫一扫”" in converted
    assert len(converted) < len(page) // 20
    assert inspect(page)["target"] == "hant"  # the majority script
    text = format_inspect(report, "tianjin")
    assert text.startswith("tianjin: mixed (") and "convert" in text


def test_long_texts_are_split_the_same_way() -> None:
    # Long texts count per clause with NumPy; the decisions are those of the plain loop.
    import random

    from zhnorm import script

    rng = random.Random(4)
    pieces = ["这是", "這是", "头发", "頭髮", "干", "万", "於", "和平", "，", "。", "\n", "ab", "𠮷", "𫝈"]
    text = "".join(rng.choice(pieces) for _ in range(BIG_SCAN))
    spans = clauses(text)
    for target in ("hans", "hant"):
        assert script._clause_kinds_big(text, spans, target) == script._clause_kinds(text, spans, target)


@pytest.mark.parametrize("seed", [5, 6])
def test_long_texts_are_segmented_as_the_clause_loop_does(seed: int) -> None:
    # segments() of a long text is vectorised (one cumulative sum for the clause
    # counts, a forward fill for the undecided clauses); the plain loop decides the same.
    import random

    from zhnorm import script

    rng = random.Random(seed)
    pieces = ["这是", "這是", "头发", "頭髮", "干", "万", "於", "和平", "，", "。", "\n", "ab", " ", "·"]
    pieces += ["𠮷", "𫝈"]
    text = "".join(rng.choice(pieces) for _ in range(BIG_SCAN // 2))
    # A clause longer than 65,535 characters takes the fallback count.
    long_clause = "和平万於" * (BIG_SCAN // 3)
    for sample in (text, "，" + text + "。", long_clause + "。" + text, text + long_clause):
        for target in ("hans", "hant"):
            got = script._segments_big(sample, target)
            assert got == script._segments_loop(sample, target)
            assert got == script.segments(sample, target)
    # Texts without any unique character go by their leaning ones, counted with NumPy too.
    for sample in ("万於万" * BIG_SCAN, "於万於" * BIG_SCAN, "万於" * BIG_SCAN):
        for target in ("hans", "hant"):
            kind = script.segments(sample, target)[0][2]
            assert [kind] == [k for _, _, k in script.segments(sample[:30], target)]
    assert script.segments("万於万" * BIG_SCAN, "hant") == [(0, 3 * BIG_SCAN, "foreign")]


def test_count_classes_of_a_long_text_is_the_sum_of_its_pieces() -> None:
    # A long text is counted with NumPy, a short one with the regular expressions: they must agree.
    from zhnorm.script import BIG_SCAN, count_classes

    piece = "这是简体。這是繁體。干乾幹后後，𠮷野家 ok\ud800 髮发"
    text = piece * (BIG_SCAN // len(piece) + 1)
    assert len(text) >= BIG_SCAN > len(piece)
    once = count_classes(piece)
    total = count_classes(text)
    assert total == {k: v * (BIG_SCAN // len(piece) + 1) for k, v in once.items()}
    assert total["hans"] and total["hant"] and total["neutral"]


def test_compatibility_ideographs_are_classed_as_their_unified_forms() -> None:
    # Every OpenCC config maps them to their unified forms first, so the classes must agree: U+F9E9 is
    # 里 (leans Simplified), U+FAAE is 类 (Simplified only), U+F900 is 豈 (Traditional only).
    from zhnorm import Normalizer, decode
    from zhnorm.script import char_class, leaning

    assert (leaning("\uf9e9"), char_class("\ufaae"), char_class("\uf900")) == ("hans", "hans", "hant")
    # Found by fuzz.py --to all: U+F9E9 U+F9F9 U+F9FF read as neutral were kept, converted to 里粒刺,
    # which a second run converted again (里 -> 裡).
    text = decode(b"\xfe\xff\xf9\xe9\xf9\xf9\xf9\xff\xff*")
    for to in ("tw", "hk", "hant", "hans"):
        config = Normalizer(to=to)
        once = config.normalize(text)
        assert config.normalize(once) == once
