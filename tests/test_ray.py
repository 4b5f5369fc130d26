"""zhnorm.ray: the Ray Data adapter, on a real local Ray cluster, checked against the CLI."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from subprocess import PIPE
from typing import Any

import pytest

from zhnorm import Normalizer

try:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import ray

    from zhnorm.ray import NormalizeBatch, normalize_dataset
except ImportError:  # the tests that need Ray skip; the others still run
    HAVE_RAY = False
else:
    HAVE_RAY = True

needs_ray = pytest.mark.skipif(not HAVE_RAY, reason="ray is not installed (pip install 'zhnorm[ray]')")
# Ray Data warns about its own deprecated settings when it copies its context to workers.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


# --- without Ray ------------------------------------------------------------------------------


def test_import_zhnorm_does_not_import_ray() -> None:
    done = python(
        "import sys, zhnorm\nzhnorm.normalize('中文')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ray', 'pandas', 'numpy', 'pyarrow')))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_missing_ray_gives_the_install_hint() -> None:
    # sys.modules[name] = None makes any import of it fail, as if Ray were not installed.
    done = python(
        "import sys\nsys.modules['ray'] = None\n"
        "try:\n    import zhnorm.ray\nexcept ImportError as exc:\n    print(exc)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "zhnorm.ray needs Ray Data: pip install 'zhnorm[ray]'"


# --- the batch logic, no cluster needed ------------------------------------------------------

MOJIBAKE = "ä¸­æ–‡çš„ç½‘é¡µ"  # "中文的网页" (UTF-8 read as Windows-1252)


@needs_ray
def test_numpy_batch_keeps_none_and_other_columns() -> None:
    texts = np.array(["简体中文", None, "繁體中文", MOJIBAKE], dtype=object)
    ids = np.array([1, 2, 3, 4])
    ids.flags.writeable = False  # Ray hands out read-only, zero-copy arrays
    batch = {"id": ids, "text": texts}
    out = NormalizeBatch(columns=["text"], to="hant")(batch)
    config = Normalizer(to="hant")
    expected = [config.normalize("简体中文"), None, "繁體中文", config.normalize(MOJIBAKE)]
    assert out["text"].tolist() == expected
    assert out["text"].tolist()[0] != "简体中文"
    assert out["id"] is ids
    assert batch["text"] is texts and texts[0] == "简体中文"  # the input batch is not modified


@needs_ray
def test_fixed_width_numpy_strings() -> None:
    out = NormalizeBatch("text", to="hans")({"text": np.array(["繁體中文", "簡"])})
    assert out["text"].tolist() == [Normalizer().normalize("繁體中文"), Normalizer().normalize("簡")]


@needs_ray
def test_pandas_batch_keeps_missing_values_and_dtype() -> None:
    frame = pd.DataFrame(
        {"id": [1, 2, 3, 4], "text": pd.array(["繁體中文", None, MOJIBAKE, "简体"], dtype="string[pyarrow]")}
    )
    out = NormalizeBatch(columns=["text"], skip=["repair"])(frame)
    config = Normalizer(skip=("repair",))
    assert out["text"].dtype == frame["text"].dtype
    assert out["text"].isna().tolist() == [False, True, False, False]
    assert out["text"][[0, 2, 3]].tolist() == [config.normalize(t) for t in ("繁體中文", MOJIBAKE, "简体")]
    assert frame["text"][0] == "繁體中文"
    assert out["id"].tolist() == [1, 2, 3, 4]


@needs_ray
def test_pandas_object_column_with_nan() -> None:
    frame = pd.DataFrame({"text": ["繁體", float("nan"), None]}, dtype=object)
    out = NormalizeBatch("text")(frame)
    assert out["text"][0] == Normalizer().normalize("繁體")
    assert out["text"].isna().tolist() == [False, True, True]


@needs_ray
def test_arrow_batch_and_nested_fields() -> None:
    meta = pa.struct([("title", pa.string()), ("n", pa.int64())])
    table = pa.table(
        {
            "text": pa.array(["繁體中文", None], type=pa.large_string()),
            "meta": pa.array([{"title": "電腦網路", "n": 1}, None], type=meta),
        }
    )
    out = NormalizeBatch(columns=["text", "meta.title"])(table)
    config = Normalizer()
    assert out.schema == table.schema
    assert out.column("text").to_pylist() == [config.normalize("繁體中文"), None]
    assert out.column("meta").to_pylist() == [{"title": config.normalize("電腦網路"), "n": 1}, None]


@needs_ray
def test_a_column_named_with_a_dot_wins_over_a_path() -> None:
    batch = {"a.b": np.array(["繁體"], dtype=object), "a": np.array([{"b": "繁體"}], dtype=object)}
    out = NormalizeBatch("a.b")(batch)
    assert out["a.b"].tolist() == [Normalizer().normalize("繁體")]
    assert out["a"] is batch["a"]


@needs_ray
def test_bad_columns_and_values_fail_clearly() -> None:
    fix = NormalizeBatch(columns=["body"])
    with pytest.raises(KeyError, match="'body' is not in the batch"):
        fix({"text": np.array(["x"], dtype=object)})
    with pytest.raises(TypeError, match="'body' holds a int"):
        fix({"body": np.array(["x", 3], dtype=object)})
    with pytest.raises(ValueError, match="unknown stage"):
        NormalizeBatch(columns=["text"], skip=["nope"])
    with pytest.raises(ValueError, match="at least one column"):
        NormalizeBatch(columns=[])


@needs_ray
def test_picklable_for_the_driver() -> None:
    import pickle

    fix = pickle.loads(pickle.dumps(NormalizeBatch(columns=["text"], to="tw")))
    assert fix.normalizer == Normalizer(to="tw")
    assert fix.columns == ("text",)


# --- a real local cluster ---------------------------------------------------------------------

SIMPLIFIED = [
    "今天下午三点在会议室召开项目进度讨论会。",
    "这家面馆的牛肉面汤头浓郁，价格也很实惠。",
    "请在下载软件之前先检查网络连接是否正常。",
    "图书馆周末开放时间调整为上午九点到晚上八点。",
    "他把头发剪短以后，看起来精神多了。",
    "系统更新后，打印机驱动需要重新安装。",
    "这部电影讲述了一个关于家庭和成长的故事。",
    "天气预报说明天会有大雨，出门记得带伞。",
    "我们计划在后台数据库中加入新的索引。",
    "春节期间高速公路免费通行，车流量明显增加。",
    "老师鼓励学生多读书，多思考，多提问。",
    "请把这份报告发给所有参加培训的员工。",
]
TRADITIONAL = [
    "這個軟體的使用者介面設計得相當直覺。",
    "颱風即將登陸，請民眾做好防颱準備。",
    "我們在資料庫裡發現了幾筆重複的記錄。",
    "他每天早上都會到公園裡慢跑半個小時。",
    "這間餐廳的鍋貼和酸辣湯非常有名。",
    "圖書館將於下週一起延長開放時間。",
    "請確認您的帳號與密碼是否輸入正確。",
    "學校舉辦了一場關於環境保護的演講比賽。",
    "醫院門診時間為週一至週五上午八點起。",
    "網路上的資訊真假難辨，要多加查證。",
]
RECORDS = 3000


def _mojibake(rng: random.Random, text: str) -> str:
    """``text`` corrupted by a real wrong-codec round trip (falls back to a simpler one)."""
    import ftfy.bad_codecs  # noqa: F401  registers sloppy-windows-1252, the browsers' cp1252

    chains = [
        ("utf-8", "sloppy-windows-1252"),
        ("gbk", "latin-1"),
        ("big5", "latin-1"),
    ]
    rng.shuffle(chains)
    for encoding, wrong in chains:
        try:
            return text.encode(encoding).decode(wrong)
        except UnicodeError:
            continue
    return text.encode("gbk").decode("latin-1")


def _text(rng: random.Random) -> str:
    kind = rng.random()
    parts = [rng.choice(SIMPLIFIED + TRADITIONAL) for _ in range(rng.randint(1, 3))]
    if kind < 0.2:
        return _mojibake(rng, "".join(parts))
    if kind < 0.3:  # a Traditional mirror's page with a Simplified footer
        return rng.choice(TRADITIONAL) + "\n" + rng.choice(SIMPLIFIED)
    return "".join(parts)


def _record(rng: random.Random, i: int) -> dict[str, Any]:
    record: dict[str, Any] = {"id": i}
    roll = rng.random()
    if roll < 0.05:
        record["text"] = None
    elif roll >= 0.08:  # 0.05 <= roll < 0.08: no "text" key at all
        record["text"] = _text(rng)
    record["url"] = f"https://example.com/新闻/{i}"
    if rng.random() < 0.9:
        record["meta"] = {"title": rng.choice([None, rng.choice(SIMPLIFIED + TRADITIONAL)]), "n": i}
    return record


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(5)
    path = tmp_path_factory.mktemp("ray") / "crawl.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(RECORDS):
            out.write(json.dumps(_record(rng, i), ensure_ascii=rng.random() < 0.3) + "\n")
    return path


@pytest.fixture(scope="module")
def cli(jsonl: Path) -> Iterator[subprocess.Popen]:
    """The CLI over the same file, started first so that it runs while Ray starts up."""
    command = [sys.executable, "-m", "zhnorm", "--jsonl", "--field", "text", "--field", "meta.title"]
    with subprocess.Popen([*command, "--to", "hans", str(jsonl)], stdout=PIPE, stderr=PIPE) as process:
        yield process
        if process.poll() is None:
            process.kill()


@pytest.fixture(scope="module")
def cluster(cli: subprocess.Popen) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAY_USAGE_STATS_ENABLED", "0")
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        try:
            yield
        finally:
            ray.shutdown()


def _key(record: dict[str, Any]) -> tuple[Any, ...]:
    meta = record.get("meta") or {}
    return record["id"], record.get("text"), meta.get("title"), meta.get("n"), record["url"]


@pytest.fixture(scope="module")
def expected(cli: subprocess.Popen, jsonl: Path) -> list[tuple[Any, ...]]:
    stdout, stderr = cli.communicate(timeout=300)
    assert cli.returncode == 0, stderr.decode()
    expected = sorted(_key(json.loads(line)) for line in stdout.decode().splitlines())
    source = sorted(_key(json.loads(line)) for line in jsonl.read_text(encoding="utf-8").splitlines())
    assert len(expected) == len(source) == RECORDS
    changed = sum(a != b for a, b in zip(expected, source, strict=True))
    assert changed > RECORDS // 2  # the fixture gives every stage work to do
    return expected


@needs_ray
def test_map_batches_equals_the_cli(cluster: None, jsonl: Path, expected: list[tuple[Any, ...]]) -> None:
    ds = ray.data.read_json(str(jsonl)).repartition(8)
    ds = ds.map_batches(
        NormalizeBatch,
        fn_constructor_kwargs={"columns": ["text", "meta.title"], "to": "hans"},
        compute=ray.data.ActorPoolStrategy(size=2),
        num_cpus=0.5,
        batch_size=256,
    )
    assert sorted(_key(row) for row in ds.take_all()) == expected


@needs_ray
def test_normalize_dataset_pandas_equals_the_cli(
    cluster: None, jsonl: Path, expected: list[tuple[Any, ...]]
) -> None:
    ds = ray.data.read_json(str(jsonl))
    with pytest.raises(ValueError):  # bad settings fail on the driver, before any actor starts
        normalize_dataset(ds, ["text"], to="klingon")
    ds = normalize_dataset(
        ds, ["text", "meta.title"], workers=2, num_cpus=0.5, batch_format="pandas", normalizer=Normalizer()
    )
    assert sorted(_key(row) for row in ds.take_all()) == expected
