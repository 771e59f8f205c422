"""Apply rules to a lineage: every (rule, ancestor) pair a matching path reaches is a finding."""

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from ..kb.schema import CLAUSE_NAMES, strictness
from ..model import (
    UNKNOWN_LICENSE,
    WEIGHT_RELATIONS,
    AnyNode,
    Condition,
    Edge,
    Finding,
    KnownLicense,
    Lineage,
    Node,
    NodeKind,
    Relation,
    Status,
    UnknownLicense,
    UnresolvedNode,
    worst_first,
)
from .licensor import bypass_relicensed
from .pathpattern import PathPattern

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
    from ..kb.schema import LicenseEntry
    from .schema import Rule

"""The concluded-license marker for a license that could not be determined."""

UNCONFIRMED_RULE = "builtin-unconfirmed-ancestor"
"""The finding for a model the card names without stating its use, whose license is stricter
than the one that applies (DESIGN §5): conditional until a person confirms or waives it."""

INHERITED_RULE = "builtin-license-inherited"
"""The finding that says a quantized copy carries its parent's license (rule ids starting
with `builtin-` are reserved: no rule file can make one)."""

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


def _matches(
    rule: "Rule", kind: NodeKind, entry: "LicenseEntry | None", conflicted: bool = False
) -> bool:
    if rule.ancestor_kinds and kind not in rule.ancestor_kinds:
        return False
    for key, accepted in rule.when.items():
        if key == "license_known":
            if (entry is not None) not in accepted:
                return False
            continue
        if key == "declared_conflict":
            if conflicted not in accepted:
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


class _Fields(dict[str, str]):
    """The fields a rule's message and conditions may name (`{ancestor}`, `{path}`, a clause
    such as `{user_cap}`), each computed only when a template names it; an unknown name is
    left as written."""

    __slots__ = ("entry", "lineage", "node", "path")

    def __init__(
        self, lineage: Lineage, node: AnyNode, entry: "LicenseEntry | None",
        path: tuple[Edge, ...], extra: tuple[tuple[str, str], ...] = (),
    ) -> None:  # fmt: skip
        super().__init__(extra)
        self.lineage, self.node, self.entry, self.path = lineage, node, entry, path

    def __missing__(self, key: str) -> str:
        lineage, entry, path, lic = self.lineage, self.entry, self.path, self.node.license
        match key:
            case "subject":
                as_data = root_via(lineage) is Relation.TRAINED_ON
                return f"a model trained on {lineage.root}" if as_data else lineage.root
            case "ancestor":
                return self.node.id
            case "license":
                return entry.id if entry else (lic.raw or UNKNOWN_LICENSE)
            case "license_name":
                return entry.name if entry else "an undetermined license"
            case "license_version":
                return (entry.version or "version not recorded") if entry else ""
            case "path":
                return render_path(path, lineage.root)
            case "relation":
                return path[-1].relation.value if path else "itself"
            case "reason":
                return lic.reason if isinstance(lic, UnknownLicense) else ""
        if entry is not None and key in CLAUSE_NAMES:
            value = getattr(entry.clauses, key)
            return "" if value is None else str(value)
        return f"{{{key}}}"


class _Message:
    """Renders a rule's message for a finding when a report asks for it, from the same fields
    its conditions were formatted with (the finding keeps the path, ancestor and license)."""

    __slots__ = ("conditions", "extra", "licenses", "lineage", "rule")

    def __init__(
        self, rule: "Rule", lineage: Lineage, licenses: "Mapping[str, LicenseEntry]",
        extra: tuple[tuple[str, str], ...] = (),
    ) -> None:  # fmt: skip
        self.rule, self.lineage, self.licenses, self.extra = rule, lineage, licenses, extra
        self.conditions: tuple[Condition, ...] | None = None
        """The rule's conditions when none has a value to format (the same for every finding);
        None when they are formatted per finding."""
        if not any(c.value for c in rule.conditions):
            made = sorted((Condition(c.id) for c in rule.conditions), key=condition_key)
            self.conditions = _shared(tuple(made))

    def with_extra(self, *extra: tuple[str, str]) -> "_Message":
        """The same message with more fields (the license a model declared, and so on)."""
        out = _Message.__new__(_Message)
        out.rule, out.lineage, out.licenses = self.rule, self.lineage, self.licenses
        out.extra, out.conditions = extra, self.conditions  # fixed conditions name no field
        return out

    def render(self, finding: Finding) -> str:
        entry = self.licenses.get(finding.license_id) if finding.license_id else None
        node = self.lineage.nodes[finding.ancestor]
        fields = _Fields(self.lineage, node, entry, finding.path, self.extra)
        return self.rule.message.format_map(fields)


