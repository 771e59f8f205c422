"""SPDX 2.3 and SPDX 3.0.1 reports of four real lineages: valid under the official tools, pinned."""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the test extra
import jsonschema_rs
import pyshacl
import pytest
import rdflib
from spdx_python_model import v3_0_1 as spdx3
from spdx_tools.spdx.model.document import Document
from spdx_tools.spdx.model.package import Package
from spdx_tools.spdx.model.relationship import RelationshipType
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.model.spdx_none import SpdxNone
from spdx_tools.spdx.parser.json.json_parser import parse_from_file
from spdx_tools.spdx.parser.tagvalue.parser import Parser as TagValueParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from model_licensecheck.model import CheckResult, Relation
from model_licensecheck.report.interface import Format, Reporter, reporter
from model_licensecheck.report.spdx2 import (
    Spdx2JsonReporter,
    Spdx2TagValueReporter,
    spdx2_relationship,
)
from model_licensecheck.report.spdx3 import Spdx3Reporter
from model_licensecheck.report.spdxcommon import relation_phrase, spdx_license_id

from .lineages import CARD, EPOCH, GOLDEN, LINEAGES

SPDX3_FILES = Path(__file__).parent / "fixtures" / "standards" / "spdx3"

FORMATS: dict[Format, type[Reporter]] = {
    Format.SPDX_JSON: Spdx2JsonReporter,
    Format.SPDX_TV: Spdx2TagValueReporter,
    Format.SPDX3: Spdx3Reporter,
}


pytestmark = pytest.mark.usefixtures("fixed_epoch")


@pytest.fixture(scope="module")
def results(lineage_results: dict[str, CheckResult]) -> dict[str, CheckResult]:
    """The four lineages, checked once for the session (conftest)."""
    return lineage_results


