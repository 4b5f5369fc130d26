"""The CLI, through Typer's runner and through real subprocesses and pipes."""

from __future__ import annotations

import io
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zhnorm.cli import app

runner = CliRunner()


def zhnorm(*args: str, input: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zhnorm", *args], input=input, capture_output=True, cwd=cwd, timeout=120
    )


def test_stdin_to_stdout_real_pipe() -> None:
    done = zhnorm("--to", "hant", input="简体中文\nä¸­æ–‡\n".encode())
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == "簡體中文\n中文\n"
    assert done.stderr == b""


def test_dash_means_stdin() -> None:
    done = zhnorm("--to", "hans", "-", input="繁體".encode())
    assert done.stdout.decode() == "繁体"


def test_gbk_and_big5_files_become_utf8(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes("简体中文的新闻\n".encode("gbk"))
    (tmp_path / "b.txt").write_bytes("繁體中文的部落格\n".encode("big5"))
    result = runner.invoke(app, ["--to", "hant", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert result.exit_code == 0, result.output
    assert result.stdout == "簡體中文的新聞\n繁體中文的部落格\n"


def test_output_file_and_in_place(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_bytes("\ufeff简体\r\n中文".encode())
    os.chmod(src, 0o600)
    out = tmp_path / "out.txt"
    assert runner.invoke(app, ["--to", "hant", str(src), "-o", str(out)]).exit_code == 0
    assert out.read_bytes() == "\ufeff簡體\r\n中文".encode()
    assert runner.invoke(app, ["--to", "hant", "--in-place", str(src)]).exit_code == 0
    assert src.read_bytes() == "\ufeff簡體\r\n中文".encode()  # BOM, CRLF, no final newline kept
    assert oct(src.stat().st_mode & 0o777) == oct(0o600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "out.txt"]


def test_directories_need_recursive(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "one.txt").write_text("简体", encoding="utf-8")
    (tmp_path / "d" / "sub" / "two.txt").write_text("体育", encoding="utf-8")
    (tmp_path / "d" / "skip.md").write_text("简", encoding="utf-8")
    result = runner.invoke(app, [str(tmp_path / "d")])
    assert result.exit_code == 2
    assert "--recursive" in result.stderr
    result = runner.invoke(app, ["--to", "hant", "-r", "--glob", "*.txt", str(tmp_path / "d")])
    assert result.exit_code == 0
    assert result.stdout == "簡體體育"


def test_check_and_diff_write_nothing(tmp_path: Path) -> None:
    clean, dirty = tmp_path / "clean.txt", tmp_path / "dirty.txt"
    clean.write_text("繁體中文\n", encoding="utf-8")
    dirty.write_text("简体中文\n", encoding="utf-8")
    result = runner.invoke(app, ["--to", "hant", "--check", str(clean), str(dirty)])
    assert result.exit_code == 1
    assert result.stdout == f"would change: {dirty}\n"
    assert runner.invoke(app, ["--to", "hant", "--check", str(clean)]).exit_code == 0
    result = runner.invoke(app, ["--to", "hant", "--diff", str(dirty)])
    assert result.exit_code == 1
    assert "-简体中文\n+簡體中文\n" in result.stdout
    assert dirty.read_text(encoding="utf-8") == "简体中文\n"


def test_jsonl_fields_and_untouched_bytes() -> None:
    records = [
        '{"id": 1.0, "text": "简体", "meta": {"title": "标题", "raw": "\\u7b80"}, "n": null}',
        '{"text": "ä¸­æ–‡", "id": 2}',
        "",
        '{"id": 3}',
    ]
    data = ("\n".join(records) + "\n").encode()
    done = zhnorm("--to", "hant", "--jsonl", "--field", "text", "--field", "meta.title", input=data)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode().split("\n")
    assert out[0] == '{"id": 1.0, "text": "簡體", "meta": {"title": "標題", "raw": "\\u7b80"}, "n": null}'
    assert json.loads(out[1]) == {"text": "中文", "id": 2}
    assert out[2:] == ["", '{"id": 3}', ""]


def test_jsonl_bad_record_names_the_line() -> None:
    data = b'{"text": "a"}\n{"text": 5}\n{"text": "b"}\n'
    done = zhnorm("--jsonl", "--field", "text", input=data)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == "zhnorm: <stdin>: line 2: field 'text' is int, not a string"
    done = zhnorm("--jsonl", "--field", "text", "--keep-going", input=data)
    assert done.returncode == 0
    assert done.stdout == data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "klingon"], "unknown target"),
        (["--opencc", "x2y"], "s2twp"),
        (["--only", "nope"], "valid stages"),
        (["--encoding", "nope"], "unknown encoding"),
        (["--jsonl"], "--field"),
        (["/does/not/exist"], "no such file"),
        (["inspect"], "inspect: no such file or directory (did you mean --inspect?)"),
    ],
)
def test_errors_are_one_line_exit_2(args: list[str], message: str) -> None:
    done = zhnorm(*args, input=b"x")
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("zhnorm: ")


