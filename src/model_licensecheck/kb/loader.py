"""The knowledge base: its entries read from the YAML, and lookups in its compiled form."""

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import Enum
from typing import Any, NamedTuple, TypeVar, overload

from ..errors import KnowledgeBaseError, Problem
from ..model import NodeKind, Relation
from ..paths import StrPath, yaml_files
from .index import CompiledFile, encode
from .schema import ArtifactEntry, Clauses, FactRef, LicenseEntry, UpstreamFact
from .validate import check, norm, norm_url, tokens

__all__ = ["KnowledgeBase", "LicenseMatch", "kb_sections", "load_kb", "read_yaml", "tokens"]

T = TypeVar("T")
D = TypeVar("D")

_FOLDERS = {"models": NodeKind.MODEL, "datasets": NodeKind.DATASET, "services": NodeKind.SERVICE}


class LicenseMatch(NamedTuple):
    """A license entry and the clue that found it."""

    entry: LicenseEntry
    matched_by: str


class _Lazy(Mapping[str, T]):
    """A map of a compiled file whose values are built on first access: from the document at
    each value's place (`file` given), or from the value itself. A run looks up a handful of
    the knowledge base's hundreds of entries.

    `get` and `in` answer without raising: card prose asks the alias map for every run of
    words in a card, nearly always in vain."""

    def __init__(
        self, raw: Mapping[str, Any], file: CompiledFile | None, build: Callable[[Any], T]
    ) -> None:
        self._raw = raw
        self._file = file
        self._build = build
        self._done: dict[str, T] = {}

    def __getitem__(self, key: str) -> T:
        value = self._done.get(key)
        if value is None:
            raw = self._raw[key]
            value = self._build(self._file.decode(raw) if self._file is not None else raw)
            self._done[key] = value
        return value

    @overload
    def get(self, key: str, /) -> T | None: ...
    @overload
    def get(self, key: str, /, default: T | D) -> T | D: ...
    def get(self, key: str, /, default: object = None) -> object:
        value = self._done.get(key)
        if value is not None:
            return value
        return self[key] if key in self._raw else default

    def __contains__(self, key: object) -> bool:
        return key in self._done or key in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class KnowledgeBase:
    """Validated knowledge-base entries, looked up in a compiled file (kb/index.py).

    Every knowledge base, the shipped one included, is read from a compiled file; a run
    decodes the maps and entries it uses, on first use.
    """

    licenses: Mapping[str, LicenseEntry]
    artifacts: Mapping[str, ArtifactEntry]
    aliases: Mapping[str, ArtifactEntry]
    """Normalised alias (or id) -> the entry it names, for matching card prose."""

    def __init__(self, file: CompiledFile) -> None:
        """The knowledge base a compiled file holds (its `kb_*` maps and entries)."""
        self.file = file
        self._license_keys = file.map("kb_license_keys")
        self._license_urls = file.map("kb_license_urls")
        self._artifact_ids = file.map("kb_artifact_ids")
        self.licenses = _Lazy(file.map("kb_licenses"), file, _license_from)
        self.artifacts = _Lazy(file.map("kb_artifacts"), file, _artifact_from)
        self.aliases = _Lazy(file.map("kb_alias_ids"), None, self.artifacts.__getitem__)

    @classmethod
    def from_entries(
        cls, licenses: Iterable[LicenseEntry], artifacts: Iterable[ArtifactEntry]
    ) -> "KnowledgeBase":
        """The knowledge base of these entries; raise KnowledgeBaseError with every problem."""
        return cls(CompiledFile(encode(*kb_sections(licenses, artifacts)), "knowledge base"))

    @property
    def digest(self) -> str:
        """A digest of the knowledge base's content, stable across machines (lock files)."""
        return str(self.file.document("kb_digest"))

    def artifact(self, ident: str) -> ArtifactEntry | None:
        """The entry for a Hub id, kb: id or service id (case-insensitive), if known."""
        art_id = self._artifact_ids.get(ident.lower())
        return self.artifacts[art_id] if art_id is not None else None

    def licensor(self, ident: str) -> str | None:
        """Who licenses an artifact: the knowledge base's `licensor` where it records one, else
        the Hub organisation of a Hub id; None for ids with neither (kb:, services, local)."""
        art = self.artifact(ident)
        if art is not None and art.licensor:
            return art.licensor.casefold()
        if "/" in ident and ":" not in ident:
            return ident.split("/", 1)[0].casefold()
        return None

    def find_license(self, text: str) -> LicenseMatch | None:
        """A license entry named by an id, Hub id, alias or name."""
        for key in (text.strip().lower(), norm(text)):
            hit = self._license_keys.get(key)
            if hit is not None:
                return LicenseMatch(self.licenses[hit[0]], hit[1])
        return None

    def find_license_by_url(self, url: str) -> LicenseEntry | None:
        """A license entry whose text lives at `url`."""
        lic_id = self._license_urls.get(norm_url(url))
        return self.licenses[lic_id] if lic_id is not None else None