@pytest.fixture(scope="module")
def spdx3_schema_errors(results: dict[str, CheckResult]) -> dict[str, str | None]:
    """Per lineage, what the reference validator (`jsonschema`) says about its document under
    the official SPDX 3.0.1 JSON schema (None: valid). It takes tens of seconds per document,
    so the documents are checked side by side in worker processes (spawned: forking a process
    that may hold threads is unsafe), and only in the long run."""
    schema = json.loads((SPDX3_FILES / "schema.json").read_text(encoding="utf-8"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        docs = {name: json.loads(_render(Format.SPDX3, [r])) for name, r in results.items()}
    workers = min(len(docs), os.cpu_count() or 1)
    spawn = multiprocessing.get_context("spawn")
    out: dict[str, str | None] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=spawn) as pool:
        futures = {
            name: pool.submit(jsonschema.validate, doc, schema, jsonschema.Draft202012Validator)
            for name, doc in docs.items()
        }
        for name, future in futures.items():
            try:
                future.result()
                out[name] = None
            except jsonschema.ValidationError as err:
                out[name] = f"{list(err.absolute_path)}: {err.message[:500]}"
    return out


@pytest.fixture(scope="session")
def spdx3_model() -> rdflib.Graph:
    """The SPDX 3.0.1 RDF/SHACL model, parsed once (it is large)."""
    return rdflib.Graph().parse(SPDX3_FILES / "spdx-model.ttl", format="turtle")


@pytest.fixture(scope="session")
def spdx3_context() -> Any:
    """The JSON-LD context the documents name by URL, read from disk (no network in tests)."""
    return json.loads((SPDX3_FILES / "spdx-context.jsonld").read_text(encoding="utf-8"))["@context"]


def _render(fmt: Format, results: list[CheckResult]) -> str:
    return FORMATS[fmt]().render(results)


def _spdx2(fmt: Format, text: str) -> Document:
    """Parse a rendered SPDX 2.3 document back with spdx-tools."""
    if fmt is Format.SPDX_JSON:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / ("report" + fmt.extension)
            path.write_text(text, encoding="utf-8")
            return parse_from_file(str(path))
    # PLY's defaults write parser tables and a debug file into site-packages (and leave the
    # file open); built in memory instead, the parser leaves the environment as it was.
    parser = TagValueParser(debug=False, write_tables=False)  # type: ignore[no-untyped-call]
    document: Document = parser.parse(text)  # type: ignore[no-untyped-call]
    return document


Triple = tuple[str, RelationshipType, str | SpdxNone | SpdxNoAssertion]


def _spdx2_graph(result: CheckResult) -> tuple[Document, dict[str, str], set[Triple]]:
    """A result's SPDX 2.3 JSON document parsed back, its package ids by name, and its
    relationships as (from, type, to) triples."""
    document = _spdx2(Format.SPDX_JSON, _render(Format.SPDX_JSON, [result]))
    ids = {p.name: p.spdx_id for p in document.packages}
    triples = {
        (r.spdx_element_id, r.relationship_type, r.related_spdx_element_id)
        for r in document.relationships
    }
    return document, ids, triples


def _package(document: Document, name: str) -> Package:
    matches = [p for p in document.packages if p.name == name]
    assert len(matches) == 1, f"expected one package named {name}"
    return matches[0]


def _shacl_report(doc: dict[str, Any], context: Any, model: rdflib.Graph) -> tuple[bool, str]:
    """Validate an SPDX 3 document against the SHACL model (fixtures/standards/NOTICE.md)."""
    data = dict(doc, **{"@context": context})
    with warnings.catch_warnings():
        # rdflib's own JSON-LD parser builds a ConjunctiveGraph, a class rdflib now deprecates.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        graph = rdflib.Graph().parse(data=json.dumps(data), format="json-ld")
    conforms, _, text = pyshacl.validate(graph, shacl_graph=model, ont_graph=model)
    return bool(conforms), str(text)


def _spdx3_objects(text: str) -> spdx3.SHACLObjectSet:
    """Read an SPDX 3 document back with the official bindings."""
    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().deserialize_data(json.loads(text), objects)
    return objects


def test_formats_are_wired() -> None:
    """The interface's factory hands out these reporters."""
    for fmt, cls in FORMATS.items():
        assert isinstance(reporter(fmt), cls)


# --- validity ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LINEAGES))
@pytest.mark.parametrize("fmt", [Format.SPDX_JSON, Format.SPDX_TV])
def test_spdx2_is_valid(fmt: Format, name: str, results: dict[str, CheckResult]) -> None:
    """spdx-tools parses the document back and its validator has nothing to say."""
    document = _spdx2(fmt, _render(fmt, [results[name]]))
    assert validate_full_spdx_document(document) == []
    subject = results[name].subject.node_id
    described = [
        r.related_spdx_element_id
        for r in document.relationships
        if r.relationship_type is RelationshipType.DESCRIBES
    ]
    assert described == [_package(document, subject).spdx_id]


@pytest.fixture(scope="session")
def spdx3_schema() -> jsonschema_rs.Draft202012Validator:
    """The official SPDX 3.0.1 JSON schema, compiled by jsonschema-rs: it checks a document in
    milliseconds where the reference validator takes tens of seconds (that one runs in the
    long run, `test_spdx3_reference_validator_agrees`)."""
    schema = json.loads((SPDX3_FILES / "schema.json").read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(schema)


@pytest.mark.parametrize("name", sorted(LINEAGES))
def test_spdx3_is_valid(
    name: str,
    results: dict[str, CheckResult],
    spdx3_schema: jsonschema_rs.Draft202012Validator,
    spdx3_model: rdflib.Graph,
    spdx3_context: Any,
) -> None:
    """The official JSON schema and the SHACL model both accept the document."""
    doc = json.loads(_render(Format.SPDX3, [results[name]]))
    assert [
        f"{list(e.instance_path)}: {e.message[:300]}" for e in spdx3_schema.iter_errors(doc)
    ] == []
    conforms, report = _shacl_report(doc, spdx3_context, spdx3_model)
    assert conforms, report


def test_the_spdx3_schema_check_can_fail(
    results: dict[str, CheckResult], spdx3_schema: jsonschema_rs.Draft202012Validator
) -> None:
    """A document with an element the schema forbids is refused (the check is not vacuous)."""
    doc = json.loads(_render(Format.SPDX3, [results["dolly"]]))
    assert spdx3_schema.is_valid(doc)
    doc["@graph"].append({"type": "software_Package", "spdxId": 5})
    assert not spdx3_schema.is_valid(doc)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LINEAGES))
def test_spdx3_reference_validator_agrees(
    name: str, spdx3_schema_errors: dict[str, str | None]
) -> None:
    """The reference implementation (`jsonschema`) accepts every document too."""
    assert spdx3_schema_errors[name] is None


