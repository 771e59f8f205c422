"""Normalise a license claim to a knowledge-base entry, or say why it stays unknown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..kb.loader import tokens
from ..model import Evidence, KnownLicense, License, SourceKind, UnknownLicense

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
    from ..kb.schema import LicenseEntry
    from .interface import LicenseClaim

_PLACEHOLDERS = {"other", "licenseref-hf-other"}
# An SPDX expression has an operator between names, or parentheses; a license name alone
# ("Apache License 2.0") has neither.
_EXPRESSION = re.compile(r"(?:^|\s)(?:and|or|with)(?:\s|$)|[()]", re.I)


LICENSE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "LICENSE.rst")
"""Names under which a repository ships its license text."""


def normalize(claim: LicenseClaim | None, kb: KnowledgeBase) -> License:
    """Map `claim` to a license entry by id, Hub id, alias, SPDX expression, `license_name` or
    `license_link`, and, when those say nothing or only `other`, by the title of the
    repository's LICENSE. A claim whose evidence is card text was decided by a statement in the
    card's prose (`card.card_claims` weighs it against the front matter). A claim that carries
    a `declared_id` (a lock's record of such a conflict) keeps it on the license."""
    found = _license(claim, kb)
    if (
        claim is not None
        and claim.declared_id is not None
        and isinstance(found, KnownLicense)
        and claim.declared_id != found.id
        and claim.declared_id in kb.licenses
    ):
        return found._replace(declared_id=claim.declared_id)
    return found


def _license(claim: LicenseClaim | None, kb: KnowledgeBase) -> License:
    if claim is not None and claim.evidence.source is SourceKind.CARD_TEXT:
        stated = _stated(claim, kb)
        if stated is not None:
            return stated
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


def _stated(claim: LicenseClaim, kb: KnowledgeBase) -> KnownLicense | None:
    """The license a prose statement (the claim's quote) gives, with the front matter's
    declared license kept apart when it differs."""
    from .prose import statement_license, stricter

    hit = statement_license(claim.evidence.quote or "", kb)
    if hit is None:
        return None
    entry, phrase = hit
    if claim.text:  # a LICENSE file read because the front matter left the license open
        by_text = match_license_text(claim.text, kb)
        if by_text is not None and stricter(by_text[0], entry):
            where = claim.text_location or claim.evidence.location
            ev = Evidence(claim.evidence.source, where, by_text[1])
            return KnownLicense(by_text[0].id, claim.raw or "LICENSE file", ev, "license_file")
    declared = _normalize(claim, kb)
    declared_id = None
    if isinstance(declared, KnownLicense) and declared.id != entry.id:
        declared_id = declared.id
    raw = claim.raw or claim.name or phrase
    return KnownLicense(entry.id, raw, claim.evidence, "card-text", declared_id)


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
    if claim is None or not (claim.raw or claim.name or claim.link):
        evidence = claim.evidence if claim is not None else None
        return UnknownLicense("no license is declared", None, evidence, undeclared=True)
    raw = (claim.raw or "").strip()
    if not raw or raw.lower() in _PLACEHOLDERS:
        # `license: other` with a name or link, or a name or link with no `license` at all
        # (the Hub shows such cards with the license the name or link gives).
        shown = claim.raw or claim.name or claim.link
        if claim.name:
            hit = kb.find_license(claim.name)
            if hit is not None:
                return KnownLicense(hit.entry.id, shown or "", claim.evidence, "license_name")
        if claim.link:
            entry = kb.find_license_by_url(claim.link)
            if entry is not None:
                return KnownLicense(entry.id, shown or "", claim.evidence, "license_link")
        clues = [f"license_name {claim.name!r}"] if claim.name else []
        clues += [f"license_link {claim.link}"] if claim.link else []
        said = " and ".join(clues) if clues else "no license_name or license_link"
        head = "the card says `license: other`" if raw else "the card names its license"
        return UnknownLicense(
            f"{head} with {said}, which match no known license", shown, claim.evidence
        )
    hit = kb.find_license(raw)
    if hit is not None:
        return KnownLicense(hit.entry.id, raw, claim.evidence, hit.matched_by)
    if _EXPRESSION.search(raw):
        return _expression(raw, claim, kb)
    return UnknownLicense(f"license {raw!r} is not a license this tool knows", raw, claim.evidence)


def _expression(raw: str, claim: LicenseClaim, kb: KnowledgeBase) -> License:
    """An SPDX expression: under `A OR B` the user may pick, so the least strict known choice
    applies; under `A AND B` both apply, so the strictest does, and an unknown part leaves the
    whole unknown; `A WITH exception` is A (an exception only adds permissions)."""
    # license-expression is imported only for a license that is an expression.
    from license_expression import ExpressionError, Licensing

    try:
        parsed = Licensing().parse(raw)
    except ExpressionError as exc:
        return UnknownLicense(f"license {raw!r} is not a valid SPDX expression ({exc})", raw,
                              claim.evidence)  # fmt: skip
    judged = _judge(parsed, kb)
    if isinstance(judged, str):
        return UnknownLicense(f"license expression {raw!r}: {judged}", raw, claim.evidence)
    return KnownLicense(judged.id, raw, claim.evidence, "expression")


def _judge(expr: Any, kb: KnowledgeBase) -> LicenseEntry | str:
    from license_expression import AND, OR

    from .prose import rank

    if isinstance(expr, AND | OR):
        parts = [_judge(arg, kb) for arg in expr.args]
        known = [p for p in parts if not isinstance(p, str)]
        unknown = [p for p in parts if isinstance(p, str)]
        if isinstance(expr, AND):
            if unknown:
                return unknown[0]
            return max(known, key=rank)
        if not known:
            return unknown[0]
        return min(known, key=rank)
    symbol = getattr(expr, "license_symbol", expr)  # `A WITH exception` judges as A
    key = str(getattr(symbol, "key", symbol))
    hit = kb.find_license(key)
    if hit is None or hit.entry.id.lower() in _PLACEHOLDERS:
        return f"{key!r} is not a license this tool knows"
    return hit.entry
