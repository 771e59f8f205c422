"""Build the lineage graph: recursive, deduplicated, depth-limited, cycle-safe (DESIGN §2)."""

import threading
import time
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
    ProgressEvent,
    Relation,
    SourceKind,
    UnknownLicense,
    Unresolved,
    UnresolvedNode,
)
from ..safetext import escape_controls
from .interface import ArtifactFacts, EdgeClaim, FactSource, Failed, Found, Lookup, Missing
from .kbsource import UNNAMED_GENERATOR_MARK
from .licenses import normalize

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from ..kb.loader import KnowledgeBase

DEFAULT_MAX_DEPTH = 16
MAX_DEPTH_LIMIT = 256
"""Findings carry their whole path, so memory grows with depth squared: real lineages are a
few levels deep, and a deeper one (hostile or broken) is cut here, its remainder `unknown`."""
GENERATED_DATA_MARK = "#generated-data-"

_PRECEDENCE = {kind: i for i, kind in enumerate(SourceKind)}

Progress = Callable[[ProgressEvent], None]
PROGRESS_INTERVAL = 0.05
"""Seconds between progress reports (a display redraws at most about as often)."""


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
        deadline: float | None = None,
        time_limit: float | None = None,
    ) -> None:
        """`deadline` is a `time.monotonic()` instant after which nothing more is asked and
        what is still in flight is left unread (`unknown`); `time_limit` is the run's limit in
        seconds, named in the reason."""
        if not 0 <= max_depth <= MAX_DEPTH_LIMIT:
            raise InputError(f"the depth limit must be between 0 and {MAX_DEPTH_LIMIT}")
        self.kb = kb
        self.sources = tuple(sources)
        self.max_depth = max_depth
        self.progress = progress
        self.workers = workers
        self.deadline = deadline
        self.time_limit = time_limit
        self.failures: list[SourceFailure] = []
        self._lock = threading.Lock()
        self._notes: dict[str, list[str]] = {}

    def deadline_reason(self) -> str:
        """Why a node was not read when the run's time limit ran out."""
        limit = f" ({self.time_limit:g} s, --timeout)" if self.time_limit is not None else ""
        return f"the run's time limit{limit} ran out before it could be read"

    def canonical(self, artifact_id: str) -> str:
        """The knowledge base's spelling of an id it knows (also for renamed repos)."""
        entry = self.kb.artifact(artifact_id)
        return entry.id if entry is not None else artifact_id

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        """Ask every source; merge what they know (the first source's facts lead).

        A source that could not answer leaves what the others found incomplete (DESIGN §2):
        the answer is then `Found(facts, failed=...)`, and the facts say what was not read.
        """
        failure: Failed | None = None
        reasons: list[str] = []
        gone: list[str] = []  # a Hub that says the repo does not exist (a cache lacking it, no)
        found: list[tuple[str, ArtifactFacts]] = []
        for source in self.sources:
            try:
                result = source.lookup(artifact_id, kind)
            except Exception as exc:  # noqa: BLE001 - a bug in one source is that node's error
                result = Failed(f"the {source.name} source failed: {type(exc).__name__}: {exc}",
                                crash=True)  # fmt: skip
            if isinstance(result, Found):
                found.append((source.name, result.facts))
            elif isinstance(result, Failed):
                with self._lock:
                    self.failures.append(
                        SourceFailure(artifact_id, source.name, result.reason, result.tip)
                    )
                failure = result if failure is None or result.crash else failure
            else:
                reasons.append(result.reason)
                if getattr(source, "remote", False):
                    gone.append(result.reason)
        if failure is not None and failure.crash:
            return failure  # a bug is reported as one, not judged around
        if not found:
            if failure is not None:
                return failure
            return Missing("; ".join(reasons) or "no source knows it")
        facts = found[0][1]
        for name, other in found[1:]:
            facts = merge_facts(facts, other, name, self.kb)
        if gone and found[0][0] == "knowledge-base":
            facts = _with_note(
                facts,
                f"{artifact_id}: {gone[0]}; the knowledge base's facts were used "
                "(a deleted or renamed repo?).",
            )
        if failure is not None:
            tip = f" ({failure.tip})" if failure.tip else ""
            facts = facts._replace(incomplete=(*facts.incomplete, failure.reason + tip))
            return Found(facts, failure)
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
        roots = [r if isinstance(r, str) else _clean(r) for r in roots]
        walk = _Walk(self, roots)
        walk.run()
        all_edges = [
            Edge(child, parent, rel, tuple(ev))
            for (child, parent), (rel, ev) in sorted(walk.edges.items())
        ]
        out: list[Lineage | Failed | Missing] = []
        for root in roots:
            if isinstance(root, str):
                answer = walk.root_answers[root]
                if isinstance(answer, Found) and answer.failed is not None:
                    # A root the Hub could not answer is an error even when the knowledge base
                    # knows it: --offline is how a user asks for the knowledge base's answer.
                    answer = answer.failed
                if not isinstance(answer, Found):
                    out.append(answer)
                    continue
                root = answer.facts._replace(id=root)
            out.append(self._lineage(root, walk.nodes, all_edges))
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
                notes.append(
                    escape_controls(f"{f.source} could not answer for {f.node_id}: {f.reason}{tip}")
                )
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
            incomplete=facts.incomplete,
            gated=facts.gated,
            moved_to=facts.moved_to,
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


