"""Build the lineage graph: recursive, deduplicated, depth-limited, cycle-safe (DESIGN §2)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..model import (
    AnyNode,
    Confidence,
    Edge,
    Evidence,
    KnownLicense,
    Lineage,
    Node,
    NodeKind,
    Relation,
    SourceKind,
    UnknownLicense,
    UnresolvedNode,
)
from .interface import ArtifactFacts, EdgeClaim, FactSource, Failed, Found, Lookup, Missing
from .licenses import normalize

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
from ..kb.schema import strictness

DEFAULT_MAX_DEPTH = 16
GENERATED_DATA_MARK = "#generated-data-"

_PRECEDENCE = {kind: i for i, kind in enumerate(SourceKind)}

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SourceFailure:
    """A source could not answer for a node; the report lists these."""

    node_id: str
    source: str
    reason: str
    tip: str | None


def _rank(evidence: Sequence[Evidence]) -> tuple[int, int]:
    best = min(evidence, key=lambda e: (e.confidence is not Confidence.DECLARED,
                                        _PRECEDENCE[e.source]))  # fmt: skip
    return (best.confidence is not Confidence.DECLARED, _PRECEDENCE[best.source])


class Resolver:
    """Walks lineage claims from a root through the fact sources, level by level."""

    def __init__(
        self,
        kb: KnowledgeBase,
        sources: Sequence[FactSource],
        max_depth: int = DEFAULT_MAX_DEPTH,
        progress: Progress | None = None,
        workers: int = 32,
    ) -> None:
        self.kb = kb
        self.sources = tuple(sources)
        self.max_depth = max_depth
        self.progress = progress
        self.workers = workers
        self.failures: list[SourceFailure] = []
        self._lock = threading.Lock()

    def canonical(self, artifact_id: str) -> str:
        """The knowledge base's spelling of an id it knows (also for renamed repos)."""
        entry = self.kb.artifact(artifact_id)
        return entry.id if entry is not None else artifact_id

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        """Ask every source; merge what they know (the first source's facts lead)."""
        failure: Failed | None = None
        reasons: list[str] = []
        found: list[tuple[str, ArtifactFacts]] = []
        for source in self.sources:
            result = source.lookup(artifact_id, kind)
            if isinstance(result, Found):
                found.append((source.name, result.facts))
            elif isinstance(result, Failed):
                with self._lock:
                    self.failures.append(
                        SourceFailure(artifact_id, source.name, result.reason, result.tip)
                    )
                failure = failure or result
            else:
                reasons.append(result.reason)
        if not found:
            if failure is not None:
                return failure
            return Missing("; ".join(reasons) or "no source knows it")
        facts = found[0][1]
        for name, other in found[1:]:
            facts = merge_facts(facts, other, name, self.kb)
        if reasons and found[0][0] == "knowledge-base":
            facts = _with_note(
                facts,
                f"{artifact_id}: {reasons[0]}; the knowledge base's facts were used "
                "(a deleted or renamed repo?).",
            )
        return Found(facts)

    def resolve(self, root: ArtifactFacts) -> Lineage:
        """The lineage of `root`: every ancestor its claims reach, within the depth limit."""
        return self.resolve_many([root])[0]

    def resolve_many(self, roots: Sequence[ArtifactFacts]) -> list[Lineage]:
        """Lineages of several roots, resolved together: shared ancestors are fetched once and
        each level of the combined graph is fetched concurrently."""
        nodes: dict[str, AnyNode] = {}
        edges: dict[tuple[str, str], tuple[Relation, list[Evidence]]] = {}
        queued: dict[str, tuple[NodeKind, int]] = {}

        def take(facts: ArtifactFacts, depth: int) -> None:
            nodes[facts.id] = self._node(facts)
            for claim in facts.edges:
                self._add_edge(facts.id, claim, edges, nodes, queued, depth)

        for root in roots:
            take(root, 0)
        while queued:
            level = sorted(queued.items())
            queued.clear()
            pending = [(i, k, d) for i, (k, d) in level if i not in nodes]
            for ident, kind, depth in pending:
                if depth > self.max_depth:
                    nodes[ident] = UnresolvedNode(
                        ident, kind, f"beyond the depth limit ({self.max_depth} levels)"
                    )
                elif GENERATED_DATA_MARK in ident:
                    nodes[ident] = Node(
                        ident, NodeKind.DATASET,
                        UnknownLicense("the card does not name this data, only what generated "
                                       "it, so its license is not known"),
                        name="unnamed generated data",
                    )  # fmt: skip
            todo = [(i, k, d) for i, k, d in pending if i not in nodes]
            for (ident, kind, depth), result in zip(todo, self._lookup_all(todo), strict=True):
                if isinstance(result, Found):
                    facts = result.facts
                    if self.canonical(facts.id) != ident:
                        facts = _renamed(facts, ident)
                    take(facts, depth)
                else:
                    nodes[ident] = UnresolvedNode(ident, kind, result.reason)
        all_edges = [
            Edge(child, parent, rel, tuple(ev))
            for (child, parent), (rel, ev) in sorted(edges.items())
        ]
        return [self._lineage(root, nodes, all_edges) for root in roots]

    def _lineage(
        self, root: ArtifactFacts, nodes: dict[str, AnyNode], all_edges: list[Edge]
    ) -> Lineage:
        by_child: dict[str, list[Edge]] = {}
        for e in all_edges:
            by_child.setdefault(e.child, []).append(e)
        reach = {root.id}
        todo = [root.id]
        while todo:
            for e in by_child.get(todo.pop(), ()):
                if e.parent not in reach:
                    reach.add(e.parent)
                    todo.append(e.parent)
        mine = tuple(e for e in all_edges if e.child in reach)
        kept, cut = _break_cycles(root.id, mine)
        notes = list(root.notes)
        notes.extend(
            f"Cycle: {e.child} -{e.relation.value}-> {e.parent} closes a loop and was ignored."
            for e in cut
        )
        seen: set[tuple[str, str]] = set()
        for f in self.failures:
            if f.node_id in reach and (f.source, f.reason) not in seen:
                seen.add((f.source, f.reason))
                tip = f" ({f.tip})" if f.tip else ""
                notes.append(f"{f.source} could not answer for {f.node_id}: {f.reason}{tip}")
        return Lineage(root.id, {n: nodes[n] for n in sorted(reach)}, kept, tuple(notes))

    def _lookup_all(self, todo: list[tuple[str, NodeKind, int]]) -> list[Lookup]:
        if self.progress is not None:
            for ident, _, _ in todo:
                self.progress(ident)
        if len(todo) <= 1 or self.workers <= 1:
            return [self.lookup(i, k) for i, k, _ in todo]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(todo))) as pool:
            return list(pool.map(lambda t: self.lookup(t[0], t[1]), todo))

    def _node(self, facts: ArtifactFacts) -> Node:
        return Node(
            id=facts.id,
            kind=facts.kind,
            license=normalize(facts.license, self.kb),
            name=facts.name,
            revision=facts.revision,
            pretraining=bool(facts.pretraining),
            sources=facts.sources,
            notes=facts.notes,
        )

    def _add_edge(
        self,
        child: str,
        claim: EdgeClaim,
        edges: dict[tuple[str, str], tuple[Relation, list[Evidence]]],
        nodes: dict[str, AnyNode],
        queued: dict[str, tuple[NodeKind, int]],
        depth: int,
    ) -> None:
        parent = self.canonical(claim.parent)
        child = self.canonical(claim.child) if claim.child else child
        entry = self.kb.artifact(parent)
        kind = entry.kind if entry is not None else claim.parent_kind
        relation = claim.relation
        if relation is None:  # a `datasets:` entry: how the data was used is not stated
            pretraining = entry is not None and entry.pretraining
            relation = Relation.PRETRAINED_ON if pretraining else Relation.TRAINED_ON
        if parent == child:
            return
        key = (child, parent)
        if key in edges:
            old_rel, evidence = edges[key]
            if _rank([claim.evidence]) < _rank(evidence):
                old_rel = relation
            evidence.append(claim.evidence)
            edges[key] = (old_rel, evidence)
        else:
            edges[key] = (relation, [claim.evidence])
        if parent not in nodes and parent not in queued:
            queued[parent] = (kind, depth + 1)


