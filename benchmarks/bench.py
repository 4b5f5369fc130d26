"""Throughput and start-up of zhnorm's convert engine against the official OpenCC.

Run by ``make bench``. On the same text (the shared corpus repeated to
``--size`` MB when ``../shared`` is there, otherwise text generated from
OpenCC's dictionaries) it measures, interleaving the contenders round by
round so that a busy machine slows them alike:

* the convert engine (``zhnorm.convert.engine.converter(name).convert``)
  against ``opencc.OpenCC(name).convert`` for a few configs;
* the whole pipeline (``zhnorm.Normalizer(to="hans").normalize``) against the
  official ``opencc`` t2s alone and against ``ftfy.fix_text`` + ``opencc``
  (what users assemble by hand);
* one call per line of the corpus (how JSONL fields are converted) and
  ``convert_batch`` of 1,000 lines, against one official call per line;
* start-up: a fresh interpreter importing the library and converting a short
  string, zhnorm with a cold and a warm automaton cache, against official.

It prints MB/s (median over rounds) and the median of the per-round speed
ratios. ``--quick`` is a fast smoke run (2 MB, 2 rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "bench" / "corpus_unique_lines.txt"
sys.path.insert(0, str(ROOT / "src"))


def make_text(size_mb: float, seed: int = 1) -> tuple[str, str]:
    """About ``size_mb`` MB of UTF-8 text and a note on where it came from."""
    target = int(size_mb * 1_000_000)
    if CORPUS.exists():
        base = CORPUS.read_text(encoding="utf-8")
        source = f"{CORPUS.name} repeated"
    else:
        from zhnorm.convert.config import load_config

        rng = random.Random(seed)
        words: list[str] = []
        for name in ("s2t", "t2s", "tw2sp"):
            spec = load_config(name)
            for flat in spec.chain:
                words.extend(flat)
                words.extend(flat.values())
        words.sort()
        punct = ["，", "。", "、", "！", "？", " ", "\n", "abc", "2024"]
        pieces = [rng.choice(words) if rng.random() < 0.85 else rng.choice(punct) for _ in range(200_000)]
        base = "".join(pieces) + "\n"
        source = "generated from OpenCC's dictionaries (no ../shared corpus)"
    encoded = len(base.encode("utf-8"))
    text = base * max(1, -(-target // encoded))
    # Cut at a line end near the target size.
    cut = len(text)
    if encoded * (len(text) // len(base)) > target:
        approx = int(len(text) * target / len(text.encode("utf-8")))
        newline = text.rfind("\n", 0, approx)
        cut = newline + 1 if newline > 0 else approx
    return text[:cut], source


def measure(contenders: dict[str, Callable[[str], str]], text: str, rounds: int) -> dict[str, list[float]]:
    """Seconds per run for each contender, interleaved, alternating the order each round."""
    names = list(contenders)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            start = time.perf_counter()
            contenders[name](text)
            times[name].append(time.perf_counter() - start)
    return times


def report(title: str, times: dict[str, list[float]], megabytes: float, baseline: str) -> dict:
    print(f"\n{title}")
    rows = {}
    for name, runs in times.items():
        speeds = [megabytes / t for t in runs]
        ratios = [b / t for t, b in zip(runs, times[baseline], strict=True)]
        rows[name] = {
            "mb_s_median": statistics.median(speeds),
            "mb_s_runs": [round(s, 2) for s in speeds],
            "ratio_vs_" + baseline: statistics.median(ratios),
        }
        ratio = "" if name == baseline else f"  x{statistics.median(ratios):.2f} vs {baseline}"
        print(f"  {name:28s} {statistics.median(speeds):8.1f} MB/s{ratio}")
    return rows


def bench_convert(text: str, configs: list[str], rounds: int, megabytes: float) -> dict:
    import opencc

    from zhnorm.convert.engine import converter

    results = {}
    for name in configs:
        ours = converter(name)
        official = opencc.OpenCC(name)
        # Warm-up (builds the large-text automaton) and an exactness check.
        same = ours.convert(text) == official.convert(text)
        times = measure({f"zhnorm {name}": ours.convert, f"opencc {name}": official.convert}, text, rounds)
        rows = report(
            f"convert {name} (output identical to opencc: {same})", times, megabytes, f"opencc {name}"
        )
        results[name] = {"identical": same, **rows}
    return results


def bench_lines(text: str, configs: list[str], rounds: int) -> dict:
    """One call per line (how a JSONL field is converted) and ``convert_batch`` of 1,000 lines."""
    import opencc

    from zhnorm.convert.engine import converter

    lines = text.splitlines()[:100_000]
    megabytes = sum(len(line.encode("utf-8")) for line in lines) / 1e6
    batches = [lines[i : i + 1000] for i in range(0, len(lines), 1000)]
    results = {}
    for name in configs:
        ours, official = converter(name), opencc.OpenCC(name)
        same = [x for b in batches for x in ours.convert_batch(b)] == [official.convert(x) for x in lines]
        times = measure(
            {
                f"zhnorm {name} per line": lambda _, c=ours: [c.convert(x) for x in lines],
                f"zhnorm {name} convert_batch": lambda _, c=ours: [c.convert_batch(b) for b in batches],
                f"opencc {name} per line": lambda _, c=official: [c.convert(x) for x in lines],
            },
            text,
            rounds,
        )
        title = f"{len(lines):,} lines one by one, {name} (identical to opencc: {same})"
        results[name] = report(title, times, megabytes, f"opencc {name} per line")
    return results


def bench_pipeline(text: str, rounds: int, megabytes: float) -> dict:
    import ftfy
    import opencc

    import zhnorm

    normalizer = zhnorm.Normalizer(to="hans")
    t2s = opencc.OpenCC("t2s")

    def ftfy_opencc(s: str) -> str:
        return t2s.convert(ftfy.fix_text(s))

    contenders = {
        "zhnorm Normalizer(to=hans)": normalizer.normalize,
        # One round of the stages, without settling (what idempotence costs: see pipeline.py).
        "zhnorm, one round": lambda s: normalizer._normalize(s, 1),
        "opencc t2s": t2s.convert,
        "ftfy.fix_text + opencc t2s": ftfy_opencc,
    }
    for fn in contenders.values():
        fn(text[:100_000])  # warm-up
    times = measure(contenders, text, rounds)
    rows = report(f"whole pipeline, stages {', '.join(normalizer.stages)}", times, megabytes, "opencc t2s")
    ftfy_ratio = statistics.median(
        f / z
        for z, f in zip(times["zhnorm Normalizer(to=hans)"], times["ftfy.fix_text + opencc t2s"], strict=True)
    )
    print(f"  zhnorm vs ftfy + opencc: x{ftfy_ratio:.2f}")
    settled, one = times["zhnorm Normalizer(to=hans)"], times["zhnorm, one round"]
    settling = statistics.median(z / o for z, o in zip(settled, one, strict=True))
    print(f"  settling costs: x{settling:.2f} time")
    return {
        "stages": list(normalizer.stages), "ratio_vs_ftfy_opencc": ftfy_ratio, "settling": settling, **rows
    }


_CHILD = r"""
import sys, time
start = time.perf_counter()
if sys.argv[1] == "zhnorm":
    import zhnorm
    from zhnorm.convert.engine import converter
    out = converter(sys.argv[2]).convert("头发和计算机，鼠标。")
