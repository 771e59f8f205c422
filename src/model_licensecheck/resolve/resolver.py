"""Build the lineage graph: recursive, deduplicated, depth-limited, cycle-safe (DESIGN §2)."""

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from ..errors import InputError
from ..kb.schema import strictness
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
    from concurrent.futures import Future

    from ..kb.loader import KnowledgeBase

DEFAULT_MAX_DEPTH = 16
MAX_DEPTH_LIMIT = 256
"""Findings carry their whole path, so memory grows with depth squared: real lineages are a
few levels deep, and a deeper one (hostile or broken) is cut here, its remainder `unknown`."""
GENERATED_DATA_MARK = "#generated-data-"

_PRECEDENCE = {kind: i for i, kind in enumerate(SourceKind)}

Progress = Callable[[str], None]


class SourceFailure(NamedTuple):
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
        kb: "KnowledgeBase",
        sources: Sequence[FactSource],
        max_depth: int = DEFAULT_MAX_DEPTH,
        progress: Progress | None = None,
        workers: int = 64,
    ) -> None:
        if not 0 <= max_depth <= MAX_DEPTH_LIMIT:
            raise InputError(f"the depth limit must be between 0 and {MAX_DEPTH_LIMIT}")
        self.kb = kb
        self.sources = tuple(sources)
        self.max_depth = max_depth
        self.progress = progress
        self.workers = workers
        self.failures: list[SourceFailure] = []
        self._lock = threading.Lock()
        self._notes: dict[str, list[str]] = {}

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

    def resolve_ids(self, roots: Sequence[ArtifactFacts | str]) -> list[Lineage | Failed | Missing]:
        """Like `resolve_many`, but a root may be an id to look up first (in the same pass, so
        looking up the roots and their ancestors overlaps); a root that cannot be found yields
        the lookup's answer in its place."""
        return self._resolve(roots)

    def resolve_many(self, roots: Sequence[ArtifactFacts]) -> list[Lineage]:
        """Lineages of several roots, resolved together: shared ancestors are fetched once, and
        each ancestor is fetched as soon as it is discovered (no waiting for a whole level), so
        the wall time follows the deepest lineage, not the sum of its levels' slowest nodes.

        The result does not depend on the order in which answers arrive: a node's depth is its
        shortest distance from a root, and it is resolved exactly when that is within the limit.
        """
        out = self._resolve(roots)
        assert all(isinstance(x, Lineage) for x in out)  # every root came with its facts
        return out  # type: ignore[return-value]

    def _resolve(self, roots: Sequence[ArtifactFacts | str]) -> list[Lineage | Failed | Missing]:
        nodes: dict[str, AnyNode] = {}
        root_answers: dict[str, Lookup] = {}
        root_ids = {r for r in roots if isinstance(r, str)}
        edges: dict[tuple[str, str], tuple[Relation, list[Evidence]]] = {}
        depth_of: dict[str, int] = {}
        kinds: dict[str, NodeKind] = {}
        parents_of: dict[str, set[str]] = {}
        in_flight: dict[Future[Lookup], str] = {}
        waiting: deque[str] = deque()
        asked: set[str] = set()  # waiting or in flight: each id is looked up once at a time
        pool = None
        if self.workers > 1 and any(getattr(s, "remote", False) for s in self.sources):
            # Only sources that wait on a network gain from threads; importing and starting a
            # pool costs start-up time that a knowledge-base lookup does not need.
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(max_workers=self.workers)

        def handle(ident: str, result: Lookup) -> None:
            asked.discard(ident)
            if ident in root_ids:
                root_answers[ident] = result
            if isinstance(result, Found):
                facts = result.facts
                if self.canonical(facts.id) != ident:
                    facts = _renamed(facts, ident)
                take(facts)
            else:
                nodes[ident] = UnresolvedNode(ident, kinds[ident], result.reason)

        def schedule(ident: str) -> None:
            kind = kinds[ident]
            if depth_of[ident] > self.max_depth:
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
            else:
                if self.progress is not None:
                    self.progress(ident)
                asked.add(ident)
                if pool is None:
                    waiting.append(ident)  # looked up by the loop below: no recursion
                else:
                    in_flight[pool.submit(self.lookup, ident, kind)] = ident

        def discover(start: str, kind: NodeKind, depth: int) -> None:
            stack = [(start, kind, depth)]
            while stack:
                ident, kind, depth = stack.pop()
                if depth >= depth_of.get(ident, depth + 1):
                    continue
                depth_of[ident] = depth
                kinds.setdefault(ident, kind)
                node = nodes.get(ident)
                if isinstance(node, UnresolvedNode) and node.reason.startswith("beyond the depth"):
                    del nodes[ident]
                    node = None
                if node is not None:  # already resolved: its ancestors may now be nearer
                    stack.extend((p, kinds[p], depth + 1) for p in parents_of.get(ident, ()))
                elif ident not in asked:
                    schedule(ident)

        def take(facts: ArtifactFacts) -> None:
            nodes[facts.id] = self._node(facts)
            if facts.notes:
                self._notes.setdefault(facts.id, []).extend(facts.notes)
            for claim in facts.edges:
                added = self._add_edge(facts.id, claim, edges)
                if added is None:
                    continue
                child, parent, kind = added
                parents_of.setdefault(child, set()).add(parent)
                child_depth = depth_of.get(child, depth_of[facts.id] + 1)
                discover(parent, kind, child_depth + 1)

        try:
            for root in roots:
                if isinstance(root, str):
                    depth_of[root] = 0
                    kinds[root] = NodeKind.MODEL
                    schedule(root)
                else:
                    depth_of[root.id] = 0
                    kinds[root.id] = root.kind
            for root in roots:
                if not isinstance(root, str):
                    take(root)
            while waiting or in_flight:
                if waiting:
                    ident = waiting.popleft()
                    handle(ident, self.lookup(ident, kinds[ident]))
                    continue
                from concurrent.futures import FIRST_COMPLETED, wait

                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: in_flight[f]):
                    handle(in_flight.pop(future), future.result())
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        all_edges = [
            Edge(child, parent, rel, tuple(ev))
            for (child, parent), (rel, ev) in sorted(edges.items())
        ]
        out: list[Lineage | Failed | Missing] = []
        for root in roots:
            if isinstance(root, str):
                answer = root_answers[root]
                if not isinstance(answer, Found):
                    out.append(answer)
                    continue
                root = answer.facts._replace(id=root)
            out.append(self._lineage(root, nodes, all_edges))
        return out

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
        notes = list(dict.fromkeys(
            n for node_id in [root.id, *sorted(reach - {root.id})]
            for n in self._notes.get(node_id, ())
        ))  # fmt: skip
        notes.extend(
            f"Cycle: {e.child} -{e.relation.value}-> {e.parent} closes a loop and was ignored."
            for e in cut
        )
        seen: set[tuple[str, str]] = set()
        for f in sorted(self.failures, key=lambda f: (f.node_id, f.source, f.reason)):
            if f.node_id in reach and (f.source, f.reason) not in seen:
                seen.add((f.source, f.reason))
                tip = f" ({f.tip})" if f.tip else ""
                notes.append(f"{f.source} could not answer for {f.node_id}: {f.reason}{tip}")
        return Lineage(root.id, {n: nodes[n] for n in sorted(reach)}, kept, tuple(notes))

    def _node(self, facts: ArtifactFacts) -> Node:
        return Node(
            id=facts.id,
            kind=facts.kind,
            license=normalize(facts.license, self.kb),
            name=facts.name,
            revision=facts.revision,
            pretraining=bool(facts.pretraining),
            sources=facts.sources,
            notes=(*facts.notes, *((facts.description,) if facts.description else ())),
        )

    def _add_edge(
        self,
        child: str,
        claim: EdgeClaim,
        edges: dict[tuple[str, str], tuple[Relation, list[Evidence]]],
    ) -> tuple[str, str, NodeKind] | None:
        """Record a claimed edge (merging evidence with an existing one); return the child,
        the parent and the parent's kind, or None for a self-reference."""
        parent = self.canonical(claim.parent)
        child = self.canonical(claim.child) if claim.child else child
        entry = self.kb.artifact(parent)
        kind = entry.kind if entry is not None else claim.parent_kind
        relation = claim.relation
        if relation is None:  # a `datasets:` entry: how the data was used is not stated
            pretraining = entry is not None and entry.pretraining
            relation = Relation.PRETRAINED_ON if pretraining else Relation.TRAINED_ON
        if parent == child:
            return None
        key = (child, parent)
        if key in edges:
            old_rel, evidence = edges[key]
            if _rank([claim.evidence]) < _rank(evidence):
                old_rel = relation
            evidence.append(claim.evidence)
            edges[key] = (old_rel, evidence)
        else:
            edges[key] = (relation, [claim.evidence])
        return child, parent, kind


def _with_note(facts: ArtifactFacts, note: str) -> ArtifactFacts:
    return facts._replace(notes=(*facts.notes, note))


def merge_facts(
    first: ArtifactFacts, second: ArtifactFacts, second_name: str, kb: "KnowledgeBase"
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
    return first._replace(
        license=license_claim,
        edges=(*first.edges, *second.edges),
        name=first.name or second.name,
        description=first.description or second.description,
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
