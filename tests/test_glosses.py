"""The ``glosses`` stage: spam pinyin glosses go, every other parenthesis stays."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared_path
from zhnorm import glosses
from zhnorm.convert.dicts import load
from zhnorm.pipeline import Normalizer

CONFIG = Normalizer(only=("glosses",))


def run(text: str, config: Normalizer = CONFIG) -> str:
    return glosses.apply(text, config)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The spam pattern, ASCII and full-width parentheses.
        ("賡續(xù)百年", "賡續百年"),
        ("開拓創(chuàng)新", "開拓創新"),
        ("中工網（wǎng）記者", "中工網記者"),
        ("區(qū)域與(yǔ)領(lǐng)導", "區域與領導"),
        # ü with and without a tone mark (綠 and 驢 change under t2s).
        ("綠(lǜ)色的驢(lü)", "綠色的驢"),
        # A tone mark written as a combining character.
        ("網(wa\u030cng)站", "網站"),
        # A neutral-tone syllable counts on a line that has a toned gloss.
        ("事實(shí)要我們(men)去想", "事實要我們去想"),
        # A doubled gloss.
        ("續(xù)(xù)百年", "續百年"),
        # Line ends are kept byte for byte.
        ("續(xù)\r\n網(wǎng)\r\n", "續\r\n網\r\n"),
    ],
)
def test_spam_glosses_are_removed(text: str, expected: str) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "原標題:開拓創新——(引題)",
        "譜寫天津工運華章(主題)",
        "GDP(国内生产总值)同比增长5.2%",
        "(2024)京0105民初1234号",
        "Apple(苹果)公司",
        "李白(Li Bai)是唐代诗人",
        "李白(Lǐ Bái)是唐代詩人",
        "老師(teacher)",
        "第3(a)款",
        # Annotations of characters that are the same in both scripts.
        "中(zhōng)国",
        "重(chóng)庆",
        "中(zhong)文",
        # A toneless syllable alone is not a gloss, even after 們.
        "我們(men)",
        # The toned gloss is on another line: the toneless one stays.
        "我們(men)\n網(wǎng)",
        # Not a syllable, or the tone mark on the wrong vowel.
        "網(wǎngg)",
        "網(waňg)",
        "網(wǎ ng)",
        "網(Wǎng)",
        # Mismatched parentheses.
        "網(wǎng）",
        # After a parenthesis that is not a gloss.
        "中(zhōng)(xù)",
        "(引題)(xù)",
        # After a digit or Latin letter, not after a Han character.
        "3(wǎng)",
        "f(wǎng)",
    ],
)
def test_everything_else_stays(text: str) -> None:
    if "\n" in text:
        assert run(text) == text.replace("網(wǎng)", "網")
    else:
        assert run(text) == text


def test_keep_glosses_turns_the_stage_off() -> None:
    text = "賡續(xù)百年"
    assert run(text, CONFIG.replace(keep_glosses=True)) == text
    assert glosses.explain(text, CONFIG.replace(keep_glosses=True)) == (text, [])


def test_explain_names_each_gloss_and_its_character() -> None:
    text = "賡續(xù)網（wǎng）"
    out, changes = glosses.explain(text, CONFIG)
    assert out == run(text) == "賡續網"
    assert [(c.start, c.end, c.before, c.after, c.kind) for c in changes] == [
        (2, 6, "(xù)", "", "pinyin_gloss"),
        (7, 13, "（wǎng）", "", "pinyin_gloss"),
    ]
    assert all(c.stage == "glosses" for c in changes)
    assert "續->续" in changes[0].detail


def test_the_syllable_inventory() -> None:
    syllables = glosses._syllables()
    assert 400 <= len(syllables) <= 430
    for word in ("a", "er", "zhuang", "lüe", "nü", "ê", "hng", "yo", "shei"):
        assert word in syllables
    for word in ("zhi1", "lue", "nv", "bi ng", "zhiang", "qa", "xong"):
        assert word not in syllables


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("xù", "toned"),
        ("chuàng", "toned"),
        ("guān", "toned"),
        ("liú", "toned"),  # iu: the mark goes on the last vowel
        ("duì", "toned"),
        ("lǜ", "toned"),
        ("lü", "toned"),
        ("ńg", "toned"),
        ("hm\u0300", "toned"),
        ("h\u0300m", None),
        ("ēi", "toned"),
        ("men", "toneless"),
        ("lìu", None),
        ("xuà", None),  # xua is not a syllable
        ("wàǹg", None),  # two tone marks
        ("ab", None),
    ],
)
def test_syllable_check(word: str, kind: str | None) -> None:
    assert glosses._syllable(word) == kind


def _changed() -> list[str]:
    return sorted(glosses._changed_by_t2s())


def _unchanged() -> list[str]:
    """Simplified characters (STCharacters keys) that t2s leaves alone."""
    changed = glosses._changed_by_t2s()
    return sorted(k for k in load("STCharacters.txt") if len(k) == 1 and k not in changed)


TONED = ["xù", "wǎng", "chuàng", "lǐng", "jié", "qū", "nǚ", "yuè", "ér"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_changed()), st.sampled_from(TONED), st.sampled_from(["()", "（）"]))
def test_any_gloss_after_a_changed_character_goes(char: str, syllable: str, pair: str) -> None:
    text = f"前{char}{pair[0]}{syllable}{pair[1]}後"
    assert run(text) == f"前{char}後"


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_unchanged()), st.sampled_from(TONED))
def test_annotation_of_an_unchanged_character_stays(char: str, syllable: str) -> None:
    text = f"前{char}({syllable})后"
    assert run(text) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("續網中國(（)）xùwǎngmen a\n\r，,"), max_size=40))
def test_properties(text: str) -> None:
    out, changes = glosses.explain(text, CONFIG)
    assert out == run(text)
    assert run(out) == out  # idempotent
    # Only whole glosses are removed; the rest is kept in order.
    rebuilt, pos = [], 0
    for change in changes:
        assert text[change.start : change.end] == change.before
        assert change.after == ""
        rebuilt.append(text[pos : change.start])
        pos = change.end
    rebuilt.append(text[pos:])
    assert "".join(rebuilt) == out
    assert out.count("\n") == text.count("\n")


def _eval_cases(kind: str) -> list[dict]:
    path = shared_path("data", "mojibake_eval.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
    return [r for r in rows if r["kind"] == kind]


def test_shared_eval_pinyin_gloss_cases_are_exact() -> None:
    cases = _eval_cases("pinyin_gloss")
    assert cases
    failed = [r["id"] for r in cases if run(r["input"]) != r["expected"]]
    assert failed == []


def test_shared_eval_negatives_are_untouched() -> None:
    cases = _eval_cases("negative")
    assert cases
    changed = [r["id"] for r in cases if run(r["input"]) != r["input"]]
    assert changed == []


def test_every_gloss_on_the_shared_page_follows_a_changed_character() -> None:
    page = shared_path("samples", "scraped_page_tianjin.txt").read_text(encoding="utf-8")
    _, changes = glosses.explain(page, CONFIG)
    assert len(changes) == 122
    for change in changes:
        assert page[change.start - 1] in glosses._changed_by_t2s()
        assert unicodedata.normalize("NFC", change.before) == change.before


@pytest.mark.parametrize("to", ["hant", "hk", "tw"])
def test_a_gloss_that_conversion_makes_spam_is_settled(to: str) -> None:
    # 炽(chì) is an annotation (t2s leaves 炽 as it is) and stays in Simplified output; converted to
    # Traditional it reads 熾(chì), spam, which a second run removed (found by fuzz.py --to all).
    config = Normalizer(to=to)
    assert Normalizer(to="hans").normalize("炽(chì)热的心") == "炽(chì)热的心"
    for text in ("炽(chì)热的心", "レ,ě)炽(ě)鳽n)", "中(zhōng)国"):
        once = config.normalize(text)
        assert config.normalize(once) == once
        assert config.explain(text)[0] == once
    assert config.normalize("炽(chì)热的心") == "熾熱的心"
    assert config.normalize("中(zhōng)国") == "中(zhōng)國"  # 中 is the same in both scripts: kept
