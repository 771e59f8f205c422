"""Offline (DESIGN §7): answers from what is already on the machine, this tool's cache and the
Hugging Face cache, before the knowledge base; each says where it came from and how old it is,
and a snapshot that lacks what the lineage hangs on fails closed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import hf_hub_download

from .conftest import FIXTURES, one_report, reports, run
from .hubserver import FixtureHub

PROSE = "faultlab/prose-llama-tune"  # not in the knowledge base; its card prose names LLaMA-13B
LORA = "faultlab/lora-on-llama"  # library_name: peft; its base only in adapter_config.json


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FixtureHub]:
    server = FixtureHub(FIXTURES / "hub")
    monkeypatch.setenv("HF_ENDPOINT", server.start())
    monkeypatch.setenv("MODEL_LICENSECHECK_CACHE", str(tmp_path / "ours"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    yield server
    server.stop()


def verdict(*args: str) -> tuple[int, dict[str, object]]:
    result = run(*args, "--format", "json")
    return result.exit_code, one_report(result.stdout) if result.stdout else {}


def notes(report: dict[str, object]) -> str:
    lineage = report["lineage"]
    assert isinstance(lineage, dict)
    return " ".join(lineage["notes"])


def test_offline_answers_from_licensecheck_cache(hub: FixtureHub) -> None:
    assert verdict(PROSE, "--offline")[0] == 3  # nothing on the machine knows it yet
    code, online = verdict(PROSE)
    assert (code, online["verdict"]["status"]) == (1, "prohibited")  # type: ignore[index]
    served = hub.count()
    code, offline = verdict(PROSE, "--offline")
    assert (code, offline["verdict"]["status"]) == (1, "prohibited")  # type: ignore[index]
    assert hub.count() == served  # no request
    assert "answered offline from licensecheck's cache (read 20" in notes(offline)


def download(hub: FixtureHub, tmp_path: Path, repo: str, *files: str) -> None:
    """Fill the Hugging Face cache as huggingface_hub itself does, from the fixture Hub."""
    for name in files:
        hf_hub_download(repo, name, cache_dir=tmp_path / "hf", endpoint=hub.url)


def test_offline_answers_from_a_hugging_face_cache_snapshot(
    hub: FixtureHub, tmp_path: Path
) -> None:
    download(hub, tmp_path, PROSE, "README.md")
    served = hub.count()
    code, report = verdict(PROSE, "--offline")
    assert hub.count() == served
    assert (code, report["verdict"]["status"]) == (1, "prohibited")  # type: ignore[index]
    assert "answered offline from the Hugging Face cache (snapshot" in notes(report)
    edges = report["lineage"]["edges"]  # type: ignore[index]
    ev = next(e for e in edges if e["to"] == "huggyllama/llama-13b")["evidence"][0]
    assert ev["location"].startswith(f"hf-cache:{PROSE}@")


def test_a_snapshot_without_the_adapter_config_fails_closed(
    hub: FixtureHub, tmp_path: Path
) -> None:
    download(hub, tmp_path, LORA, "README.md")  # the card says peft; the config is not there
    code, report = verdict(LORA, "--offline")
    assert (code, report["verdict"]["status"]) == (1, "unknown")  # type: ignore[index]
    root = next(n for n in report["lineage"]["nodes"] if n["id"] == LORA)  # type: ignore[index]
    assert "adapter_config.json is not in the Hugging Face cache" in " ".join(root["incomplete"])
    download(hub, tmp_path, LORA, "adapter_config.json")
    code, report = verdict(LORA, "--offline")
    assert report["verdict"]["status"] == "prohibited"  # type: ignore[index]


def test_audit_hf_cache_checks_every_cached_model(hub: FixtureHub, tmp_path: Path) -> None:
    download(hub, tmp_path, PROSE, "README.md")
    download(hub, tmp_path, "acme/tune-x", "README.md")
    result = run("audit", "--hf-cache", "--offline", "--format", "json")
    targets = {m["subject"]["target"]: m for m in reports(result.stdout)}
    assert set(targets) == {PROSE, "acme/tune-x"}
    assert targets[PROSE]["verdict"]["status"] == "prohibited"
    # acme/tune-x's base is in no cache and not in the knowledge base: fails closed
    assert targets["acme/tune-x"]["verdict"]["status"] == "unknown"
    assert result.exit_code == 1
