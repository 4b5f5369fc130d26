"""Wrong/right codec pairs and the units a line splits into under each.

A *pair* ``(wrong, right)`` undoes one mis-decoding: the text is encoded
back with the codec that wrongly decoded it and decoded with the right one.
A *unit* is the smallest span that does so cleanly: it starts and ends on a
character boundary of the wrong codec and on a character boundary of the
right one, and its bytes decode strictly. Units that touch form a *chain*.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from zhnorm.repair._model import NOT_CHINESE, SIMPLIFIED_ONLY, TRADITIONAL_ONLY

# The union of latin-1 and windows-1252 as browsers decode it (undefined
# bytes become C1 controls): every character of either maps to its byte.
_LATIN: dict[str, int] = {chr(b): b for b in range(256)}
for _b in range(0x80, 0xA0):
    with contextlib.suppress(UnicodeDecodeError):
        _LATIN.setdefault(bytes([_b]).decode("cp1252"), _b)


_LATIN_MAP = {ord(ch): b for ch, b in _LATIN.items()}


def latin_bytes(text: str) -> bytes:
    """``text`` encoded back to the bytes the latin-1/cp1252 reading gave it
    (``UnicodeEncodeError`` for a character that reading cannot give)."""
    return codecs.charmap_encode(text, "strict", _LATIN_MAP)[0]


#: A run of characters the latin-1/cp1252 reading can give, with at least
#: one beyond ASCII (ASCII-only stretches need no decoding).
_LATIN_CLASS = "".join(re.escape(c) for c in sorted(_LATIN))
_HIGH_CLASS = "".join(re.escape(c) for c in sorted(_LATIN) if c >= "\x80")
_HIGH = re.compile("[^\x00-\x7f“”‘’…—–•]")
#: The last of the page's own quotes and dashes in a text.
_LAST_QUOTE = re.compile("[“”‘’…—–•][^“”‘’…—–•]*\\Z")
_LATIN_RUN = re.compile(f"[{_LATIN_CLASS}]*[{_HIGH_CLASS}][{_LATIN_CLASS}]*")


def _decode_run(text: str, right: str) -> str | None:
    try:
        return latin_bytes(text).decode(right)
    except UnicodeError:
        return None


@lru_cache(maxsize=32)
def _run_spans(line: str) -> tuple[tuple[int, int], ...]:
    """``(start, end)`` of each maximal run of latin characters holding a
    non-ASCII one, less the page's own quotes and dashes that open it (the
    same for every latin-1/cp1252 pair)."""
    out = []
    for m in _LATIN_RUN.finditer(line):
        text = m.group()
        # A run cannot start inside a character: quotes and dashes that open it
        # are the page's own ("“" then mojibake), as continuation bytes they
        # would not decode.
        start = m.start() + len(text) - len(text.lstrip("“”‘’…—–•"))
        if start < m.end():
            out.append((start, m.end()))
    return tuple(out)


def latin_runs(line: str, pair: Pair) -> list[tuple[int, int, str]] | None:
    """For a latin-1/cp1252 pair: each maximal run of latin characters that
    holds a non-ASCII one, decoded strictly; ``None`` if one does not decode
    (the span search then takes over)."""
    out = []
    for start, end in _run_spans(line):
        text = line[start:end]
        dec = _decode_run(text, pair.right)
        while dec is None:
            # ... nor end with the page's own quote ("çš„" then "” & ").
            last = _LAST_QUOTE.search(text)
            cut = -1 if last is None else last.start()
            if cut <= 0 or _HIGH.search(text, cut + 1) is not None:
                return None  # a quote inside the mojibake ("ç¶“" is 經)
            text = text[:cut]
            end = start + cut
            dec = _decode_run(text, pair.right)
        if dec != text:
            out.append((start, end, dec))
    return out


@lru_cache(maxsize=32)
def _encoded(line: str, wrong: str) -> bytes | None:
    """``line`` encoded back with the wrong codec (``None`` if it cannot be):
    several pairs share a wrong codec, so a line is encoded once for them."""
    try:
        if wrong == "latin":
            return latin_bytes(line)
        return line.encode(wrong)
    except UnicodeError:
        return None


def whole(line: str, pair: Pair) -> str | None:
    """The whole line decoded under ``pair``, if it decodes strictly and
    passes the unit checks (the fast path for lines damaged from end to end)."""
    data = _encoded(line, pair.wrong)
    if data is None:
        return None
    try:
        if pair.right == "utf-8+latin":  # double: UTF-8 bytes of cp1252 mojibake
            data = latin_bytes(data.decode("utf-8"))
            out = data.decode("utf-8")
        else:
            out = data.decode(pair.right)
    except UnicodeError:
        return None
    if out == line or not _plausible_unit(pair, line, out, ""):
        return None
    return out


_RUNS_OF_LOST = re.compile("\ufffd+")


def _lossy_decode(parts: list[bytes], right: str) -> str:
    # 0xFF is invalid in UTF-8, GBK and Big5: it marks where bytes were lost,
    # and with the partial characters around it decodes to U+FFFD. A run of
    # them stands for the one character that lost its bytes there.
    out = b"\xff".join(parts).decode(right, errors="replace")
    return _RUNS_OF_LOST.sub("\ufffd", out)


#: Four or more Han characters in a row that hold none of 锟斤拷's characters:
#: text that is not the GBK-read mojibake of U+FFFD.
_KUN_CLEAN_RUN = re.compile("(?:(?![锟斤拷])[\u4e00-\u9fff]){4,}")


def whole_lossy(line: str, pair: Pair) -> str | None:
    """Like :func:`whole` for a line that lost bytes: U+FFFD left by the wrong
    decoding, bytes dropped (cp1252's undefined ones, soft hyphens, private-use
    characters), or ``锟斤拷`` (U+FFFD's UTF-8 bytes read as GBK). Characters
    are never invented: what cannot be decoded becomes one U+FFFD."""
    if pair.right == "utf-8+latin":
        return None
    try:
        if "\ufffd" not in line:
            # The encoding :func:`whole` already tried (or failed at).
            data = _encoded(line, pair.wrong)
            if data is None:
                return None
            parts = [data]
        elif pair.wrong == "latin":
            parts = [latin_bytes(p) for p in line.split("\ufffd")]
        else:
            parts = [p.encode(pair.wrong) for p in line.split("\ufffd")]
        if pair.wrong == "gb18030" and pair.right == "utf-8" and b"\xef\xbf\xbd" in b"".join(parts):
            if _KUN_CLEAN_RUN.search(line) is not None:
                return None  # correct text around: "锟斤拷" is being talked about
            # 锟斤拷: GBK text read as UTF-8 (lossy), then that read as GBK.
            text = b"\xff".join(parts).decode("utf-8", errors="replace")
            out = _lossy_decode([p.encode("utf-8") for p in text.split("\ufffd")], "gbk")
        else:
            out = _lossy_decode(parts, pair.right)
    except UnicodeError:
        return None
    if out == line:
        return None
    kept = out.replace("\ufffd", "")
    if not kept or not _plausible_unit(pair, line, kept, ""):
        return None
    return out


@dataclass(frozen=True, eq=False)
class Pair:
    """One of :data:`PAIRS` (compared and hashed by identity: sets of pairs are hot)."""

    wrong: str  # codec that produced the mojibake ("latin" = latin-1 ∪ cp1252)
    right: str  # codec the bytes were really in
    name: str  # short name of the right codec for the kind
    wrong_name: str
    #: Must the decoded text be Chinese? (Yes unless UTF-8 read as latin-1.)
    chinese_only: bool = field(init=False)
    #: A GBK/Big5 swap: one Han character for another, so a lone unit proves little.
    swap: bool = field(init=False)

    def __post_init__(self) -> None:
        # Plain attributes, not properties: they are read for every candidate.
        object.__setattr__(self, "chinese_only", not (self.wrong == "latin" and self.right == "utf-8"))
        object.__setattr__(self, "swap", self.wrong in ("big5", "gbk") and self.right in ("big5", "gbk"))


PAIRS: tuple[Pair, ...] = (
    Pair("latin", "utf-8", "utf8", "cp1252"),
    Pair("gb18030", "utf-8", "utf8", "gbk"),
    Pair("latin", "gbk", "gbk", "cp1252"),
    Pair("latin", "big5", "big5", "cp1252"),
    Pair("utf-8", "gbk", "gbk", "utf8"),
    Pair("big5", "gbk", "gbk", "big5"),
    Pair("gbk", "big5", "big5", "gbk"),
    Pair("big5hkscs", "utf-8", "utf8", "big5"),
    # Whole lines only: UTF-8 read as cp1252, then that read as GBK.
    Pair("gb18030", "utf-8+latin", "utf8", "cp1252+utf8_as_gbk"),
)


class _Encoded(dict):
    """Character -> its bytes in one codec (``None`` if it has none), memoised."""

    def __init__(self, codec: str) -> None:
        super().__init__()
        self.codec = codec

    def __missing__(self, ch: str) -> bytes | None:
        if self.codec == "latin":
            b = _LATIN.get(ch)
            value = None if b is None else bytes((b,))
        else:
            try:
                value = ch.encode(self.codec)
            except UnicodeEncodeError:
                value = None
        self[ch] = value
        return value


_ENCODED: dict[str, _Encoded] = {}


def _encoder(codec: str) -> _Encoded:
    table = _ENCODED.get(codec)
    if table is None:
        table = _ENCODED[codec] = _Encoded(codec)
    return table


def _token_lengths(codec: str, lead: int, nxt: int) -> tuple[int, ...]:
    if codec == "utf-8":
        if 0xC2 <= lead <= 0xDF:
            return (2,)
        if 0xE0 <= lead <= 0xEF:
            return (3,)
        if 0xF0 <= lead <= 0xF4:
            return (4,)
        return ()
    # GBK, Big5: double-byte with a lead byte >= 0x81
    if 0x81 <= lead <= 0xFE:
        return (2,)
    return ()


#: By the right codec: the length of the token a lead byte (>= 0x80) starts, 0 if none.
_TOKEN_SIZES = {
    codec: bytes(next(iter(_token_lengths(codec, lead, -1)), 0) for lead in range(256))
    for codec in ("utf-8", "gbk", "big5")
}


@cache
def _decoder(codec: str):
    @lru_cache(maxsize=65536)
    def dec(chunk: bytes) -> str | None:
        try:
            out = chunk.decode(codec)
        except UnicodeDecodeError:
            return None
        return out if len(out) == 1 else None

    return dec


def plausible(pair: Pair, before: str, decoded: str, after: str) -> bool:
    """Does ``decoded`` pass the checks a unit's decoding must pass?"""
    return _plausible_unit(pair, before, decoded, after)


_LATIN1_ONLY = re.compile("[\x80\x82-\x8c\x8e\x91-\x9c\x9e\x9f]")


def wrong_kind(pair: Pair, before: str) -> str:
    """The corruption's name, e.g. ``utf8_as_cp1252``, for a span."""
    wrong = pair.wrong_name
    if pair.wrong == "latin":
        # C1 controls that windows-1252 would have shown as € ‚ ƒ …: latin-1.
        wrong = "latin1" if _LATIN1_ONLY.search(before) else "cp1252"
    return f"{pair.name}_as_{wrong}"


def _plausible_unit(pair: Pair, before: str, decoded: list[str] | str, after: str) -> bool:
    text = decoded if isinstance(decoded, str) else "".join(decoded)
    if pair.chinese_only and NOT_CHINESE.search(text) is not None:
        return False
    # UTF-8 read as GBK or Big5: a unit is a character or two of one text, not Simplified and
    # Traditional at once (纸黷 from correct 蝥賊遠).
    if (pair.right == "utf-8" and pair.wrong != "latin" and not SIMPLIFIED_ONLY.isdisjoint(text)
            and not TRADITIONAL_ONLY.isdisjoint(text)):
        return False
    # A trail byte that is ASCII happens where Chinese meets ASCII text: a
    # unit that decodes to "社j" just before "饰" is two correct characters.
    if pair.wrong != "latin" and decoded[-1] < "\x80" and after and after >= "\x80":
        return False
    # GBK read as UTF-8 only ever gives two-byte UTF-8 characters.
    return not (pair.wrong == "utf-8" and any(c >= "\u0800" for c in before))


#: Units are looked for from this many characters before a match of the
#: pair's evidence; a chain that goes on past the match is followed to its end.
WINDOW = 12
#: The most characters one unit spans.
MAX_UNIT = 12


def units(line: str, pair: Pair, evidence: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """``(start, end, decoded)`` for each unit of ``line`` under ``pair``, in
    order, near the matches of ``evidence`` (only chains holding one count)."""
    if pair.right == "utf-8+latin":
        return []  # whole lines only
    out: list[tuple[int, int, str]] = []
    pos = 0
    for m in evidence.finditer(line):
        if m.end() <= pos:
            continue
        pos = _units_from(line, pair, max(pos, m.start() - WINDOW), m.end(), out)
    return out


def reach(line: str, evidence: re.Pattern[str]) -> list[tuple[int, int]]:
    """Spans of ``line`` that :func:`units` may cover, in order (they may overlap).

    The unit search starts ``WINDOW`` characters before a match of
    ``evidence`` and gives up ``2 * WINDOW`` characters after it, the last
    unit reaching at most ``MAX_UNIT`` characters further. A character
    outside every span is left as it is whatever the search decodes.
    """
    return [(max(0, m.start() - WINDOW), m.end() + 2 * WINDOW + MAX_UNIT) for m in evidence.finditer(line)]


def _units_from(line: str, pair: Pair, i: int, until: int,
                out: list[tuple[int, int, str]]) -> int:
    """Greedy units from character ``i`` until the chain breaks after ``until``."""
    enc = _encoder(pair.wrong)
    dec = _decoder(pair.right)
    sizes = _TOKEN_SIZES[pair.right]
    n = len(line)

    while i < n:
        if (i >= until and not (out and out[-1][1] == i)) or i >= until + 2 * WINDOW:
            return i  # past the evidence and the chain is broken (or long enough)
        b = enc[line[i]]
        if b is None or (len(b) == 1 and b[0] < 0x80):
            i += 1
            continue
        # Try to build a unit starting at character i.
        buf = bytearray()
        pos = 0  # parse position in buf
        decoded: list[str] = []
        j = i
        found = -1
        while j < n and j - i < MAX_UNIT:
            bj = enc[line[j]]
            if bj is None:
                break
            buf += bj
            j += 1
            ok = True
            while pos < len(buf):
                lead = buf[pos]
                if lead < 0x80:
                    decoded.append(chr(lead))
                    pos += 1
                    continue
                size = sizes[lead]
                if not size:
                    ok = False
                    break
                if pos + size > len(buf):
                    break  # need more bytes
                ch = dec(bytes(buf[pos : pos + size]))
                if ch is None:
                    ok = False
                    break
                decoded.append(ch)
                pos += size
            if not ok:
                break
            if pos == len(buf):
                found = j
                break
        if found > 0 and _plausible_unit(pair, line[i:found], text := "".join(decoded),
                                         line[found : found + 1]):
            out.append((i, found, text))
            i = found
        else:
            i += 1
    return i
