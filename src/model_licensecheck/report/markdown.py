"""Markdown for a GitHub job summary or PR comment, with the lineage drawn as a Mermaid graph."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..model import (
    AnyNode,
    CheckResult,
    Condition,
    Edge,
    Evidence,
    Finding,
    KnownLicense,
    NodeKind,
    Status,
    UnresolvedNode,
)
from .interface import StreamedReport
from .text import license_label

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

_ICONS = {
    Status.ALLOWED: "✅",
    Status.CONDITIONAL: "⚠️",
    Status.UNKNOWN: "❓",
    Status.PROHIBITED: "⛔",
}

# Cards are written by strangers and the report lands in a PR comment: every piece of their text
# is escaped so it can neither inject HTML nor break the table, list or heading it sits in.
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_MD_SPECIAL = re.compile(r"[\\`*_\[\]|~$&<>\"@]")
_BLOCK_START = re.compile(r"^(?:[#+=-]|\d+[.)])")
_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]+$")
_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 ._/:,+=()-]")


def md(text: str) -> str:
    """Untrusted text as inline Markdown that renders literally, on one line."""
    flat = " ".join(text.split())

    def escape(m: re.Match[str]) -> str:
        ch = m.group(0)
        if ch in _HTML:
            return _HTML[ch]
        if ch == "@":
            # A zero-width space keeps "@someone" in a card from pinging that user in a PR comment.
            return "@&#8203;"
        return "\\" + ch

    return _MD_SPECIAL.sub(escape, flat)


def md_block(text: str) -> str:
    """Like md(), for text that starts a line or a list item: it must not become a heading,
    a list item or a thematic break."""
    out = md(text)
    block = _BLOCK_START.match(out)
    if block:
        marker = block.group(0)
        out = marker[:-1] + "\\" + marker[-1] + out[len(marker) :]
    return out


def link(url: str) -> str:
    """An autolink for a well-formed web address; anything else is shown as escaped text."""
    return f"<{url}>" if _SAFE_URL.match(url) else md(url)


def mermaid_text(text: str) -> str:
    """A Mermaid label fragment: anything but plain characters becomes an entity code."""
    flat = " ".join(text.split())
    return "".join(ch if _MERMAID_SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in flat)


def mermaid_ids(node_ids: Sequence[str]) -> dict[str, str]:
    """A Mermaid-safe, unique identifier per node id (prefixed so 'end' and digits are safe)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for node_id in sorted(node_ids):
        base = "n_" + re.sub(r"[^A-Za-z0-9]", "_", node_id)
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}_{n}"
        used.add(candidate)
        out[node_id] = candidate
    return out


def _declared_cell(node: AnyNode) -> str:
    lic = node.license
    if isinstance(node, UnresolvedNode):
        return "unresolved: " + md(node.reason)
    if isinstance(lic, KnownLicense):
        if lic.raw and lic.raw != lic.id:
            return f"{md(lic.raw)} → {md(lic.id)}"
        return md(lic.id)
    declared = md(lic.raw) + " → " if lic.raw else ""
    return f"{declared}unknown: {md(lic.reason)}"


def evidence_item(ev: Evidence) -> str:
    """source, location, confidence, "quote", reference: one list item's text."""
    parts = [md(ev.source.value), md(ev.location)]
    if ev.confidence.value != "declared":
        parts.append(f"({md(ev.confidence.value)})")
    text = " · ".join(parts)
    if ev.quote:
        text += f" “{md(ev.quote)}”"
    if ev.reference:
        text += " " + link(ev.reference)
    return text


def path_text(finding: Finding) -> str:
    """subject -relation-> ancestor, escaped."""
    if not finding.path:
        return md(finding.ancestor) + " (the subject itself)"
    parts = [md(finding.path[0].child)]
    for e in finding.path:
        parts.append(f"—{md(e.relation.value)}→ {md(e.parent)}")
    return " ".join(parts)


