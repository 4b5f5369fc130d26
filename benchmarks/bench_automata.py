"""pyahocorasick against ahocorasick-rs on the convert engine's real job.

For the multi-character keys of a few configs' first conversion it measures
build time, pickle load time and the leftmost-longest scan of the same text
(pyahocorasick ``iter_long`` over UTF-8 read as Latin-1; ahocorasick-rs
``BytesAhoCorasick`` over UTF-8, its default automaton and a DFA), checks that
they find the same matches, and prints the figures. These are the numbers
behind the engine's choice: pyahocorasick for small texts (picklable, so a
cached automaton loads in milliseconds), ahocorasick-rs for large ones.

    python benchmarks/bench_automata.py [--size MB] [--configs t2s,s2t]
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _best(fn, repeats: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> None:
    import ahocorasick
    import ahocorasick_rs

    from bench import make_text
    from zhnorm.convert.config import load_config

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=float, default=20.0, help="MB of text (default 20)")
    parser.add_argument("--configs", default="t2s,s2t,tw2sp")
    args = parser.parse_args(argv)
    text, source = make_text(args.size)
    raw = text.encode("utf-8")
    latin = raw.decode("latin-1")
    megabytes = len(raw) / 1e6
    print(f"text: {megabytes:.1f} MB, {source}")
    for name in args.configs.split(","):
        keys = [k for k in load_config(name).chain[0] if len(k) > 1]
        print(f"\n{name}: {len(keys):,} multi-character keys of its first conversion")

        def build_py(keys=keys):
            automaton = ahocorasick.Automaton()
            for key in keys:
                latin_key = key.encode("utf-8").decode("latin-1")
                automaton.add_word(latin_key, len(latin_key))
            automaton.make_automaton()
            return automaton

        build, automaton = _best(build_py, 1)
        blob = pickle.dumps(automaton, protocol=pickle.HIGHEST_PROTOCOL)
        load, _ = _best(lambda blob=blob: pickle.loads(blob))
        scan, found = _best(lambda a=automaton: [(end + 1 - n, end + 1) for end, n in a.iter_long(latin)])
        print(
            f"  pyahocorasick (Latin-1)   build {build * 1000:6.0f} ms  pickle load {load * 1000:5.1f} ms"
            f"  scan {megabytes / scan:6.1f} MB/s  {len(found):,} matches"
        )
        for label, implementation in (("default", None), ("DFA", ahocorasick_rs.Implementation.DFA)):
            patterns = [k.encode("utf-8") for k in keys]
            build, matcher = _best(
                lambda patterns=patterns, implementation=implementation: ahocorasick_rs.BytesAhoCorasick(
                    patterns,
                    matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                    implementation=implementation,
                ),
                1,
            )
            scan, rs_found = _best(lambda m=matcher: m.find_matches_as_indexes(raw))
            same = [(s, e) for _, s, e in rs_found] == found
            print(
                f"  ahocorasick-rs {label:10s} build {build * 1000:6.0f} ms  (not picklable)     "
                f"  scan {megabytes / scan:6.1f} MB/s  same matches: {same}"
            )


if __name__ == "__main__":
    main()
