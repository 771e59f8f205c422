"""A licensor may relicense its own work (DESIGN §4): a weight edge between two models of the
same licensor (same Hub organisation, or the knowledge base's `licensor`) does not carry the
upstream's license when the derivative declares another license whose terms are settled and the
upstream was read with a known license (an unread upstream may hide another licensor's work, so
it is never bypassed). The edge is bypassed: the derivative is judged on its own license and on
everything the upstream was made from (other licensors' weights, training data), never on the
upstream's license itself."""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..kb.schema import strictness
from ..model import WEIGHT_RELATIONS, Edge, Finding, Lineage, Node, NodeKind, Status

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
    from ..kb.schema import LicenseEntry

RULE_ID = "same-licensor-relicense"


def bypass_relicensed(
    lineage: Lineage,
    kb: "KnowledgeBase",
    entries: "Mapping[str, LicenseEntry | None]",
) -> tuple[dict[str, Sequence[Edge]], list[Finding]]:
    """Edges by child, with each same-licensor weight edge replaced by the upstream's own
    edges; and an `allowed` finding per bypassed edge so the report shows the relicensing."""
    by_child = lineage.by_child
    out: dict[str, Sequence[Edge]] = {}
    findings: list[Finding] = []
    for child, edges in by_child.items():
        node = lineage.nodes[child]
        own = kb.licensor(child)
        mine = entries.get(child)
        if (node.kind is not NodeKind.MODEL or mine is None or own is None
                or strictness(mine.clauses) is None):  # fmt: skip
            out[child] = edges
            continue
        kept: list[Edge] = []
        stack = list(reversed(edges))
        seen = {child}
        while stack:
            edge = stack.pop()
            parent = edge.parent
            if (
                edge.relation in WEIGHT_RELATIONS
                and isinstance(lineage.nodes[parent], Node)  # read: its own upstream is known
                and not lineage.nodes[parent].incomplete  # ... and read whole
                and lineage.nodes[parent].kind is NodeKind.MODEL
                and (theirs := entries.get(parent)) is not None
                and theirs.id != mine.id  # relicensed; the same license is simply carried
                and kb.licensor(parent) == own
            ):
                if parent in seen:
                    continue
                seen.add(parent)
                findings.append(_finding(lineage, edge, entries, own))
                stack.extend(e._replace(child=child) for e in reversed(by_child.get(parent, ())))
            else:
                kept.append(edge)
        out[child] = kept
    reached, todo = {lineage.root}, [lineage.root]
    while todo:
        for e in out.get(todo.pop(), ()):
            if e.parent not in reached:
                reached.add(e.parent)
                todo.append(e.parent)
    return out, [f for f in findings if f.path[0].child in reached]


def _finding(
    lineage: Lineage, edge: Edge, entries: "Mapping[str, LicenseEntry | None]", licensor: str
) -> Finding:
    declared = entries[edge.child]
    upstream = entries.get(edge.parent)
    assert declared is not None
    assert upstream is not None
    return Finding(
        rule_id=RULE_ID,
        title="The licensor relicensed its own work",
        status=Status.ALLOWED,
        conditions=(),
        path=(edge,),
        ancestor=edge.parent,
        license_id=upstream.id,
        message=(
            f"{edge.child} ({declared.id}) is built on {edge.parent} ({upstream.id}); both come "
            f"from the same licensor ({licensor}), which may relicense its own work, so "
            f"{edge.child}'s declared license stands for those weights."
        ),
    )
