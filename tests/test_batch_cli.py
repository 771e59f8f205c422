"""Batch and output options: combinations that cannot work are refused before any work,
-o DIR with one format, audit rows cut to the terminal, duplicate manifest entries, and the
progress display on a terminal."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from model_licensecheck.checker import Checker

from .conftest import FIXTURES, one_report, run

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
