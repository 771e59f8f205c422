"""CycloneDX 1.6 ML-BOM (JSON): models with their weight pedigree, datasets, services, verdict."""

from __future__ import annotations

import json
import uuid
from collections import deque
from typing import TYPE_CHECKING

from cyclonedx.exception.model import InvalidUriException
from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentType, Pedigree
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.license import (
    DisjunctiveLicense,
    License,
    LicenseAcknowledgement,
    LicenseExpression,
)
from cyclonedx.model.service import Service
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from cyclonedx.spdx import fixup_id, is_expression
from packageurl import PackageURL

from ..model import (
    WEIGHT_RELATIONS,
    AnyNode,
    CheckResult,
    KnownLicense,
    Lineage,
    NodeKind,
    UnresolvedNode,
)
from .common import content_id, created_at
from .interface import WholeReport

if TYPE_CHECKING:
    from collections.abc import Sequence

PREFIX = "model-licensecheck"
SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/model-licensecheck/")
"""Serial numbers are uuid5(namespace, content id): the same results always get the same one."""

_HEADER = ("$schema", "bomFormat", "specVersion", "serialNumber", "version")

_COMPONENT_TYPES = {
    NodeKind.MODEL: ComponentType.MACHINE_LEARNING_MODEL,
    NodeKind.DATASET: ComponentType.DATA,
}


def bom_ref(node: AnyNode) -> str:
    """The node's bom-ref: its kind and id, so it is stable and readable."""
    return f"{node.kind.value}:{node.id}"


def _prop(name: str, value: str) -> Property:
    return Property(name=f"{PREFIX}:{name}", value=value)


def _group_name(node_id: str) -> tuple[str | None, str]:
    """Hub ids split into owner (group) and name, as CycloneDX names Hugging Face models."""
    if node_id.count("/") == 1 and ":" not in node_id and "#" not in node_id:
        group, name = node_id.split("/")
        if group and name:
            return group, name
    return None, node_id


def _purl(node: AnyNode) -> PackageURL | None:
    """pkg:huggingface/<owner>/<name>: the purl type is defined for Hub models only."""
    group, name = _group_name(node.id)
    if node.kind is not NodeKind.MODEL or group is None:
        return None
    revision = None if isinstance(node, UnresolvedNode) else node.revision
    return PackageURL(type="huggingface", namespace=group, name=name, version=revision)


def _license(text: str, ack: LicenseAcknowledgement, alone: bool) -> License:
    """An SPDX id where CycloneDX knows it, a compound expression when it is the only entry
    (the schema forbids an expression next to other licenses), else a named license."""
    spdx = fixup_id(text)
    if spdx is not None:
        return DisjunctiveLicense(id=spdx, acknowledgement=ack)
    if alone and " " in text and is_expression(text):
        return LicenseExpression(text, acknowledgement=ack)
    return DisjunctiveLicense(name=text, acknowledgement=ack)


def licenses(node: AnyNode, concluded: Sequence[str]) -> list[License]:
    """The declared license (as read) and the concluded ones (terms that reach the node)."""
    entries: list[tuple[str, LicenseAcknowledgement]] = []
    lic = node.license
    if isinstance(lic, KnownLicense):
        entries.append((lic.id, LicenseAcknowledgement.DECLARED))
    elif lic.raw:
        entries.append((lic.raw, LicenseAcknowledgement.DECLARED))
    entries.extend((c, LicenseAcknowledgement.CONCLUDED) for c in concluded)
    return [_license(text, ack, len(entries) == 1) for text, ack in entries]


def _references(node: AnyNode) -> list[ExternalReference]:
    if isinstance(node, UnresolvedNode):
        return []
    out: list[ExternalReference] = []
    for source in node.sources:
        try:
            url = XsUri(source)
        except InvalidUriException:
            # A source copied from a card that is not a URI is dropped rather than sink the BOM.
            continue
        out.append(ExternalReference(type=ExternalReferenceType.WEBSITE, url=url))
    return out


def _properties(node: AnyNode, lineage: Lineage) -> list[Property]:
    props = [_prop("node-id", node.id), _prop("kind", node.kind.value)]
    if isinstance(node, UnresolvedNode):
        props += [_prop("resolved", "false"), _prop("unresolved-reason", node.reason)]
    else:
        props += [_prop("note", n) for n in node.notes]
    lic = node.license
    if not isinstance(lic, KnownLicense):
        props.append(_prop("license-unknown-reason", lic.reason))
    if lic.evidence is not None:
        props.append(
            _prop("license-evidence", f"{lic.evidence.source.value} {lic.evidence.location}")
        )
    props += [_prop("edge", f"{e.relation.value} {e.parent}") for e in lineage.parents(node.id)]
    return props


