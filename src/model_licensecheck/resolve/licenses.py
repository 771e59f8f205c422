"""Normalise a license claim to a knowledge-base entry, or say why it stays unknown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kb.loader import tokens
from ..model import Evidence, KnownLicense, License, UnknownLicense

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
    from ..kb.schema import LicenseEntry
    from .interface import LicenseClaim

_PLACEHOLDERS = {"other", "licenseref-hf-other"}


LICENSE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "LICENSE.rst")
"""Names under which a repository ships its license text."""


def normalize(claim: LicenseClaim | None, kb: KnowledgeBase) -> License:
    """Map `claim` to a license entry by id, Hub id, alias, `license_name` or `license_link`,
    and, when those say nothing or only `other`, by the title of the repository's LICENSE."""
    found = _normalize(claim, kb)
    if isinstance(found, UnknownLicense) and claim is not None and claim.text:
        by_text = match_license_text(claim.text, kb)
        if by_text is not None:
            entry, title = by_text
            where = claim.text_location or claim.evidence.location
            evidence = Evidence(claim.evidence.source, where, title)
            return KnownLicense(entry.id, claim.raw or "LICENSE file", evidence, "license_file")
        return UnknownLicense(
            f"{found.reason}; the LICENSE file's text matches no known license either",
            found.raw, found.evidence,
        )  # fmt: skip
    return found


def match_license_text(text: str, kb: KnowledgeBase) -> tuple[LicenseEntry, str] | None:
    """The license whose name (or a long alias) stands earliest in the first lines of a
    license text, with the words that matched: titles such as "LLAMA 2 COMMUNITY LICENSE
    AGREEMENT" or "Apache License, Version 2.0" open the texts."""
    head = " " + " ".join(tokens(text[:3000])) + " "
    best: tuple[int, int, LicenseEntry, str] | None = None
    for entry in kb.licenses.values():
        if entry.kind == "family":
            continue  # an umbrella id names no text
        for name in (entry.name, *entry.aliases):
            key = " ".join(tokens(name))
            if len(key) < 10 or key.count(" ") < 1:
                continue  # short words ("mit", "apache2") match too much prose
            at = head.find(f" {key} ")
            if at >= 0 and (best is None or (at, -len(key)) < (best[0], best[1])):
                best = (at, -len(key), entry, name)
    return (best[2], best[3]) if best is not None else None


def _normalize(claim: LicenseClaim | None, kb: KnowledgeBase) -> License:
    if claim is None or not claim.raw:
        return UnknownLicense("no license is declared")
    raw = claim.raw.strip()
    if raw.lower() in _PLACEHOLDERS:
        if claim.name:
            hit = kb.find_license(claim.name)
            if hit is not None:
                return KnownLicense(hit.entry.id, raw, claim.evidence, "license_name")
        if claim.link:
            entry = kb.find_license_by_url(claim.link)
            if entry is not None:
                return KnownLicense(entry.id, raw, claim.evidence, "license_link")
        clues = [f"license_name {claim.name!r}"] if claim.name else []
        clues += [f"license_link {claim.link}"] if claim.link else []
        said = " and ".join(clues) if clues else "no license_name or license_link"
        return UnknownLicense(
            f"the card says `license: other` with {said}, which match no known license",
            raw, claim.evidence,
        )  # fmt: skip
    hit = kb.find_license(raw)
    if hit is not None:
        return KnownLicense(hit.entry.id, raw, claim.evidence, hit.matched_by)
    return UnknownLicense(f"license {raw!r} is not a license this tool knows", raw, claim.evidence)
