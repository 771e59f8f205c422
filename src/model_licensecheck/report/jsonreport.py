"""The stable, versioned JSON report (schema documented in the README)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import ExitCode, LicensecheckError
from ..model import (
    AnyNode,
    CheckResult,
    Edge,
    Evidence,
    Finding,
    KnownLicense,
    Status,
    UnresolvedNode,
    gate_sentence,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

SCHEMA_VERSION = "2.0"
"""2.0: one shape for one target or many, from `check` and `audit` alike:
`{schema_version, tool, summary, models}`; each item of `models` is what 1.x printed for one
target, without its own `schema_version` and `tool`. 1.2 added a node's `incomplete` and an
unresolved node's `cause`; 1.1 `obligations`, `gate.notes` and `policy`."""

Outcome = CheckResult | LicensecheckError
"""What checking one target gave: a result, or the error that stopped it."""


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
    """The entry for a target that could not be checked."""
    return {
        "subject": {"target": target},
        "error": {"exit_code": exit_code, "message": message},
    }


def exit_code_of(outcome: Outcome) -> ExitCode:
    """One target's share of the exit code: its error's, else whether it passed the gate."""
    if isinstance(outcome, LicensecheckError):
        return outcome.exit_code
    return ExitCode.PASSED if outcome.gate.passed else ExitCode.GATE_FAILED


def report_dict(
    outcomes: Sequence[tuple[str, Outcome]],
    extra: Mapping[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON report of one or several targets (`(target, outcome)` in the order given):
    `{schema_version, tool, summary, models}`. `extra` adds keys to the model at an index
    (an audit's manifest revision and notes)."""
    from .. import __version__

    models: list[dict[str, Any]] = []
    counts = {s.label: 0 for s in sorted(Status)}
    counts["error"] = 0
    for i, (target, outcome) in enumerate(outcomes):
        if isinstance(outcome, LicensecheckError):
            data = error_dict(target, int(outcome.exit_code), outcome.one_line())
            counts["error"] += 1
        else:
            data = to_dict(outcome)
            counts[outcome.verdict.status.label] += 1
        data.update((extra or {}).get(i, {}))
        models.append(data)
    codes = [exit_code_of(o) for _, o in outcomes]
    passed = sum(1 for c in codes if c is ExitCode.PASSED)
    named = {label: n for label, n in counts.items() if n}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "model-licensecheck", "version": __version__},
        "summary": {
            "models": len(outcomes),
            "passed": passed,
            "verdicts": counts,
            "exit_code": int(max(codes, default=ExitCode.PASSED)),
            "sentence": gate_sentence(passed, len(outcomes), named),
        },
        "models": models,
    }


class JsonReporter:
    """`{schema_version, tool, summary, models}` for one result or several."""

    def render(self, results: Sequence[CheckResult]) -> str:
        """Indented JSON with a trailing newline."""
        return dumps(report_dict([(r.subject.target, r) for r in results]))


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