def kb_sections(
    licenses: Iterable[LicenseEntry], artifacts: Iterable[ArtifactEntry]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """What a compiled file stores of a knowledge base: (documents, maps, entries); raise
    KnowledgeBaseError with every problem of the set."""
    licenses, artifacts = list(licenses), list(artifacts)
    tables, problems = check(licenses, artifacts)
    if problems:
        raise KnowledgeBaseError(problems)
    maps = {f"kb_{name}": table for name, table in tables.as_maps().items()}
    entries = {
        "kb_licenses": {x.id: _plain(x) for x in licenses},
        "kb_artifacts": {x.id: _plain(x) for x in artifacts},
    }
    import hashlib

    digest = hashlib.sha256(encode({}, maps, entries)).hexdigest()[:16]
    return {"kb_digest": digest}, maps, entries


def load_kb(folder: StrPath | None = None) -> KnowledgeBase:
    """The knowledge base: the shipped one, or the one in `folder` (compiled on first use into
    the user cache: compiled.py)."""
    from ..compiled import open_kb_folder, open_shipped

    return KnowledgeBase(open_kb_folder(folder) if folder is not None else open_shipped())


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


def _license_from(x: Mapping[str, Any]) -> LicenseEntry:
    tuples = {k: tuple(x[k]) for k in ("hf_ids", "aliases", "urls", "sources")}
    return LicenseEntry(**{**x, "clauses": Clauses(**x["clauses"]), **tuples})


def _artifact_from(x: Mapping[str, Any]) -> ArtifactEntry:
    upstream = tuple(
        UpstreamFact(u["id"], Relation(u["relation"]), u["source"], u["line"], u["external"])
        for u in x["upstream"]
    )
    tuples = {k: tuple(x[k]) for k in ("also_known_as", "aliases", "sources", "names")}
    return ArtifactEntry(**{**x, "kind": NodeKind(x["kind"]), "license": FactRef(**x["license"]),
                            "upstream": upstream, **tuples})  # fmt: skip


def read_yaml(root: StrPath) -> tuple[list[LicenseEntry], list[ArtifactEntry]]:
    """Read and check every file of the knowledge base in `root`, each on its own; raise
    KnowledgeBaseError with every problem found."""
    from ..validation import Collector
    from .parse import parse_artifacts, parse_license

    root = os.fspath(root)
    if not os.path.isdir(root):
        raise KnowledgeBaseError([Problem(root, "knowledge base folder not found")])
    problems: list[Problem] = []
    licenses: list[LicenseEntry] = []
    artifacts: list[ArtifactEntry] = []
    for path in yaml_files(os.path.join(root, "licenses")):
        data = _read(path, root, problems)
        if isinstance(data, Mapping):
            c = Collector(_rel(path, root))
            entry = parse_license(data, c)
            problems.extend(c.problems)
            if entry is not None:
                licenses.append(entry)
    for folder_name, kind in _FOLDERS.items():
        for path in yaml_files(os.path.join(root, folder_name)):
            data = _read(path, root, problems)
            if isinstance(data, Mapping):
                c = Collector(_rel(path, root))
                artifacts.extend(parse_artifacts(data, c, kind))
                problems.extend(c.problems)
    if problems:
        raise KnowledgeBaseError(problems)
    return licenses, artifacts


def _rel(path: str, root: str) -> str:
    return "license_db/" + os.path.relpath(path, root).replace(os.sep, "/")


def _read(path: str, root: str, problems: list[Problem]) -> object:
    from ..errors import YamlError
    from ..yamlio import load

    try:
        with open(path, encoding="utf-8") as handle:
            data = load(handle.read())
    except (OSError, UnicodeDecodeError, YamlError) as exc:
        problems.append(Problem(_rel(path, root), str(exc)))
        return None
    if not isinstance(data, Mapping):
        problems.append(Problem(_rel(path, root), "must be a YAML mapping"))
    return data
