"""The GitHub Action, run as a runner would run its composite steps, and its metadata checked
against the GitHub Actions schema; the example workflow passes actionlint."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _expr(text: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    """Substitute the `${{ }}` expressions this action uses (inputs, action path, outputs)."""

    def value(match: re.Match[str]) -> str:
        expr = match.group(1).strip()
        if expr.startswith("inputs."):
            return inputs.get(expr[len("inputs.") :], "")
        if expr == "github.action_path":
            return str(ROOT)
        if expr.startswith("steps.check.outputs."):
            return outputs.get(expr[len("steps.check.outputs.") :], "")
        raise AssertionError(f"unexpected expression {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def run_action(inputs: dict[str, str], tmp_path: Path) -> tuple[int, dict[str, str], str]:
    """Run the composite steps with the environment files a runner provides; return the exit
    code of the job, the step outputs and the job summary."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    defaults = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    given = {**defaults, **inputs}
    output_file, summary_file = tmp_path / "github_output", tmp_path / "step_summary"
    output_file.touch()
    summary_file.touch()
    outputs: dict[str, str] = {}
    job_code = 0
    for step in action["runs"]["steps"]:
        if "uses" in step or "pip install" in step.get("run", ""):
            continue  # the package is installed in this environment; uploads need GitHub
        condition = step.get("if")
        if condition and "exit-code != '0'" in condition and outputs.get("exit-code") == "0":
            continue
        env = {k: _expr(str(v), given, outputs) for k, v in step.get("env", {}).items()}
        full_env = {
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(tmp_path),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "MODEL_LICENSECHECK_CACHE": str(tmp_path / "cache"),
            "HF_ENDPOINT": "http://127.0.0.1:9",
            **env,
        }
        proc = subprocess.run(
            ["bash", "-c", step["run"]], env=full_env, cwd=tmp_path, capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip
        for line in output_file.read_text().splitlines():
            key, _, val = line.partition("=")
            outputs[key] = val
        if proc.returncode != 0:
            job_code = proc.returncode
            break
    return job_code, outputs, summary_file.read_text()


def test_action_metadata_reads_every_input_it_declares() -> None:
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    text = (ROOT / "action.yml").read_text()
    for name in action["inputs"]:
        assert f"inputs.{name}" in text, f"input {name} is never used"
    script = (ROOT / "action" / "run.sh").read_text()
    for name in action["outputs"]:
        assert f"{name}=" in script, f"output {name} is never set"
    assert "${{" not in "".join(s.get("run", "") for s in action["runs"]["steps"]), (
        "inputs must reach scripts through env:, never interpolated"
    )


def test_passing_models_write_summary_and_outputs(tmp_path: Path) -> None:
    code, outputs, summary = run_action(
        {"models": "databricks/dolly-v2-12b\n", "offline": "true"}, tmp_path
    )
    assert code == 0
    assert outputs["verdict"] == "allowed"
    assert outputs["exit-code"] == "0"
    report = json.loads(Path(tmp_path / outputs["json-report"]).read_text())
    assert report["models"][0]["verdict"]["status"] == "allowed"
    assert Path(tmp_path / outputs["sarif-report"]).is_file()
    assert "```mermaid" in summary and "databricks/dolly-v2-12b" in summary


def test_failing_gate_fails_the_job_after_reporting(tmp_path: Path) -> None:
    code, outputs, summary = run_action(
        {"models": "databricks/dolly-v2-12b\nlmsys/vicuna-13b-v1.3", "offline": "true"}, tmp_path
    )
    assert code == 1
    assert outputs["verdict"] == "prohibited"
    assert outputs["exit-code"] == "1"
    assert "lmsys/vicuna-13b-v1.3" in summary


def test_manifest_and_policy_inputs(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("schema_version: 1\ngate: {fail_on: []}\n", encoding="utf-8")
    code, outputs, _ = run_action(
        {"manifest": str(FIXTURES / "manifests" / "models.txt"), "policy": str(policy),
         "offline": "true"}, tmp_path,
    )  # fmt: skip
    assert code == 0
    assert outputs["verdict"] == "prohibited"  # reported, but this policy fails on nothing
    assert (tmp_path / "licensecheck-reports" / "models" / "summary.json").is_file()


def test_missing_inputs_are_an_error(tmp_path: Path) -> None:
    code, outputs, _ = run_action({"models": ""}, tmp_path)
    assert code == 2
    assert outputs["verdict"] == "error"


def test_action_yml_is_valid_for_github() -> None:
    proc = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-actions",
         str(ROOT / "action.yml")], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_example_workflow_passes_actionlint() -> None:
    workflow = ROOT / ".github" / "workflows" / "licensecheck-example.yml"
    proc = subprocess.run([str(BIN / "actionlint"), str(workflow)], capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
