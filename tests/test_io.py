"""Streaming reads, JSONL field rewriting and atomic writes."""

from __future__ import annotations

import codecs
import io
import itertools
import json
import os
import stat
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.decode import DecodeError
from zhnorm.io import (
    CHUNK_SIZE,
    BinaryInputError,
    Chunk,
    JsonlError,
    TextChunks,
    atomic_writer,
    iter_byte_chunks,
    parse_record,
    reencode_record,
    rewrite_jsonl_line,
)
from zhnorm.parallel import ChunkJob, ChunkResult, _widen_pipes
from zhnorm.pipeline import Normalizer


def test_chunks_end_at_line_ends_and_lose_nothing() -> None:
    data = b"".join(f"line {i} 中文\r\n".encode() for i in range(1000)) + b"no newline"
    chunks = list(iter_byte_chunks(io.BytesIO(data), size=100))
    assert b"".join(chunks) == data
    assert all(c.endswith(b"\n") for c in chunks[:-1])


def test_a_line_longer_than_a_chunk_stays_whole() -> None:
    data = b"x" * 10_000 + b"\n" + b"y" * 5
    assert list(iter_byte_chunks(io.BytesIO(data), size=64)) == [b"x" * 10_000 + b"\n", b"y" * 5]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"\n", b"a", b"\xe4\xb8\xad", b"\r\n"]), max_size=200), st.integers(1, 20))
def test_chunks_end_at_the_last_line_end_of_each_read(parts: list[bytes], size: int) -> None:
    # Where chunks end decides what the stages see together: it is pinned here.
    data = b"".join(parts)
    ends = []
    for mark in range(size, len(data) + size, size):  # each read ends at a multiple of size
        end = data.rfind(b"\n", 0, min(mark, len(data))) + 1
        if end > (ends[-1] if ends else 0):
            ends.append(end)
    if not ends or ends[-1] < len(data):
        ends.append(len(data))
    chunks = list(iter_byte_chunks(io.BytesIO(data), size=size))
    assert list(itertools.accumulate(map(len, chunks))) == (ends if data else [])


@pytest.mark.parametrize("codec", ["utf-8", "gb18030", "big5", "utf-16", "utf-8-sig"])
def test_text_chunks_decode_whole_streams(codec: str) -> None:
    text = "".join(f"第{i}行：這是測試。\n" for i in range(3000))
    reader = TextChunks(io.BytesIO(text.encode(codec)), size=4096)
    chunks = list(reader)
    assert "".join(chunks) == text
    assert all(c.endswith("\n") for c in chunks)
    assert reader.bom == (codec in ("utf-16", "utf-8-sig"))


def test_late_bad_byte_is_reported_with_its_absolute_offset() -> None:
    good = ("中文\n" * 50_000).encode()
    reader = TextChunks(io.BytesIO(good + b"\xff\n"), size=1024)
    with pytest.raises(DecodeError) as info:
        list(reader)
    assert info.value.offset == len(good)


def test_nul_bytes_mean_binary() -> None:
    with pytest.raises(BinaryInputError):
        list(TextChunks(io.BytesIO(b"PK\x03\x04\x00\x00binary")))


_LONG_FIRST_LINE = b"a" * 70_000 + b"\n"  # more than encoding detection reads: the rest comes in small chunks


def test_utf8_chunks_stay_bytes_cut_at_line_ends_and_numbered() -> None:
    text = "".join(f"第{i}行：中文，測試\r\n" for i in range(3000)) + "末行沒有換行"
    data = text.encode()
    chunks = list(TextChunks(io.BytesIO(data), size=100).chunks())
    assert len(chunks) > 100
    assert all(type(c.data) is bytes for c in chunks)
    assert b"".join(c.data for c in chunks) == data  # CR LF kept, nothing decoded or lost
    assert all(c.data.endswith(b"\r\n") for c in chunks[:-1])
    ends = itertools.accumulate(len(c.data) for c in chunks[:-1])
    assert [c.offset for c in chunks] == [0, *ends]
    assert [c.first_line for c in chunks] == [data.count(b"\n", 0, c.offset) + 1 for c in chunks]
    assert "".join(c.text() for c in chunks) == text