class _Walk:
    """One resolution pass: every node is asked for as soon as it is discovered, at its
    shortest distance from a root, and each at most once at a time."""

    def __init__(self, resolver: Resolver, roots: Sequence[ArtifactFacts | str]) -> None:
        self.resolver = resolver
        self.roots = roots
        self.root_ids = {r for r in roots if isinstance(r, str)}
        self.root_answers: dict[str, Lookup] = {}
        self.nodes: dict[str, AnyNode] = {}
        self.edges: dict[tuple[str, str], tuple[Relation, list[Evidence]]] = {}
        self.depth_of: dict[str, int] = {}
        self.kinds: dict[str, NodeKind] = {}
        self.parents_of: dict[str, set[str]] = {}
        self.in_flight: dict[Future[Lookup], str] = {}
        self.waiting: deque[str] = deque()
        self.asked: set[str] = set()  # waiting or in flight
        self.pool: ThreadPoolExecutor | None = None
        self.asked_count = 0
        self.settled: set[str] = set()  # resolved, with everything they reach resolved
        self.reported = -PROGRESS_INTERVAL
        self.unfinished = [r if isinstance(r, str) else r.id for r in roots]
        self.root_count = len(self.unfinished)

    def report(self, final: bool = False) -> None:
        """Tell the progress callback how many roots are done: a root is done when nothing
        it reaches is waiting or in flight. Only run when a callback listens, at most every
        PROGRESS_INTERVAL seconds (counting costs a walk), and always at the end."""
        progress = self.resolver.progress
        if progress is None:
            return
        now = time.monotonic()
        if not final and now - self.reported < PROGRESS_INTERVAL:
            return
        self.reported = now
        finished = {r: self._finished(r) for r in set(self.unfinished)}
        self.unfinished = [r for r in self.unfinished if not finished[r]]
        current = self.unfinished[0] if self.unfinished else None
        done = self.root_count - len(self.unfinished)
        progress(ProgressEvent(done, self.root_count, current, self.asked_count))

    def _finished(self, root: str) -> bool:
        """Whether nothing `root` reaches is waiting or in flight. What is found settled is
        remembered, so that each settled part of the graph is walked once, not per answer."""
        if root in self.settled:
            return True
        if root in self.asked:
            return False
        seen = {root}
        todo = [root]
        while todo:
            for parent in self.parents_of.get(todo.pop(), ()):
                if parent in self.asked:
                    return False
                if parent not in seen and parent not in self.settled:
                    seen.add(parent)
                    todo.append(parent)
        self.settled |= seen
        return True

    def run(self) -> None:
        """Resolve every root and everything its claims reach."""
        r = self.resolver
        if r.workers > 1 and any(getattr(s, "remote", False) for s in r.sources):
            # Only sources that wait on a network gain from threads; importing and starting a
            # pool costs start-up time that a knowledge-base lookup does not need.
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(max_workers=r.workers)
        try:
            for root in self.roots:
                ident = root if isinstance(root, str) else root.id
                self.depth_of[ident] = 0
                self.kinds[ident] = NodeKind.MODEL if isinstance(root, str) else root.kind
                if isinstance(root, str):
                    self.schedule(root)
            for root in self.roots:
                if not isinstance(root, str):
                    self.take(root)
            self.report()
            self.drain()
            self.report(final=True)
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)

    def drain(self) -> None:
        deadline = self.resolver.deadline
        while self.waiting or self.in_flight:
            if self.waiting:
                ident = self.waiting.popleft()
                self.handle(ident, self.resolver.lookup(ident, self.kinds[ident]))
                self.report()
                continue
            from concurrent.futures import FIRST_COMPLETED, wait

            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            done, _ = wait(self.in_flight, timeout=left, return_when=FIRST_COMPLETED)
            if not done:  # the run's time is up: what is still in flight stays unread
                for future, ident in sorted(self.in_flight.items(), key=lambda x: x[1]):
                    future.cancel()
                    self.handle(ident, None)
                self.in_flight.clear()
                self.report()
                return
            for future in sorted(done, key=lambda f: self.in_flight[f]):
                self.handle(self.in_flight.pop(future), future.result())
            self.report()

    def handle(self, ident: str, result: Lookup | None) -> None:
        """Take a lookup's answer (None: the run's time limit cut it off)."""
        self.asked.discard(ident)
        kind = self.kinds[ident]
        if result is None:
            self.nodes[ident] = UnresolvedNode(
                ident, kind, self.resolver.deadline_reason(), Unresolved.DEADLINE
            )
            result = Failed(self.resolver.deadline_reason())
        if ident in self.root_ids:
            self.root_answers[ident] = result
        if isinstance(result, Found):
            facts = result.facts
            if self.resolver.canonical(facts.id) != ident:
                facts = _renamed(facts, ident)
            self.take(facts)
        elif isinstance(result, Failed):
            cause = Unresolved.CRASH if result.crash else Unresolved.FAILED
            reason = escape_controls(result.reason)
            self.nodes.setdefault(ident, UnresolvedNode(ident, kind, reason, cause))
        else:
            reason = escape_controls(result.reason)
            self.nodes[ident] = UnresolvedNode(ident, kind, reason, Unresolved.NOT_FOUND)

    def schedule(self, ident: str) -> None:
        r = self.resolver
        kind = self.kinds[ident]
        if self.depth_of[ident] > r.max_depth:
            self.nodes[ident] = UnresolvedNode(
                ident, kind, f"beyond the depth limit ({r.max_depth} levels)", Unresolved.DEPTH
            )
        elif GENERATED_DATA_MARK in ident:
            self.nodes[ident] = Node(
                ident, NodeKind.DATASET,
                UnknownLicense("the card does not name this data, only what generated "
                               "it, so its license is not known"),
                name="unnamed generated data",
            )  # fmt: skip
        elif ident.endswith(UNNAMED_GENERATOR_MARK):
            self.nodes[ident] = Node(
                ident, NodeKind.SERVICE,
                UnknownLicense("the knowledge base records this data as written by models it "
                               "does not name, so their terms on outputs are not known"),
                name="unnamed generating models",
            )  # fmt: skip
        elif r.deadline is not None and time.monotonic() >= r.deadline:
            self.nodes[ident] = UnresolvedNode(
                ident, kind, r.deadline_reason(), Unresolved.DEADLINE
            )
            if ident in self.root_ids:
                self.root_answers[ident] = Failed(r.deadline_reason())
        else:
            self.asked_count += 1
            self.asked.add(ident)
            if self.pool is None:
                self.waiting.append(ident)  # looked up by the loop in drain: no recursion
            else:
                self.in_flight[self.pool.submit(r.lookup, ident, kind)] = ident

    def discover(self, start: str, kind: NodeKind, depth: int) -> None:
        stack = [(start, kind, depth)]
        while stack:
            ident, kind, depth = stack.pop()
            if depth >= self.depth_of.get(ident, depth + 1):
                continue
            self.depth_of[ident] = depth
            self.kinds.setdefault(ident, kind)
            node = self.nodes.get(ident)
            if isinstance(node, UnresolvedNode) and node.cause is Unresolved.DEPTH:
                del self.nodes[ident]  # now within the limit: ask for it after all
                node = None
                self.settled.clear()  # it is asked again: what reaches it is not settled
            if node is not None:  # already resolved: its ancestors may now be nearer
                stack.extend((p, self.kinds[p], depth + 1) for p in self.parents_of.get(ident, ()))
            elif ident not in self.asked:
                self.schedule(ident)

    def take(self, facts: ArtifactFacts) -> None:
        r = self.resolver
        facts = _clean(facts)
        self.nodes[facts.id] = r._node(facts)
        if facts.notes:
            r._notes.setdefault(facts.id, []).extend(facts.notes)
        for claim in facts.edges:
            added = r._add_edge(facts.id, claim, self.edges)
            if added is None:
                continue
            child, parent, kind = added
            self.parents_of.setdefault(child, set()).add(parent)
            child_depth = self.depth_of.get(child, self.depth_of[facts.id] + 1)
            self.discover(parent, kind, child_depth + 1)