def _finding(
    message: _Message, node: AnyNode, entry: "LicenseEntry | None", path: tuple[Edge, ...]
) -> Finding:
    rule = message.rule
    conditions = message.conditions
    if conditions is None:  # a condition's value names a field: formatted per finding
        fields = _Fields(message.lineage, node, entry, path, message.extra)
        made = (
            Condition(c.id, (c.value.format_map(fields) or None) if c.value else None)
            for c in rule.conditions
        )
        conditions = _shared(tuple(sorted(made, key=condition_key)))
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        status=rule.status,
        conditions=conditions,
        path=path,
        ancestor=node.id,
        license_id=entry.id if entry else None,
        message=message,
        references=rule.references,
    )


@lru_cache(maxsize=4096)
def _shared(conditions: tuple[Condition, ...]) -> tuple[Condition, ...]:
    """One object for equal conditions: a large lineage has hundreds of thousands of findings
    and only a few distinct conditions (a quarter of a finding's memory, shared)."""
    return conditions


def evaluate(lineage: Lineage, kb: "KnowledgeBase", rules: "Sequence[Rule]") -> Evaluation:
    """Run every rule over the lineage; findings are sorted, worst first."""
    entries = {nid: license_entry(node, kb) for nid, node in lineage.nodes.items()}
    inherited = inherit_licenses(lineage, entries, lineage.by_child)
    for node_id, (_, entry) in inherited.items():
        entries[node_id] = entry
    conflicted = _declared_conflicts(lineage, entries, kb)
    # DESIGN §4: same-licensor weight edges do not carry the upstream's license (licensor.py).
    by_child, relicensed = bypass_relicensed(lineage, kb, entries)
    walk = _Walks(lineage, by_child)
    # rule id -> ancestor -> finding, the first one kept (no key tuple per finding: there are
    # millions on a large lineage)
    findings: dict[str, dict[str, Finding]] = {}

    def add(found: Finding) -> None:
        findings.setdefault(found.rule_id, {}).setdefault(found.ancestor, found)

    for found in relicensed:
        add(found)
    if walk.via is None:
        for node_id, path in walk(_WEIGHTS, lineage.root).items():
            if node_id in inherited:
                parent, entry = inherited[node_id]
                add(_inherited(lineage, node_id, parent, entry, path))
    for rule in sorted(rules, key=lambda r: r.path.text):
        message = _Message(rule, lineage, kb.licenses)
        if rule.type == "clause":
            reached, groups = walk.groups(rule.path, lineage.nodes, entries, conflicted)
            for found in _clause_findings(message, reached, groups, conflicted):
                add(found)
        else:
            for found in _conflicts(message, lineage, entries, walk, by_child):
                add(found)
    concluded = _concluded(lineage, entries, by_child)
    if walk.via is None:
        for found in _unconfirmed(lineage, entries, concluded, walk(_WEIGHTS, lineage.root), kb):
            add(found)
    ordered = worst_first(f for per_rule in findings.values() for f in per_rule.values())
    return Evaluation(tuple(ordered), concluded)


_Group = tuple[NodeKind, "LicenseEntry | None", bool, list[AnyNode]]
"""Nodes a walk reached that no clause rule can tell apart: their kind, license entry, whether
their declared license conflicts, and the nodes."""


