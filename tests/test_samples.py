"""Every sample in samples/ comes out of the real command exactly as its reviewed expected file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _expected(sample: Path) -> Path:
    return sample.with_name(sample.name.replace(".in.", ".expected."))


CASES = sorted(p for p in SAMPLES.glob("*.in.*") if _expected(p).exists())


def test_every_sample_has_an_expected_output() -> None:
    assert len(CASES) == len(list(SAMPLES.glob("*.in.*"))) >= 5


@pytest.mark.parametrize("sample", CASES, ids=lambda p: p.name)
def test_sample_output_is_the_reviewed_one(sample: Path) -> None:
    expected = _expected(sample)
    done = subprocess.run(
        [sys.executable, "-m", "zhnorm", "--to", "hans", str(sample)], capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8") == expected.read_text(encoding="utf-8")