def test_other_encodings_come_as_decoded_numbered_chunks() -> None:
    text = "".join(f"第{i}行：中文\n" for i in range(20_000))
    chunks = list(TextChunks(io.BytesIO(text.encode("gb18030")), size=4096).chunks())
    assert all(type(c.data) is str for c in chunks)
    assert "".join(c.text() for c in chunks) == text
    assert [c.first_line for c in chunks] == list(
        itertools.accumulate((c.data.count("\n") for c in chunks[:-1]), initial=1)
    )


def test_a_utf8_bom_is_left_out_of_the_first_chunk() -> None:
    data = codecs.BOM_UTF8 + ("中文\r\n" * 30_000).encode()
    reader = TextChunks(io.BytesIO(data), size=1000)
    chunks = list(reader.chunks())
    assert reader.bom and reader.encoding == "utf-8-sig"
    assert chunks[0].offset == 3 and b"".join(c.data for c in chunks) == data[3:]
    assert "".join(c.text() for c in chunks) == data.decode("utf-8-sig")
    assert list(TextChunks(io.BytesIO(codecs.BOM_UTF8)).chunks()) == []  # as decoding gives: no text


def _decoded_whole(data: bytes, errors: str) -> str | tuple[int, str]:
    bom = 3 if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        return bom + exc.start, exc.reason


def _decoded_in_chunks(data: bytes, errors: str, size: int) -> str | tuple[int, str]:
    try:
        return "".join(c.text() for c in TextChunks(io.BytesIO(data), "utf-8", errors, size).chunks())
    except DecodeError as exc:
        return exc.offset, exc.reason


_BAD_UTF8 = st.sampled_from(
    [b"\xff", b"\xe4\xb8", b"\xe4", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.text(max_size=12).map(str.encode), _BAD_UTF8), max_size=30),
    st.sampled_from([b"\n", b"\r\n", b""]),
    st.booleans(),
    st.sampled_from(["strict", "replace"]),
    st.integers(1, 40),
)
def test_utf8_chunks_decode_as_the_whole_input_does(
    parts: list[bytes], glue: bytes, bom: bool, errors: str, size: int
) -> None:
    # A bad byte anywhere (a chunk's first or last byte, a sequence cut by a line end or
    # by the end of the input): the same text, or the same error at the same offset.
    data = (codecs.BOM_UTF8 if bom else b"") + _LONG_FIRST_LINE + glue.join(parts)
    assert _decoded_in_chunks(data, errors, size) == _decoded_whole(data, errors)


def test_a_bad_utf8_sequence_before_a_chunk_end_has_its_offset_in_the_input() -> None:
    good = _LONG_FIRST_LINE + "中文\n".encode() * 100
    data = good + b"\xe4\xb8\n" + "中文\n".encode() * 100
    with pytest.raises(DecodeError) as info:
        list(TextChunks(io.BytesIO(data), size=64))
    assert (info.value.offset, info.value.reason) == (len(good), "invalid continuation byte")
    assert str(info.value) == f"not valid utf-8 at byte {len(good)}: invalid continuation byte"


def test_chunk_text_is_its_data_when_already_decoded() -> None:
    assert Chunk("中文\n", 1).text() == "中文\n"
    with pytest.raises(DecodeError, match="not valid utf-8-sig at byte 13: invalid start byte"):
        Chunk(b"abc\xff", 4, offset=10, encoding="utf-8-sig").text()


def test_chunks_are_numbered_only_when_asked() -> None:
    text = "中文\n" * 50_000
    for encoding in ("utf-8", "gb18030"):
        chunks = list(TextChunks(io.BytesIO(text.encode(encoding)), size=1000).chunks(numbered=False))
        assert len(chunks) > 1 and {c.first_line for c in chunks} == {0}


def test_workers_give_what_one_process_gives() -> None:
    from zhnorm.parallel import Workers

    job = ChunkJob(_JOB_CONFIG, fields=(("text",),), keep_going=True)
    data = "".join(f'{{"id": {i}, "text": "第{i}條：繁體"}}\n' if i % 7 else "{bad\n" for i in range(20_000))
    chunks = list(TextChunks(io.BytesIO(data.encode()), size=20_000).chunks())

    def run(jobs: int) -> list[tuple[Chunk, ChunkResult]]:
        with Workers(job, jobs) as workers:
            return list(workers.outcomes((chunk, chunk) for chunk in chunks))  # type: ignore[arg-type]

    one, two = run(1), run(2)
    assert len(chunks) > 4 and [c for c, _ in two] == chunks
    assert [(r.data, r.warnings) for _, r in one] == [(r.data, r.warnings) for _, r in two]


