"""Bytes in and out: streaming reads cut at line ends, JSONL fields, atomic writes.

This module knows bytes, files, encodings and JSON; it knows nothing of
Chinese. Text is read in bounded chunks that always end at a line end, so a
stage never sees half a line and memory stays flat however large the input
is (one very long line is kept whole).
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from zhnorm.decode import DecodeError, detect

__all__ = [
    "CHUNK_SIZE",
    "BinaryInputError",
    "Chunk",
    "JsonlError",
    "TextChunks",
    "atomic_writer",
    "iter_byte_chunks",
    "iter_files",
    "parse_record",
    "reencode_record",
    "rewrite_jsonl_line",
    "utf8_record_loader",
]

#: Bytes read at a time; chunks are then cut back to the last line end.
CHUNK_SIZE = 1 << 20
_SNIFF = 64 * 1024


class BinaryInputError(ValueError):
    """The input has NUL bytes and no UTF-16/32 BOM: it is not text."""


class JsonlError(ValueError):
    """A JSONL record that cannot be processed; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)  # args stay (line, message): picklable across --jobs
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def iter_byte_chunks(stream: BinaryIO, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Read ``stream`` in pieces of about ``size`` bytes, each ending at ``\\n``.

    Only the last piece may lack a final newline; a line longer than ``size``
    comes out whole.
    """
    pending: list[bytes] = []  # what follows the last line end, read so far
    while True:
        block = stream.read(size)
        if not block:
            break
        cut = block.rfind(b"\n") + 1
        if not cut:
            pending.append(block)
            continue
        if pending:
            pending.append(memoryview(block)[:cut])
            yield b"".join(pending)  # one copy of the chunk's bytes
        else:
            yield block if cut == len(block) else block[:cut]
        pending = [block[cut:]] if cut < len(block) else []
    if pending:
        yield b"".join(pending)


class Chunk(NamedTuple):
    """A numbered piece of the input that ends at a line end (only the last one may not).

    ``data`` is its text, or for UTF-8 input its bytes as read, which
    :meth:`text` decodes: a ``--jobs`` worker then decodes its own chunks, and
    the parent neither decodes them nor encodes them again to send them.
    """

    data: str | bytes
    #: The number of its first line (1-based), or 0 where lines were not counted.
    first_line: int
    #: Where ``data`` starts in the input, in bytes (bytes ``data`` only).
    offset: int = 0
    #: The input's encoding as a :class:`~zhnorm.decode.DecodeError` names it (bytes ``data`` only).
    encoding: str = "utf-8"
    errors: str = "strict"

    def text(self) -> str:
        """The chunk's text; a byte that is not UTF-8 raises DecodeError with its offset in the input.

        Decoding the chunks one by one gives what decoding the input whole
        gives: they are cut after a ``\\n``, which in UTF-8 is never part of
        a longer sequence.
        """
        data = self.data
        if type(data) is str:
            return data
        try:
            return data.decode("utf-8", self.errors)
        except UnicodeDecodeError as exc:
            raise DecodeError(self.encoding, self.offset + exc.start, exc.reason) from None


@dataclass
class TextChunks:
    """Decode a byte stream into text chunks that end at line ends.

    ``encoding="auto"`` looks at the first 64 KiB (BOM, strict UTF-8, then the
    Chinese legacy encodings) and decodes everything with that choice; a
    later byte that does not fit raises :class:`~zhnorm.decode.DecodeError`
    with its absolute offset, never a silent replacement unless
    ``errors="replace"``. After iteration, ``encoding`` names the codec used
    and ``bom`` says whether the input started with a byte-order mark.
    Iterating gives the chunks' text; :meth:`chunks` gives them as
    :class:`Chunk`, UTF-8 ones not decoded yet.
    """

    stream: BinaryIO
    encoding: str = "auto"
    errors: str = "strict"
    size: int = CHUNK_SIZE
    bom: bool = False

    def __iter__(self) -> Iterator[str]:
        for chunk in self.chunks():
            yield chunk.text()

    def chunks(self, numbered: bool = True) -> Iterator[Chunk]:
        """The input as :class:`Chunk` s; UTF-8 ones keep their bytes (the BOM left out).

        With ``numbered=False`` lines are not counted (``first_line`` is 0):
        counting them costs the parent of ``--jobs`` a tenth of its time, and
        only JSONL records and ``--explain`` name line numbers.
        """
        chunks = iter_byte_chunks(self.stream, self.size)
        head = b""
        for chunk in chunks:  # gather enough to sniff the encoding
            head += chunk
            if len(head) >= _SNIFF:
                break
        if not head:
            return
        self._choose(head)
        line = 1 if numbered else 0
        sig = head.startswith(codecs.BOM_UTF8)
        if self.encoding == "utf-8" or (self.encoding == "utf-8-sig" and sig):
            offset = 3 if sig else 0
            for data in _chain_first(head[offset:], chunks):
                if not data:  # a BOM and nothing else: no chunk, as when decoding
                    continue
                yield Chunk(data, line, offset, self.encoding, self.errors)
                offset += len(data)
                if numbered:
                    line += data.count(b"\n")
            return
        for text in self._decoded(_chain_first(head, chunks)):
            yield Chunk(text, line)
            if numbered:
                line += text.count("\n")

    def _decoded(self, pieces: Iterable[bytes]) -> Iterator[str]:
        """Decode ``pieces`` with an incremental decoder (UTF-16 can split a ``\\n``)."""
        decoder = codecs.getincrementaldecoder(self.encoding)(self.errors)
        offset = 0
        carry = ""  # decoded text after the last line end
        for data in pieces:
            try:
                text = carry + decoder.decode(data)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's pending bytes followed by ``data``.
                begin = offset - (len(exc.object) - len(data))
                raise DecodeError(self.encoding, begin + exc.start, exc.reason) from None
            offset += len(data)
            cut = text.rfind("\n") + 1
            if cut:
                yield text[:cut]
            carry = text[cut:]
        try:
            tail = carry + decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            begin = offset - len(exc.object)
            raise DecodeError(self.encoding, begin + exc.start, exc.reason) from None
        if tail:
            yield tail

    def _choose(self, head: bytes) -> None:
        if self.encoding == "auto":
            self.encoding = detect(head)
            if b"\0" in head and not self.encoding.startswith(("utf-16", "utf-32")):
                raise BinaryInputError("binary file (NUL bytes)")
        else:
            try:
                self.encoding = codecs.lookup(self.encoding).name
            except LookupError:
                raise DecodeError(self.encoding, 0, "unknown encoding") from None
        self.bom = head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if self.encoding == "utf-8" and self.bom:
            self.encoding = "utf-8-sig"


def _chain_first(first: bytes, rest: Iterable[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def iter_files(paths: Iterable[Path], *, recursive: bool, glob: str) -> Iterator[tuple[Path, bool]]:
    """Expand paths into ``(file, named)``: ``named`` is False for files found in a directory.

    Directories are walked (sorted, hidden entries skipped) only with
    ``recursive``; otherwise they raise :class:`IsADirectoryError`.
    """
    for path in paths:
        if path.is_dir():
            if not recursive:
                raise IsADirectoryError(f"{path}: is a directory (use --recursive)")
            for found in sorted(path.rglob(glob)):
                rel = found.relative_to(path).parts
                if found.is_file() and not any(p.startswith(".") for p in rel):
                    yield found, False
        elif path.exists():
            yield path, True
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """Write ``path`` all at once or not at all.

    The data goes to a temporary file in the same directory, which is
    flushed, fsynced and renamed over ``path``; an existing file's permission
    bits are kept. On any error (or KeyboardInterrupt) the temporary file is
    removed and ``path`` is untouched.
    """
    path = Path(path)
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    import tempfile  # imported here: a run that writes to stdout should not pay for it

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".zhnorm-tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- JSONL ----------------------------------------------------------------

_DECODER = json.JSONDecoder()
_WS = " \t\n\r"


def _writer(item_separator: str, key_separator: str) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, separators=...).encode``, for parsed records.

    The standard encoder builds its C encoder afresh on each call, a third of
    the time a small record takes; this one is built once, and without the
    check for circular references (a parsed record has none). Where json has
    no C encoder, or it writes a sample differently, the standard one is used.
    """
    standard = json.JSONEncoder(ensure_ascii=False, separators=(item_separator, key_separator))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython has it
        return standard.encode
    c_encoder = make(
        None, standard.default, json.encoder.encode_basestring, None,
        key_separator, item_separator, False, False, True,
    )

    def encode(record: Any) -> str:
        return "".join(c_encoder(record, 0))

    sample = {"n": [1, -2.5, 1e300, -0.0, float("inf"), None, True], "s": '中"\\\n\x00\u2028', "o": {"k": ""}}
    try:
        same = encode(sample) == standard.encode(sample)
    except Exception:  # pragma: no cover - a C encoder of another signature
        same = False
    return encode if same else standard.encode


#: What ``json.dumps(record, ensure_ascii=False)`` writes, with its default and its compact separators.
_ENCODERS = (_writer(", ", ": "), _writer(",", ":"))


def parse_record(line: str) -> Any:
    """The JSON value of ``line``, or ``None`` when it is not valid JSON (or is ``null``).

    orjson parses a record in a third of json's time; it gives up on what
    json reads (NaN, lone surrogates, 1e400), which json then reads. The
    strings are those :func:`json.loads` gives; numbers may differ (orjson
    reads integers beyond 64 bits as floats), which :func:`reencode_record`
    notices: such a record is not written as it was read.
    """
    try:
        return _fast_loads(line)
    except ValueError:
        pass
    try:
        return json.loads(line)
    except ValueError:
        return None


def utf8_record_loader() -> Callable[[bytes], Any]:
    """orjson's ``loads``, which reads a JSON record from its UTF-8 bytes (imported on first use).

    It reads bytes in 60% of the time it takes for the same record as a
    ``str`` (which it must encode first), reads what it accepts as it reads
    the text, and refuses bytes that are not UTF-8 (ValueError). What it
    refuses, :func:`parse_record` may still read from the text.
    """
    try:
        from orjson import loads
    except ImportError:  # pragma: no cover - orjson is a dependency
        return _refuse
    return loads


def _refuse(line: bytes) -> Any:  # pragma: no cover - without orjson: every line is read as text
    raise ValueError("read the text")


def _first_loads(line: str) -> Any:
    # orjson is imported on first use (a few ms a plain text run should not pay for).
    global _fast_loads
    try:
        from orjson import loads
    except ImportError:  # pragma: no cover - orjson is a dependency
        loads = json.loads
    _fast_loads = loads
    return loads(line)


_fast_loads: Callable[[str], Any] = _first_loads


def reencode_record(
    line: str, record: dict[str, Any], changes: list[tuple[dict[str, Any], str, str]]
) -> str | None:
    """``line`` with the string values ``changes`` names replaced, when ``line`` is exactly as json writes it.

    ``record`` is ``line`` parsed, and each change is ``(container, key,
    new value)`` inside it. When ``json.dumps(record, ensure_ascii=False)``
    (default or compact separators) gives ``line`` back, the record is
    written again with the new values: every other byte is then the same,
    and each new value is written as :func:`rewrite_jsonl_line` writes it.
    Otherwise ``None`` (and ``record`` is left as it was): the caller keeps
    the bytes with :func:`rewrite_jsonl_line`.
    """
    for encode in _ENCODERS:
        if encode(record) == line:
            for container, key, value in changes:
                container[key] = value
            return encode(record)
    return None


def rewrite_jsonl_line(line: str, fields: list[tuple[str, ...]], fix: Callable[[str], str]) -> str:
    """Apply ``fix`` to the string fields at ``fields`` (key paths) of one JSON record.

    Only the selected string values are re-encoded, and only when ``fix``
    changed them; every other byte of the record (key order, numbers,
    escapes, spacing) is kept exactly. Missing fields and ``null`` pass
    through; any other non-string value is an error.

    >>> rewrite_jsonl_line('{"id": 1.50, "text": "abc", "m": {"t": "x"}}', [("text",), ("m", "t")], str.upper)
    '{"id": 1.50, "text": "ABC", "m": {"t": "X"}}'
    """
    # Fast path: parse in C, fix the selected values, and keep the line as it
    # is when nothing changed (most records of a clean crawl).
    try:
        record = json.loads(line)
    except ValueError:
        record = None  # the scanner below says exactly what is wrong
    if isinstance(record, dict):
        fixed_values: dict[str, str] = {}
        for path in fields:
            value = _lookup(record, path)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ValueError(f"field {'.'.join(path)!r} is {type(value).__name__}, not a string")
            if value not in fixed_values:
                fixed_values[value] = fix(value)
        if all(v == k for k, v in fixed_values.items()):
            return line
        fix = _memo(fixed_values, fix)
    spans: list[tuple[int, int, str]] = []
    end = _walk_object(line, _skip_ws(line, 0), fields, (), spans)
    if _skip_ws(line, end) != len(line):
        raise ValueError("extra data after the JSON record")
    pieces: list[str] = []
    last = 0
    for start, stop, value in spans:
        fixed = fix(value)
        if fixed != value:
            pieces.append(line[last:start])
            pieces.append(json.dumps(fixed, ensure_ascii=False))
            last = stop
    if not pieces:
        return line
    pieces.append(line[last:])
    return "".join(pieces)


def _lookup(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = record
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _memo(known: dict[str, str], fix: Callable[[str], str]) -> Callable[[str], str]:
    def fixed(value: str) -> str:
        if value in known:
            return known[value]
        return fix(value)

    return fixed


def _skip_ws(s: str, i: int) -> int:
    n = len(s)
    while i < n and s[i] in _WS:
        i += 1
    return i


def _walk_object(
    s: str,
    i: int,
    fields: list[tuple[str, ...]],
    prefix: tuple[str, ...],
    spans: list[tuple[int, int, str]],
) -> int:
    """Scan the object at ``s[i]``; record spans of selected string values; return its end."""
    if i >= len(s) or s[i] != "{":
        if not prefix:
            raise ValueError("a JSONL record must be a JSON object")
        _, end = _DECODER.raw_decode(s, i)
        return end
    i = _skip_ws(s, i + 1)
    if i < len(s) and s[i] == "}":
        return i + 1
    while True:
        if i >= len(s) or s[i] != '"':
            raise ValueError(f"expected a key at column {i + 1}")
        key, i = json.decoder.scanstring(s, i + 1)
        i = _skip_ws(s, i)
        if i >= len(s) or s[i] != ":":
            raise ValueError(f"expected ':' at column {i + 1}")
        i = _skip_ws(s, i + 1)
        path = (*prefix, key)
        if path in fields:
            start = i
            value, i = _DECODER.raw_decode(s, i)
            if isinstance(value, str):
                spans.append((start, i, value))
            elif value is not None:
                raise ValueError(f"field {'.'.join(path)!r} is {type(value).__name__}, not a string")
        elif any(f[: len(path)] == path for f in fields) and s.startswith("{", i):
            i = _walk_object(s, i, fields, path, spans)
        else:
            _, i = _DECODER.raw_decode(s, i)
        i = _skip_ws(s, i)
        if i < len(s) and s[i] == ",":
            i = _skip_ws(s, i + 1)
            continue
        if i < len(s) and s[i] == "}":
            return i + 1
        raise ValueError(f"expected ',' or '}}' at column {i + 1}")