def _weight_ancestors(lineage: Lineage, node_id: str) -> list[tuple[str, tuple[str, ...]]]:
    """Every node whose weights reach `node_id`, with the relations on the way (breadth first)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    seen = {node_id}
    queue: deque[tuple[str, tuple[str, ...]]] = deque([(node_id, ())])
    while queue:
        current, relations = queue.popleft()
        for edge in lineage.parents(current):
            if edge.relation in WEIGHT_RELATIONS and edge.parent not in seen:
                seen.add(edge.parent)
                path = (*relations, edge.relation.value)
                out.append((edge.parent, path))
                queue.append((edge.parent, path))
    return out


def _pedigree(result: CheckResult, node_id: str) -> Pedigree | None:
    lineage = result.lineage
    ancestors: list[Component] = []
    for ancestor_id, relations in _weight_ancestors(lineage, node_id):
        node = lineage.nodes.get(ancestor_id)
        if node is None:
            continue
        group, name = _group_name(node.id)
        # Pedigree entries are copies without a bom-ref: bom-refs must be unique in the BOM, and
        # the library would otherwise invent random ones; the node-id property links them.
        ancestors.append(
            Component(
                type=ComponentType.MACHINE_LEARNING_MODEL,
                group=group,
                name=name,
                purl=_purl(node),
                licenses=licenses(node, ()),
                properties=[
                    _prop("node-id", node.id),
                    _prop("relations", " ".join(relations)),
                ],
            )
        )
    if not ancestors:
        return None
    return Pedigree(
        ancestors=ancestors, notes="Models whose weights are part of this one (weight relations)."
    )


def _verdict_properties(result: CheckResult, findings: bool) -> list[Property]:
    v = result.verdict
    props = [
        _prop("verdict", v.status.label),
        _prop("summary", v.summary),
        _prop("gate", "passed" if result.gate.passed else "failed"),
    ]
    props += [_prop("condition", str(c)) for c in v.conditions]
    props += [_prop("gate-reason", r) for r in result.gate.reasons]
    props += [_prop("driver", f"{f.rule_id}:{f.ancestor}") for f in v.drivers]
    if findings:
        props += [
            _prop("finding", f"{f.status.label} {f.rule_id} {f.ancestor}: {f.message}")
            for f in result.findings
        ]
    return props


def _component(result: CheckResult, node: AnyNode, subject: bool) -> Component:
    group, name = _group_name(node.id)
    props = _properties(node, result.lineage)
    if subject:
        props += _verdict_properties(result, findings=True)
    description = None if isinstance(node, UnresolvedNode) else node.name
    return Component(
        type=_COMPONENT_TYPES[node.kind],
        bom_ref=bom_ref(node),
        group=group,
        name=name,
        version=None if isinstance(node, UnresolvedNode) else node.revision,
        description=description,
        purl=_purl(node),
        licenses=licenses(node, result.concluded.get(node.id, ())),
        external_references=_references(node),
        properties=props,
        pedigree=_pedigree(result, node.id) if node.kind is NodeKind.MODEL else None,
    )


def _service(result: CheckResult, node: AnyNode) -> Service:
    group, name = _group_name(node.id)
    return Service(
        bom_ref=bom_ref(node),
        group=group,
        name=name,
        description=None if isinstance(node, UnresolvedNode) else node.name,
        licenses=licenses(node, result.concluded.get(node.id, ())),
        external_references=_references(node),
        properties=_properties(node, result.lineage),
    )


def to_bom(results: Sequence[CheckResult]) -> Bom:
    """One BOM for all results; with a single result its subject is the BOM's own component."""
    refs: dict[str, BomRef] = {}
    components: list[Component] = []
    services: list[Service] = []
    subject_component: Component | None = None
    subjects = {r.lineage.root for r in results}
    for result in results:
        lineage = result.lineage
        for node_id in sorted(lineage.nodes):
            if node_id in refs:
                continue  # shared ancestors of several results are described once
            node = lineage.nodes[node_id]
            if node.kind is NodeKind.SERVICE:
                service = _service(result, node)
                refs[node_id] = service.bom_ref
                services.append(service)
                continue
            component = _component(result, node, subject=node_id in subjects)
            refs[node_id] = component.bom_ref
            if len(results) == 1 and node_id == lineage.root:
                subject_component = component
            else:
                components.append(component)
    dependencies: list[Dependency] = []
    done: set[str] = set()
    for result in results:
        for child, edges in sorted(result.lineage.by_child.items()):
            if child in done or child not in refs:
                continue
            done.add(child)
            parents = {e.parent for e in edges}
            deps = [Dependency(refs[p]) for p in sorted(parents) if p in refs]
            dependencies.append(Dependency(refs[child], deps))
    version = results[0].tool_version if results else None
    tool = Component(type=ComponentType.APPLICATION, name=PREFIX, version=version)
    return Bom(
        serial_number=uuid.uuid5(SERIAL_NAMESPACE, content_id(results)),
        metadata=BomMetaData(
            timestamp=created_at(),
            tools=ToolRepository(components=[tool]),
            component=subject_component,
        ),
        components=components,
        services=services,
        dependencies=dependencies,
        properties=_bom_properties(results),
    )


def _bom_properties(results: Sequence[CheckResult]) -> list[Property]:
    if len(results) == 1:
        return _verdict_properties(results[0], findings=False)
    # Several subjects: the BOM says the worst verdict; each subject component carries its own.
    props: list[Property] = []
    if results:
        worst = max(r.verdict.status for r in results)
        props.append(_prop("verdict", worst.label))
        props.append(_prop("gate", "passed" if all(r.gate.passed for r in results) else "failed"))
    props += [_prop("subject", f"{r.subject.node_id}={r.verdict.status.label}") for r in results]
    return props


class CycloneDxReporter(WholeReport):
    """CycloneDX 1.6 JSON through cyclonedx-python-lib; deterministic for the same input."""

    def render(self, results: Sequence[CheckResult]) -> str:
        """Indented JSON with a trailing newline."""
        outputter = make_outputter(to_bom(results), OutputFormat.JSON, SchemaVersion.V1_6)
        data = json.loads(outputter.output_as_string())
        # The library appends the format header last; readers (and people) look for it first.
        head = {k: data.pop(k) for k in _HEADER if k in data}
        return json.dumps(head | data, indent=2, ensure_ascii=False) + "\n"
