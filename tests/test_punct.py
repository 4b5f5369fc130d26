"""The ``punct`` stage: Chinese punctuation where Chinese is written, widths, spaces."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared_path
from zhnorm import punct
from zhnorm.pipeline import Normalizer

CONFIG = Normalizer(only=("punct",))


def run(text: str, config: Normalizer = CONFIG) -> str:
    return punct.apply(text, config)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("原标题:天津工会不断开拓创新,打造品牌", "原标题：天津工会不断开拓创新，打造品牌"),
        ("你去吗?我去!好;走", "你去吗？我去！好；走"),
        ("他说:“你好”", "他说：“你好”"),
        ("“服务”,到生日", "“服务”，到生日"),
        ("好,太好了!", "好，太好了！"),
        ("好,你呢?”", "好，你呢？”"),
        ("日本語です,はい", "日本語です，はい"),
        # Parentheses follow on a line whose punctuation was narrowed.
        ("品牌和亮点,打造——(引题)", "品牌和亮点，打造——（引题）"),
        ("服务,中心(帮扶)中心", "服务，中心（帮扶）中心"),
        ("好,(注:本文为转载)", "好，（注：本文为转载）"),
        # Weak marks (before a digit, a letter, a line end, or ", " between Han)
        # change on such a line only.
        ("文化宫,2022年升级后,成为", "文化宫，2022年升级后，成为"),
        ("开放至21:30,周末延长到22:00。好,走", "开放至21:30，周末延长到22:00。好，走"),
        ("近年来,推进建设。目前,APP(应用程序)注册", "近年来，推进建设。目前，APP（应用程序）注册"),
        ("增幅达48%,其中,青年", "增幅达48%，其中，青年"),
        ("打开微信,点击底部的“发现”,\n使用", "打开微信，点击底部的“发现”，\n使用"),
        ("觉得, 以我, 要我的新家,好", "觉得，以我，要我的新家，好"),
        # A mark next to a parenthesis that changes.
        ("对象(比如生日),但是,你", "对象（比如生日），但是，你"),
        ("(例如,设定了MTU不同的连线),路径", "（例如，设定了MTU不同的连线），路径"),
        ("好,你(参看选项 v 的讨论)和(shell 机制)", "好，你（参看选项 v 的讨论）和(shell 机制)"),
        ("（你会去吗?）,好", "（你会去吗？），好"),
        # CRLF stays CRLF.
        ("创新,打造\r\n工会:职工\r\n", "创新，打造\r\n工会：职工\r\n"),
        # Full-width Latin letters and digits, with separators inside a token.
        ("ＡＢＣ公司与ａｂｃ１２３", "ABC公司与abc123"),
        ("价格：￥１，２９９元", "价格：￥1,299元"),
        ("国防费１７０７．７８亿元，增长５０％", "国防费1707.78亿元，增长50%"),
        ("Ｑ＆Ａ：常见问题", "Q&A：常见问题"),
        ("Ａ，Ｂ两组（一）", "A，B两组（一）"),
        # Non-breaking and zero-width spaces inside Chinese text.
        ("记者\u00a0张玺", "记者 张玺"),
        ("中\u200b文\u2060字\ufeff符", "中文字符"),
    ],
)
def test_fixes(text: str, expected: str) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Numbers, dates, times and phone numbers.
        "发展到1.79万人",
        "2025-03-17 08:18",
        "举报电话:010-84151598",
        "价格为1,299元",
        "比分3:2",
        # URLs, e-mail, Latin sentences, code, markup, JSON.
        "见 https://example.cn/新闻,列表?a=1&b=2 页面",
        "访问www.example.cn/a,b:c",
        "邮箱:service@example.cn",
        "Hello, world! Is it 9:30?",
        "I love 北京, really",
        'printf("中文,测试");',
        "x = f(中文,测试)",
        'let s = "中文:测试";',
        '{"title": "中文,测试", "城市":"北京"}',
        '<a title="中文,测试" href="/a:b">链接</a>',
        "`中文,测试` 是代码",
        '格式为 "用户名:密码"',
        # Legitimate ASCII parentheses without narrowed punctuation on the line.
        "天津工運華章(主題)",
        "原標題:(引題)",
        "张三(男,35岁)",
        "开放至21:30,周末",
        "服务热线:021-63218890,电子邮箱:a@b.cn,网址:https://b.cn/",
        "单位(万元)",
        "GDP(国内生产总值)同比增长5.2%",
        "李白(Li Bai)是唐代诗人",
        # Full-width Chinese punctuation, U+3000 and emoji joiners stay.
        "“中文”，（全角）！：；？",
        "美国史学家　麦尼尔（William H. McNeill, 1917-　）",
        "\u3000\u3000段落缩进。",
        "家庭👨\u200d👩\u200d👧合照",
        "ｶﾀｶﾅ（半角）",
        # A lost character shown as "?" at the end of a line.
        "那为什么家?",
        # "!" and "?" as symbols in technical text, on a line with no narrowed
        # commas or colons.
        "可以通过在前面加上!来表示相反的意思。",
        "太好了!",
        "很有趣么?”",
        # Non-breaking spaces away from Chinese text.
        "100\u00a0km",
        "",
    ],
)
def test_leaves_alone(text: str) -> None:
    assert run(text) == text


def test_punct_keep_only_turns_off_the_punctuation_rules() -> None:
    keep = CONFIG.replace(punct="keep")
    assert run("创新,打造(引题)", keep) == "创新,打造(引题)"
    assert run("第３章\u00a0标题", keep) == "第3章 标题"


def test_fold_width_off_keeps_full_width_letters() -> None:
    config = CONFIG.replace(fold_width=False)
    assert run("ＡＢＣ１２３,创新,打造", config) == "ＡＢＣ１２３，创新，打造"
    assert run("ＡＢＣ１２３", config) == "ＡＢＣ１２３"


def test_strip_indent() -> None:
    text = "\u3000\u3000第一段。\r\n\u3000\u3000第二段，\u3000中间的空格留着。\r\n"
    assert run(text) == text
    assert run(text, CONFIG.replace(strip_indent=True)) == (
        "第一段。\r\n第二段，\u3000中间的空格留着。\r\n"
    )


def test_unknown_mode_fails_early() -> None:
    with pytest.raises(ValueError, match="keep, cjk"):
        Normalizer(punct="narrow")


def test_explain_lists_each_change_with_its_kind() -> None:
    text = "创新,打造(引题)第３章\u00a0中"
    out, changes = punct.explain(text, CONFIG)
    assert out == run(text) == "创新，打造（引题）第3章 中"
    assert [(c.start, c.before, c.after, c.kind) for c in changes] == [
        (2, ",", "，", "ascii_punct"),
        (5, "(", "（", "ascii_parens"),
        (8, ")", "）", "ascii_parens"),
        (10, "３", "3", "fullwidth_alnum"),
        (12, "\u00a0", " ", "nbsp"),
    ]
    assert all(c.stage == "punct" for c in changes)


ALPHABET = [*"中文好的,:;!?()（），。“”ＡＢ１２ ab12\n\r", "\u00a0", "\u200b", "\u3000"]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=40), st.booleans())
def test_properties(text: str, strip_indent: bool) -> None:
    config = CONFIG.replace(strip_indent=strip_indent)
    out, changes = punct.explain(text, config)
    assert out == run(text, config)
    assert run(out, config) == out  # idempotent
    # Line structure is kept, and each change replaces exactly what it says.
    assert out.count("\n") == text.count("\n")
    assert out.count("\r") == text.count("\r")
    rebuilt, pos = [], 0
    for change in changes:
        assert change.start >= pos
        assert text[change.start : change.end] == change.before
        rebuilt += [text[pos : change.start], change.after]
        pos = change.end
    rebuilt.append(text[pos:])
    assert "".join(rebuilt) == out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*ALPHABET, "𠮷", "\ufeff", "\u202f", "ｚ", "．", "％", "http://a.b/中,文 "])),
    st.booleans(),
)
def test_long_texts_scanned_in_one_pass_change_the_same(pieces: list[str], strip_indent: bool) -> None:
    # A long text finds its candidates with one NumPy pass instead of three regular
    # expression scans: the same changes as the scans make, for any text.
    config = CONFIG.replace(strip_indent=strip_indent)
    text = "".join(pieces)
    while len(text) < punct._SCAN_MIN:
        text += text + "中,文" if text else "中,文"
    assert punct._candidates(text) is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(punct, "_SCAN_MIN", 1 << 40)
        expected = punct.explain(text, config)
    assert punct.explain(text, config) == expected
    assert run(text, config) == expected[0]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=60))
def test_ascii_text_is_never_touched(text: str) -> None:
    assert run(text) == text


def test_shared_eval_legitimate_parentheses_are_untouched() -> None:
    path = shared_path("data", "mojibake_eval.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
    cases = [r for r in rows if r["kind"] == "negative" and "gloss_negative" in r["tags"]]
    assert len(cases) == 23
    assert [r["id"] for r in cases if run(r["input"]) != r["input"]] == []
