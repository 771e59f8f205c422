"""Model folders from other tools: GGUF files inside a folder, `.safetensors` `__metadata__`
(ModelSpec, kohya, MLX), LM Studio's models/PUBLISHER/REPO layout; headers only, never weights."""

from __future__ import annotations

import json
import struct
from typing import TYPE_CHECKING

import pytest

from model_licensecheck.batch import read_manifest
from model_licensecheck.errors import InputError
from model_licensecheck.model import Confidence, KnownLicense, Relation, Status
from model_licensecheck.resolve.safetensors import MAX_HEADER_BYTES, read_metadata

from .conftest import run
from .ggufs import write_gguf

if TYPE_CHECKING:
    from pathlib import Path

    from model_licensecheck.checker import Checker

MISTRAL = "mistralai/Mistral-7B-v0.1"


def write_safetensors(path: Path, metadata: dict[str, str] | None = None) -> Path:
    """A real safetensors file: the 8-byte header length, the JSON header, one 2x2 f32 tensor."""
    header: dict[str, object] = {
        "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
    }
    if metadata is not None:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * 16)
    return path


def test_a_folder_of_ggufs_reads_their_headers(tmp_path: Path, offline_checker: Checker) -> None:
    folder = tmp_path / "mistral-gguf"
    folder.mkdir()
    keys = {
        "general.license": "apache-2.0",
        "general.source.url": f"https://huggingface.co/{MISTRAL}",
    }
    write_gguf(folder / "m.Q4_K_M.gguf", keys)
    write_gguf(folder / "m.Q8_0-00001-of-00002.gguf", keys)
    (folder / "m.Q8_0-00002-of-00002.gguf").write_bytes(b"GGUF-not-read")  # later shard
    result = offline_checker.check(str(folder))
    assert result.verdict.status is Status.ALLOWED
    (edge,) = result.lineage.edges
    assert (edge.parent, edge.relation) == (MISTRAL, Relation.QUANTIZED)
    locations = sorted(ev.location for ev in edge.evidence)
    assert locations == [
        f"{folder}/m.Q4_K_M.gguf:general.source.url",
        f"{folder}/m.Q8_0-00001-of-00002.gguf:general.source.url",
    ]


def test_the_stricter_of_card_and_gguf_license_is_used(
    tmp_path: Path, offline_checker: Checker
) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "README.md").write_text(f"---\nlicense: apache-2.0\nbase_model: {MISTRAL}\n---\n")
    write_gguf(folder / "m.gguf", {"general.license": "cc-by-nc-4.0"})
    result = offline_checker.check(str(folder))
    own = result.lineage.nodes[str(folder)].license
    assert isinstance(own, KnownLicense) and own.id == "CC-BY-NC-4.0"
    assert result.verdict.status is Status.PROHIBITED
    assert any("the verdict uses the stricter, CC-BY-NC-4.0" in n for n in result.lineage.notes)


def test_safetensors_modelspec_names_license_and_merge_sources(
    tmp_path: Path, offline_checker: Checker
) -> None:
    folder = tmp_path / "merged"
    folder.mkdir()
    write_safetensors(
        folder / "model.safetensors",
        {"modelspec.sai_model_spec": "1.0.0", "modelspec.title": "Our Merge",
         "modelspec.license": "apache-2.0",
         "modelspec.merged_from": f"{MISTRAL}, Some Private Model"},
    )  # fmt: skip
    result = offline_checker.check(str(folder))
    own = result.lineage.nodes[str(folder)].license
    assert isinstance(own, KnownLicense) and own.id == "Apache-2.0"
    assert own.evidence.location == f"{folder}/model.safetensors:modelspec.license"
    merged = {e.parent: e for e in result.lineage.edges}
    assert set(merged) == {MISTRAL, "Some Private Model"}
    assert all(e.relation is Relation.MERGE for e in merged.values())
    assert merged[MISTRAL].evidence[0].confidence is Confidence.INFERRED
    assert result.verdict.status is Status.UNKNOWN  # the private model is not known


