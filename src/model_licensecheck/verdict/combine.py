"""Combine findings into one verdict (DESIGN §4) and judge it against the gate (DESIGN §7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import (
    WEIGHT_RELATIONS,
    Condition,
    Edge,
    Finding,
    Lineage,
    Status,
    UnknownLicense,
    Verdict,
)
from ..rules.engine import INHERITED_RULE, condition_key, render_path
from ..rules.pathpattern import PathPattern

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

FAIL_CLOSED_RULE = "builtin-fail-closed"
INCOMPLETE_RULE = "builtin-incomplete"
_WEIGHTS = PathPattern.parse("weight*")
_ANY = PathPattern.parse("any*")


def fail_closed(lineage: Lineage, findings: Sequence[Finding]) -> list[Finding]:
    """Findings the code itself adds so that no rule set can turn missing facts into `allowed`.

    The shipped rules already say `unknown` for a weight ancestor whose license is unknown; a
    user's rules folder cannot remove that, but this guard does not depend on any rule file.
    """
    by_child = lineage.by_child
    covered = {f.ancestor for f in findings if f.status >= Status.UNKNOWN}
    # A copy that declares no license and carries its parent's (DESIGN §4): the engine's own
    # finding says so, and no rule file can make one (`builtin-` ids are reserved).
    inherited = {
        f.ancestor for f in findings if f.rule_id == INHERITED_RULE and f.license_id is not None
    }
    out: list[Finding] = []
    unknown = {
        node_id: lic
        for node_id, node in lineage.nodes.items()
        if isinstance(lic := node.license, UnknownLicense)
        and node_id not in covered
        and not (lic.undeclared and node_id in inherited)
    }
    reached = _WEIGHTS.walk(lineage.root, by_child) if unknown else {}  # no walk for nothing
    for node_id in sorted(unknown.keys() & reached.keys()):
        lic, path = unknown[node_id], reached[node_id]
        message = (
            f"The license of {node_id} could not be determined ({lic.reason}); "
            f"it reaches {lineage.root} through {render_path(path, lineage.root)}."
        )
        title = "Fail closed: a weight ancestor's license is unknown"
        out.append(_unknown(FAIL_CLOSED_RULE, title, path, node_id, message))
    out.extend(_incomplete(lineage, by_child))
    return out


def _incomplete(lineage: Lineage, by_child: Mapping[str, Sequence[Edge]]) -> list[Finding]:
    """A node that was not read completely (DESIGN §2) cannot support `allowed`, whatever its
    kind and however it reaches the subject: what could not be read might have said anything."""
    out: list[Finding] = []
    if not any(node.incomplete for node in lineage.nodes.values()):
        return out
    for node_id, path in sorted(_ANY.walk(lineage.root, by_child).items()):
        missing = lineage.nodes[node_id].incomplete
        if not missing:
            continue
        where = (
            ""
            if not path
            else f"; it reaches {lineage.root} through {render_path(path, lineage.root)}"
        )
        message = f"{node_id} was not read completely: {'; '.join(missing)}{where}."
        title = "Fail closed: a node could not be read completely"
        out.append(_unknown(INCOMPLETE_RULE, title, path, node_id, message))
    return out


def _unknown(
    rule_id: str, title: str, path: tuple[Edge, ...], node_id: str, message: str
) -> Finding:
    """A built-in `unknown` finding about `node_id`, reached through `path`."""
    return Finding(rule_id=rule_id, title=title, status=Status.UNKNOWN, conditions=(),
                   path=path, ancestor=node_id, license_id=None, message=message)  # fmt: skip


def combine(findings: Sequence[Finding]) -> Verdict:
    """Worst status wins: prohibited > unknown > conditional > allowed."""
    status = max((f.status for f in findings), default=Status.ALLOWED)
    conditions = tuple(sorted({c for f in findings for c in f.conditions}, key=condition_key))
    drivers = _lead_first(f for f in findings if f.status == status and status > Status.ALLOWED)
    return Verdict(status, conditions, _summary(status, conditions, drivers), drivers)


def _lead_first(drivers: Iterable[Finding]) -> tuple[Finding, ...]:
    """The drivers with the one that leads the summary first: a finding whose path carries
    weights (the model's own license, or a base model's) before one about data, since it binds
    every use of the weights; among those the farthest ancestor (the license's origin), among
    data findings the nearest. Otherwise findings keep their order (the sort is stable)."""

    def key(f: Finding) -> tuple[bool, int]:
        weights = all(e.relation in WEIGHT_RELATIONS for e in f.path)
        return (not weights, -len(f.path) if weights else len(f.path))

    return tuple(sorted(drivers, key=key))


def _summary(status: Status, conditions: Iterable[Condition], drivers: Sequence[Finding]) -> str:
    names = sorted({c.id for c in conditions})
    if status is Status.ALLOWED:
        tail = f" (obligations: {', '.join(names)})" if names else ""
        return f"Commercial use is allowed: every ancestor permits it{tail}."
    first = drivers[0]
    more = f" (+{len(drivers) - 1} more)" if len(drivers) > 1 else ""
    lead = {
        Status.CONDITIONAL: f"Commercial use is allowed only under conditions: {', '.join(names)}",
        Status.UNKNOWN: "Commercial use cannot be judged: information is missing",
        Status.PROHIBITED: "Commercial use is prohibited",
    }[status]
    return f"{lead}. {first.message}{more}"
