"""Lock files: every node of every checked lineage pinned to the revision it was read at, with
its licenses, edges and the verdict per target (README, "Keeping a release compliant").

The file is JSON, written so that it diffs well: the header first (`schema_version` leading),
then one target per line and one node per line, each sorted by id and starting with it, so a
change to a node is one changed line that names it, and unchanged nodes never move. Same input,
same bytes.
The schema is `schemas/lock.json`.
"""

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from . import __version__
from .errors import InputError, LicensecheckError
from .model import (
    UNKNOWN_LICENSE,
    AnyNode,
    CheckResult,
    KnownLicense,
    Node,
    NodeKind,
    Relation,
    UnknownLicense,
    Unresolved,
    UnresolvedNode,
)
from .resolve.interface import parent_kind
from .resolve.offline import PinnedNode
from .rules.schema import Rule, rule_data

if TYPE_CHECKING:
    from .checker import Checker
    from .paths import StrPath

SCHEMA_VERSION = 1
DEFAULT_LOCK = "licensecheck.lock"


class LockedNode(NamedTuple):
    """One artifact as it was read: where, at which revision, under which license."""

    id: str
    kind: str
    status: str
    """`resolved`, or why its facts are missing: not-found, failed, depth, deadline, crash."""
    revision: str | None
    """The Hub commit it was read at; None for what did not come from the Hub."""
    sources: tuple[str, ...]
    declared: str | None
    """The license as the artifact declares it (raw), if it declares one."""
    license: str
    """The license id that applies to the artifact itself, or `unknown`."""
    concluded: tuple[str, ...]
    """The license ids whose terms reach it (its own and its weight ancestors')."""
    edges: tuple[tuple[str, str], ...]
    """(parent id, relation) of what it was made from, sorted."""
    gated: bool = False
    moved_to: str | None = None
    incomplete: bool = False
    declared_id: str | None = None
    """The license id the metadata declared when a statement in the card gave another, stricter
    one that applies (a license conflict); written only then."""

    def to_json(self) -> dict[str, Any]:
        """The node's record in the lock file."""
        conflict = {"declared_id": self.declared_id} if self.declared_id is not None else {}
        return {
            "id": self.id, "kind": self.kind, "status": self.status, "revision": self.revision,
            "declared": self.declared, **conflict, "license": self.license,
            "concluded": list(self.concluded),
            "edges": [{"parent": p, "relation": r} for p, r in self.edges],
            "gated": self.gated, "moved_to": self.moved_to, "incomplete": self.incomplete,
            "sources": list(self.sources),
        }  # fmt: skip


class LockedTarget(NamedTuple):
    """One checked target: its root node, the verdict and conditions it got, and its nodes."""

    target: str
    root: str
    verdict: str
    conditions: tuple[str, ...]
    gate_passed: bool
    nodes: tuple[str, ...]
    pin: str | None = None
    """The revision a manifest pinned the root to (`drift` keeps it pinned there)."""

    def to_json(self) -> dict[str, Any]:
        """The target's record in the lock file."""
        return {"target": self.target, "root": self.root, "verdict": self.verdict,
                "conditions": list(self.conditions), "gate_passed": self.gate_passed,
                "pin": self.pin, "nodes": list(self.nodes)}  # fmt: skip


class Lock(NamedTuple):
    """A whole lock file."""

    tool_version: str
    kb_digest: str
    rules_digest: str
    policy_digest: str | None
    max_depth: int
    targets: tuple[LockedTarget, ...]
    nodes: tuple[LockedNode, ...]

    def revisions(self) -> dict[str, str]:
        """Every node read from the Hub, pinned to the commit it was read at."""
        return {n.id: n.revision for n in self.nodes if n.revision is not None}

    def pins(self) -> dict[str, str]:
        """The revisions a manifest pinned targets to, by target."""
        return {t.target: t.pin for t in self.targets if t.pin is not None}

    def pinned(self, where: str) -> tuple[PinnedNode, ...]:
        """The Hub nodes as offline answers for their pinned commits (`check --locked
        --offline` on a machine whose caches lack them)."""
        kinds = {n.id: NodeKind(n.kind) for n in self.nodes}
        out = []
        for n in self.nodes:
            if n.revision is None or n.status != "resolved":
                continue
            edges = tuple(
                (parent, kinds.get(parent, parent_kind(Relation(rel))), Relation(rel))
                for parent, rel in n.edges
            )
            license = None if n.license == UNKNOWN_LICENSE else n.license
            out.append(PinnedNode(n.id, NodeKind(n.kind), n.revision, license, n.declared, edges,
                                  n.incomplete, where, n.declared_id))  # fmt: skip
        return tuple(out)

    def node(self, node_id: str) -> LockedNode | None:
        """The node of that id, if the lock has it."""
        return next((n for n in self.nodes if n.id == node_id), None)


