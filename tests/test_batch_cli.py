"""Batch and output options: combinations that cannot work are refused before any work,
-o DIR with one format, audit rows cut to the terminal, duplicate manifest entries, and the
progress display on a terminal."""

from __future__ import annotations

import io
import json
import time
from typing import TYPE_CHECKING

import pytest

from model_licensecheck import cli, cli_audit
from model_licensecheck.batch import ManifestEntry, shard, without_duplicates
from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.cli import ProgressLine
from model_licensecheck.model import ProgressEvent
from model_licensecheck.safetext import columns, cut_columns, pad_columns

from .conftest import FIXTURES, one_report, reports, run

if TYPE_CHECKING:
    from pathlib import Path

MANIFESTS = FIXTURES / "manifests"


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a Checker is built: refusals must come before any work."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a Checker was built before the options were checked")

    monkeypatch.setattr(Checker, "__init__", refuse)


def _refusals(tmp_path: Path) -> list[tuple[list[str], str]]:
    afile = tmp_path / "report.txt"
    afile.write_text("x", encoding="utf-8")
    manifest = str(MANIFESTS / "models.txt")
    two = ["--format", "json", "--format", "sarif"]
    return [
        (["org/model", *two], "need -o DIR"),
        (["org/model", *two, "-o", str(afile)], "is a file"),
        (["org/model", *two, "-o", str(tmp_path / "out.json")], "names a file"),
        (["org/model", "--offline", "--refresh"], "--refresh"),
        (["org/a", "org/b", "--revision", "main"], "exactly one target"),
        (["audit", manifest, *two], "need -o DIR"),
        (["audit", manifest, "--offline", "--refresh"], "--refresh"),
    ]


@pytest.mark.usefixtures("no_work")
def test_combinations_that_cannot_work_are_refused_before_any_work(tmp_path: Path) -> None:
    for args, words in _refusals(tmp_path):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("licensecheck: error: "), lines
        assert words in lines[0], (args, lines)


