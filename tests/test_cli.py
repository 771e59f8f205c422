"""The command line, end to end and offline: acceptance examples, formats, exit codes, errors."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from .conftest import FIXTURES, one_report, reports, run

if TYPE_CHECKING:
    from pathlib import Path

CARDS = FIXTURES / "cards"


def test_dolly_is_allowed_offline_with_its_lineage_and_evidence() -> None:
    result = run("databricks/dolly-v2-12b", "--offline", "-vv")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "databricks/dolly-v2-12b: ALLOWED for commercial use" in out
    assert "finetune → EleutherAI/pythia-12b" in out
    assert "trained_on → databricks/databricks-dolly-15k" in out
    assert "CC-BY-SA-3.0" in out and "Apache-2.0" in out
    assert "https://huggingface.co/databricks/dolly-v2-12b" in out  # the edge's source address


def test_vicuna_is_prohibited_by_llama_1_with_openai_terms_second() -> None:
    result = run("lmsys/vicuna-13b-v1.3", "--offline", "--format", "json")
    assert result.exit_code == 1
    report = one_report(result.stdout)
    assert report["verdict"]["status"] == "prohibited"
    drivers = [f for f in report["findings"] if f["status"] == "prohibited"]
    assert drivers[0]["path"] == ["lmsys/vicuna-13b-v1.3", "huggyllama/llama-13b"]
    assert drivers[0]["license"] == "LicenseRef-LLaMA-1-Research"
    openai = [f for f in report["findings"] if f["rule_id"] == "service-output-terms"]
    assert openai and openai[0]["ancestor"].startswith("openai:")
    assert "service-terms" in report["verdict"]["conditions"]


def test_json_report_shape_is_stable() -> None:
    result = run("databricks/dolly-v2-12b", "--offline", "--format", "json")
    document = json.loads(result.stdout)
    assert list(document) == ["schema_version", "tool", "summary", "models"]
    assert document["schema_version"] == "2.0"
    assert document["summary"] == {
        "models": 1, "passed": 1, "exit_code": 0,
        "verdicts": {"allowed": 1, "conditional": 0, "unknown": 0, "prohibited": 0, "error": 0},
        "sentence": "1 of 1 models pass the gate (1 allowed).",
    }  # fmt: skip
    report = one_report(result.stdout)
    assert set(report) == {"subject", "verdict", "gate", "policy", "obligations", "lineage",
                           "findings"}  # fmt: skip
    assert any(o["condition"] == "attribution" and "Apache License 2.0" in o["action"]
               for o in report["obligations"])  # fmt: skip
    assert report["verdict"]["status"] == "allowed"
    assert report["verdict"]["conditions"] == ["attribution"]
    nodes = {n["id"]: n for n in report["lineage"]["nodes"]}
    assert nodes["databricks/dolly-v2-12b"]["license"]["id"] == "MIT"
    assert nodes["databricks/dolly-v2-12b"]["concluded"] == ["Apache-2.0", "MIT"]
    edge = next(e for e in report["lineage"]["edges"] if e["to"] == "EleutherAI/pythia-12b")
    assert edge["relation"] == "finetune"
    assert edge["evidence"][0]["source"] == "knowledge-base"
    again = run("databricks/dolly-v2-12b", "--offline", "--format", "json")
    assert again.stdout == result.stdout  # same input, same bytes


def test_several_targets_give_one_document_in_order_and_the_worst_exit_code() -> None:
    result = run("databricks/dolly-v2-12b", "lmsys/vicuna-13b-v1.3", "nobody/nothing",
                 "--offline", "--format", "json")  # fmt: skip
    assert result.exit_code == 3
    assert [r["subject"]["target"] for r in reports(result.stdout)] == [
        "databricks/dolly-v2-12b",
        "lmsys/vicuna-13b-v1.3",
        "nobody/nothing",
    ]
    summary = json.loads(result.stdout)["summary"]
    assert summary["verdicts"] == {"allowed": 1, "conditional": 0, "unknown": 0,
                                   "prohibited": 1, "error": 1}  # fmt: skip
    assert (summary["models"], summary["passed"], summary["exit_code"]) == (3, 1, 3)


def test_check_and_audit_print_the_same_json_shape(tmp_path: Path) -> None:
    manifest = tmp_path / "m.txt"
    manifest.write_text("databricks/dolly-v2-12b\nlmsys/vicuna-13b-v1.3\n", encoding="utf-8")
    checked = run("databricks/dolly-v2-12b", "lmsys/vicuna-13b-v1.3", "--offline",
                  "--format", "json")  # fmt: skip
    audited = run("audit", str(manifest), "--offline", "--format", "json")
    assert checked.exit_code == audited.exit_code == 1
    assert json.loads(checked.stdout) == json.loads(audited.stdout)


def test_local_card_with_apache_on_llama_weights_is_a_conflict() -> None:
    result = run(str(CARDS / "apache-on-llama.md"), "--format", "json")
    assert result.exit_code == 1
    report = one_report(result.stdout)
    assert report["verdict"]["status"] == "prohibited"
    assert "license-conflict" in report["verdict"]["conditions"]
    rules = {f["rule_id"] for f in report["findings"]}
    assert {"weights-non-commercial", "license-conflict-weights", "data-non-commercial"} <= rules


def test_prose_card_resolves_mentions_with_quotes() -> None:
    result = run(str(CARDS / "prose-only.md"), "--format", "json")
    report = one_report(result.stdout)
    assert report["verdict"]["status"] == "prohibited"
    llama = next(e for e in report["lineage"]["edges"] if e["to"] == "huggyllama/llama-13b")
    evidence = llama["evidence"][0]
    assert evidence["source"] == "card-text"
    assert evidence["confidence"] == "inferred"
    assert evidence["location"].endswith("prose-only.md:6")
    assert "fine-tuned from LLaMA-13B" in evidence["quote"]
    assert any(e["to"].startswith("kb:sharegpt") for e in report["lineage"]["edges"])
    # "judged by GPT-4" is an evaluation, not training data
    assert not any(e["to"] == "openai:gpt-4" and e["from"] == report["subject"]["id"]
                   for e in report["lineage"]["edges"])  # fmt: skip


def test_model_folder_with_adapter_config_follows_the_base() -> None:
    result = run(str(FIXTURES / "folders" / "llama-lora"), "--format", "json")
    report = one_report(result.stdout)
    edge = next(e for e in report["lineage"]["edges"] if e["to"] == "huggyllama/llama-7b")
    assert edge["relation"] == "adapter"
    assert edge["evidence"][0]["source"] == "config"
    assert report["verdict"]["status"] == "prohibited"


def test_unknown_base_offline_is_unknown_and_fails_the_gate() -> None:
    result = run(str(CARDS / "unknown-base.md"))
    assert result.exit_code == 1
    assert "UNKNOWN for commercial use" in result.stdout
    assert "someone/never-heard-of-it" in result.stdout


def test_permissive_card_passes() -> None:
    result = run(str(CARDS / "permissive.md"), "--offline")
    assert result.exit_code == 0, result.output
    assert "ALLOWED" in result.stdout


def test_permissive_card_online_with_no_hub_is_unknown_and_says_offline() -> None:
    """Its base is in the knowledge base, but online the Hub's answer for it is what counts:
    a Hub that cannot be reached leaves the base unread, never silently `allowed`."""
    result = run(str(CARDS / "permissive.md"))
    assert result.exit_code == 1, result.output
    assert "UNKNOWN" in result.stdout
    assert "--offline" in result.stdout


def test_fail_on_can_include_conditional() -> None:
    assert run("lmsys/vicuna-13b-v1.5", "--offline", "--fail-on", "conditional").exit_code == 1


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("license-mapping.md", "`license` must be a string or a list of strings, not a mapping"),
        ("base-number.md", "`base_model` must be a string or a list of strings, not a number"),
        ("malformed.md", "malformed YAML front matter"),
        ("unclosed.md", "never closed"),
        ("empty.md", "the card is empty"),
        ("binary.md", "not a text file"),
    ],
)
def test_bad_cards_exit_2_with_one_line(target: str, message: str) -> None:
    result = run(str(CARDS / target))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert target in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_id_offline_exits_3_naming_it() -> None:
    result = run("nobody/nothing-here", "--offline")
    assert result.exit_code == 3
    assert "nobody/nothing-here" in result.stderr and "--offline" in result.stderr


@pytest.mark.parametrize("target", ["../../no/such/card.md", "a/b/c", "bad id!", "org/name--x"])
def test_invalid_targets_exit_2(target: str) -> None:
    result = run(target, "--offline")
    assert result.exit_code == 2
    assert result.stderr.startswith("licensecheck: error:")


def test_empty_folder_exits_2() -> None:
    result = run(str(FIXTURES / "folders" / "empty-folder"))
    assert result.exit_code == 2
    assert "no README.md, config.json" in result.stderr


def test_broken_rule_files_report_every_problem() -> None:
    result = run("databricks/dolly-v2-12b", "--rules", str(FIXTURES / "rules" / "broken"))
    assert result.exit_code == 2
    err = result.stderr
    assert "invalid rule file" in err.splitlines()[0]
    for expected in (
        "must be kebab-case",
        "unknown relation 'weights'",
        "commercial_use",
        "effect.status",
        "unknown placeholder {nope}",
        "[missing-effect] effect",
    ):
        assert expected in err, expected  # fmt: skip


def test_user_rules_add_a_stance() -> None:
    result = run("databricks/dolly-v2-12b", "--offline", "--format", "json",
                 "--rules", str(FIXTURES / "rules" / "extra"))  # fmt: skip
    report = one_report(result.stdout)
    assert report["verdict"]["status"] == "conditional"
    assert "share-alike" in report["verdict"]["conditions"]
    assert result.exit_code == 0  # conditional passes the default gate


def test_output_file_is_written_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run("databricks/dolly-v2-12b", "--offline", "--format", "json", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert one_report(out.read_text())["verdict"]["status"] == "allowed"
    bad = tmp_path / "bad.json"
    run(str(CARDS / "empty.md"), "--format", "json", "-o", str(bad))
    assert not bad.exists()


def test_no_color_when_not_a_tty() -> None:
    assert "\x1b[" not in run("databricks/dolly-v2-12b", "--offline").stdout
    assert "\x1b[" in run("databricks/dolly-v2-12b", "--offline", "--color").stdout


def test_adapter_config_alone_follows_its_base_and_says_a_license_is_missing() -> None:
    result = run(str(FIXTURES / "configs" / "adapter_config.json"), "--format", "json")
    report = one_report(result.stdout)
    edge = report["lineage"]["edges"][0]
    assert (edge["to"], edge["relation"]) == ("meta-llama/Llama-2-7b-hf", "adapter")
    assert report["verdict"]["status"] == "unknown"  # the adapter's own license is not given
    assert any("carries no license" in n for n in report["lineage"]["notes"])


def test_merge_config_names_every_merged_model() -> None:
    result = run(str(FIXTURES / "configs" / "mergekit_config.yml"), "--format", "json")
    edges = one_report(result.stdout)["lineage"]["edges"]
    assert {(e["to"], e["relation"]) for e in edges if e["relation"] == "merge"} == {
        ("mistralai/Mistral-7B-v0.1", "merge"),
        ("HuggingFaceH4/zephyr-7b-beta", "merge"),
    }


def test_license_other_is_mapped_by_license_name_and_says_so() -> None:
    report = one_report(
        run(str(CARDS / "other-with-name.md"), "--format", "json", "--offline").stdout
    )
    root = next(n for n in report["lineage"]["nodes"] if n["id"] == report["subject"]["id"])
    assert root["license"]["id"] == "LicenseRef-Llama-2-Community"
    assert root["license"]["matched_by"] == "license_name"
    assert report["verdict"]["status"] == "conditional"
    assert "user-cap" in report["verdict"]["conditions"]


def test_license_other_that_matches_nothing_shows_name_and_link() -> None:
    result = run(str(CARDS / "other-unmatched.md"))
    assert result.exit_code == 1
    assert "UNKNOWN" in result.stdout
    assert "acme-model-license-v9" in result.stdout
    assert "https://acme.example/license" in result.stdout


def test_license_other_is_mapped_by_the_license_file_title() -> None:
    folder = FIXTURES / "folders" / "other-with-license-file"
    report = one_report(run(str(folder), "--offline", "--format", "json").stdout)
    root = next(n for n in report["lineage"]["nodes"] if n["id"] == report["subject"]["id"])
    assert root["license"]["id"] == "LicenseRef-Llama-2-Community"
    assert root["license"]["matched_by"] == "license_file"
    assert root["license"]["evidence"]["location"].endswith("other-with-license-file/LICENSE:1")


def test_a_license_file_that_matches_nothing_stays_unknown(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("---\nlicense: other\n---\nOurs.\n", encoding="utf-8")
    (tmp_path / "LICENSE").write_text("Use it kindly.\n", encoding="utf-8")
    result = run(str(tmp_path), "--offline")
    assert result.exit_code == 1
    assert "matches no known license either" in result.stdout


def test_every_command_is_listed_and_the_lazy_ones_load() -> None:
    from model_licensecheck.cli import LAZY_COMMANDS

    listing = run("--help")
    assert listing.exit_code == 0
    for name in ("check", *LAZY_COMMANDS):
        assert f"\n  {name} " in listing.output
        sub = run(name, "--help")
        assert sub.exit_code == 0, sub.output
        assert f"main {name} [OPTIONS]" in sub.output


def test_a_dataset_target_says_how_it_was_judged() -> None:
    # argilla/dpo-mix-7k was "allowed" when a dataset root was judged by the weight rules only:
    # its parts' generators (UltraFeedback's Bard answers) now reach it, as service terms to
    # review (DESIGN §5: conditional by default).
    result = run("argilla/dpo-mix-7k", "--offline", "--format", "json")
    report = one_report(result.stdout)
    assert report["verdict"]["status"] == "conditional"
    assert any(c["id"] == "service-terms" and "Google-Generative-AI" in c["value"]
               for c in report["verdict"]["condition_details"])  # fmt: skip
    assert any("is a dataset: it is judged as the fine-tuning data" in n
               for n in report["lineage"]["notes"])  # fmt: skip
    assert run("tatsu-lab/alpaca", "--offline").exit_code == 1


def test_write_atomic_replaces_whole_or_leaves_nothing_behind(tmp_path: Path) -> None:
    from model_licensecheck.paths import write_atomic

    target = tmp_path / "new" / "report.json"
    write_atomic(target, "first")
    write_atomic(target, b"second")
    assert target.read_text() == "second"
    blocked = tmp_path / "dir"
    (blocked / "inside").mkdir(parents=True)  # os.replace cannot put a file over a folder
    with pytest.raises(IsADirectoryError):
        write_atomic(blocked, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "new"]
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["report.json"]


def test_a_project_name_the_knowledge_base_knows_is_checked_as_its_id() -> None:
    result = run("Mistral NeMo", "--offline", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert one_report(result.stdout)["subject"]["id"] == "mistralai/Mistral-Nemo-Base-2407"
    near = run("Mistral Nemx", "--offline")
    assert near.exit_code == 2
    assert "did you mean mistralai/Mistral-Nemo-Base-2407" in near.stderr


def test_a_reader_that_goes_away_is_not_a_bug() -> None:
    """`licensecheck db show X | head`: the pipe closes early; exit 141 as SIGPIPE would
    (never 0, never 70), nothing on stderr."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "model_licensecheck", "db", "show",
             "mistralai/Mistral-7B-v0.1"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, check=False, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert "internal error" not in done.stderr
