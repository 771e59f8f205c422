"""`licensecheck audit`: manifests, one summary, one exit code, per-model reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model_licensecheck.batch import read_manifest
from model_licensecheck.errors import InputError

from .conftest import FIXTURES, one_report, run

MANIFESTS = FIXTURES / "manifests"


def test_text_manifest_gives_a_table_and_the_worst_exit_code() -> None:
    result = run("audit", str(MANIFESTS / "models.txt"), "--offline")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["model", "verdict", "gate", "conditions"]
    rows = {line.split()[0]: line.split()[1:3] for line in lines[1:4]}
    assert rows["databricks/dolly-v2-12b"] == ["allowed", "pass"]
    assert rows["lmsys/vicuna-13b-v1.3"] == ["prohibited", "FAIL"]
    assert rows["meta-llama/Llama-2-7b-chat-hf"] == ["conditional", "pass"]
    assert lines[-1] == "2 of 3 models pass the gate (1 allowed, 1 conditional, 1 prohibited)."


def test_yaml_manifest_keeps_revisions_and_notes_in_json() -> None:
    result = run("audit", str(MANIFESTS / "models.yaml"), "--offline", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["summary"]["models"] == 2 and data["summary"]["passed"] == 2
    assert data["models"][0]["manifest"] == {"revision": None, "notes": "support bot"}
    assert data["models"][1]["manifest"]["revision"] == "main"


def test_folder_of_model_folders(tmp_path: Path) -> None:
    entries = read_manifest(FIXTURES / "folders")
    names = [Path(e.target).name for e in entries]
    assert names == ["llama-lora", "other-with-license-file"]  # empty-folder has no card


def test_an_error_in_one_entry_does_not_stop_the_others(tmp_path: Path) -> None:
    manifest = tmp_path / "m.txt"
    manifest.write_text("databricks/dolly-v2-12b\nnobody/nothing\n", encoding="utf-8")
    result = run("audit", str(manifest), "--offline")
    assert result.exit_code == 3  # the unknown id could not be resolved offline
    assert "nobody/nothing" in result.stderr
    assert "databricks/dolly-v2-12b" in result.stdout


def test_per_model_reports_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = run("audit", str(MANIFESTS / "models.txt"), "--offline", "--reports", str(out))
    assert result.exit_code == 1
    names = sorted(p.name for p in out.iterdir())
    assert "summary.json" in names
    assert "databricks-dolly-v2-12b.json" in names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["summary"]["verdicts"] == {
        "allowed": 1, "conditional": 1, "unknown": 0, "prohibited": 1, "error": 0
    }  # fmt: skip
    one = one_report((out / "databricks-dolly-v2-12b.json").read_text())  # the same shape
    assert one["verdict"]["status"] == "allowed"


@pytest.mark.parametrize(
    ("text", "suffix", "message"),
    [
        ("", ".txt", "lists no models"),
        ("models: [\n", ".yaml", "malformed YAML manifest"),
        ("models:\n  - {id: a/b, colour: red}\n", ".yaml", "unknown keys: colour"),
        ("schema_version: 9\nmodels: [a/b]\n", ".yaml", "unsupported schema_version"),
    ],
)
def test_bad_manifests(tmp_path: Path, text: str, suffix: str, message: str) -> None:
    path = tmp_path / f"m{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_manifest(path)
    result = run("audit", str(path), "--offline")
    assert result.exit_code == 2
    assert message in result.stderr
