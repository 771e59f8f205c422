"""Typed entries of the knowledge base (license_db/README.md); kb/parse.py validates the YAML
into them."""

from collections.abc import Mapping
from typing import NamedTuple

from ..model import NodeKind, Relation, Status

SCHEMA_VERSION = 1

COMMERCIAL = ("allowed", "conditional", "prohibited", "unknown")
COPYLEFT = ("none", "weak", "strong", "network")
OUTPUT_TRAINING = ("allowed", "restricted", "prohibited")
LICENSE_KINDS = ("license", "terms-of-service", "family")
AUTHORED_BY = ("humans", "models", "mixed", "web")
LINT_CHECKS = (
    "notes-generated-data",
    "notes-service",
    "notes-research-only",
    "notes-non-commercial",
    "notes-known-id",
    "edge-source-other-repo",
)
"""What `licensecheck db lint` checks (kb/lint.py); an entry's `reviewed:` may waive each."""

MODEL_RELATIONS = frozenset(
    {
        Relation.FINETUNE,
        Relation.ADAPTER,
        Relation.MERGE,
        Relation.QUANTIZED,
        Relation.CONTINUED_PRETRAIN,
        Relation.PRETRAINED_ON,
        Relation.TRAINED_ON,
    }
)
DATASET_RELATIONS = frozenset({Relation.GENERATED_BY, Relation.DERIVED_FROM})


class Clauses(NamedTuple):
    """What a license says, as facts the rules read (license_db/README, "License entry")."""

    commercial_use: str
    research_only: bool
    attribution: bool
    share_alike: bool
    copyleft: str
    no_derivatives: bool
    use_restrictions: bool
    acceptable_use_policy: str | None
    user_cap: int | None
    revenue_cap: int | None
    naming: str | None
    output_training: str
    registration_required: bool
    name_prefix: str | None = None
    """Optional: the prefix the terms require of a derivative's name (checked against the
    release name a policy gives)."""


OPTIONAL_CLAUSES = frozenset({"name_prefix"})
CLAUSE_NAMES: tuple[str, ...] = Clauses._fields


def strictness(clauses: Clauses) -> Status | None:
    """How restrictive a license is on its own; None when its commercial terms are unknown."""
    if clauses.commercial_use == "prohibited" or clauses.research_only:
        return Status.PROHIBITED
    if clauses.commercial_use == "unknown":
        return None
    restricted = (
        clauses.commercial_use == "conditional"
        or clauses.use_restrictions
        or clauses.acceptable_use_policy is not None
        or clauses.user_cap is not None
        or clauses.revenue_cap is not None
        or clauses.naming is not None
        or clauses.output_training != "allowed"
        or clauses.share_alike
        or clauses.copyleft != "none"
        or clauses.no_derivatives
        or clauses.registration_required
    )
    return Status.CONDITIONAL if restricted else Status.ALLOWED


class LicenseEntry(NamedTuple):
    """One license or terms-of-service text."""

    id: str
    name: str
    kind: str
    hf_ids: tuple[str, ...]
    aliases: tuple[str, ...]
    urls: tuple[str, ...]
    version: str | None
    summary: str
    clauses: Clauses
    clause_sources: Mapping[str, str]
    sources: tuple[str, ...]
    file: str
    line: int
    retrieved: str | None = None
    """When the sources were read (YYYY-MM-DD)."""


class FactRef(NamedTuple):
    """A reference to another entry with the address that states it."""

    id: str
    source: str
    line: int


class UpstreamFact(NamedTuple):
    """An edge the knowledge base knows: this artifact was made from `id` by `relation`."""

    id: str
    relation: Relation
    source: str
    line: int
    external: bool = False
    """The edge is known but `id` is not described here: its facts come from the Hub, and
    offline it stays unresolved (so the verdict fails closed)."""


class ArtifactEntry(NamedTuple):
    """A model, dataset or service the knowledge base knows."""

    id: str
    kind: NodeKind
    name: str | None
    also_known_as: tuple[str, ...]
    aliases: tuple[str, ...]
    license: FactRef
    upstream: tuple[UpstreamFact, ...]
    pretraining: bool
    authored_by: str | None
    sources: tuple[str, ...]
    notes: str | None
    file: str
    line: int
    licensor: str | None = None
    """Who licenses the work, where its Hub organisation does not show it (DESIGN §4: a
    licensor may relicense its own work)."""
    reviewed: Mapping[str, str] = {}
    """`db lint` checks a person reviewed for this entry, each with the reason it is fine."""
    retrieved: str | None = None
    """When the entry's sources were read (YYYY-MM-DD)."""
    names: tuple[str, ...] = ()
    """Names a user may give as the target (a project's name, a paper's name): looked up like
    ids, never matched in card prose (a project name is often a common word)."""

    @property
    def location(self) -> str:
        """file:line of the entry."""
        return f"{self.file}:{self.line}"
