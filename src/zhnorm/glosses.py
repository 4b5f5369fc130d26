"""Stage ``glosses``: remove spam pinyin glosses such as ``續(xù)``.

Spam mirrors that convert Simplified pages to Traditional sometimes write the
pinyin of every character they converted right after it, in parentheses. A
gloss is removed when all of these hold:

* it is one valid Mandarin syllable in parentheses (ASCII ``()`` or full-width
  ``（）``) written in lower case, with its tone mark on the vowel that carries
  it (``xù``, ``chuàng``) or with ``ü`` (``lü``);
* it follows a Han character that OpenCC's ``t2s`` changes on its own
  (``續`` -> ``续``): the spam converter glossed exactly the characters it had
  converted, so a textbook annotation of a character that is the same in both
  scripts (``中(zhōng)国``) stays;
* a gloss right after a removed gloss goes too (``續(xù)(xù)``);
* a syllable written without a tone mark (``們(men)``, neutral tone) counts
  only on a line that also has a tone-marked gloss, so ``第3(a)款`` or
  ``條(a)`` on their own are left alone.

Everything else in parentheses stays: ``(引題)``, ``GDP(国内生产总值)``,
``(2024)``, ``李白(Li Bai)``, ``老师(teacher)``. ``keep_glosses=True`` turns the
stage off.

>>> from zhnorm.pipeline import Normalizer
>>> apply("賡續(xù)百年紅色血脈(主題)", Normalizer())
'賡續百年紅色血脈(主題)'
>>> apply("中(zhōng)國網（wǎng）站", Normalizer())
'中(zhōng)國網站'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

from zhnorm.pipeline import Change

if TYPE_CHECKING:
    from zhnorm.pipeline import Normalizer

# The syllables of Standard Mandarin in Hanyu Pinyin, without tones, written
# by initial (``-`` stands for the zero initial). ``v`` stands for ``ü``.
_SYLLABLE_TABLE = """
- a o e ê ai ei ao ou an en ang eng er m n ng hm hng
  yi ya yo ye yao you yan yin yang ying yong wu wa wo wai wei wan wen wang weng
  yu yue yuan yun
b ba bo bai bei bao ban ben bang beng bi bie biao bian bin bing bu
p pa po pai pei pao pou pan pen pang peng pi pie piao pian pin ping pu
m ma mo me mai mei mao mou man men mang meng mi mie miao miu mian min ming mu
f fa fo fei fou fan fen fang feng fu
d da de dai dei dao dou dan den dang deng dong di dia die diao diu dian ding du duo dui
  duan dun
t ta te tai tei tao tou tan tang teng tong ti tie tiao tian ting tu tuo tui tuan tun
n na ne nai nei nao nou nan nen nang neng nong ni nie niao niu nian nin niang ning nu nuo
  nuan nun nv nve
l la lo le lai lei lao lou lan lang leng long li lia lie liao liu lian lin liang ling lu
  luo luan lun lv lve
g ga ge gai gei gao gou gan gen gang geng gong gu gua guo guai gui guan gun guang
k ka ke kai kei kao kou kan ken kang keng kong ku kua kuo kuai kui kuan kun kuang
h ha he hai hei hao hou han hen hang heng hong hu hua huo huai hui huan hun huang
j ji jia jie jiao jiu jian jin jiang jing jiong ju jue juan jun
q qi qia qie qiao qiu qian qin qiang qing qiong qu que quan qun
x xi xia xie xiao xiu xian xin xiang xing xiong xu xue xuan xun
zh zha zhe zhi zhai zhei zhao zhou zhan zhen zhang zheng zhong zhu zhua zhuo zhuai zhui
  zhuan zhun zhuang
ch cha che chi chai chao chou chan chen chang cheng chong chu chua chuo chuai chui chuan
  chun chuang
sh sha she shi shai shei shao shou shan shen shang sheng shu shua shuo shuai shui shuan
  shun shuang