def test_a_kohya_lora_names_its_base(tmp_path: Path, offline_checker: Checker) -> None:
    folder = tmp_path / "lora"
    folder.mkdir()
    write_safetensors(folder / "lora.safetensors",
                      {"ss_sd_model_name": "base-of-mine.safetensors",
                       "ss_network_module": "networks.lora"})  # fmt: skip
    result = offline_checker.check(str(folder))
    (edge,) = result.lineage.edges
    assert (edge.parent, edge.relation) == ("base-of-mine.safetensors", Relation.ADAPTER)
    assert result.verdict.status is Status.UNKNOWN


def test_an_mlx_folder(tmp_path: Path, offline_checker: Checker) -> None:
    folder = tmp_path / "mistral-4bit-mlx"
    folder.mkdir()
    (folder / "README.md").write_text(
        f"---\nlicense: apache-2.0\nbase_model: {MISTRAL}\ntags: [mlx]\n---\n"
    )
    config = {"model_type": "mistral", "quantization": {"bits": 4, "group_size": 64}}
    (folder / "config.json").write_text(json.dumps(config))
    write_safetensors(folder / "model.safetensors", {"format": "mlx"})
    result = offline_checker.check(str(folder))
    assert [e.parent for e in result.lineage.edges] == [MISTRAL]
    assert any("an MLX folder" in n for n in result.lineage.notes)
    assert result.verdict.status is Status.ALLOWED


def test_an_lm_studio_folder_is_a_download_of_its_hub_repo(
    tmp_path: Path, offline_checker: Checker
) -> None:
    folder = tmp_path / ".lmstudio" / "models" / "mistralai" / "Mistral-7B-v0.1"
    folder.mkdir(parents=True)
    write_gguf(folder / "model.Q4_K_M.gguf", {"general.license": "apache-2.0"})
    result = offline_checker.check(str(folder))
    (edge,) = result.lineage.edges
    assert (edge.parent, edge.relation) == (MISTRAL, Relation.QUANTIZED)
    assert edge.evidence[0].confidence is Confidence.INFERRED
    # The same layout anywhere else says nothing about a Hub repo.
    other = tmp_path / "elsewhere" / "models" / "mistralai" / "Mistral-7B-v0.1"
    other.mkdir(parents=True)
    write_gguf(other / "model.gguf", {"general.license": "apache-2.0"})
    assert offline_checker.check(str(other)).lineage.edges == ()


def test_audit_finds_folders_that_hold_only_weight_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    write_gguf(tmp_path / "a" / "a.gguf", {})
    (tmp_path / "b").mkdir()
    write_safetensors(tmp_path / "b" / "model.safetensors")
    (tmp_path / "c").mkdir()  # nothing to read
    assert [e.target for e in read_manifest(tmp_path)] == [str(tmp_path / "a"), str(tmp_path / "b")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x01\x00", "shorter than its header"),
        (struct.pack("<Q", 2**60) + b"{}", "claims 1152921504606846976 bytes"),
        (struct.pack("<Q", MAX_HEADER_BYTES + 1) + b"{" * 64, "refused as malformed"),
        (struct.pack("<Q", 4) + b"\xff\xfe{}", "its header is not JSON"),
        (struct.pack("<Q", 2) + b"[]", "not a JSON object"),
        (struct.pack("<Q", 26) + b'{"__metadata__": {"a": 1}}', "must map names to strings"),
    ],
)
def test_broken_safetensors_headers_are_input_errors(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_metadata(str(path), "bad.safetensors")


def test_a_broken_weight_file_in_a_folder_exits_2(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("---\nlicense: mit\n---\n")
    (tmp_path / "model.gguf").write_bytes(b"GGUF\x03\x00\x00\x00")
    result = run(str(tmp_path), "--offline")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"licensecheck: error: {tmp_path}/model.gguf: truncated GGUF header (a field at byte 8 "
        "runs past the end of the file)"
    ]