@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_run_the_chunks_of_several_inputs_side_by_side(jobs: int) -> None:
    # The outcomes of tagged chunks come back in order, a failing chunk as its exception in
    # its place (the next input's chunks go on), items without a chunk keep their place, and
    # with workers the chunks of the next small inputs are already running (read ahead).
    from zhnorm.parallel import Workers

    job = ChunkJob(_JOB_CONFIG)
    texts = ["简体\n", "中文\n".encode() + b"\xff\n", "繁體\n", "头发\n", "后来\n"]
    pulled: list[int] = []

    def items() -> Iterator[tuple[tuple[str, int], Chunk | None]]:
        for i, text in enumerate(texts):
            pulled.append(i)
            data = text.encode() if type(text) is str else text
            yield ("chunk", i), Chunk(data, 1, 0, "utf-8")
            yield ("end", i), None

    with Workers(job, jobs) as workers:
        seen = []
        for (kind, i), outcome in workers.outcomes(items()):
            if not seen:
                assert len(pulled) == (1 if jobs == 1 else 5)  # workers: two chunks' bytes a worker ahead
            seen.append((kind, i, outcome))
    assert [(kind, i) for kind, i, _ in seen] == [(k, i) for i in range(5) for k in ("chunk", "end")]
    assert [o for kind, _, o in seen if kind == "end"] == [None] * 5
    chunks = [o for kind, _, o in seen if kind == "chunk"]
    assert isinstance(chunks[1], DecodeError) and chunks[1].offset == 7
    written = [o.data.decode() for k, o in enumerate(chunks) if k != 1]
    assert written == ["简体\n", "繁体\n", "头发\n", "后来\n"]


def test_widened_pipes_hold_a_chunk() -> None:
    fcntl = pytest.importorskip("fcntl")
    from concurrent.futures import ProcessPoolExecutor

    _widen_pipes(object())  # not an executor as expected: left alone
    with ProcessPoolExecutor(1) as pool:
        _widen_pipes(pool)
        for pipe in (pool._call_queue._writer, pool._result_queue._writer):
            assert fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ) >= CHUNK_SIZE


def test_jsonl_keeps_every_other_byte() -> None:
    line = '{"id": 1.50e3, "meta": {"t": "\\u4e2d", "n": null}, "text": "abc\\n", "z": [1, "x"]}'
    out = rewrite_jsonl_line(line, [("text",), ("meta", "t")], str.upper)
    assert out == '{"id": 1.50e3, "meta": {"t": "\\u4e2d", "n": null}, "text": "ABC\\n", "z": [1, "x"]}'


def test_jsonl_unchanged_field_keeps_its_escapes() -> None:
    line = '{"text": "\\u4e2d\\u6587"}'
    assert rewrite_jsonl_line(line, [("text",)], lambda s: s) is line


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"text": 3}', "not a string"),
        ('{"text": "a"', "expected"),
        ("[1, 2]", "JSON object"),
        ('{"text": "a"} x', "extra data"),
    ],
)
def test_jsonl_errors(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rewrite_jsonl_line(line, [("text",)], str.upper)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=5),
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
        max_size=6,
    ),
    st.booleans(),
)
def test_jsonl_rewrite_equals_parse_and_modify(record: dict, ascii_only: bool) -> None:
    line = json.dumps(record, ensure_ascii=ascii_only)
    fields = [(k,) for k, v in record.items() if isinstance(v, str) or v is None]
    out = rewrite_jsonl_line(line, fields, lambda s: s + "！")
    expected = {k: (v + "！" if isinstance(v, str) else v) for k, v in record.items()}
    assert json.loads(out) == expected


