"""The terminal report: verdict first, then the lineage tree, findings and evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..model import AnyNode, CheckResult, Edge, Evidence, KnownLicense, Status, UnresolvedNode

if TYPE_CHECKING:
    from collections.abc import Sequence

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


class TextReporter:
    """Readable at a glance; colour only when asked (the CLI asks on a TTY)."""

    def __init__(self, color: bool = False) -> None:
        self.color = color

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
        if v.conditions:
            lines.append("  conditions: " + ", ".join(str(c) for c in v.conditions))
        gate = "passed" if result.gate.passed else "FAILED (" + "; ".join(result.gate.reasons) + ")"
        lines.append(f"  gate: {gate}" + (f" [policy {result.policy}]" if result.policy else ""))
        lines.extend(f"    - {note}" for note in result.gate.notes)
        lines.append("")
        lines.append(self._s("Lineage", bold=True))
        lines.extend(self._tree(result))
        if result.obligations:
            lines.append("")
            lines.append(self._s("To do", bold=True))
            lines.extend(f"  [ ] {o.action}" for o in result.obligations)
        if result.findings:
            lines.append("")
            lines.append(self._s("Findings", bold=True))
            for f in result.findings:
                label = self._s(f"{f.status.label:<11}", fg=_COLORS[f.status])
                conds = f" [{', '.join(str(c) for c in f.conditions)}]" if f.conditions else ""
                lines.append(f"  {label} {f.rule_id}{conds}")
                lines.append(f"      {f.message}")
        if result.lineage.edges:
            lines.append("")
            lines.append(self._s("Evidence", bold=True))
            for e in result.lineage.edges:
                lines.append(f"  {e.child} -{e.relation.value}-> {e.parent}")
                lines.extend(f"      {evidence_line(ev)}" for ev in e.evidence)
            for node in result.lineage.nodes.values():
                ev = node.license.evidence
                if ev is not None:
                    lines.append(f"  license of {node.id}: {license_label(node)}")
                    lines.append(f"      {evidence_line(ev)}")
        if result.lineage.notes:
            lines.append("")
            lines.append(self._s("Notes", bold=True))
            lines.extend(f"  - {n}" for n in result.lineage.notes)
        return "\n".join(lines) + "\n"

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