def test_one_format_into_an_existing_folder_writes_a_named_file(tmp_path: Path) -> None:
    result = run("databricks/dolly-v2-12b", "--offline", "--format", "json", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert one_report((tmp_path / "licensecheck.json").read_text())["verdict"]["status"] == (
        "allowed"
    )


def test_several_formats_make_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = run("databricks/dolly-v2-12b", "--offline", "--format", "json",
                 "--format", "sarif", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["licensecheck.json", "licensecheck.sarif"]


def test_audit_reports_take_the_formats_and_stdout_keeps_the_table(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = run("audit", str(MANIFESTS / "models.txt"), "--offline", "--reports", str(out),
                 "--format", "json", "--format", "sarif")  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0].split() == ["model", "verdict", "gate", "conditions"]
    assert (out / "databricks-dolly-v2-12b.sarif").is_file()
    assert json.loads((out / "summary.json").read_text())["summary"]["models"] == 3


class FakeTTY(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_library_reports_k_of_n_models_through_its_callback() -> None:
    events: list[ProgressEvent] = []
    checker = Checker(CheckOptions(offline=True), progress=events.append)
    targets = ["databricks/dolly-v2-12b", "lmsys/vicuna-13b-v1.3", "nobody/nothing",
               "databricks/dolly-v2-12b"]  # fmt: skip
    checker.check_many(targets)
    assert events, "no progress was reported"
    assert {e.total for e in events} == {len(targets)}
    dones = [e.done for e in events]
    assert dones == sorted(dones)  # never goes back
    assert dones[-1] == len(targets) and events[-1].current is None
    assert dones[0] < len(targets)
    assert {e.current for e in events if e.current is not None} <= set(targets)
    asked = [e.asked for e in events]
    assert asked == sorted(asked) and asked[-1] > len(targets)  # ancestors were asked for too


def test_progress_line_draws_k_of_n_current_and_elapsed_in_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    stream, clock = FakeTTY(), Clock()
    line = ProgressLine(stream, clock=clock)
    line(ProgressEvent(0, 3, "org/first", 1))
    clock.now += 0.01
    line(ProgressEvent(0, 3, "org/first", 2))  # too soon, nothing done: not redrawn
    clock.now += 12
    line(ProgressEvent(1, 3, "org/second\x1b[31m", 5))  # a control sequence is shown escaped
    line(ProgressEvent(3, 3, None, 9))
    line.clear()
    frames = stream.getvalue().split("\r\x1b[K")
    assert frames[0] == "" and frames[-1] == ""
    assert frames[1:-1] == [
        "[0/3] · org/first · 1 artifacts asked · 0s",
        "[1/3] · org/second\\x1b[31m · 5 artifacts asked · 12s",
        "[3/3] · 9 artifacts asked · 12s",
    ]
    monkeypatch.setenv("COLUMNS", "20")
    clock.now += 1
    line(ProgressEvent(3, 3, "a-very-long-organisation/a-very-long-model", 9))
    drawn = stream.getvalue().rsplit("\r\x1b[K", 1)[1]
    assert len(drawn) == 19 and drawn.endswith("…")
    # Wide characters (CJK names) take two columns each: cut by columns, the line still fits.
    clock.now += 1
    line(ProgressEvent(3, 3, "清华大学/中文对话模型-七十亿参数", 9))
    drawn = stream.getvalue().rsplit("\r\x1b[K", 1)[1]
    assert columns(drawn) <= 19 and drawn.endswith("…") and columns(drawn) >= 18


def test_the_elapsed_time_moves_while_one_request_holds_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No event comes while the Hub answers one slow request: a ticker thread redraws the last
    # line with the time elapsed now, and stops (and draws nothing more) once cleared.
    monkeypatch.setenv("COLUMNS", "80")
    stream, clock = FakeTTY(), Clock()
    line = ProgressLine(stream, clock=clock, tick=0.01)
    line.tick()
    assert stream.getvalue() == ""  # nothing to redraw before the first event
    line(ProgressEvent(0, 2, "org/slow", 1))
    clock.now += 42
    deadline = time.monotonic() + 5
    while "42s" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    drawn = stream.getvalue().rsplit("\r\x1b[K", 1)[1]
    assert drawn == "[0/2] · org/slow · 1 artifacts asked · 42s"
    line.clear()
    assert line.ticker is None
    after = stream.getvalue()
    assert after.endswith("\r\x1b[K")
    clock.now += 1
    time.sleep(0.05)
    line.tick()
    assert stream.getvalue() == after


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("abcdef", 4, "abc…"),
        ("abc", 3, "abc"),
        ("中文模型", 5, "中文…"),  # 2 + 2 + the ellipsis; a third wide one would make 6
        ("中文模型", 8, "中文模型"),
        ("e\u0301tude-model", 6, "e\u0301tude…"),  # a combining accent takes no column
    ],
)
def test_lines_are_cut_by_terminal_columns(text: str, width: int, shown: str) -> None:
    assert cut_columns(text, width) == shown
    assert columns(cut_columns(text, width)) <= width
    assert columns(pad_columns("中文", 6)) == 6 and pad_columns("中文", 6) == "中文  "


def test_progress_is_drawn_on_a_terminal_only_and_not_with_quiet(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    manifest = str(MANIFESTS / "models.txt")
    plain = run("audit", manifest, "--offline")
    assert plain.stderr == ""  # not a terminal: silent
    monkeypatch.setattr(cli, "stderr_is_terminal", lambda: True)
    drawn = run("audit", manifest, "--offline")
    assert "[3/3]" in drawn.stderr and drawn.stderr.endswith("\r\x1b[K")
    assert drawn.stdout == plain.stdout
    quiet = run("audit", manifest, "--offline", "--quiet")
    assert quiet.stderr == ""


def test_audit_rows_are_cut_to_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = str(MANIFESTS / "models.txt")
    full = run("audit", manifest, "--offline").stdout.splitlines()
    assert max(len(x) for x in full) > 60  # not a terminal: never cut
    monkeypatch.setattr(cli_audit, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "61")
    cut = run("audit", manifest, "--offline").stdout.splitlines()
    assert len(cut) == len(full)  # cut, never wrapped
    assert all(len(x) <= 60 for x in cut)
    for whole, shown in zip(full, cut, strict=True):
        assert shown == whole or (shown.endswith("…") and whole.startswith(shown[:-1]))


@pytest.mark.parametrize(
    ("name", "text", "line", "first"),
    [
        ("m.txt", "databricks/dolly-v2-12b\n# a comment\nDatabricks/Dolly-v2-12b\n", 3, 1),
        ("m.yaml", "models:\n  - databricks/dolly-v2-12b\n  - {id: databricks/dolly-v2-12b}\n",
         3, 2),
        ("n.yaml", "- lmsys/vicuna-13b-v1.3\n- databricks/dolly-v2-12b\n"
         "- databricks/dolly-v2-12b\n", 3, 2),
    ],
)  # fmt: skip
def test_a_duplicate_manifest_entry_is_reported_once_and_checked_once(
    tmp_path: Path, name: str, text: str, line: int, first: int
) -> None:
    manifest = tmp_path / name
    manifest.write_text(text, encoding="utf-8")
    result = run("audit", str(manifest), "--offline", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    warnings = result.stderr.splitlines()
    assert warnings == [
        f"licensecheck: warning: {manifest}:{line}: "
        f"{text.splitlines()[line - 1].split('id: ')[-1].strip('- }')} is listed again "
        f"(first at {manifest}:{first}); it is checked once"
    ]
    targets = [r["subject"]["target"].lower() for r in reports(result.stdout)]
    assert targets.count("databricks/dolly-v2-12b") == 1


def test_the_same_model_at_two_revisions_is_not_a_duplicate(tmp_path: Path) -> None:
    entries = [ManifestEntry("org/m", "a"), ManifestEntry("org/m", "b"), ManifestEntry("org/m")]
    kept, repeats = without_duplicates([*entries, ManifestEntry("ORG/m", "a")])
    assert kept == entries
    assert [(d.entry.target, d.first.revision) for d in repeats] == [("ORG/m", "a")]


def test_progress_through_the_hub_ends_with_every_target_done(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from .hubserver import FixtureHub

    server = FixtureHub(FIXTURES / "hub")
    monkeypatch.setenv("HF_ENDPOINT", server.start())
    monkeypatch.setenv("MODEL_LICENSECHECK_CACHE", str(tmp_path / "cache"))
    try:
        events: list[ProgressEvent] = []
        targets = ["acme/tune-x", "faultlab/lora-on-llama", "faultlab/prose-llama-tune"]
        Checker(CheckOptions(), progress=events.append).check_many(targets)
    finally:
        server.stop()
    assert events[0].done == 0 and events[0].current == targets[0]
    assert events[-1] == ProgressEvent(3, 3, None, events[-1].asked)
    assert events[-1].asked > len(targets)  # their ancestors were asked for through the Hub


def test_shards_are_disjoint_cover_the_manifest_and_ignore_case() -> None:
    ids = [f"org{i % 7}/model-{i}" for i in range(200)]
    entries = [ManifestEntry(t) for t in ids]
    parts = [shard(entries, k, 4) for k in range(1, 5)]
    assert sorted(e.target for part in parts for e in part) == sorted(ids)  # each once
    assert all(20 < len(part) < 80 for part in parts)  # spread, not all in one
    upper = [ManifestEntry(t.upper()) for t in ids]
    for k in range(1, 5):  # the Hub's ids are case-insensitive: so is the shard
        assert [e.target.lower() for e in shard(upper, k, 4)] == [e.target for e in parts[k - 1]]
    assert shard(entries, 1, 1) == entries


def test_audit_runs_as_shards_whose_reports_add_up(tmp_path: Path) -> None:
    manifest = str(MANIFESTS / "models.txt")
    whole = reports(run("audit", manifest, "--offline", "--format", "json").stdout)
    parts = []
    for k in (1, 2):
        result = run("audit", manifest, "--offline", "--format", "json", "--shard", f"{k}/2")
        assert result.exit_code in (0, 1), result.output
        parts += reports(result.stdout)
    key = lambda m: m["subject"]["target"]  # noqa: E731
    assert sorted(parts, key=key) == sorted(whole, key=key)
    for bad in ("0/2", "3/2", "2", "a/b", "1/0"):
        refused = run("audit", manifest, "--offline", "--shard", bad)
        assert refused.exit_code == 2 and refused.stdout == "", bad
        assert refused.stderr.strip().splitlines()[-1].startswith(f"Error: --shard '{bad}': ")
