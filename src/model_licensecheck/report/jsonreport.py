"""The stable, versioned JSON report (schema documented in the README)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..model import AnyNode, CheckResult, Edge, Evidence, Finding, KnownLicense, UnresolvedNode

if TYPE_CHECKING:
    from collections.abc import Sequence

SCHEMA_VERSION = "1.2"
"""1.1 added `obligations`, `gate.notes` and `policy` (additive: 1.0 readers still work)."""


def _evidence(ev: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source": ev.source.value,
        "location": ev.location,
        "confidence": ev.confidence.value,
    }
    if ev.quote is not None:
        out["quote"] = ev.quote
    if ev.reference is not None:
        out["reference"] = ev.reference
    return out


def _node(node: AnyNode, concluded: tuple[str, ...]) -> dict[str, Any]:
    lic = node.license
    out: dict[str, Any] = {"id": node.id, "kind": node.kind.value}
    if isinstance(node, UnresolvedNode):
        out["resolved"] = False
        out["reason"] = node.reason
        out["cause"] = node.cause.value
    else:
        out["resolved"] = True
        if node.name:
            out["name"] = node.name
        if node.revision:
            out["revision"] = node.revision
    license_out: dict[str, Any] = {"declared": lic.raw}
    if isinstance(lic, KnownLicense):
        license_out.update(id=lic.id, matched_by=lic.matched_by)
    else:
        license_out.update(id=None, reason=lic.reason)
    if lic.evidence is not None:
        license_out["evidence"] = _evidence(lic.evidence)
    out["license"] = license_out
    out["concluded"] = list(concluded)
    if node.incomplete:
        out["incomplete"] = list(node.incomplete)
    if not isinstance(node, UnresolvedNode):
        if node.sources:
            out["sources"] = list(node.sources)
        if node.notes:
            out["notes"] = list(node.notes)
    return out


def _edge(edge: Edge) -> dict[str, Any]:
    return {
        "from": edge.child,
        "to": edge.parent,
        "relation": edge.relation.value,
        "evidence": [_evidence(e) for e in edge.evidence],
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "title": f.title,
        "status": f.status.label,
        "conditions": [{"id": c.id, "value": c.value} for c in f.conditions],
        "ancestor": f.ancestor,
        "license": f.license_id,
        "path": list(f.path_ids),
        "relations": [e.relation.value for e in f.path],
        "message": f.message,
        "references": list(f.references),
    }


def to_dict(result: CheckResult) -> dict[str, Any]:
    """The report of one result as plain data, keys in a fixed order, lists sorted."""
    return _to_dict(result)


def _to_dict(result: CheckResult) -> dict[str, Any]:
    v = result.verdict
    lineage = result.lineage
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "model-licensecheck", "version": result.tool_version},
        "subject": {
            "target": result.subject.target,
            "kind": result.subject.kind.value,
            "id": result.subject.node_id,
        },
        "verdict": {
            "status": v.status.label,
            "conditions": sorted({c.id for c in v.conditions}),
            "condition_details": [{"id": c.id, "value": c.value} for c in v.conditions],
            "summary": v.summary,
            "drivers": [f.rule_id + ":" + f.ancestor for f in v.drivers],
        },
        "gate": {
            "passed": result.gate.passed,
            "reasons": list(result.gate.reasons),
            "notes": list(result.gate.notes),
        },
        "policy": result.policy,
        "obligations": [
            {
                "condition": o.condition,
                "action": o.action,
                "ancestors": list(o.ancestors),
                "license": o.license_id,
                "reference": o.reference,
            }
            for o in result.obligations
        ],
        "lineage": {
            "root": lineage.root,
            "nodes": [
                _node(n, result.concluded.get(n.id, ())) for _, n in sorted(lineage.nodes.items())
            ],
            "edges": [_edge(e) for e in lineage.edges],
            "notes": list(lineage.notes),
        },
        "findings": [_finding(f) for f in result.findings],
    }


def error_dict(target: str, exit_code: int, message: str) -> dict[str, Any]:
    """The entry for a target that could not be checked, in a multi-target report."""
    return {
        "schema_version": SCHEMA_VERSION,
        "subject": {"target": target},
        "error": {"exit_code": exit_code, "message": message},
    }


class JsonReporter:
    """One object for one result, a list for several."""

    def render(self, results: Sequence[CheckResult]) -> str:
        """Indented JSON with a trailing newline."""
        return dumps([to_dict(r) for r in results] if len(results) != 1 else to_dict(results[0]))


def dumps(data: object) -> str:
    """The project's JSON spelling: the top two levels indented by two spaces, and each item
    below them (a node, an edge, a finding) on one line; UTF-8 kept; newline at the end.

    One item per line reads well, diffs well, and lets the C encoder write the bulk: a report
    on a 100,000-node lineage is hundreds of megabytes, which the indenting encoder (pure
    Python) writes several times slower.
    """
    return _pretty(data, 0) + "\n"


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def _pretty(data: object, level: int) -> str:
    pad = "  " * (level + 1)
    if level < 2 and isinstance(data, dict) and data:
        items = (f"{pad}{_COMPACT(str(k))}: {_pretty(v, level + 1)}" for k, v in data.items())
        return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"
    if level < 2 and isinstance(data, list) and data:
        items = (pad + _pretty(v, level + 1) for v in data)
        return "[\n" + ",\n".join(items) + "\n" + "  " * level + "]"
    return _COMPACT(data)
