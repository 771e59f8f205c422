"""The terminal report: one screen by default (verdict, the path that drives it, what to do,
counts of the rest); -v adds the lineage, grouped findings and evidence; -vv everything."""

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import click

from ..model import (
    AnyNode,
    CheckResult,
    Condition,
    Edge,
    Evidence,
    Finding,
    KnownLicense,
    Status,
    UnresolvedNode,
)
from .interface import WholeReport

_COLORS = {
    Status.ALLOWED: "green",
    Status.CONDITIONAL: "yellow",
    Status.UNKNOWN: "magenta",
    Status.PROHIBITED: "red",
}


def license_label(node: AnyNode, concluded: tuple[str, ...] = ()) -> str:
    """The license as shown next to a node; a copy that declares none and carries its
    parent's (its concluded licenses all known) says it inherited them."""
    lic = node.license
    if isinstance(lic, KnownLicense):
        return lic.id
    if isinstance(node, UnresolvedNode):
        return "unknown (not resolved)"
    if lic.undeclared and concluded and "unknown" not in concluded:
        return f"none declared; inherited: {', '.join(concluded)}"
    return f"unknown ({lic.raw})" if lic.raw else "unknown"


def evidence_line(ev: Evidence) -> str:
    """source location [inferred] "quote" <reference>."""
    parts = [ev.source.value, ev.location]
    if ev.confidence.value != "declared":
        parts.append(f"[{ev.confidence.value}]")
    if ev.quote:
        quote = ev.quote if len(ev.quote) <= 160 else ev.quote[:157] + "..."
        parts.append(f'"{quote}"')
    if ev.reference:
        parts.append(ev.reference)
    return " ".join(parts)


class FindingGroup(NamedTuple):
    """Findings that say the same thing about different nodes: one rule, one status, the
    same conditions; shown once with a count and the nodes it is about."""

    status: Status
    rule_id: str
    title: str
    conditions: tuple[Condition, ...]
    findings: tuple[Finding, ...]

    @property
    def ancestors(self) -> tuple[str, ...]:
        """The nodes the findings are about, each once, in order."""
        return tuple(dict.fromkeys(f.ancestor for f in self.findings))


def group_findings(findings: Sequence[Finding]) -> list[FindingGroup]:
    """Group identical findings (same rule, status and conditions), keeping first-seen order."""
    groups: dict[tuple[Status, str, tuple[Condition, ...]], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.status, f.rule_id, f.conditions), []).append(f)
    return [
        FindingGroup(status, rule_id, members[0].title, conditions, tuple(members))
        for (status, rule_id, conditions), members in groups.items()
    ]


def driving_path(result: CheckResult) -> str | None:
    """The path from the subject to the ancestor whose finding leads the verdict:
    `target ─finetune→ base (license)`; None when nothing drives it (allowed)."""
    drivers = result.verdict.drivers
    if not drivers:
        return None
    lead = drivers[0]
    hops = [f" ─{e.relation.value}→ {e.parent}" for e in lead.path]
    if len(hops) > 4:  # target → … → the ancestor: the ends say who and why
        hops = [hops[0], f" ─ … {len(hops) - 2} more hops …", hops[-1]]
    named = [lead.license_id] if lead.license_id else []
    about = ", ".join(named if lead.path else ["its own license", *named])
    return f"{result.lineage.root}{''.join(hops)}" + (f" ({about})" if about else "")


