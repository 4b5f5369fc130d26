"""The ``zhnorm`` command: a thin Typer layer over the library.

Exit codes: 0 ok, 1 ``--check``/``--diff`` found changes, 2 usage or input error.
Errors are one line on stderr naming the file (and the line for JSONL).

Importing Typer (and Click) costs about 20 ms, a seventh of a one-line run, so
:func:`main` parses the plainest command lines itself: nothing but ``--to``,
``-q``/``--quiet`` and paths (see :func:`_plain_args`). Those run the same
code with the same settings as through Typer, which parses everything else
(and builds :data:`app` on first use).
"""

from __future__ import annotations

import codecs
import errno
import io
import json
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, TextIO

from zhnorm import __version__
from zhnorm.decode import DecodeError
from zhnorm.io import BinaryInputError, Chunk, JsonlError, TextChunks, atomic_writer, iter_files
from zhnorm.parallel import ChunkJob, ChunkResult, Workers, cpu_count
from zhnorm.pipeline import Normalizer
from zhnorm.report import Stats

if TYPE_CHECKING:
    import typer
    from rich.progress import Progress

EXIT_OK, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2
STDIN = Path("-")


class UsageError(Exception):
    """A bad combination of options: one line, exit 2."""


class _Stop(Exception):
    """Stop the run with this exit status (after the error was reported)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _version(value: bool) -> None:
    if value:
        import typer

        typer.echo(f"zhnorm {__version__}")
        raise typer.Exit()


@dataclass
class Run:
    """Settings of one command run that are not the normalizer's, and its running totals."""

    job: ChunkJob
    encoding: str
    errors: str
    check: bool
    diff: bool
    jobs: int
    progress: Progress | None = None
    changed: list[str] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    total: Stats = field(default_factory=Stats)
    explain_out: TextIO | None = None
    inspect: str | None = None  # "text" or "json": report scripts instead of normalizing
    workers: Workers | None = None  # shared by every input of the run


