"""Targets as users paste them (Hub addresses, `org/name@revision`) and the close matches an
unknown id gets in its error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from model_licensecheck.errors import InputError
from model_licensecheck.kb.loader import KnowledgeBase
from model_licensecheck.kb.query import did_you_mean, suggest
from model_licensecheck.resolve.local import TargetKind, classify, hub_reference

from .conftest import FIXTURES, one_report, run
from .hubserver import FixtureHub


@pytest.mark.parametrize(
    ("text", "repo", "revision"),
    [
        ("https://huggingface.co/databricks/dolly-v2-12b", "databricks/dolly-v2-12b", None),
        ("https://huggingface.co/databricks/dolly-v2-12b/", "databricks/dolly-v2-12b", None),
        ("http://hf.co/databricks/dolly-v2-12b", "databricks/dolly-v2-12b", None),
        ("hf.co/databricks/dolly-v2-12b", "databricks/dolly-v2-12b", None),
        ("huggingface.co/gpt2", "gpt2", None),
        ("https://huggingface.co/datasets/tatsu-lab/alpaca", "tatsu-lab/alpaca", None),
        ("https://huggingface.co/org/m/tree/v1.0", "org/m", "v1.0"),
        ("https://huggingface.co/org/m/blob/abc123/README.md", "org/m", "abc123"),
        ("https://huggingface.co/org/m?library=transformers#usage", "org/m", None),
        ("org/m@refs/pr/3", "org/m", "refs/pr/3"),
        ("gpt2@main", "gpt2", "main"),
    ],
)
def test_hub_addresses_and_pinned_ids_name_a_repo(
    text: str, repo: str, revision: str | None
) -> None:
    assert hub_reference(text) == (repo, revision)
    target = classify(text)
    assert (target.text, target.kind, target.revision) == (repo, TargetKind.HUB_ID, revision)


@pytest.mark.parametrize(
    "text",
    [
        "https://huggingface.co/org/m/discussions/3",  # a page, not a repository
        "https://huggingface.co/",
        "https://example.org/org/m",
        "org/m@",  # no revision after the @
        "org/m@a b",
        "@org/m",
    ],
)
def test_what_is_not_a_repository_address_is_an_input_error(text: str) -> None:
    assert hub_reference(text) is None
    with pytest.raises(InputError):
        classify(text)


def test_a_plain_id_keeps_no_revision() -> None:
    assert classify("databricks/dolly-v2-12b").revision is None


def test_an_address_checks_offline_like_its_id() -> None:
    by_url = run("https://huggingface.co/databricks/dolly-v2-12b", "--offline", "--format", "json")
    by_id = run("databricks/dolly-v2-12b", "--offline", "--format", "json")
    assert by_url.exit_code == by_id.exit_code == 0
    assert one_report(by_url.stdout)["verdict"] == one_report(by_id.stdout)["verdict"]


@pytest.fixture
def hub() -> Iterator[FixtureHub]:
    server = FixtureHub(FIXTURES / "hub")
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("written", ["acme/merged-7b@{sha}", "hf.co/acme/merged-7b/tree/{sha}"])
def test_a_written_revision_pins_the_root(
    hub: FixtureHub, monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    sha = hub.sha("model", "acme/merged-7b")  # the fixture Hub serves the commits it has
    result = run(written.format(sha=sha), "--format", "json")
    assert result.exit_code in (0, 1), result.output
    assert one_report(result.stdout)["subject"]["id"] == "acme/merged-7b"
    assert hub.count(f"/api/models/acme/merged-7b/revision/{sha}") == 1


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("databricks/doly-v2-12b", "databricks/dolly-v2-12b"),  # a letter missing
        ("lmsys/vicuna-13b-v1.6", "lmsys/vicuna-13b-v1.5"),  # a version that does not exist
        ("databrick/dolly-v2-12b", "databricks/dolly-v2-12b"),  # the organisation misspelt
        ("gtp2", "openai-community/gpt2"),  # a legacy id, through its other id
        ("Luotou", "qychen/luotuo-lora-7b-0.1"),  # a project name
    ],
)
def test_close_matches_of_an_unknown_id(shipped_kb: KnowledgeBase, typo: str, meant: str) -> None:
    hits = suggest(shipped_kb, typo)
    assert meant in hits and len(hits) <= 3


def test_nothing_alike_suggests_nothing(shipped_kb: KnowledgeBase) -> None:
    assert suggest(shipped_kb, "zzzz/qqqq") == []
    assert did_you_mean(shipped_kb, "zzzz/qqqq") == ""
    assert did_you_mean(shipped_kb, "databricks/doly-v2-12b").startswith("; did you mean ")


def test_the_not_found_error_names_the_close_matches() -> None:
    result = run("databricks/doly-v2-12b", "--offline")
    assert result.exit_code == 3
    assert "did you mean databricks/dolly-v2-12b" in result.stderr
    assert result.stderr.count("\n") == 1  # still one line