class TextReporter(WholeReport):
    """Readable at a glance; colour only when asked (the CLI asks on a TTY).

    `verbosity` 0 fits one screen: the verdict, the path that drives it, the obligations as a
    checklist and counts of the rest. 1 adds the lineage, the findings (identical ones grouped)
    and the evidence for the driving paths; 2 adds every finding's message, every edge's and
    license's evidence, and the notes.
    """

    def __init__(self, color: bool = False, verbosity: int = 0) -> None:
        self.color = color
        self.verbosity = verbosity

    def _s(self, text: str, **style: object) -> str:
        return click.style(text, **style) if self.color else text  # type: ignore[arg-type]

    def render(self, results: Sequence[CheckResult]) -> str:
        """All results, separated by a blank line."""
        return "\n".join(self.render_one(r) for r in results)

    def render_one(self, result: CheckResult) -> str:
        """One result."""
        v = result.verdict
        lines: list[str] = []
        status = self._s(v.status.label.upper(), fg=_COLORS[v.status], bold=True)
        lines.append(f"{result.subject.node_id}: {status} for commercial use")
        lines.append(f"  {v.summary}")
        root = result.lineage.nodes.get(result.lineage.root)
        if root is not None:  # its own license, or what a copy inherited (DESIGN §4)
            own = license_label(root, result.concluded.get(root.id, ()))
            lines.append(f"  license: {own}")
        path = driving_path(result)
        if path is not None:
            lines.append(f"  path: {path}")
        if v.conditions:
            lines.append("  conditions: " + ", ".join(str(c) for c in v.conditions))
        lines.append(f"  gate: {self._gate(result)}" +
                     (f" [policy {result.policy}]" if result.policy else ""))  # fmt: skip
        lines.extend(f"    - {note}" for note in result.gate.notes)
        if result.obligations:
            lines.append("")
            lines.append(self._s("To do", bold=True))
            lines.extend(f"  [ ] {o.action}" for o in result.obligations)
        if self.verbosity == 0:
            lines.append("")
            lines.append(self._rest(result))
            return "\n".join(lines) + "\n"
        lines.append("")
        lines.append(self._s("Lineage", bold=True))
        lines.extend(self._tree(result))
        if result.findings:
            lines.append("")
            lines.append(self._s("Findings", bold=True))
            lines.extend(self._findings(result))
        lines.extend(self._evidence(result))
        if result.lineage.notes and self.verbosity >= 2:
            lines.append("")
            lines.append(self._s("Notes", bold=True))
            lines.extend(f"  - {n}" for n in result.lineage.notes)
        elif result.lineage.notes:
            lines.append("")
            lines.append(f"{_count(len(result.lineage.notes), 'note')}; -vv to show")
        return "\n".join(lines) + "\n"

    def _gate(self, result: CheckResult) -> str:
        """`passed`, or `FAILED (` the first reason `; +N more)` (all of them with -v)."""
        reasons = result.gate.reasons
        if result.gate.passed:
            return "passed"
        if self.verbosity == 0 and len(reasons) > 1:
            return f"FAILED ({reasons[0]}; +{len(reasons) - 1} more)"
        return "FAILED (" + "; ".join(reasons) + ")"

    def _rest(self, result: CheckResult) -> str:
        """What the one-screen report leaves out, counted, and how to see it."""
        groups = group_findings(result.findings)
        shown = 1 if result.verdict.drivers else 0
        more = len(result.findings) - shown
        by_status = Counter(g.status for g in groups)
        kinds = ", ".join(f"{by_status[s]} {s.label}" for s in sorted(by_status, reverse=True))
        counted = _count(more, "more finding" if shown else "finding")
        parts = [
            f"{'+' if shown else ''}{counted} ({len(groups)} kinds: {kinds})"
            if more > 0
            else "no other findings",
            f"{_count(len(result.lineage.nodes), 'node')} in the lineage",
        ]
        if result.lineage.notes:
            parts.append(_count(len(result.lineage.notes), "note"))
        return "; ".join(parts) + "; -v to show, -vv for every edge's evidence"

    def _findings(self, result: CheckResult) -> list[str]:
        out: list[str] = []
        for g in group_findings(result.findings):
            label = self._s(f"{g.status.label:<11}", fg=_COLORS[g.status])
            conds = f" [{', '.join(str(c) for c in g.conditions)}]" if g.conditions else ""
            times = f" ×{len(g.findings)}" if len(g.findings) > 1 else ""
            out.append(f"  {label} {g.rule_id}{conds}{times}: {g.title}")
            if len(g.ancestors) > 1 or self.verbosity < 2:
                out.append(f"      on: {', '.join(g.ancestors)}")
            if self.verbosity >= 2:
                out.extend(f"      - {f.message}" for f in g.findings)
            else:
                out.append(f"      {g.findings[0].message}")
        return out

    def _evidence(self, result: CheckResult) -> list[str]:
        """-v: the evidence for the edges and licenses the driving findings rest on;
        -vv: for every edge and license."""
        lineage = result.lineage
        if self.verbosity >= 2:
            edges = list(lineage.edges)
            node_ids = list(lineage.nodes)
        else:
            wanted = {(e.child, e.parent) for f in result.verdict.drivers for e in f.path}
            edges = [e for e in lineage.edges if (e.child, e.parent) in wanted]
            node_ids = list(dict.fromkeys(f.ancestor for f in result.verdict.drivers))
        lines: list[str] = []
        for e in edges:
            lines.append(f"  {e.child} -{e.relation.value}-> {e.parent}")
            lines.extend(f"      {evidence_line(ev)}" for ev in e.evidence)
        for node_id in node_ids:
            node = lineage.nodes.get(node_id)
            ev = node.license.evidence if node is not None else None
            if node is not None and ev is not None:
                lines.append(f"  license of {node.id}: {license_label(node)}")
                lines.append(f"      {evidence_line(ev)}")
        if not lines:
            return []
        title = "Evidence" if self.verbosity >= 2 else "Evidence for the verdict (-vv: all)"
        return ["", self._s(title, bold=True), *lines]

    def _tree(self, result: CheckResult) -> list[str]:
        lineage = result.lineage
        by_child = lineage.by_child
        shown: set[str] = set()
        out: list[str] = []

        def label(node_id: str) -> str:
            node = lineage.nodes[node_id]
            concluded = result.concluded.get(node_id, ())
            text = f"{node_id}  {node.kind.value}  {license_label(node, concluded)}"
            if isinstance(node, UnresolvedNode):
                text += f"  ({node.reason})"
            elif node.incomplete:
                text += "  (not read completely)"
            return text

        out.append("  " + label(lineage.root))
        shown.add(lineage.root)
        # Iterative depth-first drawing; a shared ancestor is drawn once, then referred to.
        stack: list[tuple[Edge, str, bool]] = [
            (e, "  ", i == len(by_child.get(lineage.root, ())) - 1)
            for i, e in enumerate(by_child.get(lineage.root, ()))
        ][::-1]
        while stack:
            edge, prefix, last = stack.pop()
            branch = "└─ " if last else "├─ "
            seen = edge.parent in shown
            suffix = "  (shown above)" if seen else ""
            out.append(f"{prefix}{branch}{edge.relation.value} → {label(edge.parent)}{suffix}")
            if seen:
                continue
            shown.add(edge.parent)
            children = by_child.get(edge.parent, ())
            child_prefix = prefix + ("   " if last else "│  ")
            for i in range(len(children) - 1, -1, -1):
                stack.append((children[i], child_prefix, i == len(children) - 1))
        return out


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