def rules_digest(rules: Iterable[Rule]) -> str:
    """A digest of the rules' content (not of the files they came from)."""
    data = sorted((rule_data(r) for r in rules), key=lambda r: str(r["id"]))
    text = json.dumps(data, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_digest(data: bytes) -> str:
    """A digest of a file's bytes (the policy a lock was written under)."""
    return hashlib.sha256(data).hexdigest()[:16]


def policy_digest(policy_file: "StrPath | None") -> str | None:
    """What a lock records of the policy: the digest of its file (None without one)."""
    if policy_file is None:
        return None
    try:
        with open(policy_file, "rb") as handle:
            return file_digest(handle.read())
    except OSError as exc:
        where = os.fspath(policy_file)
        raise InputError(f"{where}: cannot read the policy file ({exc.strerror})") from None


def _node(node: AnyNode, concluded: Sequence[str], edges: Iterable[tuple[str, str]]) -> LockedNode:
    license = node.license
    declared = license.raw
    applies = license.id if isinstance(license, KnownLicense) else UNKNOWN_LICENSE
    if isinstance(node, UnresolvedNode):
        return LockedNode(id=node.id, kind=node.kind.value, status=node.cause.value,
                          revision=None, sources=(), declared=None, license="unknown",
                          concluded=tuple(concluded), edges=tuple(sorted(set(edges))),
                          incomplete=bool(node.incomplete))  # fmt: skip
    assert isinstance(node, Node)
    assert isinstance(license, KnownLicense | UnknownLicense)
    return LockedNode(
        id=node.id, kind=node.kind.value, status="resolved", revision=node.revision,
        sources=tuple(node.sources), declared=declared, license=applies,
        concluded=tuple(concluded), edges=tuple(sorted(set(edges))), gated=node.gated,
        moved_to=node.moved_to, incomplete=bool(node.incomplete),
        declared_id=license.declared_id if isinstance(license, KnownLicense) else None,
    )  # fmt: skip


def build_lock(
    results: Sequence[CheckResult],
    kb_digest: str,
    rules: Iterable[Rule],
    policy_digest: str | None,
    max_depth: int,
    pins: Mapping[str, str] | None = None,
) -> Lock:
    """The lock of these results. A node shared by several lineages is one record: its facts
    come from the one resolution that read it; what reaches it is the union over lineages.
    `pins`: the revisions a manifest pinned targets to."""
    nodes: dict[str, LockedNode] = {}
    targets = []
    for result in results:
        lineage = result.lineage
        for node_id, node in lineage.nodes.items():
            edges = [(e.parent, e.relation.value) for e in lineage.parents(node_id)]
            record = _node(node, sorted(set(result.concluded.get(node_id, ()))), edges)
            if node_id in nodes:
                old = nodes[node_id]
                record = record._replace(
                    concluded=tuple(sorted({*old.concluded, *record.concluded})),
                    edges=tuple(sorted({*old.edges, *record.edges})),
                )
            nodes[node_id] = record
        targets.append(
            LockedTarget(
                target=result.subject.target,
                root=lineage.root,
                verdict=result.verdict.status.label,
                conditions=tuple(sorted(str(c) for c in result.verdict.conditions)),
                gate_passed=result.gate.passed,
                nodes=tuple(sorted(lineage.nodes)),
                pin=(pins or {}).get(result.subject.target),
            )
        )
    return Lock(
        tool_version=__version__,
        kb_digest=kb_digest,
        rules_digest=rules_digest(rules),
        policy_digest=policy_digest,
        max_depth=max_depth,
        targets=tuple(sorted(targets, key=lambda t: t.target)),
        nodes=tuple(nodes[k] for k in sorted(nodes)),
    )


def _line(data: Any, sort_keys: bool = True) -> str:
    return json.dumps(data, sort_keys=sort_keys, ensure_ascii=True, separators=(", ", ": "))


def dumps(lock: Lock) -> str:
    """The lock file's text: the header, then one target and one node per line."""
    header = {
        "generated_by": f"model-licensecheck {lock.tool_version}",
        "knowledge_base": {"digest": lock.kb_digest},
        "rules": {"digest": lock.rules_digest},
        "settings": {"max_depth": lock.max_depth, "policy_digest": lock.policy_digest},
    }
    out = ["{", f'  "schema_version": {SCHEMA_VERSION},']
    out += [f"  {json.dumps(key)}: {_line(value)}," for key, value in sorted(header.items())]
    for name, rows in (("targets", lock.targets), ("nodes", lock.nodes)):
        out.append(f'  "{name}": [')
        # A record's keys in a fixed order, its id first: a diff line starts with what changed.
        out += [f"    {_line(r.to_json(), sort_keys=False)}," for r in rows]
        if rows:
            out[-1] = out[-1].rstrip(",")
        out.append("  ]," if name == "targets" else "  ]")
    out.append("}")
    return "\n".join(out) + "\n"


def loads(text: str, where: str) -> Lock:
    """A lock file's content, checked field by field; anything off is one InputError naming
    the file and the field."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{where}: not a lock file (not JSON: {exc})") from None
    reader = _Reader(where)
    top = reader.mapping(data, "the file")
    version = top.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InputError(
            f"{where}: schema_version {version!r} is not one this licensecheck reads "
            f"({SCHEMA_VERSION}); write the lock again with `licensecheck lock`"
        )
    settings = reader.mapping(top.get("settings"), "settings")
    generated = reader.text(top.get("generated_by"), "generated_by")
    lock = Lock(
        tool_version=generated.rpartition(" ")[2],
        kb_digest=reader.text(reader.mapping(top.get("knowledge_base"), "knowledge_base")
                              .get("digest"), "knowledge_base.digest"),
        rules_digest=reader.text(reader.mapping(top.get("rules"), "rules").get("digest"),
                                 "rules.digest"),
        policy_digest=reader.optional_text(settings.get("policy_digest"),
                                           "settings.policy_digest"),
        max_depth=reader.integer(settings.get("max_depth"), "settings.max_depth"),
        targets=tuple(reader.target(t, i) for i, t in enumerate(reader.items(top, "targets"))),
        nodes=tuple(reader.node(n, i) for i, n in enumerate(reader.items(top, "nodes"))),
    )  # fmt: skip
    known = {n.id for n in lock.nodes}
    for target in lock.targets:
        missing = sorted(set(target.nodes) - known)
        if missing or target.root not in target.nodes:
            name = missing[0] if missing else target.root
            raise InputError(f"{where}: target {target.target!r} names node {name!r}, which "
                             "the lock does not have")  # fmt: skip
    return lock


class _Reader:
    """Typed reads of a lock file's JSON, each failure naming the field."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, field: str, what: str) -> InputError:
        return InputError(f"{self.where}: {field} {what}; write the lock again with "
                          "`licensecheck lock`")  # fmt: skip

    def mapping(self, value: Any, field: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(field, "is not an object")
        return value

    def items(self, top: Mapping[str, Any], field: str) -> list[Any]:
        value = top.get(field)
        if not isinstance(value, list):
            raise self.fail(field, "is not a list")
        return value

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(field, "is not a non-empty string")
        return value

    def optional_text(self, value: Any, field: str) -> str | None:
        return None if value is None else self.text(value, field)

    def integer(self, value: Any, field: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(field, "is not a whole number")
        return value

    def flag(self, value: Any, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(field, "is not true or false")
        return value

    def texts(self, value: Any, field: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(field, "is not a list")
        return tuple(self.text(v, field) for v in value)

    def target(self, value: Any, i: int) -> LockedTarget:
        at = f"targets[{i}]"
        data = self.mapping(value, at)
        verdict = self.text(data.get("verdict"), f"{at}.verdict")
        if verdict not in ("allowed", "conditional", "unknown", "prohibited"):
            raise self.fail(f"{at}.verdict", f"is not a verdict ({verdict!r})")
        return LockedTarget(
            target=self.text(data.get("target"), f"{at}.target"),
            root=self.text(data.get("root"), f"{at}.root"),
            verdict=verdict,
            conditions=self.texts(data.get("conditions"), f"{at}.conditions"),
            gate_passed=self.flag(data.get("gate_passed"), f"{at}.gate_passed"),
            nodes=self.texts(data.get("nodes"), f"{at}.nodes"),
            pin=self.optional_text(data.get("pin"), f"{at}.pin"),
        )

    def choice(self, value: Any, field: str, allowed: Iterable[str]) -> str:
        text = self.text(value, field)
        if text not in allowed:
            raise self.fail(field, f"is not one of {', '.join(sorted(allowed))} ({text!r})")
        return text

    def node(self, value: Any, i: int) -> LockedNode:
        at = f"nodes[{i}]"
        data = self.mapping(value, at)
        relations = [r.value for r in Relation]
        edges = []
        raw_edges = data.get("edges")
        if not isinstance(raw_edges, list):
            raise self.fail(f"{at}.edges", "is not a list")
        for j, edge in enumerate(raw_edges):
            e = self.mapping(edge, f"{at}.edges[{j}]")
            edges.append((self.text(e.get("parent"), f"{at}.edges[{j}].parent"),
                          self.choice(e.get("relation"), f"{at}.edges[{j}].relation",
                                      relations)))  # fmt: skip
        return LockedNode(
            id=self.text(data.get("id"), f"{at}.id"),
            kind=self.choice(data.get("kind"), f"{at}.kind", [k.value for k in NodeKind]),
            status=self.choice(
                data.get("status"), f"{at}.status", ["resolved", *(u.value for u in Unresolved)]
            ),
            revision=self.optional_text(data.get("revision"), f"{at}.revision"),
            sources=self.texts(data.get("sources"), f"{at}.sources"),
            declared=self.optional_text(data.get("declared"), f"{at}.declared"),
            license=self.text(data.get("license"), f"{at}.license"),
            concluded=self.texts(data.get("concluded"), f"{at}.concluded"),
            edges=tuple(edges),
            gated=self.flag(data.get("gated"), f"{at}.gated"),
            moved_to=self.optional_text(data.get("moved_to"), f"{at}.moved_to"),
            incomplete=self.flag(data.get("incomplete"), f"{at}.incomplete"),
            declared_id=self.optional_text(data.get("declared_id"), f"{at}.declared_id"),
        )


def read_lock(path: "StrPath") -> Lock:
    """The lock file at `path`; InputError when it cannot be read or is not a lock."""
    import os

    where = os.fspath(path)
    try:
        with open(where, encoding="utf-8") as handle:
            text = handle.read(64 * 1024 * 1024)
    except OSError as exc:
        raise InputError(f"{where}: cannot read the lock file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{where}: not a lock file (not UTF-8 text)") from None
    return loads(text, where)


def lock_of(
    checker: "Checker",
    targets: Sequence[str],
    revisions: Mapping[str, str] | None = None,
    policy_digest: str | None = None,
) -> tuple[Lock, dict[str, LicensecheckError]]:
    """Check `targets` (pinned to `revisions`) and lock what was read; the targets that could
    not be checked are returned with their errors instead."""
    outcomes = checker.check_many(list(targets), revisions)
    results = [o for o in outcomes if isinstance(o, CheckResult)]
    errors = {t: o for t, o in zip(targets, outcomes, strict=True)
              if isinstance(o, LicensecheckError)}  # fmt: skip
    lock = build_lock(results, checker.kb.digest, checker.rules, policy_digest,
                      checker.options.max_depth, revisions)  # fmt: skip
    return lock, errors
