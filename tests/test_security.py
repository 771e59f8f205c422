"""What the tool trusts and what it does not: no code execution path, no token in any output,
a size cap on what it downloads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from model_licensecheck.report.interface import Format

from .conftest import FIXTURES, run
from .hubserver import FixtureHub

SRC = Path(__file__).resolve().parents[1] / "src" / "model_licensecheck"
TOKEN = "hf_fixture_secret_token_123"  # noqa: S105 - the fixture Hub's gated-repo token


def test_no_code_execution_path_in_the_source() -> None:
    forbidden = {
        r"\byaml\.load\(": "yaml.load (only the safe loader is used)",
        r"\byaml\.unsafe_load|\bUnsafeLoader|\bFullLoader": "unsafe YAML loaders",
        r"\bpickle\b|\bmarshal\.loads|\bshelve\b": "pickle-like deserialisation",
        r"\beval\(|\bexec\(": "eval/exec",
        r"\bsubprocess\b|\bos\.system\(|\bos\.popen\(": "running commands",
        r"trust_remote_code|from_pretrained|torch\.load|snapshot_download": "loading models",
    }
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern, what in forbidden.items():
            assert not re.search(pattern, text), f"{path.name}: {what}"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FixtureHub]:
    server = FixtureHub(FIXTURES / "hub")
    monkeypatch.setenv("HF_ENDPOINT", server.start())
    yield server
    server.stop()


def test_a_planted_token_appears_in_no_output(
    hub: FixtureHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    cache = tmp_path / "cache"
    monkeypatch.setenv("MODEL_LICENSECHECK_CACHE", str(cache))
    out = tmp_path / "reports"
    args = ["acme/quant-of-gated", "-o", str(out)]
    for fmt in Format:
        args += ["--format", fmt.value]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert hub.count("/meta-llama/Llama-2-7b-hf/resolve/") > 0  # the token opened the gate
    texts = [result.output, *(p.read_text() for p in out.iterdir())]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in cache.rglob("*") if p.is_file()]
    assert len(texts) >= len(Format) + 2
    for text in texts:
        assert TOKEN not in text
    # and the error path: a gated root refused even with the token does not print it
    monkeypatch.setenv("HF_TOKEN", TOKEN + "-wrong")
    refused = run("meta-llama/Llama-2-7b-hf", "--refresh")
    assert TOKEN not in refused.output


def test_downloads_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "hub"
    repo = root / "models" / "big" / "card"
    repo.mkdir(parents=True)
    (repo / "README.md").write_text("---\nlicense: mit\n---\n" + "x" * (6 * 1024 * 1024))
    server = FixtureHub(root)
    monkeypatch.setenv("HF_ENDPOINT", server.start())
    try:
        result = run("big/card", "--format", "json")
    finally:
        server.stop()
    assert "larger than" in result.output  # the card was refused; the metadata API answered
