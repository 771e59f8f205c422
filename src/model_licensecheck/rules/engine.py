"""Apply rules to a lineage: every (rule, ancestor) pair a matching path reaches is a finding."""

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from ..kb.schema import strictness
from ..model import (
    WEIGHT_RELATIONS,
    AnyNode,
    Condition,
    Edge,
    Finding,
    KnownLicense,
    Lineage,
    NodeKind,
    Relation,
    Status,
    UnknownLicense,
    UnresolvedNode,
)
from .licensor import bypass_relicensed
from .pathpattern import PathPattern

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
    from ..kb.schema import LicenseEntry
    from .schema import Rule

UNKNOWN_LICENSE = "unknown"
"""The concluded-license marker for a license that could not be determined."""

_WEIGHTS = PathPattern.parse("weight*")


class Evaluation(NamedTuple):
    """What the rules concluded about a lineage."""

    findings: tuple[Finding, ...]
    concluded: Mapping[str, tuple[str, ...]]


def license_entry(node: AnyNode, kb: "KnowledgeBase") -> "LicenseEntry | None":
    """The knowledge-base entry of a node's license, when it is known."""
    lic = node.license
    if isinstance(lic, KnownLicense):
        return kb.licenses.get(lic.id)
    return None


def render_path(path: Sequence[Edge], root: str, limit: int = 8) -> str:
    """`a -finetune-> b -trained_on-> c`, or the root alone for the empty path; a path longer
    than `limit` hops shows its first and last hops around a count of the rest."""
    if not path:
        return root
    hops = [f" -{e.relation.value}-> {e.parent}" for e in path]
    if len(hops) > limit:
        keep = limit // 2
        hops = [*hops[:keep], f" ... ({len(hops) - 2 * keep} more hops) ...", *hops[-keep:]]
    return root + "".join(hops)


def condition_key(condition: Condition) -> tuple[str, bool, str]:
    """Sort key for conditions: by id, the bare one before those with a value (a Condition
    tuple cannot order None against a value itself: two rules may name the same condition
    with and without one)."""
    return condition.id, condition.value is not None, condition.value or ""


class _Format(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"


def _matches(rule: "Rule", node: AnyNode, entry: "LicenseEntry | None") -> bool:
    if rule.ancestor_kinds and node.kind not in rule.ancestor_kinds:
        return False
    for key, accepted in rule.when.items():
        if key == "license_known":
            if (entry is not None) not in accepted:
                return False
            continue
        if entry is None:
            return False
        value = getattr(entry.clauses, key)
        if accepted == ("set",):
            if value is None:
                return False
        elif value not in accepted:
            return False
    return True


def root_via(lineage: Lineage) -> Relation | None:
    """How rule paths start at the root. A dataset checked on its own is judged as the
    fine-tuning data of a model trained on it: paths start as if the root had been reached
    through `trained_on`, so the data, mixture and generator rules apply to it and to what it
    was built from (a dataset has no weights for the weight rules to judge)."""
    if lineage.nodes[lineage.root].kind is NodeKind.DATASET:
        return Relation.TRAINED_ON
    return None


def _fields(
    lineage: Lineage, node: AnyNode, entry: "LicenseEntry | None", path: tuple[Edge, ...]
) -> _Format:
    lic = node.license
    as_data = root_via(lineage) is Relation.TRAINED_ON
    fields = _Format(
        subject=f"a model trained on {lineage.root}" if as_data else lineage.root,
        ancestor=node.id,
        license=entry.id if entry else (lic.raw or UNKNOWN_LICENSE),
        license_name=entry.name if entry else "an undetermined license",
        license_version=(entry.version or "version not recorded") if entry else "",
        path=render_path(path, lineage.root),
        relation=path[-1].relation.value if path else "itself",
        reason=lic.reason if isinstance(lic, UnknownLicense) else "",
    )
    if entry is not None:
        for name in entry.clauses._fields:
            value = getattr(entry.clauses, name)
            fields[name] = "" if value is None else str(value)
    return fields


def _finding(
    rule: "Rule", lineage: Lineage, node: AnyNode, entry: "LicenseEntry | None",
    path: tuple[Edge, ...], extra: Mapping[str, str] | None = None,
) -> Finding:  # fmt: skip
    fields = _fields(lineage, node, entry, path)
    if extra:
        fields.update(extra)
    conditions = tuple(
        sorted(
            (
                Condition(c.id, (c.value.format_map(fields) or None) if c.value else None)
                for c in rule.conditions
            ),
            key=condition_key,
        )
    )
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        status=rule.status,
        conditions=conditions,
        path=path,
        ancestor=node.id,
        license_id=entry.id if entry else None,
        message=rule.message.format_map(fields),
        references=rule.references,
    )


