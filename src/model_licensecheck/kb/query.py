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
        "retrieved": art.retrieved,
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
        "retrieved": entry.retrieved,
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


def suggest(kb: KnowledgeBase, text: str, limit: int = 3) -> list[str]:
    """Up to `limit` ids the knowledge base knows that are spelled like `text`: its ids,
    other ids, names and aliases are compared whole and by their name part (`org/name`'s
    `name`), and each match is given as the entry's id.

    difflib (standard library) rather than rapidfuzz: this runs only on the not-found error
    path over a few thousand short strings (tens of milliseconds), which does not justify a
    compiled dependency in the start-up path's install."""
    import difflib

    query = text.strip().lower()
    if not query:
        return []
    whole: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    for art in kb.artifacts.values():
        if art.kind is NodeKind.SERVICE:
            continue
        for key in (art.id, *art.also_known_as, *art.names, *art.aliases):
            whole.setdefault(key.lower(), art.id)
            if "/" in key:
                by_name.setdefault(key.lower().rsplit("/", 1)[1], []).append(art.id)
    out: list[str] = []
    for key in difflib.get_close_matches(query, whole, n=limit * 3, cutoff=0.75):
        out.append(whole[key])
    name = query.rsplit("/", 1)[-1]
    for key in difflib.get_close_matches(name, by_name, n=limit * 3, cutoff=0.8):
        out.extend(by_name[key])
    unique: dict[str, str] = {}
    for ident in out:
        unique.setdefault(ident.lower(), ident)
    return list(unique.values())[:limit]


def did_you_mean(kb: KnowledgeBase, text: str) -> str:
    """`; did you mean a, b or c?` for an id neither the knowledge base nor the Hub knows, or
    the empty string when nothing is spelled alike."""
    hits = suggest(kb, text)
    if not hits:
        return ""
    listed = hits[0] if len(hits) == 1 else ", ".join(hits[:-1]) + " or " + hits[-1]
    return f"; did you mean {listed}?"


STATS_BEGIN = "<!-- kb-stats: generated by `licensecheck db stats --markdown`; do not edit -->"
STATS_END = "<!-- /kb-stats -->"


def stats_markdown(counts: dict[str, Any]) -> str:
    """The knowledge base's counts as the Markdown block README.md embeds between
    STATS_BEGIN and STATS_END (tests check that the README matches)."""
    kinds = counts["licenses_by_kind"]
    rows = [
        ("licenses", f"{kinds.get('license', 0)} licenses, {kinds.get('terms-of-service', 0)} "
                     f"terms of service, {kinds.get('family', 0)} families"),
        ("Hub license ids mapped", str(counts["hf_license_ids"])),
        ("models", str(counts["models"])),
        ("datasets", str(counts["datasets"])),
        ("services", str(counts["services"])),
        ("upstream edges", str(counts["edges"])),
        ("names matched in card prose (aliases and ids)", str(counts["aliases"])),
    ]  # fmt: skip
    lines = [STATS_BEGIN, "| held | count |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines.append(STATS_END)
    return "\n".join(lines) + "\n"
