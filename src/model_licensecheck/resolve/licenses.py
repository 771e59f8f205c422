"""Normalise a license claim to a knowledge-base entry, or say why it stays unknown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import KnownLicense, License, UnknownLicense

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
    from .interface import LicenseClaim

_PLACEHOLDERS = {"other", "licenseref-hf-other"}


def normalize(claim: LicenseClaim | None, kb: KnowledgeBase) -> License:
    """Map `claim` to a license entry by id, Hub id, alias, `license_name` or `license_link`."""
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
