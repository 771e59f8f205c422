"""The HTML evidence report: golden files, the driving path marked, every finding shown, hostile
card text inert, nothing loaded from anywhere, large lineages drawn within bounds.
Regenerate the golden files with `UPDATE_GOLDEN=1 pytest tests/test_report_html.py -k golden`."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.model import (
    CheckResult,
    Confidence,
    Evidence,
    NodeKind,
    Relation,
    SourceKind,
    Status,
)
from model_licensecheck.report.html import (
    CONTENT_SECURITY_POLICY,
    MAX_NODES,
    MAX_PER_LAYER,
    HtmlReporter,
    shorten,
)
from model_licensecheck.report.interface import Format, reporter
from model_licensecheck.resolve.interface import (
    ArtifactFacts,
    EdgeClaim,
    Found,
    LicenseClaim,
    Lookup,
    Missing,
)

from .conftest import run
from .lineages import GOLDEN, LINEAGES

pytestmark = pytest.mark.usefixtures("fixed_epoch")


class Element(NamedTuple):
    """A start tag as the parser saw it."""

    tag: str
    attrs: dict[str, str]


class Page(HTMLParser):
    """Every element with its attributes, the text, and the style sheets of a page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.title = ""
        """The document's title (the first <title>; the graph's boxes have their own)."""
        self._in_style = False
        self._in_title = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))
        self._in_style = tag == "style"
        self._in_title = tag == "title" and not self.title

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        (self.styles if self._in_style else self.text).append(data)

    def find(self, tag: str, cls: str) -> list[Element]:
        """Elements of `tag` whose class list has `cls`."""
        return [
            e for e in self.elements if e.tag == tag and cls in e.attrs.get("class", "").split()
        ]

    def node(self, node_id: str) -> Element:
        """The graph box of a node."""
        (box,) = [e for e in self.find("g", "node") if e.attrs["data-id"] == node_id]
        return box


def html_of(results: list[CheckResult]) -> str:
    return HtmlReporter().render(results)


# --- golden files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LINEAGES))
def test_matches_golden(name: str, lineage_results: dict[str, CheckResult]) -> None:
    """Each report equals its golden file (regenerate with UPDATE_GOLDEN=1)."""
    text = html_of([lineage_results[name]])
    golden = GOLDEN / "html" / f"{name}.html"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.exists(), f"missing {golden}: run with UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


def test_the_format_enum_reaches_the_html_reporter(
    lineage_results: dict[str, CheckResult],
) -> None:
    assert Format("html").extension == ".html"
    result = lineage_results["dolly"]
    assert reporter(Format.HTML).render([result]) == html_of([result])


# --- content ----------------------------------------------------------------------------------


def test_vicuna_marks_the_driving_path(lineage_results: dict[str, CheckResult]) -> None:
    """LLaMA-13B decides Vicuna's verdict: its box is the cause, the subject and the edge
    between them are on the driving path; nothing else is marked."""
    result = lineage_results["vicuna"]
    page = Page(html_of([result]))
    root, llama = result.lineage.root, "huggyllama/llama-13b"
    assert {"drive", "cause"} <= set(page.node(llama).attrs["class"].split())
    assert {"drive", "subject"} <= set(page.node(root).attrs["class"].split())
    assert "cause" not in page.node(root).attrs["class"].split()
    marked = {e.attrs["data-id"] for e in page.find("g", "drive") if "data-id" in e.attrs}
    assert marked == {root, llama}
    edges = [(e.attrs["data-child"], e.attrs["data-parent"]) for e in page.find("g", "drive")
             if "edge" in e.attrs["class"].split()]  # fmt: skip
    assert edges == [(root, llama)]
    drawn = {e.attrs["data-id"] for e in page.find("g", "node")}
    assert drawn == set(result.lineage.nodes)
    assert len(page.find("g", "edge")) == len(result.lineage.edges)
    assert page.find("figcaption", "legend"), "a legend explains the marks"


@pytest.mark.parametrize("name", sorted(LINEAGES))
def test_every_finding_and_obligation_is_shown(
    name: str, lineage_results: dict[str, CheckResult]
) -> None:
    result = lineage_results[name]
    text = html_of([result])
    page = Page(text)
    findings = page.find("article", "finding")
    assert [f.attrs["data-rule"] for f in findings] == [f.rule_id for f in result.findings]
    drivers = [f.attrs["data-rule"] for f in findings if "drive" in f.attrs["class"].split()]
    assert drivers == [f.rule_id for f in result.findings if f in result.verdict.drivers]
    boxes = [e for e in page.elements if e.tag == "input" and e.attrs.get("type") == "checkbox"]
    assert len(boxes) >= len(result.obligations)
    body = " ".join(" ".join(page.text).split())
    for o in result.obligations:
        assert " ".join(o.action.split()) in body
    for f in result.findings:
        assert " ".join(f.message.split()) in body
    # The verdict comes first: status and summary before the obligations and the graph.
    assert text.index(result.verdict.summary[:40]) < text.index("<h3>Obligations</h3>")
    assert text.index("<h3>Obligations</h3>") < text.index("<svg") < text.index("<h3>Findings")