def test_several_results_make_one_document(
    results: dict[str, CheckResult], spdx3_model: rdflib.Graph, spdx3_context: Any
) -> None:
    """Every subject is described by one document; shared names appear once."""
    every = list(results.values())
    subjects = {r.subject.node_id for r in every}
    for fmt in (Format.SPDX_JSON, Format.SPDX_TV):
        document = _spdx2(fmt, _render(fmt, every))
        assert validate_full_spdx_document(document) == []
        described = {
            r.related_spdx_element_id
            for r in document.relationships
            if r.relationship_type is RelationshipType.DESCRIBES
        }
        assert described == {_package(document, s).spdx_id for s in subjects}
    text = _render(Format.SPDX3, every)
    conforms, report = _shacl_report(json.loads(text), spdx3_context, spdx3_model)
    assert conforms, report
    (document3,) = _spdx3_objects(text).foreach_type(spdx3.SpdxDocument)
    roots = {r.name for r in document3.rootElement if isinstance(r, spdx3.Element)}
    assert roots == subjects


# --- facts the documents must state --------------------------------------------------------


def test_vicuna_llama_package_concludes_llama1_license(results: dict[str, CheckResult]) -> None:
    """LLaMA-1's research license is the concluded license of the LLaMA package, in both."""
    vicuna = [results["vicuna"]]
    for fmt in (Format.SPDX_JSON, Format.SPDX_TV):
        document = _spdx2(fmt, _render(fmt, vicuna))
        llama = _package(document, "huggyllama/llama-13b")
        assert str(llama.license_concluded) == "LicenseRef-LLaMA-1-Research"
        refs = {e.license_id: e for e in document.extracted_licensing_info}
        assert "huggingface.co/huggyllama" in (
            refs["LicenseRef-LLaMA-1-Research"].extracted_text or ""
        )
        # The fine-tuned model's own license is unknown, so nothing can be concluded for it.
        assert str(_package(document, "lmsys/vicuna-13b-v1.3").license_concluded) == ("NOASSERTION")
    objects = _spdx3_objects(_render(Format.SPDX3, vicuna))
    concluded = {
        rel.from_.name: [
            t.simplelicensing_licenseExpression
            for t in rel.to
            if isinstance(t, spdx3.simplelicensing_LicenseExpression)
        ]
        for rel in objects.foreach_type(spdx3.Relationship)
        if rel.relationshipType == spdx3.RelationshipType.hasConcludedLicense
        and isinstance(rel.from_, spdx3.Element)
    }
    assert concluded["huggyllama/llama-13b"] == ["LicenseRef-LLaMA-1-Research"]


def test_dolly_is_an_ai_package_trained_on_a_dataset(results: dict[str, CheckResult]) -> None:
    """SPDX 3: the model is an AIPackage with trainedOn its fine-tuning DatasetPackage."""
    objects = _spdx3_objects(_render(Format.SPDX3, [results["dolly"]]))
    by_name = {e.name: e for e in objects.foreach_type(spdx3.software_Package)}
    dolly = by_name["databricks/dolly-v2-12b"]
    data = by_name["databricks/databricks-dolly-15k"]
    assert isinstance(dolly, spdx3.ai_AIPackage)
    assert isinstance(data, spdx3.dataset_DatasetPackage)
    assert isinstance(by_name["EleutherAI/pythia-12b"], spdx3.ai_AIPackage)
    triples = {
        (rel.from_, rel.relationshipType, t)
        for rel in objects.foreach_type(spdx3.Relationship)
        for t in rel.to
    }
    assert (dolly, spdx3.RelationshipType.trainedOn, data) in triples
    assert (dolly, spdx3.RelationshipType.descendantOf, by_name["EleutherAI/pythia-12b"]) in (
        triples
    )
    (document,) = objects.foreach_type(spdx3.SpdxDocument)
    assert list(document.rootElement) == [dolly]