def test_undecodable_bytes_are_reported_not_dropped(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes("中文".encode() + b"\xff\n")
    done = zhnorm("--encoding", "utf-8", str(bad))
    assert done.returncode == 2
    assert done.stderr.decode() == f"zhnorm: {bad}: not valid utf-8 at byte 6: invalid start byte\n"
    done = zhnorm("--encoding", "utf-8", "--errors", "replace", "--only", "repair", str(bad))
    assert done.returncode == 0
    assert done.stdout.decode() == "中文\ufffd\n"


def test_a_bad_input_does_not_stop_the_rest(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("简体", encoding="utf-8")
    done = zhnorm("--to", "hant", str(tmp_path / "missing.txt"), str(good))
    assert done.returncode == 2
    assert done.stdout.decode() == "簡體"
    done = zhnorm("--to", "hant", "--fail-fast", str(tmp_path / "missing.txt"), str(good))
    assert done.returncode == 2 and done.stdout == b""


def test_jobs_start_their_workers_once_for_all_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A directory of small files under --jobs 2: one pool of workers for the run (a worker's
    # start-up costs ~0.5 s a file otherwise), and a file whose bytes fail in a worker leaves
    # the pool working for the files after it: the same output and errors as --jobs 1.
    import concurrent.futures

    started: list[int] = []

    class Counting(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args: object, **kwargs: object) -> None:
            started.append(1)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Counting)
    for i in range(6):
        (tmp_path / f"{i}.txt").write_bytes("简体中文\n".encode() * (i + 1))
    (tmp_path / "3.txt").write_bytes("简体\n".encode() + b"\xe4\xb8\n")
    results = [
        runner.invoke(app, ["--to", "hant", "-r", "-j", jobs, str(tmp_path)]) for jobs in ("1", "2")
    ]
    assert started == [1]
    assert results[0].exit_code == results[1].exit_code == 2
    assert results[0].stdout == results[1].stdout
    assert results[0].stderr == results[1].stderr
    assert "3.txt" in results[1].stderr and results[1].stdout.count("簡體中文") == 1 + 2 + 3 + 5 + 6


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_in_place_over_many_files_with_a_bad_one(tmp_path: Path, jobs: str) -> None:
    # With workers the next files are read while one is written: each file is still written
    # whole or not at all, a bad one is left as it was, and no temporary file stays behind.
    for i in range(8):
        (tmp_path / f"{i}.txt").write_bytes("简体中文\n".encode() * (i + 1))
    bad = "简体\n".encode() + b"\xe4\xb8\n" + "简体\n".encode()
    (tmp_path / "4.txt").write_bytes(bad)
    result = runner.invoke(app, ["--to", "hant", "-r", "-i", "-j", jobs, str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.count("zhnorm:") == 1 and "4.txt: not valid utf-8 at byte 7" in result.stderr
    assert (tmp_path / "4.txt").read_bytes() == bad
    for i in (0, 1, 2, 3, 5, 6, 7):
        assert (tmp_path / f"{i}.txt").read_text(encoding="utf-8") == "簡體中文\n" * (i + 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{i}.txt" for i in range(8))


def test_broken_pipe_exits_quietly() -> None:
    big = ("简体中文的一行\n" * 200_000).encode()
    done = subprocess.run(
        f"{sys.executable} -m zhnorm --to hant | head -n 1",
        shell=True, input=big, capture_output=True, timeout=120,
    )
    assert done.stdout.decode() == "簡體中文的一行\n"
    assert done.stderr == b""


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("zhnorm ")


def test_stage_options() -> None:
    text = "續(xù)寫:你好,世界ＡＢＣ\n"

    def run(*args: str, input: str = text) -> str:
        return runner.invoke(app, list(args), input=input).stdout

    assert run("--to", "hans") == "续写：你好，世界ABC\n"
    assert run("--keep-glosses", "--punct", "keep", "--keep-width") == "续(xù)写:你好,世界ＡＢＣ\n"
    assert run("--skip", "punct", "--skip", "glosses") == "续(xù)写:你好,世界ＡＢＣ\n"
    assert run("--strip-indent", "--only", "punct", input="\u3000\u3000段落。\n") == "段落。\n"


def test_convert_options(tmp_path: Path) -> None:
    def run(*args: str, input: str) -> str:
        result = runner.invoke(app, ["--only", "convert", *args], input=input)
        assert result.exit_code == 0, result.output
        return result.stdout

    assert run("--to", "hant", input="烏干達的经济") == "烏干達的經濟"
    assert run("--to", "hant", "--convert-all", input="烏干達的经济") == "烏幹達的經濟"
    assert run("--to", "auto", input="這是繁體中文。這也是。这是简体。") == "這是繁體中文。這也是。這是簡體。"
    dictionary = tmp_path / "user.txt"
    dictionary.write_text("鼠标\t滑鼠\n", encoding="utf-8")
    assert run("--to", "tw", "--dict", str(dictionary), input="我们用鼠标") == "我們用滑鼠"
    terms = tmp_path / "terms.txt"
    terms.write_text("# names\n张发\n", encoding="utf-8")
    protected = run("--to", "hant", "--protect", str(terms), "--protect", "后台", input="张发在后台")
    assert protected == "张发在后台"
    bad = tmp_path / "bad.txt"
    bad.write_text("鼠标 滑鼠\n", encoding="utf-8")
    result = runner.invoke(app, ["--dict", str(bad)], input="")
    assert result.exit_code == 2
    assert result.stderr == f"zhnorm: {bad}:1: no tab between phrase and replacement\n"


def test_inspect_text_json_and_jsonl() -> None:
    page = "這是繁體。这是简体。\n"
    result = runner.invoke(app, ["--inspect"], input=page)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("<stdin>: mixed (8 Han characters")
    assert "convert 0-5 foreign: 這是繁體。" in result.stdout
    report = json.loads(runner.invoke(app, ["--inspect", "--json", "--to", "hant"], input=page).stdout)
    assert report["verdict"] == "mixed" and report["file"] == "<stdin>"
    assert [r["text"] for r in report["converted_runs"]] == ["这是简体。\n"]
    records = '{"t": "繁體字"}\n{"t": "简体字"}\n'
    lines = runner.invoke(app, ["--inspect", "--json", "--jsonl", "--field", "t"], input=records).stdout
    verdicts = [(r["line"], r["field"], r["verdict"]) for r in map(json.loads, lines.splitlines())]
    assert verdicts == [(1, "t", "hant"), (2, "t", "hans")]


def test_unreadable_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads any file whatever its mode, so the permission error is injected where the CLI opens it.
    locked = tmp_path / "locked.txt"
    locked.write_text("简体", encoding="utf-8")
    real_open = open

    def guarded_open(file, *args, **kwargs):
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    result = runner.invoke(app, [str(locked)])
    assert result.exit_code == 2
    assert result.stderr == f"zhnorm: {locked}: permission denied\n"


def test_unwritable_output_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "out.txt"
    done = zhnorm("-o", str(target), input="简体".encode())
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "no such file or directory" in lines[0] and "missing-dir" in lines[0]


def test_binary_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "d" / "page.txt").write_text("简体", encoding="utf-8")
    result = runner.invoke(app, ["--to", "hant", "-r", str(tmp_path / "d")])
    assert result.exit_code == 0  # found while walking: skipped, not an error
    assert result.stdout == "簡體"
    assert result.stderr == f"zhnorm: {tmp_path / 'd' / 'image.png'}: binary file (NUL bytes): skipped\n"
    result = runner.invoke(app, [str(tmp_path / "d" / "image.png")])
    assert result.exit_code == 2  # named on the command line: an input error


def test_report_counts_each_stage(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("續(xù)寫ä¸­æ–‡,测试\n这是简体\n丢失\ufffd字\n", encoding="utf-8")
    report = tmp_path / "report.json"
    result = runner.invoke(app, [str(page), "-o", str(tmp_path / "out.txt"), "--report", str(report)])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    total = data["total"]
    assert data["files"][str(page)]["encoding"] == "utf-8"
    assert total["files"] == 1 and total["lines_in"] == total["lines_out"] == 3
    assert total["lines_changed"] == {"convert": 1, "glosses": 1, "punct": 1, "repair": 1}
    assert total["changes"]["glosses:pinyin_gloss"] == 1
    assert total["changes"]["repair:utf8_as_cp1252"] == 1
    assert total["lossy_chars"] == 1
    assert total["script"]["hant"] == 2 and total["script"]["hans"] >= 3
    assert set(total["seconds"]) == {"repair", "glosses", "convert", "punct"}


# The plainest command lines are parsed without Typer (start-up); they must mean what Typer makes of them.
PLAIN = [[], ["--to", "hant"], ["--to=tw"], ["-q", "a.txt", "-", "--to", "hk"], ["--quiet", "x", "y"], ["-"]]
NOT_PLAIN = [
    ["--to"], ["--to", "-x"], ["--to", "hant", "--to", "tw"], ["--to=a", "--to=b"], ["-qj2"], ["--"],
    ["--check"], ["-o", "out"], ["--version"], ["-h"], ["--t", "hant"], [""], ["-1"],
]


@pytest.mark.parametrize("args", PLAIN)
def test_plain_command_lines_get_the_settings_typer_gives(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhnorm import cli

    monkeypatch.chdir(tmp_path)
    seen: list[dict] = []
    monkeypatch.setattr(cli, "_execute", lambda **settings: seen.append(settings) or 0)
    assert runner.invoke(app, args).exit_code == 0
    options = cli._plain_args(args)
    assert options is not None
    assert cli._run_plain(options) == 0
    assert len(seen) == 2 and seen[0] == seen[1]


@pytest.mark.parametrize("args", NOT_PLAIN)
def test_other_command_lines_go_to_typer(args: list[str]) -> None:
    from zhnorm import cli

    assert cli._plain_args(args) is None


def test_unreadable_path_goes_to_typer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zhnorm import cli

    locked = tmp_path / "locked.txt"
    locked.write_text("简体", encoding="utf-8")
    monkeypatch.setattr(os, "access", lambda path, mode: str(path) != str(locked))
    assert cli._plain_args([str(tmp_path / "missing.txt")]) == {"paths": [tmp_path / "missing.txt"]}
    assert cli._plain_args([str(locked)]) is None  # Click's Path type reports it


def test_plain_run_does_not_import_typer() -> None:
    probe = (
        "import sys\n"
        "sys.argv = ['zhnorm', '--to', 'hant']\n"
        "from zhnorm.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "sys.stderr.write(f'{code} {\"typer\" in sys.modules} {\"click\" in sys.modules}')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], input="简体\n".encode(), capture_output=True, timeout=120
    )
    assert done.stdout.decode() == "簡體\n"
    assert done.stderr.decode() == "0 False False"


def test_plain_and_typer_runs_write_the_same(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("續(xù)寫ä¸­æ–‡,测试\n这是简体\n", encoding="utf-8")
    plain = zhnorm("--to", "tw", str(page), "-", input="繁體中文\n".encode())
    typer_run = zhnorm("--to", "tw", str(page), "-", "--errors", "strict", input="繁體中文\n".encode())
    assert plain.returncode == typer_run.returncode == 0
    assert plain.stdout == typer_run.stdout == "續寫中文，測試\n這是簡體\n繁體中文\n".encode()
    bad, typer_bad = zhnorm("--to", "xx", input=b""), zhnorm("--to", "xx", "--errors", "strict", input=b"")
    assert bad.returncode == typer_bad.returncode == 2
    assert bad.stderr == typer_bad.stderr and bad.stderr.startswith(b"zhnorm: unknown target 'xx'")


def test_explain_file_is_not_written_when_the_run_fails(tmp_path: Path) -> None:
    explained = tmp_path / "explain.jsonl"
    output = tmp_path / "missing" / "out.txt"
    done = zhnorm("--explain", str(explained), "-o", str(output), input="简体".encode())
    assert done.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", [b"\xff", b"\xe4\xb8"])
def test_a_bad_byte_at_a_chunk_boundary_under_jobs_2_is_as_under_jobs_1(tmp_path: Path, bad: bytes) -> None:
    # Under --jobs 2 the workers decode their own chunks: the error names the same byte,
    # and the chunks before it are written as with --jobs 1. The bad bytes open the second
    # chunk (b"\xff") or end it, cut by its last line end (b"\xe4\xb8"); the first chunk is
    # what encoding detection reads, so it stays valid.
    from zhnorm.io import iter_byte_chunks

    def cuts(data: bytes) -> list[int]:
        return list(itertools.accumulate(len(c) for c in iter_byte_chunks(io.BytesIO(data))))

    good = "第一行：繁體中文的測試。\r\n".encode() * 100_000
    first, second = cuts(good)[:2]
    offset = first if bad == b"\xff" else second - 2  # before the second chunk's final "\r\n"
    data = good[:offset] + bad + good[offset:]
    assert cuts(data)[:2] == [first, second + len(bad)]
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    runs = [zhnorm("--to", "hans", "-j", jobs, str(path)) for jobs in ("1", "2")]
    assert runs[0].returncode == runs[1].returncode == 2
    assert runs[0].stderr == runs[1].stderr
    reason = "invalid start byte" if bad == b"\xff" else "invalid continuation byte"
    assert runs[0].stderr.decode() == f"zhnorm: {path}: not valid utf-8 at byte {offset}: {reason}\n"
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].stdout.count(b"\n") == good[:first].count(b"\n")  # the first chunk, normalized
