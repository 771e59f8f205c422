"""Markdown, SARIF and CycloneDX reports of four real lineages: valid, safe, byte-stable."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the test extra
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from model_licensecheck.checker import Checker
from model_licensecheck.model import CheckResult, Status
from model_licensecheck.report.common import content_id
from model_licensecheck.report.cyclonedx import SERIAL_NAMESPACE, CycloneDxReporter
from model_licensecheck.report.interface import Format, Reporter, reporter
from model_licensecheck.report.markdown import MarkdownReporter, md, mermaid_ids, mermaid_text
from model_licensecheck.report.sarif import SarifReporter, fingerprint

from .lineages import CARD, GOLDEN, LINEAGES, ROOT

STANDARDS = Path(__file__).parent / "fixtures" / "standards"  # vendored; sources in NOTICE.md
SARIF_SCHEMA = STANDARDS / "sarif" / "sarif-schema-2.1.0.json"

FORMATS: dict[str, tuple[type[Reporter], str]] = {
    "markdown": (MarkdownReporter, ".md"),
    "sarif": (SarifReporter, ".sarif"),
    "cyclonedx": (CycloneDxReporter, ".cdx.json"),
}


pytestmark = pytest.mark.usefixtures("fixed_epoch")


@pytest.fixture(scope="module")
def results(lineage_results: dict[str, CheckResult]) -> dict[str, CheckResult]:
    """The four lineages, checked once for the session (conftest)."""
    return lineage_results


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    """The official SARIF 2.1.0 schema (draft-04)."""
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def cdx_validator() -> JsonStrictValidator:
    """cyclonedx-python-lib's strict 1.6 JSON validator (no unknown properties allowed)."""
    return JsonStrictValidator(SchemaVersion.V1_6)


def _render(fmt: str, results: list[CheckResult]) -> str:
    return FORMATS[fmt][0]().render(results)


# --- golden files -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LINEAGES))
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_matches_golden(fmt: str, name: str, results: dict[str, CheckResult]) -> None:
    """Each report equals its golden file (regenerate with UPDATE_GOLDEN=1)."""
    text = _render(fmt, [results[name]])
    golden = GOLDEN / fmt / (name + FORMATS[fmt][1])
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.exists(), f"missing {golden}: run with UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


