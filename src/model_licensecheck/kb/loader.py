"""Load the knowledge base from its folder, check its invariants, and index it for lookups."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from ..errors import KnowledgeBaseError, Problem
from ..model import NodeKind, Relation
from ..paths import cache_dir, fingerprint, shipped_kb_dir
from ..validation import Collector
from ..yamlio import YamlError, load
from .schema import (
    SCHEMA_VERSION,
    ArtifactEntry,
    Clauses,
    FactRef,
    LicenseEntry,
    UpstreamFact,
    parse_artifacts,
    parse_license,
)

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


INDEX_FORMAT = 1


def load_kb(folder: Path | None = None, use_index: bool = True) -> KnowledgeBase:
    """The knowledge base, from its compiled index when one matches the YAML files exactly
    (their names, sizes and modification times), else read, validated and indexed anew.

    Parsing ~200 YAML files costs a few hundred milliseconds; the index, a few. Any edit to a
    YAML file changes its fingerprint, so the index can never be stale.
    """
    root = folder or shipped_kb_dir()
    if not root.is_dir():
        raise KnowledgeBaseError([Problem(str(root), "knowledge base folder not found")])
    index = _index_path(root) if use_index else None
    if index is not None:
        try:
            return _from_index(json.loads(index.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # missing, unreadable or from another version: rebuild it below
    kb = _load_yaml(root)
    if index is not None:
        _write_index(index, kb)
    return kb


def _index_path(root: Path) -> Path:
    listing = [f"{INDEX_FORMAT}:{SCHEMA_VERSION}:{root.resolve()}"]
    for sub in ("licenses", "models", "datasets", "services"):
        folder = root / sub
        if not folder.is_dir():
            continue
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                st = entry.stat()
                listing.append(f"{sub}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return cache_dir() / "kb" / f"{fingerprint(listing)}.json"


def _write_index(path: Path, kb: KnowledgeBase) -> None:
    data = {
        "format": INDEX_FORMAT,
        "licenses": [_plain(asdict(x)) for x in kb.licenses.values()],
        "artifacts": [_plain(asdict(x)) for x in kb.artifacts.values()],
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # an index we cannot write only costs the YAML parse next time


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _from_index(data: dict[str, Any]) -> KnowledgeBase:
    if data.get("format") != INDEX_FORMAT:
        raise ValueError("index format")
    licenses = [
        LicenseEntry(**{**x, "clauses": Clauses(**x["clauses"]),
                        **{k: tuple(x[k]) for k in ("hf_ids", "aliases", "urls", "sources")}})
        for x in data["licenses"]
    ]  # fmt: skip
    artifacts = [
        ArtifactEntry(**{
            **x,
            "kind": NodeKind(x["kind"]),
            "license": FactRef(**x["license"]),
            "upstream": tuple(
                UpstreamFact(u["id"], Relation(u["relation"]), u["source"], u["line"])
                for u in x["upstream"]
            ),
            **{k: tuple(x[k]) for k in ("also_known_as", "aliases", "sources")},
        })
        for x in data["artifacts"]
    ]  # fmt: skip
    return KnowledgeBase(licenses, artifacts)


def _load_yaml(root: Path) -> KnowledgeBase:
    """Read and validate every file of the knowledge base; raise with every problem found."""
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
