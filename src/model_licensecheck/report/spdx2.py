"""SPDX 2.3 reports (JSON and tag-value), built with spdx-tools' model and validated."""

import io
from collections.abc import Sequence
from datetime import datetime
from typing import assert_never

from license_expression import LicenseExpression
from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.model.actor import Actor, ActorType
from spdx_tools.spdx.model.annotation import Annotation, AnnotationType
from spdx_tools.spdx.model.document import CreationInfo, Document
from spdx_tools.spdx.model.extracted_licensing_info import ExtractedLicensingInfo
from spdx_tools.spdx.model.package import Package, PackagePurpose
from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream as write_json
from spdx_tools.spdx.writer.tagvalue.tagvalue_writer import write_document_to_stream as write_tv

from ..model import CheckResult, NodeKind, Relation, UnresolvedNode
from .common import created_at, node_url
from .interface import WholeReport
from .spdxcommon import (
    NAMESPACE_PREFIX,
    TOOL_NAME,
    Merged,
    annotation_statements,
    document_summary,
    license_note,
    license_text,
    merge,
    node_comment,
    spdx_license_id,
    spdx_location,
    tool_label,
)

# --- SPDX 2.3 ----------------------------------------------------------------------------------


def spdx2_relationship(relation: Relation) -> RelationshipType:
    """How a lineage edge (child → parent) reads in SPDX 2.3, always from the child.

    Weight relations make the child a descendant of its parent (its weights were derived from
    them); a quantized model is a variant of its parent (same model, another precision); the
    data a model was trained on is a dependency (SPDX 2.3 has no "trained on"); a generated
    dataset was generated from the service; a dataset derived from another descends from it.
    """
    match relation:
        case Relation.FINETUNE | Relation.ADAPTER | Relation.MERGE | Relation.CONTINUED_PRETRAIN:
            return RelationshipType.DESCENDANT_OF
        case Relation.QUANTIZED:
            return RelationshipType.VARIANT_OF
        case Relation.TRAINED_ON | Relation.PRETRAINED_ON:
            return RelationshipType.DEPENDS_ON
        case Relation.GENERATED_BY:
            return RelationshipType.GENERATED_FROM
        case Relation.DERIVED_FROM:
            return RelationshipType.DESCENDANT_OF
        case Relation.MENTIONED:
            return RelationshipType.OTHER  # named in the card, its use not stated
        case _:
            assert_never(relation)


class _Spdx2Builder:
    """Builds one SPDX 2.3 document from merged results."""

    def __init__(self, merged: Merged) -> None:
        self.merged = merged
        self.date: datetime = created_at()
        self.tool = Actor(ActorType.TOOL, tool_label(merged.version))
        self.refs: dict[str, str] = {}
        """LicenseRef id written → knowledge-base license id."""

    def spdx_id(self, node_id: str) -> str:
        return "SPDXRef-" + self.merged.ids[node_id]

    def expression(self, ids: tuple[str, ...] | None) -> LicenseExpression | SpdxNoAssertion:
        """The AND of the license ids, or NOASSERTION."""
        if ids is None:
            return SpdxNoAssertion()
        written = []
        for license_id in ids:
            ref = spdx_license_id(license_id)
            if ref.startswith("LicenseRef-"):
                self.refs.setdefault(ref, license_id)
            written.append(ref)
        return spdx_licensing.parse(" AND ".join(written))

    def package(self, node_id: str) -> Package:
        m = self.merged
        node = m.nodes[node_id]
        url = m.download_url(node_id)
        home = spdx_location(node_url(node)) if node.kind is NodeKind.SERVICE else None
        sources = node.sources if not isinstance(node, UnresolvedNode) else ()
        return Package(
            spdx_id=self.spdx_id(node_id),
            name=node_id,
            download_location=url if url is not None else SpdxNoAssertion(),
            version=None if isinstance(node, UnresolvedNode) else node.revision,
            files_analyzed=False,
            homepage=home,
            source_info=("Facts from: " + ", ".join(sources)) if sources else None,
            license_concluded=self.expression(m.concluded_ids(node_id)),
            license_declared=self.expression(m.declared(node_id)),
            license_comment=license_note(m, node_id),
            summary=None if isinstance(node, UnresolvedNode) else node.name,
            comment=node_comment(node),
            # SPDX 2.3 has no purpose for models or data; the comment names the kind.
            primary_package_purpose=PackagePurpose.OTHER,
        )

    def build(self) -> Document:
        m = self.merged
        packages = [self.package(n) for n in m.nodes]
        relationships = [
            Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, self.spdx_id(s))
            for s in m.subjects
        ]
        relationships += [
            Relationship(
                self.spdx_id(e.child),
                spdx2_relationship(e.relation),
                self.spdx_id(e.parent),
                comment=e.comment,
            )
            for e in m.edges
        ]
        annotations = []
        seen: set[tuple[str, str]] = set()
        for r in m.results:
            target = self.spdx_id(r.subject.node_id)
            for statement in annotation_statements(r):
                if (target, statement) in seen:
                    continue
                seen.add((target, statement))
                annotations.append(
                    Annotation(target, AnnotationType.REVIEW, self.tool, self.date, statement)
                )
        extracted = []
        for ref, license_id in sorted(self.refs.items()):
            info = license_text(ref, license_id, m.licenses)
            extracted.append(
                ExtractedLicensingInfo(
                    license_id=ref,
                    extracted_text=info.text,
                    license_name=info.name,
                    cross_references=list(info.urls),
                    comment=info.comment,
                )
            )
        creation = CreationInfo(
            spdx_version="SPDX-2.3",
            spdx_id="SPDXRef-DOCUMENT",
            name=f"{TOOL_NAME}-{m.content_id}",
            document_namespace=f"{NAMESPACE_PREFIX}{TOOL_NAME}-{m.content_id}",
            creators=[self.tool],
            created=self.date,
            creator_comment="Commercial-use verdicts with the lineage and licenses behind them.",
            document_comment=document_summary(m),
        )
        return Document(
            creation_info=creation,
            packages=packages,
            annotations=annotations,
            relationships=relationships,
            extracted_licensing_info=extracted,
        )


def spdx2_document(results: Sequence[CheckResult]) -> Document:
    """The SPDX 2.3 document (spdx-tools' model) for the results, checked by its validator."""
    document = _Spdx2Builder(merge(results)).build()
    messages = validate_full_spdx_document(document)
    if messages:
        # An invalid document is a bug here, not a property of the input: say what is wrong.
        problems = "; ".join(str(msg.validation_message) for msg in messages)
        raise ValueError(f"generated SPDX 2.3 document is invalid: {problems}")
    return document


class Spdx2JsonReporter(WholeReport):
    """SPDX 2.3 JSON."""

    def render(self, results: Sequence[CheckResult]) -> str:
        """One document describing every subject."""
        out = io.StringIO()
        # Validated above; the writer would validate a second time.
        write_json(spdx2_document(results), out, validate=False)
        return out.getvalue() + "\n"


class Spdx2TagValueReporter(WholeReport):
    """SPDX 2.3 tag-value."""

    def render(self, results: Sequence[CheckResult]) -> str:
        """One document describing every subject."""
        out = io.StringIO()
        write_tv(spdx2_document(results), out, validate=False)
        text = out.getvalue()
        return text if text.endswith("\n") else text + "\n"
