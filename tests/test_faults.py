"""Faults: killed or interrupted runs never lose data or leave temporary files behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

LINE = "ä¸­æ–‡的一行乱码，后面是正常的简体中文句子，用来让文件变大。\r\n"


def _big_file(path: Path, megabytes: int) -> bytes:
    data = (LINE * (megabytes * 1024 * 1024 // len(LINE.encode()))).encode()[:-2]  # no final newline
    data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    os.chmod(path, 0o604)
    return data


def _start(path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "zhnorm", "--only", "repair", "--in-place", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def _wait_for_temp(directory: Path, proc: subprocess.Popen) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        temps = [p for p in directory.iterdir() if p.name.endswith(".zhnorm-tmp")]
        if temps and temps[0].stat().st_size > 0:
            return temps[0]
        if proc.poll() is not None:
            pytest.fail("zhnorm finished before it could be interrupted; make the file larger")
        time.sleep(0.005)
    pytest.fail("no temporary file appeared")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_interrupted_in_place_write_keeps_the_original(tmp_path: Path, sig: signal.Signals) -> None:
    target = tmp_path / "big.txt"
    original = _big_file(target, 40)
    proc = _start(target)
    _wait_for_temp(tmp_path, proc)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert target.read_bytes() == original
    assert oct(target.stat().st_mode & 0o777) == oct(0o604)
    if sig != signal.SIGKILL:  # a killed process cannot clean up; the others must
        assert proc.returncode == 130
        assert stderr.decode() == "zhnorm: interrupted\n"
        assert [p.name for p in tmp_path.iterdir()] == ["big.txt"]


def test_finished_in_place_write_keeps_bom_crlf_no_final_newline_and_mode(tmp_path: Path) -> None:
    target = tmp_path / "small.txt"
    target.write_bytes(b"\xef\xbb\xbf" + (LINE * 3).encode()[:-2])
    os.chmod(target, 0o604)
    done = subprocess.run(
        [sys.executable, "-m", "zhnorm", "--only", "repair", "--in-place", str(target)], capture_output=True
    )
    assert done.returncode == 0, done.stderr
    fixed = LINE.replace("ä¸­æ–‡", "中文")
    assert target.read_bytes() == b"\xef\xbb\xbf" + (fixed * 3).encode()[:-2]
    assert oct(target.stat().st_mode & 0o777) == oct(0o604)
