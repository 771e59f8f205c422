"""Drift: what changed between a lock file and the lineages as they read today, per target, and
whether it moved a verdict or its conditions (exit 1) or not (exit 0)."""

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import ExitCode, LicensecheckError
from .lockfile import Lock, LockedNode, LockedTarget
from .report.markdown import md, md_block

if TYPE_CHECKING:
    from .checker import Checker

DRIFT_SCHEMA_VERSION = 1


class ChangeKind(StrEnum):
    """What happened to one node between the lock and now."""

    DECLARED_LICENSE = "declared-license-changed"
    LICENSE = "license-changed"
    CONCLUDED = "concluded-changed"
    ANCESTOR_ADDED = "ancestor-added"
    ANCESTOR_REMOVED = "ancestor-removed"
    DATASET_ADDED = "dataset-added"
    DATASET_REMOVED = "dataset-removed"
    SERVICE_ADDED = "service-added"
    """A service (an API whose outputs trained something) now in the lineage: its terms bind."""
    SERVICE_REMOVED = "service-removed"
    EDGES = "edges-changed"
    DELETED = "repo-deleted"
    RENAMED = "repo-renamed"
    GATED = "repo-gated"
    UNREADABLE = "unreadable"
    REVISION = "revision-moved"
    """A new commit that changed nothing the lock records (shown, never a drift that matters)."""


_ADDED = {"dataset": ChangeKind.DATASET_ADDED, "service": ChangeKind.SERVICE_ADDED}
_REMOVED = {"dataset": ChangeKind.DATASET_REMOVED, "service": ChangeKind.SERVICE_REMOVED}
"""By the node's kind; models are ancestors."""
_MEMBERSHIP = frozenset(
    {ChangeKind.ANCESTOR_ADDED, ChangeKind.ANCESTOR_REMOVED, *_ADDED.values(), *_REMOVED.values()}
)


class Change(NamedTuple):
    """One change to one node, with the value before and after."""

    kind: ChangeKind
    node: str
    old: str | None = None
    new: str | None = None

    def describe(self) -> str:
        """One line for people."""
        before = self.old if self.old is not None else "none"
        after = self.new if self.new is not None else "none"
        if self.kind in _MEMBERSHIP:
            return f"{self.node}: {self.kind.value.replace('-', ' ')}" + (
                f" ({self.new or self.old})" if (self.new or self.old) else ""
            )
        return f"{self.node}: {self.kind.value.replace('-', ' ')}: {before} -> {after}"


class TargetDrift(NamedTuple):
    """One target's drift: its verdict and conditions then and now, and each node change."""

    target: str
    old_verdict: str
    new_verdict: str
    """`error` when the target cannot be checked any more (see `error`)."""
    conditions_added: tuple[str, ...]
    conditions_removed: tuple[str, ...]
    changes: tuple[Change, ...]
    error: LicensecheckError | None = None

    @property
    def moved(self) -> bool:
        """Whether the verdict or its conditions moved: the drift that matters."""
        return (self.old_verdict != self.new_verdict or bool(self.conditions_added)
                or bool(self.conditions_removed))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The target's drift as JSON data."""
        return {
            "target": self.target,
            "moved": self.moved,
            "verdict": {"locked": self.old_verdict, "now": self.new_verdict},
            "conditions": {"added": list(self.conditions_added),
                           "removed": list(self.conditions_removed)},
            "changes": [{"kind": c.kind.value, "node": c.node, "locked": c.old, "now": c.new}
                        for c in self.changes],
            "error": self.error.one_line() if self.error is not None else None,
        }  # fmt: skip


class DriftReport(NamedTuple):
    """Drift over a whole lock file."""

    lock_path: str
    kb_changed: tuple[str, str] | None
    rules_changed: tuple[str, str] | None
    policy_changed: bool
    targets: tuple[TargetDrift, ...]

    @property
    def exit_code(self) -> ExitCode:
        """0: nothing that matters moved; 1: a verdict or conditions moved; a target that can
        no longer be checked gives its error's code (2 input, 3 resolution) when worse."""
        code = ExitCode.PASSED
        for t in self.targets:
            if t.error is not None:
                code = max(code, t.error.exit_code)
            elif t.moved:
                code = max(code, ExitCode.GATE_FAILED)
        return code

    def to_json(self) -> dict[str, Any]:
        """The report as JSON data, `schema_version` first."""

        def pair(p: tuple[str, str] | None) -> dict[str, str] | None:
            return {"locked": p[0], "now": p[1]} if p else None

        return {
            "schema_version": DRIFT_SCHEMA_VERSION,
            "lock": self.lock_path,
            "moved": any(t.moved for t in self.targets),
            "knowledge_base_changed": pair(self.kb_changed),
            "rules_changed": pair(self.rules_changed),
            "policy_changed": self.policy_changed,
            "targets": [t.to_json() for t in self.targets],
        }


