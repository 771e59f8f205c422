"""The fault suite: every fault the fixture Hub injects, on the root and on an ancestor, through
the command line; each ends in the right exit code, and none ever yields `allowed`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from .conftest import FIXTURES, run
from .hubserver import FAULT_KINDS, Fault, FixtureHub

ROOT, ANCESTOR = "acme/tune-x", "acme/base-x"  # neither is in the knowledge base


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FixtureHub]:
    server = FixtureHub(FIXTURES / "hub", timeout_sleep=1.0)
    monkeypatch.setenv("HF_ENDPOINT", server.start())
    monkeypatch.setenv("MODEL_LICENSECHECK_HUB_TIMEOUT", "0.3")
    monkeypatch.setenv("MODEL_LICENSECHECK_HUB_RETRIES", "1")
    monkeypatch.setenv("MODEL_LICENSECHECK_HUB_BACKOFF", "0.01")
    yield server
    server.stop()


def test_without_faults_the_pair_is_allowed(hub: FixtureHub) -> None:
    result = run(ROOT, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"]["status"] == "allowed"


ROOT_EXIT = {"404": 2, "gated": 3, "500": 3, "503": 3, "429": 3, "timeout": 3, "truncated": 3,
             "reset": 3}  # fmt: skip


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_fault_on_the_root(hub: FixtureHub, kind: str) -> None:
    hub.faults[ROOT] = Fault(kind, only="api")
    result = run(ROOT, "--format", "json")
    assert result.exit_code == ROOT_EXIT[kind], result.output
    assert result.stdout == ""
    assert ROOT in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    if kind == "gated":
        assert "HF_TOKEN" in result.stderr


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_fault_on_an_ancestor_never_yields_allowed(hub: FixtureHub, kind: str) -> None:
    hub.faults[ANCESTOR] = Fault(kind, only="api")
    result = run(ROOT, "--format", "json")
    report = json.loads(result.stdout)
    assert report["verdict"]["status"] == "unknown"
    assert result.exit_code == 1
    node = next(n for n in report["lineage"]["nodes"] if n["id"] == ANCESTOR)
    assert node["license"]["id"] is None
    # everything else was still resolved and reported
    root = next(n for n in report["lineage"]["nodes"] if n["id"] == ROOT)
    assert root["license"]["id"] == "Apache-2.0"


@pytest.mark.parametrize("kind", ["500", "503", "429", "truncated", "reset"])
def test_a_passing_fault_is_retried_and_recovers(hub: FixtureHub, kind: str) -> None:
    hub.faults[ANCESTOR] = Fault(kind, times=1, only="api")
    result = run(ROOT, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"]["status"] == "allowed"


def test_fault_on_the_card_file_keeps_the_metadata(hub: FixtureHub) -> None:
    hub.faults[ANCESTOR] = Fault("500", only="file")
    result = run(ROOT, "--format", "json")
    report = json.loads(result.stdout)
    node = next(n for n in report["lineage"]["nodes"] if n["id"] == ANCESTOR)
    assert node["license"]["id"] == "Apache-2.0"  # from the metadata API's card data
    assert any("README.md) could not be read" in n for n in report["lineage"]["notes"])


def test_bad_timeout_knob_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL_LICENSECHECK_HUB_TIMEOUT", "soon")
    result = run("databricks/dolly-v2-12b")
    assert result.exit_code == 2
    assert "MODEL_LICENSECHECK_HUB_TIMEOUT" in result.stderr
