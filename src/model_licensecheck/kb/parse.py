"""Validation of the knowledge base's YAML into its typed entries (kb/schema.py): run when the
YAML is read, never when the compiled index answers (see license_db/README.md)."""

import re
from collections.abc import Mapping
from typing import Any

from ..model import NodeKind
from ..validation import Collector, Fields
from .schema import (
    AUTHORED_BY,
    CLAUSE_NAMES,
    COMMERCIAL,
    COPYLEFT,
    DATASET_RELATIONS,
    LICENSE_KINDS,
    LINT_CHECKS,
    MODEL_RELATIONS,
    OPTIONAL_CLAUSES,
    OUTPUT_TRAINING,
    SCHEMA_VERSION,
    ArtifactEntry,
    Clauses,
    FactRef,
    LicenseEntry,
    UpstreamFact,
)

# Patterns of validation only, compiled (and cached by `re`) when a YAML file is validated.
_ID = r"^(kb:[a-z0-9][a-z0-9._-]*|[a-z0-9-]+:[A-Za-z0-9][\w.-]*|[\w.-]+(/[\w.-]+)?)$"
_URL = r"^https?://\S+$"
_HUB_REPO = r"^([A-Za-z0-9][\w.-]*/)?[A-Za-z0-9][\w.-]*$"  # owner/name, or a legacy name


def _url(fields: Fields, key: str, value: str) -> None:
    if not re.match(_URL, value):
        fields.c.add("must be an http(s) address", fields.entry, fields.where(key))


def parse_license(data: Mapping[str, Any], c: Collector) -> LicenseEntry | None:
    """Validate one license file's content."""
    allowed = {
        "schema_version", "id", "name", "kind", "hf_ids", "aliases", "urls", "version",
        "summary", "clauses", "clause_sources", "sources", "retrieved",
    }  # fmt: skip
    named = data.get("id")
    f = Fields(data, c, named if isinstance(named, str) and named else None, allowed)
    _check_version(f)
    lic_id = f.text("id")
    kind = f.choice("kind", {k: k for k in LICENSE_KINDS})
    sources = f.strings("sources", required=True)
    for s in sources:
        _url(f, "sources", s)
    urls = f.strings("urls")
    for u in urls:
        _url(f, "urls", u)
    raw_clauses = f.mapping("clauses")
    clauses = parse_clauses(raw_clauses, c, lic_id) if raw_clauses else None
    raw_sources = f.mapping("clause_sources", required=False)
    for key in raw_sources:
        if key not in CLAUSE_NAMES:
            c.add("unknown clause", lic_id, f"clause_sources.{key}")
    if lic_id and not (lic_id.startswith("LicenseRef-") or re.match(r"^[A-Za-z0-9.+-]+$", lic_id)):
        f.c.add("must be an SPDX id or LicenseRef-…", lic_id, "id")
    entry = LicenseEntry(
        id=lic_id,
        name=f.text("name"),
        kind=kind,
        hf_ids=f.strings("hf_ids"),
        aliases=f.strings("aliases"),
        urls=urls,
        version=f.optional_text("version"),
        summary=f.text("summary"),
        clauses=clauses or _NO_CLAUSES,
        clause_sources={str(k): str(v) for k, v in raw_sources.items()},
        sources=sources,
        file=c.file,
        line=getattr(data, "line", 1),
        retrieved=_retrieved(data, c, lic_id or None),
    )
    return entry if clauses is not None else None


def parse_clauses(data: Mapping[str, Any], c: Collector, entry: str | None) -> Clauses | None:
    """Validate the `clauses` mapping: every clause present, each of its type."""
    before = len(c.problems)
    f = Fields(data, c, entry, set(CLAUSE_NAMES), prefix="clauses.")
    for name in CLAUSE_NAMES:
        if name not in data and name not in OPTIONAL_CLAUSES:
            f.c.add("is required", entry, f"clauses.{name}")
    nullable_text = ("acceptable_use_policy", "naming", "name_prefix")
    nullable_int = ("user_cap", "revenue_cap")
    values: dict[str, Any] = {
        "commercial_use": f.choice("commercial_use", {k: k for k in COMMERCIAL}, "unknown"),
        "copyleft": f.choice("copyleft", {k: k for k in COPYLEFT}, "none"),
        "output_training": f.choice("output_training", {k: k for k in OUTPUT_TRAINING}, "allowed"),
    }
    for name in ("research_only", "attribution", "share_alike", "no_derivatives",
                 "use_restrictions", "registration_required"):  # fmt: skip
        values[name] = f.get(name, bool, False)
    for name in nullable_text:
        values[name] = f.optional_text(name)
    for name in nullable_int:
        value: int | None = f.get(name, int, None)
        if value is not None and value <= 0:
            f.c.add("must be a positive number", entry, f"clauses.{name}")
        values[name] = value
    if len(c.problems) > before:
        return None
    return Clauses(**values)


_NO_CLAUSES = Clauses(
    commercial_use="unknown", research_only=False, attribution=False, share_alike=False,
    copyleft="none", no_derivatives=False, use_restrictions=False, acceptable_use_policy=None,
    user_cap=None, revenue_cap=None, naming=None, output_training="allowed",
    registration_required=False,
)  # fmt: skip