def normalize(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories to read; none or '-' reads stdin.", show_default=False),
    ] = None,
    to: Annotated[
        str, typer.Option("--to", help="Target: hans, hant, tw, hk, cn, twp, or auto (the majority script).")
    ] = "hans",
    opencc: Annotated[
        str | None,
        typer.Option("--opencc", help="A raw OpenCC config (s2t, tw2sp, ...): exactly OpenCC's output."),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only this stage (repeatable).")
    ] = None,
    skip: Annotated[list[str] | None, typer.Option("--skip", help="Skip this stage (repeatable).")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", "-i", help="Rewrite the files (atomically).")
    ] = False,
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="Walk directories.")] = False,
    glob: Annotated[str, typer.Option("--glob", help="Files to take from directories.")] = "*",
    encoding: Annotated[
        str, typer.Option("--encoding", help="Input encoding (auto: BOM, UTF-8, GB18030/Big5).")
    ] = "auto",
    errors: Annotated[
        str, typer.Option("--errors", help="Undecodable bytes: strict (error) or replace (U+FFFD).")
    ] = "strict",
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; list files that would change; exit 1 if any.")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Write nothing; print a unified diff; exit 1 if any change.")
    ] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Input is JSON Lines; normalise the --field values.")
    ] = False,
    fields: Annotated[
        list[str] | None, typer.Option("--field", help="JSONL field to normalise (repeatable; dotted path).")
    ] = None,
    keep_going: Annotated[
        bool, typer.Option("--keep-going", help="JSONL: pass malformed records through unchanged and go on.")
    ] = False,
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first bad input.")] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Worker processes (0: all cores); output order is kept.")
    ] = 1,
    report: Annotated[
        str | None, typer.Option("--report", help="Write a JSON summary per file and in total to FILE or -.")
    ] = None,
    explain: Annotated[
        str | None,
        typer.Option("--explain", help="Write one JSON record per changed line or record to FILE or -."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    convert_all: Annotated[
        bool,
        typer.Option("--convert-all", help="convert: run OpenCC over everything, not only foreign runs."),
    ] = False,
    dicts: Annotated[
        list[Path] | None,
        typer.Option(
            "--dict", help="convert: user dictionary (OpenCC format: phrase TAB replacement).", metavar="FILE"
        ),
    ] = None,
    protect: Annotated[
        list[str] | None,
        typer.Option(
            "--protect",
            help="convert: a term never converted, or a FILE of terms (one a line).",
            metavar="FILE|TERM",
        ),
    ] = None,
    inspect: Annotated[
        bool,
        typer.Option(
            "--inspect", help="Write nothing; report each file's or record's script and foreign runs."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="--inspect: one JSON object per file or record.")
    ] = False,
    keep_glosses: Annotated[
        bool, typer.Option("--keep-glosses", help="glosses: keep pinyin glosses such as 續(xù).")
    ] = False,
    punct: Annotated[
        str, typer.Option("--punct", help="punct: cjk (full-width marks in Chinese sentences) or keep.")
    ] = "cjk",
    strip_indent: Annotated[
        bool, typer.Option("--strip-indent", help="punct: remove U+3000 indentation at line starts.")
    ] = False,
    keep_width: Annotated[
        bool, typer.Option("--keep-width", help="punct: keep full-width letters and digits (ＡＢＣ１２３).")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Clean Chinese text: repair mojibake, then convert to one script.

    Reads files, directories (--recursive) or stdin; writes UTF-8 to stdout,
    to --output, or back into the files (--in-place).
    """
    settings = dict(locals())
    del settings["version"]  # handled by its callback
    import typer

    raise typer.Exit(_execute(**settings))


def _execute(
    *,
    paths: list[Path] | None,
    to: str,
    opencc: str | None,
    only: list[str] | None,
    skip: list[str] | None,
    output: Path | None,
    in_place: bool,
    recursive: bool,
    glob: str,
    encoding: str,
    errors: str,
    check: bool,
    diff: bool,
    jsonl: bool,
    fields: list[str] | None,
    keep_going: bool,
    fail_fast: bool,
    jobs: int,
    report: str | None,
    explain: str | None,
    quiet: bool,
    convert_all: bool,
    dicts: list[Path] | None,
    protect: list[str] | None,
    inspect: bool,
    as_json: bool,
    keep_glosses: bool,
    punct: str,
    strip_indent: bool,
    keep_width: bool,
) -> int:
    """The command's work, with the values of its options; returns the exit status."""
    try:
        run = _prepare(
            to=to,
            opencc=opencc,
            only=only,
            skip=skip,
            output=output,
            in_place=in_place,
            encoding=encoding,
            errors=errors,
            check=check,
            diff=diff,
            jsonl=jsonl,
            fields=fields,
            keep_going=keep_going,
            paths=paths,
            jobs=jobs,
            report=report,
            explain=explain,
            inspect=inspect,
            as_json=as_json,
            options={
                "convert_all": convert_all,
                "dicts": tuple(str(d) for d in dicts or ()),
                "protect": _protected_terms(protect or []),
                "keep_glosses": keep_glosses,
                "punct": punct,
                "strip_indent": strip_indent,
                "fold_width": not keep_width,
            },
        )
    except (UsageError, ValueError) as exc:
        _error(str(exc))
        return EXIT_ERROR

    try:
        with ExitStack() as stack:
            try:
                if explain:
                    run.explain_out = stack.enter_context(_text_sink(explain))
                if not quiet and sys.stderr.isatty():
                    run.progress = stack.enter_context(_progress())
                status = _run_all(run, paths or [STDIN], output, in_place, recursive, glob, fail_fast)
                if report:
                    with _text_sink(report) as out:
                        json.dump(_report(run), out, ensure_ascii=False, indent=2)
                        out.write("\n")
            except BrokenPipeError:
                # `| head` closed the pipe: stop quietly. Point stdout at devnull so the
                # interpreter's final flush cannot raise again.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                raise _Stop(EXIT_OK) from None
            except KeyboardInterrupt:
                _error("interrupted")
                raise _Stop(130) from None
            except OSError as exc:  # an output could not be written
                name = exc.filename or output or "<stdout>"
                _error(f"{name}: {_reason(exc)}")
                raise _Stop(EXIT_ERROR) from None
    except _Stop as stop:  # raised inside the stack: the --explain file is discarded, not committed
        return stop.status
    if status == EXIT_OK and run.changed and (check or diff):
        status = EXIT_CHANGED
    return status


def _prepare(
    *,
    to,
    opencc,
    only,
    skip,
    output,
    in_place,
    encoding,
    errors,
    check,
    diff,
    jsonl,
    fields,
    keep_going,
    paths,
    jobs,
    report,
    explain,
    inspect: bool,
    as_json: bool,
    options: dict[str, Any],
) -> Run:
    if as_json and not inspect:
        raise UsageError("--json goes with --inspect")
    if inspect and (in_place or check or diff or report or explain):
        raise UsageError(
            "--inspect writes a report only: no --in-place, --check, --diff, --report or --explain"
        )
    if in_place and (output or check or diff):
        raise UsageError("--in-place cannot be combined with --output, --check or --diff")
    if in_place and (not paths or STDIN in paths):
        raise UsageError("--in-place needs file paths, not stdin")
    if errors not in ("strict", "replace"):
        raise UsageError(f"--errors must be strict or replace, not {errors!r}")
    if jsonl and not fields:
        raise UsageError("--jsonl needs at least one --field NAME")
    if fields and not jsonl:
        raise UsageError("--field only applies with --jsonl")
    if jobs < 0:
        raise UsageError("--jobs must be 0 (all cores) or more")
    if "-" in (report, explain) and not (output or in_place or check):
        raise UsageError("--report - and --explain - need stdout free: use --output, --in-place or --check")
    if encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UsageError(f"unknown encoding {encoding!r}") from None
    config = Normalizer(to=to, opencc=opencc, only=tuple(only or ()), skip=tuple(skip or ()), **options)
    job = ChunkJob(
        config,
        fields=tuple(tuple(f.split(".")) for f in fields or ()),
        keep_going=keep_going,
        stats=report is not None,
        explain=explain is not None,
    )
    return Run(
        job=job,
        encoding=encoding,
        errors=errors,
        check=check,
        diff=diff,
        jobs=jobs or cpu_count(),
        inspect="json" if as_json else "text" if inspect else None,
    )


def _run_all(
    run: Run,
    paths: list[Path],
    output: Path | None,
    in_place: bool,
    recursive: bool,
    glob: str,
    fail_fast: bool,
) -> int:
    status = EXIT_OK
    with ExitStack() as stack:
        run.workers = stack.enter_context(Workers(run.job, run.jobs))
        sink: BinaryIO | None = None
        if not (in_place or run.check or run.diff):
            sink = stack.enter_context(atomic_writer(output)) if output else sys.stdout.buffer
        inputs = _inputs(paths, recursive, glob)
        if run.inspect:
            items: Iterator[tuple[_Event, Chunk | None]] = (
                (("inspect", _Input(path, named, problem), None), None) for path, named, problem in inputs
            )
        else:
            items = _read(run, inputs)
        current: _Output | None = None  # the input being written
        failed: _Input | None = None  # the last input that failed (its other events are skipped)
        try:
            for (kind, inp, chunk), outcome in run.workers.outcomes(items):
                if inp is failed:
                    continue
                problem: BaseException | str | None = None
                if kind == "inspect":
                    problem = inp.problem or None
                    if problem is None:
                        try:
                            _inspect(run, inp.path, sink)
                        except Exception as exc:
                            problem = exc
                elif kind == "fail":
                    problem = inp.error if inp.error is not None else inp.problem
                elif isinstance(outcome, Exception):
                    problem = outcome
                else:  # "chunk" or "end": write it
                    try:
                        if current is None or current.input is not inp:
                            current = _Output(run, inp, sink, in_place)
                        if kind == "chunk":
                            assert chunk is not None and outcome is not None
                            current.write(chunk, outcome)
                        else:
                            current.finish()
                            current = None
                    except OSError as exc:  # stdout's and -o's own errors are raised again below
                        problem = exc
                if problem is None:
                    continue
                if current is not None and current.input is inp:
                    current.abort(problem if isinstance(problem, BaseException) else RuntimeError(problem))
                    current = None
                failed = inp
                if _report_failure(run, inp, problem, output):
                    status = EXIT_ERROR
                if status == EXIT_ERROR and fail_fast:
                    break
        except BaseException as exc:
            if current is not None:
                current.abort(exc)
            raise
        if sink is not None:
            sink.flush()
    return status


#: What the reader found: ``(kind, input, chunk)``, see :func:`_read`.
_Event = tuple[str, "_Input", "Chunk | None"]


@dataclass(eq=False)
class _Input:
    """One input of the run, as the reader found it."""

    path: Path
    named: bool
    problem: str = ""  # a bad path
    chunks: TextChunks | None = None
    size: int | None = None  # bytes, for the progress bar (None: unknown)
    error: BaseException | None = None  # what stopped reading it

    @property
    def name(self) -> str:
        return _display(self.path)


def _read(run: Run, inputs: Iterable[tuple[Path, bool, str]]) -> Iterator[tuple[_Event, Chunk | None]]:
    """Every input's chunks, in order, as events for :meth:`.Workers.outcomes`:
    ``chunk`` (with the chunk), then ``end``; ``fail`` when opening or reading
    it failed (``error``), in the place where it failed. Files are read as the
    workers need chunks, so the chunks of several small files run side by side."""
    for path, named, problem in inputs:
        inp = _Input(path, named, problem)
        if problem:
            yield ("fail", inp, None), None
            continue
        with ExitStack() as stack:
            try:
                source = sys.stdin.buffer if path == STDIN else stack.enter_context(open(path, "rb"))
                if path != STDIN:
                    inp.size = os.fstat(source.fileno()).st_size or None
                inp.chunks = TextChunks(source, run.encoding, run.errors)
                for chunk in inp.chunks.chunks(run.job.numbered):
                    yield ("chunk", inp, chunk), chunk
            except (BinaryInputError, DecodeError, JsonlError, OSError) as exc:
                inp.error = exc
                yield ("fail", inp, None), None
                continue
        yield ("end", inp, None), None


def _report_failure(run: Run, inp: _Input, problem: BaseException | str, output: Path | None) -> bool:
    """Say on stderr why an input was not (all) written; whether it makes the run fail."""
    name = inp.name
    if isinstance(problem, str):
        _error(problem)
        run.files[name] = {"error": problem}
        return True
    if isinstance(problem, BinaryInputError):
        _error(f"{name}: {problem}: skipped")
        run.files[name] = {"skipped": str(problem)}
        return inp.named
    if isinstance(problem, (DecodeError, JsonlError)):
        _error(f"{name}: {problem}")
        run.files[name] = {"error": str(problem)}
        return True
    if isinstance(problem, OSError) and not (
        isinstance(problem, BrokenPipeError) or problem.filename == str(output)
    ):
        _error(f"{name}: {_reason(problem)}")
        run.files[name] = {"error": _reason(problem)}
        return True
    raise problem


#: Options a user may type as a word (``zhnorm inspect page.txt``): a missing path so named gets a hint.
_OPTION_WORDS = frozenset({"inspect", "check", "diff", "jsonl", "version", "help"})


def _inputs(paths: list[Path], recursive: bool, glob: str) -> Iterator[tuple[Path, bool, str]]:
    """Yield ``(path, named, problem)``; ``problem`` is an error line for a bad path."""
    for path in paths:
        if path == STDIN:
            yield path, True, ""
            continue
        try:
            for found, named in iter_files([path], recursive=recursive, glob=glob):
                yield found, named, ""
        except OSError as exc:
            problem = str(exc)
            if isinstance(exc, FileNotFoundError) and str(path) in _OPTION_WORDS:
                problem += f" (did you mean --{path}?)"
            yield path, True, problem


def _display(path: Path) -> str:
    return "<stdin>" if path == STDIN else str(path)


class _Output:
    """Where one input's results go (stdout, -o, or the file itself with --in-place), and its totals."""

    def __init__(self, run: Run, inp: _Input, sink: BinaryIO | None, in_place: bool) -> None:
        self.run = run
        self.input = inp
        self._stack = ExitStack()
        self.out = self._stack.enter_context(atomic_writer(inp.path)) if in_place else sink
        self.task = None
        if run.progress is not None:
            self.task = run.progress.add_task(inp.name, total=inp.size)
        self.stats = Stats()
        self.before: list[str] = []
        self.after: list[str] = []
        self.changed = False
        self.first = True

    def write(self, chunk: Chunk, result: ChunkResult) -> None:
        run, name = self.run, self.input.name
        if result.changed:
            self.changed = True
        if run.diff:
            self.before.append(chunk.text())
            self.after.append(result.data.decode("utf-8", "surrogatepass"))
        if self.out is not None:
            assert self.input.chunks is not None
            if self.first and self.input.chunks.bom:
                self.out.write(b"\xef\xbb\xbf")
            self.out.write(result.data)
        self.first = False
        for warning in result.warnings:
            _error(f"{name}: {warning}")
        if result.stats is not None:
            self.stats.merge(result.stats)
        if run.explain_out is not None:
            for record in result.explained:
                run.explain_out.write(json.dumps({"file": name, **record}, ensure_ascii=False) + "\n")
        if self.task is not None and run.progress is not None:
            data = chunk.data
            read = len(data) if type(data) is bytes else len(data.encode("utf-8", "surrogatepass"))
            run.progress.advance(self.task, read)

    def finish(self) -> None:
        """All of the input is written: commit it (--in-place), and count it."""
        self._stack.close()
        run, name = self.run, self.input.name
        if self.changed:
            run.changed.append(name)
            if run.check:
                import typer

                typer.echo(f"would change: {name}")
            if run.diff:
                _print_diff(name, "".join(self.before), "".join(self.after))
        if run.job.stats:
            assert self.input.chunks is not None
            run.files[name] = {"encoding": self.input.chunks.encoding, **self.stats.as_dict()}
            run.total.merge(self.stats)

    def abort(self, exc: BaseException) -> None:
        """The input failed part way: leave it as it was (--in-place)."""
        self._stack.__exit__(type(exc), exc, exc.__traceback__)


def _inspect(run: Run, path: Path, sink: BinaryIO | None) -> None:
    """Write the script report of a file, or of each selected field of each JSONL record."""
    from zhnorm.script import format_inspect, inspect

    assert sink is not None
    name = _display(path)
    to = run.job.config.to

    def emit(report: dict[str, Any], label: str, **where: Any) -> None:
        if run.inspect == "json":
            line = json.dumps({"file": name, **where, **report}, ensure_ascii=False)
        else:
            line = format_inspect(report, label)
        sink.write((line + "\n").encode("utf-8", "surrogateescape"))

    with ExitStack() as stack:
        source = sys.stdin.buffer if path == STDIN else stack.enter_context(open(path, "rb"))
        chunks = TextChunks(source, run.encoding, run.errors)
        if not run.job.fields:
            emit(inspect("".join(chunks), to), name)
            return
        for number, line in enumerate("".join(chunks).split("\n"), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise JsonlError(number, str(exc)) from None
            for field_path in run.job.fields:
                value: Any = record
                for key in field_path:
                    value = value.get(key) if isinstance(value, dict) else None
                if isinstance(value, str):
                    dotted = ".".join(field_path)
                    emit(inspect(value, to), f"{name}:{number}:{dotted}", line=number, field=dotted)


def _protected_terms(values: list[str]) -> tuple[str, ...]:
    """``--protect`` values: an existing file gives its non-empty lines, anything else is a term."""
    terms: list[str] = []
    for value in values:
        path = Path(value)
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"{value}: cannot read protected terms: {exc}") from None
            terms.extend(t.strip() for t in text.splitlines() if t.strip() and not t.startswith("#"))
        else:
            terms.append(value)
    return tuple(terms)


def _report(run: Run) -> dict[str, Any]:
    return {
        "config": {"to": run.job.config.to, "opencc": run.job.config.opencc, "stages": run.job.config.stages},
        "files": run.files,
        "total": {"files": len(run.files), **run.total.as_dict()},
    }


@contextmanager
def _text_sink(target: str) -> Iterator[TextIO]:
    """``-`` is stdout; anything else is a file written atomically."""
    if target == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_writer(Path(target)) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8")
        yield text
        text.flush()
        text.detach()  # atomic_writer closes the file


@contextmanager
def _progress() -> Iterator[Progress]:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        yield progress


def _print_diff(name: str, old: str, new: str) -> None:
    import difflib

    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    out = sys.stdout
    for line in lines:
        out.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)


def _error(message: str) -> None:
    sys.stderr.write(f"zhnorm: {message}\n")
    sys.stderr.flush()


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: temporary files are removed


def _build_app() -> typer.Typer:
    global typer  # the command's annotations name typer; Typer reads them in this module
    import typer

    built = typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    built.command()(normalize)
    return built


_APP: list[typer.Typer] = []


def _app() -> typer.Typer:
    if not _APP:
        _APP.append(_build_app())
    return _APP[0]


def __getattr__(name: str) -> Any:
    """``app``, the Typer application, is built on first use."""
    if name == "app":
        return _app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _plain_args(args: list[str]) -> dict[str, Any] | None:
    """The options of a command line made only of ``--to X``, ``--to=X``, ``-q``, ``--quiet`` and paths.

    ``None`` for anything else (then Typer parses it). Paths are what Click's
    ``Path`` type lets through unchanged: any word not starting with ``-``,
    or ``-`` itself, that does not name an existing file this process cannot
    read (Click reports those).
    """
    if os.name == "nt" or os.environ.get("_ZHNORM_COMPLETE"):
        return None
    found: dict[str, Any] = {}
    paths: list[Path] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-q", "--quiet"):
            found["quiet"] = True
        elif arg == "--to" and i + 1 < len(args) and not args[i + 1].startswith("-") and "to" not in found:
            found["to"] = args[i + 1]
            i += 1
        elif arg.startswith("--to=") and "to" not in found:
            found["to"] = arg[len("--to=") :]
        elif arg == "-" or (arg and not arg.startswith("-")):
            if os.path.exists(arg) and not os.access(arg, os.R_OK):  # even "-": Click stats it too
                return None
            paths.append(Path(arg))
        else:
            return None
        i += 1
    if paths:
        found["paths"] = paths
    return found


def _run_plain(options: dict[str, Any]) -> int:
    """Run the command with ``options`` and every other setting at its default, as Typer would."""
    from inspect import signature

    settings = {name: p.default for name, p in signature(normalize).parameters.items() if name != "version"}
    settings.update(options)
    try:
        return _execute(**settings)
    except KeyboardInterrupt:
        return 130
    except EOFError:
        sys.stderr.write("\nAborted!\n")
        return 1
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        from click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
        sys.stderr = PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
        return 1


def main() -> None:
    """Console entry point. SIGTERM stops like Ctrl-C: cleanly, without a traceback."""
    signal.signal(signal.SIGTERM, _terminate)
    options = _plain_args(sys.argv[1:])
    if options is not None:
        sys.exit(_run_plain(options))
    _app()(prog_name="zhnorm")
