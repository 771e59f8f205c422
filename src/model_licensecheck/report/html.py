"""A self-contained HTML evidence report: verdict, obligations, the lineage as an SVG graph with
the path that drives the verdict marked, and every finding with its evidence; print-friendly."""

# No `from __future__ import annotations`: the records below keep evaluated annotations
# (tests/test_startup.py), which typing.NamedTuple would otherwise compile at every start.
import base64
import hashlib
import html
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from ..model import (
    AnyNode,
    CheckResult,
    Edge,
    Evidence,
    Finding,
    KnownLicense,
    NodeKind,
    UnresolvedNode,
)
from ..safetext import escape_controls
from .common import created_at
from .interface import StreamedReport
from .text import license_label

MAX_NODES = 40
"""Nodes drawn in one graph at most; the rest are counted in a "+N more" box (the node table
below the graph lists every node)."""
MAX_PER_LAYER = 6
"""Nodes drawn side by side in one layer at most, so the graph stays legible when printed."""

# Geometry of the drawing, in SVG user units (CSS pixels at 100 %).
_BOX_W, _BOX_H = 230, 58
_SLOT_W = _BOX_W + 34
_ROW_H = _BOX_H + 74
_MARGIN = 16
_ID_CHARS = 34
_LICENSE_CHARS = 36

# Only web addresses of this shape become links; anything else (javascript:, data:, a path)
# is shown as text.
_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]+$")

_STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "DejaVu Sans", sans-serif; color: #1f2328; background: #fff; margin: 0 auto; padding: 24px;
  max-width: 1100px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 22px; margin: 28px 0 6px; }
