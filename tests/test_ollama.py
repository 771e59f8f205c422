"""Ollama models: a models tree laid out as Ollama writes it (manifests/HOST/NS/MODEL/TAG,
blobs/sha256-HEX), read through the manifest: the model layer's GGUF header, the license layers'
text, the Modelfile parameters; `audit --ollama`; bad trees are input errors."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import pytest

from model_licensecheck.errors import InputError
from model_licensecheck.model import KnownLicense, Relation, Status
from model_licensecheck.resolve.ollama import installed, parse_name

from .conftest import reports, run
from .ggufs import write_gguf

if TYPE_CHECKING:
    from pathlib import Path

    from model_licensecheck.checker import Checker

# Written for these tests: the first line is the license's title, as the real texts open.
LLAMA2_TEXT = (
    "LLAMA 2 COMMUNITY LICENSE AGREEMENT\n"
    "(A stand-in body for the tests: the title above is what identifies the license.)\n"
)
UNKNOWN_TEXT = "House terms of an imaginary model shop.\nUse it kindly.\n"


def _blob(models: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (models / "blobs").mkdir(parents=True, exist_ok=True)
    (models / "blobs" / f"sha256-{digest}").write_bytes(data)
    return f"sha256:{digest}"


def install(
    models: Path,
    name: str,
    gguf_keys: dict[str, object] | None = None,
    licenses: tuple[str, ...] = (LLAMA2_TEXT,),
    params: dict[str, object] | None = None,
    extra_layers: tuple[tuple[str, str], ...] = (),
    namespace: str = "library",
    tag: str = "latest",
) -> None:
    """Install a model as `ollama pull` lays it out: blobs named by digest, and a manifest."""
    gguf_path = write_gguf(models / "tmp.gguf", dict(gguf_keys or {}))
    layers = [{"mediaType": "application/vnd.ollama.image.model",
               "digest": _blob(models, gguf_path.read_bytes()), "size": 1}]  # fmt: skip
    gguf_path.unlink()
    for text in licenses:
        layers.append({"mediaType": "application/vnd.ollama.image.license",
                       "digest": _blob(models, text.encode()), "size": len(text)})  # fmt: skip
    if params is not None:
        data = json.dumps(params).encode()
        layers.append({"mediaType": "application/vnd.ollama.image.params",
                       "digest": _blob(models, data), "size": len(data)})  # fmt: skip
    for media, digest in extra_layers:
        layers.append({"mediaType": media, "digest": digest, "size": 1})
    config = _blob(models, b'{"model_format":"gguf","file_type":"Q4_0"}')
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "digest": config, "size": 1},
        "layers": layers,
    }  # fmt: skip
    where = models / "manifests" / "registry.ollama.ai" / namespace / name
    where.mkdir(parents=True, exist_ok=True)
    (where / tag).write_text(json.dumps(manifest))


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ollama-models"
    (folder / "manifests").mkdir(parents=True)
    monkeypatch.setenv("OLLAMA_MODELS", str(folder))
    return folder


def test_names_take_ollamas_defaults() -> None:
    assert parse_name("llama2") == ("registry.ollama.ai", "library", "llama2", "latest")
    assert parse_name("me/tuned:7b-q4") == ("registry.ollama.ai", "me", "tuned", "7b-q4")
    assert parse_name("host.example:5000/ns/m:v1").host == "host.example:5000"
    assert parse_name("llama2:13b").short == "llama2:13b"
    for bad in ("../../etc/passwd", "a/b/c/d", "ns.with.dots/m", "m:../x", "", "-m"):
        with pytest.raises(InputError, match="not a valid Ollama model name"):
            parse_name(bad)


def test_the_license_layer_is_mapped_by_its_title(models: Path, offline_checker: Checker) -> None:
    # Older library models carry no license key in the GGUF: the license layer says it.
    install(models, "llama2", {"general.name": "LLaMA v2"}, params={"stop": ["[INST]"]})
    result = offline_checker.check("ollama:llama2")
    assert result.lineage.root == "ollama:llama2:latest"
    own = result.lineage.nodes["ollama:llama2:latest"].license
    assert isinstance(own, KnownLicense) and own.id == "LicenseRef-Llama-2-Community"
    assert own.matched_by == "license_file"
    assert own.evidence.location.startswith("ollama:llama2:latest blob sha256-")
    assert result.verdict.status is Status.CONDITIONAL
    assert any("Modelfile parameters: stop" in n for n in result.lineage.notes)


def test_gguf_lineage_and_a_conflicting_header_license(
    models: Path, offline_checker: Checker
) -> None:
    # A namespaced model whose GGUF claims apache-2.0 on Llama 2 weights and ships no
    # recognisable license text: the header's claim conflicts with its source.
    install(
        models, "tuned",
        {"general.license": "apache-2.0",
         "general.source.repo_url": "https://huggingface.co/meta-llama/Llama-2-7b-hf"},
        licenses=(UNKNOWN_TEXT,), namespace="someone", tag="q4",
    )  # fmt: skip
    result = offline_checker.check("ollama:someone/tuned:q4")
    root = "ollama:someone/tuned:q4"
    assert {(e.child, e.parent, e.relation) for e in result.lineage.edges} == {
        (root, "meta-llama/Llama-2-7b-hf", Relation.QUANTIZED)
    }
    assert "license-conflict" in {c.id for c in result.verdict.conditions}
    edge_ev = result.lineage.edges[0].evidence[0].location
    assert edge_ev.startswith(f"{root} blob sha256-") and edge_ev.endswith(
        ":general.source.repo_url"
    )


def test_the_stricter_of_header_and_license_layer_is_used(
    models: Path, offline_checker: Checker
) -> None:
    install(models, "mixed", {"general.license": "mit"})
    result = offline_checker.check("ollama:mixed")
    own = result.lineage.nodes["ollama:mixed:latest"].license
    assert isinstance(own, KnownLicense) and own.id == "LicenseRef-Llama-2-Community"
    assert any("the verdict uses the stricter" in n for n in result.lineage.notes)


def test_no_license_anywhere_is_unknown(models: Path, offline_checker: Checker) -> None:
    install(models, "bare", {}, licenses=())
    result = offline_checker.check("ollama:bare")
    assert result.verdict.status is Status.UNKNOWN
    assert any("no license layer" in n for n in result.lineage.notes)


def test_an_adapter_layer_keeps_the_verdict_from_allowed(
    models: Path, offline_checker: Checker
) -> None:
    adapter = _blob(models, b"adapter weights")
    install(
        models, "adapted",
        {"general.license": "apache-2.0",
         "general.source.url": "https://huggingface.co/mistralai/Mistral-7B-v0.1"},
        licenses=(),
        extra_layers=(("application/vnd.ollama.image.adapter", adapter),),
    )  # fmt: skip
    result = offline_checker.check("ollama:adapted")
    assert result.verdict.status is Status.UNKNOWN
    assert ("ollama:adapted:latest#adapter-1", Relation.ADAPTER) in {
        (e.parent, e.relation) for e in result.lineage.edges
    }


def test_audit_ollama_checks_every_installed_model(models: Path) -> None:
    install(models, "llama2", {})
    install(models, "llama2", {}, tag="13b")
    install(models, "bare", {}, licenses=(), namespace="someone")
    expected = ["ollama:llama2:13b", "ollama:llama2:latest", "ollama:someone/bare:latest"]
    assert installed() == expected
    result = run("audit", "--ollama", "--offline", "--format", "json")
    assert result.exit_code == 1  # someone/bare declares no license anywhere: unknown
    checked = reports(result.stdout)
    assert [m["subject"]["target"] for m in checked] == expected
    assert [m["verdict"]["status"] for m in checked] == [
        "conditional",
        "conditional",
        "unknown",
    ]
    verdicts = json.loads(result.stdout)["summary"]["verdicts"]
    assert verdicts == {"allowed": 0, "conditional": 2, "unknown": 1, "prohibited": 0, "error": 0}


def test_audit_needs_a_manifest_or_ollama() -> None:
    result = run("audit", "--offline")
    assert result.exit_code == 2
    assert "give a MANIFEST, --ollama, --hf-cache, or several" in result.stderr


@pytest.mark.parametrize(
    ("setup", "target", "message"),
    [
        ("none", "ollama:llama2", "no Ollama models folder here"),
        ("empty", "ollama:llama2", "ollama:llama2:latest: not installed (no manifest at"),
        ("missing-blob", "ollama:llama2", "license layer points at a missing blob"),
        ("bad-manifest", "ollama:llama2", "manifest: not valid JSON"),
        ("not-gguf", "ollama:llama2", "not a GGUF file"),
        ("empty", "ollama:../../x", "not a valid Ollama model name"),
    ],
)
def test_bad_trees_are_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setup: str, target: str, message: str
) -> None:
    folder = tmp_path / "models"
    monkeypatch.setenv("OLLAMA_MODELS", str(folder))
    if setup != "none":
        (folder / "manifests").mkdir(parents=True)
    if setup == "missing-blob":
        install(folder, "llama2", {})
        for blob in (folder / "blobs").iterdir():
            if blob.read_bytes() == LLAMA2_TEXT.encode():
                blob.unlink()
    if setup == "bad-manifest":
        install(folder, "llama2", {})
        (folder / "manifests/registry.ollama.ai/library/llama2/latest").write_text("{nope")
    if setup == "not-gguf":
        install(folder, "llama2", {})
        for blob in (folder / "blobs").iterdir():
            if blob.read_bytes().startswith(b"GGUF"):
                blob.write_bytes(b"\x00" * 64)
    result = run(target, "--offline")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_audit_ollama_without_a_models_folder_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path / "nowhere"))
    result = run("audit", "--ollama", "--offline")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"licensecheck: error: {tmp_path / 'nowhere'}: no Ollama models folder here (no "
        "manifests/ inside; set OLLAMA_MODELS)"
    ]


def test_a_projector_layer_is_weights_of_unknown_license(
    models: Path, offline_checker: Checker
) -> None:
    projector = _blob(models, b"GGUF projector")
    install(models, "vision", {"general.source.url": "https://huggingface.co/mistralai/Mistral-7B-v0.1",
                               "general.license": "apache-2.0"}, licenses=(),
            extra_layers=(("application/vnd.ollama.image.projector", projector),))  # fmt: skip
    result = offline_checker.check("ollama:vision")
    assert result.verdict.status is Status.UNKNOWN
    assert ("ollama:vision:latest#projector-1", Relation.MERGE) in {
        (e.parent, e.relation) for e in result.lineage.edges
    }


def test_a_manifest_with_too_many_layers_is_refused(models: Path) -> None:
    install(models, "many", {})
    path = models / "manifests/registry.ollama.ai/library/many/latest"
    data = json.loads(path.read_text())
    data["layers"] *= 100
    path.write_text(json.dumps(data))
    result = run("ollama:many", "--offline")
    assert result.exit_code == 2
    assert "layers (more than 64); refused" in result.stderr
