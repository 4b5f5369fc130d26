"""The Chinese plausibility model: a cost (in half bits) for a string.

Lower is more plausible. Han characters cost their −log2 frequency from the
tables in ``data/`` (built from jieba's dictionary by
``scripts/build_repair_data.py``), with a bonus for known bigrams; other
characters cost by class: cheap for ASCII and Chinese punctuation, dearer
for accented Latin or Greek letters that start a word, dear for Latin-1
symbols, box drawing and rare kana, and prohibitive for C1 controls,
private-use characters and U+FFFD, which correct text does not contain.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from itertools import pairwise, repeat

from zhnorm.codepoints import char_class_regex

# Character classes. Letters of one script next to each other are cheap;
# a change between two letter scripts costs TRANSITION.
HAN, LATIN, GREEK, CYRILLIC, KANA, HANGUL, NEUTRAL, SYMBOL, BAD, SOUP = range(10)
_LETTER_CLASSES = frozenset({HAN, LATIN, GREEK, CYRILLIC, KANA, HANGUL})

TRANSITION = 8
#: Cost of a Han character missing from the table (rarer than anything in it).
UNSEEN_HAN = 52
BACKOFF = 3
BAD_COST = 80

#: Latin letters that pinyin uses: cheap-ish even next to Han characters.
_PINYIN = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê")
# Characters latin-1 and windows-1252 decoding produces from high bytes.
_SOUP = frozenset(
    [chr(c) for c in range(0x80, 0x100)]
    + [bytes([b]).decode("cp1252", "ignore") for b in range(0x80, 0xA0)]
) - {""}
#: The cost of a soup character after an ASCII letter (café), after another
#: soup character (ÖÐÎÄ), and elsewhere.
SOUP_AFTER_LETTER, SOUP_AFTER_SOUP, SOUP_ELSEWHERE = 14, 32, 28

#: Chinese punctuation that correct text uses all the time.
_CJK_PUNCT = frozenset(
    "“”‘’，。！？：；（）「」『』《》〈〉【】〔〕—…、·～\u3000﹐﹑﹔﹕﹖﹗"
)


def _lines(name: str) -> list[tuple[int, str]]:
    """``(cost, characters)`` for each line of a table in ``data/``."""
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return [(int(cost), items) for cost, items in (line.split("\t", 1) for line in text.splitlines())]


def _opencc_only(name: str) -> frozenset[str]:
    """Characters that only one script uses: keys of an OpenCC character
    table that do not map to themselves."""
    from zhnorm.convert.dicts import load_all

    return frozenset(key for key, values in load_all(name).items() if key not in values)


#: Simplified-only and Traditional-only characters (OpenCC's tables).
SIMPLIFIED_ONLY = _opencc_only("STCharacters.txt")
TRADITIONAL_ONLY = _opencc_only("TSCharacters.txt")

UNIGRAM: dict[str, int] = {ch: cost for cost, chars in _lines("unigram.txt") for ch in chars}


def _bigrams() -> dict[tuple[str, str], int]:
    """The bigram table by pair of characters. The characters are :data:`UNIGRAM`'s
    own key objects and the pairs are shared with the bigram bonus table: the hot
    lookups touch far fewer distinct objects than strings made per pair, and the
    120,000 pairs take ~14 MB less than a table keyed by two-character strings."""
    canon = {c: c for c in UNIGRAM}
    table: dict[tuple[str, str], int] = {}
    for cost, chars in _lines("bigram.txt"):
        for i in range(0, len(chars), 2):
            a, b = chars[i], chars[i + 1]
            table[(canon.get(a, a), canon.get(b, b))] = cost
    return table


BIGRAM = _bigrams()


def info(ch: str) -> tuple[int, int, int]:
    """``(class, cost at the start of a run, cost after a letter of its class)``."""
    return _INFO[ch]


def _info(ch: str) -> tuple[int, int, int]:
    o = ord(ch)
    if o < 0x80:
        if ch.isalpha():
            return LATIN, 6, 5
        if ch.isdigit():
            return NEUTRAL, 6, 6
        if ch in "\t\n\r ":
            return NEUTRAL, 4, 4
        if o < 0x20 or o == 0x7F:
            return BAD, 40, 40
        return NEUTRAL, 8, 8
    if ch in _SOUP and ch not in _CJK_PUNCT:
        if ch in _PINYIN:
            return SOUP, 20, 20
        return SOUP, SOUP_ELSEWHERE, SOUP_AFTER_SOUP
    cost = UNIGRAM.get(ch)
    if cost is not None and ch not in _CJK_PUNCT:
        return HAN, cost, cost
    if ch in _CJK_PUNCT:
        return NEUTRAL, 10, 10
    if 0xFF01 <= o <= 0xFF5E:  # full-width ASCII
        return NEUTRAL, 12, 12
    cat = unicodedata.category(ch)
    if cat in ("Co", "Cc", "Cs", "Cn") or o == 0xFFFD:
        return BAD, BAD_COST, BAD_COST
    if o == 0xAD:  # soft hyphen: invisible, a cp1252 leftover in Chinese text
        return BAD, 50, 50
    if 0x3400 <= o <= 0x9FFF or 0x20000 <= o <= 0x3FFFF or 0xF900 <= o <= 0xFAFF:
        return HAN, UNSEEN_HAN, UNSEEN_HAN
    name = unicodedata.name(ch, "")
    if cat.startswith("L"):
        if name.startswith("LATIN"):
            if ch in _PINYIN:
                return LATIN, 20, 16
            return LATIN, 34, 30
        if name.startswith("GREEK"):
            basic = 0x391 <= o <= 0x3C9
            return GREEK, (24 if basic else 40), (12 if basic else 40)
        if name.startswith("CYRILLIC"):
            basic = 0x410 <= o <= 0x44F or o in (0x401, 0x451)
            return CYRILLIC, (24 if basic else 40), (12 if basic else 40)
        if name.startswith(("HIRAGANA", "KATAKANA")):
            small = "SMALL" in name or "HALFWIDTH" in name
            return KANA, (30 if small else 20), (30 if small else 10)
        if name.startswith("HANGUL"):
            return HANGUL, 20, 12
        if name.startswith("BOPOMOFO"):
            return SYMBOL, 34, 34
        return SYMBOL, 30, 30
    if 0x2000 <= o <= 0x2BFF or 0x3200 <= o <= 0x33FF:  # arrows, maths, shapes, ①
        # Cheap where Chinese text has them: those its legacy code pages hold.
        if _in_chinese_code_pages(ch):
            return SYMBOL, 16, 16
        return SYMBOL, 34, 34
    if cat.startswith("P") or cat == "Zs":
        return SYMBOL, 26, 26
    if cat == "So" and o >= 0x1F000:  # emoji
        return SYMBOL, 20, 20
    return SYMBOL, 30, 30


def _in_chinese_code_pages(ch: str) -> bool:
    """Whether GBK or Big5 can encode ``ch`` (★ ① ※ can; ⚸ cannot)."""
    for codec in ("gbk", "big5"):
        try:
            ch.encode(codec)
        except UnicodeEncodeError:
            continue
        return True
    return False


class _Info(dict):
    """Character -> :func:`info`, memoised (a plain dict lookup once seen)."""

    def __missing__(self, ch: str) -> tuple[int, int, int]:
        value = self[ch] = _info(ch)
        return value


_INFO = _Info()


def char_cost(ch: str, prev: str) -> int:
    """The cost of ``ch`` after ``prev`` ("" at the start)."""
    cls, first, cont = _INFO[ch]
    if not prev:
        return first
    return _after(cls, first, cont, ch, _INFO[prev][0], prev)


def _after(cls: int, first: int, cont: int, ch: str, pcls: int, prev: str) -> int:
    """:func:`char_cost` of ``ch`` (its :func:`info` given) after ``prev`` of class ``pcls``."""
    if cls == SOUP:
        if pcls == SOUP:
            return cont
        if pcls == LATIN and prev < "\x80":
            return SOUP_AFTER_LETTER
        return first
    if cls == HAN:
        if pcls == HAN:
            bi = BIGRAM.get((prev, ch))
            if bi is not None:
                return min(bi, first)
            return first + BACKOFF
        cost = first
    else:
        cost = cont if pcls == cls else first
    if cls != pcls and cls in _LETTER_CLASSES and pcls in _LETTER_CLASSES:
        cost += TRANSITION
    return cost


class _FirstCost(dict):
    def __missing__(self, ch: str) -> int:
        value = self[ch] = _INFO[ch][1]
        return value


_FIRST = _FirstCost()
#: Bigram bonus: how much cheaper the second character is after the first.
_BONUS = {pair: UNIGRAM[pair[1]] - bi for pair, bi in BIGRAM.items() if pair[1] in UNIGRAM}


#: Runs of two or more characters that occur in known bigrams: only pairs
#: inside them can have a bigram bonus (mojibake rarely has any; Chinese text
#: is cut at punctuation, ASCII and rare characters).
_PAIR_RUN = re.compile(char_class_regex({c for pair in _BONUS for c in pair}) + "{2,}")


@lru_cache(maxsize=64)
def fast_cost(text: str) -> int:
    """An approximation of :func:`cost` at C speed: every character at its
    start-of-run cost, less the bonus of known bigrams. Used to judge a whole
    line decoded at once, where the difference is large."""
    total = sum(map(_FIRST.__getitem__, text))
    if len(text) > 1:
        for run in _PAIR_RUN.findall(text):
            total -= sum(map(_BONUS.get, pairwise(run), repeat(0)))
    return total


def cost(text: str, prev: str = "") -> int:
    """The cost of ``text`` after the character ``prev``."""
    if not text:
        return 0
    table = _INFO
    it = iter(text)
    if prev:
        pcls = table[prev][0]
        total = 0
    else:
        prev = next(it)
        pcls, total, _ = table[prev]
    bigram = BIGRAM.get
    letters = _LETTER_CLASSES
    # char_cost, inlined (a call per character is most of the time it takes).
    for ch in it:
        cls, first, cont = table[ch]
        if cls == HAN:
            if pcls == HAN:
                bi = bigram((prev, ch))
                total += first + BACKOFF if bi is None else (bi if bi < first else first)
            elif pcls in letters:
                total += first + TRANSITION
            else:
                total += first
        elif cls == SOUP:
            if pcls == SOUP:
                total += cont
            elif pcls == LATIN and prev < "\x80":
                total += SOUP_AFTER_LETTER
            else:
                total += first
        elif pcls == cls:
            total += cont
        elif cls in letters and pcls in letters:
            total += first + TRANSITION
        else:
            total += first
        prev, pcls = ch, cls
    return total


_CHINESE_RANGES = (
    (0x2010, 0x203B),  # dashes, quotes, ellipsis, ※
    (0x2160, 0x216B),  # Roman numerals
    (0x2190, 0x22FF),  # arrows, maths
    (0x2460, 0x24FF),  # circled numbers
    (0x25A0, 0x26FF),  # shapes, stars
    (0x3000, 0x303F),  # CJK punctuation
    (0xFE50, 0xFE6F),  # small forms (﹐﹖﹗ in Big5 text)
    (0xFF00, 0xFF60),  # full-width forms
    (0xFFE0, 0xFFEF),
)


@lru_cache(maxsize=65536)
def chinese_like(ch: str) -> bool:
    """Could ``ch`` be part of text a Chinese codec encoded? (Han, Chinese punctuation.)"""
    if ch < "\x80":
        return True
    cls = info(ch)[0]
    if cls == HAN:
        return True
    o = ord(ch)
    return ch in _CJK_PUNCT or any(a <= o <= b for a, b in _CHINESE_RANGES) or ch in "·°×"


def _not_chinese_pattern() -> re.Pattern[str]:
    chars = {chr(c) for c in range(0x80)} | set(UNIGRAM) | _CJK_PUNCT | set("·°×")
    ranges = [(0x3400, 0x9FFF), (0xF900, 0xFAFF), *_CHINESE_RANGES]
    for a, b in ranges:
        chars.update(chr(c) for c in range(a, b + 1))
    chars = {c for c in chars if c < "\U00010000" and chinese_like(c)}
    return re.compile("[^" + char_class_regex(chars)[1:-1] + "]")


#: A character that :func:`chinese_like` rejects (or outside the BMP).
NOT_CHINESE = _not_chinese_pattern()


SIMPLIFIED_ONLY_RE = re.compile(char_class_regex(SIMPLIFIED_ONLY))
TRADITIONAL_ONLY_RE = re.compile(char_class_regex(TRADITIONAL_ONLY))
#: Han characters as :func:`info` classes them (the table, and CJK blocks).
_HAN_BLOCKS = ((0x3400, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
HAN_RE = re.compile(
    "["
    + "".join(f"{chr(a)}-{chr(b)}" for a, b in _HAN_BLOCKS)
    + char_class_regex(
        {c for c in UNIGRAM if c >= "\x80" and not any(a <= ord(c) <= b for a, b in _HAN_BLOCKS)} - _CJK_PUNCT
    )[1:-1]
    + "]"
)
