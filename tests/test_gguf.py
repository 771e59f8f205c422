"""GGUF files: the header's keys become license, lineage and evidence; hostile headers are
refused within bounds; what an older header lacks keeps the verdict from `allowed`."""

from __future__ import annotations

import contextlib
import struct
from typing import TYPE_CHECKING

import gguf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model_licensecheck.errors import InputError
from model_licensecheck.model import Confidence, KnownLicense, Relation, Status
from model_licensecheck.resolve.gguf import MAX_ITEMS, read_header
from model_licensecheck.resolve.local import TargetKind, classify

from .conftest import run
from .ggufs import write_gguf

if TYPE_CHECKING:
    from pathlib import Path

    from model_licensecheck.checker import Checker
    from model_licensecheck.kb.loader import KnowledgeBase
    from model_licensecheck.model import CheckResult

LLAMA2 = "meta-llama/Llama-2-7b-hf"
LLAMA2_URL = f"https://huggingface.co/{LLAMA2}"


def _edges(result: CheckResult) -> dict[tuple[str, str], Relation]:
    return {(e.child, e.parent): e.relation for e in result.lineage.edges}


def test_a_gguf_is_its_own_target_kind(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "m.Q4_K_M.gguf")
    assert classify(str(path)).kind is TargetKind.GGUF
    with pytest.raises(InputError, match="no such file"):
        classify("missing-model.gguf")


def test_the_reader_agrees_with_the_gguf_library(tmp_path: Path) -> None:
    keys = {
        "general.name": "Tiny",
        "general.license": "mit",
        "general.file_type": 15,
        "general.base_model.count": 1,
        "general.base_model.0.repo_url": LLAMA2_URL,
        "general.tags": ["a", "b"],
    }
    path = write_gguf(tmp_path / "m.gguf", keys, vocab=300)
    header = read_header(str(path), "m.gguf")
    reader = gguf.GGUFReader(str(path))
    for key in ("general.name", "general.license", "general.base_model.0.repo_url"):
        assert header.metadata[key] == reader.fields[key].contents()
    assert header.metadata["general.file_type"] == reader.fields["general.file_type"].contents()
    assert header.tensor_count == len(reader.tensors) == 1
    assert "general.tags" not in header.metadata  # arrays are skipped, not kept


def test_big_endian_files_read_the_same(tmp_path: Path) -> None:
    keys = {"general.license": "apache-2.0", "general.file_type": 7}
    little = read_header(str(write_gguf(tmp_path / "le.gguf", keys)), "le")
    big = read_header(str(write_gguf(tmp_path / "be.gguf", keys, big_endian=True)), "be")
    assert little.metadata == big.metadata
    assert big.metadata["general.file_type"] == 7


def test_llama2_weights_under_a_declared_apache_license_conflict(
    tmp_path: Path, offline_checker: Checker
) -> None:
    path = write_gguf(
        tmp_path / "llama2-chat.Q4_K_M.gguf",
        {
            "general.name": "Llama 2 Chat Tiny",
            "general.license": "apache-2.0",
            "general.source.repo_url": LLAMA2_URL,
            "general.file_type": 15,
            "general.quantized_by": "someone",
        },
    )
    result = offline_checker.check(str(path))
    root = result.lineage.root
    assert _edges(result) == {(root, LLAMA2): Relation.QUANTIZED}
    conflict = [f for f in result.findings if f.rule_id == "license-conflict-weights"]
    assert conflict and conflict[0].ancestor == LLAMA2
    assert result.verdict.status is Status.CONDITIONAL
    assert "license-conflict" in {c.id for c in result.verdict.conditions}
    own = result.lineage.nodes[root].license
    assert isinstance(own, KnownLicense) and own.id == "Apache-2.0"
    assert own.evidence.location == f"{path}:general.license"
    edge = result.lineage.edges[0]
    assert edge.evidence[0].location == f"{path}:general.source.repo_url"
    notes = " ".join(result.lineage.notes)
    assert "quantization Q4_K_M" in notes and "quantized by someone" in notes


