"""Streaming reads, JSONL field rewriting and atomic writes."""

from __future__ import annotations

import io
import json
import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.decode import DecodeError
from zhnorm.io import BinaryInputError, TextChunks, atomic_writer, iter_byte_chunks, rewrite_jsonl_line


def test_chunks_end_at_line_ends_and_lose_nothing() -> None:
    data = b"".join(f"line {i} 中文\r\n".encode() for i in range(1000)) + b"no newline"
    chunks = list(iter_byte_chunks(io.BytesIO(data), size=100))
    assert b"".join(chunks) == data
    assert all(c.endswith(b"\n") for c in chunks[:-1])


def test_a_line_longer_than_a_chunk_stays_whole() -> None:
    data = b"x" * 10_000 + b"\n" + b"y" * 5
    assert list(iter_byte_chunks(io.BytesIO(data), size=64)) == [b"x" * 10_000 + b"\n", b"y" * 5]


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
