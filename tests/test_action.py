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

import pytest
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
        step_output = re.fullmatch(r"steps\.(check|drift)\.outputs\.([\w-]+)", expr)
        if step_output:
            return outputs.get(step_output.group(2), "")
        raise AssertionError(f"unexpected expression {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def _condition(text: str, inputs: dict[str, str], outputs: dict[str, str]) -> bool:
    """A step's `if:` as the runner evaluates it, for the forms this action uses: comparisons
    of inputs and step outputs with string literals, joined by && and ||."""
    body = text.strip().removeprefix("${{").removesuffix("}}").strip()
    if body.startswith("always() && "):
        body = body[len("always() && ") :]

    def literal(match: re.Match[str]) -> str:
        expr = match.group(0)
        if expr.startswith("inputs."):
            return repr(inputs.get(expr[len("inputs.") :], ""))
        return repr(outputs.get(expr.rsplit(".", 1)[1], ""))

    assert re.fullmatch(r"[\s'\w./=!&|-]*", body), f"unsupported condition {text}"
    python = re.sub(r"(inputs|steps\.\w+\.outputs)\.[\w-]+", literal, body)
    python = python.replace("&&", " and ").replace("||", " or ")
    return bool(eval(python, {"__builtins__": {}}))  # noqa: S307 - literals and comparisons only


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
        if condition and not _condition(str(condition), given, outputs):
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
    script = "".join(p.read_text() for p in sorted((ROOT / "action").glob("*.sh")))
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
    assert report["verdict"]["status"] == "allowed"
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


def test_lock_input_reports_drift_and_fails_when_a_verdict_moved(tmp_path: Path) -> None:
    from .conftest import run

    lock = tmp_path / "licensecheck.lock"
    assert run("lock", "databricks/dolly-v2-12b", "--offline", "-o", str(lock)).exit_code == 0
    code, outputs, summary = run_action({"lock": str(lock), "offline": "true"}, tmp_path)
    assert (code, outputs["drift-exit-code"]) == (0, "0")
    assert "exit-code" not in outputs  # no models given: only the drift is checked
    assert "## License drift: 0 of 1 target(s) moved" in summary
    # A lock whose verdict is not today's: the drift is reported and fails the job.
    lock.write_text(lock.read_text().replace('"verdict": "allowed"', '"verdict": "prohibited"'))
    (tmp_path / "step_summary").unlink()
    (tmp_path / "github_output").unlink()
    code, outputs, summary = run_action({"lock": str(lock), "offline": "true"}, tmp_path)
    assert (code, outputs["drift-exit-code"]) == (1, "1")
    assert "| databricks/dolly-v2-12b | prohibited | allowed | **yes** |" in summary
    assert Path(tmp_path / outputs["drift-report"]).read_text() in summary


def test_action_yml_is_valid_for_github() -> None:
    proc = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-actions",
         str(ROOT / "action.yml")], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["licensecheck-example.yml", "licensecheck-drift-example.yml"])
def test_example_workflow_passes_actionlint(name: str) -> None:
    workflow = ROOT / ".github" / "workflows" / name
    proc = subprocess.run([str(BIN / "actionlint"), str(workflow)], capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
