"""Score the ``repair`` stage on the shared mojibake sets, and time it.

Usage::

    .venv/bin/python benchmarks/score_mojibake.py [dev|eval|both] [--no-speed] [--runs N]

Prints, per corruption kind: cases, exact repairs (output equals
``expected`` or one of ``alt``), and for ``negative`` the number changed; for
``lossy`` the mean character-error gain against the original, where
``gain = (d(input, original) - d(output, original)) / d(input, original)``
and ``d`` is the Levenshtein distance in characters. ``pinyin_gloss`` cases
belong to the ``glosses`` stage and are listed but not counted in the
repair total. Then throughput of ``repair`` alone on clean Chinese text
(``../shared/bench/corpus_unique_lines.txt``) and on mojibake-heavy text
(the non-negative inputs of the set, repeated): the best and the median of
``--runs`` runs (3 unless given; the machine is shared, so quote medians of 5
or more when comparing).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from zhnorm.pipeline import Normalizer
from zhnorm.repair import apply, explain

SHARED = Path(__file__).resolve().parents[2] / "shared"
NOT_REPAIR = {"negative", "lossy", "pinyin_gloss"}


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def score(name: str, config: Normalizer, verbose: bool = False) -> None:
    path = SHARED / "data" / f"mojibake_{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
    stats: dict[str, list[float]] = defaultdict(list)
    gains: list[float] = []
    lossy_counted: list[int] = []
    for r in rows:
        out = apply(r["input"], config)
        ok = out == r["expected"] or out in (r.get("alt") or [])
        kind = r["kind"]
        if kind == "negative":
            stats[kind].append(out != r["input"])
        else:
            stats[kind].append(ok)
        if kind == "lossy":
            orig = r["original"]
            d_in = levenshtein(r["input"], orig)
            d_out = levenshtein(out, orig)
            gains.append((d_in - d_out) / d_in if d_in else 0.0)
            _, changes = explain(r["input"], config)
            lossy_counted.append(sum(1 for c in changes if c.kind == "lossy"))
        if verbose and not ok and kind not in ("pinyin_gloss",):
            print(f"  {r['id']} {kind}: {r['input'][:60]!r}\n    got {out[:60]!r}\n"
                  f"    exp {r['expected'][:60]!r}")
    print(f"\n== mojibake_{name}.jsonl ({len(rows)} cases)")
    print(f"{'kind':16} {'n':>4} {'exact %':>8}")
    total = passed = 0
    for kind in sorted(stats):
        vals = stats[kind]
        if kind == "negative":
            print(f"{kind:16} {len(vals):4} {'':>8}  changed: {int(sum(vals))}")
            continue
        pct = 100 * sum(vals) / len(vals)
        note = "" if kind not in NOT_REPAIR else "  (not counted)"
        if kind == "lossy":
            note += f"  mean CER gain {sum(gains) / len(gains):.3f}"
        print(f"{kind:16} {len(vals):4} {pct:8.1f}{note}")
        if kind not in NOT_REPAIR:
            total += len(vals)
            passed += sum(vals)
    print(f"{'non-lossy repair':16} {total:4} {100 * passed / total:8.1f}")


def _time(text: str, config: Normalizer, runs: int = 3) -> tuple[float, float, float]:
    """Best wall-clock, best CPU and median wall-clock seconds of ``runs`` runs."""
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        apply(text, config)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), statistics.median(walls)


def speed(config: Normalizer, runs: int = 3) -> None:
    corpus = SHARED / "bench" / "corpus_unique_lines.txt"
    clean = corpus.read_text(encoding="utf-8")
    clean = clean * max(1, 20_000_000 // len(clean.encode("utf-8")))
    out = apply(clean, config)
    changed = sum(1 for a, b in zip(out.split("\n"), clean.split("\n"), strict=True) if a != b)
    mb = len(clean.encode("utf-8")) / 1e6
    wall, cpu, median = _time(clean, config, runs)
    print(f"\nclean text:     {mb:6.1f} MB: {mb / wall:7.1f} MB/s wall, {mb / cpu:7.1f} MB/s CPU "
          f"(best of {runs}; median {mb / median:.1f} MB/s wall; lines changed: {changed})")
    path = SHARED / "data" / "mojibake_dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
    heavy = "\n".join(r["input"] for r in rows if r["kind"] not in ("negative", "pinyin_gloss"))
    heavy = "\n".join([heavy] * 10)
    mb = len(heavy.encode("utf-8")) / 1e6
    wall, cpu, median = _time(heavy, config, runs)
    print(f"mojibake-heavy: {mb:6.1f} MB: {mb / wall:7.1f} MB/s wall, {mb / cpu:7.1f} MB/s CPU "
          f"(best of {runs}; median {mb / median:.1f} MB/s wall; every non-negative dev input, 10 times)")


def main(argv: list[str]) -> int:
    runs = 3
    if "--runs" in argv:
        at = argv.index("--runs")
        runs = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    which = [a for a in argv if not a.startswith("-")] or ["both"]
    sets = ["dev", "eval"] if which[0] == "both" else [which[0]]
    config = Normalizer(only=("repair",))
    for name in sets:
        score(name, config, verbose="-v" in argv)
    if "--no-speed" not in argv:
        speed(config, runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