class MarkdownReporter(StreamedReport):
    """GitHub-flavoured Markdown; pure and deterministic."""

    def stream(self, results: Sequence[CheckResult]) -> Iterator[str]:
        """The same text line by line, built while it is written."""
        if len(results) > 1:
            yield "# model-licensecheck\n\n| subject | verdict | gate |\n| --- | --- | --- |\n"
            for r in results:
                v = r.verdict
                gate = "passed" if r.gate.passed else "failed"
                verdict = f"{_ICONS[v.status]} {v.status.label}"
                yield f"| {md(r.subject.node_id)} | {verdict} | {gate} |\n"
        for n, result in enumerate(results):
            if n or len(results) > 1:
                yield "\n"
            yield from (line + "\n" for line in self._lines(result))

    def render_one(self, result: CheckResult) -> str:
        """One result: verdict, graph, nodes, obligations, then findings and evidence folded."""
        return "".join(line + "\n" for line in self._lines(result))

    def _lines(self, result: CheckResult) -> Iterator[str]:
        v = result.verdict
        gate = "**Gate:** passed"
        if not result.gate.passed:
            gate = "**Gate:** failed (" + "; ".join(md(r) for r in result.gate.reasons) + ")"
        if result.subject.target != result.subject.node_id:
            gate += f" · **Target:** {md(result.subject.target)}"
        yield (
            f"## {_ICONS[v.status]} {md(result.subject.node_id)}: "
            f"{v.status.label.upper()} for commercial use"
        )
        yield from ("", md_block(v.summary), "", gate, "", "### Lineage", "")
        yield from self._mermaid(result)
        yield ""
        yield from self._table(result)
        yield from ("", "### Obligations", "")
        yield from self._checklist(result)
        yield from self._findings(result)
        yield from self._evidence(result)
        if result.lineage.notes:
            yield from ("", "### Notes", "")
            yield from (f"- {md_block(n)}" for n in result.lineage.notes)
        yield from ("", f"<sub>model-licensecheck {md(result.tool_version)}</sub>")

    def _mermaid(self, result: CheckResult) -> list[str]:
        lineage = result.lineage
        ids = mermaid_ids(list(lineage.nodes))
        drivers = {f.ancestor for f in result.verdict.drivers}
        lines = ["```mermaid", "graph TD"]
        for node_id in sorted(lineage.nodes):
            node = lineage.nodes[node_id]
            label = (
                f"{mermaid_text(node_id)}<br/>"
                f"{mermaid_text(node.kind.value)} · "
                f"{mermaid_text(license_label(node, result.concluded.get(node_id, ())))}"
            )
            open_, close = _SHAPES[node.kind]
            lines.append(f'  {ids[node_id]}{open_}"{label}"{close}')
        for e in lineage.edges:
            if e.child in ids and e.parent in ids:
                relation = mermaid_text(e.relation.value)
                lines.append(f'  {ids[e.child]} -->|"{relation}"| {ids[e.parent]}')
        lines.append("  classDef subject stroke-width:3px")
        lines.append("  classDef driver fill:#ffebe9,stroke:#cf222e,stroke-width:3px,color:#1f2328")
        lines.append("  classDef unresolved stroke-dasharray:5 5")
        if lineage.root in ids:
            lines.append(f"  class {ids[lineage.root]} subject")
        unresolved = sorted(
            ids[n] for n, node in lineage.nodes.items() if isinstance(node, UnresolvedNode)
        )
        if unresolved:
            lines.append(f"  class {','.join(unresolved)} unresolved")
        marked = sorted(ids[n] for n in drivers if n in ids)
        if marked:
            lines.append(f"  class {','.join(marked)} driver")
        lines.append("```")
        if marked:
            names = ", ".join(md(n) for n in sorted(drivers))
            lines += ["", f"Highlighted: what drives the verdict ({names})."]
        return lines

    def _table(self, result: CheckResult) -> Iterator[str]:
        lineage = result.lineage
        yield "| node | kind | declared license | concluded licenses |"
        yield "| --- | --- | --- | --- |"
        for node_id in sorted(lineage.nodes):
            node = lineage.nodes[node_id]
            concluded = ", ".join(md(c) for c in result.concluded.get(node_id, ())) or "none"
            root = " (subject)" if node_id == lineage.root else ""
            yield (
                f"| {md(node_id)}{root} | {node.kind.value} | {_declared_cell(node)} | "
                f"{concluded} |"
            )

    def _checklist(self, result: CheckResult) -> Iterator[str]:
        conditions = result.verdict.conditions
        if not conditions:
            yield "No obligations."
        for cond in conditions:
            yield f"- [ ] **{md(str(cond))}**"
            seen: set[str] = set()
            for f in result.findings:
                if _has(f, cond) and (message := f.message) not in seen:
                    seen.add(message)
                    yield f"  - {md_block(message)}"

    def _findings(self, result: CheckResult) -> Iterator[str]:
        if not result.findings:
            return
        yield from ("", "<details>", f"<summary>Findings ({len(result.findings)})</summary>", "")
        for f in result.findings:
            conds = f" [{', '.join(md(str(c)) for c in f.conditions)}]" if f.conditions else ""
            status = f"{_ICONS[f.status]} **{f.status.label}**"
            yield f"- {status} · {md(f.rule_id)}: {md(f.title)}{conds}"
            yield f"  - {md_block(f.message)}"
            yield f"  - path: {path_text(f)}"
            for e in f.path:
                yield from _edge_evidence(e, indent="  ")
            node = result.lineage.nodes.get(f.ancestor)
            if node is not None and node.license.evidence is not None:
                yield (
                    f"  - license of {md(f.ancestor)} ({md(license_label(node))}): "
                    + evidence_item(node.license.evidence)
                )
            for ref in f.references:
                yield f"  - reference: {link(ref)}"
        yield from ("", "</details>")

    def _evidence(self, result: CheckResult) -> Iterator[str]:
        lineage = result.lineage
        if not lineage.edges and all(n.license.evidence is None for n in lineage.nodes.values()):
            return
        yield from ("", "<details>", "<summary>Evidence for every edge and license</summary>", "")
        for e in lineage.edges:
            yield from _edge_evidence(e, indent="")
        for node_id in sorted(lineage.nodes):
            node = lineage.nodes[node_id]
            ev = node.license.evidence
            if ev is not None:
                yield f"- license of {md(node_id)} ({md(license_label(node))}): " + evidence_item(
                    ev
                )
        yield from ("", "</details>")


_SHAPES = {
    NodeKind.MODEL: ("[", "]"),
    NodeKind.DATASET: ("[(", ")]"),
    NodeKind.SERVICE: ("{{", "}}"),
}


def _has(finding: Finding, cond: Condition) -> bool:
    return cond in finding.conditions


def _edge_evidence(edge: Edge, indent: str) -> list[str]:
    head = f"{indent}- {md(edge.child)} —{md(edge.relation.value)}→ {md(edge.parent)}"
    if not edge.evidence:
        return [head + ": no evidence recorded"]
    return [head, *(f"{indent}  - {evidence_item(ev)}" for ev in edge.evidence)]
