"""Core types passed between the stages: lineage, evidence, licenses, findings, verdicts."""

import re
from collections.abc import Iterable, Mapping
from enum import IntEnum, StrEnum
from operator import attrgetter
from typing import Any, NamedTuple, Protocol, runtime_checkable


class NodeKind(StrEnum):
    """What an artifact in the lineage is."""

    MODEL = "model"
    DATASET = "dataset"
    SERVICE = "service"


UNKNOWN_LICENSE = "unknown"
"""The license id the rules conclude for a node whose license could not be determined."""


class Relation(StrEnum):
    """How a node was made from its upstream (DESIGN §2)."""

    FINETUNE = "finetune"
    ADAPTER = "adapter"
    MERGE = "merge"
    QUANTIZED = "quantized"
    CONTINUED_PRETRAIN = "continued_pretrain"
    PRETRAINED_ON = "pretrained_on"
    TRAINED_ON = "trained_on"
    GENERATED_BY = "generated_by"
    DERIVED_FROM = "derived_from"
    MENTIONED = "mentioned"
    """A known model the card names without saying how it was used: not an ancestor, carries
    nothing, but one stricter than what applies keeps the verdict from `allowed` until a person
    confirms it (DESIGN §5, `unconfirmed-ancestor`)."""


WEIGHT_RELATIONS: frozenset[Relation] = frozenset(
    {
        Relation.FINETUNE,
        Relation.ADAPTER,
        Relation.MERGE,
        Relation.QUANTIZED,
        Relation.CONTINUED_PRETRAIN,
    }
)
"""Relations through which the upstream's weights are part of the downstream model."""


class SourceKind(StrEnum):
    """Where a fact came from, in order of precedence (DESIGN §3)."""

    USER = "user"
    HUB_METADATA = "hub-metadata"
    CONFIG = "config"
    CARD_TEXT = "card-text"
    KNOWLEDGE_BASE = "knowledge-base"


class Confidence(StrEnum):
    """Declared facts are stated by metadata; inferred ones are read out of prose or paths."""

    DECLARED = "declared"
    INFERRED = "inferred"


class Evidence(NamedTuple):
    """Why we believe one fact: where it was found, and the words that say it."""

    source: SourceKind
    location: str
    quote: str | None = None
    confidence: Confidence = Confidence.DECLARED
    reference: str | None = None
    """A public address backing the fact (knowledge-base entries carry one per fact)."""


class KnownLicense(NamedTuple):
    """A license we recognised: `id` names an entry of the knowledge base."""

    id: str
    raw: str
    evidence: Evidence
    matched_by: str = "id"
    """Which clue mapped `raw` to `id`: id, hf-id, alias, license_name, license_link,
    expression (an SPDX expression), license_file, card-text (a statement in the card's prose)."""
    declared_id: str | None = None
    """The license the metadata declares (`raw`), when a stricter statement elsewhere (the
    card's prose) decided `id`: the declared license is then more permissive than the one that
    applies, a `license-conflict`."""


class UnknownLicense(NamedTuple):
    """A license that could not be determined; the reason says what is missing."""

    reason: str
    raw: str | None = None
    evidence: Evidence | None = None
    undeclared: bool = False
    """True when the artifact's sources were read and declare no license at all (no field, no
    LICENSE file, no statement): a quantized copy may then inherit its parent's (DESIGN §4).
    False for a license declared but not recognised, and for whatever could not be read."""


License = KnownLicense | UnknownLicense


class Node(NamedTuple):
    """An artifact of the lineage whose facts were resolved."""

    id: str
    kind: NodeKind
    license: License
    name: str | None = None
    revision: str | None = None
    pretraining: bool = False
    """For datasets: a pretraining corpus (a `datasets:` entry then means `pretrained_on`)."""
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    incomplete: tuple[str, ...] = ()
    """What should have been read for this node and was not (DESIGN §2): a file that failed,
    timed out, was refused or could not be parsed. A node with any is judged `unknown` at
    best, whatever its other facts say."""
    gated: bool = False
    """The Hub gates the repo (access must be requested): what needs access may be unread."""
    moved_to: str | None = None
    """The id the Hub answered under when it is not the one asked for (a renamed repo)."""


class Unresolved(StrEnum):
    """Why a node's facts are missing: the kinds differ in how they are judged."""

    NOT_FOUND = "not-found"
    """No source knows it: a definite answer (a dataset is then of unknown license)."""
    FAILED = "failed"
    """A source could not answer (network, access, a malformed answer): nothing is known."""
    DEPTH = "depth"
    """Beyond the depth limit: not asked."""
    DEADLINE = "deadline"
    """The run's time limit ran out before it was asked."""
    CRASH = "crash"
    """Reading it raised an error in the tool itself (a bug)."""


INCOMPLETE_CAUSES: frozenset[Unresolved] = frozenset(
    {Unresolved.FAILED, Unresolved.DEPTH, Unresolved.DEADLINE, Unresolved.CRASH}
)
"""Causes that leave a node incomplete: its facts were never read, so it cannot support
`allowed` whatever its kind (a definite not-found answer is not among them)."""


