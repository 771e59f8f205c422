"""Factory helpers with valid defaults for licenses, artifacts, nodes and edges."""

from __future__ import annotations

from typing import Any

from model_licensecheck.kb.loader import KnowledgeBase
from model_licensecheck.kb.schema import ArtifactEntry, Clauses, FactRef, LicenseEntry, UpstreamFact
from model_licensecheck.model import NodeKind, Relation

SRC = "https://example.org/source"


def clauses(**overrides: Any) -> Clauses:
    """Permissive, notice-free clauses unless overridden."""
    values: dict[str, Any] = {
        "commercial_use": "allowed", "research_only": False, "attribution": False,
        "share_alike": False, "copyleft": "none", "no_derivatives": False,
        "use_restrictions": False,
        "acceptable_use_policy": None, "user_cap": None, "revenue_cap": None, "naming": None,
        "output_training": "allowed", "registration_required": False,
    }  # fmt: skip
    values.update(overrides)
    return Clauses(**values)


def license_entry(
    lic_id: str, hf_ids: tuple[str, ...] = (), **clause_overrides: Any
) -> LicenseEntry:
    """A license entry with the given clauses."""
    return LicenseEntry(
        id=lic_id, name=f"{lic_id} license", kind="license", hf_ids=hf_ids, aliases=(),
        urls=(), version=None, summary="test", clauses=clauses(**clause_overrides),
        clause_sources={}, sources=(SRC,), file="test", line=1,
    )  # fmt: skip


def artifact(
    art_id: str,
    license_id: str,
    kind: NodeKind = NodeKind.MODEL,
    upstream: tuple[tuple[str, Relation], ...] = (),
    aliases: tuple[str, ...] = (),
    pretraining: bool = False,
    licensor: str | None = None,
    authored_by: str | None = None,
) -> ArtifactEntry:
    """A knowledge-base artifact."""
    return ArtifactEntry(
        id=art_id, kind=kind, name=None, also_known_as=(), aliases=aliases,
        license=FactRef(license_id, SRC, 1),
        upstream=tuple(UpstreamFact(u, r, SRC, 1) for u, r in upstream),
        pretraining=pretraining, authored_by=authored_by, sources=(SRC,), notes=None,
        file="test.yaml", line=1, licensor=licensor,
    )  # fmt: skip


STANDARD_LICENSES = (
    license_entry("MIT", ("mit",), attribution=True),
    license_entry("Apache-2.0", ("apache-2.0",), attribution=True),
    license_entry("CC-BY-NC-4.0", ("cc-by-nc-4.0",), commercial_use="prohibited", attribution=True),
    license_entry("CC-BY-SA-4.0", ("cc-by-sa-4.0",), attribution=True, share_alike=True),
    license_entry("CC-BY-ND-4.0", ("cc-by-nd-4.0",), attribution=True, no_derivatives=True),
    license_entry("LicenseRef-Research", research_only=True, commercial_use="prohibited"),
    license_entry(
        "LicenseRef-Community",
        ("community",),
        user_cap=700_000_000,
        acceptable_use_policy="https://example.org/aup",
        output_training="restricted",
    ),
    license_entry("LicenseRef-Terms", output_training="restricted"),
    license_entry("LicenseRef-HF-Other", ("other",), commercial_use="unknown"),
)


def make_kb(*artifacts: ArtifactEntry) -> KnowledgeBase:
    """A knowledge base with the standard test licenses and the given artifacts."""
    return KnowledgeBase.from_entries(STANDARD_LICENSES, artifacts)
