"""The GitHub Action, run as a runner would run its composite steps, and its metadata checked
against the GitHub Actions schema; the example workflow passes actionlint."""

from __future__ import annotations

import ast
import hashlib
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
from .githubserver import FakeGitHub

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _expr(text: str, values: dict[str, str]) -> str:
    """Substitute the `${{ }}` expressions this action uses: inputs, contexts, step outputs."""

    def value(match: re.Match[str]) -> str:
        expr = match.group(1).strip()
        if expr in values or re.match(r"^(inputs|steps)\.", expr):
            return values.get(expr, "")
        raise AssertionError(f"unexpected expression {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def _condition(text: str, values: dict[str, str]) -> bool:
    """An `if:` of the forms this action uses: always(), ==, !=, &&, ||, parentheses."""
    expr = text.strip().removeprefix("${{").removesuffix("}}").strip()
    expr = expr.replace("&&", " and ").replace("||", " or ").replace("always()", "True")
    expr = re.sub(
        r"\b(?:inputs|steps|github|runner)\.[\w.-]+",
        lambda m: repr(values.get(m.group(0), "")),
        expr,
    )
    tree = ast.parse(expr, mode="eval")
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.Compare, ast.Eq, ast.NotEq,
               ast.Constant)  # fmt: skip
    assert all(isinstance(node, allowed) for node in ast.walk(tree)), text
    return bool(eval(compile(tree, "if", "eval"), {"__builtins__": {}}))  # noqa: S307 - checked above