def test_atomic_writer_keeps_mode_and_replaces(tmp_path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    with atomic_writer(target) as out:
        out.write(b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["a.txt"]


def test_atomic_writer_leaves_original_on_error(tmp_path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as out:
        out.write(b"partial")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.txt"]


# --- JSONL chunks: the batched path writes what the per-record path writes --------------------

_TEXTS = [
    "繁體中文的網頁", "简体中文", "ä¸­æ–‡", "續(xù)寫", "你好,世界",
    "", "plain", "\ud800孤", "ＡＢＣ", 'q"\\\n',
]
_STYLES = {
    "default": lambda r: json.dumps(r, ensure_ascii=False),
    "compact": lambda r: json.dumps(r, ensure_ascii=False, separators=(",", ":")),
    "ascii": lambda r: json.dumps(r),
    "sorted": lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True),
    "spaced": lambda r: " " + json.dumps(r, ensure_ascii=False, separators=(" , ", " : ")) + "\t",
}
_BAD = ['{"text": 3}', '{"text": "a"', "[1, 2]", '{"text": "a"} x', "null", '{"text": {"t": "x"}}', "{]"]
_JOB_CONFIG = Normalizer(to="hans")


@st.composite
def _jsonl_chunk(draw: st.DrawFn) -> str:
    values = st.one_of(
        st.sampled_from(_TEXTS), st.none(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
        st.text(max_size=6),
    )
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["record", "record", "record", "bad", "blank", "raw"]))
        if kind == "bad":
            lines.append(draw(st.sampled_from(_BAD)))
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "  ", "\t"])))
        elif kind == "raw":  # bytes json would not write: number forms, escapes, duplicate keys
            text = draw(st.sampled_from(_TEXTS)).replace("\\", "").replace('"', "").replace("\n", "")
            lines.append(draw(st.sampled_from([
                f'{{"id": 1.50, "text": "{text}"}}',
                f'{{"text": "{text}", "text": "體"}}',
                f'{{"text": "\\u9ad4{text}", "n": 1e400}}',
                f'{{"meta": {{"title": "{text}"}}, "text": null}}',
            ])))
        else:
            record = draw(st.dictionaries(st.sampled_from(["id", "text", "lang", "x"]), values, max_size=4))
            if draw(st.booleans()):
                record["meta"] = {"title": draw(values), "n": draw(values)}
            lines.append(_STYLES[draw(st.sampled_from(sorted(_STYLES)))](record))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + draw(st.sampled_from(["", ending]))


def _run_chunk(job: ChunkJob, chunk: str | bytes, way: str) -> tuple[str, list[str]] | str:
    """What a path makes of ``chunk``: (output, warnings), or the error's message."""
    result = ChunkResult()
    try:
        if way == "batched":
            out = job._jsonl(chunk, 1, result)
        elif way == "each":
            text = Chunk(chunk, 1).text()  # bytes: decoded first, as the text path does
            out = job._jsonl_each(text, 1, result)
        else:  # the whole job, on a chunk of text or of UTF-8 bytes
            result = job(Chunk(chunk, 1))
            out = result.data.decode("utf-8", "surrogatepass")
    except (JsonlError, DecodeError) as exc:
        return str(exc)
    return out, result.warnings


_FIELDS = st.sampled_from([(("text",),), (("text",), ("meta", "title")), (("meta", "title"),)])


@settings(max_examples=300, deadline=None)
@given(_jsonl_chunk(), _FIELDS, st.booleans())
def test_batched_jsonl_chunk_is_the_per_record_output(
    chunk: str, fields: tuple[tuple[str, ...], ...], keep_going: bool
) -> None:
    job = ChunkJob(_JOB_CONFIG, fields=fields, keep_going=keep_going)
    expected = _run_chunk(job, chunk, "each")
    assert _run_chunk(job, chunk, "batched") == expected
    assert _run_chunk(job, chunk, "job") == expected
    data = chunk.encode("utf-8", "surrogatepass")  # a lone surrogate makes it bad UTF-8
    assert _run_chunk(job, data, "job") == _run_chunk(job, data, "each")