class _Walks:
    """The rules' walks over a lineage, two kept at a time: the weights' from the root (used by
    several steps) and the last other one. Rules run grouped by their path pattern; a walk
    holds a path for every node it reaches, so keeping every walk was the peak of memory on
    large lineages (hundreds of MB per pattern at a million nodes)."""

    def __init__(self, lineage: Lineage, by_child: Mapping[str, Sequence[Edge]]) -> None:
        self.root, self.by_child, self.via = lineage.root, by_child, root_via(lineage)
        self.weights: dict[str, tuple[Edge, ...]] | None = None
        self.last: tuple[str, dict[str, tuple[Edge, ...]]] | None = None
        self.grouped: tuple[Mapping[str, tuple[Edge, ...]], list[_Group]] | None = None

    def __call__(self, pattern: PathPattern, start: str) -> dict[str, tuple[Edge, ...]]:
        via = self.via if start == self.root else None
        if pattern.text == _WEIGHTS.text and start == self.root:
            if self.weights is None:
                self.weights = pattern.walk(start, self.by_child, via)
            return self.weights
        key = f"{start}\0{pattern.text}"
        if self.last is None or self.last[0] != key:
            # the previous walk (and its groups) is let go before the next is made
            self.last = self.grouped = None
            self.last = (key, pattern.walk(start, self.by_child, via))
        return self.last[1]

    def groups(
        self,
        pattern: PathPattern,
        nodes: Mapping[str, AnyNode],
        entries: "Mapping[str, LicenseEntry | None]",
        conflicted: Mapping[str, str],
    ) -> tuple[Mapping[str, tuple[Edge, ...]], list[_Group]]:
        """The nodes a walk from the root reaches, grouped by what a clause rule can tell
        apart (kind, license entry, declared conflict): each rule is matched once per group,
        not once per node (the rules sharing a pattern share the grouping); with the walk."""
        reached = self(pattern, self.root)
        if self.grouped is None or self.grouped[0] is not reached:
            index: dict[tuple[NodeKind, int, bool], _Group] = {}
            for node_id in reached:
                entry = entries[node_id]
                node = nodes[node_id]
                key = (node.kind, id(entry), node_id in conflicted)
                if key not in index:
                    index[key] = (node.kind, entry, key[2], [])
                index[key][3].append(node)
            self.grouped = (reached, list(index.values()))
        return self.grouped


def _clause_findings(
    message: _Message,
    reached: Mapping[str, tuple[Edge, ...]],
    groups: Sequence[_Group],
    conflicted: Mapping[str, str],
) -> Iterator[Finding]:
    """A clause rule's findings: every node its path reaches whose license it matches."""
    rule = message.rule
    for kind, entry, declared_conflict, members in groups:
        if not _matches(rule, kind, entry, declared_conflict):
            continue
        for node in members:
            said = message
            if declared_conflict:
                said = message.with_extra(("declared", conflicted[node.id]))
            yield _finding(said, node, entry, reached[node.id])


def _unconfirmed(
    lineage: Lineage,
    entries: "Mapping[str, LicenseEntry | None]",
    concluded: Mapping[str, tuple[str, ...]],
    weights: Mapping[str, tuple[Edge, ...]],
    kb: "KnowledgeBase",
) -> list[Finding]:
    """Models named without a stated use (`mentioned`) by the subject or its weight ancestors,
    whose license is stricter than every license that applies to the subject."""
    applied = [kb.licenses.get(lic) for lic in concluded.get(lineage.root, ())]
    if any(e is None for e in applied):
        return []  # an undetermined license already keeps the verdict at unknown
    ranks = [strictness(e.clauses) for e in applied if e is not None]
    ceiling = max((int(r) if r is not None else int(Status.UNKNOWN) for r in ranks), default=0)
    out: list[Finding] = []
    for edge in lineage.edges:
        if edge.relation is not Relation.MENTIONED or edge.child not in weights:
            continue
        entry = entries.get(edge.parent)
        if entry is None:
            continue
        rank = strictness(entry.clauses)
        if (int(rank) if rank is not None else int(Status.UNKNOWN)) <= ceiling:
            continue
        quote = next((ev.quote for ev in edge.evidence if ev.quote), "")
        where = next((ev.location for ev in edge.evidence), "")
        out.append(
            Finding(
                rule_id=UNCONFIRMED_RULE,
                title="A stricter model is named without its use being stated",
                status=Status.CONDITIONAL,
                conditions=(Condition("unconfirmed-ancestor", edge.parent),),
                path=(*weights[edge.child], edge),
                ancestor=edge.parent,
                license_id=entry.id,
                message=(
                    f'The card of {edge.child} names {edge.parent} ({where}: "{quote}") '
                    f"without saying how it was used; its license, {entry.name} ({entry.id}), "
                    f"is stricter than what applies to {lineage.root}. Confirm that it is not "
                    "an ancestor (or that its terms are met), or waive this finding."
                ),
            )
        )
    return out