def evaluate(lineage: Lineage, kb: "KnowledgeBase", rules: "Sequence[Rule]") -> Evaluation:
    """Run every rule over the lineage; findings are sorted, worst first."""
    entries = {nid: license_entry(node, kb) for nid, node in lineage.nodes.items()}
    # DESIGN §4: same-licensor weight edges do not carry the upstream's license (licensor.py).
    by_child, relicensed = bypass_relicensed(lineage, kb, entries)
    walks: dict[str, dict[str, tuple[Edge, ...]]] = {}
    via = root_via(lineage)

    def walk(pattern: PathPattern, start: str) -> dict[str, tuple[Edge, ...]]:
        key = f"{start}\0{pattern.text}"
        if key not in walks:
            walks[key] = pattern.walk(start, by_child, via if start == lineage.root else None)
        return walks[key]

    findings: dict[tuple[str, str], Finding] = {(f.rule_id, f.ancestor): f for f in relicensed}
    for rule in rules:
        if rule.type == "clause":
            for node_id, path in walk(rule.path, lineage.root).items():
                node = lineage.nodes[node_id]
                if _matches(rule, node, entries[node_id]):
                    findings.setdefault(
                        (rule.id, node_id), _finding(rule, lineage, node, entries[node_id], path)
                    )
        else:
            for found in _conflicts(rule, lineage, entries, walk, by_child):
                findings.setdefault((rule.id, found.ancestor), found)
    ordered = sorted(findings.values(), key=lambda f: (-f.status, f.rule_id, f.ancestor))
    return Evaluation(tuple(ordered), _concluded(lineage, entries, by_child))


def _conflicts(
    rule: "Rule",
    lineage: Lineage,
    entries: "Mapping[str, LicenseEntry | None]",
    walk: Callable[[PathPattern, str], dict[str, tuple[Edge, ...]]],
    by_child: Mapping[str, list[Edge]],
) -> list[Finding]:
    """A model whose declared license is less strict than an ancestor its rule path reaches.

    One walk per strictness level, from every model of that level at once (a walk per model
    would be quadratic on large graphs); each ancestor is reported once, against the most
    permissive model that reaches it.
    """
    to_nodes = walk(_WEIGHTS, lineage.root)
    by_rank: dict[Status, list[str]] = {}
    for node_id in to_nodes:
        own = entries[node_id]
        if lineage.nodes[node_id].kind is not NodeKind.MODEL or own is None:
            continue
        rank = strictness(own.clauses)
        if rank is not None:
            by_rank.setdefault(rank, []).append(node_id)
    out: dict[str, Finding] = {}
    for rank in sorted(by_rank):
        reached = rule.path.walk_from(sorted(by_rank[rank]), by_child)
        for anc_id, (start, to_anc) in sorted(reached.items()):
            entry = entries[anc_id]
            if anc_id == start or anc_id in out or entry is None:
                continue
            anc = lineage.nodes[anc_id]
            anc_rank = strictness(entry.clauses)
            if anc_rank is None or anc_rank <= rank or not _matches(rule, anc, entry):
                continue
            declared = entries[start]
            assert declared is not None
            extra = {"declared": declared.id, "subject": start}
            out[anc_id] = _finding(rule, lineage, anc, entry, (*to_nodes[start], *to_anc), extra)
    return list(out.values())


def _concluded(
    lineage: Lineage,
    entries: "Mapping[str, LicenseEntry | None]",
    by_child: Mapping[str, list[Edge]],
) -> dict[str, tuple[str, ...]]:
    """Per node, the licenses whose terms reach it: its own, its weight ancestors', and those
    of training data that forbid commercial use (DESIGN §5's default propagation)."""
    memo: dict[str, frozenset[str]] = {}

    def own(node_id: str) -> str:
        entry = entries.get(node_id)
        return entry.id if entry else UNKNOWN_LICENSE

    def data_carries(node_id: str) -> bool:
        entry = entries.get(node_id)
        if entry is None:
            return False
        clauses = entry.clauses
        return clauses.commercial_use == "prohibited" or clauses.research_only

    def visit(node_id: str) -> frozenset[str]:
        # Iterative post-order: lineages can be deep, and cycles were cut by the resolver.
        stack = [(node_id, False)]
        while stack:
            current, ready = stack.pop()
            if current in memo:
                continue
            parents = [e for e in by_child.get(current, ()) if e.relation in WEIGHT_RELATIONS]
            if not ready:
                stack.append((current, True))
                stack.extend((e.parent, False) for e in parents if e.parent not in memo)
                continue
            acc = {own(current)}
            for e in parents:
                acc |= memo.get(e.parent, frozenset())
            for e in by_child.get(current, ()):
                if e.relation is Relation.TRAINED_ON and data_carries(e.parent):
                    acc.add(own(e.parent))
            memo[current] = frozenset(acc)
        return memo[node_id]

    return {nid: tuple(sorted(visit(nid))) for nid in sorted(lineage.nodes)}


def unresolved(lineage: Lineage) -> list[UnresolvedNode]:
    """Nodes whose facts could not be read."""
    return [n for n in lineage.nodes.values() if isinstance(n, UnresolvedNode)]
