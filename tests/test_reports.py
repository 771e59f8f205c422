"""Every format renders every fixture lineage, deterministically; several formats go to a folder."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.model import CheckResult, Finding
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
    # What the CLI writes: the report in pieces (streamed for Markdown, SARIF, HTML and JSON).
    assert "".join(reporter(fmt).stream(results[:2])) == both
    assert "".join(reporter(fmt).stream(results[:1])) == reporter(fmt).render(results[:1])


@pytest.mark.parametrize("fmt", [Format.MARKDOWN, Format.SARIF, Format.HTML])
def test_large_reports_are_built_while_written(fmt: Format, results: list[CheckResult]) -> None:
    """Markdown, SARIF and HTML give many small pieces, the first before most findings are read:
    a report on a lineage of a million nodes is never held whole."""
    result = results[1]
    read: list[str] = []

    class Counting(Finding):
        __slots__ = ()

        @property
        def message(self) -> str:
            read.append(self.rule_id)
            return Finding.message.fget(self)  # type: ignore[attr-defined,no-any-return]

    findings = tuple(Counting(*f) for f in result.findings)
    pieces = reporter(fmt).stream([result._replace(findings=findings)])
    next(pieces)
    assert len(read) < len(findings) // 2
    assert sum(1 for _ in pieces) > len(findings)


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


def test_the_streamed_json_report_is_the_report(results: list[CheckResult]) -> None:
    """The CLI writes the JSON report in pieces, built while written (bounded memory on large
    lineages); the pieces spell the same document as the whole one, one record per line."""
    from model_licensecheck.report.common import content_id
    from model_licensecheck.report.jsonreport import (
        JsonReporter,
        dumps,
        iter_dumps,
        to_dict,
        to_stream,
    )

    for result in results:
        whole = dumps(to_dict(result))
        assert "".join(iter_dumps(to_stream(result))) == whole
        assert json.loads(whole) == json.loads(json.dumps(to_dict(result)))
        lines = whole.splitlines()
        nodes = json.loads(whole)["lineage"]["nodes"]
        for node in nodes:  # each node on a line of its own, whole
            assert json.dumps(node, ensure_ascii=False, separators=(", ", ": ")) in {
                line.strip().rstrip(",") for line in lines
            }
    several = JsonReporter().render(results[:3])
    assert "".join(JsonReporter().stream(results[:3])) == several
    models = json.loads(several)["models"]
    assert [r["subject"]["target"] for r in models] == list(TARGETS[:3])
    for model in models:  # each model's nodes on lines of their own there too
        assert all(
            json.dumps(node, ensure_ascii=False, separators=(", ", ": ")) in several
            for node in model["lineage"]["nodes"]
        )
    # The content id hashes the canonical spelling piece by piece: the same digest as the
    # whole canonical document would give.
    import hashlib

    canonical = json.dumps([to_dict(r) for r in results], sort_keys=True, separators=(",", ":"))
    assert content_id(results) == hashlib.sha256(canonical.encode()).hexdigest()[:16]


def test_a_streamed_report_builds_records_only_as_they_are_written(
    results: list[CheckResult],
) -> None:
    from model_licensecheck.report.jsonreport import Stream, iter_dumps, to_stream

    data = to_stream(results[1])
    assert isinstance(data["findings"], Stream)
    assert isinstance(data["lineage"]["nodes"], Stream)
    pieces = iter_dumps(data)
    head = "".join(next(pieces) for _ in range(5))
    assert head.startswith('{\n  "subject"')
    # Nothing of the findings was built yet: they are made when the writer reaches them.
    findings = iter(data["findings"])
    assert inspect.getgeneratorstate(findings) == inspect.GEN_CREATED  # type: ignore[arg-type]
    rest = "".join(pieces)
    assert inspect.getgeneratorstate(findings) == inspect.GEN_CLOSED  # type: ignore[arg-type]
    assert '"rule_id"' in rest


def test_the_shared_lineages_cover_every_verdict(
    lineage_results: dict[str, CheckResult],
) -> None:
    """The lineages every format's golden files are written from (tests/lineages.py) cover
    every verdict, so each report is exercised on each status."""
    from .lineages import LINEAGES

    assert {n: r.verdict.status for n, r in lineage_results.items()} == {
        n: status for n, (_, status) in LINEAGES.items()
    }


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.usefixtures("fixed_epoch")
def test_same_input_same_bytes(fmt: Format, lineage_results: dict[str, CheckResult]) -> None:
    """A fresh check of the same targets with the same SOURCE_DATE_EPOCH gives the same bytes
    in every format (nothing depends on the run: ids, order, caches)."""
    from .lineages import check_lineages

    first = reporter(fmt).render(list(lineage_results.values()))
    again = check_lineages(Checker(CheckOptions(offline=True)))
    assert reporter(fmt).render(list(again.values())) == first