class UnresolvedNode(NamedTuple):
    """An artifact named by a downstream node whose own facts could not be read."""

    id: str
    kind: NodeKind
    reason: str
    cause: Unresolved = Unresolved.NOT_FOUND

    @property
    def license(self) -> UnknownLicense:
        """An unresolved node's license is unknown by construction."""
        return UnknownLicense(reason=f"{self.id} could not be resolved: {self.reason}")

    @property
    def incomplete(self) -> tuple[str, ...]:
        """What could not be read, when the cause leaves the node incomplete."""
        return (self.reason,) if self.cause in INCOMPLETE_CAUSES else ()


AnyNode = Node | UnresolvedNode


class Edge(NamedTuple):
    """`child` was made from `parent` by `relation`; evidence says who claims so."""

    child: str
    parent: str
    relation: Relation
    evidence: tuple[Evidence, ...]


class Lineage:
    """The resolved graph: every node reachable from the root, and the edges between them.

    Immutable by convention, like the records: `_replace` makes a changed copy. The edges by
    child (`by_child`) are built once, on first use, for every stage that walks the graph.
    """

    __slots__ = ("_by_child", "edges", "nodes", "notes", "root")

    def __init__(
        self,
        root: str,
        nodes: Mapping[str, AnyNode],
        edges: tuple[Edge, ...],
        notes: tuple[str, ...] = (),
    ) -> None:
        self.root = root
        self.nodes = nodes
        self.edges = edges
        self.notes = notes
        self._by_child: Mapping[str, tuple[Edge, ...]] | None = None

    @property
    def by_child(self) -> Mapping[str, tuple[Edge, ...]]:
        """Each node's edges to what it was made from, in the order of `edges`."""
        if self._by_child is None:
            grouped: dict[str, list[Edge]] = {}
            for e in self.edges:
                grouped.setdefault(e.child, []).append(e)
            self._by_child = {child: tuple(edges) for child, edges in grouped.items()}
        return self._by_child

    def parents(self, node_id: str) -> tuple[Edge, ...]:
        """Edges from `node_id` to what it was made from, in a stable order."""
        return self.by_child.get(node_id, ())

    def _replace(self, **changes: Any) -> "Lineage":
        fields = {"root": self.root, "nodes": self.nodes, "edges": self.edges,
                  "notes": self.notes, **changes}  # fmt: skip
        return Lineage(**fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lineage):
            return NotImplemented
        return (self.root, dict(self.nodes), self.edges, self.notes) == (
            other.root, dict(other.nodes), other.edges, other.notes)  # fmt: skip

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Lineage(root={self.root!r}, nodes={len(self.nodes)}, edges={len(self.edges)})"


class Status(IntEnum):
    """Commercial-use verdict classes, ordered so that max() combines them (DESIGN §4)."""

    ALLOWED = 0
    CONDITIONAL = 1
    UNKNOWN = 2
    PROHIBITED = 3

    @property
    def label(self) -> str:
        """The lowercase name used in reports and policies."""
        return self.name.lower()

    # An IntEnum prints as its number ("1"); a status is read by people, so it prints as its
    # label wherever it is formatted. Comparisons and JSON numbers still use the int.
    def __str__(self) -> str:
        return self.label

    def __format__(self, spec: str) -> str:
        return format(self.label, spec)

    @classmethod
    def parse(cls, text: str) -> "Status":
        """Read a status from its lowercase name."""
        try:
            return cls[text.upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown status {text!r} (expected one of: {names})") from None


class Condition(NamedTuple):
    """A named obligation or restriction (DESIGN §4), with an optional value (e.g. a user cap)."""

    id: str
    value: str | None = None

    def __str__(self) -> str:
        return self.id if self.value is None else f"{self.id}={self.value}"


@runtime_checkable
class MessageSource(Protocol):
    """What renders a finding's message when a report asks for it (the rules stage keeps the
    rule's template here instead of a rendered string: at a million nodes the messages were
    the largest part of memory, and most are never read)."""

    def render(self, finding: "Finding") -> str:
        """The message of `finding`."""
        ...


class _FindingFields(NamedTuple):
    rule_id: str
    title: str
    status: Status
    conditions: tuple[Condition, ...]
    path: tuple[Edge, ...]
    ancestor: str
    license_id: str | None
    text: str | MessageSource
    """The message, or what renders it: read `message`."""
    references: tuple[str, ...] = ()


class Finding(_FindingFields):
    """One rule matched one path from the subject to an ancestor.

    A record like the others, except that its message may be rendered on demand; equality and
    hashing are by what it says (the rendered message), not by how the message is kept."""

    __slots__ = ()

    def __new__(
        cls, rule_id: str, title: str, status: Status, conditions: tuple[Condition, ...],
        path: tuple[Edge, ...], ancestor: str, license_id: str | None,
        message: "str | MessageSource", references: tuple[str, ...] = (),
    ) -> "Finding":  # fmt: skip
        return super().__new__(cls, rule_id, title, status, conditions, path, ancestor,
                               license_id, message, references)  # fmt: skip

    @property
    def message(self) -> str:
        """What the finding says, in one paragraph."""
        text = self.text
        return text if isinstance(text, str) else text.render(self)

    @property
    def path_ids(self) -> tuple[str, ...]:
        """The node ids from the subject to the ancestor."""
        if not self.path:
            return (self.ancestor,)
        return (self.path[0].child, *(e.parent for e in self.path))

    def _replace(self, **changes: Any) -> "Finding":
        if "message" in changes:
            changes["text"] = changes.pop("message")
        return super()._replace(**changes)

    def _said(self) -> tuple[Any, ...]:
        """The fields, the message rendered: what equality, hashing and pickling use."""
        return (*self[:7], self.message, self.references)

    def __getnewargs__(self) -> tuple[Any, ...]:
        # A pickled or copied finding carries its message as text: what renders it holds the
        # lineage and the knowledge base's licenses, which do not belong in a result sent to
        # another process.
        return self._said()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self._said() == other._said()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._said())

    def __repr__(self) -> str:
        return (f"Finding(rule_id={self.rule_id!r}, status={self.status!r}, "
                f"ancestor={self.ancestor!r}, message={self.message!r})")  # fmt: skip


