"""The command as pipelines run it: start-up, --jobs scaling, JSONL throughput, peak memory.

Run by ``make bench`` after ``bench.py``. Every figure comes from real
``zhnorm`` subprocesses over real files made from the shared corpus (or,
without ``../shared``, from generated text):

* start-up: ``echo 中文 | zhnorm --to hant`` against ``python -c pass``
  (median of fresh runs, the difference in ms), with the bytecode cached as an
  installed package has it (in a temporary ``PYTHONPYCACHEPREFIX``), and as
  the environment runs it (with ``PYTHONDONTWRITEBYTECODE`` and no cache,
  every module is compiled from source each time);
* ``--jobs 2`` against ``--jobs 1`` on the same text file (median of ratios);
* JSON Lines: records of about 200 bytes, ``--jsonl --field text``, MB/s;
* peak RSS of the whole process tree on a large text file and a large JSONL file.

Sizes are flags so a quick run stays quick: ``--quick`` uses small files.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "bench" / "corpus_unique_lines.txt"
ZHNORM = [sys.executable, "-m", "zhnorm"]


def corpus_lines() -> list[str]:
    if CORPUS.exists():
        return [line for line in CORPUS.read_text(encoding="utf-8").split("\n") if line.strip()]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench import make_text

    text, _ = make_text(2.0)
    return [line for line in text.split("\n") if line.strip()]


def write_text_file(path: Path, lines: list[str], megabytes: float) -> int:
    target = int(megabytes * 1_000_000)
    block = ("\n".join(lines) + "\n").encode("utf-8")
    written = 0
    with path.open("wb") as out:
        while written < target:
            cut = block.rfind(b"\n", 0, target - written) + 1
            if cut == 0:
                break
            out.write(block[:cut])
            written += cut
    return written


def write_jsonl_file(path: Path, lines: list[str], records: int) -> int:
    """``records`` JSON Lines of about 200 bytes: corpus text cut into ~50-character pieces."""
    stream = "".join(lines)
    with path.open("w", encoding="utf-8") as out:
        pos = 0
        for i in range(records):
            if pos + 50 > len(stream):
                pos = 0
            text = stream[pos : pos + 50]
            pos += 50
            row = json.dumps({"id": i, "text": text, "lang": "zh", "score": 0.5}, ensure_ascii=False)
            out.write(row + "\n")
    return path.stat().st_size


def timed(
    args: list[str],
    stdin_path: Path | None = None,
    stdin_bytes: bytes | None = None,
    env: dict[str, str] | None = None,
) -> float:
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "env": env}
    started = time.perf_counter()
    if stdin_path is not None:
        with stdin_path.open("rb") as source:
            done = subprocess.run(args, stdin=source, **quiet)
    else:
        done = subprocess.run(args, input=stdin_bytes, **quiet)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


def peak_rss_mb(args: list[str]) -> float:
    """Peak RSS (MB) of ``args`` and its workers, measured in a fresh wrapper process."""
    probe = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, check=True)
    return int(done.stdout) / 1024


def startup(repeats: int, tmpdir: Path) -> None:
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(tmpdir / "pycache")
    envs = {"bytecode cached": cached}
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        envs["PYTHONDONTWRITEBYTECODE set"] = dict(os.environ)
    line = "中文\n".encode()
    for env in envs.values():  # warm the automaton cache (and the bytecode cache)
        timed([sys.executable, "-c", "pass"], env=env)
        timed([*ZHNORM, "--to", "hant"], stdin_bytes=line, env=env)
    for label, env in envs.items():
        base, ours = [], []
        for _ in range(repeats):  # interleaved: load changes hit both alike
            base.append(timed([sys.executable, "-c", "pass"], env=env))
            ours.append(timed([*ZHNORM, "--to", "hant"], stdin_bytes=line, env=env))
        print(
            f"start-up ({label}): python -c pass {statistics.median(base) * 1000:.0f} ms, "
            f"echo 中文 | zhnorm --to hant {statistics.median(ours) * 1000:.0f} ms, "
            f"difference {(statistics.median(ours) - statistics.median(base)) * 1000:.0f} ms (target <= 150)"
        )


def jobs_scaling(path: Path, size: int, rounds: int) -> None:
    ratios, one, two = [], [], []
    for _ in range(rounds):
        t1 = timed([*ZHNORM, "--to", "hans", "-j", "1", str(path)])
        t2 = timed([*ZHNORM, "--to", "hans", "-j", "2", str(path)])
        one.append(size / t1 / 1e6)
        two.append(size / t2 / 1e6)
        ratios.append(t1 / t2)
    print(
        f"--jobs on {size / 1e6:.0f} MB text: -j1 {statistics.median(one):.1f} MB/s, "
        f"-j2 {statistics.median(two):.1f} MB/s, "
        f"median ratio {statistics.median(ratios):.2f}x (target >= 1.7)"
    )


def jsonl_speed(path: Path, size: int, records: int, rounds: int) -> None:
    speeds = [
        size / timed([*ZHNORM, "--to", "hans", "--jsonl", "--field", "text", str(path)]) / 1e6
        for _ in range(rounds)
    ]
    print(
        f"JSONL {records:,} records ({size / records:.0f} B each): "
        f"{statistics.median(speeds):.1f} MB/s single process (target >= 10)"
    )


def memory(text_path: Path, jsonl_path: Path) -> None:
    text_rss = peak_rss_mb([*ZHNORM, "--to", "hans", "-q", "-o", "/dev/null", str(text_path)])
    jsonl_rss = peak_rss_mb(
        [*ZHNORM, "--to", "hans", "-q", "--jsonl", "--field", "text", "-o", "/dev/null", str(jsonl_path)]
    )
    print(
        f"peak RSS: text {text_path.stat().st_size / 1e6:.0f} MB -> {text_rss:.0f} MB, "
        f"JSONL {jsonl_path.stat().st_size / 1e6:.0f} MB -> {jsonl_rss:.0f} MB (target < 200)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs-mb", type=float, default=200, help="text size for --jobs scaling (MB)")
    parser.add_argument("--records", type=int, default=1_000_000, help="JSONL records")
    parser.add_argument("--memory-mb", type=float, default=1000, help="input size for peak RSS (MB)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip", default="", help="comma-separated: startup,jobs,jsonl,memory")
    parser.add_argument("--quick", action="store_true", help="small files, one round")
    args = parser.parse_args()
    if args.quick:
        args.jobs_mb, args.records, args.memory_mb, args.rounds = 20, 50_000, 50, 1
    skip = set(filter(None, args.skip.split(",")))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    lines = corpus_lines()
    print(f"zhnorm CLI benchmark; text from {CORPUS if CORPUS.exists() else 'generated text'}")
    with tempfile.TemporaryDirectory(prefix="zhnorm-bench-") as tmp:
        tmpdir = Path(tmp)
        if "startup" not in skip:
            startup(repeats=max(11, args.rounds * 5), tmpdir=tmpdir)
        text_path = tmpdir / "text.txt"
        if "jobs" not in skip:
            size = write_text_file(text_path, lines, args.jobs_mb)
            jobs_scaling(text_path, size, args.rounds)
        jsonl_path = tmpdir / "records.jsonl"
        if "jsonl" not in skip or "memory" not in skip:
            jsonl_size = write_jsonl_file(jsonl_path, lines, args.records)
        if "jsonl" not in skip:
            jsonl_speed(jsonl_path, jsonl_size, args.records, args.rounds)
        if "memory" not in skip:
            big_text = tmpdir / "big.txt"
            write_text_file(big_text, lines, args.memory_mb)
            big_jsonl = tmpdir / "big.jsonl"
            write_jsonl_file(big_jsonl, lines, int(args.records * args.memory_mb * 1e6 / max(1, jsonl_size)))
            memory(big_text, big_jsonl)


if __name__ == "__main__":
    main()
