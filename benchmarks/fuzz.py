"""Fuzz zhnorm's byte and text entry points for a fixed time.

    python benchmarks/fuzz.py --seconds 600            # atheris (coverage-guided) when installed
    python benchmarks/fuzz.py --seconds 600 --engine hypothesis
    python benchmarks/fuzz.py --seconds 600 --failures /tmp/not-idempotent.txt
    python benchmarks/fuzz.py --seconds 600 --to all   # every target, by the input's first byte

Properties checked on every input:
- ``zhnorm.decode(data)`` returns ``str`` or raises ``DecodeError``; nothing else, never a hang;
- reading the same bytes as a stream in small chunks gives the same text (or the same error);
- ``Normalizer(to=...).normalize`` on the decoded text returns ``str`` (a crash stops the run)
  and is idempotent (a failure is collected and listed at the end, and fuzzing goes on);
- ``normalize_batch`` gives what ``normalize`` gives for each text (a difference stops the run).
The suite runs a short deterministic version of the same checks (tests/test_robust.py).
"""

from __future__ import annotations

import argparse
import io
import sys
import time

import zhnorm
from zhnorm.decode import DecodeError
from zhnorm.io import BinaryInputError, TextChunks

#: The configurations fuzzed (``--to``); with several, the input's first byte picks one.
CONFIGS = [zhnorm.Normalizer()]
TRIED = 0
NOT_IDEMPOTENT: list[bytes] = []
FAILURES: list[str] = []  # a file to append each non-idempotent input to (repr, one per line)


def check(data: bytes) -> None:
    global TRIED
    TRIED += 1
    try:
        text = zhnorm.decode(data)
    except DecodeError:
        text = None
    try:
        streamed: str | None = "".join(TextChunks(io.BytesIO(data), size=7))
    except DecodeError:
        streamed = None
    except BinaryInputError:
        return  # the stream reader refuses NUL-bearing input by design
    if text is not None and streamed is not None and streamed != text:
        # Detection sees only the first 64 KiB of a stream; on small inputs both see all of it.
        raise AssertionError(f"stream and whole decode differ: {data!r}")
    if text is not None:
        config = CONFIGS[data[0] % len(CONFIGS)] if data else CONFIGS[0]
        once = config.normalize(text)
        assert isinstance(once, str)
        head = text[: len(text) // 2]
        if config.normalize_batch([text, head, text]) != [once, config.normalize(head), once]:
            raise AssertionError(f"normalize_batch differs from normalize (to={config.to}): {data!r}")
        if config.normalize(once) != once:  # a finding to report, not a crash: keep fuzzing
            NOT_IDEMPOTENT.append(data)
            if FAILURES:
                with open(FAILURES[0], "a", encoding="utf-8") as out:
                    out.write(f"{config.to}\t{data!r}\n")
            if len(NOT_IDEMPOTENT) <= 5:
                print(f"not idempotent: {data!r}", file=sys.stderr, flush=True)
    if TRIED % 50_000 == 0:  # libFuzzer exits without running Python's atexit: report as we go
        _summary(examples=False)


def run_atheris(seconds: int) -> None:
    import atheris

    atheris.instrument_all()  # coverage guidance over zhnorm and everything it loaded
    sys.argv = [sys.argv[0], f"-max_total_time={seconds}", "-max_len=512", "-timeout=10"]
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


def _summary(examples: bool = True) -> None:
    message = f"{TRIED} inputs, {len(NOT_IDEMPOTENT)} not idempotent under normalize"
    print(message, file=sys.stderr, flush=True)
    for data in NOT_IDEMPOTENT[:5] if examples else ():
        print(f"  not idempotent: {data!r}", file=sys.stderr)


def run_hypothesis(seconds: int) -> None:
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st

    chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=30)
    encoded = st.builds(
        lambda t, enc: t.encode(enc, errors="replace"),
        chinese,
        st.sampled_from(["utf-8", "gbk", "big5", "gb18030", "utf-16", "cp1252"]),
    )

    @settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.one_of(st.binary(max_size=300), encoded))
    def prop(data: bytes) -> None:
        check(data)

    deadline = time.monotonic() + seconds
    round_ = 0
    while time.monotonic() < deadline:  # fresh seeds until the time is up
        seed(round_)(prop)()
        round_ += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--engine", choices=["atheris", "hypothesis"], default="atheris")
    parser.add_argument("--failures", metavar="FILE", help="append each non-idempotent input to FILE")
    parser.add_argument("--to", help="target(s), comma-separated, or all (default: hans)")
    args = parser.parse_args()
    if args.to:
        from zhnorm.convert import TARGETS

        targets = [*TARGETS, "auto"] if args.to == "all" else args.to.split(",")
        CONFIGS[:] = [zhnorm.Normalizer(to=to) for to in targets]
    if args.failures:
        FAILURES.append(args.failures)
    started = time.monotonic()
    if args.engine == "atheris":
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not installed; using hypothesis", file=sys.stderr)
            args.engine = "hypothesis"
    if args.engine == "atheris":
        run_atheris(args.seconds)  # libFuzzer prints its own statistics and exits
    else:
        run_hypothesis(args.seconds)
        print(f"hypothesis: {time.monotonic() - started:.0f} s, no crash")
        _summary()


if __name__ == "__main__":
    main()
