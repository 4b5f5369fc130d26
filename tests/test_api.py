"""The public Python API: normalize, Normalizer, explain, decode."""

from __future__ import annotations

import pickle

import pytest

import zhnorm
from zhnorm import Change, Normalizer


def test_normalizer_is_frozen_and_picklable() -> None:
    config = Normalizer(to="hant", skip=["repair"])
    assert config.skip == ("repair",)
    with pytest.raises(AttributeError):
        config.to = "hans"  # type: ignore[misc]
    clone = pickle.loads(pickle.dumps(config))
    assert clone == config
    assert clone.normalize("简体中文") == config.normalize("简体中文") == "簡體中文"
    # Settings only: the stage lookups that normalize cached are rebuilt by each process.
    data = pickle.dumps(config)
    assert b"_appliers" not in data and b"_settling" not in data and b"stages" not in data
    assert b"memo" not in data and "convert" in config.memo  # the stages' choices stay in the process


def test_stage_memo_belongs_to_one_configuration() -> None:
    # A stage keeps its per-configuration choices in Normalizer.memo: a copy with
    # other settings, or one unpickled elsewhere, works its own out.
    to_hans = Normalizer(to="hans", only=["convert"])
    assert to_hans.normalize("頭髮") == "头发"
    to_hant = to_hans.replace(to="hant")
    assert to_hant.memo == {} and to_hant.normalize("头发") == "頭髮"
    assert to_hans.normalize("頭髮") == "头发"
    clone = pickle.loads(pickle.dumps(to_hans))
    assert clone.memo == {} and clone.normalize("頭髮") == "头发"
    everything = to_hans.replace(opencc="s2t")
    assert everything.normalize("头发頭髮") == "頭髮頭髮"


def test_stage_selection() -> None:
    assert Normalizer().stages[0] == "repair"
    assert Normalizer(only=["convert"]).stages == ("convert",)
    assert "repair" not in Normalizer(skip=["repair"]).stages
    with pytest.raises(ValueError, match="valid stages"):
        Normalizer(only=["nope"])


def test_unknown_target_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match="hant"):
        Normalizer(to="klingon")


def test_normalize_repairs_then_converts() -> None:
    mojibake = "繁體中文".encode().decode("latin-1")
    assert zhnorm.normalize(mojibake, to="hans") == "繁体中文"


def test_opencc_config_by_name() -> None:
    assert zhnorm.normalize("鼠标和软件", opencc="s2twp", only=["convert"]) == "滑鼠和軟體"


def test_normalize_batch_matches_normalize() -> None:
    config = Normalizer(to="hant")
    texts = ["简体", "", "ä¸­æ–‡", "English"]
    assert config.normalize_batch(texts) == [config.normalize(t) for t in texts]


def test_explain_names_each_stage() -> None:
    text, changes = zhnorm.explain("ä¸­æ–‡ 简体", to="hant")
    assert text == "中文 簡體"
    stages = [c.stage for c in changes]
    assert "repair" in stages and "convert" in stages
    assert all(isinstance(c, Change) for c in changes)
    assert zhnorm.explain("中文", to="hans") == ("中文", [])


def test_decode_is_public() -> None:
    assert zhnorm.decode("中文".encode("big5")) == "中文"
