"""The Python API that MLOps pipelines use: check, audit, render, typed results."""

from __future__ import annotations

from pathlib import Path

import pytest

import model_licensecheck as mlc

from .conftest import FIXTURES, one_report, run


def test_public_api_is_small_and_declared() -> None:
    assert {"check", "audit", "render", "CheckResult", "Status", "Policy"} <= set(mlc.__all__)
    for name in mlc.__all__:
        assert hasattr(mlc, name), name


def test_check_returns_a_typed_result() -> None:
    result = mlc.check("databricks/dolly-v2-12b", offline=True)
    assert result.verdict.status is mlc.Status.ALLOWED
    assert result.gate.passed
    data = one_report(mlc.render(result, "json"))
    assert data["subject"]["id"] == "databricks/dolly-v2-12b"


def test_check_raises_input_errors_not_verdicts() -> None:
    with pytest.raises(mlc.InputError):
        mlc.check(str(FIXTURES / "cards" / "empty.md"), offline=True)
    with pytest.raises(mlc.ResolutionError):
        mlc.check("nobody/nothing", offline=True)


def test_pre_release_gate_refuses_a_more_permissive_license(tmp_path: Path) -> None:
    """The README's pipeline example: refuse to publish a fine-tune whose card declares a
    license more permissive than its upstream allows."""
    card = tmp_path / "README.md"
    card.write_text(
        "---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-2-7b-hf\n---\nOur tune.\n",
        encoding="utf-8",
    )
    result = mlc.check(str(card), offline=True)
    conflicts = [f for f in result.findings if "license-conflict" in {c.id for c in f.conditions}]
    assert conflicts and conflicts[0].ancestor == "meta-llama/Llama-2-7b-hf"


def test_audit_accepts_a_list_or_a_manifest() -> None:
    from_list = mlc.audit(["databricks/dolly-v2-12b", "lmsys/vicuna-13b-v1.3"], offline=True)
    assert from_list.exit_code == mlc.ExitCode.GATE_FAILED
    assert [e.outcome.verdict.status for e in from_list.entries  # type: ignore[union-attr]
            ] == [mlc.Status.ALLOWED, mlc.Status.PROHIBITED]  # fmt: skip
    from_file = mlc.audit(FIXTURES / "manifests" / "models.yaml", offline=True)
    assert from_file.exit_code == mlc.ExitCode.PASSED


def test_policy_can_be_a_path(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("schema_version: 1\ngate: {fail_on: [prohibited]}\n", encoding="utf-8")
    result = mlc.check(str(FIXTURES / "cards" / "unknown-base.md"), offline=True, policy=path)
    assert result.verdict.status is mlc.Status.UNKNOWN
    assert result.gate.passed  # unknown does not fail this policy's gate


def test_paths_may_be_text_or_path_objects() -> None:
    extra = FIXTURES / "rules" / "extra"
    by_path = mlc.check("databricks/dolly-v2-12b", offline=True, rules_dirs=[extra])
    by_text = mlc.check("databricks/dolly-v2-12b", offline=True, rules_dirs=[str(extra)])
    assert by_path.findings == by_text.findings
    assert {f.rule_id for f in by_path.findings} - {
        f.rule_id for f in mlc.check("databricks/dolly-v2-12b", offline=True).findings
    }  # the extra folder's rules took part
    manifest = FIXTURES / "manifests" / "models.yaml"
    assert mlc.audit(str(manifest), offline=True).exit_code == mlc.ExitCode.PASSED


def test_lock_and_drift_from_the_api(tmp_path: Path) -> None:
    """A release pipeline locks what it shipped and asks later whether anything moved: the same
    lock file and drift report as `licensecheck lock` / `drift`."""
    locked = mlc.lock(["databricks/dolly-v2-12b", "lmsys/vicuna-13b-v1.3"], offline=True)
    assert isinstance(locked, mlc.Lock)
    assert {t.target: t.verdict for t in locked.targets} == {
        "databricks/dolly-v2-12b": "allowed",
        "lmsys/vicuna-13b-v1.3": "prohibited",
    }
    path = tmp_path / "licensecheck.lock"
    mlc.write_lock(locked, path)
    assert mlc.read_lock(path) == locked
    cli = run("lock", "databricks/dolly-v2-12b", "lmsys/vicuna-13b-v1.3", "--offline",
              "-o", str(tmp_path / "cli.lock"))  # fmt: skip
    assert cli.exit_code == 0, cli.output
    assert (tmp_path / "cli.lock").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")

    report = mlc.check_drift(path, offline=True)
    assert isinstance(report, mlc.DriftReport) and report.exit_code == 0
    # The lock says the Dolly verdict was something else: drift says it moved (exit 1).
    moved = locked._replace(targets=tuple(
        t._replace(verdict="conditional") if t.target.startswith("databricks/") else t
        for t in locked.targets
    ))  # fmt: skip
    mlc.write_lock(moved, path)
    assert mlc.check_drift(path, offline=True).exit_code == 1
    with pytest.raises(mlc.ResolutionError):
        mlc.lock(["databricks/dolly-v2-12b", "nobody/nothing"], offline=True)


def test_results_pickle_as_what_they_say() -> None:
    """A pipeline may send results to another process: a finding's message travels as text,
    not as the lineage and knowledge base that render it."""
    import pickle

    result = mlc.check("lmsys/vicuna-13b-v1.3", offline=True)
    data = pickle.dumps(result)
    again = pickle.loads(data)  # noqa: S301 - our own bytes, made one line above
    assert again.findings == result.findings and again.verdict == result.verdict
    assert all(isinstance(f.text, str) for f in again.findings)
    assert len(data) < 100_000  # the knowledge base alone would be about a megabyte


def test_an_audit_can_be_one_shard_of_many() -> None:
    models = ["databricks/dolly-v2-12b", "lmsys/vicuna-13b-v1.3", "EleutherAI/pythia-12b"]
    parts = [mlc.audit(models, offline=True, shard=(k, 3)) for k in (1, 2, 3)]
    checked = sorted(e.entry.target for part in parts for e in part.entries)
    assert checked == sorted(models)
    with pytest.raises(mlc.InputError):
        mlc.audit(models, offline=True, shard=(4, 3))
