"""The ``zhnorm`` command: a thin Typer layer over the library.

Exit codes: 0 ok, 1 ``--check``/``--diff`` found changes, 2 usage or input error.
Errors are one line on stderr naming the file (and the line for JSONL).
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from zhnorm import __version__
from zhnorm.decode import DecodeError
from zhnorm.io import (
    BinaryInputError,
    JsonlError,
    TextChunks,
    atomic_writer,
    iter_files,
    rewrite_jsonl_line,
)
from zhnorm.pipeline import Normalizer

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_OK, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2
STDIN = Path("-")


class UsageError(Exception):
    """A bad combination of options: one line, exit 2."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zhnorm {__version__}")
        raise typer.Exit()


@dataclass
class Run:
    """Settings of one command run that are not the normalizer's."""

    config: Normalizer
    encoding: str
    errors: str
    jsonl: bool
    fields: list[tuple[str, ...]]
    keep_going: bool
    check: bool
    diff: bool
    changed: list[str] = field(default_factory=list)
    bad_records: int = 0


@app.command()
def normalize(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories to read; none or '-' reads stdin.", show_default=False),
    ] = None,
    to: Annotated[str, typer.Option("--to", help="Target: hans, hant, tw, hk, cn, twp.")] = "hans",
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
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Clean Chinese text: repair mojibake, then convert to one script.

    Reads files, directories (--recursive) or stdin; writes UTF-8 to stdout,
    to --output, or back into the files (--in-place).
    """
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
        )
    except (UsageError, ValueError) as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_ERROR) from None

    try:
        status = _run_all(run, paths or [STDIN], output, in_place, recursive, glob, fail_fast)
    except BrokenPipeError:
        # `| head` closed the pipe: stop quietly. Point stdout at devnull so the
        # interpreter's final flush cannot raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(EXIT_OK) from None
    except KeyboardInterrupt:
        _error("interrupted")
        raise typer.Exit(130) from None
    except OSError as exc:  # the output could not be written
        _error(f"{output or '<stdout>'}: {_reason(exc)}")
        raise typer.Exit(EXIT_ERROR) from None
    if status == EXIT_OK and run.changed and (check or diff):
        status = EXIT_CHANGED
    raise typer.Exit(status)


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
) -> Run:
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
    if encoding != "auto":
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UsageError(f"unknown encoding {encoding!r}") from None
    config = Normalizer(to=to, opencc=opencc, only=tuple(only or ()), skip=tuple(skip or ()))
    return Run(
        config=config,
        encoding=encoding,
        errors=errors,
        jsonl=jsonl,
        fields=[tuple(f.split(".")) for f in fields or ()],
        keep_going=keep_going,
        check=check,
        diff=diff,
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
        sink: BinaryIO | None = None
        if not (in_place or run.check or run.diff):
            sink = stack.enter_context(atomic_writer(output)) if output else sys.stdout.buffer
        for path, named, problem in _inputs(paths, recursive, glob):
            if problem:
                _error(problem)
                status = EXIT_ERROR
            else:
                try:
                    _process(run, path, sink, in_place)
                except BinaryInputError as exc:
                    _error(f"{_display(path)}: {exc}: skipped")
                    if named:
                        status = EXIT_ERROR
                except (DecodeError, JsonlError) as exc:
                    _error(f"{_display(path)}: {exc}")
                    status = EXIT_ERROR
                except OSError as exc:
                    if isinstance(exc, BrokenPipeError):
                        raise
                    _error(f"{_display(path)}: {_reason(exc)}")
                    status = EXIT_ERROR
            if status == EXIT_ERROR and fail_fast:
                break
        if sink is not None:
            sink.flush()
    return status


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
            yield path, True, str(exc)


def _display(path: Path) -> str:
    return "<stdin>" if path == STDIN else str(path)


def _process(run: Run, path: Path, sink: BinaryIO | None, in_place: bool) -> None:
    name = _display(path)
    with ExitStack() as stack:
        source = sys.stdin.buffer if path == STDIN else stack.enter_context(open(path, "rb"))
        chunks = TextChunks(source, run.encoding, run.errors)
        out = stack.enter_context(atomic_writer(path)) if in_place else sink
        fix = _jsonl_fixer(run) if run.jsonl else run.config.normalize
        before: list[str] = []
        after: list[str] = []
        changed = False
        first = True
        for chunk in chunks:
            fixed = fix(chunk)
            if fixed != chunk:
                changed = True
            if run.diff:
                before.append(chunk)
                after.append(fixed)
            if out is not None:
                if first and chunks.bom:
                    out.write(b"\xef\xbb\xbf")
                out.write(fixed.encode("utf-8", "surrogateescape"))
            first = False
        if changed:
            run.changed.append(name)
            if run.check:
                typer.echo(f"would change: {name}")
            if run.diff:
                _print_diff(name, "".join(before), "".join(after))


def _jsonl_fixer(run: Run):
    """A chunk -> chunk function that rewrites the selected fields of each record."""
    state = {"line": 0}
    normalize = run.config.normalize

    def fix(chunk: str) -> str:
        lines = chunk.split("\n")
        for i, raw in enumerate(lines):
            if i == len(lines) - 1 and raw == "":
                break  # the chunk ended with a newline
            state["line"] += 1
            body = raw[:-1] if raw.endswith("\r") else raw
            if not body.strip():
                continue
            try:
                new = rewrite_jsonl_line(body, run.fields, normalize)
            except ValueError as exc:
                if run.keep_going:
                    run.bad_records += 1
                    _error(f"line {state['line']}: {exc}: passed through unchanged")
                    continue
                raise JsonlError(state["line"], str(exc)) from None
            if new is not body:
                lines[i] = new + raw[len(body) :]
        return "\n".join(lines)

    return fix


def _print_diff(name: str, old: str, new: str) -> None:
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


def main() -> None:
    """Console entry point."""
    app(prog_name="zhnorm")
