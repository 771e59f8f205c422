"""The text report a person reads: one screen by default, -v and -vv for more, identical
findings grouped, the summary led by the finding that drives the verdict."""

from __future__ import annotations

import pytest

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.model import WEIGHT_RELATIONS, Status
from model_licensecheck.report.text import TextReporter, group_findings

from .conftest import run

SCREEN = 24
TYPICAL = ["lmsys/vicuna-7b-v1.3", "stabilityai/stablelm-tuned-alpha-7b",
           "databricks/dolly-v2-12b", "lmsys/vicuna-7b-v1.5"]  # fmt: skip


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(CheckOptions(offline=True))


@pytest.mark.parametrize("model", TYPICAL)
def test_default_output_fits_one_screen(model: str) -> None:
    result = run(model, "--offline")
    assert result.exit_code in (0, 1), result.output
    lines = result.stdout.splitlines()
    assert len(lines) <= SCREEN, result.stdout
    assert lines[0].startswith(f"{model}: ")
    assert "-v to show" in lines[-1]
    assert "Findings" not in lines and "Evidence" not in result.stdout


def test_default_output_names_the_driving_path_and_the_checklist() -> None:
    out = run("lmsys/vicuna-7b-v1.3", "--offline").stdout
    assert (
        "  path: lmsys/vicuna-7b-v1.3 ─finetune→ huggyllama/llama-7b "
        "(LicenseRef-LLaMA-1-Research)\n" in out
    )
    assert "\nTo do\n  [ ] " in out
    assert "+9 more findings" in out


def test_verbosity_adds_findings_then_every_edge(checker: Checker) -> None:
    result = checker.check("lmsys/vicuna-7b-v1.3")
    quiet, v, vv = (TextReporter(verbosity=n).render([result]) for n in (0, 1, 2))
    assert len(quiet) < len(v) < len(vv)
    assert "\nFindings\n" in v and "\nLineage\n" in v
    # -v: evidence for the driving path only; -vv: every edge of the lineage
    assert "lmsys/vicuna-7b-v1.3 -finetune-> huggyllama/llama-7b" in v
    assert "kb:sharegpt -generated_by-> openai:gpt-4" not in v
    for edge in result.lineage.edges:
        assert f"  {edge.child} -{edge.relation.value}-> {edge.parent}\n" in vv
    findings = vv.split("\nFindings\n", 1)[1]
    for f in result.findings:  # every message, once, in the findings
        assert findings.count(f.message) == 1


def test_identical_findings_are_grouped_with_a_count_and_their_nodes(checker: Checker) -> None:
    result = checker.check("lmsys/vicuna-7b-v1.5")
    user_cap = [f for f in result.findings if f.rule_id == "weights-user-cap"]
    assert len(user_cap) == 2  # on the model and on Llama 2: one finding each
    text = TextReporter(verbosity=1).render([result])
    assert text.count("weights-user-cap") == 1
    line = next(x for x in text.splitlines() if "weights-user-cap" in x)
    assert "×2" in line
    assert "      on: lmsys/vicuna-7b-v1.5, meta-llama/Llama-2-7b-hf" in text
    groups = group_findings(result.findings)
    assert sum(len(g.findings) for g in groups) == len(result.findings)
    keys = [(g.status, g.rule_id, g.conditions) for g in groups]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("model", TYPICAL)
def test_the_summary_is_led_by_a_finding_at_the_verdict_on_weights_first(
    checker: Checker, model: str
) -> None:
    result = checker.check(model)
    drivers = result.verdict.drivers
    if result.verdict.status is Status.ALLOWED:
        assert not drivers
        return
    lead = drivers[0]
    assert lead.status is result.verdict.status
    assert lead.message in result.verdict.summary
    on_weights = [f for f in drivers if all(e.relation in WEIGHT_RELATIONS for e in f.path)]
    if on_weights:  # a data finding never leads while one about the weights drives too
        assert lead in on_weights


def test_stablelm_summary_is_its_own_non_commercial_license(checker: Checker) -> None:
    result = checker.check("stabilityai/stablelm-tuned-alpha-7b")
    assert result.verdict.drivers[0].rule_id == "weights-non-commercial"
    text = TextReporter().render([result])
    assert "path: stabilityai/stablelm-tuned-alpha-7b (its own license, CC-BY-NC-SA-4.0)" in text


def _env_names_in_source() -> set[str]:
    """Every MODEL_LICENSECHECK_* variable the package reads, found in its own source (a name
    built as f"MODEL_LICENSECHECK_{name}" is found through the names passed to it)."""
    import re
    from pathlib import Path

    import model_licensecheck

    root = Path(model_licensecheck.__file__).parent
    text = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    names = set(re.findall(r"MODEL_LICENSECHECK_[A-Z][A-Z_]*", text))
    names |= {f"MODEL_LICENSECHECK_{n}" for n in re.findall(r'_option\([^,]+, "([A-Z_]+)"', text)}
    return names


@pytest.mark.parametrize("command", [[], ["check"], ["audit"]])
def test_help_has_examples_exit_codes_and_environment(command: list[str]) -> None:
    from model_licensecheck.errors import ExitCode

    result = run(*command, "--help")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Examples:\n    licensecheck " in out
    exits = out.split("Exit codes:\n", 1)[1].split("\n\n", 1)[0]
    assert [int(line.split()[0]) for line in exits.splitlines()] == [int(c) for c in ExitCode]
    env = "\n" + out.split("Environment:\n", 1)[1]
    for name in ("HF_TOKEN", "HF_ENDPOINT", *sorted(_env_names_in_source())):
        assert f"\n    {name} " in env, name


def test_bare_command_shows_help() -> None:
    result = run()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert "Exit codes:" in result.stdout


def test_the_readme_shows_the_one_screen_output_verbatim() -> None:
    import re
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"```\n\$ (licensecheck [^\n]*--offline)\n(.*?)```", readme, re.S)
    assert len(shown) >= 2
    for command, output in shown:
        result = run(*shlex.split(command)[1:])
        assert result.stdout == output, command
