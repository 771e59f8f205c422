"""SARIF locations GitHub code scanning accepts: a model named in a manifest (or a file given
with --named-in, such as the workflow) is shown at that file's line, relative to the repository
root; and the tool's informationUri is the project's own address."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the test extra
import pytest

from model_licensecheck.locate import find_named, repo_relative
from model_licensecheck.paths import schema_file
from model_licensecheck.report.sarif import INFORMATION_URI

from .conftest import FIXTURES, run

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = FIXTURES / "standards" / "sarif" / "sarif-schema-2.1.0.json"
VICUNA = "lmsys/vicuna-13b-v1.3"  # findings on a Hub id: what needs a file location


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "deploy").mkdir()
    monkeypatch.chdir(tmp_path / "deploy")
    return tmp_path


def _valid(log: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)


def _locations(log: dict[str, Any], subject: str) -> list[dict[str, Any]]:
    """The physical locations of `subject`'s results (there are some: the test means it)."""
    out = [
        loc["physicalLocation"]
        for r in log["runs"][0]["results"]
        if r["properties"]["subject"] == subject
        for loc in r["locations"]
    ]
    assert out
    return out


def test_audit_results_point_at_the_manifest_line(repo: Path) -> None:
    manifest = repo / "deploy" / "models.yaml"
    manifest.write_text(
        "# yaml-language-server: $schema=../schema.json\nschema_version: 1\nmodels:\n"
        "  - databricks/dolly-v2-12b\n  - id: lmsys/vicuna-13b-v1.3\n    notes: chat\n",
        encoding="utf-8",
    )
    result = run("audit", "models.yaml", "--offline", "--format", "sarif", "--no-config")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    _valid(log)
    for physical in _locations(log, VICUNA):
        assert physical == {
            "artifactLocation": {"uri": "deploy/models.yaml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 5},
        }


def test_text_manifest_lines_count_comments_and_blank_lines(repo: Path) -> None:
    (repo / "models.txt").write_text(
        "# models we ship\n\ndatabricks/dolly-v2-12b\nlmsys/vicuna-13b-v1.3  # chat\n",
        encoding="utf-8",
    )
    log = json.loads(run("audit", "../models.txt", "--offline", "--format", "sarif").stdout)
    for physical in _locations(log, VICUNA):
        assert physical["artifactLocation"]["uri"] == "models.txt"
        assert physical["region"] == {"startLine": 4}


def test_named_in_points_a_check_at_the_workflow_line(repo: Path) -> None:
    workflow = repo / ".github" / "workflows" / "gate.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "jobs:\n  check:\n    steps:\n      - uses: ./\n        with:\n          models: |\n"
        "            lmsys/vicuna-13b-v1.3-extra\n            lmsys/vicuna-13b-v1.3\n",
        encoding="utf-8",
    )
    result = run(VICUNA, "--offline", "--format", "sarif", "--named-in", str(workflow))
    log = json.loads(result.stdout)
    _valid(log)
    for physical in _locations(log, VICUNA):
        assert physical["artifactLocation"] == {
            "uri": ".github/workflows/gate.yml",
            "uriBaseId": "%SRCROOT%",
        }
        assert physical["region"] == {"startLine": 8}  # not the longer id on line 7


def test_a_check_points_at_the_policy_line_that_names_its_model(repo: Path) -> None:
    # No workflow names the model, but the policy the gate used lists it (here in its allow
    # list): code scanning shows the results there; --named-in files come first.
    (repo / ".licensecheck.yml").write_text(
        "schema_version: 1\nallow:\n  models:\n    - lmsys/vicuna-13b-v1.3\n", encoding="utf-8"
    )
    log = json.loads(run(VICUNA, "--offline", "--format", "sarif").stdout)
    _valid(log)
    for physical in _locations(log, VICUNA):
        where = physical["artifactLocation"]
        assert where == {"uri": ".licensecheck.yml", "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {"startLine": 4}
    workflow = repo / "gate.yml"
    workflow.write_text("models: lmsys/vicuna-13b-v1.3\n", encoding="utf-8")
    log = json.loads(
        run(VICUNA, "--offline", "--format", "sarif", "--named-in", str(workflow)).stdout
    )
    assert {p["artifactLocation"]["uri"] for p in _locations(log, VICUNA)} == {"gate.yml"}
    log = json.loads(run(VICUNA, "--offline", "--format", "sarif", "--no-config").stdout)
    assert {p["artifactLocation"]["uriBaseId"] for p in _locations(log, VICUNA)} == {"HUGGINGFACE"}


def test_a_model_no_file_names_keeps_the_hub_base(repo: Path) -> None:
    other = repo / "other.txt"
    other.write_text("nothing here\n", encoding="utf-8")
    log = json.loads(run(VICUNA, "--offline", "--format", "sarif", "--named-in", str(other)).stdout)
    for physical in _locations(log, VICUNA):
        assert physical["artifactLocation"]["uriBaseId"] == "HUGGINGFACE"


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("  - org/model", True),
        ('model = AutoModel.from_pretrained("org/model")', True),
        ("FROM x  # org/model, then", True),
        ("  - org/model-v2", False),
        ("  - other-org/model", False),
        ("https://huggingface.co/org/model/tree/main", False),
        ("  - org/model.gguf", False),
    ],
)
def test_a_name_is_found_only_as_a_whole_token(tmp_path: Path, line: str, named: bool) -> None:
    path = tmp_path / "file.txt"
    path.write_text(f"first\n{line}\n", encoding="utf-8")
    found = find_named(path, ["org/model"])
    assert ("org/model" in found) is named
    if named:
        assert found["org/model"].line == 2


def test_repo_relative_outside_a_repository_is_absolute(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    assert repo_relative(path) == str(path)
    (tmp_path / ".git").mkdir()
    assert repo_relative(path) == "m.txt"


def test_information_uri_is_the_project_homepage_everywhere() -> None:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Homepage"] == INFORMATION_URI
    owner_name = re.sub(r"^https://github\.com/", "", urls["Homepage"])
    raw = f"https://raw.githubusercontent.com/{owner_name}/main/"
    for name in ("policy", "manifest", "rules"):
        assert json.loads(Path(schema_file(name)).read_text())["$id"].startswith(raw)
    assert raw in (ROOT / "README.md").read_text(encoding="utf-8")