def worst_first(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in report order: worst status first, then by rule id, then by ancestor. Three
    stable sorts on keys the findings already hold, rather than one on a key tuple per finding
    (a million-node lineage has millions of findings)."""
    out = list(findings)
    out.sort(key=attrgetter("ancestor"))
    out.sort(key=attrgetter("rule_id"))
    out.sort(key=_worse)
    return out


def _worse(finding: Finding) -> int:
    return -finding.status


class Verdict(NamedTuple):
    """The combined judgement over all findings."""

    status: Status
    conditions: tuple[Condition, ...]
    summary: str
    drivers: tuple[Finding, ...] = ()
    """The findings whose status equals the verdict's (what drives it)."""


class GateResult(NamedTuple):
    """Whether the verdict passes the gate, why not, and what the policy did on the way."""

    passed: bool
    reasons: tuple[str, ...]
    notes: tuple[str, ...] = ()


class Obligation(NamedTuple):
    """A concrete to-do that comes with using the model: what to do, and because of whom."""

    condition: str
    action: str
    ancestors: tuple[str, ...]
    license_id: str | None = None
    reference: str | None = None


class TargetKind(StrEnum):
    """What a command-line target names."""

    HUB_ID = "hub-id"
    CARD = "card"
    CONFIG = "config"
    MERGE_CONFIG = "merge-config"
    FOLDER = "folder"
    GGUF = "gguf"
    OLLAMA = "ollama"


class Subject(NamedTuple):
    """What the user asked about, as given and as understood."""

    target: str
    kind: TargetKind
    node_id: str


class LicenseInfo(NamedTuple):
    """What the knowledge base that judged a result says about a license id the result uses:
    reports describe licenses from this, never from a knowledge base of their own."""

    id: str
    name: str
    kind: str
    """license, terms-of-service or family."""
    urls: tuple[str, ...]
    """Where its text is published (else where it is described)."""
    summary: str | None


class SourceLine(NamedTuple):
    """Where a file of the user's repository names the checked model (a manifest entry, a
    workflow's input): code scanning shows a result there."""

    file: str
    """Relative to the repository root when the file is inside one, else as given."""
    line: int | None = None


class CheckResult(NamedTuple):
    """Everything one check produced: the reports render this and nothing else."""

    subject: Subject
    lineage: Lineage
    concluded: Mapping[str, tuple[str, ...]]
    """Per node: the license ids whose terms reach it (its own and its weight ancestors')."""
    findings: tuple[Finding, ...]
    verdict: Verdict
    gate: GateResult
    tool_version: str
    obligations: tuple[Obligation, ...] = ()
    policy: str | None = None
    """The policy file the gate and the deployment were judged by."""
    licenses: tuple[LicenseInfo, ...] = ()
    """Every license id the result names that the knowledge base describes, sorted by id."""
    named_at: SourceLine | None = None
    """The repository file and line that named this model, when one did (audit manifests,
    `--named-in`)."""


# ASCII only (re.ASCII): the Hub's ids are, and a look-alike letter from another script must
# never pass for a known id.
_HUB_ID = re.compile(
    r"^(?=.{1,200}$)[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?(?:/[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?)?$",
    re.ASCII,
)


def is_hub_id(text: str) -> bool:
    """Whether `text` has the shape of a Hugging Face repo id (`name` or `org/name`)."""
    return bool(_HUB_ID.match(text)) and ".." not in text and "--" not in text


class ProgressEvent(NamedTuple):
    """How far a run is, for a caller's progress display (the library never prints)."""

    done: int
    """Targets whose lineage is fully resolved (or that could not be checked)."""
    total: int
    """Targets in the run."""
    current: str | None
    """The first target, in the order given, still being resolved (None when all are done)."""
    asked: int
    """Artifacts asked for so far."""


def gate_sentence(passed: int, total: int, counts: Mapping[str, int]) -> str:
    """`2 of 3 models pass the gate (1 allowed, 1 conditional, 1 prohibited).`"""
    named = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
    return f"{passed} of {total} models pass the gate ({named})."
