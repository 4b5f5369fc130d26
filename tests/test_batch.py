"""Normalizer.normalize_batch as data engineers use it: datasets.map(batched=True) and pandas."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import shared_path
from zhnorm import Normalizer

TEXTS = [
    "简体中文的新闻网页",
    "這是一個繁體中文的部落格，討論軟體與網路。",
    "ä¸­æ–‡çš„ç½‘é¡µå†…å®¹",  # UTF-8 read as Windows-1252
    "ÖÐÎÄµÄÍøÒ³",  # GBK read as Latin-1
    "繁體標題\n简体正文：头发、面条、后台。",
    "",
    "English only, 2026-11-24.",
]


@pytest.fixture(params=["hans", "hant"])
def config(request: pytest.FixtureRequest) -> Normalizer:
    return Normalizer(to=request.param)


def test_fixture_gives_the_pipeline_work(config: Normalizer) -> None:
    changed = [t for t in TEXTS if config.normalize(t) != t]
    assert len(changed) >= 3


# --- normalize_batch is normalize, text by text -------------------------------------------

# Both scripts, words each writes alike, punctuation, mojibake, tw2s's 著, an IDS operator,
# a compatibility ideograph, NUL and U+FDD1 (the engine's batch separator).
_ALPHABET = (
    "头发干后里面这个說這頭髮乾後裡麵著么麼烏干達臺台和的是，。！“” \naZ中文ä¸­æ–‡ÖÐÎÄ\u2ff0\uf900\x00\ufdd1"
)
_CONFIGS = [
    Normalizer(to="hans"),
    Normalizer(to="hant"),
    Normalizer(to="tw"),
    Normalizer(to="hk"),
    Normalizer(to="auto"),
    Normalizer(opencc="s2t"),
    Normalizer(to="hans", convert_all=True),
    Normalizer(to="hant", protect=["頭髮"]),
    Normalizer(to="hans", only=["convert"]),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    config=st.sampled_from(_CONFIGS),
    texts=st.lists(st.one_of(st.none(), st.text(alphabet=_ALPHABET, max_size=30)), max_size=12),
)
@example(config=Normalizer(to="hk"), texts=["和臺干", "头发"])  # 和台干 (t2hk) is settled as foreign
def test_batch_is_normalize_text_by_text(config: Normalizer, texts: list[str | None]) -> None:
    assert config.normalize_batch(texts) == [None if t is None else config.normalize(t) for t in texts]


def test_batch_settles_like_normalize() -> None:
    # Texts that only the settling round gets right (found by fuzzing, see test_robust.py).
    import zhnorm
    from test_robust import SOUP, SOUP_TWO_LINES

    texts = [zhnorm.decode(SOUP), "头发", zhnorm.decode(SOUP_TWO_LINES), "憂心慇慇。佌佌"]
    config = Normalizer()
    assert config.normalize_batch(texts) == [config.normalize(t) for t in texts]


@pytest.mark.parametrize("to", ["hans", "hant", "tw", "auto"])
def test_batch_of_corpus_lines_is_normalize_line_by_line(to: str) -> None:
    # Real lines of both scripts: the fully foreign ones go through the engine in one call.
    path = shared_path("bench", "corpus_unique_lines.txt")
    lines = path.read_text(encoding="utf-8").splitlines()[::31]  # ~3,000 from all over the corpus
    config = Normalizer(to=to)
    expected = [config.normalize(line) for line in lines]
    assert config.normalize_batch(lines) == expected
    assert sum(a != b for a, b in zip(lines, expected, strict=True)) > 100


# --- Hugging Face datasets ------------------------------------------------------------------


def test_datasets_map_batched(config: Normalizer) -> None:
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"id": list(range(len(TEXTS))), "text": TEXTS})
    out = ds.map(lambda batch: {"text": config.normalize_batch(batch["text"])}, batched=True, batch_size=3)
    assert list(out["text"]) == [config.normalize(t) for t in TEXTS]
    assert list(out["id"]) == list(range(len(TEXTS)))
    assert list(ds["text"]) == TEXTS  # map returns a new dataset


def test_datasets_map_input_columns_new_column() -> None:
    datasets = pytest.importorskip("datasets")
    config = Normalizer(to="tw")
    ds = datasets.Dataset.from_dict({"text": TEXTS})
    out = ds.map(lambda texts: {"clean": config.normalize_batch(texts)}, input_columns="text", batched=True)
    assert out.column_names == ["text", "clean"]
    assert list(out["clean"]) == [config.normalize(t) for t in TEXTS]


def test_datasets_map_num_proc_pickles_the_config() -> None:
    """Two worker processes: the config pickles; each process builds its own converters."""
    datasets = pytest.importorskip("datasets")
    path = shared_path("data", "mixed_docs.jsonl")
    with path.open(encoding="utf-8") as lines:
        docs = [json.loads(line)["input"] for line, _ in zip(lines, range(200), strict=False)]
    config = Normalizer(to="hans")
    ds = datasets.Dataset.from_dict({"text": docs})
    out = ds.map(
        lambda batch: {"text": config.normalize_batch(batch["text"])}, batched=True, batch_size=50, num_proc=2
    )
    expected = [config.normalize(t) for t in docs]
    assert list(out["text"]) == expected
    assert sum(a != b for a, b in zip(docs, expected, strict=True)) > 50


# --- pandas -----------------------------------------------------------------------------------


def test_pandas_series_map_and_batch(config: Normalizer) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"text": TEXTS})
    expected = [config.normalize(t) for t in TEXTS]
    assert frame["text"].map(config.normalize).tolist() == expected
    assert config.normalize_batch(frame["text"]) == expected
    frame["clean"] = config.normalize_batch(frame["text"].tolist())
    assert frame["clean"].tolist() == expected
    assert frame["text"].tolist() == TEXTS


def test_pandas_missing_values_are_kept() -> None:
    pd = pytest.importorskip("pandas")
    config = Normalizer(to="hant")
    series = pd.Series(["简体", None, "中文网页", float("nan")])
    out = series.map(config.normalize, na_action="ignore")
    assert out.isna().tolist() == [False, True, False, True]
    assert out[[0, 2]].tolist() == [config.normalize("简体"), config.normalize("中文网页")]
    assert out[0] != "简体"