@settings(max_examples=200, deadline=None)
@given(_jsonl_chunk(), _FIELDS, st.booleans(), st.data())
def test_a_bad_byte_in_a_jsonl_chunk_is_reported_before_any_bad_record(
    chunk: str, fields: tuple[tuple[str, ...], ...], keep_going: bool, data: st.DataObject
) -> None:
    job = ChunkJob(_JOB_CONFIG, fields=fields, keep_going=keep_going)
    raw = chunk.encode("utf-8", "surrogatepass")
    at = data.draw(st.integers(0, len(raw)))
    bad = raw[:at] + data.draw(st.sampled_from([b"\xff", b"\xe4\xb8", b"\xc0\xaf"])) + raw[at:]
    message = _run_chunk(job, bad, "job")
    assert message == _run_chunk(job, bad, "each")
    assert isinstance(message, str) and message.startswith("not valid utf-8 at byte")


def test_reencode_record_only_for_lines_json_writes() -> None:
    record = {"id": 1.5, "text": "繁體"}
    assert reencode_record('{"id": 1.5, "text": "繁體"}', record, [(record, "text", "繁体")]) == (
        '{"id": 1.5, "text": "繁体"}'
    )
    not_as_json_writes = (
        '{"id": 1.50, "text": "繁體"}', '{"id": 1.5, "text": "\\u7e41體"}', '{"id":1.5,"text": "繁體"}'
    )
    for line in not_as_json_writes:
        record = {"id": 1.5, "text": "繁體"}
        assert reencode_record(line, record, [(record, "text", "繁体")]) is None
        assert record == {"id": 1.5, "text": "繁體"}  # left as it was


_KEYS = st.sampled_from(["text", "t", 'te"xt', "é", "text\\"])
_STRINGS = st.one_of(
    st.sampled_from(['"text": "a"', '", "text": "', "\\", "a", "", "text", '\\"text\\": ']),
    st.text(max_size=6),
)


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(_KEYS, st.one_of(_STRINGS, st.dictionaries(_KEYS, _STRINGS, max_size=3)), min_size=1),
    _STRINGS,
    st.booleans(),
    st.data(),
)
def test_reencode_record_writes_what_json_writes(
    record: dict, new: str, compact: bool, data: st.DataObject
) -> None:
    # The same key and value inside other values, nested objects or keys: only the top-level value changes.
    separators = (",", ":") if compact else (", ", ": ")
    line = json.dumps(record, ensure_ascii=False, separators=separators)
    key = data.draw(st.sampled_from(sorted(record)))
    expected = dict(record, **{key: new})
    parsed = json.loads(line)
    out = reencode_record(line, parsed, [(parsed, key, new)])
    assert out == json.dumps(expected, ensure_ascii=False, separators=separators)
    assert parsed == expected


def test_parse_record_reads_what_json_reads() -> None:
    for line in ('{"a": NaN}', '{"a": 1e400}', '{"a": "\\ud800"}', '{"a": 1, "a": 2}', '{"t": "\\u4e2d"}'):
        assert repr(parse_record(line)) == repr(json.loads(line))
    assert parse_record("{]") is None and parse_record("") is None


def test_batched_jsonl_rewrites_only_changed_values_keeping_every_other_byte() -> None:
    job = ChunkJob(_JOB_CONFIG, fields=(("text",),))
    chunk = "".join(
        line + "\n"
        for line in [
            '{"id": 1, "text": "繁體", "score": 0.5}',  # as json.dumps writes it: written again
            '{"id":2,"text":"繁體"}',  # compact json.dumps
            '{"id": 3, "text": "\\u7e41\\u9ad4", "x": 1.50}',  # escapes and number forms kept
            '{"id": 4, "text": "简体"}',  # unchanged: kept as it is
            '{"id": 5, "text": null}',
        ]
    )
    assert job._jsonl(chunk, 1, ChunkResult()) == (
        '{"id": 1, "text": "繁体", "score": 0.5}\n'
        '{"id":2,"text":"繁体"}\n'
        '{"id": 3, "text": "繁体", "x": 1.50}\n'
        '{"id": 4, "text": "简体"}\n'
        '{"id": 5, "text": null}\n'
    )


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=5), _JSON_VALUES, max_size=5))
def test_record_writers_write_what_json_dumps_writes(record: dict) -> None:
    from zhnorm.io import _ENCODERS

    default, compact = _ENCODERS
    assert default(record) == json.dumps(record, ensure_ascii=False)
    assert compact(record) == json.dumps(record, ensure_ascii=False, separators=(",", ":"))