def _with_note(facts: ArtifactFacts, note: str) -> ArtifactFacts:
    return replace(facts, notes=(*facts.notes, note))


def merge_facts(
    first: ArtifactFacts, second: ArtifactFacts, second_name: str, kb: KnowledgeBase
) -> ArtifactFacts:
    """Combine two sources' facts about one artifact: edges from both, and where the licenses
    disagree, the one the verdict can rely on, with a note that shows both."""
    license_claim = first.license
    notes = [*first.notes, *second.notes]
    a, b = normalize(first.license, kb), normalize(second.license, kb)
    second_name = second_name.replace("-", " ")
    if isinstance(b, KnownLicense):
        if not isinstance(a, KnownLicense):
            license_claim = second.license
            said = f"says {a.raw!r}" if a.raw else "declares no license"
            notes.append(
                f"{first.id}: the card {said}, which does not settle the license; the "
                f"{second_name} records {b.id} and that is used."
            )
        elif a.id != b.id:
            ea, eb = kb.licenses.get(a.id), kb.licenses.get(b.id)
            ra = strictness(ea.clauses) if ea else None
            rb = strictness(eb.clauses) if eb else None
            stricter_second = ra is None or (rb is not None and rb > ra)
            if stricter_second:
                license_claim = second.license
            used = b.id if stricter_second else a.id
            notes.append(
                f"{first.id}: the card declares {a.id} but the {second_name} records {b.id}; "
                f"the verdict uses the stricter, {used}."
            )
    return replace(
        first,
        license=license_claim,
        edges=(*first.edges, *second.edges),
        name=first.name or second.name,
        pretraining=second.pretraining if first.pretraining is None else first.pretraining,
        sources=(*first.sources, *second.sources),
        notes=tuple(dict.fromkeys(notes)),
    )


def _renamed(facts: ArtifactFacts, ident: str) -> ArtifactFacts:
    """Keep the id the lineage used when a source answers under another spelling."""
    return ArtifactFacts(
        ident, facts.kind, facts.license, facts.edges, facts.name, facts.revision,
        facts.pretraining, facts.sources,
        (*facts.notes, f"Known as {facts.id} to {ident}'s source."),
    )  # fmt: skip


def _break_cycles(root: str, edges: tuple[Edge, ...]) -> tuple[tuple[Edge, ...], list[Edge]]:
    """Drop the edges that close a loop (back edges of a depth-first walk from the root)."""
    by_child: dict[str, list[Edge]] = {}
    for e in edges:
        by_child.setdefault(e.child, []).append(e)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cut: list[Edge] = []
    stack: list[tuple[str, int]] = [(root, 0)]
    state[root] = 1
    while stack:
        node, i = stack.pop()
        out = by_child.get(node, [])
        if i < len(out):
            stack.append((node, i + 1))
            edge = out[i]
            if state.get(edge.parent) == 1:
                cut.append(edge)
            elif edge.parent not in state:
                state[edge.parent] = 1
                stack.append((edge.parent, 0))
        else:
            state[node] = 2
    if not cut:
        return edges, cut
    dropped = set(map(id, cut))
    return tuple(e for e in edges if id(e) not in dropped), cut