def test_base_models_and_datasets_hang_off_the_source_repo(
    tmp_path: Path, offline_checker: Checker
) -> None:
    path = write_gguf(
        tmp_path / "dolly.gguf",
        {
            "general.license": "mit",
            "general.source.huggingface.repository": "databricks/dolly-v2-12b",
            "general.base_model.count": 1,
            "general.base_model.0.name": "Pythia 12b",
            "general.base_model.0.organization": "EleutherAI",
            "general.dataset.count": 1,
            "general.dataset.0.repo_url": "https://huggingface.co/datasets/databricks/databricks-dolly-15k",
        },
    )
    result = offline_checker.check(str(path))
    edges = _edges(result)
    root = result.lineage.root
    assert edges[(root, "databricks/dolly-v2-12b")] is Relation.QUANTIZED
    assert edges[("databricks/dolly-v2-12b", "EleutherAI/pythia-12b")] is Relation.FINETUNE
    assert edges[("databricks/dolly-v2-12b", "databricks/databricks-dolly-15k")] is (
        Relation.TRAINED_ON
    )
    by_pair = {(e.child, e.parent): e for e in result.lineage.edges}
    base = by_pair[("databricks/dolly-v2-12b", "EleutherAI/pythia-12b")]
    gguf_ev = [ev for ev in base.evidence if ev.location.startswith(str(path))]
    assert gguf_ev[0].location == f"{path}:general.base_model.0.name"
    assert gguf_ev[0].confidence is Confidence.INFERRED  # a display name, not a repo address
    data = by_pair[("databricks/dolly-v2-12b", "databricks/databricks-dolly-15k")]
    assert any(ev.location == f"{path}:general.dataset.0.repo_url" for ev in data.evidence)
    assert result.verdict.status is Status.ALLOWED


def test_license_other_maps_through_its_name(tmp_path: Path, offline_checker: Checker) -> None:
    path = write_gguf(
        tmp_path / "m.gguf",
        {
            "general.license": "other",
            "general.license.name": "llama2",
            "general.source.url": LLAMA2_URL,
        },
    )
    own = offline_checker.check(str(path)).lineage.nodes[str(path)].license
    assert isinstance(own, KnownLicense) and own.id == "LicenseRef-Llama-2-Community"
    assert own.matched_by == "license_name"


def test_an_address_in_the_license_key_maps_as_a_link(
    tmp_path: Path, offline_checker: Checker
) -> None:
    path = write_gguf(tmp_path / "m.gguf", {"general.license": "https://ai.meta.com/llama/license/",
                                             "general.source.url": LLAMA2_URL})  # fmt: skip
    own = offline_checker.check(str(path)).lineage.nodes[str(path)].license
    assert isinstance(own, KnownLicense) and own.id == "LicenseRef-Llama-2-Community"
    assert own.matched_by == "license_link"


def test_an_older_gguf_without_license_or_lineage_keys_is_unknown(
    tmp_path: Path, offline_checker: Checker
) -> None:
    path = write_gguf(tmp_path / "old.gguf", {"general.name": "some-private-model"})
    result = offline_checker.check(str(path))
    assert result.verdict.status is Status.UNKNOWN
    assert "no license is declared" in result.verdict.summary
    notes = " ".join(result.lineage.notes)
    assert "general.license" in notes and "general.source.url" in notes
    assert "general.base_model.*" in notes


def test_a_header_with_only_a_license_is_judged_like_a_card_that_names_no_base(
    tmp_path: Path, offline_checker: Checker
) -> None:
    # The header's license is the converter's copy of the card's; with no source or base
    # recorded it stands alone, as a card's does, and the notes say what is missing.
    path = write_gguf(tmp_path / "m.gguf", {"general.license": "cc-by-nc-4.0"})
    result = offline_checker.check(str(path))
    assert result.lineage.edges == ()
    assert result.verdict.status is Status.PROHIBITED
    notes = " ".join(result.lineage.notes)
    assert "neither the repository" in notes and "general.base_model.*" in notes


def test_an_older_gguf_falls_back_to_its_name(tmp_path: Path, offline_checker: Checker) -> None:
    path = write_gguf(
        tmp_path / "old.gguf", {"general.name": "Mistral 7B", "general.license": "apache-2.0"}
    )
    result = offline_checker.check(str(path))
    (edge,) = result.lineage.edges
    assert edge.parent == "mistralai/Mistral-7B-v0.1"
    assert edge.evidence[0].confidence is Confidence.INFERRED
    assert edge.evidence[0].location == f"{path}:general.name"
    assert result.verdict.status is Status.ALLOWED


