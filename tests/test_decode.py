"""bytes -> str: BOMs, strict UTF-8, GB18030/Big5 detection, errors that name the byte."""

from __future__ import annotations

import codecs
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm import decode
from zhnorm.decode import DecodeError, detect

SIMPLIFIED = "这是我们自己写的一段简体中文，用来测试编码检测是否可靠。北京的春天风很大。\n" * 3
TRADITIONAL = "這是我們自己寫的一段繁體中文，用來測試編碼檢測是否可靠。臺北的夏天很熱。\n" * 3


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (SIMPLIFIED, "gbk", "gb18030"),
        (SIMPLIFIED, "gb18030", "gb18030"),
        (TRADITIONAL, "big5", "big5"),
        (SIMPLIFIED, "utf-8", "utf-8"),
        (TRADITIONAL, "utf-8", "utf-8"),
    ],
)
def test_detects_and_decodes_real_encodings(text: str, encoding: str, expected: str) -> None:
    data = text.encode(encoding)
    assert detect(data) == expected
    assert decode(data) == text


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-32"])
def test_bom_decides(codec: str) -> None:
    data = SIMPLIFIED.encode(codec)
    assert decode(data) == SIMPLIFIED


def test_utf16_without_bom_is_not_guessed_as_text() -> None:
    data = codecs.BOM_UTF16_LE + "中文".encode("utf-16-le")
    assert decode(data) == "中文"


def test_explicit_encoding_error_names_the_byte() -> None:
    data = "中文".encode() + b"\xff" + "测试".encode()
    with pytest.raises(DecodeError) as info:
        decode(data, "utf-8")
    assert info.value.offset == 6
    assert "byte 6" in str(info.value)


def test_replace_is_opt_in_and_visible() -> None:
    data = "中文".encode() + b"\xff"
    assert decode(data, "utf-8", errors="replace") == "中文\ufffd"


def test_a_utf8_file_with_a_bad_byte_is_reported_as_utf8(tmp_path: Path) -> None:
    # Nothing decodes it: the error names the encoding that reads furthest, and its byte
    # (it said "not valid gb18030 at byte 26" of a UTF-8 file cut inside its last character).
    text = "简体中文的新闻，" * 500
    data = text.encode()
    for broken, at in ((data + "中".encode()[:2], len(data)), (data[:600] + b"\xff" + data[600:], 600)):
        assert detect(broken) == "utf-8"
        with pytest.raises(DecodeError) as info:
            decode(broken)
        assert (info.value.encoding, info.value.offset) == ("utf-8", at)
        path = tmp_path / "cut.txt"
        path.write_bytes(broken)
        done = subprocess.run(
            [sys.executable, "-m", "zhnorm", str(path)], capture_output=True, timeout=120
        )
        assert done.returncode == 2
        assert done.stderr.decode().strip() == f"zhnorm: {path}: not valid utf-8 at byte {at}: " + (
            "unexpected end of data" if at == len(data) else "invalid start byte"
        )


def test_auto_never_drops_bytes_silently() -> None:
    data = b"\x80\xff\xfe\x81"  # valid in none of the candidates
    with pytest.raises(DecodeError):
        decode(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_raise_the_documented_error(data: bytes) -> None:
    try:
        text = decode(data)
    except DecodeError:
        return
    assert isinstance(text, str)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("中文", "gbk"), ("繁體", "big5"), ("简体中文", "gbk"), ("沙拉醬", "big5"), ("網頁", "big5")],
)
def test_short_legacy_text_is_told_apart(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding)) == text


def test_gbk_and_big5_told_apart_on_people_written_sentences() -> None:
    import json

    from conftest import shared_path

    pairs = [json.loads(line) for line in shared_path("data", "mixed_pairs.jsonl").open(encoding="utf-8")]
    wrong = []
    for pair in pairs:
        for text, encoding in ((pair["simplified"][:4], "gbk"), (pair["traditional"][:4], "big5")):
            try:
                data = text.encode(encoding)
            except UnicodeEncodeError:
                continue
            if decode(data) != text:
                wrong.append((text, encoding))
    assert wrong == []
