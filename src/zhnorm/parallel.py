"""Chunk jobs and ``--jobs``: the same work in one process or many, output in input order.

A :class:`ChunkJob` says what to do with one chunk of input (plain text, or
JSON Lines with selected fields) and returns a :class:`ChunkResult`. With
``jobs > 1`` the job is sent once to each worker process, which builds its
own converters on first use; chunks go out in order and come back in order,
with a bounded number in flight, so memory stays flat and the output is
byte-identical to ``jobs == 1``.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from zhnorm.io import (
    CHUNK_SIZE,
    Chunk,
    JsonlError,
    parse_record,
    reencode_record,
    rewrite_jsonl_line,
    utf8_record_loader,
)
from zhnorm.pipeline import Normalizer
from zhnorm.report import Stats, explain_lines, run_with_stats

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = ["ChunkJob", "ChunkResult", "Workers", "cpu_count"]


@dataclass
class ChunkResult:
    """A processed chunk: its UTF-8 output, whether it changed, what was counted and explained.

    The output travels as bytes: between processes, pickling ``bytes`` costs
    almost nothing where pickling a ``str`` of Chinese re-encodes it (measured:
    0.03 s against 0.43 s for 50 MB there and back), and the writer needs
    UTF-8 anyway.
    """

    data: bytes = b""
    changed: bool = False
    stats: Stats | None = None
    explained: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChunkJob:
    """What to do with each chunk; picklable, sent once to each worker."""

    config: Normalizer
    fields: tuple[tuple[str, ...], ...] = ()
    keep_going: bool = False
    stats: bool = False
    explain: bool = False

    @property
    def numbered(self) -> bool:
        """Whether results name line numbers (JSONL records, explanations): chunks must be numbered."""
        return bool(self.fields) or self.explain

    def __call__(self, piece: Chunk) -> ChunkResult:
        fields = self.fields
        if len(fields) == 1 and len(fields[0]) == 1 and not (self.explain or self.stats):
            return self._jsonl_one_key(piece, fields[0][0])
        chunk = piece.text()  # decoded here, in the worker, when the input is UTF-8
        first_line = piece.first_line
        stats = Stats() if self.stats else None
        result = ChunkResult(stats=stats)
        if self.fields:
            text = self._jsonl(chunk, first_line, result)
        else:
            text = self._text(chunk, first_line, result)
        result.data = text.encode("utf-8", "surrogatepass")
        result.changed = text != chunk
        if stats is not None:
            stats.count_text(chunk, text)
        return result

    def _text(self, text: str, first_line: int, result: ChunkResult) -> str:
        if self.explain:
            fixed, records = explain_lines(self.config, text, first_line)
            result.explained.extend(records)
            return fixed
        if result.stats is not None:
            return run_with_stats(self.config, text, result.stats)
        return self.config.normalize(text)

    def _jsonl(self, chunk: str, first_line: int, result: ChunkResult) -> str:
        if self.explain or result.stats is not None:
            return self._jsonl_each(chunk, first_line, result)
        # The selected values of the whole chunk go through normalize_batch at once;
        # a record is rewritten only when one of its values changed. Records that are
        # not objects of strings (or not JSON) take the per-record path, which reports them.
        # (__call__ sends one top-level field to _jsonl_one_key instead.)
        lines = chunk.split("\n")
        end = len(lines) - 1 if lines[-1] == "" else len(lines)  # a final "" follows the last newline
        return self._jsonl_general(lines, end, "\r" in chunk, first_line, result)

    def _jsonl_general(
        self, lines: list[str], end: int, crlf: bool, first_line: int, result: ChunkResult
    ) -> str:
        """:meth:`_jsonl` for any fields, dotted ones and several per record."""
        fields = self.fields
        # One entry per selected string value: its line, record, container, key.
        where: list[int] = []
        tops: list[Any] = []
        spots: list[tuple[Any, str]] = []
        values: list[str] = []
        for i in range(end):
            body = lines[i]
            if crlf and body.endswith("\r"):
                body = body[:-1]
            record = parse_record(body)
            if type(record) is dict:
                found = _selected(record, fields)
                if found is not None:
                    for container, name, value in found:
                        where.append(i)
                        tops.append(record)
                        spots.append((container, name))
                        values.append(value)
                    continue
            if body.strip():
                self._record(lines, i, first_line, result, self.config.normalize)
        fixed = self.config.normalize_batch(values)
        changed: dict[int, tuple[Any, list[tuple[Any, str, str, str]]]] = {}
        for i, top, (container, name), old, new in zip(where, tops, spots, values, fixed, strict=True):
            if new is not old and new != old:
                changed.setdefault(i, (top, []))[1].append((container, name, old, new))
        for i, (record, changes) in changed.items():
            raw = lines[i]
            body = raw[:-1] if raw.endswith("\r") else raw
            new_line = reencode_record(body, record, [(c, name, new) for c, name, _, new in changes])
            if new_line is None:  # not as json writes it: keep its bytes
                known = {old: new for _, _, old, new in changes}
                new_line = rewrite_jsonl_line(body, list(fields), self._memo(known))
            lines[i] = new_line + raw[len(body) :]
        return "\n".join(lines)

    def _jsonl_one_key(self, piece: Chunk, key: str) -> ChunkResult:
        """The JSONL path for one top-level field (the common case), over the chunk's UTF-8 bytes.

        orjson reads a record from its bytes in 60% of the time it takes from
        a ``str`` (which it must encode first), and the chunk is neither
        decoded nor encoded again: only changed records are. orjson refuses
        bytes that are not UTF-8, so a chunk all of whose records it reads
        holds no bad byte; before anything else is made of a line it refuses,
        the chunk is decoded, which reports a bad byte as the text path does.
        Same output as :meth:`_jsonl_general` (tests check both against the
        per-record path); without its per-value bookkeeping the whole pipeline
        over JSONL takes 13% less time (60k records of the corpus, median of 5
        interleaved runs).
        """
        result = ChunkResult()
        data = piece.data if type(piece.data) is bytes else piece.data.encode("utf-8", "surrogatepass")
        lines = data.split(b"\n")
        end = len(lines) - 1 if lines[-1] == b"" else len(lines)  # a final b"" follows the last newline
        loads = utf8_record_loader()
        checked = False

        def decoded(raw: bytes) -> str:
            nonlocal checked
            if not checked:
                piece.text()  # a bad byte anywhere in the chunk: DecodeError
                checked = True
            return raw.decode("utf-8", "surrogatepass")

        where: list[int] = []
        records: list[dict[str, Any]] = []
        values: list[str] = []
        for i in range(end):
            raw = lines[i]
            text = None
            try:
                record = loads(raw)  # a final "\r" is JSON white space
            except ValueError:
                if not raw.strip():
                    continue  # white space only (ASCII, so valid UTF-8)
                # Refused by orjson: read as the text path reads it (json reads NaN, 1e400).
                text = decoded(raw)
                record = parse_record(text[:-1] if text.endswith("\r") else text)
            value = record.get(key) if type(record) is dict else _REFUSED
            if type(value) is str:
                where.append(i)
                records.append(record)
                values.append(value)
                continue
            if value is None:
                continue
            # Not an object with a string there: the per-record path reports it.
            if text is None:
                text = decoded(raw)
            body = text[:-1] if text.endswith("\r") else text
            if body.strip():
                one = [text]
                self._record(one, 0, piece.first_line + i, result, self.config.normalize)
                lines[i] = one[0].encode("utf-8", "surrogatepass")
        fixed = self.config.normalize_batch(values)
        for i, record, old, new in zip(where, records, values, fixed, strict=True):
            if new is old or new == old:
                continue
            raw = lines[i]
            crlf = raw.endswith(b"\r")
            body = (raw[:-1] if crlf else raw).decode("utf-8", "surrogatepass")
            new_line = reencode_record(body, record, [(record, key, new)])
            if new_line is None:  # not as json writes it: keep its bytes
                new_line = rewrite_jsonl_line(body, list(self.fields), self._memo({old: new}))
            lines[i] = new_line.encode("utf-8", "surrogatepass") + (b"\r" if crlf else b"")
        result.data = b"\n".join(lines)
        result.changed = result.data != data
        return result

    def _memo(self, known: dict[str, str]) -> Callable[[str], str]:
        normalize = self.config.normalize

        def fix(value: str) -> str:
            return known[value] if value in known else normalize(value)

        return fix

    def _jsonl_each(self, chunk: str, first_line: int, result: ChunkResult) -> str:
        lines = chunk.split("\n")
        stats = result.stats
        for i, raw in enumerate(lines):
            if i == len(lines) - 1 and raw == "":
                break  # the chunk ended with a newline
            body = raw[:-1] if raw.endswith("\r") else raw
            if not body.strip():
                continue
            explained: list[dict[str, Any]] = []

            def fix(value: str, explained: list[dict[str, Any]] = explained) -> str:
                if self.explain:
                    fixed, changes = self.config.explain(value)
                    if changes:
                        explained.append(
                            {"before": value, "after": fixed, "changes": [c.as_dict() for c in changes]}
                        )
                    return fixed
                if stats is not None:
                    return run_with_stats(self.config, value, stats)
                return self.config.normalize(value)

            if self._record(lines, i, first_line, result, fix) and explained:
                result.explained.append({"line": first_line + i, "fields": explained})
        return "\n".join(lines)

    def _record(
        self, lines: list[str], i: int, first_line: int, result: ChunkResult, fix: Callable[[str], str]
    ) -> bool:
        """Rewrite the record ``lines[i]`` through ``fix``; False for a bad record passed through."""
        raw = lines[i]
        body = raw[:-1] if raw.endswith("\r") else raw
        stats = result.stats
        number = first_line + i
        try:
            new = rewrite_jsonl_line(body, list(self.fields), fix)
        except ValueError as exc:
            if not self.keep_going:
                raise JsonlError(number, str(exc)) from None
            if stats is not None:
                stats.bad_records += 1
            result.warnings.append(f"line {number}: {exc}: passed through unchanged")
            return False
        if stats is not None:
            stats.records += 1
        if new is not body:
            lines[i] = new + raw[len(body) :]
        return True


def _selected(
    record: dict[str, Any], fields: tuple[tuple[str, ...], ...]
) -> list[tuple[Any, str, str]] | None:
    """``(container, key, value)`` of each selected string; None if a value is neither a string nor null."""
    found: list[tuple[Any, str, str]] = []
    for path in fields:
        container: Any = record
        for name in path[:-1]:
            container = container.get(name) if type(container) is dict else None
        value = container.get(path[-1]) if type(container) is dict else None
        if type(value) is str:
            found.append((container, path[-1], value))
        elif value is not None:
            return None
    return found


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_REFUSED = object()  # what orjson could not read

_JOB: ChunkJob | None = None


def _init_worker(job: ChunkJob) -> None:
    global _JOB
    _JOB = job
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _run(chunk: Chunk) -> ChunkResult:
    assert _JOB is not None
    return _JOB(chunk)


#: Bytes a pipe between the processes holds: a whole chunk (Linux's limit for a user, by default).
_PIPE_SIZE = 1 << 20


def _widen_pipes(pool: ProcessPoolExecutor) -> None:
    """Let the pool's two pipes (chunks out, results back) take a whole chunk at once, where Linux allows.

    A pipe holds 64 KiB by default, so a 1 MB chunk or result crosses it in
    sixteen pieces, each waking the other process. With room for all of it the
    processes switched five times less often and the workers took 4% less CPU
    time (50 MB of text, --jobs 2). The pipes are the executor's own, private
    attributes: if they are not there (another Python), or the system refuses,
    they stay as they are.
    """
    try:
        import fcntl

        pipes = (pool._call_queue._writer, pool._result_queue._writer)  # type: ignore[attr-defined]
        for pipe in pipes:
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
    except (ImportError, AttributeError, OSError):
        pass


T = TypeVar("T")
#: What a chunk counts for in :meth:`Workers.outcomes`'s budget beyond its size
#: (so that a run of tiny or empty inputs is bounded too).
_CHUNK_COST = 4096
#: What running the job on a chunk gave: its result, or the exception it raised (None: no chunk).
Outcome = ChunkResult | Exception | None


def _outcome_of(job: Callable[[Chunk], ChunkResult], chunk: Chunk) -> Outcome:
    try:
        return job(chunk)
    except Exception as exc:  # the caller reports it in the input's place (or raises it)
        return exc


def _settled(future: Future[ChunkResult] | None) -> Outcome:
    if future is None:
        return None
    try:
        return future.result()
    except Exception as exc:
        return exc


class Workers:
    """``jobs`` processes running ``job``, started on first use and kept for every
    input of a run (a worker's start-up, imports and tables, costs ~0.5 s).

    ``jobs == 1`` runs in this process. Use as a context manager, or call
    :meth:`close`.
    """

    def __init__(self, job: ChunkJob, jobs: int) -> None:
        self.job = job
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def outcomes(self, items: Iterable[tuple[T, Chunk | None]]) -> Iterator[tuple[T, Outcome]]:
        """Run the job over the chunks of ``(tag, chunk)`` items; yield ``(tag, outcome)`` in input order.

        The outcome is the chunk's :class:`ChunkResult`, or the exception the
        job raised on it (so that an input that fails leaves the next ones
        going), or ``None`` for an item without a chunk, which keeps its place.
        At most two full chunks a worker are in flight at once (counted in
        bytes: the chunks of many small inputs run side by side, enough of
        them to keep the workers busy). A chunk travels as it is: UTF-8 input
        as the bytes read (the worker decodes it), other text as a ``str``. If
        the caller stops early, the chunks not started yet are dropped.
        """
        if self.jobs <= 1:
            for tag, chunk in items:
                yield tag, None if chunk is None else _outcome_of(self.job, chunk)
            return
        pool = self._started()
        pending: deque[tuple[T, Future[ChunkResult] | None, int]] = deque()
        budget = 2 * self.jobs * CHUNK_SIZE  # bytes (or characters) in flight
        running = 0
        try:
            for tag, chunk in items:
                size = 0 if chunk is None else len(chunk.data) + _CHUNK_COST
                pending.append((tag, None if chunk is None else pool.submit(_run, chunk), size))
                running += size
                while running >= budget:
                    done, future, size = pending.popleft()
                    running -= size
                    yield done, _settled(future)
            while pending:
                done, future, _ = pending.popleft()
                yield done, _settled(future)
        finally:
            for _, future, _ in pending:
                if future is not None:
                    future.cancel()

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing  # imported here: a one-process run should not pay for it
            from concurrent.futures import ProcessPoolExecutor

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = ProcessPoolExecutor(
                self.jobs, mp_context=context, initializer=_init_worker, initargs=(self.job,)
            )
            _widen_pipes(self._pool)
        return self._pool

    def close(self) -> None:
        """Stop the worker processes (if any were started)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