def test_a_gguf_without_a_license_inherits_its_quantized_source(
    tmp_path: Path, offline_checker: Checker
) -> None:
    """DESIGN §4: a quantization that declares no license carries its parent's, and says so;
    with a source whose license is unknown it stays unknown."""
    path = write_gguf(
        tmp_path / "m.gguf",
        {"general.source.url": "https://huggingface.co/mistralai/Mistral-7B-v0.1"},
    )
    result = offline_checker.check(str(path))
    assert result.verdict.status is Status.ALLOWED
    inherited = [f for f in result.findings if f.rule_id == "builtin-license-inherited"]
    assert [(f.ancestor, f.license_id) for f in inherited] == [(str(path), "Apache-2.0")]
    unknown = write_gguf(
        tmp_path / "u.gguf",
        {"general.source.url": "https://huggingface.co/someone/never-heard-of-it"},
    )
    assert offline_checker.check(str(unknown)).verdict.status is Status.UNKNOWN


# -- bad input -------------------------------------------------------------------------------


def _header(kv_count: int, body: bytes = b"", version: int = 3) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, 0, kv_count) + body


def _key(name: str) -> bytes:
    return struct.pack("<Q", len(name)) + name.encode()


def _str(name: str, length: int, body: bytes = b"") -> bytes:
    return _header(1, _key(name) + struct.pack("<IQ", 8, length) + body)


def _arr(item_type: int, count: int, body: bytes = b"") -> bytes:
    return _header(1, _key("t") + struct.pack("<IIQ", 9, item_type, count) + body)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a GGUF file"),
        (b"PK\x03\x04 a zip file", "not a GGUF file"),
        (b"GGUF\x01", "truncated"),
        (_header(1, version=1), "version 1 is not supported"),
        (_header(1, version=7), "unknown GGUF version 7"),
        (_header(2**40), "metadata keys"),
        (_header(1, struct.pack("<Q", 2**62)), "bytes in a key"),
        (_str("general.name", 2**50), "bytes in a string"),
        (_str("general.name", 1000, b"x" * 10), "truncated"),
        (_str("general.name", 70_000, b"x" * 70_000), "70000-byte value"),
        (_arr(8, MAX_ITEMS + 1), "array items"),
        (_arr(0, 2**20), "truncated"),
        (_arr(8, 3, struct.pack("<Q", 2**40)), "truncated"),
        (_header(1, _key("t") + struct.pack("<I", 99)), "unknown GGUF value type 99"),
        (_arr(9, 1, struct.pack("<IQ", 9, 1) * 5), "nested too deep"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)  # fmt: skip
def test_hostile_and_broken_headers_are_input_errors(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_header(str(path), "bad.gguf")


def test_every_truncation_of_a_real_file_is_an_input_error(tmp_path: Path) -> None:
    keys = {"general.license": "mit", "general.base_model.count": 1,
            "general.base_model.0.repo_url": LLAMA2_URL}  # fmt: skip
    data = write_gguf(tmp_path / "m.gguf", keys).read_bytes()
    whole = read_header(str(tmp_path / "m.gguf"), "m")
    cut = tmp_path / "cut.gguf"
    kv_end = len(data) - 64  # the tensor info and data: the reader never looks at them
    for n in range(0, kv_end, 7):
        cut.write_bytes(data[:n])
        try:
            header = read_header(str(cut), "cut.gguf")
        except InputError:
            continue
        assert header == whole, n  # a prefix that reads at all holds the whole key section


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_after_the_magic_end_in_a_header_or_an_input_error(
    tmp_path_factory: pytest.TempPathFactory, tail: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.gguf"
    path.write_bytes(b"GGUF" + tail)
    with contextlib.suppress(InputError):
        read_header(str(path), "f.gguf")


def test_the_cli_says_one_line_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_text("not a model\n")
    result = run(str(path), "--offline")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"licensecheck: error: {path}: not a GGUF file (it does not start with 'GGUF')"
    ]


def test_sarif_points_at_the_gguf_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline_checker: Checker
) -> None:
    from model_licensecheck.report.sarif import location

    monkeypatch.chdir(tmp_path)
    write_gguf(tmp_path / "m.gguf", {"general.license": "apache-2.0",
                                      "general.source.url": LLAMA2_URL})  # fmt: skip
    result = offline_checker.check("m.gguf")
    finding = next(f for f in result.findings if f.rule_id == "license-conflict-weights")
    assert location(result, finding) == {
        "physicalLocation": {"artifactLocation": {"uri": "m.gguf", "uriBaseId": "%SRCROOT%"}}
    }


