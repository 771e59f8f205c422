"""The bundled knowledge base as a fact source: the offline default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Evidence, NodeKind, Relation, SourceKind
from .interface import ArtifactFacts, EdgeClaim, Found, LicenseClaim, Lookup, Missing, parent_kind

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
    from ..kb.schema import ArtifactEntry


WRITTEN_BY_MODELS = frozenset({"models", "mixed"})
UNNAMED_GENERATOR_MARK = "#unnamed-generator"
"""The id suffix of the generator of model-written data the knowledge base does not name."""


class KnowledgeBaseSource:
    """Answers from curated entries; every fact cites the entry's file and public source."""

    name = "knowledge-base"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        """The entry for `artifact_id`, if the knowledge base has one."""
        entry = self.kb.artifact(artifact_id)
        if entry is None:
            return Missing(f"{artifact_id} is not in the bundled knowledge base")
        return Found(facts_of(entry, self.kb))


def facts_of(entry: ArtifactEntry, kb: KnowledgeBase) -> ArtifactFacts:
    """The claims an entry makes, as a source would make them."""
    lic = entry.license
    claim = LicenseClaim(
        lic.id,
        Evidence(SourceKind.KNOWLEDGE_BASE, f"{entry.file}:{lic.line or entry.line}",
                 reference=lic.source),
    )  # fmt: skip
    edges: list[EdgeClaim] = []
    for up in entry.upstream:
        parent = kb.artifact(up.id)  # None only for an `external` edge (the loader checks)
        edges.append(
            EdgeClaim(
                parent.id if parent else up.id,
                parent.kind if parent else parent_kind(up.relation),
                up.relation,
                Evidence(SourceKind.KNOWLEDGE_BASE, f"{entry.file}:{up.line or entry.line}",
                         reference=up.source),
            )
        )  # fmt: skip
    if (
        entry.kind is NodeKind.DATASET
        and entry.authored_by in WRITTEN_BY_MODELS
        and not any(up.relation is Relation.GENERATED_BY for up in entry.upstream)
    ):
        # Model-written data whose writers are not recorded: their terms on outputs are not
        # known, which must not read as "no terms" (generator-terms-unknown, DESIGN §5).
        edges.append(
            EdgeClaim(
                entry.id + UNNAMED_GENERATOR_MARK,
                NodeKind.SERVICE,
                Relation.GENERATED_BY,
                Evidence(SourceKind.KNOWLEDGE_BASE, f"{entry.file}:{entry.line}",
                         quote=f"authored_by: {entry.authored_by}"),
            )
        )  # fmt: skip
    return ArtifactFacts(
        id=entry.id,
        kind=entry.kind,
        license=claim,
        edges=tuple(edges),
        name=entry.name,
        pretraining=entry.pretraining,
        sources=entry.sources,
        description=entry.notes,
    )
