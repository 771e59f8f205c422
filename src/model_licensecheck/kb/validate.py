"""The knowledge base's cross-entry checks and lookup tables, as one pure function.

`kb/parse.py` checks each YAML file on its own; this module checks what only the whole set can
show (duplicate ids and aliases, unknown licenses and upstreams) while it builds the maps that
lookups go through. It reads no file and raises nothing: it returns the tables and problems.
"""

import re
from collections.abc import Iterable
from functools import cache
from typing import Any, NamedTuple

from ..errors import Problem
from .schema import ArtifactEntry, LicenseEntry

# Han, kana and Hangul characters are tokens of their own: those scripts do not separate words
# with spaces (and Korean attaches particles), so an alias matches a run of characters.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"


@cache
def _token_pattern() -> re.Pattern[str]:
    # Compiled on first use, and only for non-ASCII text: the CJK ranges inside a negated
    # Unicode class take milliseconds to compile.
    return re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:\.[^\W_{_CJK}]+)*\+*")


# What the pattern above matches in lowercased ASCII text, at a fraction of its compile cost.
_ASCII_TOKEN = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*\+*")


def tokens(text: str) -> list[str]:
    """Lowercase word tokens: what aliases and card prose are compared by."""
    text = text.lower()
    pattern = _ASCII_TOKEN if text.isascii() else _token_pattern()
    return pattern.findall(text)


def norm(text: str) -> str:
    """Case- and punctuation-insensitive key for names and aliases."""
    return " ".join(tokens(text))


def norm_url(url: str) -> str:
    """Scheme-, `www.`-, case- and trailing-slash-insensitive key for license URLs."""
    url = url.strip().lower()
    url = re.sub(r"^https?://(www\.)?", "", url)
    return url.rstrip("/")


class Tables(NamedTuple):
    """The lookup maps of a knowledge base, from normalised keys to entry ids."""

    license_keys: dict[str, list[str]]
    """id, Hugging Face id, alias or name (lowercased and normalised) -> [license id, how]."""
    license_urls: dict[str, str]
    artifact_ids: dict[str, str]
    """Hub id, `also_known_as` id or name (lowercased) -> artifact id."""
    alias_ids: dict[str, str]
    """Normalised alias, id or `also_known_as` id -> artifact id (card prose matching)."""

    def as_maps(self) -> dict[str, dict[str, Any]]:
        """The tables by name, as the compiled file stores them."""
        return dict(self._asdict())


def check(
    licenses: Iterable[LicenseEntry], artifacts: Iterable[ArtifactEntry]
) -> tuple[Tables, list[Problem]]:
    """The lookup tables of these entries, and every problem of the set as a whole."""
    tables = Tables({}, {}, {}, {})
    problems: list[Problem] = []
    arts: dict[str, ArtifactEntry] = {}
    for lic in licenses:
        if lic.id.lower() in tables.license_keys:
            problems.append(Problem(lic.file, "duplicate license id", lic.id, "id"))
        keys = [(lic.id, "id")] + [(h, "hf-id") for h in lic.hf_ids]
        keys += [(a, "alias") for a in lic.aliases]
        for key, how in keys:
            for variant in {key.lower(), norm(key)}:
                other = tables.license_keys.get(variant)
                if other is not None and other[0] != lic.id:
                    problems.append(Problem(lic.file, f"{key!r} also names {other[0]}", lic.id))
                tables.license_keys.setdefault(variant, [lic.id, how])
        for url in lic.urls:
            tables.license_urls.setdefault(norm_url(url), lic.id)

    for art in artifacts:
        for ident in (art.id, *art.also_known_as, *art.names):
            other_id = tables.artifact_ids.get(ident.lower())
            if other_id is not None:
                problems.append(Problem(art.file, f"id {ident!r} also names {other_id}", art.id))
            tables.artifact_ids[ident.lower()] = art.id
        arts[art.id] = art
    for art in arts.values():
        problems.extend(_aliases(art, tables))
    for art in arts.values():
        problems.extend(_references(art, tables))
    return tables, problems


def _aliases(art: ArtifactEntry, tables: Tables) -> list[Problem]:
    out: list[Problem] = []
    for alias in art.aliases:
        key = norm(alias)
        if len(key) < 4:
            out.append(Problem(art.file, f"alias {alias!r} is too short", art.id))
            continue
        owner = tables.alias_ids.get(key) or tables.artifact_ids.get(key)
        if owner is not None and owner != art.id:
            out.append(Problem(art.file, f"alias {alias!r} also names {owner}", art.id))
        tables.alias_ids.setdefault(key, art.id)
    for ident in (art.id, *art.also_known_as):
        tables.alias_ids.setdefault(norm(ident), art.id)
    return out


def _references(art: ArtifactEntry, tables: Tables) -> list[Problem]:
    out: list[Problem] = []
    lic = art.license.id
    if lic.strip().lower() not in tables.license_keys and norm(lic) not in tables.license_keys:
        out.append(Problem(art.file, f"unknown license {lic!r}", art.id, "license"))
    for up in art.upstream:
        known = up.id.lower() in tables.artifact_ids
        if up.external and known:
            out.append(Problem(art.file, f"upstream {up.id!r} is in the knowledge base: drop "
                               "`external`", art.id, "upstream"))  # fmt: skip
        elif not up.external and not known:
            out.append(Problem(art.file, f"unknown upstream {up.id!r} (mark an edge to an "
                               "artifact this knowledge base does not describe `external: "
                               "true`)", art.id, "upstream"))  # fmt: skip
    return out