def _node_changes(old: LockedNode, new: LockedNode) -> list[Change]:
    out: list[Change] = []
    node = old.id
    if old.status == "resolved" and new.status == "not-found":
        out.append(Change(ChangeKind.DELETED, node, old.revision, None))
    elif old.revision is not None and new.revision is None and new.status == "resolved":
        # The Hub no longer answers; another source (the knowledge base) does.
        out.append(Change(ChangeKind.DELETED, node, old.revision, "; ".join(new.sources)))
    elif new.status != old.status and new.status != "resolved":
        out.append(Change(ChangeKind.UNREADABLE, node, old.status, new.status))
    if new.moved_to != old.moved_to:
        out.append(Change(ChangeKind.RENAMED, node, old.moved_to or old.id, new.moved_to or node))
    if new.gated != old.gated:
        out.append(Change(ChangeKind.GATED, node, str(old.gated).lower(), str(new.gated).lower()))
    if new.declared != old.declared:
        out.append(Change(ChangeKind.DECLARED_LICENSE, node, old.declared, new.declared))
    if new.license != old.license:
        out.append(Change(ChangeKind.LICENSE, node, old.license, new.license))
    if new.concluded != old.concluded:
        out.append(Change(ChangeKind.CONCLUDED, node, " ".join(old.concluded) or None,
                          " ".join(new.concluded) or None))  # fmt: skip
    if new.edges != old.edges:

        def text(edges: tuple[tuple[str, str], ...]) -> str | None:
            return ", ".join(f"{r} {p}" for p, r in edges) or None

        out.append(Change(ChangeKind.EDGES, node, text(old.edges), text(new.edges)))
    if not out and new.revision != old.revision:
        out.append(Change(ChangeKind.REVISION, node, old.revision, new.revision))
    return out


def _target_drift(old: Lock, target: LockedTarget, new: Lock | None,
                  now: LockedTarget | LicensecheckError) -> TargetDrift:  # fmt: skip
    if isinstance(now, LicensecheckError) or new is None:
        error = now if isinstance(now, LicensecheckError) else None
        return TargetDrift(target.target, target.verdict, "error", (), tuple(target.conditions),
                           (), error)  # fmt: skip
    changes: list[Change] = []
    before, after = set(target.nodes), set(now.nodes)
    for node_id in sorted(before | after):
        was, is_ = old.node(node_id), new.node(node_id)
        if was is not None and is_ is not None and node_id in before and node_id in after:
            changes += _node_changes(was, is_)
        elif node_id in after and is_ is not None:
            changes.append(Change(_ADDED.get(is_.kind, ChangeKind.ANCESTOR_ADDED), node_id,
                                  None, is_.license))  # fmt: skip
        elif was is not None:
            changes.append(Change(_REMOVED.get(was.kind, ChangeKind.ANCESTOR_REMOVED), node_id,
                                  was.license, None))  # fmt: skip
    then, today = set(target.conditions), set(now.conditions)
    return TargetDrift(
        target=target.target,
        old_verdict=target.verdict,
        new_verdict=now.verdict,
        conditions_added=tuple(sorted(today - then)),
        conditions_removed=tuple(sorted(then - today)),
        changes=tuple(changes),
    )


def compare(
    lock_path: str,
    old: Lock,
    new: Lock | None,
    errors: Mapping[str, LicensecheckError],
    policy_digest: str | None,
) -> DriftReport:
    """The drift from `old` (the lock file) to `new` (the same targets resolved today);
    `errors` holds the targets that could not be checked today."""
    by_target = {t.target: t for t in new.targets} if new is not None else {}
    drifts = []
    for target in old.targets:
        now: LockedTarget | LicensecheckError | None = errors.get(target.target)
        if now is None:
            now = by_target.get(target.target)
        if now is None:  # pragma: no cover - every target is checked or has its error
            raise AssertionError(f"{target.target} was not checked")
        drifts.append(_target_drift(old, target, new, now))
    kb = (old.kb_digest, new.kb_digest) if new and new.kb_digest != old.kb_digest else None
    rules = ((old.rules_digest, new.rules_digest)
             if new and new.rules_digest != old.rules_digest else None)  # fmt: skip
    return DriftReport(lock_path, kb, rules, policy_digest != old.policy_digest, tuple(drifts))


