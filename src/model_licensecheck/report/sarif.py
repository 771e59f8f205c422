"""SARIF 2.1.0 for GitHub code scanning: one result per finding, at the line naming the ancestor."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..model import CheckResult, Finding, SourceKind, Status
from .interface import StreamedReport
from .jsonreport import Stream, iter_indented

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "model-licensecheck"
INFORMATION_URI = "https://github.com/model-licensecheck/model-licensecheck"
"""The project's repository: pyproject's [project.urls] Homepage (a test keeps them equal)."""
FINGERPRINT_KEY = "modelLicensecheck/v1"
HUB_BASE_ID = "HUGGINGFACE"
HUB_URL = "https://huggingface.co/"

LOCAL_KINDS = frozenset({"card", "folder", "config", "merge-config", "gguf"})
"""Subject kinds that are files in the user's repository, so evidence lines can be pointed at."""

_LEVELS = {
    Status.PROHIBITED: "error",
    Status.UNKNOWN: "error",
    Status.CONDITIONAL: "warning",
    Status.ALLOWED: "note",
}

_LOCATION = re.compile(r"^(?P<path>.+):(?P<line>[0-9]+)$")
_HEADER_KEY = re.compile(r"^(?P<path>.+\.(?:gguf|safetensors)):(?P<key>[\w.]+)$", re.IGNORECASE)
"""Evidence from a weight file's header is `FILE:KEY` (a key, not a line)."""


def level(status: Status) -> str:
    """The SARIF level of a finding's status: what fails the default gate is an error."""
    return _LEVELS[status]


def fingerprint(finding: Finding, subject: str) -> str:
    """Stable across runs and line moves, so GitHub keeps tracking the same alert."""
    key = "\0".join((finding.rule_id, finding.ancestor, subject))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _file_uri(path: str) -> tuple[str, bool]:
    """A path as a URI reference, and whether it is relative to the checkout (%SRCROOT%)."""
    posix = path.replace("\\", "/")
    if PureWindowsPath(path).drive or posix.startswith("/"):
        # An absolute path is not under the repository root; a file: URI at least stays exact.
        absolute = PurePosixPath(posix) if posix.startswith("/") else PureWindowsPath(path)
        return absolute.as_uri(), False
    while posix.startswith("./"):
        posix = posix[2:]
    return quote(posix, safe="/"), True


def _artifact(uri: str, relative: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"uri": uri}
    if relative:
        out["uriBaseId"] = "%SRCROOT%"
    return out


def _subject_location(result: CheckResult) -> dict[str, Any]:
    subject = result.subject
    if subject.kind in LOCAL_KINDS:
        uri, relative = _file_uri(subject.target)
        return {"physicalLocation": {"artifactLocation": _artifact(uri, relative)}}
    if result.named_at is not None:
        # The manifest (or workflow, --named-in) line that names the model: a file in the
        # checkout, so code scanning shows the alert where the model is chosen.
        uri, relative = _file_uri(result.named_at.file)
        physical: dict[str, Any] = {"artifactLocation": _artifact(uri, relative)}
        if result.named_at.line is not None:
            physical["region"] = {"startLine": result.named_at.line}
        return {"physicalLocation": physical}
    # The Hub URL is written relative to a HUGGINGFACE base (run.originalUriBaseIds): GitHub
    # rejects a whole upload whose locations use a scheme other than file ("SARIF URI scheme
    # "https" did not match the checkout URI scheme "file"", github/codeql-action#754).
    hub = {"uri": quote(subject.node_id, safe="/"), "uriBaseId": HUB_BASE_ID}
    return {"physicalLocation": {"artifactLocation": hub}}


def location(result: CheckResult, finding: Finding) -> dict[str, Any]:
    """The card or manifest line that introduced the finding's path, else the subject itself."""
    if result.subject.kind not in LOCAL_KINDS or not finding.path:
        return _subject_location(result)
    # Knowledge-base evidence points into license_db/, which is not in the user's repository.
    local = [ev for ev in finding.path[0].evidence if ev.source is not SourceKind.KNOWLEDGE_BASE]
    if not local:
        return _subject_location(result)
    match = _LOCATION.match(local[0].location)
    keyed = _HEADER_KEY.match(local[0].location)
    path = match.group("path") if match else keyed.group("path") if keyed else local[0].location
    uri, relative = _file_uri(path)
    physical: dict[str, Any] = {"artifactLocation": _artifact(uri, relative)}
    if match and int(match.group("line")) >= 1:
        physical["region"] = {"startLine": int(match.group("line"))}
    return {"physicalLocation": physical}


def _rule_name(rule_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", rule_id))


def _rules(results: Sequence[CheckResult]) -> list[dict[str, Any]]:
    first: dict[str, Finding] = {}
    for result in results:
        for f in result.findings:
            first.setdefault(f.rule_id, f)
    rules: list[dict[str, Any]] = []
    for rule_id in sorted(first):
        f = first[rule_id]
        rule: dict[str, Any] = {
            "id": rule_id,
            "name": _rule_name(rule_id),
            "shortDescription": {"text": f.title},
            "defaultConfiguration": {"level": level(f.status)},
            "properties": {"tags": ["license", "model-licensecheck"]},
        }
        help_text = f.title + "."
        if f.references:
            rule["helpUri"] = f.references[0]
            help_text += " See " + ", ".join(f.references)
        rule["help"] = {"text": help_text}
        rules.append(rule)
    return rules


def _result(result: CheckResult, finding: Finding, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": level(finding.status),
        "message": {"text": finding.message},
        "locations": [location(result, finding)],
        "partialFingerprints": {
            FINGERPRINT_KEY: fingerprint(finding, result.subject.node_id),
        },
        "properties": {
            "status": finding.status.label,
            "conditions": [str(c) for c in finding.conditions],
            "path": list(finding.path_ids),
            "relations": [e.relation.value for e in finding.path],
            "ancestor": finding.ancestor,
            "license": finding.license_id,
            "subject": result.subject.node_id,
        },
    }


def to_sarif(results: Sequence[CheckResult], lazy: bool = False) -> dict[str, Any]:
    """The SARIF log as plain data: one run, rules sorted by id, results in report order;
    `lazy`: the results as a `Stream`, built while they are written."""
    rules = _rules(results)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    version = results[0].tool_version if results else None
    found = (_result(r, f, index[f.rule_id]) for r in results for f in r.findings)
    driver: dict[str, Any] = {
        "name": TOOL_NAME,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    if version is not None:
        driver["version"] = version
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {HUB_BASE_ID: {"uri": HUB_URL}},
                "results": Stream(found) if lazy else list(found),
                "properties": {
                    "verdicts": [
                        {
                            "subject": r.subject.node_id,
                            "target": r.subject.target,
                            "status": r.verdict.status.label,
                            "conditions": [str(c) for c in r.verdict.conditions],
                            "summary": r.verdict.summary,
                            "gate": "passed" if r.gate.passed else "failed",
                            **({"policy": r.policy} if r.policy else {}),
                        }
                        for r in results
                    ]
                },
            }
        ],
    }


class SarifReporter(StreamedReport):
    """SARIF 2.1.0 JSON, deterministic: sorted keys, no timestamps."""

    def stream(self, results: Sequence[CheckResult]) -> Iterator[str]:
        """The same text in pieces, each result built while it is written."""
        return iter_indented(to_sarif(results, lazy=True), sort_keys=True)