r re ri rao rou ran ren rang reng rong ru rua ruo rui ruan run
z za ze zi zai zei zao zou zan zen zang zeng zong zu zuo zui zuan zun
c ca ce ci cai cao cou can cen cang ceng cong cu cuo cui cuan cun
s sa se si sai sao sou san sen sang seng song su suo sui suan sun
"""

# Tone marks as combining characters (after NFD): macron, acute, caron, grave.
_TONE_MARKS = frozenset("\u0304\u0301\u030c\u0300")
_VOWELS = frozenset("aeiouüê")

_HAN = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ee5f\U0002f800-\U0002fa1f\U00030000-\U0003134f"
)
# A candidate: parentheses holding 1-8 lower-case Latin letters, tone-marked
# vowels (precomposed or combining) or ü, right after a Han character.
_LETTERS = (
    "a-z\u00e0-\u00fc\u0101\u0113\u011b\u012b\u0144\u0148\u014d\u016b"
    "\u01ce-\u01dc\u01f9\u1e3f\u0300-\u030c"
)
# The pattern starts with the parenthesis (a fast scan on clean text); the
# pair must match, which _find checks.
_CANDIDATE = re.compile(rf"[(（](?<=[{_HAN})）][(（])([{_LETTERS}]{{1,8}})[)）]")
_PAIRS = {"(": ")", "（": "）"}


@cache
def _syllables() -> frozenset[str]:
    out: set[str] = set()
    for line in _SYLLABLE_TABLE.strip().splitlines():
        words = line.split()
        if not line.startswith(" "):
            words = words[1:]  # the initial that heads the row
        out.update(w.replace("v", "ü") for w in words)
    return frozenset(out)


@cache
def _changed_by_t2s() -> dict[str, str]:
    """Characters that OpenCC's t2s changes when they stand alone -> their output.

    t2s normalises compatibility ideographs, then tries its phrase table (no
    single characters in it), then ``TSCharactersExt`` before ``TSCharacters``.
    """
    from zhnorm.convert.dicts import load

    changed: dict[str, str] = {}
    for name in ("TSCharacters.txt", "TSCharactersExt.txt", "CJK_Compatibility_Ideographs.txt"):
        for key, value in load(name).items():
            if len(key) == 1 and value != key:
                changed[key] = value
    return changed


def _tone_vowel(base: str) -> int:
    """Index in ``base`` of the letter that carries the tone mark."""
    for vowel in "ae":
        if vowel in base:
            return base.index(vowel)
    if "ou" in base:
        return base.index("o")
    vowels = [i for i, ch in enumerate(base) if ch in _VOWELS]
    if vowels:
        return vowels[-1]
    return next((i for i, ch in enumerate(base) if ch in "mn"), 0)  # ḿ, ňg, hm̀: on the nasal


def _syllable(word: str) -> str | None:
    """``'toned'`` or ``'toneless'`` for a valid pinyin syllable, else ``None``."""
    decomposed = unicodedata.normalize("NFD", word)
    base: list[str] = []
    marks: list[int] = []
    for ch in decomposed:
        if ch in _TONE_MARKS:
            if not base:
                return None
            marks.append(len(base) - 1)
        elif ch == "\u0308":  # diaeresis: u -> ü
            if not base or base[-1] != "u":
                return None
            base[-1] = "ü"
        elif ch == "\u0302":  # circumflex: e -> ê
            if not base or base[-1] != "e":
                return None
            base[-1] = "ê"
        elif "a" <= ch <= "z":
            base.append(ch)
        else:
            return None
    text = "".join(base)
    if text not in _syllables() or len(marks) > 1:
        return None
    if marks:
        return "toned" if marks[0] == _tone_vowel(text) else None
    return "toned" if "ü" in text else "toneless"


def _find(text: str) -> list[tuple[int, int, str]]:
    """The glosses in ``text`` as ``(start, end, glossed character)``."""
    changed = _changed_by_t2s()
    toned: list[tuple[int, int, str]] = []
    toneless: list[tuple[int, int, str]] = []
    last: tuple[int, int, str] | None = None
    for m in _CANDIDATE.finditer(text):
        start, end = m.span()
        char = text[start - 1]
        if char in ")）":  # a gloss right after a gloss: "續(xù)(xù)"
            if last is None or last[1] != start:
                continue
            char = last[2]
        if char not in changed or _PAIRS[text[start]] != text[end - 1]:
            continue
        kind = _syllable(m.group(1))
        if kind == "toned":
            last = (start, end, char)
            toned.append(last)
        elif kind == "toneless":
            last = (start, end, char)
            toneless.append(last)
    if toneless and toned:
        # A toneless syllable is a gloss only on a line that has a toned one.
        lines = {_line_start(text, s) for s, _, _ in toned}
        toned.extend(g for g in toneless if _line_start(text, g[0]) in lines)
        toned.sort()
    return toned


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _gate(text: str) -> bool:
    return "(" in text or "（" in text


def suspects(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line (without its ``\\n``) holding a gloss that :func:`apply`
    removes. The pipeline asks, to settle lines that later stages changed: converted to
    Traditional, ``炽(chì)`` (kept: t2s leaves ``炽`` as it is) becomes ``熾(chì)``, which
    reads as spam, so a second run would remove the gloss.

    >>> text = "炽(chì)\\n熾(chì)"
    >>> [text[s:e] for s, e in suspects(text)]
    ['熾(chì)']
    """
    if not _gate(text):
        return
    last = -1
    for start, _, _ in _find(text):
        line = _line_start(text, start)
        if line != last:
            end = text.find("\n", start)
            yield line, len(text) if end < 0 else end
            last = line


def apply(text: str, config: Normalizer) -> str:
    """Remove spam pinyin glosses from ``text``."""
    if config.keep_glosses or not _gate(text):
        return text
    found = _find(text)
    if not found:
        return text
    parts: list[str] = []
    pos = 0
    for start, end, _ in found:
        parts.append(text[pos:start])
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def explain(text: str, config: Normalizer) -> tuple[str, list[Change]]:
    """Like :func:`apply`, and list each gloss removed."""
    if config.keep_glosses or not _gate(text):
        return text, []
    found = _find(text)
    if not found:
        return text, []
    chars = _changed_by_t2s()
    changes = [
        Change(
            "glosses",
            start,
            end,
            text[start:end],
            "",
            kind="pinyin_gloss",
            detail=f"after {char} (t2s: {char}->{chars[char]})",
        )
        for start, end, char in found
    ]
    return apply(text, config), changes