def drift_since(
    checker: "Checker", lock_path: str, old: Lock, policy_digest: str | None
) -> DriftReport:
    """Check the targets of the lock `old` again today (a manifest's pinned roots stay pinned)
    and compare: what `licensecheck drift` and the API's `check_drift` report."""
    from .lockfile import lock_of

    targets = [t.target for t in old.targets]
    new, errors = lock_of(checker, targets, old.pins(), policy_digest)
    return compare(lock_path, old, new, errors, policy_digest)


def render_text(report: DriftReport) -> str:
    """The drift report for a terminal or a log."""
    lines = [f"licensecheck drift: {report.lock_path}"]
    lines += _global_lines(report)
    for t in report.targets:
        lines.append("")
        lines.append(f"{t.target}: {_headline(t)}")
        lines += [f"  {line}" for line in _detail_lines(t)]
    moved = sum(1 for t in report.targets if t.moved)
    lines.append("")
    lines.append(f"{moved} of {len(report.targets)} target(s) moved.")
    return "\n".join(lines) + "\n"


def render_markdown(report: DriftReport) -> str:
    """The drift report as Markdown (a GitHub job summary or an issue body). Every piece of
    text that came from a card or a repo is escaped (report/markdown.py's `md`): it lands in
    an issue, where it must neither inject HTML nor ping anyone."""
    moved = sum(1 for t in report.targets if t.moved)
    lines = [f"## License drift: {moved} of {len(report.targets)} target(s) moved", ""]
    lines += [f"- {md_block(line)}" for line in _global_lines(report)]
    lines += ["", "| Target | Locked | Now | Moved |", "| --- | --- | --- | --- |"]
    for t in report.targets:
        lines.append(f"| {md(t.target)} | {t.old_verdict} | {t.new_verdict} | "
                     f"{'**yes**' if t.moved else 'no'} |")  # fmt: skip
    for t in report.targets:
        details = _detail_lines(t)
        if details:
            lines += ["", f"### {md(t.target)}: {md(_headline(t))}", ""]
            lines += [f"- {md_block(line)}" for line in details]
    return "\n".join(lines) + "\n"


def render_json(report: DriftReport) -> str:
    """The drift report as JSON, sorted, `schema_version` first."""
    data = report.to_json()
    head = {"schema_version": data.pop("schema_version")}
    return json.dumps({**head, **dict(sorted(data.items()))}, indent=2, ensure_ascii=True) + "\n"


def _global_lines(report: DriftReport) -> list[str]:
    lines = []
    if report.kb_changed:
        lines.append(f"knowledge base changed ({report.kb_changed[0]} -> {report.kb_changed[1]})")
    if report.rules_changed:
        lines.append(f"rules changed ({report.rules_changed[0]} -> {report.rules_changed[1]})")
    if report.policy_changed:
        lines.append("the policy differs from the one the lock was written under")
    return lines or ["knowledge base, rules and policy unchanged"]


def _headline(t: TargetDrift) -> str:
    if t.error is not None:
        return f"can no longer be checked (was {t.old_verdict})"
    if t.old_verdict != t.new_verdict:
        return f"verdict moved: {t.old_verdict} -> {t.new_verdict}"
    if t.moved:
        return f"conditions moved (verdict still {t.new_verdict})"
    return f"no change that matters (verdict {t.new_verdict})"


def _detail_lines(t: TargetDrift) -> list[str]:
    lines = []
    if t.error is not None:
        lines.append(t.error.one_line())
    if t.conditions_added:
        lines.append("conditions added: " + ", ".join(t.conditions_added))
    if t.conditions_removed:
        lines.append("conditions removed: " + ", ".join(t.conditions_removed))
    lines += [c.describe() for c in t.changes]
    if t.moved and t.error is None and not any(c.kind is not ChangeKind.REVISION
                                               for c in t.changes):  # fmt: skip
        lines.append("no node changed: the knowledge base, rules or policy moved it")
    return lines