def parse_artifacts(data: Mapping[str, Any], c: Collector, kind: NodeKind) -> list[ArtifactEntry]:
    """Validate a models/, datasets/ or services/ file."""
    key = {NodeKind.MODEL: "models", NodeKind.DATASET: "datasets", NodeKind.SERVICE: "services"}[
        kind
    ]
    f = Fields(data, c, None, {"schema_version", key})
    _check_version(f)
    items = f.get(key, list)
    out: list[ArtifactEntry] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            c.add("must be a mapping", None, f"{key}[{i}]")
            continue
        entry = _parse_artifact(item, c, kind, f"{key}[{i}]")
        if entry is not None:
            out.append(entry)
    return out


def _parse_artifact(
    data: Mapping[str, Any], c: Collector, kind: NodeKind, where: str
) -> ArtifactEntry | None:
    common = {"id", "name", "also_known_as", "aliases", "names", "sources", "notes", "reviewed",
              "retrieved"}  # fmt: skip
    by_kind = {
        NodeKind.MODEL: {"license", "upstream", "licensor"},
        NodeKind.DATASET: {"license", "upstream", "pretraining", "authored_by"},
        NodeKind.SERVICE: {"terms"},
    }
    before = len(c.problems)
    ident = str(data.get("id") or where)
    f = Fields(data, c, ident, common | by_kind[kind])
    art_id = f.text("id")
    if art_id and not re.match(_ID, art_id):
        c.add("is not a Hub id, kb:<slug> or provider:name", ident, "id")
    sources = f.strings("sources", required=True)
    for s in sources:
        _url(f, "sources", s)
    license_key = "terms" if kind is NodeKind.SERVICE else "license"
    raw_license = f.mapping(license_key)
    license_ref = _fact_ref(raw_license, c, ident, license_key) if raw_license else None
    upstream: list[UpstreamFact] = []
    relations = MODEL_RELATIONS if kind is NodeKind.MODEL else DATASET_RELATIONS
    for i, raw in enumerate(f.get("upstream", list, [])):
        name = f"upstream[{i}]"
        if not isinstance(raw, dict):
            c.add("must be a mapping", ident, name)
            continue
        uf = Fields(raw, c, ident, {"id", "relation", "source", "external"}, prefix=f"{name}.")
        rel = uf.choice("relation", {r.value: r for r in relations})
        src = uf.text("source")
        if src:
            _url(uf, "source", src)
        up_id = uf.text("id")
        external = uf.get("external", bool, False)
        if external and up_id and not re.match(_HUB_REPO, up_id):
            c.add("an external upstream must be a Hub repository id", ident, f"{name}.id")
        upstream.append(UpstreamFact(up_id, rel, src, getattr(raw, "line", 0), external))
    reviewed: dict[str, str] = {}
    for check, reason in f.get("reviewed", dict, {}).items():
        if check not in LINT_CHECKS:
            c.add(f"unknown lint check {check!r} (one of {', '.join(LINT_CHECKS)})", ident,
                  f"reviewed.{check}")  # fmt: skip
        elif not isinstance(reason, str) or not reason.strip():
            c.add("must give the reason as text", ident, f"reviewed.{check}")
        else:
            reviewed[check] = reason
    authored = f.optional_text("authored_by")
    if authored is not None and authored not in AUTHORED_BY:
        c.add(f"must be one of {', '.join(AUTHORED_BY)}", ident, "authored_by")
    if len(c.problems) > before or license_ref is None:
        return None
    return ArtifactEntry(
        id=art_id,
        kind=kind,
        name=f.optional_text("name"),
        also_known_as=f.strings("also_known_as"),
        aliases=f.strings("aliases"),
        license=license_ref,
        upstream=tuple(upstream),
        pretraining=f.get("pretraining", bool, False),
        authored_by=authored,
        sources=sources,
        notes=f.optional_text("notes"),
        file=c.file,
        line=getattr(data, "line", 0),
        licensor=f.optional_text("licensor"),
        names=f.strings("names"),
        reviewed=reviewed,
        retrieved=_retrieved(data, c, ident),
    )


def _fact_ref(data: Mapping[str, Any], c: Collector, entry: str, key: str) -> FactRef | None:
    before = len(c.problems)
    f = Fields(data, c, entry, {"id", "source"}, prefix=f"{key}.")
    ref_id = f.text("id")
    src = f.text("source")
    if src:
        _url(f, "source", src)
    if len(c.problems) > before:
        return None
    return FactRef(ref_id, src, getattr(data, "line", 0))


def _retrieved(data: Mapping[str, Any], c: Collector, entry: str | None) -> str | None:
    """The date the entry's sources were read (`retrieved: 2026-12-06`), as ISO text."""
    import datetime as dt

    raw = data.get("retrieved")
    if raw is None:
        return None
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw.isoformat()
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return raw
    c.add("must be a date written YYYY-MM-DD", entry, "retrieved")
    return None


def _check_version(f: Fields) -> None:
    version = f.get("schema_version", int)
    if version and version != SCHEMA_VERSION:
        f.c.add(f"unsupported schema_version {version} (this tool reads {SCHEMA_VERSION})")