def test_dolly_spdx2_relationships(results: dict[str, CheckResult]) -> None:
    """SPDX 2.3: the fine-tune descends from its base and depends on its training data."""
    document, ids, triples = _spdx2_graph(results["dolly"])
    dolly = ids["databricks/dolly-v2-12b"]
    assert (dolly, RelationshipType.DESCENDANT_OF, ids["EleutherAI/pythia-12b"]) in triples
    assert (dolly, RelationshipType.DEPENDS_ON, ids["databricks/databricks-dolly-15k"]) in triples
    assert str(_package(document, "databricks/dolly-v2-12b").license_concluded) == (
        "Apache-2.0 AND MIT"
    )
    verdict = [a.annotation_comment for a in document.annotations if a.spdx_id == dolly]
    assert verdict[0].startswith("Verdict: allowed for commercial use.")
    assert "Conditions: attribution." in verdict


def test_vicuna_generated_data_and_services(results: dict[str, CheckResult]) -> None:
    """ShareGPT was generated from OpenAI services (SPDX 2) / they generate it (SPDX 3)."""
    document, ids, triples = _spdx2_graph(results["vicuna"])
    assert (ids["kb:sharegpt"], RelationshipType.GENERATED_FROM, ids["openai:gpt-4"]) in triples
    assert str(_package(document, "openai:gpt-4").download_location) == "NOASSERTION"
    objects = _spdx3_objects(_render(Format.SPDX3, [results["vicuna"]]))
    by_name = {e.name: e for e in objects.foreach_type(spdx3.software_Package)}
    generated = {
        (rel.from_, t)
        for rel in objects.foreach_type(spdx3.Relationship)
        if rel.relationshipType == spdx3.RelationshipType.generates
        for t in rel.to
    }
    assert (by_name["openai:gpt-4"], by_name["kb:sharegpt"]) in generated
    assert type(by_name["openai:gpt-4"]) is spdx3.software_Package


def test_unknown_base_has_no_assertion(results: dict[str, CheckResult]) -> None:
    """An unresolved base: declared and concluded are NOASSERTION; a local card has no URL."""
    document = _spdx2(Format.SPDX_TV, _render(Format.SPDX_TV, [results["unknown-base"]]))
    base = _package(document, "someone/never-heard-of-it")
    assert str(base.license_declared) == "NOASSERTION"
    assert str(base.license_concluded) == "NOASSERTION"
    assert "not resolved" in (base.comment or "")
    card = _package(document, CARD)
    assert str(card.license_declared) == "MIT"
    assert str(card.download_location) == "NOASSERTION"
    objects = _spdx3_objects(_render(Format.SPDX3, [results["unknown-base"]]))
    no_assertion = {
        rel.from_.name
        for rel in objects.foreach_type(spdx3.Relationship)
        if isinstance(rel.from_, spdx3.Element)
        and list(rel.to) == [spdx3.expandedlicensing_IndividualLicensingInfo.NoAssertionLicense]
    }
    assert no_assertion == {"someone/never-heard-of-it", CARD}


def test_every_relation_has_a_mapping() -> None:
    """Each lineage relation reads as an SPDX 2.3 relationship and a phrase."""
    for relation in Relation:
        assert isinstance(spdx2_relationship(relation), RelationshipType)
        assert relation_phrase(relation)


def test_unlisted_ids_become_license_refs() -> None:
    """Ids spdx-tools' license list lacks are written as LicenseRefs, listed ids as they are."""
    assert spdx_license_id("Apache-2.0") == "Apache-2.0"
    assert spdx_license_id("LicenseRef-LLaMA-1-Research") == "LicenseRef-LLaMA-1-Research"
    assert spdx_license_id("Not-A-Listed-License-1.0") == "LicenseRef-Not-A-Listed-License-1.0"


# --- byte stability ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LINEAGES))
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_matches_golden(fmt: Format, name: str, results: dict[str, CheckResult]) -> None:
    """Each document equals its golden file (regenerate with UPDATE_GOLDEN=1)."""
    text = _render(fmt, [results[name]])
    golden = GOLDEN / fmt.value / (name + fmt.extension)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.exists(), f"missing {golden}: run with UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_epoch_changes_only_timestamps(
    fmt: Format, results: dict[str, CheckResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names and ids come from content: another SOURCE_DATE_EPOCH changes the dates alone."""
    first = _render(fmt, [results["vicuna"]])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    later = _render(fmt, [results["vicuna"]])
    assert "2023-11-14T22:13:20Z" in first
    assert later == first.replace("2023-11-14T22:13:20Z", "2027-01-15T08:00:00Z")
