"""Foreign-run conversion: tricky sentences both ways, mixed pages, user dictionaries, idempotence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import shared_path
from zhnorm.convert.engine import converter
from zhnorm.convert.mixed import convert_foreign, convert_foreign_batch, explain_foreign, validate_mixed
from zhnorm.pipeline import Normalizer


def cfg(**settings_: Any) -> Normalizer:
    # The functions are called directly: the configuration only carries the settings
    # (``only`` keeps other stages' validation, and the stage's own, out of the way).
    return Normalizer(only=("repair",), **settings_)


HANS, HANT = cfg(to="hans"), cfg(to="hant")

# The project's own sentences: (Simplified, Traditional in OpenCC's orthography).
TRICKY = [
    ("头发发展得很快", "頭髮發展得很快"),  # 发 / 發 / 髮
    ("干部把衣服晒干了", "幹部把衣服曬乾了"),  # 干 / 乾 / 幹
    ("你们在干什么", "你們在幹什麼"),  # 干 / 幹, 么 / 麼
    ("皇后后来去了后院", "皇后後來去了後院"),  # 后 / 後
    ("这里离那里有一公里", "這裏離那裏有一公里"),  # 里 / 裏
    ("面条在外面", "麪條在外面"),  # 面 / 麪
    ("台风吹过台湾的舞台", "颱風吹過臺灣的舞臺"),  # 台 / 臺 / 颱
    ("多余的时间", "多餘的時間"),  # 余 / 餘
    ("历史和日历", "歷史和日曆"),  # 历 / 歷 / 曆
    ("复杂的复习，恢复健康", "複雜的複習，恢復健康"),  # 复 / 復 / 複
    ("只有一只猫", "只有一隻貓"),  # 只 / 隻
    ("关系和联系，系统", "關係和聯繫，系統"),  # 系 / 係 / 繫
    ("他系鞋带", "他繫鞋帶"),  # 系 / 繫
    ("这么说", "這麼說"),  # 么 / 麼
]


@pytest.mark.parametrize(("simplified", "traditional"), TRICKY)
def test_tricky_sentences_both_ways(simplified: str, traditional: str) -> None:
    assert convert_foreign(simplified, HANT) == traditional
    assert convert_foreign(traditional, HANS) == simplified
    # Text already in the target script is returned as is.
    assert convert_foreign(simplified, HANS) == simplified
    assert convert_foreign(traditional, HANT) == traditional


@pytest.mark.parametrize(("simplified", "traditional"), TRICKY)
def test_tricky_sentences_inside_a_mixed_page(simplified: str, traditional: str) -> None:
    page = f"{simplified}。{traditional}。"
    assert convert_foreign(page, HANT) == f"{traditional}。{traditional}。"
    assert convert_foreign(page, HANS) == f"{simplified}。{simplified}。"


@pytest.mark.parametrize(
    "phrase",
    # The list: official s2t changes each of these already-Traditional phrases.
    ["烏干達", "干擾素", "獲准", "鄰里", "前仆後繼", "證明了", "轉回向"],
)
def test_traditional_phrases_are_kept(phrase: str) -> None:
    assert converter("s2t").convert(phrase) != phrase  # what the peers do
    assert convert_foreign(f"他說{phrase}。", HANT) == f"他說{phrase}。"
    # Even inside a clause that must be converted (it holds Simplified 经济 / 这).
    assert convert_foreign(f"{phrase}的经济", HANT) == f"{phrase}的經濟"
    assert convert_foreign(f"这是{phrase}", HANT) == f"這是{phrase}"


def test_simplified_is_never_touched_towards_simplified() -> None:
    # tw2s turns this 么 into 幺 (the measured failure).
    assert converter("tw2s").convert("你平安么") == "你平安幺"
    assert convert_foreign("你平安么？怎么办", HANS) == "你平安么？怎么办"
    # ... even inside a clause converted with tw2s for its Taiwan-style 著.
    assert convert_foreign("他們看著你平安么", HANS) == "他们看着你平安么"


def test_text_without_unique_characters_follows_its_leaning_ones() -> None:
    # Nothing here is unique to either script; 干 leans to Simplified (s2t makes it 幹).
    assert convert_foreign("你在干什么", HANT) == "你在幹什麼"
    assert convert_foreign("你在干什么", HANS) == "你在干什么"
    assert convert_foreign("和平", HANT) == "和平"


def test_taiwan_style_traditional_to_simplified() -> None:
    # t2s keeps 著 and 藉 where Taiwan (and the 1919 Bible) write them for 着 / 借.
    assert converter("t2s").convert("他們看著我。藉著這光") == "他们看著我。藉著这光"
    assert convert_foreign("他們看著我。藉著這光", HANS) == "他们看着我。借着这光"
    assert convert_foreign("照著這個做。著名的作家", HANS) == "照着这个做。著名的作家"


def test_mixed_clause_keeps_its_traditional_part() -> None:
    # One clause, two scripts: only the Simplified part changes.
    assert convert_foreign("以色列全會众把羊羔宰了", HANT) == "以色列全會衆把羊羔宰了"
    assert convert_foreign("以色列全會众把羊羔宰了", HANS) == "以色列全会众把羊羔宰了"
    # A clause of neutral characters follows the clause before it.
    assert convert_foreign("这是后来的事，面包。頭髮，面包。", HANT) == "這是後來的事，麪包。頭髮，面包。"
    assert convert_foreign("頭髮，面包。这是后来的事，面包。", HANS) == "头发，面包。这是后来的事，面包。"


def test_page_orthography_is_learnt_from_its_target_script_part() -> None:
    # s2t writes 希伯侖; this page writes 希伯崙 in its Traditional part, so its Simplified part follows.
    assert converter("s2t").convert("这是希伯仑") == "這是希伯侖"
    page = "他們住在希伯崙。这是希伯仑的头发。"
    assert convert_foreign(page, HANT) == "他們住在希伯崙。這是希伯崙的頭髮。"
    # Only clauses holding a character unique to the target script teach (not 面包 here).
    assert convert_foreign("頭髮，面包。这是面包。", HANT) == "頭髮，面包。這是麪包。"
    assert convert_foreign("頭髮的面包。这是面包。", HANT) == "頭髮的面包。這是面包。"


def test_regional_targets() -> None:
    tw, hk = cfg(to="tw"), cfg(to="hk")
    # Simplified runs get s2tw; Traditional runs get Taiwan's variants only (t2tw).
    assert convert_foreign("这里，爲了裏面", tw) == converter("s2tw").convert("这里") + "，為了裡面"
    assert convert_foreign("头发", hk) == converter("s2hk").convert("头发")
    assert convert_foreign("頭髮裡", tw) == "頭髮裡"


def test_auto_converts_the_minority_script() -> None:
    auto = cfg(to="auto")
    assert convert_foreign("头发很长。頭髮很長。这是简体。", auto) == "头发很长。头发很长。这是简体。"
    assert convert_foreign("頭髮很長。這是繁體。头发很长。", auto) == "頭髮很長。這是繁體。頭髮很長。"
    assert convert_foreign("和平123", auto) == "和平123"


def test_convert_all_and_raw_config_are_opencc() -> None:
    text = "烏干達的经济，头发"
    assert convert_foreign(text, cfg(to="hant", convert_all=True)) == converter("s2t").convert(text)
    assert convert_foreign(text, cfg(opencc="s2twp")) == converter("s2twp").convert(text)
    opencc = pytest.importorskip("opencc")
    assert convert_foreign(text, cfg(to="hant", convert_all=True)) == opencc.OpenCC("s2t").convert(text)


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_user_dictionary_takes_precedence(tmp_path: Path) -> None:
    mine = _write(tmp_path, "mine.txt", "# my terms\n鼠标\t滑鼠\n软件\t軟體 軟件\n")
    config = cfg(to="hant", dicts=(mine,))
    validate_mixed(config)
    assert convert_foreign("鼠标和软件，头发", config) == "滑鼠和軟體，頭髮"
    # Only foreign runs are converted: a Traditional page is untouched.
    assert convert_foreign("滑鼠和軟件", config) == "滑鼠和軟件"
    # The replacement is emitted verbatim, not re-converted by OpenCC's later dictionaries.
    tw = cfg(to="tw", dicts=(_write(tmp_path, "v.txt", "为着\t爲着\n"),))
    assert convert_foreign("为着你", tw) == "爲着你"
    # An earlier file wins over a later one.
    other = _write(tmp_path, "other.txt", "鼠标\t鼠標\n")
    assert convert_foreign("鼠标", cfg(to="hant", dicts=(other, mine))) == "鼠標"


def test_protected_terms(tmp_path: Path) -> None:
    config = cfg(to="hant", protect=("头发", "乌干达"))
    assert convert_foreign("头发和乌干达的发展", config) == "头发和乌干达的發展"
    config = cfg(to="hans", protect=("臺灣",), dicts=(_write(tmp_path, "d.txt", "臺灣\t台湾省\n"),))
    # A protected term wins over a dictionary phrase.
    assert convert_foreign("臺灣的頭髮", config) == "臺灣的头发"


def test_malformed_dictionaries_are_rejected(tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.txt", "鼠标\t滑鼠\n软件 軟體\n")
    with pytest.raises(ValueError, match=r"bad\.txt:2: no tab"):
        validate_mixed(cfg(dicts=(bad,)))
    with pytest.raises(ValueError, match="cannot read dictionary"):
        validate_mixed(cfg(dicts=(str(tmp_path / "missing.txt"),)))
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9\tx\n".encode("latin-1"))
    with pytest.raises(ValueError, match="cannot read dictionary"):
        validate_mixed(cfg(dicts=(str(latin1),)))
    with pytest.raises(ValueError, match="empty"):
        validate_mixed(cfg(protect=(" ",)))
    with pytest.raises(ValueError, match="unknown target"):
        validate_mixed(cfg(to="klingon"))
    validate_mixed(cfg(to="auto"))


def test_explain_matches_convert(tmp_path: Path) -> None:
    mine = _write(tmp_path, "mine.txt", "鼠标\t滑鼠\n")
    config = cfg(to="hant", dicts=(mine,))
    text = "他說：头发乱了，鼠标坏了。烏干達的經濟。"
    out, changes = explain_foreign(text, config)
    assert out == convert_foreign(text, config)
    assert all(c.stage == "convert" and text[c.start : c.end] == c.before for c in changes)
    # Replaying the changes on the input gives the output.
    rebuilt, position = [], 0
    for change in changes:
        rebuilt += [text[position : change.start], change.after]
        position = change.end
    assert "".join([*rebuilt, text[position:]]) == out
    assert {c.kind for c in changes} == {"s2t"}
    assert [c.detail for c in changes if c.before == "鼠标"] == [f"user dictionary {mine}"]
    assert explain_foreign("烏干達", config) == ("烏干達", [])
    # A Taiwan-style clause is converted with tw2s, the rest with t2s.
    _, changes = explain_foreign("他們看著我。這是書", HANS)
    assert [(c.before, c.after, c.kind) for c in changes] == [
        ("們", "们", "tw2s"),
        ("著", "着", "tw2s"),
        ("這", "这", "t2s"),
        ("書", "书", "t2s"),
    ]


_PROPERTY_ALPHABET = (
    "头发髮發干乾幹后後里裡裏面麵台臺颱余餘历歷曆复復複只隻系係繫么麼着著"
    "这這是的了和一个個說说烏达達准獲证證明仆僕万萬於于藉"
    "，。、！？ \nab1"
    # Compatibility ideographs, which every config first maps to their unified forms:
    # U+FAAE and U+F979 to Simplified-only 类 and 凉, U+F900 and U+F902 to Traditional-only 豈 and 車.
    "\ufaae\uf979\uf900\uf902"
)


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=_PROPERTY_ALPHABET, max_size=30),
    st.sampled_from(["hans", "hant", "tw", "hk", "cn", "twp", "auto"]),
)
def test_converting_twice_changes_nothing(text: str, to: str) -> None:
    config = cfg(to=to)
    once = convert_foreign(text, config)
    assert convert_foreign(once, config) == once
    assert len(once) == len(text)


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=_PROPERTY_ALPHABET + "\x00\u2ff0\ufdd0\U00100000𠮷\ud800", max_size=30),
    st.sampled_from(["hans", "hant", "tw", "hk", "cn", "twp", "auto"]),
    st.booleans(),
)
def test_any_text_converts_and_explains(text: str, to: str, protect: bool) -> None:
    # NUL, IDS operators, noncharacters, surrogates: whatever the engine does, explain agrees.
    config = cfg(to=to, protect=("头发",) if protect else ())
    out = convert_foreign(text, config)
    explained, changes = explain_foreign(text, config)
    assert explained == out
    assert all(text[c.start : c.end] == c.before for c in changes)


def _read_jsonl(*parts: str) -> list[dict]:
    path = shared_path(*parts)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_shared_pairs_already_in_the_target_script_are_untouched() -> None:
    pairs = _read_jsonl("data", "mixed_pairs.jsonl")
    assert [p["id"] for p in pairs if convert_foreign(p["simplified"], HANS) != p["simplified"]] == []
    assert [p["id"] for p in pairs if convert_foreign(p["traditional"], HANT) != p["traditional"]] == []


def test_shared_mixed_documents_to_simplified() -> None:
    docs = _read_jsonl("data", "mixed_docs.jsonl")
    errors = total = 0
    for doc in docs:
        out = convert_foreign(doc["input"], HANS)
        expected = doc["expected_simplified"]
        assert len(out) == len(expected)
        errors += sum(a != b for a, b in zip(out, expected, strict=True))
        total += len(expected)
    assert errors / total <= 0.0003  # the target (OpenCC t2s: 0.15%, tw2s: 0.05%)


@pytest.mark.parametrize(("inverse", "forward"), [("s2t", "t2s"), ("t2s", "s2t"), ("s2t", "tw2sp")])
def test_long_round_trips_convert_only_the_pieces_that_may_differ(inverse: str, forward: str) -> None:
    # The page's orthography is learnt where converting its target-script part to the
    # other script and back does not give it back. A long text converts only the
    # pieces around characters that may come back different: same positions, same source.
    import random

    from zhnorm.convert import mixed

    rng = random.Random(len(inverse + forward))
    words = [w for pair in TRICKY for w in pair] + ["於是", "乾隆", "希伯崙", "為了", "瞭望", "黄果树瀑布"]
    words += ["·", "，", "。", "\n", " ", "ok", "1"]
    text = "".join(rng.choice(words) for _ in range(mixed._SMALL_TRIP))
    trip = mixed._round_trip(text, inverse, forward)
    assert trip is not None
    source, differing = trip
    full = converter(inverse).convert(text)
    again = converter(forward).convert(full)
    assert differing == [i for i, (a, b) in enumerate(zip(again, text, strict=True)) if a != b]
    assert differing  # the sample holds characters that come back different
    assert len(source) == len(text)
    assert all(source[i - 1 : i + 2] == full[i - 1 : i + 2] for i in differing)
    # Nothing risky: nothing converted, nothing differs.
    plain = "abc，" * mixed._SMALL_TRIP
    assert mixed._round_trip(plain, inverse, forward) == (plain, [])


@pytest.mark.parametrize(("inverse", "forward"), [("s2t", "t2s"), ("t2s", "s2t")])
def test_long_round_trips_on_the_corpus(inverse: str, forward: str) -> None:
    # The same on real text of both scripts (where most watched characters are).
    from zhnorm.convert import mixed

    text = shared_path("bench", "corpus_unique_lines.txt").read_text(encoding="utf-8")
    trip = mixed._round_trip(text, inverse, forward)
    assert trip is not None
    full = converter(inverse).convert(text)
    again = converter(forward).convert(full)
    assert trip[1] == [i for i, (a, b) in enumerate(zip(again, text, strict=True)) if a != b]
    assert all(trip[0][i] == full[i] for i in trip[1])


def test_round_trip_tables_are_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zhnorm.convert import mixed

    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    computed = mixed._compute_trip_chars("t2s", "s2t")
    assert "為" in computed[0] and "，" not in computed[1]  # 為 -> 为 -> 爲; no key holds "，"
    assert mixed._trip_chars("t2s", "s2t") == computed
    [cached] = tmp_path.glob("trip-t2s-s2t-*.json")
    assert mixed._trip_chars("t2s", "s2t") == computed  # read back
    cached.write_text("not json", encoding="utf-8")
    assert mixed._trip_chars("t2s", "s2t") == computed  # a damaged file is rebuilt


def test_memory_matches_long_texts_as_its_automaton_does() -> None:
    # The page's spellings are bigrams; a long text finds them with NumPy, not the
    # automaton, with the same leftmost non-overlapping matches (overlaps: 希伯伯崙).
    import random

    from zhnorm.convert import mixed

    memory = mixed._Memory({"希伯": "希伯", "伯崙": "伯崙", "伯伯": "伯伯", "为了": "爲了", "了了": "瞭了"})
    rng = random.Random(3)
    alphabet = ["希", "伯", "崙", "为", "了", "，", "a"]
    text = "".join(rng.choice(alphabet) for _ in range(mixed._BIGRAM_SCAN + 7))
    found = memory._matches(text)
    assert isinstance(found, list) and found  # the NumPy path
    assert found == list(memory.automaton.iter_long(text))


def _general(text: str, config: Normalizer) -> str:
    from zhnorm.convert import mixed

    return mixed._join(text, mixed._pieces(text, config))


def test_long_single_script_texts_convert_in_one_pass() -> None:
    # A long text with no character unique to one script is told with one table
    # lookup (and the Taiwan-style clauses found from it): same output as the
    # clause-by-clause path, whatever the text holds.
    import random

    from zhnorm.script import BIG_SCAN

    rng = random.Random(7)
    taiwan = ["他們看著我，", "照著這個做。", "著名的作家\n", "這麼說、", "為了裡面 ", "頭髮發展得很快。"]
    taiwan.append("a1")
    opencc_style = ["爲了裏面，", "看着這本書。", "著作等身\n", *taiwan[3:]]
    simplified = [s for s, _ in TRICKY] + ["，", "。\n", "么", "ok "]

    def long(words: list[str], extra: str = "") -> str:
        text = "".join(rng.choice(words) for _ in range(BIG_SCAN // 4))
        return text + extra

    cases = [
        (long(taiwan), HANS),
        (long(opencc_style), HANS),
        (long(taiwan, "𠮷\U000f0000"), HANS),  # astral characters
        (long(taiwan, "\uf900"), HANS),  # a compatibility ideograph (the engine's normalization)
        (long(simplified, "\uf900"), HANT),
        (long(simplified), HANT),
        (long(simplified, "𠮷"), HANT),
        (long(taiwan, "这是简体"), HANS),  # the target script far from the start: mixed
        (long(taiwan, "⿰\n發"), HANS),  # an IDS: its parts are not taken from the next line
        (long(simplified, "這是繁體"), HANT),
        (long(taiwan), HANT),  # nothing foreign
        ("和平" * BIG_SCAN, HANS),  # nothing unique to either script
        # Regional targets: the regional config over a Traditional text, the foreign one over a
        # Simplified text, each taken only if the output still reads as Traditional.
        (long(taiwan), cfg(to="tw")),
        (long(opencc_style, "\ufaae"), cfg(to="tw")),  # t2tw unifies U+FAAE into Simplified 类
        (long(simplified), cfg(to="tw")),
        (long(simplified, "恒生指数"), cfg(to="tw")),  # s2tw keeps 恒 (Simplified-only) in 恒生
        (long(simplified, "𠮷"), cfg(to="hk")),
        (long(["和臺干，", "于臺。"]) * 2, cfg(to="hk")),  # t2hk writes 台: nothing Traditional is left
        (long(taiwan), cfg(to="twp")),
    ]
    for text, config in cases:
        assert len(text) >= BIG_SCAN
        assert convert_foreign(text, config) == _general(text, config)
    # The Taiwan-style text did go through the alternative config around 著.
    assert "看着我" in convert_foreign(cases[0][0], HANS)


# One script (with neutral characters) and what the engine looks for before converting:
# compatibility ideographs (豈 U+F900 is 豈 after its normalization), NUL, U+FDD0.
_SPECIAL_FOR_ENGINE = "\uf900\uf91f\ufa0e\x00\ufdd0"
_TRADITIONAL_ALPHABET = (
    "頭髮發乾幹後裡裏麵臺颱餘歷曆復複隻係繫麼著這個說為爲烏達獲證僕萬簷顎鯰"  # 著 簷 顎 鯰: triggers
    "干后里面么着是了和，。 \na"
)
_SIMPLIFIED_ALPHABET = "头发干后里面台余历复只系么着这个说达准证仆万于是了和，。 \na"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([("hans", _TRADITIONAL_ALPHABET), ("hant", _SIMPLIFIED_ALPHABET)]).flatmap(
        lambda case: st.tuples(
            st.just(case[0]), st.text(alphabet=case[1] + _SPECIAL_FOR_ENGINE, min_size=1, max_size=40)
        )
    )
)
def test_short_foreign_texts_take_the_general_paths_answer(case: tuple[str, str]) -> None:
    # A line with nothing in the target script is converted by a shortcut (with the
    # engine told that it holds none of its special characters, when it holds none).
    to, text = case
    config = cfg(to=to)
    assert convert_foreign(text, config) == _general(text, config)


@pytest.mark.parametrize("to", ["hans", "hant", "tw", "hk", "twp"])
def test_corpus_lines_take_the_general_paths_answer(to: str) -> None:
    # Real lines, one call each: whatever shortcut a line takes, the answer is the general path's.
    lines = shared_path("bench", "corpus_unique_lines.txt").read_text(encoding="utf-8").splitlines()[::5]
    config = cfg(to=to)
    differing = [line for line in lines if convert_foreign(line, config) != _general(line, config)]
    assert differing == []


# Hong Kong writes 台 for 臺 (as Simplified does), 着 for 著: a regional config's output may hold no
# character unique to Traditional, and the general path then settles it (see mixed._settle).
_REGIONAL_EXTRA = "臺台着著裏裡衞衛綫線"


@settings(max_examples=400, deadline=None)
@given(
    to=st.sampled_from(["tw", "hk", "twp"]),
    text=st.text(
        alphabet=_TRADITIONAL_ALPHABET + _SIMPLIFIED_ALPHABET + _REGIONAL_EXTRA + _SPECIAL_FOR_ENGINE,
        min_size=1,
        max_size=40,
    ),
)
@example(to="hk", text="和臺干")  # t2hk gives 和台干: nothing unique to Traditional is left
def test_short_texts_to_a_regional_target_take_the_general_paths_answer(to: str, text: str) -> None:
    # A line in one script is converted whole by a shortcut (with the regional config when it is
    # already Traditional), and taken only if it still reads as Traditional.
    config = cfg(to=to)
    assert convert_foreign(text, config) == _general(text, config)
    for script_only in (_TRADITIONAL_ALPHABET, _SIMPLIFIED_ALPHABET):
        one_script = "".join(ch for ch in text if ch in script_only) or script_only[:3]
        assert convert_foreign(one_script, config) == _general(one_script, config)


def _clause_spans_by_scan(segment: str, found: list[int]) -> list[tuple[int, int]]:
    # The clause cutting as first written (every boundary run of the window scanned).
    from zhnorm.convert import mixed

    spans: list[tuple[int, int]] = []
    right = 0
    for position in found:
        if position < right:
            continue
        left = max(right, position - mixed._WINDOW)
        for boundary in mixed._CLAUSE_END.finditer(segment, left, position):
            left = boundary.end()
        end_match = mixed._CLAUSE_END.search(segment, position + 1)
        right = end_match.end() if end_match else len(segment)
        if spans and spans[-1][1] == left:
            spans[-1] = (spans[-1][0], right)
        else:
            spans.append((left, right))
    return spans


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="著么看照這了，。 \n、a", max_size=300))
def test_clauses_around_triggers_are_cut_as_by_a_full_scan(text: str) -> None:
    # The clause before a trigger is found with one backtracking match, not by
    # scanning every boundary of the window.
    from zhnorm.convert import mixed

    long_clause = "看" * 100 + "著" + "了" * 9 + "，著么"
    for sample in (text, "".join(ch for ch in text if ch not in "，。 \n、"), long_clause):
        found = [i for i, ch in enumerate(sample) if ch in "著么"]
        assert mixed._clause_spans(sample, found) == _clause_spans_by_scan(sample, found)


def test_regional_output_holding_the_other_script_is_converted_again() -> None:
    # Found by fuzzing to hk and tw: t2tw maps the compatibility ideograph U+FAAE to its
    # unified form, Simplified-only 类, which a second run converted to 類.
    for to in ("tw", "hk"):
        config = cfg(to=to)
        for text in ("這是\ufaae", "\ufeffë\ufaae㨊", "\ufaae"):
            once = convert_foreign(text, config)
            assert convert_foreign(once, config) == once
            assert "類" in once and explain_foreign(text, config)[0] == once
            assert convert_foreign_batch([text, "頭髮"], config)[0] == once
    assert Normalizer(to="hk").normalize("\ufeffë\ufaae㨊") == "\ufeffë類㨊"


@pytest.mark.parametrize("text", ["于臺", "和臺干", "准，臺", "万后万臺着"])
def test_regional_output_that_would_read_as_foreign_is_settled(text: str) -> None:
    # Hong Kong writes 台 for 臺, as Simplified does: the output of 和臺干 (a Traditional
    # text, kept) holds nothing unique to either script and leans to Simplified (干), so
    # converting it again would convert it whole. That conversion is given at once.
    hk = cfg(to="hk")
    once = convert_foreign(text, hk)
    assert convert_foreign(once, hk) == once
    assert explain_foreign(text, hk)[0] == once
    # A text that keeps other Traditional characters keeps its reading (准 stays).
    assert convert_foreign("准，臺灣的頭髮", hk) == "准，台灣的頭髮"


def test_a_short_mixed_page_is_converted_without_numpy() -> None:
    # NumPy (~0.1 s to import) serves long texts only: a page's first conversion should not wait for it.
    import subprocess
    import sys

    code = (
        "import sys\nfrom zhnorm import Normalizer\n"
        "page = '我在台湾的朋友说過，這款機型的散熱設計很好。\\n网友回复：这台电脑还在卖吗？'\n"
        "for to in ('hans', 'hant', 'tw'):\n"
        "    Normalizer(to=to, only=['convert']).normalize(page)\n"
        "print('numpy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
