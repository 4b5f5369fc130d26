"""The full repair path for one line: candidates per codec pair, scored.

Per round, only the codec pairs whose evidence (see ``_gate``) is in the
line are tried, cheapest first:

* ``_whole``: the whole line decoded strictly under the pair;
* ``_runs`` (latin-1/cp1252 pairs): each run of latin characters decoded;
* ``_best``: the line cut into units (see ``_codecs``) and a dynamic
  programme choosing which units to decode so that the line costs least
  under the plausibility model (``_model``), each decoded unit paying
  ``CONVERT_PENALTY`` and each run of them ``RUN_PENALTY``;
* ``_whole_lossy``: the whole line decoded with its lost bytes marked.

Only a chain of units that holds the pair's evidence may be decoded, which
is what makes the gate sound: a line without evidence is never changed. The
best candidate is applied and the search repeats, so double mojibake comes
apart in two rounds. Costs and gains are in half bits.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

import ftfy

from zhnorm.repair import _model
from zhnorm.repair._codecs import (
    PAIRS,
    Pair,
    latin_runs,
    plausible,
    reach,
    units,
    whole,
    whole_lossy,
    wrong_kind,
)
from zhnorm.repair._gate import ENTITY, SUSPICIOUS, evidence_patterns

#: Paid by each decoded unit, and by each run of decoded units.
CONVERT_PENALTY = 2
RUN_PENALTY = 12
#: GBK/Big5 swaps trade one Han character for another: they need more.
SWAP_RUN_PENALTY = 30
SWAP_MIN_GAIN = 48
#: The least gain for a span repair.
MIN_GAIN = 12
#: A line that decodes from end to end is taken as a whole when it gains this much.
WHOLE_MIN_GAIN = 30
#: Lines up to this length are also judged with the context-aware cost.
SHORT_LINE = 48
#: What one lost character (shown as U+FFFD) costs in a lossy decoding.
LOST_COST = 40
MAX_ROUNDS = 3
#: Passes of a whole line repair, until it stops changing (idempotence). A bound only:
#: a line stops as soon as a pass changes nothing (the fuzzer found lines needing four).
MAX_PASSES = 8
#: A lossy whole-line decoding that gains this much needs no span search.
SURE_GAIN = 200


#: Each pair's evidence pattern.
_EVIDENCE: dict[Pair, re.Pattern[str]] = {p: evidence_patterns()[(p.wrong, p.right)] for p in PAIRS}
#: The pairs that share each pair's evidence pattern (the latin-1/cp1252 ones do).
_SHARING: dict[Pair, tuple[Pair, ...]] = {
    p: tuple(q for q in PAIRS if _EVIDENCE[q].pattern == _EVIDENCE[p].pattern) for p in PAIRS
}


class _Evidence(dict):
    """Pair -> is its evidence in ``line``? Searched for when first asked, once per pattern.

    Made by :func:`_evidence_in` (no ``__init__``: one is made per round).
    """

    __slots__ = ("line",)

    def __missing__(self, pair: Pair) -> bool:
        hit = _EVIDENCE[pair].search(self.line) is not None
        for p in _SHARING[pair]:
            self[p] = hit
        return hit


def _evidence_in(line: str) -> _Evidence:
    evidence = _Evidence()
    evidence.line = line
    return evidence


#: The cost of text that several pairs' candidates are compared with.
_cost = lru_cache(maxsize=64)(_model.cost)


@dataclass(slots=True)
class Edit:
    """One repair, in coordinates of the line it was applied to."""

    start: int
    end: int
    before: str
    after: str
    kind: str
    detail: str


def _chains(line: str, us: list[tuple[int, int, str]], evidence: re.Pattern[str]) -> list[bool]:
    """For each unit: may it be decoded (does its chain hold the pair's evidence)?"""
    allowed = [False] * len(us)
    k = 0
    while k < len(us):
        m = k
        while m + 1 < len(us) and us[m + 1][0] == us[m][1]:
            m += 1
        start, end = us[k][0], us[m][1]
        ok = evidence.search(line, start, end) is not None
        for x in range(k, m + 1):
            allowed[x] = ok
        k = m + 1
    return allowed


def _script_fits(line: str, us: list[tuple[int, int, str]], chosen: tuple[int, ...],
                 pair: Pair) -> bool:
    """Script context for GBK/Big5 swaps: a Simplified line stays Simplified.

    GBK read as Big5 happens on GBK pages, so the text left untouched must
    not be Traditional; Big5 read as GBK happens on Big5 pages, so it must
    not be Simplified.
    """
    touched = bytearray(len(line))
    for idx in chosen:
        s, e, _ = us[idx]
        touched[s:e] = b"\x01" * (e - s)
    rest = [c for c, t in zip(line, touched, strict=True) if not t]
    other = _model.TRADITIONAL_ONLY if pair.right == "gbk" else _model.SIMPLIFIED_ONLY
    return not any(c in other for c in rest)


def _script_never_fits(line: str, pair: Pair, pattern: re.Pattern[str]) -> bool:
    """Whether no choice of units can pass :func:`_script_fits`.

    It cannot when a character of the other script lies where no unit
    reaches: it stays in the line whatever is decoded. (A Traditional line
    has Big5-rare characters enough to be evidence of GBK read as Big5,
    and this spares it the span search.)
    """
    other = _model.TRADITIONAL_ONLY if pair.right == "gbk" else _model.SIMPLIFIED_ONLY
    pos = 0
    for start, end in reach(line, pattern):
        if start > pos and not other.isdisjoint(line[pos:start]):
            return True
        pos = max(pos, end)
    return not other.isdisjoint(line[pos:])


def _whole(line: str, pair: Pair, evidence: _Evidence) -> tuple[int, list[Edit]]:
    """The fast path: the whole line decoded at once, judged by the fast cost."""
    if not evidence[pair]:
        return 0, []
    dec = whole(line, pair)
    if dec is None:
        return 0, []
    return _judge_whole(line, pair, dec, 0)


def _whole_lossy(line: str, pair: Pair, evidence: _Evidence) -> tuple[int, list[Edit]]:
    """The whole line decoded with its lost bytes marked (see ``whole_lossy``)."""
    if not evidence[pair]:
        return 0, []
    dec = whole_lossy(line, pair)
    if dec is None:
        return 0, []
    return _judge_whole(line, pair, dec, dec.count("\ufffd"))


def _runs(line: str, pair: Pair, evidence: _Evidence) -> tuple[int, list[Edit]]:
    """Latin-1/cp1252 pairs: each run of latin characters decoded whole, where
    that reads better (a partly damaged line without the span search)."""
    if pair.wrong != "latin":
        return 0, []
    runs = latin_runs(line, pair)
    if not runs:
        return 0, []
    pattern = _EVIDENCE[pair]
    total, edits = 0, []
    for s, e, dec in runs:
        before = line[s:e]
        if pattern.search(line, s, e) is None or not plausible(pair, before, dec, line[e : e + 1]):
            continue
        prev, nxt = line[s - 1 : s], line[e : e + 1]
        gain = (_cost(before + nxt, prev) - _model.cost(dec + nxt, prev)
                - RUN_PENALTY - CONVERT_PENALTY * len(dec))
        if gain >= MIN_GAIN:
            total += gain
            kind = wrong_kind(pair, before)
            edits.append(Edit(s, e, before, dec, kind,
                              f"wrong={pair.wrong} right={pair.right} gain={gain}"))
    return total, edits


def _best_or_lossy(line: str, pair: Pair, evidence: _Evidence) -> tuple[int, list[Edit]]:
    """Spans, or the whole line with lost bytes marked, whichever gains more."""
    lossy = _whole_lossy(line, pair, evidence)
    if lossy[0] >= SURE_GAIN:
        return lossy  # clearly right: spare the span search
    spans = _best(line, pair, evidence)
    return lossy if lossy[0] > spans[0] else spans


def _judge_whole(line: str, pair: Pair, dec: str, lost: int) -> tuple[int, list[Edit]]:
    if lost and 3 * lost > len(dec) and "锟斤拷" not in line:
        return 0, []  # mostly lost: nothing worth recovering (锟斤拷 is all but lost)
    if lost and _model.HAN_RE.search(dec) is None and _model.HAN_RE.search(line) is not None:
        return 0, []  # Han text traded for marks alone, with no Chinese recovered: nothing gained
    # The C-speed cost; for a short line also the context-aware one (script
    # changes: a lone Cyrillic letter or kana between Han characters).
    # A lost character costs LOST_COST, not the U+FFFD it is shown as: that
    # mark is the honest answer, not a sign of damage left in.
    target = dec.replace("\ufffd", "") if lost else dec
    if lost:
        # What is kept must read better, character for character, than the
        # input: a shorter output is cheaper without being any better.
        source = line.replace("\ufffd", "")
        if not target or not source or (
            _model.fast_cost(target) * len(source) >= _model.fast_cost(source) * len(target)
        ):
            return 0, []
    gain = _model.fast_cost(line) - _model.fast_cost(target)
    # The context-aware cost where it can decide: not for hopeless or sure cases.
    if len(line) <= SHORT_LINE and (lost or -WHOLE_MIN_GAIN < gain < 2 * WHOLE_MIN_GAIN):
        gain = max(gain, _cost(line) - _model.cost(target))
    gain -= RUN_PENALTY + CONVERT_PENALTY + LOST_COST * lost
    if gain < WHOLE_MIN_GAIN or (pair.swap and not _decoded_script_fits(dec, pair)):
        return 0, []
    kind = wrong_kind(pair, line)
    detail = f"wrong={pair.wrong} right={pair.right} gain={gain} (whole line)"
    if lost:
        # Countable by a report: kind "lossy", the number of lost characters in detail.
        return gain, [Edit(0, len(line), line, dec, "lossy", f"{kind} lost={lost} {detail}")]
    return gain, [Edit(0, len(line), line, dec, kind, detail)]


_WIDE = re.compile("[^\x00-\x7f]")


def _decoded_script_fits(dec: str, pair: Pair) -> bool:
    """A whole line decoded as GBK should not read as Traditional, nor one
    decoded as Big5 as Simplified."""
    # Counted by set membership: the regular expressions of these classes
    # (thousands of characters, some astral) take tens of microseconds a line.
    simp = sum(map(_model.SIMPLIFIED_ONLY.__contains__, dec))
    trad = sum(map(_model.TRADITIONAL_ONLY.__contains__, dec))
    if (simp < trad) if pair.right == "gbk" else (trad < simp):
        return False
    # Mostly Han, too: a line of symbols swapped for other symbols is no repair.
    wide = len(_WIDE.findall(dec))
    return 2 * len(_model.HAN_RE.findall(dec)) > wide


def _each_swap_gains(line: str, edits: list[Edit], sizes: list[int]) -> bool:
    """Each run of a GBK/Big5 swap must be worth it alone: two runs that read
    a little better each (忧心慇慇。佌佌 -> 忧心哈哈。私私) are no evidence."""
    whole = _model.cost(line)
    return all(
        whole - _model.cost(apply_edits(line, [ed])) - SWAP_RUN_PENALTY - CONVERT_PENALTY * n >= SWAP_MIN_GAIN
        for ed, n in zip(edits, sizes, strict=True)
    )


def _han_in_each_run(us: list[tuple[int, int, str]], chosen: tuple[int, ...]) -> bool:
    """Each run of swapped units must hold a Han character: a GBK/Big5 swap
    of symbols alone (bopomofo to full-width digits) proves nothing."""
    run_has_han = False
    prev_end = -1
    for idx in chosen:
        s, e, dec = us[idx]
        if s != prev_end:
            if prev_end >= 0 and not run_has_han:
                return False
            run_has_han = False
        run_has_han = run_has_han or any(_model.info(c)[0] == _model.HAN for c in dec)
        prev_end = e
    return run_has_han


class _Swapped(dict):
    """Per character: the one character its bytes give under a GBK/Big5 swap
    pair ("" if they give none, or the same one)."""

    def __init__(self, pair: Pair) -> None:
        super().__init__()
        self.pair = pair

    def __missing__(self, ch: str) -> str:
        try:
            other = ch.encode(self.pair.wrong).decode(self.pair.right)
        except UnicodeError:
            other = ""
        value = other if len(other) == 1 and other != ch else ""
        self[ch] = value
        return value


_SWAPPED = {pair: _Swapped(pair) for pair in PAIRS if pair.swap}


class _SwapUnit(dict):
    """Per character: what it decodes to as a unit of a GBK/Big5 swap pair
    ("" if it cannot be one: no swap, or one that fails the unit checks)."""

    def __init__(self, pair: Pair) -> None:
        super().__init__()
        self.pair = pair
        self.swapped = _SWAPPED[pair]

    def __missing__(self, ch: str) -> str:
        other = self.swapped[ch]
        value = other if other and plausible(self.pair, ch, other, "") else ""
        self[ch] = value
        return value


_SWAP_UNITS = {pair: _SwapUnit(pair) for pair in PAIRS if pair.swap}


def _swap_gain_bound(line: str, pair: Pair, pattern: re.Pattern[str]) -> int:
    """An upper bound on the gain :func:`_best` can find for the GBK/Big5 swap ``pair``.

    Why it is one. Every character of GBK and Big5 beyond ASCII is two bytes
    whose first both codecs read as a lead byte (one byte beyond ASCII, as
    GBK's €, starts no character), so a swap's units are single characters,
    each decoded to ``_SWAP_UNITS[pair][ch]``. A unit may be decoded only inside
    a chain of touching units that holds a match of ``pattern``; the swap
    patterns consume one character and look around with positive assertions
    only, so that match is one of ``pattern.finditer(line)`` and the chain
    lies in the maximal run of swappable characters around it: the
    *candidates* below are a superset of the units that may be decoded.

    A choice of units changes the line's cost only at a decoded character
    and at the character after one (the model's cost of a character depends
    on it and the one before). At each such position the saving is at most
    the original cost there less the least cost over the four ways it and
    its predecessor can read (each as it is, or swapped if a candidate), so
    the line's saving is at most the sum of the positive ones. And a choice
    that decodes anything pays at least one ``CONVERT_PENALTY`` and one
    ``SWAP_RUN_PENALTY``. Their difference bounds the gain; below
    ``SWAP_MIN_GAIN`` the search can only reject the line.

    It is cheap because it looks only around the evidence: clean Simplified
    text with Big5-rare characters has a candidate or two a line.
    """
    swapped = _SWAP_UNITS[pair]
    char_cost = _model.char_cost
    n = len(line)
    saving = 0
    end = 0  # where the last run counted ends
    for m in pattern.finditer(line):
        p = m.start()
        if p < end or not swapped[line[p]]:
            continue
        a = p
        while a > 0 and swapped[line[a - 1]]:
            a -= 1
        end = p + 1
        while end < n and swapped[line[end]]:
            end += 1
        # The run line[a:end] and the character after it; the one before it is no candidate.
        prev, prev_alt = line[a - 1] if a else "", ""
        for k in range(a, min(end + 1, n)):
            ch = line[k]
            alt = swapped[ch] if k < end else ""
            base = char_cost(ch, prev)
            least = base
            if alt:
                least = min(least, char_cost(alt, prev))
            if prev_alt:
                least = min(least, char_cost(ch, prev_alt))
                if alt:
                    least = min(least, char_cost(alt, prev_alt))
            saving += base - least
            prev, prev_alt = ch, alt
    return saving - CONVERT_PENALTY - SWAP_RUN_PENALTY


def _best(line: str, pair: Pair, evidence: _Evidence) -> tuple[int, list[Edit]]:
    """The gain of the best choice of units under ``pair`` and its edits.

    A dynamic programme over the units; its state is the last output
    character (for the bigram) and whether the previous unit was decoded:
    starting a run of decoded units costs ``RUN_PENALTY``, so a chain is
    decoded as a whole unless part of it really reads better as it was.
    """
    if pair.right == "utf-8+latin" or not evidence[pair]:
        return 0, []
    pattern = _EVIDENCE[pair]
    # Quick rejects of a GBK/Big5 swap, each of which only ever answers "no gain"
    # (so their order changes nothing but time): the bound first, as it decides
    # nearly every clean Simplified line the evidence lets through.
    if pair.swap and (
        _swap_gain_bound(line, pair, pattern) < SWAP_MIN_GAIN
        or _script_never_fits(line, pair, pattern)
    ):
        return 0, []
    us = units(line, pair, pattern)
    if not us:
        return 0, []
    allowed = _chains(line, us, pattern)
    if not any(allowed):
        return 0, []
    cost = _model.cost
    char_cost = _model.char_cost
    run_penalty = SWAP_RUN_PENALTY if pair.swap else RUN_PENALTY
    # state (last char, previous unit decoded) -> (cost, decoded unit indices)
    states: dict[tuple[str, bool], tuple[int, tuple[int, ...]]] = {("", False): (0, ())}
    base_cost = 0
    prev_orig = ""
    pos = 0
    for idx, (s, e, dec) in enumerate(us):
        if s > pos:
            # Text between units is the same whatever is decoded: only its
            # first character's cost depends on what comes before it.
            first = line[pos]
            moved: dict[tuple[str, bool], tuple[int, tuple[int, ...]]] = {}
            for (last, flag), (c, ch) in states.items():
                key = (line[s - 1], flag)
                nc = c + char_cost(first, last)
                if key not in moved or moved[key][0] > nc:
                    moved[key] = (nc, ch)
            states = moved
            base_cost += char_cost(first, prev_orig)
            prev_orig = line[s - 1]
        orig = line[s:e]
        # Only a unit's first character depends on the state: cost the rest once.
        orig_rest = cost(orig[1:], orig[0]) if len(orig) > 1 else 0
        dec_rest = cost(dec[1:], dec[0]) if allowed[idx] and len(dec) > 1 else 0
        base_cost += char_cost(orig[0], prev_orig) + orig_rest
        prev_orig = orig[-1]
        new: dict[tuple[str, bool], tuple[int, tuple[int, ...]]] = {}
        for (last, flag), (c, ch) in states.items():
            options = [((orig[-1], False), c + char_cost(orig[0], last) + orig_rest, ch)]
            if allowed[idx]:
                extra = CONVERT_PENALTY + (0 if flag else run_penalty)
                nc = c + char_cost(dec[0], last) + dec_rest + extra
                options.append(((dec[-1], True), nc, (*ch, idx)))
            for key, nc, nch in options:
                if key not in new or new[key][0] > nc:
                    new[key] = (nc, nch)
        states = new
        pos = e
    if pos < len(line):
        first = line[pos]
        states = {k: (c + char_cost(first, k[0]), ch) for k, (c, ch) in states.items()}
        base_cost += char_cost(first, prev_orig)
    best_cost, chosen = min(states.values())
    gain = base_cost - best_cost
    if not chosen or gain < (SWAP_MIN_GAIN if pair.swap else MIN_GAIN):
        return 0, []
    if pair.swap and not (_script_fits(line, us, chosen, pair) and _han_in_each_run(us, chosen)):
        return 0, []
    edits: list[Edit] = []
    sizes: list[int] = []  # units per edit
    for idx in chosen:
        s, e, dec = us[idx]
        if edits and edits[-1].end == s:
            last = edits[-1]
            last.end = e
            last.before += line[s:e]
            last.after += dec
            sizes[-1] += 1
        else:
            edits.append(Edit(s, e, line[s:e], dec, "", ""))
            sizes.append(1)
    if pair.swap and len(edits) > 1 and not _each_swap_gains(line, edits, sizes):
        return 0, []
    for ed in edits:
        ed.kind = wrong_kind(pair, ed.before)
        ed.detail = f"wrong={pair.wrong} right={pair.right} gain={gain}"
    return gain, edits


def apply_edits(line: str, edits: list[Edit]) -> str:
    out = []
    pos = 0
    for ed in edits:
        out.append(line[pos : ed.start])
        out.append(ed.after)
        pos = ed.end
    out.append(line[pos:])
    return "".join(out)


_NAMED = frozenset({"&amp;", "&quot;", "&lt;", "&gt;", "&nbsp;", "&apos;"})


def _entity_ok(after: str) -> bool:
    """Numeric entities unescaped: Chinese characters and punctuation. Not
    U+3000 or latin-1 signs, which pages quote as entities on purpose."""
    o = ord(after)
    return (
        _model.info(after)[0] == _model.HAN
        or 0x3001 <= o <= 0x303F
        or 0xFF01 <= o <= 0xFF5E
        or after in "‘’“”—…·"
    )


def _entities(line: str) -> list[Edit]:
    """HTML entities in a line that was escaped for HTML.

    Numeric entities of Chinese characters and punctuation (``&#20013;``,
    ``&amp;#x4e2d;``, ``&#65292;``) are always unescaped: nobody quotes them
    on purpose. Named ones (``&amp;``, ``&quot;``) only in a line that holds
    such a numeric entity or at least three named ones: man pages and code
    quote a lone ``&amp;`` or ``&gt;`` on purpose.
    """
    if "&" not in line:
        return []  # every entity starts with one
    found = list(ENTITY.finditer(line))
    if not found:
        return []
    numeric = []
    named = []
    for m in found:
        text = m.group()
        if text in _NAMED:
            named.append(m)
            continue
        after = html.unescape(html.unescape(text))
        if len(after) == 1 and _entity_ok(after):
            numeric.append((m, after))
    edits = [Edit(m.start(), m.end(), m.group(), after, "html_entities", "html.unescape")
             for m, after in numeric]
    if numeric or len(named) >= 3:
        edits += [Edit(m.start(), m.end(), m.group(), html.unescape(m.group()),
                       "html_entities", "html.unescape") for m in named]
    return sorted(edits, key=lambda ed: ed.start)


#: ftfy in a Chinese-safe configuration. Its defaults "fix" what is correct
#: in Chinese typesetting: full-width punctuation and U+3000 become ASCII
#: (``fix_character_width``), curly quotes straight (``uncurl_quotes``), and
#: NFC maps CJK compatibility ideographs to unified ones. All of that is off.
#: So is its clean-up of control characters and C1 controls: this stage is
#: about mojibake, and C1 controls are evidence the Chinese pass reads.
_FTFY = ftfy.TextFixerConfig(
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_c1_controls=False,
    remove_control_chars=False,
    remove_terminal_escapes=False,
    normalization=None,
    explain=True,
)
_LATIN_EVIDENCE = evidence_patterns()[("latin", "utf-8")]


def _ftfy(line: str) -> list[Edit]:
    """ftfy, last and guarded: only on a line that still shows latin-1/cp1252
    evidence after the Chinese pass (ftfy first would corrupt GBK/Big5 read as
    latin-1), and only if the plausibility model agrees that it helped."""
    if _LATIN_EVIDENCE.search(line) is None:
        return []
    fixed, steps = ftfy.fix_and_explain(line, _FTFY)
    if fixed == line:
        return []
    gain = _model.cost(line) - _model.cost(fixed)
    if gain < MIN_GAIN:
        return []
    start = 0
    while start < min(len(line), len(fixed)) and line[start] == fixed[start]:
        start += 1
    end_l, end_f = len(line), len(fixed)
    while end_l > start and end_f > start and line[end_l - 1] == fixed[end_f - 1]:
        end_l -= 1
        end_f -= 1
    detail = ", ".join(f"{kind}:{arg}" for kind, arg in steps or ()) + f" gain={gain}"
    return [Edit(start, end_l, line[start:end_l], fixed[start:end_f], "ftfy", detail)]


#: A line longer than this is repaired a stretch at a time, cut after Chinese
#: clause ends: the span search grows faster than the line (a 4 MB line of
#: mojibake took minutes whole), and mojibake never runs across a real "，".
LONG_LINE = 1024
_CLAUSE_END = re.compile("[，。！？；]")


def repair_line(line: str, *, shortcuts: bool = True) -> tuple[str, list[Edit]]:
    """Repair one line; the edits are in the line's coordinates.

    A long line is cut after clause ends into stretches of about
    :data:`LONG_LINE` characters, each repaired on its own.
    """
    if len(line) <= LONG_LINE:
        return _repair_stretch(line, shortcuts)
    out: list[str] = []
    edits: list[Edit] = []
    start = 0
    while start < len(line):
        end = _stretch_end(line, start)
        stretch = line[start:end]
        fixed, stretch_edits = _repair_stretch(stretch, shortcuts)
        out.append(fixed)
        edits.extend(
            Edit(e.start + start, e.end + start, e.before, e.after, e.kind, e.detail) for e in stretch_edits
        )
        start = end
    return "".join(out), edits


def _stretch_end(line: str, start: int) -> int:
    """Where the stretch from ``start`` ends: after a clause end past half of
    :data:`LONG_LINE`; without one within four times it, at the last space
    there, or there (so that no stretch is ever longer)."""
    limit = start + 4 * LONG_LINE
    if limit >= len(line):
        limit = len(line)
    cut = _CLAUSE_END.search(line, start + LONG_LINE // 2, limit)
    if cut is not None:
        return cut.end()
    if limit == len(line):
        return limit
    space = line.rfind(" ", start + 1, limit)
    return space + 1 if space > start else limit


def _repair_stretch(line: str, shortcuts: bool) -> tuple[str, list[Edit]]:
    """Repair a line or a stretch of one, in passes until it stops changing.

    Passes repeat until the line no longer changes, so that repairing the
    output again changes nothing (a pass narrows its searches as it goes, and
    what one pass decoded whole may read better still in a fresh pass).

    With ``shortcuts`` off, every round tries every pair, without asking the
    gate or the line-level evidence first: the full path the gate's property
    test compares with (each pair still needs its evidence in what it changes).
    """
    passes: list[list[Edit]] = []
    for _ in range(MAX_PASSES):
        fixed, edits = _repair_pass(line, shortcuts)
        if not edits:
            break
        passes.append(edits)
        line = fixed
        if shortcuts and SUSPICIOUS.search(line) is None:
            break  # no evidence left: another pass cannot change it (the gate is sound)
    return line, _fold(passes)


def _fold(groups: list[list[Edit]]) -> list[Edit]:
    """Edits applied one group after another, as edits of the first group's input.

    A single group already is that (sorted, disjoint, ``end - start ==
    len(before)``): most lines are repaired by one.
    """
    if len(groups) == 1:
        return groups[0]
    tracked: list[Edit] = []
    for edits in groups:
        tracked = _compose(tracked, edits)
    return _to_original(tracked)


_SWAPS_LAST = tuple(sorted(PAIRS, key=lambda p: p.swap))


def _repair_pass(line: str, shortcuts: bool) -> tuple[str, list[Edit]]:
    applied: list[list[Edit]] = []  # each in the coordinates of the text it was applied to
    edits = _entities(line)
    if edits:
        applied.append(edits)
        line = apply_edits(line, edits)
    # Lossy decoding first where the line shows lost characters (U+FFFD),
    # last otherwise (bytes dropped without a trace).
    if "\ufffd" in line:
        searches: tuple = (_whole, _whole_lossy, _best)
    else:
        searches = (_whole, _runs, _best_or_lossy)
    for _ in range(MAX_ROUNDS):
        if shortcuts and SUSPICIOUS.search(line) is None:
            break  # sound: no pair has evidence, so no pair would change it
        best_gain, best_edits = 0, []
        evidence = _evidence_in(line)
        for search in searches:
            # GBK/Big5 swaps last in the lossy search: they decode almost anything.
            pairs = _SWAPS_LAST if search is _whole_lossy else PAIRS
            for pair in pairs:
                # Only pairs whose evidence is in the line can change it
                # (searched for when a pair's turn comes: a sure gain ends the search).
                if shortcuts and not evidence[pair]:
                    continue
                if search is _whole_lossy and pair.swap and best_edits:
                    break
                gain, edits = search(line, pair, evidence)
                if gain > best_gain:
                    best_gain, best_edits = gain, edits
                if best_gain >= SURE_GAIN and search is not _runs:
                    break  # clearly right: no other pair will read better
            if best_edits:
                if search is _whole:
                    # A line that decoded whole needs no span search, now or
                    # in the next round (double mojibake decodes whole twice).
                    searches = (_whole, _whole_lossy)
                elif search is _whole_lossy or best_edits[0].kind == "lossy":
                    searches = ()  # what is lost stays lost
                else:
                    searches = (_whole, _runs, _best)
                break
        if not best_edits:
            break
        applied.append(best_edits)
        line = apply_edits(line, best_edits)
    edits = _ftfy(line)
    if edits:
        applied.append(edits)
        line = apply_edits(line, edits)
    return line, _fold(applied) if applied else []


def _to_original(tracked: list[Edit]) -> list[Edit]:
    """Turn tracked edits (current coordinates) into the pass input's coordinates."""
    result = []
    shift = 0
    for t in tracked:
        start = t.start - shift
        result.append(Edit(start, start + len(t.before), t.before, t.after, t.kind, t.detail))
        shift += len(t.after) - len(t.before)
    return result


def _compose(tracked: list[Edit], edits: list[Edit]) -> list[Edit]:
    """Fold one round's ``edits`` into ``tracked``.

    ``tracked`` entries index the current text (``start`` is where their
    ``after`` begins) and keep the original text in ``before``; ``edits`` index
    the current text too. Edits are folded right to left, so each one's
    coordinates are still valid when it is folded.
    """
    if not tracked:  # the first round: only shift each edit by those before it
        out, shift = [], 0
        for ed in edits:
            out.append(Edit(ed.start + shift, 0, ed.before, ed.after, ed.kind, ed.detail))
            shift += len(ed.after) - (ed.end - ed.start)
        return out
    items = [(t.start, t.start + len(t.after), t) for t in tracked]
    for ed in reversed(edits):
        s, e = ed.start, ed.end
        over = [it for it in items if it[0] < e and it[1] > s]
        keep = [it for it in items if not (it[0] < e and it[1] > s)]
        d = len(ed.after) - (e - s)
        if over:
            ns, ne = min(s, over[0][0]), max(e, over[-1][1])
            parts, p = [], ns
            for a, b, t in over:
                if a > p:
                    parts.append(ed.before[p - s : a - s])
                parts.append(t.before)
                p = b
            if ne > p:
                parts.append(ed.before[p - s : ne - s])
            head = over[0][2].after[: s - over[0][0]] if over[0][0] < s else ""
            _last_a, last_b, last_t = over[-1]
            tail = last_t.after[len(last_t.after) - (last_b - e) :] if last_b > e else ""
            kinds = [*dict.fromkeys(t.kind for _, _, t in over), ed.kind]
            node = Edit(ns, 0, "".join(parts), head + ed.after + tail,
                        "+".join(kinds), "; ".join([*(t.detail for _, _, t in over), ed.detail]))
        else:
            node = Edit(s, 0, ed.before, ed.after, ed.kind, ed.detail)
        moved = []
        for a, b, t in keep:
            if a >= e:
                t.start = a + d
                moved.append((a + d, b + d, t))
            else:
                moved.append((a, b, t))
        moved.append((node.start, node.start + len(node.after), node))
        items = sorted(moved, key=lambda x: x[0])
    return [t for _, _, t in items]
