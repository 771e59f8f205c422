"""Load the knowledge base from its folder, check its invariants, and index it for lookups."""

import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

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

T = TypeVar("T")

_FOLDERS = {"models": NodeKind.MODEL, "datasets": NodeKind.DATASET, "services": NodeKind.SERVICE}


class LicenseMatch(NamedTuple):
    """A license entry and the clue that found it."""

    entry: LicenseEntry
    matched_by: str


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


def _norm(text: str) -> str:
    """Case- and punctuation-insensitive key for names and aliases."""
    return " ".join(tokens(text))


def _norm_url(url: str) -> str:
    url = url.strip().lower()
    url = re.sub(r"^https?://(www\.)?", "", url)
    return url.rstrip("/")


class _Lazy(Mapping[str, T]):
    """Entries kept as raw data and turned into dataclasses on first access: a run looks up a
    handful of the knowledge base's hundreds of entries."""

    def __init__(self, raw: Mapping[str, Any], build: Callable[[Any], T]) -> None:
        self._raw = raw
        self._build = build
        self._done: dict[str, T] = {}

    def __getitem__(self, key: str) -> T:
        value = self._done.get(key)
        if value is None:
            value = self._done[key] = self._build(self._raw[key])
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class KnowledgeBase:
    """Indexed, validated knowledge-base entries.

    Lookups go through plain maps from normalised keys to entry ids, so that a knowledge base
    read back from its compiled index needs no work beyond reading it (`from_index`).
    """

    licenses: Mapping[str, LicenseEntry]
    artifacts: Mapping[str, ArtifactEntry]
    aliases: Mapping[str, ArtifactEntry]
    """Normalised alias (or id) -> the entry it names, for matching card prose."""

    def __init__(self, licenses: Iterable[LicenseEntry], artifacts: Iterable[ArtifactEntry]):
        lic_by_id: dict[str, LicenseEntry] = {}
        art_by_id: dict[str, ArtifactEntry] = {}
        self._license_keys: dict[str, tuple[str, str]] = {}
        self._license_urls: dict[str, str] = {}
        self._artifact_ids: dict[str, str] = {}
        self._alias_ids: dict[str, str] = {}
        problems: list[Problem] = []

        for lic in licenses:
            if lic.id.lower() in self._license_keys:
                problems.append(Problem(lic.file, "duplicate license id", lic.id, "id"))
            lic_by_id[lic.id] = lic
            keys = [(lic.id, "id")] + [(h, "hf-id") for h in lic.hf_ids]
            keys += [(a, "alias") for a in lic.aliases]
            for key, how in keys:
                for variant in {key.lower(), _norm(key)}:
                    other = self._license_keys.get(variant)
                    if other is not None and other[0] != lic.id:
                        problems.append(Problem(lic.file, f"{key!r} also names {other[0]}", lic.id))
                    self._license_keys.setdefault(variant, (lic.id, how))
            for url in lic.urls:
                self._license_urls.setdefault(_norm_url(url), lic.id)

        for art in artifacts:
            for ident in (art.id, *art.also_known_as):
                other_id = self._artifact_ids.get(ident.lower())
                if other_id is not None:
                    problems.append(Problem(art.file, f"id {ident!r} also names {other_id}",
                                            art.id))  # fmt: skip
                self._artifact_ids[ident.lower()] = art.id
            art_by_id[art.id] = art
        for art in art_by_id.values():
            for alias in art.aliases:
                key = _norm(alias)
                if len(key) < 4:
                    problems.append(Problem(art.file, f"alias {alias!r} is too short", art.id))
                    continue
                owner = self._alias_ids.get(key) or self._artifact_ids.get(key)
                if owner is not None and owner != art.id:
                    problems.append(Problem(art.file, f"alias {alias!r} also names {owner}",
                                            art.id))  # fmt: skip
                self._alias_ids.setdefault(key, art.id)
            for ident in (art.id, *art.also_known_as):
                self._alias_ids.setdefault(_norm(ident), art.id)
        self.licenses = lic_by_id
        self.artifacts = art_by_id
        self.aliases = _Lazy(self._alias_ids, art_by_id.__getitem__)
        for art in art_by_id.values():
            problems.extend(self._check_references(art))
        if problems:
            raise KnowledgeBaseError(problems)

    @classmethod
    def from_index(cls, header: Mapping[str, Any], entries: bytes) -> "KnowledgeBase":
        """A knowledge base read back from an index (already validated when written): the
        lookup maps in `header`, and each entry parsed from its span of `entries` only when
        first looked up."""

        def parse(span: list[int]) -> Any:
            return json.loads(entries[span[0] : span[0] + span[1]])

        kb = cls.__new__(cls)
        kb.licenses = _Lazy(header["licenses"], lambda span: _license_from(parse(span)))
        artifacts = _Lazy(header["artifacts"], lambda span: _artifact_from(parse(span)))
        kb.artifacts = artifacts
        kb._license_keys = {k: (v[0], v[1]) for k, v in header["license_keys"].items()}
        kb._license_urls = dict(header["license_urls"])
        kb._artifact_ids = dict(header["artifact_ids"])
        kb._alias_ids = dict(header["alias_ids"])
        kb.aliases = _Lazy(kb._alias_ids, artifacts.__getitem__)
        return kb

    def index_data(self) -> tuple[dict[str, Any], bytes]:
        """What `from_index` reads back: a JSON-ready header, and the entries, each a JSON
        document at the span (offset, length) the header gives for its id."""
        blob = bytearray()
        spans: dict[str, dict[str, list[int]]] = {"licenses": {}, "artifacts": {}}
        entries: dict[str, Mapping[str, Any]] = {"licenses": self.licenses,
                                                 "artifacts": self.artifacts}  # fmt: skip
        for part, mapping in entries.items():
            for key, entry in mapping.items():
                doc = json.dumps(_plain(entry), separators=(",", ":")).encode()
                spans[part][key] = [len(blob), len(doc)]
                blob += doc
        header = {
            **spans,
            "license_keys": self._license_keys,
            "license_urls": self._license_urls,
            "artifact_ids": self._artifact_ids,
            "alias_ids": self._alias_ids,
        }
        return header, bytes(blob)

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
        art_id = self._artifact_ids.get(ident.lower())
        return self.artifacts[art_id] if art_id is not None else None

    def find_license(self, text: str) -> LicenseMatch | None:
        """A license entry named by an id, Hub id, alias or name."""
        for key in (text.strip().lower(), _norm(text)):
            hit = self._license_keys.get(key)
            if hit is not None:
                return LicenseMatch(self.licenses[hit[0]], hit[1])
        return None

    def find_license_by_url(self, url: str) -> LicenseEntry | None:
        """A license entry whose text lives at `url`."""
        lic_id = self._license_urls.get(_norm_url(url))
        return self.licenses[lic_id] if lic_id is not None else None


