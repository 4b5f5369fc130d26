"""Tests of the ``repair`` stage: real round trips of the project's own sentences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from zhnorm.pipeline import Normalizer
from zhnorm.repair import apply, explain
from zhnorm.repair._engine import repair_line
from zhnorm.repair._gate import SUSPICIOUS

SHARED = Path(__file__).resolve().parents[2] / "shared"
CONFIG = Normalizer(only=("repair",))

SIMPLIFIED = [
    "中文测试",
    "我们今天去北京看朋友。",
    "这个软件可以自动修复乱码，也不会破坏正确的文本。",
    "请打开系统设置，然后选择语言。",
]
TRADITIONAL = [
    "繁體中文測試",
    "我們今天去臺北看朋友。",
    "這個軟體可以自動修復亂碼，也不會破壞正確的文字。",
]


def _browser_cp1252(data: bytes) -> str:
    # What browsers do with a windows-1252 label: undefined bytes become C1 controls.
    return "".join(
        bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data
    )


def _round_trip(text: str, right: str, wrong: str) -> str:
    data = text.encode(right)
    if wrong == "cp1252s":
        return _browser_cp1252(data)
    return data.decode(wrong)


CASES = (
    [(s, "utf-8", "cp1252s") for s in SIMPLIFIED + TRADITIONAL]
    + [(s, "utf-8", "latin-1") for s in SIMPLIFIED + TRADITIONAL]
    + [(s, "gbk", "latin-1") for s in SIMPLIFIED]
    + [(s, "gbk", "cp1252s") for s in SIMPLIFIED]
    + [(s, "big5", "latin-1") for s in TRADITIONAL]
    # Sentences whose bytes happen to decode strictly in the wrong codec
    # (most do not: a browser then shows U+FFFD, see the lossy tests).
    + [(s, "utf-8", "gb18030") for s in ["中文测试", "我们今天去北京看朋友", "修复乱码工具",
                                          "这个软件可以自动修复乱码"]]
    + [(s, "gbk", "big5") for s in ["中文测试", "他在学校学习中文。", "这是一个测试句子。",
                                     "所有的东西都会不一样。", "成为他创作盛期最后阶段的作品。"]]
)


@pytest.mark.parametrize(("text", "right", "wrong"), CASES)
def test_whole_line_round_trips(text: str, right: str, wrong: str) -> None:
    broken = _round_trip(text, right, wrong)
    assert broken != text
    assert apply(broken, CONFIG) == text


@pytest.mark.parametrize(("right", "wrong"), [("utf-8", "cp1252s"), ("gbk", "latin-1"),
                                              ("utf-8", "gb18030"), ("big5", "latin-1")])
def test_partial_line(right: str, wrong: str) -> None:
    head, tail = ("我們今天去臺北", "看朋友。") if right == "big5" else ("我们今天去北京", "看朋友。")
    middle = "修復亂碼的工具" if right == "big5" else "修复乱码工具"
    broken = head + _round_trip(middle, right, wrong) + tail
    fixed, changes = explain(broken, CONFIG)
    assert fixed == head + middle + tail
    assert len(changes) == 1
    change = changes[0]
    assert broken[change.start : change.end] == change.before
    assert change.after == middle
    assert change.stage == "repair"


def test_gbk_read_as_utf8_inside_correct_text() -> None:
    word = "系统".encode("gbk").decode("utf-8")
    assert word == "ϵͳ"
    fixed, changes = explain(f"打开{word}设置", CONFIG)
    assert fixed == "打开系统设置"
    assert [(c.kind, c.before, c.after) for c in changes] == [("gbk_as_utf8", "ϵͳ", "系统")]
    assert "wrong=utf-8" in changes[0].detail and "right=gbk" in changes[0].detail


def test_gbk_read_as_latin1_is_repaired_before_ftfy_could_corrupt_it() -> None:
    # ftfy's partial-UTF-8 fix alone turns this into "ÖÐÎĲâÊÔ".
    broken = "中文测试".encode("gbk").decode("latin-1")
    assert broken == "ÖÐÎÄ²âÊÔ"
    assert apply(broken, CONFIG) == "中文测试"
    assert apply("他说：" + broken + "。", CONFIG) == "他说：中文测试。"


def test_utf8_read_as_cp1252_inside_latin_text() -> None:
    fixed, changes = explain("我喜欢cafÃ© au lait", CONFIG)
    assert fixed == "我喜欢café au lait"
    assert changes[0].kind == "utf8_as_cp1252"


def test_double_mojibake() -> None:
    text = "这个软件可以自动修复乱码。"
    once = _browser_cp1252(text.encode("utf-8"))
    twice = _browser_cp1252(once.encode("utf-8"))
    assert apply(twice, CONFIG) == text


def test_lossy_utf8_read_as_gbk_keeps_one_mark_per_lost_character() -> None:
    text = "这个软件可以自动修复乱码。"
    broken = text.encode("utf-8").decode("gbk", errors="replace")
    assert "\ufffd" in broken
    fixed, changes = explain(broken, CONFIG)
    assert [c.kind for c in changes] == ["lossy"]
    lost = fixed.count("\ufffd")
    assert f"lost={lost}" in changes[0].detail
    # Nothing invented: every character kept is the original one, in order.
    kept = fixed.replace("\ufffd", "")
    assert len(fixed) == len(text)
    assert all(a == b for a, b in zip(fixed, text, strict=True) if a != "\ufffd")
    assert len(kept) >= len(text) - 3


def test_marks_of_lost_characters_do_not_stop_other_repairs() -> None:
    broken = "中文测试".encode("gbk").decode("latin-1")
    assert apply(f"第3页出现了乱码\ufffd，{broken}。", CONFIG) == "第3页出现了乱码\ufffd，中文测试。"


def test_lossy_kun_jin_kao() -> None:
    # GBK text read as UTF-8 (lost bytes become U+FFFD), that read as GBK: 锟斤拷.
    text = "我什么都不懂"
    step = text.encode("gbk").decode("utf-8", errors="replace")
    broken = step.encode("utf-8").decode("gbk")
    assert "锟斤拷" in broken
    fixed = apply(broken, CONFIG)
    assert "什么" in fixed and "锟" not in fixed
    assert set(fixed) <= set(text) | {"\ufffd"}


def test_html_entities() -> None:
    text = "".join(f"&#{ord(c)};" for c in "中文") + "&amp;#x6d4b;&#35797;&#65292;&amp; &#177;"
    # Chinese numeric entities prove the line was escaped: "&amp;" goes too;
    # "&#177;" (±) stays, as pages quote latin-1 signs as entities on purpose.
    assert apply(text, CONFIG) == "中文测试，& &#177;"
    assert apply("P&amp;G &quot;2024&quot; 年报", CONFIG) == 'P&G "2024" 年报'


def test_quoted_entities_in_real_text_stay() -> None:
    # Man pages quote entities: a lone named one, or U+3000 as "&#12288;".
    for line in ["在后台运行请加 &amp; 符号", "tm-&gt;when 字段", "标&#12288;&#12288;签：好"]:
        assert apply(line, CONFIG) == line


def test_document_with_one_damaged_line() -> None:
    lines = ["第一行是正确的。", _round_trip("第二行坏了。", "gbk", "latin-1"), "第三行也正确。"]
    doc = "\n".join(lines) + "\n"
    fixed, changes = explain(doc, CONFIG)
    assert fixed == "第一行是正确的。\n第二行坏了。\n第三行也正确。\n"
    assert len(changes) == 1
    assert doc[changes[0].start : changes[0].end] == changes[0].before


NEGATIVES = [
    "系统",
    "什么",
    "“中文”，‘引号’！？：；（全角）「」『』《》——……、\u3000",
    "ＡＢＣ１２３，全角字母",
    "𠮷野家 𪚥 䶮",
    "日本語のテキストです。カタカナもあります。",
    "한국어 텍스트입니다",
    "café, São Paulo, naïve, Ærø, Straße",
    "Ελληνικά και Русский язык",
    "emoji 😀👍🇨🇳 表情",
    "https://example.com/search?q=%E4%B8%AD&lang=zh-CN",
    'print("你好"); x = {"a": "\\u4e2d\\u6587"}',
    "¡Hola! ¿Qué tal? 50°C ±2 © ® × ÷",
    "①②③ ⅠⅡⅢ ○●☆★ ≤≥≠≈ ㄅㄆㄇㄈ",
    "“锟斤拷”是一种常见的乱码",
    "注音：ㄓㄨㄥ ㄨㄣˊ",
    "Copyright © 2008-2025 · 版权所有 · 京ICP备12345678号",
    # Classical lines (Song ci, Zuo zhuan) in OpenCC's Traditional: their GB18030 or Big5 bytes read as
    # UTF-8 give ⚸貭 and 纸黷, a symbol no Chinese code page holds and a mix of both scripts.
    "錢塘依舊，潮生潮落。萬點燈火，羞照舞鈿歌箔。玉梅消瘦，恨東皇命薄。",
    "蟊賊遠屏，晉之力也。",
    "蝥賊遠屏，晉之力也。",
    # A short slice of the Shijing in Simplified: two rare reduplications swap into 哈哈 and 私私.
    "忧心慇慇。佌佌",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_correct_text_is_never_changed(text: str) -> None:
    assert apply(text, CONFIG) == text
    assert explain(text, CONFIG) == (text, [])


def test_explain_matches_apply() -> None:
    broken = "前言" + _round_trip("中文测试", "utf-8", "gb18030") + "\n" + "ϵͳ"
    fixed, changes = explain(broken, CONFIG)
    assert fixed == apply(broken, CONFIG)
    rebuilt = broken
    for c in sorted(changes, key=lambda c: c.start, reverse=True):
        rebuilt = rebuilt[: c.start] + c.after + rebuilt[c.end :]
    assert rebuilt == fixed


# The gate: text that it lets through without a look is never changed by the
# full path. Lines are drawn from pieces of correct text and of real mojibake.
_PIECES = [
    *SIMPLIFIED, *TRADITIONAL, *NEGATIVES, " ", "ABC", "123",
    "ϵͳ", "ʲô", "ÖÐÎÄ", "¤¤¤å", "鎴戞槸", "涓枃", "&#20013;", "&amp;",
    "蘆鰓", "и尺", "é", "Ã", "â€œ", "\x9d",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=6))
def test_gate_never_skips_a_line_the_full_path_changes(parts: list[str]) -> None:
    line = "".join(parts).replace("\n", " ").replace("\r", " ")
    full = repair_line(line, shortcuts=False)[0]
    if SUSPICIOUS.search(line) is None:
        assert full == line
    assert apply(line, CONFIG) == full


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="gb18030"), max_size=12))
def test_gate_on_any_chinese_text(line: str) -> None:
    line = line.replace("\n", " ").replace("\r", " ")
    if SUSPICIOUS.search(line) is None:
        assert repair_line(line, shortcuts=False)[0] == line


# GBK read as Big5 and Big5 read as GBK, and text of either script to stand around them.
_GBK_AS_BIG5 = _round_trip("他在学校学习中文。", "gbk", "big5")
_BIG5_AS_GBK = _round_trip("繁體中文測試", "big5", "gbk")
_LONG_HANS = "我们今天去北京看朋友，这个软件可以自动修复乱码，也不会破坏正确的文本。"
_LONG_HANT = "我們今天去臺北看朋友，這個軟體可以自動修復亂碼，也不會破壞正確的文字。"
_SWAP_PIECES = [
    *_PIECES, "觌", "覿", "鈿歌箔", "，", "。", _GBK_AS_BIG5, _BIG5_AS_GBK, _LONG_HANS, _LONG_HANT,
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SWAP_PIECES) | st.text(max_size=3), max_size=12))
@example([_LONG_HANS, _GBK_AS_BIG5])  # a swap taken on a Simplified line
@example([_LONG_HANT, _BIG5_AS_GBK])  # ... and on a Traditional line
@example([_LONG_HANT, _GBK_AS_BIG5])  # a swap that never fits
def test_script_precheck_of_swaps_changes_no_decision(parts: list[str]) -> None:
    # _best gives up on a GBK/Big5 swap before its span search when a character of the other
    # script lies out of every unit's reach: the same answer the search and _script_fits give.
    from zhnorm.repair import _engine
    from zhnorm.repair._codecs import PAIRS, reach, units

    line = "".join(parts).replace("\n", " ").replace("\r", " ")
    for pair in PAIRS:
        if not pair.swap:
            continue
        pattern = _engine._EVIDENCE[pair]
        spans = reach(line, pattern)
        for start, end, _ in units(line, pair, pattern):
            assert any(a <= start and end <= b for a, b in spans)
        evidence = _engine._evidence_in(line)
        fast = _engine._best(line, pair, evidence)
        real = _engine._script_never_fits
        try:
            _engine._script_never_fits = lambda *args: False
            slow = _engine._best(line, pair, evidence)
        finally:
            _engine._script_never_fits = real
        assert fast == slow


def _swap_pairs() -> list:
    from zhnorm.repair._codecs import PAIRS

    return [pair for pair in PAIRS if pair.swap]


def _swapped_stretch(text: str, start: int, end: int, right: str, wrong: str) -> str:
    """``text`` with ``text[start:end]`` turned into real mojibake: its ``right`` bytes read as ``wrong``."""
    return text[:start] + text[start:end].encode(right, "ignore").decode(wrong, "ignore") + text[end:]


_SWAP_SOURCES = [*SIMPLIFIED, *TRADITIONAL, _LONG_HANS, _LONG_HANT, "成为他创作盛期最后阶段的作品。",
                 "所有的东西都会不一样。", "忧心慇慇。佌佌", "錢塘依舊，潮生潮落。萬點燈火，羞照舞鈿歌箔。"]


@st.composite
def _swap_mojibake(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(_SWAP_SOURCES))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    right, wrong = draw(st.sampled_from([("gbk", "big5"), ("big5", "gbk")]))
    return _swapped_stretch(text, start, end, right, wrong)


def _dp_gain(line: str, pair) -> tuple[int, list]:
    """What ``_best`` finds for ``pair`` with no least gain asked (nor its quick rejects by gain)."""
    from zhnorm.repair import _engine

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_engine, "SWAP_MIN_GAIN", -(10**9))
        return _engine._best(line, pair, _engine._evidence_in(line))


def _check_swap_gain_bound(line: str, pair, brute_force: bool) -> None:
    """The bound is at least the gain of every choice of units the span search may decode."""
    from itertools import combinations, pairwise

    from zhnorm.repair import _engine, _model
    from zhnorm.repair._codecs import units

    pattern = _engine._EVIDENCE[pair]
    assert all(m.end() == m.start() + 1 for m in pattern.finditer(line))  # one character consumed
    bound = _engine._swap_gain_bound(line, pair, pattern)
    gain, edits = _dp_gain(line, pair)
    if edits:
        assert bound >= gain
    us = units(line, pair, pattern)
    assert all(e == s + 1 and dec == _engine._SWAP_UNITS[pair][line[s]] for s, e, dec in us)
    allowed = [i for i, ok in enumerate(_engine._chains(line, us, pattern)) if ok]
    if not brute_force or len(allowed) > 8:
        return
    whole = _model.cost(line)
    for size in range(1, len(allowed) + 1):
        for chosen in combinations(allowed, size):
            out = list(line)
            for i in chosen:
                out[us[i][0]] = us[i][2]
            runs = 1 + sum(b != a + 1 for a, b in pairwise(chosen))
            saving = whole - _model.cost("".join(out))
            assert bound >= saving - _engine.CONVERT_PENALTY * size - _engine.SWAP_RUN_PENALTY * runs


def test_swap_units_are_single_characters() -> None:
    # The premises of _engine._swap_gain_bound: under a GBK/Big5 swap every unit is one character
    # (two bytes whose first the right codec reads as a lead byte, or one byte that starts nothing),
    # and the evidence patterns look around with positive assertions only.
    from zhnorm.repair import _engine
    from zhnorm.repair._codecs import _TOKEN_SIZES

    for pair in _swap_pairs():
        sizes = _TOKEN_SIZES[pair.right]
        for code in range(0x80, 0x10000):
            try:
                data = chr(code).encode(pair.wrong)
            except UnicodeEncodeError:
                continue
            assert (len(data) == 2 and sizes[data[0]] == 2) or (len(data) == 1 and sizes[data[0]] == 0)
        pattern = _engine._EVIDENCE[pair].pattern
        assert "(?!" not in pattern and "(?<!" not in pattern


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SWAP_PIECES) | st.text(max_size=3) | _swap_mojibake(), max_size=8))
@example([_LONG_HANS, _GBK_AS_BIG5])  # a swap taken on a Simplified line
@example([_LONG_HANT, _BIG5_AS_GBK])  # ... and on a Traditional line
@example(["忧心慇慇。佌佌"])  # two runs that each gain a little
def test_swap_gain_bound_changes_no_decision(parts: list[str]) -> None:
    # _best gives up on a GBK/Big5 swap before its span search when _swap_gain_bound says that no
    # choice of units can gain SWAP_MIN_GAIN: checked against every choice on short lines, against
    # the search with no least gain, and by the same answer with the shortcut off.
    from zhnorm.repair import _engine

    line = "".join(parts).replace("\n", " ").replace("\r", " ")
    for pair in _swap_pairs():
        _check_swap_gain_bound(line, pair, brute_force=True)
        evidence = _engine._evidence_in(line)
        fast = _engine._best(line, pair, evidence)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_engine, "_swap_gain_bound", lambda *args: 10**9)
            slow = _engine._best(line, pair, evidence)
        assert fast == slow


def test_a_swap_whose_bigrams_pay_is_made() -> None:
    # Big5 read as GBK inside a Traditional line: character by character the swap gains too
    # little (a quick reject on unigram costs refused it); its bigrams (顯示, 郵件) pay.
    from zhnorm.repair._engine import repair_line

    broken = "不顯示郵件".encode("big5").decode("gbk")
    assert broken == "ぃ陪ボ秎ン"
    assert repair_line(f"在輸出中{broken}程序名。")[0] == "在輸出中不顯示郵件程序名。"


def test_swap_gain_bound_on_corpus_lines() -> None:
    # The clean lines the bound is for: those with evidence of a GBK/Big5 swap (Big5-rare characters).
    from zhnorm.repair import _engine, suspects

    corpus = SHARED / "bench" / "corpus_unique_lines.txt"
    if not corpus.exists():
        pytest.skip("../shared is absent")
    text = corpus.read_text(encoding="utf-8")
    checked = 0
    for start, end in suspects(text):
        line = text[start:end]
        for pair in _swap_pairs():
            if _engine._EVIDENCE[pair].search(line) is not None:
                _check_swap_gain_bound(line, pair, brute_force=False)
                checked += 1
    assert checked > 2000


def test_real_corpus_lines_unchanged() -> None:
    corpus = SHARED / "bench" / "corpus_unique_lines.txt"
    if not corpus.exists():
        pytest.skip("../shared is absent")
    text = corpus.read_text(encoding="utf-8")
    fixed = apply(text, CONFIG)
    if fixed != text:
        bad = [a for a, b in zip(text.split("\n"), fixed.split("\n"), strict=True) if a != b]
        pytest.fail(f"{len(bad)} lines changed, e.g. {bad[:3]!r}")


@pytest.mark.parametrize("to", ["hant", "hk"])
def test_real_corpus_lines_converted_to_traditional_unchanged(to: str) -> None:
    # The corpus is mostly Simplified; converted, it is as much correct Traditional text.
    corpus = SHARED / "bench" / "corpus_unique_lines.txt"
    if not corpus.exists():
        pytest.skip("../shared is absent")
    to_traditional = Normalizer(opencc="s2t" if to == "hant" else "s2hk", only=("convert",))
    text = to_traditional.normalize(corpus.read_text(encoding="utf-8"))
    fixed = apply(text, CONFIG)
    if fixed != text:
        bad = [a for a, b in zip(text.split("\n"), fixed.split("\n"), strict=True) if a != b]
        pytest.fail(f"{len(bad)} lines changed, e.g. {bad[:3]!r}")


def test_two_kinds_of_damage_in_one_line() -> None:
    quote = "“".encode().decode("cp1252")  # â€œ
    assert apply("打开ϵͳ" + quote + "设置", CONFIG) == "打开系统“设置"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=6))
def test_repair_is_idempotent(parts: list[str]) -> None:
    once = apply("".join(parts), CONFIG)
    assert apply(once, CONFIG) == once


def _shared_cases(name: str) -> list[dict]:
    path = SHARED / "data" / f"mojibake_{name}.jsonl"
    if not path.exists():
        pytest.skip("../shared is absent")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


@pytest.mark.parametrize("name", ["dev", "eval"])
def test_shared_negatives_unchanged(name: str) -> None:
    changed = [r["id"] for r in _shared_cases(name)
               if r["kind"] == "negative" and apply(r["input"], CONFIG) != r["input"]]
    assert changed == []


def test_shared_dev_repair_rate() -> None:
    # Every kind the repair stage owns (not the glosses stage's), lossy aside.
    cases = [r for r in _shared_cases("dev")
             if r["kind"] not in ("negative", "lossy", "pinyin_gloss")]
    passed = sum(
        (out := apply(r["input"], CONFIG)) == r["expected"] or out in (r.get("alt") or [])
        for r in cases
    )
    assert passed / len(cases) >= 0.97


def test_stored_gate_is_what_the_code_builds() -> None:
    """data/gate.json must be regenerated (scripts/build_repair_data.py --gate-only) when the rules change."""
    import json
    from importlib import resources

    from zhnorm.repair import _gate

    stored = json.loads(resources.files("zhnorm.repair").joinpath("data", "gate.json").read_text("utf-8"))
    assert stored == _gate.build()


def test_han_text_is_not_traded_for_lost_marks() -> None:
    # Found by benchmarks/fuzz.py: rare Han characters whose GBK bytes read as lossy UTF-8
    # were "repaired" into U+FFFD marks and an invented digit, with no Chinese recovered.
    line = "h砭囷(瓘砭\U0002f9d4(h(("  # U+2F9D4: a compatibility ideograph, as GB18030 decoded it
    assert apply(line, CONFIG) == line


def test_a_long_line_is_repaired_everywhere_in_bounded_stretches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Repaired stretch by stretch (cut after clause ends): whole, a 4 MB line took minutes,
    # since the span search grows faster than the text it searches.
    from zhnorm.repair import _engine

    searched: list[int] = []
    stretch = _engine._repair_stretch

    def recorded(text: str, shortcuts: bool) -> tuple[str, list]:
        searched.append(len(text))
        return stretch(text, shortcuts)

    monkeypatch.setattr(_engine, "_repair_stretch", recorded)
    line = "".join(f"这是第{i}句，ä¸­æ–‡的内容。" for i in range(3000))
    fixed, changes = explain(line, CONFIG)
    assert max(searched) <= 4 * _engine.LONG_LINE and sum(searched) == len(line)
    assert fixed == "".join(f"这是第{i}句，中文的内容。" for i in range(3000))
    assert len(changes) == 3000
    rebuilt, last = [], 0
    for change in changes:
        rebuilt.append(line[last:change.start] + change.after)
        last = change.end
    assert "".join(rebuilt) + line[last:] == fixed


# The engine's scoring is tuned for speed (memoised tables, shared bigram pairs, a bigram
# lookup skipped where no two neighbours can form one); these check it against plain
# definitions written from the public tables.
def _cost_alphabet() -> list[str]:
    from zhnorm.repair import _model

    bigram_chars = sorted({c for pair in list(_model.BIGRAM)[:3000] for c in pair})
    return [
        *bigram_chars[:400], *"的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要",
        *"，。！？“”（）abcXYZ 019\t", *"éÃ©ä¸­æ–‡\x80\x9d\xad", *"ΑβγДжあアカ한ㄅ①→",
        "\ufffd", "\ue000", "𠮷", "䶮", "ㄛ", "﹛", "\U0002a6a5", "\u9ffe", "\u3400",
    ]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_costs_match_their_definitions(data: st.DataObject) -> None:
    from itertools import pairwise

    from zhnorm.repair import _model

    alphabet = _cost_alphabet()
    text = data.draw(st.lists(st.sampled_from(alphabet), max_size=60).map("".join))
    prev = data.draw(st.sampled_from(["", "中", "的", "a", "é", "，", "ア"]))
    expected, last = 0, prev
    for ch in text:
        expected += _model.char_cost(ch, last)
        last = ch
    assert _model.cost(text, prev) == expected
    fast = sum(_model.info(ch)[1] for ch in text)
    for a, b in pairwise(text):
        if (a, b) in _model.BIGRAM:
            fast -= _model.UNIGRAM[b] - _model.BIGRAM[a, b]
    assert _model.fast_cost(text) == fast
    for chars, pattern in ((_model.SIMPLIFIED_ONLY, _model.SIMPLIFIED_ONLY_RE),
                           (_model.TRADITIONAL_ONLY, _model.TRADITIONAL_ONLY_RE)):
        assert sum(map(chars.__contains__, text)) == len(pattern.findall(text))


def test_latin_bytes_are_the_bytes_a_browser_read() -> None:
    from zhnorm.repair._codecs import latin_bytes

    for b in range(256):
        assert latin_bytes(chr(b)) == bytes([b])  # latin-1, C1 controls included
        shown = bytes([b]).decode("cp1252", errors="ignore")
        if shown:
            assert latin_bytes(shown) == bytes([b])
    assert latin_bytes("ä¸­æ–‡") == "中文".encode()
    for text in ("中", "ä¸中", "\u0100", "𠮷"):
        with pytest.raises(UnicodeEncodeError):
            latin_bytes(text)


def test_model_character_classes_match_their_definitions() -> None:
    # The plausibility model's regular expressions are built from character sets and from
    # chinese_like; each must match exactly its set (every code point checked).
    import numpy as np

    from zhnorm.codepoints import char_table, class_table
    from zhnorm.repair import _model as m

    def table(chars: set[str]) -> np.ndarray:
        return char_table(frozenset(chars))

    bmp = [chr(c) for c in range(0x10000)]
    chinese = table({c for c in bmp if m.chinese_like(c)})
    assert np.array_equal(class_table(m.NOT_CHINESE.pattern), ~chinese)
    han = table({c for c in m.UNIGRAM if c >= "\x80"} - m._CJK_PUNCT)
    for a, b in ((0x3400, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF)):
        han[a : b + 1] = True
    assert np.array_equal(class_table(m.HAN_RE.pattern), han)
    assert np.array_equal(class_table(m.SIMPLIFIED_ONLY_RE.pattern), table(set(m.SIMPLIFIED_ONLY)))
    assert np.array_equal(class_table(m.TRADITIONAL_ONLY_RE.pattern), table(set(m.TRADITIONAL_ONLY)))
    paired = table({c for pair in m._BONUS for c in pair})
    assert np.array_equal(class_table(m._PAIR_RUN.pattern.removesuffix("{2,}")), paired)
