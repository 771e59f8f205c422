"""`licensecheck db lint`: facts the knowledge base states only in prose, where the verdict
cannot see them, and edges cited to a page that is not about either end.

A note that says a model was trained on GPT-3.5 answers, that its weights are for research
only, or that names another known artifact, must be matched by an edge or a license clause:
the rules read those, never `notes`. Each check has a stable name (kb/schema.py LINT_CHECKS); an
entry's `reviewed:` mapping waives a check for that entry with the reason a person gave.
"""

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from ..model import NodeKind, Relation

if TYPE_CHECKING:
    from .loader import KnowledgeBase
    from .schema import ArtifactEntry


class LintIssue(NamedTuple):
    """One fact that lives only in prose, or one edge whose source is another repo's page."""

    check: str
    entry: str
    location: str
    message: str


_GENERATED = re.compile(
    r"\b(generated|synthetic|distill(?:ed|ation)|self-instruct|machine-written|"
    r"written by (?:gpt|chatgpt|claude)|answers? (?:from|by) (?:gpt|chatgpt|claude))",
    re.IGNORECASE,
)
_RESEARCH_ONLY = re.compile(
    r"research[- ]only|research (?:purposes|use) only|academic research|solely for research",
    re.IGNORECASE,
)
_NON_COMMERCIAL = re.compile(
    r"non-?commercial|no commercial|not for commercial|commercial use is (?:not|forbidden)|"
    r"\bCC[- ]BY[- ]NC\b",
    re.IGNORECASE,
)
_REPO_ID = re.compile(r"(?<![\w/.:-])(kb:[a-z0-9][a-z0-9._-]*|[A-Za-z0-9][\w.-]*/[\w.-]*\w)")
_HUB_PAGE = re.compile(
    r"^https?://huggingface\.co\.?/(?:datasets/)?([\w.-]+/[\w.-]+)", re.IGNORECASE
)
_NOT_A_REPO = frozenset(
    {"blog", "collections", "spaces", "docs", "papers", "organizations", "posts"}
)
_NO_DATA = re.compile(r"\b(?:no|without|not)\b[^.;]{0,40}$", re.IGNORECASE)


def lint(kb: "KnowledgeBase") -> list[LintIssue]:
    """Every issue of every model and dataset, in file order."""
    services = _service_names(kb)
    users: dict[str, set[str]] = {}
    for art in kb.artifacts.values():
        for u in art.upstream:
            target = kb.artifact(u.id)
            if target is not None:
                users.setdefault(target.id, set()).add(art.id.lower())
    out: list[LintIssue] = []
    for art in sorted(kb.artifacts.values(), key=lambda a: (a.file, a.line)):
        if art.kind is NodeKind.SERVICE:
            continue
        found = _check(art, kb, services, users.get(art.id, set()))
        out.extend(i for i in found if i.check not in art.reviewed)
    return out


def _service_names(kb: "KnowledgeBase") -> list[tuple[re.Pattern[str], str]]:
    names: list[tuple[re.Pattern[str], str]] = []
    for art in kb.artifacts.values():
        if art.kind is NodeKind.SERVICE:
            for name in {*art.aliases, art.id.split(":", 1)[1]}:
                pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.IGNORECASE)
                names.append((pattern, art.id))
    return names


def _check(
    art: "ArtifactEntry",
    kb: "KnowledgeBase",
    services: list[tuple[re.Pattern[str], str]],
    users: set[str],
) -> Iterator[LintIssue]:
    where = art.location
    yield from _edge_sources(art, kb, users)
    notes = art.notes or ""
    if not notes:
        return
    ancestors = _ancestors(art, kb)
    generators = {a for a in ancestors if kb.artifacts[a].kind is NodeKind.SERVICE}
    generated = generators or any(
        u.relation is Relation.GENERATED_BY for a in (art.id, *ancestors)
        for u in kb.artifacts[a].upstream
    )  # fmt: skip
    match = _GENERATED.search(notes)
    if match and not generated and not _NO_DATA.search(notes[: match.start()]):
        yield LintIssue("notes-generated-data", art.id, where,
                        f"notes say {match.group(0)!r} data, but no generated_by edge reaches "
                        "a generator")  # fmt: skip
    named = sorted({sid for pattern, sid in services if pattern.search(notes)})
    providers = {g.split(":", 1)[0] for g in generators}
    for sid in named:
        if sid not in generators and sid.split(":", 1)[0] not in providers:
            yield LintIssue("notes-service", art.id, where,
                            f"notes name {sid}, but no generated_by path reaches it")  # fmt: skip
    strict = _strict_somewhere(art, ancestors, kb)
    if _RESEARCH_ONLY.search(notes) and not strict:
        yield LintIssue("notes-research-only", art.id, where,
                        "notes speak of research-only terms, but no license on the entry or "
                        "its ancestors is research-only or non-commercial")  # fmt: skip
    if _NON_COMMERCIAL.search(notes) and not strict:
        yield LintIssue("notes-non-commercial", art.id, where,
                        "notes speak of non-commercial terms, but no license on the entry or "
                        "its ancestors forbids commercial use")  # fmt: skip
    known = {art.id.lower(), *(a.lower() for a in art.also_known_as)}
    known |= {u.id.lower() for u in art.upstream}
    for ident in sorted(set(_REPO_ID.findall(notes))):
        other = kb.artifact(ident)
        if other is not None and other.id.lower() not in known and ident.lower() not in known:
            yield LintIssue("notes-known-id", art.id, where,
                            f"notes name {other.id}, which the knowledge base describes, but "
                            "no upstream edge records how it relates")  # fmt: skip


def _edge_sources(
    art: "ArtifactEntry", kb: "KnowledgeBase", users: set[str]
) -> Iterator[LintIssue]:
    """The page of either end of an edge states it; so does the card of a model or dataset
    made directly from `art` (a card says what its data was and where that came from)."""
    own = {art.id.lower(), *(a.lower() for a in art.also_known_as), *users}
    for u in art.upstream:
        m = _HUB_PAGE.match(u.source)
        if m is None:
            continue
        page = m.group(1).lower()
        if page.split("/", 1)[0] in _NOT_A_REPO:
            continue
        target = kb.artifact(u.id)
        ends = own | {u.id.lower()}
        if target is not None:
            ends |= {target.id.lower(), *(a.lower() for a in target.also_known_as)}
        if page not in ends:
            where = f"{art.file}:{u.line or art.line}"
            yield LintIssue("edge-source-other-repo", art.id, where,
                            f"the {u.relation.value} edge to {u.id} cites {m.group(1)}'s page, "
                            "about neither end nor anything made from it")  # fmt: skip


def _ancestors(art: "ArtifactEntry", kb: "KnowledgeBase") -> set[str]:
    seen: set[str] = set()
    todo = [u.id for u in art.upstream if not u.external]
    while todo:
        ident = todo.pop()
        entry = kb.artifact(ident)
        if entry is None or entry.id in seen:
            continue
        seen.add(entry.id)
        todo.extend(u.id for u in entry.upstream if not u.external)
    return seen


def _strict_somewhere(art: "ArtifactEntry", ancestors: set[str], kb: "KnowledgeBase") -> bool:
    for ident in (art.id, *ancestors):
        hit = kb.find_license(kb.artifacts[ident].license.id)
        if hit is not None:
            clauses = hit.entry.clauses
            if clauses.research_only or clauses.commercial_use == "prohibited":
                return True
    return False