INDEX_FORMAT = 3


def load_kb(folder: Path | None = None, use_index: bool = True) -> KnowledgeBase:
    """The knowledge base, from its compiled index when one matches the YAML files exactly
    (their names, sizes and modification times), else read, validated and indexed anew.

    Parsing ~200 YAML files costs a few hundred milliseconds; reading the index, about one:
    it parses the lookup maps and leaves each entry as bytes until it is looked up. Any edit
    to a YAML file changes its fingerprint, so the index can never be stale.
    """
    root = folder or shipped_kb_dir()
    if not root.is_dir():
        raise KnowledgeBaseError([Problem(str(root), "knowledge base folder not found")])
    index = _index_path(root) if use_index else None
    if index is not None:
        try:
            return _from_index(index.read_bytes())
        except (OSError, ValueError, KeyError, TypeError):
            pass  # missing, unreadable or from another version: rebuild it below
    kb = _load_yaml(root)
    if index is not None:
        _write_index(index, kb)
    return kb


def _index_path(root: Path) -> Path:
    """`<folder>-<contents>.idx`: one index per knowledge-base folder, named by the folder and
    by the names, sizes and modification times of its YAML files."""
    place = f"{INDEX_FORMAT}:{SCHEMA_VERSION}:{root.resolve()}"
    listing = [place]
    for sub in ("licenses", "models", "datasets", "services"):
        folder = root / sub
        if not folder.is_dir():
            continue
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                st = entry.stat()
                listing.append(f"{sub}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return cache_dir() / "kb" / f"{fingerprint([place])}-{fingerprint(listing)}.idx"


def _write_index(path: Path, kb: KnowledgeBase) -> None:
    """One file: a JSON header line, then the entries. The header carries the entries' size
    and CRC-32, so a truncated or altered file is rebuilt rather than half read."""
    header, entries = kb.index_data()
    header = {"format": INDEX_FORMAT, "size": len(entries), "crc32": zlib.crc32(entries),
              **header}  # fmt: skip
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(json.dumps(header, separators=(",", ":")).encode() + b"\n" + entries)
        os.replace(tmp, path)
        folder_part = path.name.split("-")[0]
        for old in [*path.parent.glob(f"{folder_part}-*.idx"), *path.parent.glob("*.json")]:
            if old != path:  # this folder's earlier index, or one in the old JSON format
                old.unlink(missing_ok=True)
    except OSError:
        pass  # an index we cannot write only costs the YAML parse next time


def _plain(value: Any) -> Any:
    """JSON-ready data from records, enums and containers."""
    if hasattr(value, "_asdict"):  # a record (NamedTuple): by field name, not as a list
        return _plain(value._asdict())
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _from_index(data: bytes) -> KnowledgeBase:
    end = data.index(b"\n")
    header = json.loads(data[:end])
    entries = data[end + 1 :]
    if header.get("format") != INDEX_FORMAT:
        raise ValueError("index format")
    if header["size"] != len(entries) or header["crc32"] != zlib.crc32(entries):
        raise ValueError("index damaged")
    return KnowledgeBase.from_index(header, entries)


def _license_from(x: Mapping[str, Any]) -> LicenseEntry:
    tuples = {k: tuple(x[k]) for k in ("hf_ids", "aliases", "urls", "sources")}
    return LicenseEntry(**{**x, "clauses": Clauses(**x["clauses"]), **tuples})


def _artifact_from(x: Mapping[str, Any]) -> ArtifactEntry:
    upstream = tuple(
        UpstreamFact(u["id"], Relation(u["relation"]), u["source"], u["line"])
        for u in x["upstream"]
    )
    tuples = {k: tuple(x[k]) for k in ("also_known_as", "aliases", "sources")}
    return ArtifactEntry(**{**x, "kind": NodeKind(x["kind"]), "license": FactRef(**x["license"]),
                            "upstream": upstream, **tuples})  # fmt: skip


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