def run_action(
    inputs: dict[str, str], tmp_path: Path, runner_env: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """Run the composite steps with the environment files a runner provides (a fresh output
    file per step, `if:` conditions evaluated; steps that `uses:` another action are skipped,
    their outputs empty); return the exit code of the job, the check and drift steps' outputs
    and the job summary."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    runner_env = runner_env or {}
    values = {
        "github.action_path": str(ROOT),
        "github.token": runner_env.get("GITHUB_TOKEN", ""),
        "github.event_name": runner_env.get("GITHUB_EVENT_NAME", "push"),
        "runner.os": "Linux",
    }
    for name, spec in action["inputs"].items():
        values[f"inputs.{name}"] = _expr(str(spec.get("default", "")), values)
    values.update({f"inputs.{k}": v for k, v in inputs.items()})
    summary_file = tmp_path / "step_summary"
    summary_file.touch()
    job_code = 0
    for number, step in enumerate(action["runs"]["steps"]):
        if "uses" in step or "pip install" in step.get("run", ""):
            continue  # the package is installed in this environment; uploads need GitHub
        if "if" in step and not _condition(step["if"], values):
            continue
        output_file = tmp_path / f"github_output_{number}"
        output_file.touch()
        env = {k: _expr(str(v), values) for k, v in step.get("env", {}).items()}
        full_env = {
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(tmp_path),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "MODEL_LICENSECHECK_CACHE": str(tmp_path / "cache"),
            "HF_ENDPOINT": "http://127.0.0.1:9",
            **runner_env,
            **env,
        }
        proc = subprocess.run(
            ["bash", "-c", step["run"]], env=full_env, cwd=tmp_path, capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip
        assert "Traceback" not in proc.stderr, proc.stderr
        for line in output_file.read_text().splitlines():
            key, _, val = line.partition("=")
            values[f"steps.{step.get('id', number)}.outputs.{key}"] = val
        if proc.returncode != 0:
            job_code = proc.returncode
            break
    outputs = {
        k.split(".outputs.", 1)[1]: v
        for k, v in values.items()
        if k.startswith(("steps.check.outputs.", "steps.drift.outputs."))
    }
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


def test_pip_cache_is_keyed_on_the_actions_pyproject_and_python(tmp_path: Path) -> None:
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    steps = action["runs"]["steps"]
    locate = next(s for s in steps if s.get("id") == "pip-cache")
    cache = next(s for s in steps if str(s.get("uses", "")).startswith("actions/cache@"))
    install = next(i for i, s in enumerate(steps) if "pip install" in s.get("run", ""))
    assert steps.index(cache) < install  # restored before pip runs
    assert cache["with"]["path"] == "${{ steps.pip-cache.outputs.dir }}"
    assert cache["with"]["key"] == "${{ steps.pip-cache.outputs.key }}"
    output = tmp_path / "out"
    subprocess.run(
        ["bash", "-c", locate["run"]], check=True, cwd=tmp_path, timeout=120,
        env={"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path),
             "GITHUB_OUTPUT": str(output), "ACTION_PATH": str(ROOT), "RUNNER_OS": "Linux"},
    )  # fmt: skip
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert values["key"] == f"model-licensecheck-pip-Linux-py{version}-{digest}"
    assert values["dir"].strip()


def _pull_request_env(tmp_path: Path, api: str, token: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}), encoding="utf-8")
    return {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REPOSITORY": "acme/models", "GITHUB_API_URL": api, "GITHUB_TOKEN": token,
            "GITHUB_RUN_ID": "9", "GITHUB_SERVER_URL": "https://github.com"}  # fmt: skip


def test_sticky_comment_through_the_action(tmp_path: Path) -> None:
    token = "ghs_actionTOKEN42"  # noqa: S105 - made up
    github = FakeGitHub(token)
    github.start()
    try:
        env = _pull_request_env(tmp_path, github.url, token)
        inputs = {"models": "lmsys/vicuna-13b-v1.3", "offline": "true", "comment": "true"}
        for _ in range(2):
            code, outputs, _ = run_action(inputs, tmp_path, env)
            assert code == 1 and outputs["verdict"] == "prohibited"
        (comment,) = github.comments[12]
        assert comment["body"].startswith("<!-- model-licensecheck -->")
        assert "lmsys/vicuna-13b-v1.3" in comment["body"]
        assert [r.method for r in github.requests] == ["GET", "POST", "GET", "PATCH"]
        code, _, _ = run_action({**inputs, "comment": "false"}, tmp_path, env)
        assert code == 1 and len(github.requests) == 4  # no comment asked for, none sent
    finally:
        github.stop()


def test_a_failing_github_api_does_not_change_the_jobs_exit_code(tmp_path: Path) -> None:
    github = FakeGitHub("right")
    github.start()
    try:
        env = _pull_request_env(tmp_path, github.url, "wrong")
        code, outputs, summary = run_action(
            {"models": "databricks/dolly-v2-12b", "offline": "true", "comment": "true"},
            tmp_path, env,
        )  # fmt: skip
    finally:
        github.stop()
    assert code == 0 and outputs["exit-code"] == "0"
    assert github.requests and github.comments.get(12, []) == []
    assert "databricks/dolly-v2-12b" in summary


def test_sarif_points_at_the_workflow_line_naming_the_model(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    workflow = folder / "models.yml"
    workflow.write_text(
        "on: pull_request\njobs:\n  gate:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: acme/model-licensecheck@v1\n        with:\n          models: |\n"
        "            lmsys/vicuna-13b-v1.3\n",
        encoding="utf-8",
    )
    env = {"GITHUB_WORKFLOW_REF": "acme/models/.github/workflows/models.yml@refs/pull/3/merge"}
    code, outputs, _ = run_action(
        {"models": "lmsys/vicuna-13b-v1.3", "offline": "true"}, tmp_path, env
    )
    assert code == 1
    log = json.loads((tmp_path / outputs["sarif-report"]).read_text())
    results = log["runs"][0]["results"]
    assert results
    for result in results:
        (location,) = result["locations"]
        assert location["physicalLocation"] == {
            "artifactLocation": {"uri": ".github/workflows/models.yml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 9},
        }


def test_the_readme_five_line_workflow_passes_actionlint(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## GitHub Action\n", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    workflow = block.group(1)
    assert len(workflow.splitlines()) == 5
    assert "model-licensecheck/model-licensecheck@" in workflow
    path = tmp_path / ".github" / "workflows" / "licenses.yml"
    path.parent.mkdir(parents=True)
    path.write_text(workflow, encoding="utf-8")
    proc = subprocess.run([str(BIN / "actionlint"), str(path)], capture_output=True, text=True,
                          check=False, cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