def test_timestamp_comes_from_source_date_epoch(
    results: dict[str, CheckResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the timestamp moves with SOURCE_DATE_EPOCH; the serial number follows the content."""
    before = json.loads(_render("cyclonedx", [results["dolly"]]))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    after = json.loads(_render("cyclonedx", [results["dolly"]]))
    assert before["metadata"]["timestamp"] == "2023-11-14T22:13:20+00:00"
    assert after["metadata"]["timestamp"] == "2027-01-15T08:00:00+00:00"
    assert before["serialNumber"] == after["serialNumber"]
    del before["metadata"]["timestamp"], after["metadata"]["timestamp"]
    assert before == after


def test_reporters_are_wired(results: dict[str, CheckResult]) -> None:
    """The format enum reaches these three reporters."""
    for fmt in (Format.MARKDOWN, Format.SARIF, Format.CYCLONEDX):
        assert reporter(fmt).render([results["dolly"]])


# --- SARIF --------------------------------------------------------------------------------


def _sarif(results: list[CheckResult]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SarifReporter().render(results))
    return data


@pytest.mark.parametrize("name", sorted(LINEAGES))
def test_sarif_is_valid_with_one_result_per_finding(
    name: str, results: dict[str, CheckResult], sarif_validator: jsonschema.Draft4Validator
) -> None:
    """Valid under the official schema; one result per finding, levels by status."""
    result = results[name]
    log = _sarif([result])
    sarif_validator.validate(log)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "model-licensecheck"
    assert run["tool"]["driver"]["version"] == result.tool_version
    assert len(run["results"]) == len(result.findings)
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == sorted({f.rule_id for f in result.findings})
    levels = {
        Status.PROHIBITED: "error",
        Status.UNKNOWN: "error",
        Status.CONDITIONAL: "warning",
        Status.ALLOWED: "note",
    }
    for finding, out in zip(result.findings, run["results"], strict=True):
        assert out["ruleId"] == finding.rule_id
        assert rule_ids[out["ruleIndex"]] == finding.rule_id
        assert out["level"] == levels[finding.status]
        assert out["message"]["text"] == finding.message
        assert out["properties"]["status"] == finding.status.label
        assert out["properties"]["path"] == list(finding.path_ids)
        assert out["partialFingerprints"]["modelLicensecheck/v1"] == fingerprint(
            finding, result.subject.node_id
        )
    fingerprints = [r["partialFingerprints"]["modelLicensecheck/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_sarif_points_at_the_card_line(results: dict[str, CheckResult]) -> None:
    """A card target's finding on an ancestor points at the card line that named it."""
    result = results["unknown-base"]
    lines = (ROOT / CARD).read_text(encoding="utf-8").splitlines()
    base_line = next(i for i, line in enumerate(lines, 1) if line.startswith("base_model:"))
    run = _sarif([result])["runs"][0]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    located = by_rule["weights-license-unknown"]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["uri"] == CARD
    assert located["region"] == {"startLine": base_line}
    # A finding on the card itself points at the card, with no line to pretend to.
    own = by_rule["weights-attribution"]["locations"][0]["physicalLocation"]
    assert own == {"artifactLocation": {"uri": CARD, "uriBaseId": "%SRCROOT%"}}


def test_sarif_hub_target_points_at_the_hub(results: dict[str, CheckResult]) -> None:
    """A Hub id has no file in the repository: its results point at the model's Hub page,
    written relative to a declared base so that GitHub's file-only upload accepts it."""
    run = _sarif([results["vicuna"]])["runs"][0]
    assert run["originalUriBaseIds"] == {"HUGGINGFACE": {"uri": "https://huggingface.co/"}}
    for out in run["results"]:
        (loc,) = out["locations"]
        artifact = loc["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": "lmsys/vicuna-13b-v1.3", "uriBaseId": "HUGGINGFACE"}
        assert "region" not in loc["physicalLocation"]
        base = run["originalUriBaseIds"][artifact["uriBaseId"]]["uri"]
        assert base + artifact["uri"] == "https://huggingface.co/lmsys/vicuna-13b-v1.3"
        assert "://" not in artifact["uri"]


def test_sarif_of_several_results_is_one_run(
    results: dict[str, CheckResult], sarif_validator: jsonschema.Draft4Validator
) -> None:
    """Several targets: one run, every finding once, rules shared."""
    all_results = list(results.values())
    log = _sarif(all_results)
    sarif_validator.validate(log)
    (run,) = log["runs"]
    assert len(run["results"]) == sum(len(r.findings) for r in all_results)
    # GitHub refuses an upload with any location whose scheme is not file (or none).
    for out in run["results"]:
        for loc in out["locations"]:
            uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            assert "://" not in uri or uri.startswith("file:"), uri
    assert [v["status"] for v in run["properties"]["verdicts"]] == [
        s.label for _, s in LINEAGES.values()
    ]


# --- CycloneDX ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LINEAGES))
def test_cyclonedx_is_strictly_valid(
    name: str, results: dict[str, CheckResult], cdx_validator: JsonStrictValidator
) -> None:
    """Each BOM passes the library's strict 1.6 validator and carries the verdict."""
    result = results[name]
    text = CycloneDxReporter().render([result])
    assert cdx_validator.validate_str(text) is None
    bom = json.loads(text)
    assert list(bom)[:3] == ["$schema", "bomFormat", "specVersion"]
    assert bom["specVersion"] == "1.6"
    props = {(p["name"], p["value"]) for p in bom["properties"]}
    assert ("model-licensecheck:verdict", result.verdict.status.label) in props
    assert bom["metadata"]["component"]["type"] == "machine-learning-model"
    assert bom["metadata"]["component"]["bom-ref"] == "model:" + result.lineage.root


def test_cyclonedx_vicuna_pedigree_and_graph(results: dict[str, CheckResult]) -> None:
    """Vicuna's pedigree names LLaMA-13B; datasets are data, generators are services."""
    import uuid

    result = results["vicuna"]
    bom = json.loads(CycloneDxReporter().render([result]))
    subject = bom["metadata"]["component"]
    ancestors = subject["pedigree"]["ancestors"]
    assert [(a["group"], a["name"], a["purl"]) for a in ancestors] == [
        ("huggyllama", "llama-13b", "pkg:huggingface/huggyllama/llama-13b")
    ]
    assert ancestors[0]["licenses"] == [
        {"license": {"acknowledgement": "declared", "name": "LicenseRef-LLaMA-1-Research"}}
    ]
    acks = {lic["license"]["acknowledgement"] for lic in subject["licenses"]}
    assert acks == {"declared", "concluded"}
    types = {c["bom-ref"]: c["type"] for c in bom["components"]}
    assert types["model:huggyllama/llama-13b"] == "machine-learning-model"
    assert types["dataset:kb:sharegpt-vicuna-125k"] == "data"
    assert {s["bom-ref"] for s in bom["services"]} == {
        "service:openai:gpt-3.5-turbo",
        "service:openai:gpt-4",
    }
    deps = {d["ref"]: set(d.get("dependsOn", [])) for d in bom["dependencies"]}
    assert deps["model:lmsys/vicuna-13b-v1.3"] == {
        "model:huggyllama/llama-13b",
        "dataset:kb:sharegpt-vicuna-125k",
    }
    assert "service:openai:gpt-4" in deps["dataset:kb:sharegpt-vicuna-125k"]
    expected_serial = uuid.uuid5(SERIAL_NAMESPACE, content_id([result]))
    assert bom["serialNumber"] == expected_serial.urn


def test_cyclonedx_of_several_results(
    results: dict[str, CheckResult], cdx_validator: JsonStrictValidator
) -> None:
    """Several targets in one BOM: each subject carries its verdict, the BOM the worst."""
    text = CycloneDxReporter().render(list(results.values()))
    assert cdx_validator.validate_str(text) is None
    bom = json.loads(text)
    assert "component" not in bom["metadata"]
    verdicts = {
        c["bom-ref"]: p["value"]
        for c in bom["components"]
        for p in c.get("properties", [])
        if p["name"] == "model-licensecheck:verdict"
    }
    assert verdicts == {"model:" + r.lineage.root: r.verdict.status.label for r in results.values()}
    bom_verdict = [p for p in bom["properties"] if p["name"] == "model-licensecheck:verdict"]
    assert bom_verdict == [{"name": "model-licensecheck:verdict", "value": "prohibited"}]


# --- Markdown -----------------------------------------------------------------------------


def _mermaid(text: str) -> str:
    match = re.search(r"^```mermaid\n(.*?)^```$", text, re.S | re.M)
    assert match, "no mermaid block"
    return match.group(1)


@pytest.mark.parametrize("name", sorted(LINEAGES))
def test_markdown_has_graph_table_and_checklist(name: str, results: dict[str, CheckResult]) -> None:
    """A Mermaid graph of every node and edge, a table row per node, a checkbox per condition."""
    result = results[name]
    text = MarkdownReporter().render([result])
    assert text.startswith("## ")
    assert result.verdict.status.label.upper() in text.splitlines()[0]
    graph = _mermaid(text)
    assert graph.startswith("graph TD\n")
    ids = mermaid_ids(list(result.lineage.nodes))
    for node_id, mid in ids.items():
        assert re.search(rf"^  {mid}\W", graph, re.M), node_id
    edges = re.findall(r"^  (\w+) -->\|\"(\w+)\"\| (\w+)$", graph, re.M)
    assert len(edges) == len(result.lineage.edges)
    checklist = [line for line in text.splitlines() if line.startswith("- [ ] ")]
    assert len(checklist) == len(result.verdict.conditions)
    for cond, line in zip(result.verdict.conditions, checklist, strict=True):
        assert md(str(cond)) in line
    assert "<details>" in text and "</details>" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + len(result.lineage.nodes)


def test_markdown_marks_the_drivers(results: dict[str, CheckResult]) -> None:
    """Vicuna's verdict is driven by LLaMA-13B: that node carries the driver class."""
    result = results["vicuna"]
    graph = _mermaid(MarkdownReporter().render([result]))
    ids = mermaid_ids(list(result.lineage.nodes))
    assert "classDef driver " in graph
    driver_lines = [line for line in graph.splitlines() if line.endswith(" driver")]
    assert driver_lines == [f"  class {ids['huggyllama/llama-13b']} driver"]


def test_markdown_obligations_are_explained(results: dict[str, CheckResult]) -> None:
    """Each obligation lists the finding messages that impose it."""
    text = MarkdownReporter().render([results["llama2-chat"]])
    section = text.split("### Obligations", 1)[1].split("<details>", 1)[0]
    assert "- [ ] **user-cap=700000000**" in section
    item = section.split("- [ ] **user-cap=700000000**", 1)[1].split("- [ ]", 1)[0]
    assert "  - " in item


def test_markdown_of_several_results(results: dict[str, CheckResult]) -> None:
    """Several targets: a summary table, then one section each."""
    text = MarkdownReporter().render(list(results.values()))
    assert text.startswith("# model-licensecheck\n")
    assert text.count("```mermaid") == len(results)
    assert len(re.findall(r"^## ", text, re.M)) == len(results)


HOSTILE_CARD = """\
---
license: other
license_name: "<script>alert('x')</script> | `evil` [link](javascript:alert(1)) @octocat"
base_model: huggyllama/llama-7b
---
# Model

We fine-tuned LLaMA-7B on our data <script>alert(1)</script> | `rm -rf /` and it beats it.
"""


@pytest.fixture
def hostile(
    tmp_path: Path, offline_checker: Checker, monkeypatch: pytest.MonkeyPatch
) -> CheckResult:
    """A card whose license name and prose carry HTML, pipes, backticks and a mention."""
    card = tmp_path / "README.md"
    card.write_text(HOSTILE_CARD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return offline_checker.check("README.md")


def _outside_fences(text: str) -> Iterator[str]:
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield line


def test_markdown_escapes_hostile_cards(hostile: CheckResult) -> None:
    """Card text can neither inject HTML, open code spans, split table cells nor ping people."""
    text = MarkdownReporter().render([hostile])
    assert "<script" not in text.lower()
    assert "&lt;script&gt;" in text  # the text is still shown, escaped
    assert "@octocat" not in text
    assert "[link](javascript:" not in text and r"\[link\](javascript:" in text
    for line in _outside_fences(text):
        assert not re.search(r"(?<!\\)`", line), line
        if line.startswith("| "):
            assert len(re.findall(r"(?<!\\)\|", line)) == 5, line
    # Inside the graph, labels are quoted and entity-encoded: no raw quote, angle or backtick.
    for line in _mermaid(text).splitlines():
        label = re.search(r'"(.*)"', line)
        if label:
            assert not re.search(r"[\"`<>]", label.group(1).replace("<br/>", "")), line


def test_hostile_card_sarif_and_bom_stay_valid(
    hostile: CheckResult,
    sarif_validator: jsonschema.Draft4Validator,
    cdx_validator: JsonStrictValidator,
) -> None:
    """The same card in SARIF and CycloneDX: still valid, located at the card's lines."""
    log = _sarif([hostile])
    sarif_validator.validate(log)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert uris == {"README.md"}
    assert cdx_validator.validate_str(CycloneDxReporter().render([hostile])) is None


def test_mermaid_helpers() -> None:
    """Ids are safe and unique; labels keep no character Mermaid or Markdown would read."""
    ids = mermaid_ids(["a/b", "a_b", "end", "x y"])
    assert ids == {"a/b": "n_a_b", "a_b": "n_a_b_2", "end": "n_end", "x y": "n_x_y"}
    assert mermaid_text('a"b<c>`d;#e|f') == "a#34;b#60;c#62;#96;d#59;#35;e#124;f"
    assert mermaid_text("line\nbreak") == "line break"
