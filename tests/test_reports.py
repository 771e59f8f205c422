"""Every format renders every fixture lineage, deterministically; several formats go to a folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.model import CheckResult
from model_licensecheck.report.interface import Format, reporter

from .conftest import FIXTURES, one_report, run

TARGETS = (
    "databricks/dolly-v2-12b",  # allowed
    "lmsys/vicuna-13b-v1.3",  # prohibited
    "meta-llama/Llama-2-7b-chat-hf",  # conditional
    str(FIXTURES / "cards" / "unknown-base.md"),  # unknown
    str(FIXTURES / "cards" / "prose-only.md"),  # card-text evidence with quotes
)


@pytest.fixture(scope="module")
def results() -> list[CheckResult]:
    checker = Checker(CheckOptions(offline=True))
    return [checker.check(t) for t in TARGETS]


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_every_lineage_the_same_twice(
    fmt: Format, results: list[CheckResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for result in results:
        first = reporter(fmt).render([result])
        assert first.strip(), (fmt, result.subject.target)
        assert reporter(fmt).render([result]) == first
    both = reporter(fmt).render(results[:2])
    assert "databricks/dolly-v2-12b" in both and "lmsys/vicuna-13b-v1.3" in both


def test_several_formats_into_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    args = ["databricks/dolly-v2-12b", "--offline", "-o", str(out)]
    for fmt in Format:
        args += ["--format", fmt.value]
    result = run(*args)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"licensecheck{fmt.extension}" for fmt in Format)
    assert one_report((out / "licensecheck.json").read_text())["verdict"]["status"] == "allowed"


def test_several_formats_need_a_folder() -> None:
    result = run("databricks/dolly-v2-12b", "--offline", "--format", "json", "--format", "sarif")
    assert result.exit_code == 2
    assert "-o DIR" in result.stderr