def inherit_licenses(
    lineage: Lineage,
    entries: "Mapping[str, LicenseEntry | None]",
    by_child: Mapping[str, Sequence[Edge]],
) -> dict[str, tuple[str, "LicenseEntry"]]:
    """Models that carry their parent's license (DESIGN §4): a node read completely that
    declares no license at all, whose only weight parent is a `quantized` one (a quantization,
    conversion or plain re-upload: the weights are the parent's), carries that parent's license,
    itself possibly inherited (hops compound). A fine-tune, adapter or merge that declares no
    license inherits nothing, and neither does a node that could not be read."""
    out: dict[str, tuple[str, LicenseEntry]] = {}
    done: set[str] = set()

    def source(node_id: str) -> str | None:
        node = lineage.nodes.get(node_id)
        lic = node.license if node is not None else None
        if (
            not isinstance(node, Node)
            or node.kind is not NodeKind.MODEL
            or not isinstance(lic, UnknownLicense)
            or not lic.undeclared
        ):
            return None
        weights = [e for e in by_child.get(node_id, ()) if e.relation in WEIGHT_RELATIONS]
        if len(weights) != 1 or weights[0].relation is not Relation.QUANTIZED:
            return None
        return weights[0].parent

    for start in sorted(lineage.nodes):
        chain: list[tuple[str, str]] = []
        current = start
        while current not in done and (parent := source(current)) is not None:
            done.add(current)
            chain.append((current, parent))
            current = parent
        done.add(current)
        found = out[current][1] if current in out else entries.get(current)
        if current in {c for c, _ in chain} or found is None:
            continue  # a loop of copies (cut by the resolver) or an unknown origin
        for node_id, parent in reversed(chain):
            out[node_id] = (parent, found)
    return out


def _inherited(
    lineage: Lineage, node_id: str, parent: str, entry: "LicenseEntry", path: tuple[Edge, ...]
) -> Finding:
    return Finding(
        rule_id=INHERITED_RULE,
        title="License inherited from the parent whose weights these are",
        status=Status.ALLOWED,
        conditions=(),
        path=path,
        ancestor=node_id,
        license_id=entry.id,
        message=(
            f"{node_id} declares no license of its own; it is a quantized or re-uploaded copy "
            f"of {parent}, so it carries that license, {entry.name} ({entry.id}), inherited."
        ),
    )


def _declared_conflicts(
    lineage: Lineage, entries: "Mapping[str, LicenseEntry | None]", kb: "KnowledgeBase"
) -> dict[str, str]:
    """Nodes whose metadata declares a license more permissive than the one a statement in
    their card gives (which applies): node id -> the declared license id."""
    out: dict[str, str] = {}
    for node_id, node in lineage.nodes.items():
        lic = node.license
        entry = entries[node_id]
        if not isinstance(lic, KnownLicense) or lic.declared_id is None or entry is None:
            continue
        declared = kb.licenses.get(lic.declared_id)
        applied = strictness(entry.clauses)
        said = strictness(declared.clauses) if declared else None
        if said is None or applied is None or applied > said:
            out[node_id] = lic.declared_id
    return out


def _conflicts(
    message: _Message,
    lineage: Lineage,
    entries: "Mapping[str, LicenseEntry | None]",
    walk: "_Walks",
    by_child: Mapping[str, Sequence[Edge]],
) -> list[Finding]:
    """A model whose declared license is less strict than an ancestor its rule path reaches.

    One walk per strictness level, from every model of that level at once (a walk per model
    would be quadratic on large graphs); each ancestor is reported once, against the most
    permissive model that reaches it.
    """
    rule = message.rule
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
        search = rule.path.search(sorted(by_rank.pop(rank)), by_child)
        for anc_id in sorted(search.found):
            entry = entries[anc_id]
            if anc_id in out or entry is None:
                continue
            anc = lineage.nodes[anc_id]
            anc_rank = strictness(entry.clauses)
            if anc_rank is None or anc_rank <= rank or not _matches(rule, anc.kind, entry):
                continue
            start, to_anc = search.path(anc_id, search.found[anc_id])
            if anc_id == start:
                continue
            declared = entries[start]
            assert declared is not None
            said = message.with_extra(("declared", declared.id), ("subject", start))
            out[anc_id] = _finding(said, anc, entry, (*to_nodes[start], *to_anc))
        del search  # before the next level's: each holds an edge per node it reaches
    return list(out.values())


def _concluded(
    lineage: Lineage,
    entries: "Mapping[str, LicenseEntry | None]",
    by_child: Mapping[str, Sequence[Edge]],
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
            frozen = frozenset(acc)
            memo[current] = shared.setdefault(frozen, frozen)
        return memo[node_id]

    # A million nodes have a few hundred distinct license sets: one object for each.
    shared: dict[frozenset[str], frozenset[str]] = {}
    ordered: dict[frozenset[str], tuple[str, ...]] = {}
    out: dict[str, tuple[str, ...]] = {}
    for nid in sorted(lineage.nodes):
        found = visit(nid)
        if found not in ordered:
            ordered[found] = tuple(sorted(found))
        out[nid] = ordered[found]
    return out


def unresolved(lineage: Lineage) -> list[UnresolvedNode]:
    """Nodes whose facts could not be read."""
    return [n for n in lineage.nodes.values() if isinstance(n, UnresolvedNode)]
