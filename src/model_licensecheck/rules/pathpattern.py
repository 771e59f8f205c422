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
from typing import TYPE_CHECKING, NamedTuple

from ..errors import PatternError
from ..model import WEIGHT_RELATIONS, Edge, Relation

if TYPE_CHECKING:
    pass

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
        found = self.walk_from([root], edges_by_child, via)
        return {node: path for node, (_, path) in found.items()}

    def walk_from(
        self,
        starts: Iterable[str],
        edges_by_child: Mapping[str, Sequence[Edge]],
        via: Relation | None = None,
    ) -> dict[str, tuple[str, tuple[Edge, ...]]]:
        """Breadth-first over (node, pattern state) from several starts at once: every node a
        matching path reaches, with the start it came from and its shortest path.

        States keep a pointer to the state they came from, not a copy of the path, so the walk
        is linear in the size of the graph (times the pattern's few states); only the paths of
        nodes that match are rebuilt.
        """
        start_states = self.start() if via is None else self.step(self.start(), via)
        if not start_states:
            return {}
        back: dict[tuple[str, frozenset[int]], tuple[tuple[str, frozenset[int]], Edge] | None] = {}
        queue: deque[tuple[str, frozenset[int]]] = deque()
        for start in starts:
            key = (start, start_states)
            if key not in back:
                back[key] = None
                queue.append(key)
        found: dict[str, tuple[str, frozenset[int]]] = {}
        steps: dict[tuple[frozenset[int], Relation], frozenset[int]] = {}
        accepting = len(self.terms)
        while queue:
            key = queue.popleft()
            node, states = key
            if accepting in states and node not in found:
                found[node] = key
            for edge in edges_by_child.get(node, ()):
                nxt = steps.get((states, edge.relation))
                if nxt is None:
                    nxt = steps[(states, edge.relation)] = self.step(states, edge.relation)
                if nxt and (edge.parent, nxt) not in back:
                    back[(edge.parent, nxt)] = (key, edge)
                    queue.append((edge.parent, nxt))
        out: dict[str, tuple[str, tuple[Edge, ...]]] = {}
        for node, key in found.items():
            path: list[Edge] = []
            step = back[key]
            current = key
            while step is not None:
                current, edge = step
                path.append(edge)
                step = back[current]
            out[node] = (current[0], tuple(reversed(path)))
        return out
