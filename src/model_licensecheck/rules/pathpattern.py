"""Path patterns: which chains of relations a rule's clause travels along.

A pattern is a space-separated sequence of terms read from the subject towards the ancestor.
A term is a relation name (`finetune`), a group (`weight`: the five weight relations; `any`),
or alternatives in braces (`{trained_on|pretrained_on}`), optionally followed by `*` (zero or
more), `+` (one or more) or `?` (optional). The empty pattern matches only the subject itself;
`weight*` matches the subject and every ancestor reached through weights alone.
"""

import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from ..errors import PatternError
from ..model import WEIGHT_RELATIONS, Edge, Relation

GROUPS: Mapping[str, frozenset[Relation]] = {
    "weight": WEIGHT_RELATIONS,
    "any": frozenset(Relation),
}
_TERM = re.compile(r"^(\{[a-z_|]+\}|[a-z_]+)([*+?]?)$")


class _Term(NamedTuple):
    relations: frozenset[Relation]
    repeat: bool
    optional: bool


class PathPattern(NamedTuple):
    """A compiled pattern: a small NFA whose states are positions between terms."""

    text: str
    """The pattern as written, its terms separated by single spaces."""
    terms: tuple[_Term, ...]

    def __str__(self) -> str:
        """The text the pattern was parsed from, normalised: `parse(str(p)) == p`."""
        return self.text

    @classmethod
    def parse(cls, text: str) -> "PathPattern":
        """Compile `text`; raise PatternError naming the bad term."""
        terms: list[_Term] = []
        tokens = text.split()
        for token in tokens:
            m = _TERM.match(token)
            if not m:
                raise PatternError(f"bad term {token!r}")
            names, quant = m.group(1).strip("{}").split("|"), m.group(2)
            rels: set[Relation] = set()
            for name in names:
                if name in GROUPS:
                    rels |= GROUPS[name]
                else:
                    try:
                        rels.add(Relation(name))
                    except ValueError:
                        raise PatternError(f"unknown relation {name!r} in {token!r}") from None
            frozen = frozenset(rels)
            if quant == "+":  # one, then any number more
                terms += [_Term(frozen, False, False), _Term(frozen, True, True)]
            else:
                terms.append(_Term(frozen, repeat=quant == "*", optional=quant in ("*", "?")))
        return cls(" ".join(tokens), tuple(terms))

    def _closure(self, states: Iterable[int]) -> frozenset[int]:
        out: set[int] = set()
        todo = list(states)
        while todo:
            s = todo.pop()
            if s in out:
                continue
            out.add(s)
            if s < len(self.terms) and self.terms[s].optional:
                todo.append(s + 1)
        return frozenset(out)

    def start(self) -> frozenset[int]:
        """The state set before any edge."""
        return self._closure([0])

    def step(self, states: frozenset[int], relation: Relation) -> frozenset[int]:
        """The state set after following one edge of `relation`."""
        nxt: list[int] = []
        for s in states:
            if s < len(self.terms) and relation in self.terms[s].relations:
                nxt.append(s if self.terms[s].repeat else s + 1)
        return self._closure(nxt)

    def accepts(self, states: frozenset[int]) -> bool:
        """Whether a path ending in `states` matches the whole pattern."""
        return len(self.terms) in states

    def walk(
        self, root: str, edges_by_child: Mapping[str, Sequence[Edge]], via: Relation | None = None
    ) -> dict[str, tuple[Edge, ...]]:
        """Every node reachable from `root` by a matching path, with its shortest such path.
        With `via`, the walk starts as if `root` had been reached through an edge of `via`."""
        search = Search(self, [root], edges_by_child, via)
        return {node: search.path(node, state)[1] for node, state in search.found.items()}

    def search(
        self,
        starts: Iterable[str],
        edges_by_child: Mapping[str, Sequence[Edge]],
        via: Relation | None = None,
    ) -> "Search":
        """Breadth-first over (node, pattern state) from several starts at once: `found` has
        every node a matching path reaches, and `path` rebuilds the shortest path to one (only
        the paths asked for are built)."""
        return Search(self, starts, edges_by_child, via)


class Search:
    """A breadth-first search over (node, pattern state) pairs.

    The pattern's state sets are numbered as they are met, and each keeps, per node, the edge
    it was first reached by and the state before that edge (a pointer, not a copy of the path,
    and no tuple per visit): the search is linear in the size of the graph times the pattern's
    few states, and only the paths of nodes that match are rebuilt."""

    def __init__(
        self,
        pattern: PathPattern,
        starts: Iterable[str],
        edges_by_child: Mapping[str, Sequence[Edge]],
        via: Relation | None,
    ) -> None:
        first = pattern.start() if via is None else pattern.step(pattern.start(), via)
        self.reached_by: list[dict[str, Edge | None]] = []
        self.came_from: list[dict[str, int]] = []
        self.built: list[dict[str, tuple[Edge, ...]]] = []
        self.found: dict[str, int] = {}
        if not first:
            return
        accepting = len(pattern.terms)
        numbers: dict[frozenset[int], int] = {}
        sets: list[frozenset[int]] = []
        accepts: list[bool] = []

        def number(states: frozenset[int]) -> int:
            if states not in numbers:
                numbers[states] = len(sets)
                sets.append(states)
                accepts.append(accepting in states)
                self.reached_by.append({})
                self.came_from.append({})
                self.built.append({})
            return numbers[states]

        nodes: deque[str] = deque()
        states: deque[int] = deque()
        started = self.reached_by[number(first)]  # state set 0
        for start in starts:
            if start not in started:
                started[start] = None
                nodes.append(start)
                states.append(0)
        steps: dict[tuple[int, Relation], int] = {}  # -1: no match can follow
        while nodes:
            node, state = nodes.popleft(), states.popleft()
            if accepts[state] and node not in self.found:
                self.found[node] = state
            for edge in edges_by_child.get(node, ()):
                nxt = steps.get((state, edge.relation))
                if nxt is None:
                    after = pattern.step(sets[state], edge.relation)
                    nxt = steps[(state, edge.relation)] = number(after) if after else -1
                if nxt >= 0 and edge.parent not in self.reached_by[nxt]:
                    self.reached_by[nxt][edge.parent] = edge
                    self.came_from[nxt][edge.parent] = state
                    nodes.append(edge.parent)
                    states.append(nxt)

    def path(self, node: str, state: int) -> tuple[str, tuple[Edge, ...]]:
        """The start `node` was reached from in `state`, and the edges from it to `node`.

        Paths are kept as they are built, so a path extends its predecessor's (nodes are
        asked for in the order they were found: the predecessor is usually built already)."""
        chain: list[tuple[dict[str, tuple[Edge, ...]], str, Edge]] = []
        while (path := self.built[state].get(node)) is None:
            edge = self.reached_by[state][node]
            if edge is None:
                path = ()
                break
            chain.append((self.built[state], node, edge))
            state = self.came_from[state][node]
            node = edge.child
        for built, at, edge in reversed(chain):
            path = built[at] = (*path, edge)
        return (path[0].child if path else node), path
