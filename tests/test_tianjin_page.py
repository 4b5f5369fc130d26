"""Whole-page checks: the shared Tianjin page and the project's own scraped page.

``../shared/samples/scraped_page_tianjin.txt`` is a real page (skipped when
``../shared`` is absent): a Simplified article converted to Traditional by a
spam mirror, with 122 spam pinyin glosses and narrowed punctuation. Through
``Normalizer(to="hans")`` it must come out with no gloss, its legitimate
parentheses kept, full-width punctuation in its Chinese sentences, every
number as it was and nothing left for t2s to change.

``samples/scraped_page.in.txt`` is the project's own page with the same kinds
of damage; its expected output, reviewed by eye, is
``samples/scraped_page.expected.txt``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, shared_path
from zhnorm import glosses
from zhnorm.pipeline import Normalizer

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3001-\u3003\u3008-\u3011\u3014-\u301f\uff01-\uff0f\uff1a-\uff20\u2018-\u201f\u2014\u2026"
TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
GLOSS = re.compile(rf"[{HAN}][(（][a-z{TONED}]*[{TONED}][a-z{TONED}]*[)）]")
NARROW_MARK = re.compile(
    rf"[{HAN}][,:;!?][{HAN}{CJK_PUNCT}]|[{CJK_PUNCT}][,:;!?][{HAN}]"
)
NUMBER = re.compile(r"[0-9][0-9.:\- ]*[0-9]|[0-9]")
SAMPLE_IN = ROOT / "samples" / "scraped_page.in.txt"
SAMPLE_EXPECTED = ROOT / "samples" / "scraped_page.expected.txt"


def _to_hans(text: str) -> str:
    convert = pytest.importorskip("zhnorm.convert")
    if not hasattr(convert, "apply"):
        pytest.skip("the convert engine is not there yet")
    return Normalizer(to="hans").normalize(text)


@pytest.fixture(scope="module")
def tianjin() -> tuple[str, str]:
    page = shared_path("samples", "scraped_page_tianjin.txt").read_text(encoding="utf-8")
    return page, _to_hans(page)


@pytest.fixture(scope="module")
def own() -> tuple[str, str]:
    page = SAMPLE_IN.read_text(encoding="utf-8")
    return page, _to_hans(page)


PAGES = ["tianjin", "own"]


def _page(request: pytest.FixtureRequest, name: str) -> tuple[str, str]:
    return request.getfixturevalue(name)


def test_the_shared_page_has_122_glosses(tianjin: tuple[str, str]) -> None:
    page, _ = tianjin
    assert len(GLOSS.findall(page)) == 122
    _, changes = glosses.explain(page, Normalizer(only=("glosses",)))
    assert len(changes) == 122


@pytest.mark.parametrize(
    ("name", "annotations"),
    # The own page has two textbook annotations of 重, which is the same in
    # both scripts: they stay.
    [("tianjin", []), ("own", ["重(chóng)", "重(zhòng)"])],
)
def test_no_gloss_remains(
    request: pytest.FixtureRequest, name: str, annotations: list[str]
) -> None:
    page, out = _page(request, name)
    assert len(GLOSS.findall(page)) > len(annotations)
    assert GLOSS.findall(out) == annotations


def test_legitimate_parentheses_survive(tianjin: tuple[str, str]) -> None:
    _, out = tianjin
    assert "亮点——（引题）" in out
    assert "服务（帮扶）中心" in out
    # The headline has no narrowed comma or colon: its ASCII parentheses stay,
    # as they do in the shared negative case "天津工運華章(主題)".
    assert "谱写天津工运华章(主题)" in out


def test_own_page_keeps_its_legitimate_parentheses(own: tuple[str, str]) -> None:
    _, out = own
    for kept in ("（副题）", "(主题)", "重(chóng)新", "重(zhòng)要", "李文博(Li Wenbo)",
                 "莎士比亚(William Shakespeare)", "APP（应用程序）"):
        assert kept in out


@pytest.mark.parametrize("name", PAGES)
def test_chinese_sentences_use_full_width_punctuation(
    request: pytest.FixtureRequest, name: str
) -> None:
    page, out = _page(request, name)
    assert NARROW_MARK.search(page)
    code = re.compile(r"[{}]|<[a-z]")  # a script or markup line keeps its marks
    left = [m.group() for line in out.split("\n") if not code.search(line)
            for m in NARROW_MARK.finditer(line)]
    assert left == []


@pytest.mark.parametrize("name", PAGES)
def test_numbers_dates_and_phone_numbers_are_byte_identical(
    request: pytest.FixtureRequest, name: str
) -> None:
    page, out = _page(request, name)
    folded = page.translate({cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)})
    folded = folded.replace("．", ".")
    assert NUMBER.findall(out) == NUMBER.findall(folded)


def test_tianjin_numbers_by_hand(tianjin: tuple[str, str]) -> None:
    _, out = tianjin
    assert "\n2025-03-17 08:18\n" in out
    assert out.count("010-84151598") == 2
    for number in ("1.79万人", "8.8万家", "74.6万人", "1925年8月4日", "300万人"):
        assert number in out


@pytest.mark.parametrize("name", PAGES)
def test_nothing_left_for_t2s(request: pytest.FixtureRequest, name: str) -> None:
    _, out = _page(request, name)
    changed = glosses._changed_by_t2s()
    assert [ch for ch in out if ch in changed] == []
    opencc = pytest.importorskip("opencc")
    assert opencc.OpenCC("t2s").convert(out) == out


@pytest.mark.parametrize("name", PAGES)
def test_line_structure_and_spaces(request: pytest.FixtureRequest, name: str) -> None:
    page, out = _page(request, name)
    assert out.count("\n") == page.count("\n")
    assert not re.search("[\u00a0\u200b\u2060]", out)


def test_own_page_matches_the_reviewed_expected_output(own: tuple[str, str]) -> None:
    _, out = own
    if not SAMPLE_EXPECTED.exists():
        pytest.skip(f"{SAMPLE_EXPECTED} is not written yet")
    assert out == SAMPLE_EXPECTED.read_text(encoding="utf-8")


def test_own_page_damage_kinds() -> None:
    """The sample keeps every kind of damage this test file checks for."""
    page = Path(SAMPLE_IN).read_text(encoding="utf-8")
    assert len(GLOSS.findall(page)) >= 40
    assert "（" in page and "(" in page  # both kinds of gloss parentheses
    assert "\u00a0" in page and "\u200b" in page and "\u3000\u3000" in page
    assert re.search("[０-９Ａ-Ｚ]", page)
    assert "\ufffd" in page  # the line that lost bytes
    assert "Copyright ? " in page  # © lost to "?"
    assert "长按识别二维码," in page  # the Simplified footer
