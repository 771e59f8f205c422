"""Policy files: deployment profile, stances, allow/deny lists, waivers, validation."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.errors import ValidationError
from model_licensecheck.kb.loader import KnowledgeBase
from model_licensecheck.model import CheckResult, Condition, Status
from model_licensecheck.verdict.policy import Policy, load_policy

from .conftest import FIXTURES, one_report, run

TODAY = dt.date(2026, 11, 21)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text("schema_version: 1\n" + textwrap.dedent(body), encoding="utf-8")
    return path


def check(target: str, policy: Policy) -> CheckResult:
    return Checker(CheckOptions(offline=True, policy=policy, today=TODAY)).check(target)


def policy(tmp_path: Path, body: str, kb: KnowledgeBase) -> Policy:
    return load_policy(write(tmp_path, body), kb)


LLAMA_31 = "meta-llama/Llama-3.1-8B-Instruct"


def test_user_cap_is_judged_as_a_number(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    small = check(
        LLAMA_31, policy(tmp_path, "deployment: {monthly_active_users: 1000000}\n", shipped_kb)
    )
    assert small.verdict.status is Status.CONDITIONAL
    assert not any(c.id == "user-cap" for c in small.verdict.conditions)
    assert any("within 700000000" in n for n in small.gate.notes)
    big = check(
        LLAMA_31, policy(tmp_path, "deployment: {monthly_active_users: 800000000}\n", shipped_kb)
    )
    assert big.verdict.status is Status.PROHIBITED
    assert not big.gate.passed
    assert any("above the cap" in f.message for f in big.findings)


def test_release_name_must_carry_the_required_prefix(
    tmp_path: Path, shipped_kb: KnowledgeBase
) -> None:
    bad = check(
        LLAMA_31, policy(tmp_path, "deployment: {release_name: Acme-Chat-8B}\n", shipped_kb)
    )
    assert bad.verdict.status is Status.PROHIBITED
    good = check(
        LLAMA_31, policy(tmp_path, "deployment: {release_name: Llama-3.1-Acme}\n", shipped_kb)
    )
    assert good.verdict.status is Status.CONDITIONAL
    assert Condition("naming", "Llama") in good.verdict.conditions  # the display rule remains
    assert any(o.condition == "naming" and "Built with Llama" in o.action for o in good.obligations)


def test_internal_use_drops_distribution_obligations(
    tmp_path: Path, shipped_kb: KnowledgeBase
) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: cc-by-sa-4.0\n---\nOur own model.\n", encoding="utf-8")
    shared = check(str(card), Policy())
    assert {c.id for c in shared.verdict.conditions} >= {"share-alike", "attribution"}
    internal = check(
        str(card), policy(tmp_path, "deployment: {distribution: internal}\n", shipped_kb)
    )
    assert internal.verdict.status is Status.ALLOWED
    assert internal.verdict.conditions == ()


def test_stances_switch_propagation(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    sa = check(
        "databricks/dolly-v2-12b",
        policy(tmp_path, "stance: {share_alike_data_reaches_weights: true}\n", shipped_kb),
    )
    assert sa.verdict.status is Status.CONDITIONAL
    assert "share-alike" in {c.id for c in sa.verdict.conditions}
    default = check("lmsys/vicuna-13b-v1.5", Policy())
    assert "service-terms" in {c.id for c in default.verdict.conditions}
    lenient = check(
        "lmsys/vicuna-13b-v1.5",
        policy(tmp_path, "stance: {service_terms_bind_downstream: false}\n", shipped_kb),
    )
    assert "service-terms" not in {c.id for c in lenient.verdict.conditions}
    # set aside by the stance's rule file, not dropped: the report still says what was read
    aside = [f for f in lenient.findings if f.rule_id == "service-output-terms"]
    assert aside and all(f.status is Status.ALLOWED for f in aside)
    assert "not to bind downstream" in aside[0].message


def test_stance_defaults_are_the_rule_files_defaults() -> None:
    from model_licensecheck.rules.schema import STANCES
    from model_licensecheck.verdict.policy import Stance

    assert {name: files.default for name, files in STANCES.items()} == Stance()._asdict()


def test_generator_terms_are_conditional_unless_a_stance_escalates(
    tmp_path: Path, shipped_kb: KnowledgeBase
) -> None:
    # DESIGN §5: Zephyr-7B-beta was trained on UltraFeedback, which Bard helped write under
    # Google's 2023 terms that forbid developing models with the service at all. By default
    # that is a condition naming the terms and their version; the stance makes it prohibited.
    zephyr = "HuggingFaceH4/zephyr-7b-beta"
    default = check(zephyr, Policy())
    assert default.verdict.status is Status.CONDITIONAL
    values = {c.value for c in default.verdict.conditions if c.id == "service-terms"}
    assert "LicenseRef-Google-Generative-AI-Terms (last modified 2023-03-14)" in values
    assert all(v and v.endswith(")") for v in values)  # every one names its version
    strict = check(
        zephyr, policy(tmp_path, "stance: {generator_output_prohibitions_bind: true}\n", shipped_kb)
    )
    assert strict.verdict.status is Status.PROHIBITED
    assert strict.verdict.drivers[0].rule_id == "stance-generator-output-prohibited"
    # the stance escalates outright prohibitions only: OpenAI's competing-models clause stays
    vicuna = check(
        "lmsys/vicuna-13b-v1.5",
        policy(tmp_path, "stance: {generator_output_prohibitions_bind: true}\n", shipped_kb),
    )
    assert vicuna.verdict.status is Status.CONDITIONAL


def test_waivers_apply_until_they_expire(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    body = """\
        waivers:
          - model: lmsys/vicuna-13b-v1.3
            reason: research prototype, legal sign-off LEGAL-123
            approved_by: jane@example.com
            expires: {expires}
    """
    active = check(
        "lmsys/vicuna-13b-v1.3", policy(tmp_path, body.format(expires="2027-01-31"), shipped_kb)
    )
    assert active.verdict.status is Status.PROHIBITED  # the facts do not change
    assert active.gate.passed
    assert any("waived by jane@example.com" in n for n in active.gate.notes)
    expired = check(
        "lmsys/vicuna-13b-v1.3", policy(tmp_path, body.format(expires="2026-01-31"), shipped_kb)
    )
    assert not expired.gate.passed
    assert any("expired on 2026-01-31" in n for n in expired.gate.notes)


def test_finding_waiver_and_denied_conditions(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    waiver = (
        "  - finding: service-output-terms:{service}\n"
        "    reason: outputs used under an enterprise agreement\n"
        "    approved_by: legal\n"
        "    expires: 2027-06-30\n"
    )
    head = "gate: {deny_conditions: [service-terms]}\nwaivers:\n"
    one = check(
        "lmsys/vicuna-13b-v1.5",
        policy(tmp_path, head + waiver.format(service="openai:gpt-3.5-turbo"), shipped_kb),
    )
    assert not one.gate.passed  # a waiver covers one finding: GPT-4's terms still apply
    assert [r for r in one.gate.reasons if "openai:gpt-4" in r]
    both = (
        head + waiver.format(service="openai:gpt-3.5-turbo") + waiver.format(service="openai:gpt-4")
    )
    result = check("lmsys/vicuna-13b-v1.5", policy(tmp_path, both, shipped_kb))
    assert result.gate.passed, result.gate.reasons
    assert sum("waived by legal" in n for n in result.gate.notes) == 2
    denied = check(
        "lmsys/vicuna-13b-v1.5",
        policy(tmp_path, "gate: {deny_conditions: [service-terms]}\n", shipped_kb),
    )
    assert not denied.gate.passed
    assert any("service-terms" in r for r in denied.gate.reasons)


def test_allow_and_deny_lists(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    denied = check(
        "databricks/dolly-v2-12b",
        policy(tmp_path, "deny: {licenses: [cc-by-sa-3.0]}\n", shipped_kb),
    )
    assert not denied.gate.passed
    assert any("CC-BY-SA-3.0" in r for r in denied.gate.reasons)
    deny_model = check(
        "lmsys/vicuna-13b-v1.5",
        policy(tmp_path, "deny: {models: [meta-llama/Llama-2-13b-hf]}\n", shipped_kb),
    )
    assert any("deny list" in r for r in deny_model.gate.reasons)
    allowed = check(
        "lmsys/vicuna-13b-v1.3",
        policy(tmp_path, "allow: {models: [lmsys/vicuna-13b-v1.3]}\n", shipped_kb),
    )
    assert allowed.gate.passed
    research_ok = check(
        "huggyllama/llama-13b",
        policy(tmp_path, "allow: {licenses: [LicenseRef-LLaMA-1-Research]}\n", shipped_kb),
    )
    assert not any("LLaMA" in r for r in research_ok.gate.reasons)


def test_invalid_policy_lists_every_problem(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    body = """\
        gate: {fail_on: [maybe]}
        deployment: {monthly_active_users: lots, distribution: everywhere}
        stance: {share_alike: true}
        deny: {licenses: [no-such-license]}
        waivers:
          - model: a/b
            reason: x
            approved_by: y
            expires: someday
        extra: 1
    """
    with pytest.raises(ValidationError) as info:
        load_policy(write(tmp_path, body), shipped_kb)
    text = "\n".join(info.value.details())
    for expected in (
        "unknown status 'maybe'",
        "deployment.monthly_active_users",
        "deployment.distribution",
        "stance.share_alike",
        "no-such-license",
        "waivers[0].expires",
        "extra",
    ):
        assert expected in text, expected


def test_cli_policy_option_and_json(tmp_path: Path) -> None:
    path = write(tmp_path, "deployment: {monthly_active_users: 900000000}\n")
    result = run(LLAMA_31, "--offline", "--policy", str(path), "--format", "json")
    assert result.exit_code == 1
    report = one_report(result.stdout)
    assert report["policy"] == str(path)
    assert report["verdict"]["status"] == "prohibited"
    broken = write(tmp_path, "deployment: {distribution: moon}\n")
    bad = run(LLAMA_31, "--offline", "--policy", str(broken))
    assert bad.exit_code == 2
    assert "invalid policy file" in bad.stderr


def test_cli_deny_condition_for_pre_commit_use() -> None:
    card = FIXTURES / "cards" / "apache-on-llama.md"
    result = run(str(card), "--offline", "--fail-on", "", "--deny-condition", "license-conflict")
    assert result.exit_code == 1
    assert "license-conflict" in result.stdout
    honest = FIXTURES / "cards" / "permissive.md"
    assert (
        run(
            str(honest), "--offline", "--fail-on", "", "--deny-condition", "license-conflict"
        ).exit_code
        == 0
    )
