"""The stable, versioned JSON report (schema documented in the README)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
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
from .interface import StreamedReport

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


class Records(list[Any]):
    """A list the report writes one item per line (nodes, edges, obligations, findings)."""


class Blocks(list[Any]):
    """A list the report writes one item per line, each item spelled by the usual rules (the
    models of a report: each an indented object)."""


class Stream:
    """Records built while they are written, never held whole: a report on a lineage of a
    million nodes is streamed to its file. Iterable once."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)


def to_dict(result: CheckResult) -> dict[str, Any]:
    """The report of one result as plain data, keys in a fixed order, lists sorted."""
    return _to_dict(result, Records)


def to_stream(result: CheckResult) -> dict[str, Any]:
    """The same report with its long lists as `Stream`s: for `iter_dumps` and `content_id`."""
    return _to_dict(result, Stream)


def _to_dict(result: CheckResult, records: Callable[[Iterable[Any]], Any]) -> dict[str, Any]:
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
        "obligations": records(
            {
                "condition": o.condition,
                "action": o.action,
                "ancestors": list(o.ancestors),
                "license": o.license_id,
                "reference": o.reference,
            }
            for o in result.obligations
        ),
        "lineage": {
            "root": lineage.root,
            "nodes": records(
                _node(lineage.nodes[k], result.concluded.get(k, ())) for k in sorted(lineage.nodes)
            ),
            "edges": records(_edge(e) for e in lineage.edges),
            "notes": list(lineage.notes),
        },
        "findings": records(_finding(f) for f in result.findings),
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
    *,
    lazy: bool = False,
) -> dict[str, Any]:
    """The JSON report of one or several targets (`(target, outcome)` in the order given):
    `{schema_version, tool, summary, models}`. `extra` adds keys to the model at an index
    (an audit's manifest revision and notes). `lazy` leaves each model's long lists as
    `Stream`s, built while `iter_dumps` writes them."""
    from .. import __version__

    models: list[dict[str, Any]] = Blocks()
    counts = {s.label: 0 for s in sorted(Status)}
    counts["error"] = 0
    for i, (target, outcome) in enumerate(outcomes):
        if isinstance(outcome, LicensecheckError):
            data = error_dict(target, int(outcome.exit_code), outcome.one_line())
            counts["error"] += 1
        else:
            data = to_stream(outcome) if lazy else to_dict(outcome)
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


class JsonReporter(StreamedReport):
    """`{schema_version, tool, summary, models}` for one result or several."""

    def stream(self, results: Sequence[CheckResult]) -> Iterator[str]:
        """The same text in pieces, built while it is written."""
        return iter_dumps(report_dict([(r.subject.target, r) for r in results], lazy=True))


def dumps(data: object) -> str:
    """The project's JSON spelling (see `iter_dumps`) as one string."""
    return "".join(iter_dumps(data))


def iter_dumps(data: object) -> Iterator[str]:
    """The project's JSON spelling, in pieces: the top two levels of objects indented by two
    spaces (and any object that holds records), each record of a `Records` or `Stream` list
    (a node, an edge, a finding) on one line, each item of `Blocks` (a model) or of a
    top-level list on its own lines, everything else compact; UTF-8 kept; newline at the end.

    One record per line reads well, diffs well, and lets the C encoder write the bulk; built
    piece by piece, a report on a lineage of any size is written in bounded memory.
    """
    yield from _pretty(data, 0)
    yield "\n"


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def _pretty(data: object, level: int) -> Iterator[str]:
    pad = "  " * (level + 1)
    if isinstance(data, Records | Stream | Blocks) or (level == 0 and isinstance(data, list)):
        record = isinstance(data, Records | Stream)
        opened = False
        for item in data:
            yield (",\n" if opened else "[\n") + pad
            opened = True
            if record:
                yield _COMPACT(item)
            else:
                yield from _pretty(item, level + 1)
        yield "\n" + "  " * level + "]" if opened else "[]"
    elif isinstance(data, dict) and data and (level < 2 or _holds(data, _LAID_OUT)):
        yield "{"
        for n, (key, value) in enumerate(data.items()):
            yield ("\n" if n == 0 else ",\n") + pad + _COMPACT(str(key)) + ": "
            yield from _pretty(value, level + 1)
        yield "\n" + "  " * level + "}"
    else:
        yield _COMPACT(data)


def iter_indented(data: object, *, sort_keys: bool = False) -> Iterator[str]:
    """Exactly what `json.dumps(data, indent=2, ensure_ascii=False, sort_keys=sort_keys)`
    writes, plus a newline, in pieces: `Stream` lists are built while they are written (the
    standard formats, SARIF, SPDX and CycloneDX, keep their own spelling and stream too)."""
    yield from _indented(data, 0, sort_keys)
    yield "\n"


def _indented(data: object, level: int, sort_keys: bool) -> Iterator[str]:
    pad = "  " * (level + 1)
    if isinstance(data, Stream) or (isinstance(data, list) and _holds(data, Stream)):
        opened = False
        for item in data:
            yield (",\n" if opened else "[\n") + pad
            opened = True
            yield from _indented(item, level + 1, sort_keys)
        yield "\n" + "  " * level + "]" if opened else "[]"
    elif isinstance(data, dict) and _holds(data, Stream):
        for n, key in enumerate(sorted(data) if sort_keys else data):
            yield ("{\n" if n == 0 else ",\n") + pad + _COMPACT(str(key)) + ": "
            yield from _indented(data[key], level + 1, sort_keys)
        yield "\n" + "  " * level + "}"
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=sort_keys)
        yield text.replace("\n", "\n" + "  " * level) if level else text


def iter_canonical(data: object) -> Iterator[str]:
    """The same data as `json.dumps(data, sort_keys=True, separators=(",", ":"))` spells it,
    in pieces (for hashing a report without holding it)."""
    if isinstance(data, Stream) or (isinstance(data, list) and _holds(data, Stream)):
        yield "["
        for n, item in enumerate(data):
            if n:
                yield ","
            yield from iter_canonical(item)
        yield "]"
    elif isinstance(data, dict) and _holds(data, Stream):
        yield "{"
        for n, key in enumerate(sorted(data)):
            yield ("," if n else "") + _CANONICAL(key) + ":"
            yield from iter_canonical(data[key])
        yield "}"
    else:
        yield _CANONICAL(data)


_LAID_OUT = (Records, Stream, Blocks)
"""What an object holds for `iter_dumps` to lay it out over lines, streamed or not."""


def _holds(data: dict[str, Any] | list[Any], kinds: type | tuple[type, ...]) -> bool:
    """Whether `data` holds, at any depth of objects and lists, a value of `kinds`."""
    values = data.values() if isinstance(data, dict) else data
    return any(isinstance(v, kinds) or (isinstance(v, dict | list) and _holds(v, kinds))
               for v in values)  # fmt: skip