def _clean_evidence(e: Evidence) -> Evidence:
    return e._replace(
        location=escape_controls(e.location),
        quote=escape_controls(e.quote) if e.quote is not None else None,
        reference=escape_controls(e.reference) if e.reference is not None else None,
    )


def _clean(facts: ArtifactFacts) -> ArtifactFacts:
    """The facts with every control character from a card or the Hub made visible."""

    def opt(text: str | None) -> str | None:
        return escape_controls(text) if text is not None else None

    lic = facts.license
    if lic is not None:
        lic = lic._replace(raw=opt(lic.raw), name=opt(lic.name), link=opt(lic.link),
                           evidence=_clean_evidence(lic.evidence),
                           text_location=opt(lic.text_location))  # fmt: skip
    return facts._replace(
        id=escape_controls(facts.id),
        license=lic,
        edges=tuple(
            e._replace(
                parent=escape_controls(e.parent),
                child=opt(e.child),
                evidence=_clean_evidence(e.evidence),
            )
            for e in facts.edges
        ),
        name=opt(facts.name),
        revision=opt(facts.revision),
        sources=tuple(map(escape_controls, facts.sources)),
        notes=tuple(map(escape_controls, facts.notes)),
        description=opt(facts.description),
        incomplete=tuple(map(escape_controls, facts.incomplete)),
        moved_to=opt(facts.moved_to),
    )


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
    return facts._replace(
        id=ident, notes=(*facts.notes, f"Known as {facts.id} to {ident}'s source.")
    )


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
