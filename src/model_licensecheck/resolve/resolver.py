"""Build the lineage graph: recursive, deduplicated, depth-limited, cycle-safe (DESIGN §2)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import (
    AnyNode,
    Confidence,
    Edge,
    Evidence,
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
        workers: int = 8,
    ) -> None:
        self.kb = kb
        self.sources = tuple(sources)
        self.max_depth = max_depth
        self.progress = progress
        self.workers = workers
        self.failures: list[SourceFailure] = []

    def canonical(self, artifact_id: str) -> str:
        """The knowledge base's spelling of an id it knows (also for renamed repos)."""
        entry = self.kb.artifact(artifact_id)
        return entry.id if entry is not None else artifact_id

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        """Ask each source in order; the first that knows the artifact answers."""
        failure: Failed | None = None
        reasons: list[str] = []
        for source in self.sources:
            result = source.lookup(artifact_id, kind)
            if isinstance(result, Found):
                return result
            if isinstance(result, Failed):
                self.failures.append(SourceFailure(artifact_id, source.name, result.reason,
                                                   result.tip))  # fmt: skip
                failure = failure or result
            else:
                reasons.append(result.reason)
        if failure is not None:
            return failure
        return Missing("; ".join(reasons) or "no source knows it")

    def resolve(self, root: ArtifactFacts) -> Lineage:
        """The lineage of `root`: every ancestor its claims reach, within the depth limit."""
        nodes: dict[str, AnyNode] = {}
        edges: dict[tuple[str, str], tuple[Relation, list[Evidence]]] = {}
        notes: list[str] = list(root.notes)
        queued: dict[str, tuple[NodeKind, int]] = {}

        def take(facts: ArtifactFacts, depth: int) -> None:
            nodes[facts.id] = self._node(facts)
            for claim in facts.edges:
                self._add_edge(facts.id, claim, edges, nodes, queued, depth)

        take(root, 0)
        notes.extend(n for n in root.notes if n not in notes)
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
        lineage_edges = tuple(
            Edge(child, parent, rel, tuple(ev))
            for (child, parent), (rel, ev) in sorted(edges.items())
        )
        kept, cut = _break_cycles(root.id, lineage_edges)
        notes.extend(
            f"Cycle: {e.child} -{e.relation.value}-> {e.parent} closes a loop and was ignored."
            for e in cut
        )
        for f in self.failures:
            tip = f" ({f.tip})" if f.tip else ""
            notes.append(f"{f.source} could not answer for {f.node_id}: {f.reason}{tip}")
        return Lineage(root.id, dict(sorted(nodes.items())), kept, tuple(notes))

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