@pytest.mark.parametrize(
    ("text", "dataset", "expected"),
    [
        ("meta-llama/Llama-2-7b-hf", False, "meta-llama/Llama-2-7b-hf"),
        (LLAMA2_URL, False, "meta-llama/Llama-2-7b-hf"),
        (LLAMA2_URL + "/tree/main", False, "meta-llama/Llama-2-7b-hf"),
        ("https://hf.co/org/name.git", False, "org/name"),
        ("https://huggingface.co/datasets/org/data", True, "org/data"),
        ("https://huggingface.co/datasets/org/data", False, None),
        (LLAMA2_URL, True, None),
        ("https://huggingface.co/spaces/org/demo", False, None),
        ("https://github.com/org/name", False, None),
        ("Llama 2 7b Hf", False, None),
        ("https://huggingface.co/org", False, None),
    ],
)
def test_hub_ids_from_header_values(text: str, dataset: bool, expected: str | None) -> None:
    from model_licensecheck.resolve.gguf import hub_id_of

    assert hub_id_of(text, dataset) == expected


# -- fuzzing (slow: 10,000 examples each, as tests/test_fuzz.py does for the other parsers) --

_KEYS = [
    "general.license", "general.license.name", "general.license.link", "general.name",
    "general.source.url", "general.source.repo_url", "general.source.huggingface.repository",
    "general.base_model.count", "general.base_model.0.repo_url", "general.base_model.0.name",
    "general.base_model.0.organization", "general.dataset.count", "general.dataset.0.repo_url",
    "general.dataset.1.name", "general.file_type", "general.quantized_by", "tokenizer.x",
]  # fmt: skip
_SAMPLES = ["mit", "other", "llama2", LLAMA2_URL, "a/b", "", "Llama 2 7b Hf",
            "https://huggingface.co/datasets/x/y"]  # fmt: skip
_TEXTS = st.sampled_from(_SAMPLES) | st.text(max_size=20)


@st.composite
def _kv(draw: st.DrawFn) -> bytes:
    key = draw(st.sampled_from(_KEYS) | st.text(max_size=12)).encode()
    out = struct.pack("<Q", len(key)) + key
    vtype = draw(st.integers(0, 13))
    if vtype == 8:
        text = draw(_TEXTS).encode()
        return out + struct.pack("<IQ", 8, len(text)) + text
    if vtype == 9:
        items = draw(st.lists(_TEXTS, max_size=4))
        body = b"".join(struct.pack("<Q", len(t.encode())) + t.encode() for t in items)
        return out + struct.pack("<IIQ", 9, 8, len(items)) + body
    fmt = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q",
           12: "d"}.get(vtype)  # fmt: skip
    if fmt is None:
        return out + struct.pack("<I", vtype)
    value = draw(st.integers(0, 1)) if fmt == "?" else draw(st.integers(0, 100))
    return out + struct.pack("<I", vtype) + struct.pack("<" + fmt, value)


_FUZZ_FILE: list[Path] = []


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(st.lists(_kv(), max_size=8), st.integers(-1, 3), st.binary(max_size=8), st.data())
def test_fuzzed_headers_end_in_facts_or_an_input_error(
    tmp_path_factory: pytest.TempPathFactory,
    shipped_kb: KnowledgeBase,
    kvs: list[bytes],
    extra_count: int,
    noise: bytes,
    data: st.DataObject,
) -> None:
    from model_licensecheck.resolve.gguf import gguf_facts

    raw = _header(max(0, len(kvs) + extra_count), b"".join(kvs)) + noise
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    if not _FUZZ_FILE:
        _FUZZ_FILE.append(tmp_path_factory.mktemp("fuzz") / "f.gguf")
    _FUZZ_FILE[0].write_bytes(raw)
    try:
        header = read_header(str(_FUZZ_FILE[0]), "f.gguf")
    except InputError:
        return
    facts = gguf_facts(header, "f.gguf", "f.gguf", shipped_kb)
    assert all(e.evidence.location.startswith("f.gguf") for e in facts.edges)