def test_card_quotes_are_shown_with_their_source(offline_checker: Checker) -> None:
    """A prose-only card: the quoted sentence that named the base is in the report."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(Path(__file__).parents[1])
        result = offline_checker.check("tests/fixtures/cards/prose-only.md")
    quotes = [
        ev.quote
        for e in result.lineage.edges
        for ev in e.evidence
        if ev.quote and any(e in f.path for f in result.findings)
    ]
    assert quotes, "the fixture's lineage comes from card prose"
    page = Page(html_of([result]))
    shown = {" ".join(q.split()) for q in page.text}
    for quote in quotes:
        assert " ".join(quote.split()) in shown


# --- safety -----------------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>"
EVIL_QUOTE = '</style><script>alert(2)</script> & "quoted" '
EVIL_LOCATION = '"><img src=x onerror=alert(1)>'
EVIL_IDS = ('"><svg onload=alert(4)>', "</title><script>x</script>")


class HostileSource:
    """A card whose every string is an attempt to break out of the page."""

    name = "hostile"

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        ev = Evidence(SourceKind.CARD_TEXT, EVIL_LOCATION, quote=EVIL_QUOTE,
                      confidence=Confidence.INFERRED, reference="javascript:alert(3)")  # fmt: skip
        if artifact_id == "evil/model":
            fine = Evidence(SourceKind.HUB_METADATA, "https://huggingface.co/evil/model",
                            reference="https://example.org/terms?a=1&b=2")  # fmt: skip
            edges = (
                EdgeClaim(EVIL_IDS[0], NodeKind.MODEL, Relation.FINETUNE, ev),
                EdgeClaim(EVIL_IDS[1], NodeKind.DATASET, Relation.TRAINED_ON, ev),
                EdgeClaim("evil/base", NodeKind.MODEL, Relation.ADAPTER, fine),
            )
            claim = LicenseClaim("other", ev, name=HOSTILE, link="javascript:alert(5)")
            return Found(ArtifactFacts(artifact_id, NodeKind.MODEL, claim, edges))
        if artifact_id == "evil/base":
            claim = LicenseClaim("cc-by-nc-4.0", ev)
            return Found(ArtifactFacts(artifact_id, NodeKind.MODEL, claim))
        return Missing("not in this test's source")


@pytest.fixture(scope="module")
def hostile() -> CheckResult:
    checker = Checker(CheckOptions(offline=True))
    checker.sources = (HostileSource(),)
    return checker.check("evil/model")


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "footer", "section", "article",
    "h1", "h2", "h3", "p", "div", "span", "strong", "code", "i", "br", "ul", "li", "label",
    "input", "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "blockquote",
    "a", "svg", "defs", "marker", "path", "g", "rect", "text",
}  # fmt: skip


def test_hostile_card_text_is_shown_inert(hostile: CheckResult) -> None:
    """No card string becomes markup: only our tags, no event handler or style attribute,
    links only to http(s) addresses; the strings are still there, as text."""
    assert hostile.verdict.status is Status.PROHIBITED
    text = html_of([hostile])
    page = Page(text)
    assert {e.tag for e in page.elements} <= ALLOWED_TAGS
    for e in page.elements:
        assert not [a for a in e.attrs if a.startswith("on") or a in {"style", "src"}], e
        if "href" in e.attrs:
            assert re.match(r"^(https?://|#r\d+$)", e.attrs["href"]), e
    assert "<script" not in text.lower() and "<img" not in text.lower()
    body = "".join(page.text)
    assert HOSTILE in body and "</style><script>alert(2)</script>" in body
    assert EVIL_LOCATION in body
    for evil in EVIL_IDS:  # ids stay attributes' values, unchanged, and text
        assert evil in {e.attrs.get("data-id") for e in page.elements}
    hrefs = {e.attrs["href"] for e in page.elements if "href" in e.attrs}
    assert "https://example.org/terms?a=1&b=2" in hrefs  # a real address stays a link
    assert not any("javascript" in h for h in hrefs)
    # The page's one style sheet is the one the policy allows, and nothing else got in.
    assert len(page.styles) == 1


def test_the_page_loads_nothing_and_runs_nothing(lineage_results: dict[str, CheckResult]) -> None:
    """The policy forbids every fetch and script; the style sheet is allowed by its hash."""
    text = html_of(list(lineage_results.values()))
    page = Page(text)
    (csp,) = [e for e in page.elements if e.attrs.get("http-equiv") == "Content-Security-Policy"]
    policy = csp.attrs["content"]
    assert policy == CONTENT_SECURITY_POLICY
    assert policy.startswith("default-src 'none';")
    assert "unsafe" not in policy and "script-src" not in policy
    (style,) = page.styles
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert "@import" not in style and "url(" not in style and "http" not in style
    assert not [e for e in page.elements if e.tag in {"script", "link", "img", "iframe"}]
    refs = re.findall(r"url\(([^)]*)\)", text)
    assert refs and all(r.startswith("#r") for r in refs)  # only the page's own arrowheads
    ids = [e.attrs["id"] for e in page.elements if "id" in e.attrs]
    assert len(ids) == len(set(ids))  # several results in one page keep their ids apart


def test_print_styles() -> None:
    """Light backgrounds only; findings and the verdict are not split across pages."""
    style = Page(html_of([])).styles[0]
    assert "@media print" in style
    print_css = style.split("@media print", 1)[1]
    assert re.search(r"\.finding[^{]*\{[^}]*break-inside: avoid", print_css)
    for colour in re.findall(r"background(?:-color)?: (#[0-9a-f]{3,6})", style):
        value = colour.lstrip("#")
        value = "".join(c * 2 for c in value) if len(value) == 3 else value
        r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
        assert 0.2126 * r + 0.7152 * g + 0.0722 * b > 200, colour


# --- size bounds ------------------------------------------------------------------------------


class FanSource:
    """A model trained on `width` datasets, each derived from one corpus, all MIT."""

    name = "fan"

    def __init__(self, width: int) -> None:
        self.width = width

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        ev = Evidence(SourceKind.USER, "test")
        if artifact_id == "fan/model":
            edges = tuple(EdgeClaim(f"fan/data-{i:03d}", NodeKind.DATASET, Relation.TRAINED_ON, ev)
                          for i in range(self.width))  # fmt: skip
            return Found(ArtifactFacts(artifact_id, NodeKind.MODEL, LicenseClaim("mit", ev), edges))
        if artifact_id.startswith("fan/data-"):
            edge = EdgeClaim(f"fan/corpus-{artifact_id[-3:]}", NodeKind.DATASET,
                             Relation.DERIVED_FROM, ev)  # fmt: skip
            return Found(
                ArtifactFacts(artifact_id, NodeKind.DATASET, LicenseClaim("mit", ev), (edge,))
            )
        if artifact_id.startswith("fan/corpus-"):
            return Found(ArtifactFacts(artifact_id, NodeKind.DATASET, LicenseClaim("mit", ev)))
        return Missing("not in this test's source")


def test_a_wide_lineage_is_drawn_within_bounds() -> None:
    checker = Checker(CheckOptions(offline=True))
    checker.sources = (FanSource(120),)
    result = checker.check("fan/model")
    assert len(result.lineage.nodes) == 241
    text = html_of([result])
    page = Page(text)
    drawn = page.find("g", "node")
    assert 1 < len(drawn) <= MAX_NODES
    (svg,) = [e for e in page.elements if e.tag == "svg"]
    assert int(svg.attrs["width"]) <= (MAX_PER_LAYER + 1) * 300
    assert int(svg.attrs["height"]) <= (MAX_NODES + 2) * 140
    more = [int(m) for m in re.findall(r">\+(\d+) more</text>", text)]
    assert sum(more) == len(result.lineage.nodes) - len(drawn)
    assert f"{len(drawn)} of 241 nodes drawn" in text
    rows = [e for e in page.elements if e.tag == "tr" and "data-id" in e.attrs]
    assert {r.attrs["data-id"] for r in rows} == set(result.lineage.nodes)  # the table has all


def test_shorten_keeps_both_ends() -> None:
    assert shorten("short", 10) == "short"
    cut = shorten("organisation/a-very-long-model-name-v2", 20)
    assert len(cut) == 20 and cut.startswith("organisat") and cut.endswith("name-v2")


# --- several results, the command line --------------------------------------------------------


def test_several_results_in_one_page(lineage_results: dict[str, CheckResult]) -> None:
    results = list(lineage_results.values())
    page = Page(html_of(results))
    sections = [e for e in page.elements if e.tag == "section"]
    assert [s.attrs["data-status"] for s in sections] == [r.verdict.status.label for r in results]
    links = [e.attrs["href"] for e in page.elements if e.tag == "a" and e.attrs["href"][0] == "#"]
    assert links == [f"#r{i}" for i in range(1, len(results) + 1)]
    assert len(page.find("svg", "lineage")) == len(results)


def test_cli_writes_an_html_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run("lmsys/vicuna-7b-v1.3", "--offline", "--format", "html", "-o", str(out))
    assert result.exit_code == 1  # prohibited: the gate fails, the report is still written
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n") and text.endswith("</html>\n")
    assert Page(text).node("huggyllama/llama-7b").attrs["class"].split().count("cause") == 1
