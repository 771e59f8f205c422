"""Hub resolution through the real `huggingface_hub` client against a local fixture Hub."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.errors import InputError, LicensecheckError, ResolutionError
from model_licensecheck.model import CheckResult, KnownLicense, Node, Status
from model_licensecheck.resolve.hub import HubSource
from model_licensecheck.resolve.kbsource import KnowledgeBaseSource

from .conftest import FIXTURES, one_report, run
from .hubserver import Fault, FixtureHub

TOKEN = "hf_fixture_secret_token_123"  # noqa: S105 - the fixture Hub's own test token


@pytest.fixture
def hub() -> Iterator[FixtureHub]:
    server = FixtureHub(FIXTURES / "hub")
    server.start()
    yield server
    server.stop()


def checker(hub: FixtureHub, cache: Path, token: str | None = None, refresh: bool = False,
            timeout: float = 5.0, retries: int = 3) -> Checker:  # fmt: skip
    """A checker whose Hub is the fixture server; retries do not sleep."""
    check = Checker(CheckOptions(offline=True))
    source = HubSource(check.kb, token=token, endpoint=hub.url, cache_dir=cache, refresh=refresh,
                       timeout=timeout, retries=retries, sleep=lambda _: None)  # fmt: skip
    check.sources = (source, KnowledgeBaseSource(check.kb))
    return check


def ok(result: CheckResult | LicensecheckError) -> CheckResult:
    assert isinstance(result, CheckResult), result
    return result


def test_quantized_reupload_follows_base_chain_with_revisions(
    hub: FixtureHub, tmp_path: Path
) -> None:
    result = checker(hub, tmp_path).check("TheBloke/vicuna-13B-1.1-GPTQ")
    lineage = result.lineage
    edges = {(e.child, e.parent, e.relation.value) for e in lineage.edges}
    assert ("TheBloke/vicuna-13B-1.1-GPTQ", "lmsys/vicuna-13b-delta-v1.1", "quantized") in edges
    assert ("lmsys/vicuna-13b-delta-v1.1", "huggyllama/llama-13b", "finetune") in edges
    assert result.verdict.status is Status.PROHIBITED
    root = lineage.nodes["TheBloke/vicuna-13B-1.1-GPTQ"]
    assert isinstance(root, Node)
    assert root.revision is not None and len(root.revision) == 40
    assert all(
        getattr(lineage.nodes[n], "revision", None) for n in
        ("lmsys/vicuna-13b-delta-v1.1", "huggyllama/llama-13b")
    )  # fmt: skip
    quant = next(e for e in lineage.edges if e.relation.value == "quantized")
    assert quant.evidence[0].source.value == "hub-metadata"
    assert quant.evidence[0].location.startswith(hub.url)


def test_hub_and_knowledge_base_disagreeing_are_both_shown(hub: FixtureHub, tmp_path: Path) -> None:
    result = checker(hub, tmp_path).check("huggyllama/llama-13b")
    node = result.lineage.nodes["huggyllama/llama-13b"]
    assert isinstance(node.license, KnownLicense)
    assert node.license.id == "LicenseRef-LLaMA-1-Research"
    notes = " ".join(getattr(node, "notes", ()))
    assert "the card says 'other'" in notes and "knowledge base records" in notes


def test_lora_is_followed_through_adapter_config(hub: FixtureHub, tmp_path: Path) -> None:
    result = checker(hub, tmp_path).check("acme/support-lora")
    edge = next(e for e in result.lineage.edges if e.parent == "huggyllama/llama-7b")
    assert edge.relation.value == "adapter"
    assert edge.evidence[0].source.value == "config"
    assert result.verdict.status is Status.PROHIBITED


def test_list_valued_base_model_is_a_merge(hub: FixtureHub, tmp_path: Path) -> None:
    result = checker(hub, tmp_path).check("acme/merged-7b")
    merged = {e.parent for e in result.lineage.edges if e.child == "acme/merged-7b"}
    assert merged == {"mistralai/Mistral-7B-v0.1", "HuggingFaceH4/zephyr-7b-beta"}
    assert all(e.relation.value == "merge" for e in result.lineage.edges
               if e.child == "acme/merged-7b")  # fmt: skip


def test_dataset_cards_give_license_and_generator(hub: FixtureHub, tmp_path: Path) -> None:
    result = checker(hub, tmp_path).check("acme/chat-7b")
    assert result.verdict.status is Status.PROHIBITED  # cc-by-nc-4.0 training data
    gen = [e for e in result.lineage.edges if e.relation.value == "generated_by"]
    assert gen and gen[0].child == "acme/support-chats" and gen[0].parent == "openai:gpt-4"
    assert any(f.rule_id == "service-output-terms" for f in result.findings)


def test_gated_repo_without_access_is_incomplete_and_with_a_token_complete(
    hub: FixtureHub, tmp_path: Path
) -> None:
    """The metadata of a gated repo is public, its card is not: without a token the card
    could not be read, so the node is incomplete and the verdict `unknown` (DESIGN §2), with
    the token tip; with the token every file is read and the full verdict stands."""
    without = checker(hub, tmp_path / "a").check("acme/quant-of-gated")
    gated = without.lineage.nodes["meta-llama/Llama-2-7b-hf"]
    assert isinstance(gated.license, KnownLicense)  # from the metadata API
    assert isinstance(gated, Node) and gated.incomplete
    assert "README.md could not be read" in gated.incomplete[0]
    assert "HF_TOKEN" in gated.incomplete[0]
    assert without.verdict.status is Status.UNKNOWN
    assert any(f.rule_id == "builtin-incomplete" and f.ancestor == "meta-llama/Llama-2-7b-hf"
               for f in without.verdict.drivers)  # fmt: skip
    readme_before = hub.count("/meta-llama/Llama-2-7b-hf/resolve/")
    with_token = checker(hub, tmp_path / "b", token=TOKEN).check("acme/quant-of-gated")
    assert hub.count("/meta-llama/Llama-2-7b-hf/resolve/") > readme_before
    assert with_token.verdict.status is Status.CONDITIONAL
    text = json.dumps(list(with_token.lineage.notes))
    assert TOKEN not in text


def test_gated_root_without_access_is_exit_3_with_a_token_tip(
    hub: FixtureHub, tmp_path: Path
) -> None:
    hub.faults["acme/merged-7b"] = Fault("gated", only="api")
    out = checker(hub, tmp_path).check_many(["acme/merged-7b"])[0]
    assert isinstance(out, ResolutionError)
    assert "HF_TOKEN" in out.one_line()


def test_missing_root_is_exit_2_naming_it(hub: FixtureHub, tmp_path: Path) -> None:
    out = checker(hub, tmp_path).check_many(["acme/does-not-exist"])[0]
    assert isinstance(out, InputError)
    assert "acme/does-not-exist" in str(out)


def test_deleted_ancestor_falls_back_to_the_knowledge_base(hub: FixtureHub, tmp_path: Path) -> None:
    result = checker(hub, tmp_path).check("acme/old-finetune")
    assert "huggyllama/llama-7b" in result.lineage.nodes  # decapoda id mapped by the kb
    node = result.lineage.nodes["huggyllama/llama-7b"]
    assert isinstance(node.license, KnownLicense)
    assert result.verdict.status is Status.PROHIBITED


@pytest.mark.parametrize("kind", ["500", "503", "429", "truncated", "reset"])
def test_transient_faults_are_retried(hub: FixtureHub, tmp_path: Path, kind: str) -> None:
    hub.faults["lmsys/vicuna-13b-delta-v1.1"] = Fault(kind, times=2)
    result = checker(hub, tmp_path).check("TheBloke/vicuna-13B-1.1-GPTQ")
    assert result.verdict.status is Status.PROHIBITED
    node = result.lineage.nodes["lmsys/vicuna-13b-delta-v1.1"]
    assert getattr(node, "revision", None)  # answered by the Hub after the retries


@pytest.mark.parametrize("kind", ["500", "429", "timeout", "truncated", "gated"])
def test_persistent_fault_on_an_ancestor_never_yields_allowed(
    hub: FixtureHub, tmp_path: Path, kind: str
) -> None:
    hub.timeout_sleep = 1.0
    hub.faults["mistralai/Mistral-7B-v0.1"] = Fault(kind, only="api")
    check = checker(hub, tmp_path, timeout=0.3, retries=1)
    result = ok(check.check_many(["acme/merged-7b"])[0])
    assert result.verdict.status is not Status.ALLOWED
    assert result.verdict.status is Status.CONDITIONAL or result.verdict.status >= Status.UNKNOWN
    # the rest of the lineage was still resolved
    assert "HuggingFaceH4/zephyr-7b-beta" in result.lineage.nodes
    assert any("hub could not answer for mistralai/Mistral-7B-v0.1" in n
               for n in result.lineage.notes)  # fmt: skip


def test_fault_on_the_root_is_exit_3(hub: FixtureHub, tmp_path: Path) -> None:
    hub.faults["acme/merged-7b"] = Fault("500")
    out = checker(hub, tmp_path, retries=1).check_many(["acme/merged-7b"])[0]
    assert isinstance(out, ResolutionError)
    assert "HTTP 500" in str(out)


def test_warm_cache_revalidates_by_commit_and_refresh_refetches(
    hub: FixtureHub, tmp_path: Path
) -> None:
    """A warm run asks each node's metadata once (its commit) and reads no file again while
    the commit is unchanged; --refresh reads everything again."""
    first = checker(hub, tmp_path).check("TheBloke/vicuna-13B-1.1-GPTQ")
    hub_nodes = [
        n for n in first.lineage.nodes if getattr(first.lineage.nodes[n], "revision", None)
    ]
    cold, cold_files = hub.count(), hub.count("/resolve/")
    assert cold > 0 and cold_files > 0
    second = checker(hub, tmp_path).check("TheBloke/vicuna-13B-1.1-GPTQ")
    assert hub.count("/resolve/") == cold_files  # no file read again
    assert hub.count() - cold == len(hub_nodes)  # one metadata request per node
    assert second.verdict == first.verdict
    checker(hub, tmp_path, refresh=True).check("TheBloke/vicuna-13B-1.1-GPTQ")
    assert hub.count("/resolve/") > cold_files


def test_cold_run_costs_at_most_two_requests_per_node(hub: FixtureHub, tmp_path: Path) -> None:
    result = checker(hub, tmp_path).check("acme/chat-7b")
    hub_nodes = [n for n in result.lineage.nodes if ":" not in n]
    assert hub.count() <= 2 * len(hub_nodes)


def test_unreachable_hub_fails_a_known_root_and_leaves_ancestors_unknown(
    tmp_path: Path,
) -> None:
    """Online, a Hub that cannot be reached is said once, and nothing it should have answered
    is taken from the knowledge base alone: the root is exit 3, an ancestor is incomplete.
    --offline is how a user asks for the knowledge base's answer."""
    check = Checker(CheckOptions(offline=True))
    source = HubSource(check.kb, endpoint="http://127.0.0.1:9", cache_dir=tmp_path,
                       sleep=lambda _: None)  # fmt: skip
    check.sources = (source, KnowledgeBaseSource(check.kb))
    out = check.check_many(["lmsys/vicuna-13b-v1.3", str(FIXTURES / "cards" / "permissive.md")])
    assert isinstance(out[0], ResolutionError)
    assert "could not be reached" in out[0].one_line() and "--offline" in out[0].one_line()
    card = ok(out[1])
    assert card.verdict.status is Status.UNKNOWN
    hub_notes = [n for n in card.lineage.notes if n.startswith("hub could not answer")]
    assert len(hub_notes) == 1
    assert Checker(CheckOptions(offline=True)).check("lmsys/vicuna-13b-v1.3").verdict.status is (
        Status.PROHIBITED
    )


