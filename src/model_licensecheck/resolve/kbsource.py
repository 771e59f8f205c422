"""The bundled knowledge base as a fact source: the offline default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Evidence, NodeKind, SourceKind
from .interface import ArtifactFacts, EdgeClaim, Found, LicenseClaim, Lookup, Missing, parent_kind

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
    from ..kb.schema import ArtifactEntry


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
