"""Score the ``glosses`` and ``punct`` stages on the shared data sets.

    .venv/bin/python benchmarks/score_artefacts.py [--sample 50] [--seed 7] [--mb 20]

1. ``../shared/data/mojibake_eval.jsonl``: kind ``pinyin_gloss`` through the
   ``glosses`` stage (exact match with ``expected``, or a member of ``alt``),
   and kind ``negative`` through each stage (how many come out changed, and
   which, with the kinds of change ``punct`` made).
2. ``../shared/bench/corpus_unique_lines.txt``: how many lines ``punct``
   changes, by kind of change, and a seeded random sample of changed lines to
   read by eye.
3. Throughput of both stages together, in MB of UTF-8 per second, on the
   corpus repeated to ``--mb`` MB ("raw") and on the same text after the two
   stages ("clean": text with nothing left to do).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import time
from pathlib import Path

from zhnorm import glosses, punct
from zhnorm.pipeline import Normalizer

SHARED = Path(__file__).resolve().parents[2] / "shared"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def score_eval(config: Normalizer) -> None:
    path = SHARED / "data" / "mojibake_eval.jsonl"
    if not path.exists():
        print(f"skip: {path} not found")
        return
    rows = _rows(path)
    cases = [r for r in rows if r["kind"] == "pinyin_gloss"]
    ok = sum(glosses.apply(r["input"], config) in (r["expected"], *r.get("alt", ())) for r in cases)
    print(f"pinyin_gloss (glosses stage): {ok}/{len(cases)} exact ({100 * ok / len(cases):.1f}%)")

    negatives = [r for r in rows if r["kind"] == "negative"]
    legit = [r for r in negatives if "gloss_negative" in r["tags"]]
    for name, module, cfg in (
        ("glosses", glosses, config),
        ("punct (default)", punct, config),
        ("punct fold_width=False", punct, config.replace(fold_width=False)),
        ("punct punct=keep", punct, config.replace(punct="keep")),
    ):
        changed = [r for r in negatives if module.apply(r["input"], cfg) != r["input"]]
        legit_changed = [r for r in legit if module.apply(r["input"], cfg) != r["input"]]
        print(
            f"negative, {name}: {len(changed)}/{len(negatives)} changed; "
            f"legitimate parentheses: {len(legit_changed)}/{len(legit)} changed"
        )
        if module is punct:
            for r in changed:
                _, changes = punct.explain(r["input"], cfg)
                kinds = ",".join(sorted({c.kind for c in changes}))
                print(f"    {r['id']} [{kinds}] {r['input'][:70]}")


def score_corpus(config: Normalizer, sample: int, seed: int) -> str | None:
    path = SHARED / "bench" / "corpus_unique_lines.txt"
    if not path.exists():
        print(f"skip: {path} not found")
        return None
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    changed: list[tuple[str, str]] = []
    kinds: collections.Counter[str] = collections.Counter()
    for line in lines:
        out, changes = punct.explain(line, config)
        if changes:
            changed.append((line, out))
            kinds.update(c.kind for c in changes)
    gloss_lines = sum(glosses.apply(line, config) != line for line in lines)
    print(f"corpus: {len(lines)} lines; punct changes {len(changed)} "
          f"({100 * len(changed) / len(lines):.2f}%); changes by kind: {dict(kinds)}")
    print(f"corpus: glosses changes {gloss_lines} lines")
    whole = punct.apply(text, config)
    print(f"corpus as one text gives the same lines as line by line: "
          f"{whole.split(chr(10)) == [punct.apply(line, config) for line in lines]}")
    rng = random.Random(seed)
    for before, after in rng.sample(changed, min(sample, len(changed))):
        print(f"  - {before}\n  + {after}")
    return text


def throughput(config: Normalizer, text: str, mb: float) -> None:
    size = len(text.encode("utf-8"))
    big = text * max(1, round(mb * 1e6 / size))
    clean = punct.apply(glosses.apply(big, config), config)
    for name, sample in (("raw", big), ("clean", clean)):
        nbytes = len(sample.encode("utf-8"))
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            punct.apply(glosses.apply(sample, config), config)
            best = min(best, time.perf_counter() - start)
        print(f"throughput glosses+punct, {name}: {nbytes / 1e6:.1f} MB in {best:.3f} s "
              f"= {nbytes / 1e6 / best:.1f} MB/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=50, help="changed corpus lines to print")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mb", type=float, default=20.0, help="size of the throughput text")
    args = parser.parse_args(argv)
    config = Normalizer(only=("glosses", "punct"))
    score_eval(config)
    text = score_corpus(config, args.sample, args.seed)
    if text is not None:
        throughput(config, text, args.mb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
