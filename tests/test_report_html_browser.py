"""The HTML report in a real browser: headless Chromium (Debian's `chromium` package) parses
the page under its Content-Security-Policy, and the DOM it builds has the lineage graph with
the driving path marked and every finding. Skipped without Chromium, unless
MODEL_LICENSECHECK_REQUIRE_BROWSER=1 (CI sets it), which makes a missing browser a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from model_licensecheck.model import CheckResult
from model_licensecheck.report.html import HtmlReporter

from .test_report_html import HostileSource, Page

BROWSERS = ("chromium", "chromium-browser")
TIMEOUT_S = 120


@pytest.fixture(scope="module")
def chromium() -> str:
    """The browser's path, or a skip (a failure when the environment requires a browser)."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    message = "headless Chromium not installed (Debian: apt-get install -y chromium)"
    if os.environ.get("MODEL_LICENSECHECK_REQUIRE_BROWSER") == "1":
        pytest.fail(message + "; MODEL_LICENSECHECK_REQUIRE_BROWSER=1 requires it")
    pytest.skip(message)


class Rendered(NamedTuple):
    """The DOM Chromium built, and what it logged while loading the page."""

    dom: Page
    log: str


def load(chromium: str, page: Path, tmp_path: Path) -> Rendered:
    """Open `page` in headless Chromium and serialise its DOM after loading.
    --no-sandbox: test containers run as root, where Chromium's sandbox cannot start; the page
    is our own and its policy forbids scripts anyway."""
    profile = tmp_path / "profile"
    args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", f"--user-data-dir={profile}", "--enable-logging=stderr",
            "--v=0", "--dump-dom", page.as_uri()]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.rstrip().endswith("</html>"), done.stdout[-200:]
    return Rendered(Page(done.stdout), done.stderr)


def policy_violations(log: str) -> list[str]:
    return [line for line in log.splitlines() if "Content Security Policy" in line]


def test_chromium_draws_the_graph_and_every_finding(
    chromium: str, lineage_results: dict[str, CheckResult], tmp_path: Path
) -> None:
    result = lineage_results["vicuna"]
    page = tmp_path / "vicuna.html"
    page.write_text(HtmlReporter().render([result]), encoding="utf-8")
    rendered = load(chromium, page, tmp_path)
    dom = rendered.dom
    assert policy_violations(rendered.log) == []  # the style sheet applied under the policy
    (svg,) = dom.find("svg", "lineage")
    assert int(svg.attrs["width"]) > 0 and int(svg.attrs["height"]) > 0
    boxes = {e.attrs["data-id"]: e.attrs["class"].split() for e in dom.find("g", "node")}
    assert set(boxes) == set(result.lineage.nodes)
    causes = {f.ancestor for f in result.verdict.drivers}
    on_path = {n for f in result.verdict.drivers for n in f.path_ids}
    assert causes == {"huggyllama/llama-13b"}
    for node_id, classes in boxes.items():
        assert ("cause" in classes) == (node_id in causes), node_id
        assert ("drive" in classes) == (node_id in on_path), node_id
    driving_edges = [e for e in dom.find("g", "drive") if "edge" in e.attrs["class"].split()]
    assert [(e.attrs["data-child"], e.attrs["data-parent"]) for e in driving_edges] == [
        (result.lineage.root, "huggyllama/llama-13b")
    ]
    findings = dom.find("article", "finding")
    assert [f.attrs["data-rule"] for f in findings] == [f.rule_id for f in result.findings]
    text = " ".join(" ".join(dom.text).split())
    for f in result.findings:
        assert " ".join(f.message.split()) in text
    assert dom.find("figcaption", "legend")


def test_chromium_reports_a_page_whose_style_the_policy_refuses(
    chromium: str, lineage_results: dict[str, CheckResult], tmp_path: Path
) -> None:
    """The control for the check above: a style sheet changed after hashing is refused, and
    the browser says so in its log."""
    text = HtmlReporter().render([lineage_results["dolly"]])
    page = tmp_path / "tampered.html"
    page.write_text(text.replace("<style>", "<style>b { color: red; }", 1), encoding="utf-8")
    assert policy_violations(load(chromium, page, tmp_path).log)


def test_chromium_runs_nothing_from_a_hostile_card(chromium: str, tmp_path: Path) -> None:
    """A card full of markup: the browser's DOM has no script, no handler, no image, and the
    document title is still ours."""
    from model_licensecheck.checker import Checker, CheckOptions

    checker = Checker(CheckOptions(offline=True))
    checker.sources = (HostileSource(),)
    page = tmp_path / "hostile.html"
    page.write_text(HtmlReporter().render([checker.check("evil/model")]), encoding="utf-8")
    rendered = load(chromium, page, tmp_path)
    dom = rendered.dom
    assert policy_violations(rendered.log) == []  # nothing even tried to run or load
    assert not [e for e in dom.elements if e.tag in {"script", "img", "iframe", "object"}]
    assert not [e for e in dom.elements if any(a.startswith("on") for a in e.attrs)]
    assert dom.title == "License evidence: evil/model: prohibited for commercial use"
