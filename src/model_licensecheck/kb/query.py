"""Look things up in the knowledge base: show one entry, search, count."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from ..model import NodeKind
from .loader import KnowledgeBase, tokens

if TYPE_CHECKING:
    from .schema import ArtifactEntry, LicenseEntry


def show(kb: KnowledgeBase, ident: str) -> dict[str, Any] | None:
    """Everything the knowledge base says about an artifact or license id (or a license alias)."""
    art = kb.artifact(ident)
    if art is not None:
        return _artifact(art, kb)
    hit = kb.find_license(ident)
    if hit is not None:
        return _license(hit.entry)
    return None


def _artifact(art: ArtifactEntry, kb: KnowledgeBase) -> dict[str, Any]:
    lic = kb.find_license(art.license.id)
    out: dict[str, Any] = {
        "id": art.id,
        "kind": art.kind.value,
        "name": art.name,
        "license": {
            "id": lic.entry.id if lic else art.license.id,
            "as_written": art.license.id,
            "source": art.license.source,
        },
        "upstream": [
            {
                "id": u.id,
                "relation": u.relation.value,
                "source": u.source,
                **({"external": True} if u.external else {}),
            }
            for u in art.upstream
        ],
        "downstream": sorted(
            other.id
            for other in kb.artifacts.values()
            if any(u.id == art.id for u in other.upstream)
        ),
        "aliases": list(art.aliases),
        "also_known_as": list(art.also_known_as),
        "names": list(art.names),
        "licensor": art.licensor,
        "sources": list(art.sources),
        "file": art.location,
    }
    if art.kind is NodeKind.DATASET:
        out["pretraining"] = art.pretraining
        out["authored_by"] = art.authored_by
    if art.notes:
        out["notes"] = art.notes
    return out


def _license(entry: LicenseEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "name": entry.name,
        "version": entry.version,
        "hf_ids": list(entry.hf_ids),
        "aliases": list(entry.aliases),
        "urls": list(entry.urls),
        "summary": entry.summary,
        "clauses": entry.clauses._asdict(),
        "clause_sources": dict(entry.clause_sources),
        "sources": list(entry.sources),
        "file": f"{entry.file}:{entry.line}",
    }


def search(kb: KnowledgeBase, text: str, limit: int = 50) -> list[dict[str, str]]:
    """Entries whose id, name or aliases contain every word of `text`, best matches first."""
    words = tokens(text)
    if not words:
        return []
    hits: list[tuple[int, dict[str, str]]] = []
    for art in kb.artifacts.values():
        names = [art.id, art.name or "", *art.aliases, *art.also_known_as, *art.names]
        score = _score(words, names)
        if score is not None:
            hits.append((score, {"kind": art.kind.value, "id": art.id, "name": art.name or "",
                                 "license": art.license.id}))  # fmt: skip
    for lic in kb.licenses.values():
        score = _score(words, [lic.id, lic.name, *lic.hf_ids, *lic.aliases])
        if score is not None:
            hits.append((score, {"kind": "license", "id": lic.id, "name": lic.name,
                                 "license": lic.clauses.commercial_use}))  # fmt: skip
    hits.sort(key=lambda h: (h[0], h[1]["kind"], h[1]["id"].lower()))
    return [h for _, h in hits[:limit]]


def _score(words: list[str], names: list[str]) -> int | None:
    best: int | None = None
    query = " ".join(words)
    for name in names:
        key = " ".join(tokens(name))
        if all(w in key for w in words):
            score = 0 if key == query else 1 if key.startswith(query) else 2
            best = score if best is None else min(best, score)
    return best


def stats(kb: KnowledgeBase) -> dict[str, Any]:
    """Counts that show how broad the knowledge base is."""
    kinds = Counter(a.kind.value for a in kb.artifacts.values())
    used = Counter(
        (hit.entry.id if (hit := kb.find_license(a.license.id)) else a.license.id)
        for a in kb.artifacts.values()
    )
    return {
        "licenses": len(kb.licenses),
        "licenses_by_kind": dict(sorted(Counter(x.kind for x in kb.licenses.values()).items())),
        "hf_license_ids": sum(len(x.hf_ids) for x in kb.licenses.values()),
        "models": kinds.get("model", 0),
        "datasets": kinds.get("dataset", 0),
        "services": kinds.get("service", 0),
        "edges": sum(len(a.upstream) for a in kb.artifacts.values()),
        "aliases": len(kb.aliases),
        "most_used_licenses": dict(used.most_common(10)),
    }