else:
    import opencc
    out = opencc.OpenCC(sys.argv[2]).convert("头发和计算机，鼠标。")
print(time.perf_counter() - start)
"""


def bench_startup(configs: list[str], repeats: int) -> dict:
    results: dict[str, dict[str, float]] = {}
    print("\nstart-up: fresh interpreter, import + first convert of a short string (median ms)")
    for name in configs:
        row: dict[str, list[float]] = {"zhnorm cold cache": [], "zhnorm warm cache": [], "opencc": []}
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as cache:
                env = {**os.environ, "ZHNORM_CACHE_DIR": cache}
                for label in ("zhnorm cold cache", "zhnorm warm cache"):
                    row[label].append(_child("zhnorm", name, env))
            row["opencc"].append(_child("opencc", name, dict(os.environ)))
        medians = {label: 1000 * statistics.median(v) for label, v in row.items()}
        results[name] = medians
        print(
            f"  {name:6s} zhnorm cold {medians['zhnorm cold cache']:7.1f}   "
            f"warm {medians['zhnorm warm cache']:7.1f}   opencc {medians['opencc']:7.1f}"
        )
    return results


def _child(lib: str, name: str, env: dict[str, str]) -> float:
    env = {**env, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, lib, name], env=env, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=float, default=20.0, help="MB of text (default 20)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--configs", default="t2s,s2t,s2tw,tw2sp", help="comma-separated OpenCC configs")
    parser.add_argument("--pipeline-rounds", type=int, default=3, help="rounds for the whole pipeline")
    parser.add_argument("--startup-repeats", type=int, default=5, help="fresh interpreters per case")
    parser.add_argument(
        "--skip", default="", help="comma-separated parts to skip: convert,lines,pipeline,startup"
    )
    parser.add_argument("--quick", action="store_true", help="2 MB, 2 rounds, 2 start-ups")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.rounds, args.pipeline_rounds, args.startup_repeats = 2.0, 2, 1, 2
    skip = set(filter(None, args.skip.split(",")))
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]

    text, source = make_text(args.size)
    megabytes = len(text.encode("utf-8")) / 1e6
    print(f"text: {megabytes:.1f} MB, {len(text):,} characters, {source}; python {sys.version.split()[0]}")
    results: dict = {"megabytes": megabytes, "source": source}
    if "convert" not in skip:
        results["convert"] = bench_convert(text, configs, args.rounds, megabytes)
    if "lines" not in skip:
        results["lines"] = bench_lines(text, configs[:2], max(1, args.rounds // 2))
    if "pipeline" not in skip:
        results["pipeline"] = bench_pipeline(text, args.pipeline_rounds, megabytes)
    if "startup" not in skip:
        results["startup"] = bench_startup(configs[:2], args.startup_repeats)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