def test_cli_reads_hf_endpoint_and_never_prints_the_token(
    hub: FixtureHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    for fmt in ("text", "json"):
        result = run("acme/quant-of-gated", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert TOKEN not in result.output
    assert run("acme/does-not-exist").exit_code == 2


def test_cli_offline_env_keeps_the_hub_out(
    hub: FixtureHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert run("acme/merged-7b").exit_code == 3
    assert hub.count() == 0


def test_revision_pins_the_root(hub: FixtureHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    sha = hub.sha("model", "acme/merged-7b")
    result = run("acme/merged-7b", "--revision", sha, "--format", "json")
    assert result.exit_code in (0, 1), result.output  # a verdict, whichever it is
    assert one_report(result.stdout)["subject"]["id"] == "acme/merged-7b"
    assert hub.count(f"/api/models/acme/merged-7b/revision/{sha}") == 1
    # A revision the repo never had: the Hub says so, and it is the user's input error.
    assert run("acme/merged-7b", "--revision", "abc123").exit_code == 2
    assert run("acme/merged-7b", "acme/chat-7b", "--revision", "x").exit_code == 2


def test_requests_go_only_to_the_configured_endpoint(
    hub: FixtureHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """huggingface_hub's telemetry would fetch an agent list from its own endpoint: it is off."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", False)
    checker(hub, tmp_path).check("acme/merged-7b")
    paths = [path for _, path in hub.requests]
    assert paths
    assert all(p.startswith(("/api/models/", "/api/datasets/")) or "/resolve/" in p for p in paths)


def test_license_other_on_the_hub_is_read_from_the_license_file(
    hub: FixtureHub, tmp_path: Path
) -> None:
    result = checker(hub, tmp_path).check("acme/other-licensed")
    node = result.lineage.nodes["acme/other-licensed"]
    assert isinstance(node.license, KnownLicense)
    assert (node.license.id, node.license.matched_by) == ("Apache-2.0", "license_file")
    assert hub.count("/acme/other-licensed/resolve/") == 2  # README.md, then LICENSE.txt
    assert hub.count("/acme/merged-7b/") == 0
    checker(hub, tmp_path).check("acme/merged-7b")  # license: apache-2.0 -> no LICENSE fetch
    assert hub.count("/acme/merged-7b/resolve/") == 1