h3 { font-size: 16px; margin: 22px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 3px; }
.meta, .muted { color: #59636e; }
.meta { font-size: 12px; margin: 0; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
  monospace; font-size: 12.5px; }
a { color: #0550ae; overflow-wrap: anywhere; }
.badge { display: inline-block; border: 1px solid; border-radius: 4px; padding: 0 6px;
  font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .02em; }
.verdict .badge { font-size: 15px; padding: 2px 10px; }
.status-allowed { color: #116329; border-color: #1a7f37; background: #dafbe1; }
.status-conditional { color: #7d4e00; border-color: #bf8700; background: #fff8c5; }
.status-unknown { color: #6639ba; border-color: #8250df; background: #fbefff; }
.status-prohibited { color: #a40e26; border-color: #cf222e; background: #ffebe9; }
.verdict { border: 1px solid #d0d7de; border-radius: 6px; padding: 12px 16px; margin: 8px 0; }
.verdict p { margin: 6px 0 0; }
.summary { font-size: 15px; }
ul.checklist { list-style: none; padding-left: 0; margin: 0; }
ul.checklist li { margin: 4px 0; break-inside: avoid; }
ul.checklist input { margin: 0 8px 0 0; vertical-align: -2px; }
.cond { display: inline-block; font-family: ui-monospace, "DejaVu Sans Mono", monospace;
  font-size: 12px; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px;
  padding: 0 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
tr { break-inside: avoid; }
.graph { margin: 8px 0; overflow-x: auto; }
.graph svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
.legend { font-size: 12px; color: #59636e; margin: 4px 0 0; }
.legend span { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 22px; height: 12px; vertical-align: -1px;
  margin-right: 4px; border: 2px solid #8c959f; background: #f6f8fa; }
.swatch.cause { border-color: #cf222e; background: #ffebe9; }
.swatch.drive { border-color: #cf222e; background: #fff; }
.swatch.subject { border-width: 3px; border-color: #1f2328; }
.swatch.unresolved { border-style: dashed; }
svg .node rect { fill: #f6f8fa; stroke: #8c959f; stroke-width: 1.5; }
svg .node.kind-dataset rect { fill: #f0f6ff; }
svg .node.kind-service rect { fill: #fbf6ee; }
svg .node.subject rect { stroke: #1f2328; stroke-width: 3; }
svg .node.drive rect { stroke: #cf222e; stroke-width: 2.5; }
svg .node.subject.drive rect { stroke-width: 3.5; }
svg .node.cause rect { fill: #ffebe9; stroke: #cf222e; stroke-width: 3; }
svg .node.unresolved rect { stroke-dasharray: 5 4; }
svg .more rect { fill: #fff; stroke: #8c959f; stroke-dasharray: 3 3; }
svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: #1f2328; }
svg .nid { font-weight: 600; font-size: 12px; }
svg .nkind, svg .nlic { fill: #59636e; }
svg .edge path { fill: none; stroke: #8c959f; stroke-width: 1.5; }
svg .edge.drive path { stroke: #cf222e; stroke-width: 2.5; }
svg .edge.rel-mentioned path { stroke-dasharray: 4 4; }
svg .edge text { font-size: 10.5px; fill: #59636e; paint-order: stroke; stroke: #fff;
  stroke-width: 4px; stroke-linejoin: round; }
svg .edge.drive text { fill: #a40e26; font-weight: 600; }
svg .arrowhead { fill: #8c959f; }
svg .arrowhead.drive { fill: #cf222e; }
.finding { border: 1px solid #d0d7de; border-left-width: 4px; border-radius: 6px;
  padding: 8px 12px; margin: 10px 0; break-inside: avoid; page-break-inside: avoid; }
.finding.f-allowed { border-left-color: #1a7f37; }
.finding.f-conditional { border-left-color: #bf8700; }
.finding.f-unknown { border-left-color: #8250df; }
.finding.f-prohibited { border-left-color: #cf222e; }
.finding header { font-weight: 600; }
.finding p { margin: 4px 0; }
.tag { display: inline-block; white-space: nowrap; font-size: 11px; font-weight: 600;
  color: #a40e26; border: 1px solid #cf222e; border-radius: 10px; padding: 0 6px;
  margin-left: 6px; }
ul.evidence { margin: 4px 0 0; padding-left: 18px; font-size: 13px; }
ul.evidence li { margin: 3px 0; }
blockquote { margin: 3px 0; padding: 2px 10px; border-left: 3px solid #d0d7de; color: #3d444d;
  font-style: italic; }
footer { margin-top: 32px; font-size: 12px; color: #59636e; }
@media print {
  body { padding: 0; max-width: none; font-size: 11pt; }
  @page { margin: 14mm; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .graph { overflow: visible; }
  section.result + section.result { break-before: page; }
  h2, h3 { break-after: avoid; }
  .finding, .verdict, figure { break-inside: avoid; page-break-inside: avoid; }
  a { color: #1f2328; text-decoration: underline; }
  ul.checklist input { appearance: none; -webkit-appearance: none; width: 11px; height: 11px;
    border: 1px solid #1f2328; }
}
"""

_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
"""Nothing may load or run: no script, no fetch, no font or image; only the one inline style
sheet, allowed by its hash (a style attribute planted in the page would be refused too)."""


def esc(text: str) -> str:
    """Untrusted text as HTML text or a double-quoted attribute value, on one line; control
    and bidirectional characters shown as escapes."""
    return html.escape(escape_controls(" ".join(text.split())), quote=True)


def link(url: str, text: str | None = None) -> str:
    """An http(s) address as a link; anything else as escaped text."""
    shown = esc(text if text is not None else url)
    if _SAFE_URL.match(url):
        return f'<a href="{esc(url)}" rel="noopener noreferrer">{shown}</a>'
    return shown


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut in the middle so both ends stay readable."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    head = (limit - 1) // 2
    return flat[:head] + "…" + flat[len(flat) - (limit - 1 - head) :]


class Box(NamedTuple):
    """A node drawn at (x, y), the top-left corner of its box."""

    node_id: str
    x: int
    y: int
    depth: int


class More(NamedTuple):
    """A "+N more" box standing for nodes that were not drawn."""

    nodes: int
    x: int
    y: int


class Layout(NamedTuple):
    """Where every drawn node goes; how many nodes were left out."""

    boxes: dict[str, Box]
    more: tuple[More, ...]
    hidden: int
    width: int
    height: int


def depths(result: CheckResult) -> dict[str, int]:
    """Each node's distance from the subject, following edges to what it was made from;
    a node the walk does not reach (none should be) goes one layer below the deepest."""
    lineage = result.lineage
    out = {lineage.root: 0} if lineage.root in lineage.nodes else {}
    frontier = list(out)
    while frontier:
        following: list[str] = []
        for node_id in frontier:
            for e in lineage.parents(node_id):
                if e.parent in lineage.nodes and e.parent not in out:
                    out[e.parent] = out[node_id] + 1
                    following.append(e.parent)
        frontier = following
    below = max(out.values(), default=-1) + 1
    for node_id in sorted(lineage.nodes):
        out.setdefault(node_id, below)
    return out


def driving(result: CheckResult) -> tuple[set[str], set[str], set[Edge]]:
    """The ancestors whose terms drive the verdict, every node on their paths from the
    subject, and the edges of those paths."""
    causes: set[str] = set()
    nodes: set[str] = set()
    edges: set[Edge] = set()
    for f in result.verdict.drivers:
        causes.add(f.ancestor)
        nodes.update(f.path_ids)
        edges.update(f.path)
    return causes, nodes, edges


def layout(result: CheckResult, drive_nodes: set[str]) -> Layout:
    """A layered drawing: a row per distance from the subject (the subject on top), nodes in
    a row ordered by where the nodes made from them sit (fewer crossings); at most
    MAX_PER_LAYER per row and MAX_NODES in all, nodes on the driving path first."""
    lineage = result.lineage
    depth = depths(result)
    rows: dict[int, list[str]] = {}
    for node_id in sorted(lineage.nodes):
        rows.setdefault(depth[node_id], []).append(node_id)
    children: dict[str, list[str]] = {}
    for e in lineage.edges:
        children.setdefault(e.parent, []).append(e.child)

    placed: dict[str, float] = {}
    kept_rows: list[tuple[list[str], int]] = []
    budget = MAX_NODES
    hidden = 0
    for d in sorted(rows):
        members = rows[d]
        if budget <= 0:
            hidden += len(members)
            continue

        def linked(node_id: str) -> bool:
            return any(c in placed for c in children.get(node_id, ()))

        ranked = sorted(members, key=lambda n: (n not in drive_nodes, not linked(n), n))
        keep = ranked[: min(MAX_PER_LAYER, budget)]
        budget -= len(keep)

        def centre(node_id: str) -> float:
            xs = [placed[c] for c in children.get(node_id, ()) if c in placed]
            return sum(xs) / len(xs) if xs else float("inf")

        keep = _hubs_in_the_middle(sorted(keep, key=lambda n: (centre(n), n)), lineage.edges)
        left_out = len(members) - len(keep)
        hidden += left_out
        slots = len(keep) + (1 if left_out else 0)
        for i, node_id in enumerate(keep):
            placed[node_id] = i - (slots - 1) / 2
        kept_rows.append((keep, left_out))

    trailing = hidden - sum(left for _, left in kept_rows)
    widest = max([len(k) + (1 if left else 0) for k, left in kept_rows] + [1])
    width = widest * _SLOT_W - (_SLOT_W - _BOX_W) + 2 * _MARGIN
    boxes: dict[str, Box] = {}
    more: list[More] = []
    for row, (keep, left_out) in enumerate(kept_rows):
        slots = len(keep) + (1 if left_out else 0)
        start = (width - (slots * _SLOT_W - (_SLOT_W - _BOX_W))) // 2
        y = _MARGIN + row * _ROW_H
        for i, node_id in enumerate(keep):
            boxes[node_id] = Box(node_id, start + i * _SLOT_W, y, depth[node_id])
        if left_out:
            more.append(More(left_out, start + len(keep) * _SLOT_W, y))
    rows_drawn = len(kept_rows)
    if trailing:
        more.append(More(trailing, (width - _BOX_W) // 2, _MARGIN + rows_drawn * _ROW_H))
        rows_drawn += 1
    height = 2 * _MARGIN + rows_drawn * _ROW_H - (_ROW_H - _BOX_H)
    # Edges within the bottom row arc below it: room for the deepest arc and its label.
    bottom = _MARGIN + (rows_drawn - 1) * _ROW_H
    arcs = [
        _sag(boxes[e.child].x - boxes[e.parent].x)
        for e in lineage.edges
        if e.child in boxes
        and e.parent in boxes
        and boxes[e.child].y == boxes[e.parent].y == bottom
    ]
    height += max(arcs, default=0) + (10 if arcs else 0)
    return Layout(boxes, tuple(more), hidden, width, height)


def _sag(dx: int) -> int:
    """How far below a row an arc between two of its boxes `dx` apart reaches."""
    return min(22 + 8 * abs(dx) // _SLOT_W, _ROW_H - _BOX_H - 14)


def _hubs_in_the_middle(row: list[str], edges: Sequence[Edge]) -> list[str]:
    """`row` with each group of nodes joined by edges inside the row drawn together, its most
    connected node in the middle, so that the arcs between them stay short and cross no box."""
    members = set(row)
    links: dict[str, set[str]] = {}
    for e in edges:
        if e.child in members and e.parent in members and e.child != e.parent:
            links.setdefault(e.child, set()).add(e.parent)
            links.setdefault(e.parent, set()).add(e.child)
    if not links:
        return row
    out: list[str] = []
    done: set[str] = set()
    for node_id in row:
        if node_id in done:
            continue
        group, todo = {node_id}, [node_id]
        while todo:
            for other in links.get(todo.pop(), ()):
                if other not in group:
                    group.add(other)
                    todo.append(other)
        ordered = [n for n in row if n in group]
        hub = max(ordered, key=lambda n: len(links.get(n, ())))
        rest = [n for n in ordered if n != hub]
        out += [*rest[0::2][::-1], hub, *rest[1::2]]
        done |= group
    return out


class HtmlReporter(StreamedReport):
    """One self-contained HTML page; pure and deterministic (the date from SOURCE_DATE_EPOCH)."""

    def stream(self, results: Sequence[CheckResult]) -> Iterator[str]:
        """The same page line by line, the node table and the findings built while written."""
        when = created_at().strftime("%Y-%m-%d %H:%M UTC")
        if len(results) == 1:
            r = results[0]
            title = f"{r.subject.node_id}: {r.verdict.status.label} for commercial use"
        else:
            title = f"{len(results)} models"
        version = results[0].tool_version if results else ""
        out = [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>License evidence: {esc(title)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            "<header>",
            "<h1>License evidence report</h1>",
            f'<p class="meta">model-licensecheck {esc(version)} · {esc(when)} · '
            "commercial use of ML models and their lineage</p>",
            "</header>",
        ]
        if len(results) > 1:
            out += self._overview(results)
        yield from (line + "\n" for line in out)
        for i, r in enumerate(results, start=1):
            yield from (line + "\n" for line in _Section(r, f"r{i}").render())
        yield (
            "<footer>Generated by model-licensecheck from resolved metadata, configs, card text "
            "and its knowledge base; not legal advice. Each fact names where it was read.</footer>"
            "\n</body>\n</html>\n"
        )

    def _overview(self, results: Sequence[CheckResult]) -> list[str]:
        out = [
            '<table class="overview">',
            "<thead><tr><th>model</th><th>verdict</th><th>gate</th></tr></thead>",
            "<tbody>",
        ]
        for i, r in enumerate(results, start=1):
            status = r.verdict.status.label
            gate = "passed" if r.gate.passed else "failed"
            out.append(
                f'<tr><td><a href="#r{i}">{esc(r.subject.node_id)}</a></td>'
                f'<td><span class="badge status-{status}">{status}</span></td><td>{gate}</td></tr>'
            )
        out += ["</tbody>", "</table>"]
        return out


class _Section:
    """One result's part of the page; `key` makes its ids unique in the document."""

    def __init__(self, result: CheckResult, key: str) -> None:
        self.result = result
        self.key = key
        self.causes, self.drive_nodes, self.drive_edges = driving(result)

    def render(self) -> Iterator[str]:
        """The section's lines, the long parts (nodes, findings) built while written."""
        r = self.result
        status = r.verdict.status.label
        yield f'<section class="result" id="{self.key}" data-status="{status}">'
        yield (
            f'<h2>{esc(r.subject.node_id)}: <span class="badge status-{status}">{status}</span>'
            " for commercial use</h2>"
        )
        yield from self._verdict()
        yield "<h3>Obligations</h3>"
        yield from self._checklist()
        yield "<h3>Lineage</h3>"
        yield from self._graph()
        yield from self._nodes()
        yield from self._licenses()
        yield f"<h3>Findings ({len(r.findings)})</h3>"
        yield from self._findings()
        yield from self._notes()
        yield "</section>"

    def _verdict(self) -> list[str]:
        r = self.result
        v = r.verdict
        out = [f'<div class="verdict status-box-{v.status.label}">']
        out.append(f'<p class="summary">{esc(v.summary)}</p>')
        if r.gate.passed:
            gate = "<strong>Gate:</strong> passed"
        else:
            reasons = "; ".join(esc(x) for x in r.gate.reasons)
            gate = f"<strong>Gate:</strong> failed ({reasons})"
        if r.policy:
            gate += f" · <strong>Policy:</strong> <code>{esc(r.policy)}</code>"
        out.append(f'<p class="gate">{gate}</p>')
        if r.subject.target != r.subject.node_id:
            out.append(f"<p><strong>Target:</strong> <code>{esc(r.subject.target)}</code></p>")
        if v.conditions:
            conds = " ".join(f'<span class="cond">{esc(str(c))}</span>' for c in v.conditions)
            out.append(f"<p><strong>Conditions:</strong> {conds}</p>")
        if r.gate.notes:
            out.append('<ul class="gate-notes">')
            out += [f"<li>{esc(n)}</li>" for n in r.gate.notes]
            out.append("</ul>")
        out.append("</div>")
        return out

    def _checklist(self) -> list[str]:
        r = self.result
        items: list[str] = []
        for o in r.obligations:
            who = ", ".join(f"<code>{esc(a)}</code>" for a in o.ancestors)
            ref = f" · {link(o.reference)}" if o.reference else ""
            items.append(
                f'<li><label><input type="checkbox"><span class="cond">{esc(o.condition)}</span> '
                f"{esc(o.action)}</label>"
                f'<div class="muted">from {who}{ref}</div></li>'
            )
        # A condition of the verdict that no to-do covers is still something to sign off.
        covered = {o.condition for o in r.obligations}
        for cond in r.verdict.conditions:
            if cond.id in covered:
                continue
            why = sorted({f.message for f in r.findings if cond in f.conditions})
            detail = "".join(f'<div class="muted">{esc(m)}</div>' for m in why)
            items.append(
                f'<li><label><input type="checkbox"><span class="cond">{esc(str(cond))}</span>'
                f"</label>{detail}</li>"
            )
        if not items:
            return ['<p class="muted">No obligations.</p>']
        return ['<ul class="checklist">', *items, "</ul>"]

    def _graph(self) -> list[str]:
        r = self.result
        lay = layout(r, self.drive_nodes)
        k = self.key
        desc = (
            f"Lineage of {r.subject.node_id}: {len(r.lineage.nodes)} nodes, "
            f"{len(r.lineage.edges)} edges."
        )
        out = [
            '<figure class="graph">',
            f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" role="img" '
            f'aria-label="{esc(desc)}" viewBox="0 0 {lay.width} {lay.height}" '
            f'width="{lay.width}" height="{lay.height}">',
            "<defs>",
            _marker(f"{k}-arrow", "arrowhead", 9),
            _marker(f"{k}-arrow-drive", "arrowhead drive", 10),
            "</defs>",
        ]
        # Edges first, so that boxes cover their ends; driving edges last, on top of the rest.
        drawn = [e for e in r.lineage.edges if e.child in lay.boxes and e.parent in lay.boxes]
        drawn.sort(key=lambda e: e in self.drive_edges)
        for e in drawn:
            out.append(self._edge(e, lay.boxes[e.child], lay.boxes[e.parent]))
        for node_id in sorted(lay.boxes):
            out.append(self._box(r.lineage.nodes[node_id], lay.boxes[node_id]))
        for m in lay.more:
            out.append(
                f'<g class="more" transform="translate({m.x},{m.y})"><rect width="{_BOX_W}" '
                f'height="{_BOX_H}" rx="6"/><text class="nid" x="{_BOX_W // 2}" '
                f'y="{_BOX_H // 2 + 4}" text-anchor="middle">+{m.nodes} more</text></g>'
            )
        out.append("</svg>")
        legend = [
            '<span><i class="swatch cause"></i>drives the verdict</span>',
            '<span><i class="swatch drive"></i>on the path from the subject to it</span>',
            '<span><i class="swatch subject"></i>the model checked</span>',
            '<span><i class="swatch unresolved"></i>not resolved or not read completely</span>',
            "<span>arrows point to what a node was made from</span>",
        ]
        out.append(f'<figcaption class="legend">{"".join(legend)}</figcaption>')
        out.append("</figure>")
        if lay.hidden:
            shown = len(lay.boxes)
            out.append(
                f'<p class="muted more-note">{shown} of {len(r.lineage.nodes)} nodes drawn '
                f"(+{lay.hidden} more); the table below lists every node.</p>"
            )
        return out

    def _box(self, node: AnyNode, box: Box) -> str:
        r = self.result
        classes = ["node", f"kind-{node.kind.value}"]
        if node.id == r.lineage.root:
            classes.append("subject")
        if node.id in self.drive_nodes:
            classes.append("drive")
        if node.id in self.causes:
            classes.append("cause")
        if isinstance(node, UnresolvedNode) or node.incomplete:
            classes.append("unresolved")
        lic = license_label(node, r.concluded.get(node.id, ()))
        rx = {NodeKind.MODEL: 3, NodeKind.DATASET: 14, NodeKind.SERVICE: 8}[node.kind]
        tooltip = f"{node.id} · {node.kind.value} · {lic}"
        return (
            f'<g class="{" ".join(classes)}" data-id="{esc(node.id)}" '
            f'transform="translate({box.x},{box.y})">'
            f"<title>{esc(tooltip)}</title>"
            f'<rect width="{_BOX_W}" height="{_BOX_H}" rx="{rx}"/>'
            f'<text class="nid" x="10" y="18">{esc(shorten(node.id, _ID_CHARS))}</text>'
            f'<text class="nkind" x="10" y="34">{node.kind.value}</text>'
            f'<text class="nlic" x="10" y="49">{esc(shorten(lic, _LICENSE_CHARS))}</text>'
            "</g>"
        )

    def _edge(self, e: Edge, child: Box, parent: Box) -> str:
        drive = e in self.drive_edges
        cx, px = child.x + _BOX_W // 2, parent.x + _BOX_W // 2
        if parent.y > child.y:  # downwards: bottom of the child to the top of the parent
            y1, y2 = child.y + _BOX_H, parent.y
            bend = (y2 - y1) // 2
            d = f"M{cx},{y1} C{cx},{y1 + bend} {px},{y2 - bend} {px},{y2}"
            lx, ly = (cx + px) // 2, (y1 + y2) // 2
        elif parent.y == child.y:  # same row: an arc below both boxes
            y = child.y + _BOX_H
            sag = _sag(px - cx)
            d = f"M{cx},{y} C{cx},{y + sag} {px},{y + sag} {px},{y}"
            lx, ly = (cx + px) // 2, y + (3 * sag) // 4
        else:  # upwards, to an ancestor drawn nearer the subject
            y1, y2 = child.y, parent.y + _BOX_H
            d = f"M{cx},{y1} C{cx},{y1 - 40} {px},{y2 + 40} {px},{y2}"
            lx, ly = (cx + px) // 2, (y1 + y2) // 2
        classes = ["edge", f"rel-{e.relation.value}"] + (["drive"] if drive else [])
        marker = f"{self.key}-arrow-drive" if drive else f"{self.key}-arrow"
        return (
            f'<g class="{" ".join(classes)}" data-child="{esc(e.child)}" '
            f'data-parent="{esc(e.parent)}" data-relation="{e.relation.value}">'
            f"<title>{esc(e.child)} {e.relation.value} {esc(e.parent)}</title>"
            f'<path d="{d}" marker-end="url(#{marker})"/>'
            f'<text x="{lx}" y="{ly + 4}" text-anchor="middle">{e.relation.value}</text></g>'
        )

    def _nodes(self) -> Iterator[str]:
        r = self.result
        yield '<table class="nodes">'
        yield (
            "<thead><tr><th>node</th><th>kind</th><th>declared license</th>"
            "<th>concluded licenses</th><th>license evidence</th></tr></thead>"
        )
        yield "<tbody>"
        for node_id in sorted(r.lineage.nodes):
            node = r.lineage.nodes[node_id]
            concluded = ", ".join(f"<code>{esc(c)}</code>" for c in r.concluded.get(node_id, ()))
            marks = " (subject)" if node_id == r.lineage.root else ""
            if node_id in self.causes:
                marks += ' <span class="tag">drives the verdict</span>'
            ev = node.license.evidence
            yield (
                f'<tr data-id="{esc(node_id)}"><td><code>{esc(node_id)}</code>{marks}</td>'
                f"<td>{node.kind.value}</td><td>{_declared(node)}</td>"
                f"<td>{concluded or 'none'}</td>"
                f"<td>{_evidence(ev) if ev is not None else ''}</td></tr>"
            )
        yield from ("</tbody>", "</table>")

    def _licenses(self) -> list[str]:
        if not self.result.licenses:
            return []
        out = ["<h3>Licenses and terms in this lineage</h3>", '<ul class="licenses">']
        for info in self.result.licenses:
            where = " · ".join(link(u) for u in info.urls)
            out.append(
                f"<li><code>{esc(info.id)}</code>: {esc(info.name)} ({esc(info.kind)})"
                + (f" · {where}" if where else "")
                + "</li>"
            )
        out.append("</ul>")
        return out

    def _findings(self) -> Iterator[str]:
        r = self.result
        if not r.findings:
            yield '<p class="muted">No findings.</p>'
            return
        # A finding is one rule on one ancestor: that pair names it (comparing findings would
        # render every message).
        drivers = {(f.rule_id, f.ancestor) for f in r.verdict.drivers}
        for n, f in enumerate(r.findings, start=1):
            yield from self._finding(f, n, (f.rule_id, f.ancestor) in drivers)

    def _finding(self, f: Finding, n: int, drives: bool) -> list[str]:
        r = self.result
        status = f.status.label
        classes = f"finding f-{status}" + (" drive" if drives else "")
        conds = "".join(f' <span class="cond">{esc(str(c))}</span>' for c in f.conditions)
        tag = ' <span class="tag">drives the verdict</span>' if drives else ""
        out = [
            f'<article class="{classes}" id="{self.key}-f{n}" data-rule="{esc(f.rule_id)}">',
            f'<header><span class="badge status-{status}">{status}</span> '
            f"<code>{esc(f.rule_id)}</code> {esc(f.title)}{conds}{tag}</header>",
            f'<p class="message">{esc(f.message)}</p>',
            f'<p class="path"><strong>Path:</strong> {_path(f)}</p>',
        ]
        items: list[str] = []
        for e in f.path:
            head = f"<code>{esc(e.child)}</code> —{e.relation.value}→ <code>{esc(e.parent)}</code>"
            if not e.evidence:
                items.append(f"<li>{head}: no evidence recorded</li>")
            for ev in e.evidence:
                items.append(f"<li>{head}: {_evidence(ev)}</li>")
        node = r.lineage.nodes.get(f.ancestor)
        if node is not None and node.license.evidence is not None:
            label = license_label(node, r.concluded.get(node.id, ()))
            items.append(
                f"<li>license of <code>{esc(f.ancestor)}</code> ({esc(label)}): "
                f"{_evidence(node.license.evidence)}</li>"
            )
        elif node is not None:
            items.append(
                f"<li>license of <code>{esc(f.ancestor)}</code>: {esc(_reason(node))}</li>"
            )
        if items:
            out += ['<ul class="evidence">', *items, "</ul>"]
        if f.references:
            refs = " · ".join(link(x) for x in f.references)
            out.append(f'<p class="refs"><strong>References:</strong> {refs}</p>')
        out.append("</article>")
        return out

    def _notes(self) -> list[str]:
        notes = self.result.lineage.notes
        if not notes:
            return []
        return ["<h3>Notes</h3>", "<ul>", *(f"<li>{esc(n)}</li>" for n in notes), "</ul>"]


def _marker(marker_id: str, classes: str, size: int) -> str:
    """An arrowhead for the end of an edge, of a fixed size whatever the line's width."""
    return (
        f'<marker id="{marker_id}" viewBox="0 0 10 10" refX="10" refY="5" '
        f'markerUnits="userSpaceOnUse" markerWidth="{size}" markerHeight="{size}" '
        f'orient="auto-start-reverse"><path class="{classes}" d="M0,0 L10,5 L0,10 z"/></marker>'
    )


def _declared(node: AnyNode) -> str:
    lic = node.license
    if isinstance(node, UnresolvedNode):
        return f"unresolved ({node.cause.value}): {esc(node.reason)}"
    if isinstance(lic, KnownLicense):
        if lic.raw and lic.raw != lic.id:
            return f"{esc(lic.raw)} → <code>{esc(lic.id)}</code>"
        return f"<code>{esc(lic.id)}</code>"
    declared = f"{esc(lic.raw)} → " if lic.raw else ""
    text = f"{declared}unknown: {esc(lic.reason)}"
    if node.incomplete:
        text += "<br>not read completely: " + "; ".join(esc(x) for x in node.incomplete)
    return text


def _reason(node: AnyNode) -> str:
    lic = node.license
    return lic.reason if not isinstance(lic, KnownLicense) else lic.id


def _evidence(ev: Evidence) -> str:
    """source, location (a link when it is a web address), confidence, quote, reference."""
    parts = [
        f'<span class="src">{esc(ev.source.value)}</span>',
        f'<span class="loc">{link(ev.location)}</span>',
    ]
    if ev.confidence.value != "declared":
        parts.append(f"({esc(ev.confidence.value)})")
    text = " · ".join(parts)
    if ev.reference and ev.reference != ev.location:
        text += " · " + link(ev.reference)
    if ev.quote:
        text += f'<blockquote class="quote">{esc(ev.quote)}</blockquote>'
    return text


def _path(f: Finding) -> str:
    if not f.path:
        return f"<code>{esc(f.ancestor)}</code> (the subject itself)"
    parts = [f"<code>{esc(f.path[0].child)}</code>"]
    for e in f.path:
        parts.append(f"—{e.relation.value}→ <code>{esc(e.parent)}</code>")
    return " ".join(parts)
