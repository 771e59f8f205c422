"""SPDX 3.0.1 JSON-LD with the AI and Dataset profiles, built with the official SPDX 3 bindings."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, TypeVar, assert_never

from spdx_python_model import v3_0_1 as spdx3

from ..model import CheckResult, NodeKind, Relation, UnresolvedNode
from .common import created_at, node_url
from .interface import WholeReport
from .spdxcommon import (
    NAMESPACE_PREFIX,
    TOOL_NAME,
    Merged,
    MergedEdge,
    annotation_statements,
    concluded_note,
    declared_note,
    document_summary,
    license_text,
    merge,
    node_comment,
    spdx_license_id,
    tool_label,
)

SPEC_VERSION = "3.0.1"
NO_ASSERTION_LICENSE = spdx3.expandedlicensing_IndividualLicensingInfo.NoAssertionLicense
"""The SPDX 3 individual for "no assertion can be made about the license"."""

_REL = spdx3.RelationshipType
_E = TypeVar("_E", bound=spdx3.Element)


def spdx3_relationship(edge: MergedEdge) -> tuple[str, str, str]:
    """(from, relationship type, to) for a lineage edge (child made from parent).

    Weight relations and derived data read "child descendantOf parent": its content was derived
    from the parent's. A quantization is the same model at another precision, and 3.0.1 only
    has the forward "hasVariant", so it reads "parent hasVariant child". Training data uses the
    AI profile's "trainedOn" (pretraining too: it is training). Generated data reads "service
    generates dataset", the only 3.0.1 type for a producer and its output outside a Build.
    """
    match edge.relation:
        case (
            Relation.FINETUNE
            | Relation.ADAPTER
            | Relation.MERGE
            | Relation.CONTINUED_PRETRAIN
            | Relation.DERIVED_FROM
        ):
            return edge.child, _REL.descendantOf, edge.parent
        case Relation.QUANTIZED:
            return edge.parent, _REL.hasVariant, edge.child
        case Relation.TRAINED_ON | Relation.PRETRAINED_ON:
            return edge.child, _REL.trainedOn, edge.parent
        case Relation.GENERATED_BY:
            return edge.parent, _REL.generates, edge.child
        case Relation.MENTIONED:
            return edge.child, _REL.other, edge.parent  # named in the card, use not stated
        case _:
            assert_never(edge.relation)


class _Spdx3Builder:
    """Builds one SPDX 3.0.1 object set from merged results."""

    def __init__(self, merged: Merged) -> None:
        self.merged = merged
        self.ns = f"{NAMESPACE_PREFIX}{TOOL_NAME}-{merged.content_id}"
        self.objects = spdx3.SHACLObjectSet()
        self.elements: list[spdx3.Element] = []
        self.profiles = [
            spdx3.ProfileIdentifierType.core,
            spdx3.ProfileIdentifierType.software,
            spdx3.ProfileIdentifierType.ai,
            spdx3.ProfileIdentifierType.dataset,
            spdx3.ProfileIdentifierType.simpleLicensing,
        ]
        self.licenses: dict[str, spdx3.simplelicensing_LicenseExpression] = {}
        self.texts: dict[str, spdx3.simplelicensing_SimpleLicensingText] = {}
        self.relationships: dict[str, spdx3.Relationship] = {}
        label = tool_label(merged.version)
        self.agent = spdx3.SoftwareAgent(spdxId=self.iri("agent"), name=label)
        self.tool = spdx3.Tool(spdxId=self.iri("tool"), name=label)
        self.info = spdx3.CreationInfo(
            specVersion=SPEC_VERSION,
            created=created_at(),
            createdBy=[self.agent],
            createdUsing=[self.tool],
            comment="Commercial-use verdicts with the lineage and licenses behind them.",
        )
        self.add(self.agent)
        self.add(self.tool)

    def iri(self, local: str) -> str:
        return f"{self.ns}#{local}"

    def local(self, element: spdx3.Element | str) -> str:
        """The part of an element's IRI that names it inside this document (or the model)."""
        iri = element if isinstance(element, str) else element.spdxId
        if iri is None:
            raise ValueError(f"{type(element).__name__} has no spdxId")
        if iri.startswith(self.ns + "#"):
            return iri.removeprefix(self.ns + "#")
        return iri.rsplit("/", 1)[-1]

    def add(self, element: _E) -> _E:
        element.creationInfo = self.info
        self.objects.add(element)
        self.elements.append(element)
        return element

    def license(self, ids: tuple[str, ...] | None) -> spdx3.Element | str:
        """A LicenseExpression for the AND of the ids (one element per distinct expression),
        or the NoAssertionLicense individual."""
        if ids is None:
            if spdx3.ProfileIdentifierType.expandedLicensing not in self.profiles:
                self.profiles.append(spdx3.ProfileIdentifierType.expandedLicensing)
            return NO_ASSERTION_LICENSE
        written = [spdx_license_id(i) for i in ids]
        text = " AND ".join(written)
        known = self.licenses.get(text)
        if known is not None:
            return known
        custom = []
        for ref, license_id in zip(written, ids, strict=True):
            if ref.startswith("LicenseRef-"):
                custom.append(
                    spdx3.DictionaryEntry(key=ref, value=self.license_text(ref, license_id))
                )
        expression = self.add(
            spdx3.simplelicensing_LicenseExpression(
                spdxId=self.iri("license/" + text.replace(" ", "-")),
                simplelicensing_licenseExpression=text,
                simplelicensing_customIdToUri=custom,
            )
        )
        self.licenses[text] = expression
        return expression

    def license_text(self, ref: str, license_id: str) -> str:
        """The IRI of the SimpleLicensingText describing a LicenseRef (made once)."""
        if ref not in self.texts:
            info = license_text(ref, license_id, self.merged.licenses)
            self.texts[ref] = self.add(
                spdx3.simplelicensing_SimpleLicensingText(
                    spdxId=self.iri("license-text/" + ref),
                    name=info.name,
                    simplelicensing_licenseText=info.text,
                    comment=info.comment,
                )
            )
        return self.iri("license-text/" + ref)

    def package(self, node_id: str) -> spdx3.software_Package:
        m = self.merged
        node = m.nodes[node_id]
        common: dict[str, Any] = {
            "spdxId": self.iri(m.ids[node_id]),
            "name": node_id,
            "comment": node_comment(node),
        }
        if not isinstance(node, UnresolvedNode):
            if node.name:
                common["summary"] = node.name
            if node.revision:
                common["software_packageVersion"] = node.revision
            if node.sources:
                common["software_sourceInfo"] = "Facts from: " + ", ".join(node.sources)
        url = m.download_url(node_id)
        if url is not None:
            common["software_downloadLocation"] = url
        pkg: spdx3.software_Package
        match node.kind:
            case NodeKind.MODEL:
                pkg = spdx3.ai_AIPackage(
                    software_primaryPurpose=spdx3.software_SoftwarePurpose.model, **common
                )
            case NodeKind.DATASET:
                # The knowledge base does not record what a dataset holds; the profile requires
                # a type, so the type is left as no assertion rather than guessed.
                pkg = spdx3.dataset_DatasetPackage(
                    software_primaryPurpose=spdx3.software_SoftwarePurpose.data,
                    dataset_datasetType=[spdx3.dataset_DatasetType.noAssertion],
                    **common,
                )
            case NodeKind.SERVICE:
                # A hosted service is described as a software Package, not an Agent: its terms
                # of use are licensing facts the verdict depends on, and hasDeclaredLicense /
                # hasConcludedLicense relate a software artifact to its license, not an agent.
                home = node_url(node)
                pkg = spdx3.software_Package(
                    software_primaryPurpose=spdx3.software_SoftwarePurpose.application,
                    **common,
                )
                if home is not None:
                    pkg.software_homePage = home
            case _:
                assert_never(node.kind)
        return self.add(pkg)

    def relationship(
        self, source: spdx3.Element, rel_type: str, target: spdx3.Element | str, comment: str
    ) -> None:
        """One relationship; its id names its ends and type, so the same triple is made once
        (two lineage relations can map to one SPDX type: their comments are joined)."""
        name = f"{self.local(source)}/{self.local(rel_type)}/{self.local(target)}"
        spdx_id = self.iri("relationship/" + name)
        known = self.relationships.get(spdx_id)
        if known is not None:
            known.comment = f"{known.comment}\n{comment}"
            return
        self.relationships[spdx_id] = self.add(
            spdx3.Relationship(
                spdxId=spdx_id,
                from_=source,
                relationshipType=rel_type,
                to=[target],
                comment=comment,
            )
        )

    def build(self) -> spdx3.SHACLObjectSet:
        m = self.merged
        packages = {node_id: self.package(node_id) for node_id in m.nodes}
        for node_id, pkg in packages.items():
            declared = self.license(m.declared(node_id))
            self.relationship(pkg, _REL.hasDeclaredLicense, declared, declared_note(m, node_id))
            concluded = self.license(m.concluded_ids(node_id))
            self.relationship(pkg, _REL.hasConcludedLicense, concluded, concluded_note(m, node_id))
        for edge in m.edges:
            source, rel_type, target = spdx3_relationship(edge)
            self.relationship(packages[source], rel_type, packages[target], edge.comment)
        seen: set[tuple[str, str]] = set()
        counts: dict[str, int] = {}
        for r in m.results:
            subject = r.subject.node_id
            for statement in annotation_statements(r):
                if (subject, statement) in seen:
                    continue
                seen.add((subject, statement))
                n = counts[subject] = counts.get(subject, -1) + 1
                self.add(
                    spdx3.Annotation(
                        spdxId=self.iri(f"annotation/{m.ids[subject]}/{n}"),
                        annotationType=spdx3.AnnotationType.review,
                        subject=packages[subject],
                        statement=statement,
                    )
                )
        data_license = self.add(
            spdx3.simplelicensing_LicenseExpression(
                spdxId=self.iri("data-license"), simplelicensing_licenseExpression="CC0-1.0"
            )
        )
        document = spdx3.SpdxDocument(
            spdxId=self.iri("document"),
            name=f"{TOOL_NAME}-{m.content_id}",
            comment=document_summary(m),
            dataLicense=data_license,
            profileConformance=self.profiles,
            rootElement=[packages[s] for s in m.subjects],
            element=list(self.elements),
        )
        document.creationInfo = self.info
        self.objects.add(document)
        return self.objects


class Spdx3Reporter(WholeReport):
    """SPDX 3.0.1 JSON-LD."""

    def render(self, results: Sequence[CheckResult]) -> str:
        """One document describing every subject."""
        objects = _Spdx3Builder(merge(results)).build()
        out = io.BytesIO()
        spdx3.JSONLDSerializer(indent=2, ensure_ascii=False).write(objects, out)
        return out.getvalue().decode("utf-8") + "\n"
