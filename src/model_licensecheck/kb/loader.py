"""Load the knowledge base from its folder, check its invariants, and index it for lookups."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import KnowledgeBaseError, Problem
from ..model import NodeKind
from ..paths import shipped_kb_dir
from ..validation import Collector
from ..yamlio import YamlError, load
from .schema import ArtifactEntry, LicenseEntry, parse_artifacts, parse_license

if TYPE_CHECKING:
    from pathlib import Path

_FOLDERS = {"models": NodeKind.MODEL, "datasets": NodeKind.DATASET, "services": NodeKind.SERVICE}


@dataclass(frozen=True, slots=True)
class LicenseMatch:
    """A license entry and the clue that found it."""

    entry: LicenseEntry
    matched_by: str


# Han, kana and Hangul characters are tokens of their own: those scripts do not separate words
# with spaces (and Korean attaches particles), so an alias matches a run of characters.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:\.[^\W_{_CJK}]+)*\+*")


def tokens(text: str) -> list[str]:
    """Lowercase word tokens: what aliases and card prose are compared by."""
    return _TOKEN.findall(text.lower())


def _norm(text: str) -> str:
    """Case- and punctuation-insensitive key for names and aliases."""
    return " ".join(tokens(text))


def _norm_url(url: str) -> str:
    url = url.strip().lower()
    url = re.sub(r"^https?://(www\.)?", "", url)
    return url.rstrip("/")


class KnowledgeBase:
    """Indexed, validated knowledge-base entries."""

    def __init__(self, licenses: Iterable[LicenseEntry], artifacts: Iterable[ArtifactEntry]):
        self.licenses: dict[str, LicenseEntry] = {}
        self.artifacts: dict[str, ArtifactEntry] = {}
        self._license_keys: dict[str, tuple[LicenseEntry, str]] = {}
        self._license_urls: dict[str, LicenseEntry] = {}
        self._artifact_ids: dict[str, ArtifactEntry] = {}
        self.aliases: dict[str, ArtifactEntry] = {}
        problems: list[Problem] = []

        for lic in licenses:
            if lic.id.lower() in self._license_keys:
                problems.append(Problem(lic.file, "duplicate license id", lic.id, "id"))
            self.licenses[lic.id] = lic
            keys = [(lic.id, "id")] + [(h, "hf-id") for h in lic.hf_ids]
            keys += [(a, "alias") for a in lic.aliases]
            for key, how in keys:
                for variant in {key.lower(), _norm(key)}:
                    other = self._license_keys.get(variant)
                    if other is not None and other[0].id != lic.id:
                        problems.append(
                            Problem(lic.file, f"{key!r} also names {other[0].id}", lic.id)
                        )
                    self._license_keys.setdefault(variant, (lic, how))
            for url in lic.urls:
                self._license_urls.setdefault(_norm_url(url), lic)

        for art in artifacts:
            for ident in (art.id, *art.also_known_as):
                other_art = self._artifact_ids.get(ident.lower())
                if other_art is not None:
                    problems.append(
                        Problem(art.file, f"id {ident!r} also names {other_art.id}", art.id)
                    )
                self._artifact_ids[ident.lower()] = art
            self.artifacts[art.id] = art
        for art in self.artifacts.values():
            for alias in art.aliases:
                key = _norm(alias)
                if len(key) < 4:
                    problems.append(Problem(art.file, f"alias {alias!r} is too short", art.id))
                    continue
                owner = self.aliases.get(key) or self._artifact_ids.get(key)
                if owner is not None and owner.id != art.id:
                    problems.append(
                        Problem(art.file, f"alias {alias!r} also names {owner.id}", art.id)
                    )
                self.aliases.setdefault(key, art)
            for ident in (art.id, *art.also_known_as):
                self.aliases.setdefault(_norm(ident), art)
            problems.extend(self._check_references(art))
        if problems:
            raise KnowledgeBaseError(problems)

    def _check_references(self, art: ArtifactEntry) -> list[Problem]:
        out: list[Problem] = []
        if self.find_license(art.license.id) is None:
            out.append(Problem(art.file, f"unknown license {art.license.id!r}", art.id, "license"))
        for up in art.upstream:
            if self.artifact(up.id) is None:
                out.append(Problem(art.file, f"unknown upstream {up.id!r}", art.id, "upstream"))
        return out

    def artifact(self, ident: str) -> ArtifactEntry | None:
        """The entry for a Hub id, kb: id or service id (case-insensitive), if known."""
        return self._artifact_ids.get(ident.lower())

    def find_license(self, text: str) -> LicenseMatch | None:
        """A license entry named by an id, Hub id, alias or name."""
        for key in (text.strip().lower(), _norm(text)):
            hit = self._license_keys.get(key)
            if hit is not None:
                return LicenseMatch(hit[0], hit[1])
        return None

    def find_license_by_url(self, url: str) -> LicenseEntry | None:
        """A license entry whose text lives at `url`."""
        return self._license_urls.get(_norm_url(url))


def load_kb(folder: Path | None = None) -> KnowledgeBase:
    """Read and validate every file of the knowledge base; raise with every problem found."""
    root = folder or shipped_kb_dir()
    if not root.is_dir():
        raise KnowledgeBaseError([Problem(str(root), "knowledge base folder not found")])
    problems: list[Problem] = []
    licenses: list[LicenseEntry] = []
    artifacts: list[ArtifactEntry] = []
    for path in sorted((root / "licenses").glob("*.yaml")):
        data = _read(path, root, problems)
        if isinstance(data, Mapping):
            c = Collector(_rel(path, root))
            entry = parse_license(data, c)
            problems.extend(c.problems)
            if entry is not None:
                licenses.append(entry)
    for folder_name, kind in _FOLDERS.items():
        for path in sorted((root / folder_name).glob("*.yaml")):
            data = _read(path, root, problems)
            if isinstance(data, Mapping):
                c = Collector(_rel(path, root))
                artifacts.extend(parse_artifacts(data, c, kind))
                problems.extend(c.problems)
    if problems:
        raise KnowledgeBaseError(problems)
    return KnowledgeBase(licenses, artifacts)


def _rel(path: Path, root: Path) -> str:
    return f"license_db/{path.relative_to(root).as_posix()}"


def _read(path: Path, root: Path, problems: list[Problem]) -> object:
    try:
        data = load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlError) as exc:
        problems.append(Problem(_rel(path, root), str(exc)))
        return None
    if not isinstance(data, Mapping):
        problems.append(Problem(_rel(path, root), "must be a YAML mapping"))
    return data
