"""Load the knowledge base from its folder, check its invariants, and index it for lookups."""

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import Enum
from functools import cache, partial
from typing import Any, NamedTuple, TypeVar, overload

from ..errors import KnowledgeBaseError, Problem
from ..model import NodeKind, Relation
from ..paths import StrPath, cache_dir, fingerprint, shipped_kb_dir, yaml_entries, yaml_files
from .index import FORMAT as INDEX_FORMAT
from .index import IndexDamaged, IndexFile, write_index
from .schema import (
    SCHEMA_VERSION,
    ArtifactEntry,
    Clauses,
    FactRef,
    LicenseEntry,
    UpstreamFact,
)

T = TypeVar("T")
D = TypeVar("D")
E = TypeVar("E")

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
    """A mapping whose keys come from `keys()` (read on first use) and whose values are built
    from each key and its raw value on first access: a run looks up a handful of the
    knowledge base's hundreds of entries.

    `get` and `in` answer without raising: card prose asks the alias map for every run of
    words in a card, nearly always in vain."""

    def __init__(
        self, keys: Callable[[], Mapping[str, Any]], build: Callable[[str, Any], T]
    ) -> None:
        self._keys = keys
        self._raw: Mapping[str, Any] | None = None
        self._build = build
        self._done: dict[str, T] = {}

    def _source(self) -> Mapping[str, Any]:
        if self._raw is None:
            self._raw = self._keys()
        return self._raw

    def __getitem__(self, key: str) -> T:
        value = self._done.get(key)
        if value is None:
            value = self._done[key] = self._build(key, self._source()[key])
        return value

    @overload
    def get(self, key: str, /) -> T | None: ...
    @overload
    def get(self, key: str, /, default: T | D) -> T | D: ...
    def get(self, key: str, /, default: object = None) -> object:
        value = self._done.get(key)
        if value is not None:
            return value
        raw = self._source().get(key)
        return default if raw is None else self[key]

    def __contains__(self, key: object) -> bool:
        return key in self._done or key in self._source()

    def __iter__(self) -> Iterator[str]:
        return iter(self._source())

    def __len__(self) -> int:
        return len(self._source())


class KnowledgeBase:
    """Indexed, validated knowledge-base entries.

    Lookups go through plain maps from normalised keys to entry ids. A knowledge base read
    back from its compiled index (`from_index`) reads each map and entry when first used; if a
    piece turns out damaged, it rebuilds itself from the YAML and answers from that.
    """

    licenses: Mapping[str, LicenseEntry]
    artifacts: Mapping[str, ArtifactEntry]
    aliases: Mapping[str, ArtifactEntry]
    """Normalised alias (or id) -> the entry it names, for matching card prose."""

    def __init__(self, licenses: Iterable[LicenseEntry], artifacts: Iterable[ArtifactEntry]):
        lic_by_id: dict[str, LicenseEntry] = {}
        art_by_id: dict[str, ArtifactEntry] = {}
        license_keys: dict[str, tuple[str, str]] = {}
        license_urls: dict[str, str] = {}
        artifact_ids: dict[str, str] = {}
        alias_ids: dict[str, str] = {}
        problems: list[Problem] = []

        for lic in licenses:
            if lic.id.lower() in license_keys:
                problems.append(Problem(lic.file, "duplicate license id", lic.id, "id"))
            lic_by_id[lic.id] = lic
            keys = [(lic.id, "id")] + [(h, "hf-id") for h in lic.hf_ids]
            keys += [(a, "alias") for a in lic.aliases]
            for key, how in keys:
                for variant in {key.lower(), _norm(key)}:
                    other = license_keys.get(variant)
                    if other is not None and other[0] != lic.id:
                        problems.append(Problem(lic.file, f"{key!r} also names {other[0]}", lic.id))
                    license_keys.setdefault(variant, (lic.id, how))
            for url in lic.urls:
                license_urls.setdefault(_norm_url(url), lic.id)

        for art in artifacts:
            for ident in (art.id, *art.also_known_as, *art.names):
                other_id = artifact_ids.get(ident.lower())
                if other_id is not None:
                    problems.append(Problem(art.file, f"id {ident!r} also names {other_id}",
                                            art.id))  # fmt: skip
                artifact_ids[ident.lower()] = art.id
            art_by_id[art.id] = art
        for art in art_by_id.values():
            for alias in art.aliases:
                key = _norm(alias)
                if len(key) < 4:
                    problems.append(Problem(art.file, f"alias {alias!r} is too short", art.id))
                    continue
                owner = alias_ids.get(key) or artifact_ids.get(key)
                if owner is not None and owner != art.id:
                    problems.append(Problem(art.file, f"alias {alias!r} also names {owner}",
                                            art.id))  # fmt: skip
                alias_ids.setdefault(key, art.id)
            for ident in (art.id, *art.also_known_as):
                alias_ids.setdefault(_norm(ident), art.id)
        self._index: IndexFile | None = None
        self._rebuild: Callable[[], KnowledgeBase] | None = None
        self._maps: dict[str, Mapping[str, Any]] = {
            "license_keys": license_keys,
            "license_urls": license_urls,
            "artifact_ids": artifact_ids,
            "alias_ids": alias_ids,
            "licenses": lic_by_id,
            "artifacts": art_by_id,
        }
        self.licenses = lic_by_id
        self.artifacts = art_by_id
        self.aliases = _Lazy(lambda: self._map("alias_ids"), self._aliased)
        for art in art_by_id.values():
            problems.extend(self._check_references(art))
        if problems:
            raise KnowledgeBaseError(problems)

    @classmethod
    def from_index(
        cls, index: IndexFile, rebuild: Callable[[], "KnowledgeBase"]
    ) -> "KnowledgeBase":
        """A knowledge base read lazily from a compiled index (validated when written);
        `rebuild` reads the YAML again should a piece of the index be damaged."""
        kb = cls.__new__(cls)
        kb._index = index
        kb._rebuild = rebuild
        kb._maps = {}
        kb.licenses = _Lazy(lambda: kb._map("licenses"),
                            partial(kb._entry_at, "licenses", _license_from))  # fmt: skip
        kb.artifacts = _Lazy(lambda: kb._map("artifacts"),
                             partial(kb._entry_at, "artifacts", _artifact_from))  # fmt: skip
        kb.aliases = _Lazy(lambda: kb._map("alias_ids"), kb._aliased)
        return kb

    def _map(self, name: str) -> Mapping[str, Any]:
        found = self._maps.get(name)
        if found is None:
            if self._index is None:
                raise KeyError(name)
            try:
                found = self._maps[name] = self._index.map(name, partial(self._recovered, name))
            except IndexDamaged:
                return self._recovered(name)
        return found

    def _recovered(self, name: str) -> Mapping[str, Any]:
        """Map `name` once a damaged index made this knowledge base reread the YAML."""
        self._recover()
        return self._maps[name]

    def _entry_at(self, part: str, make: Callable[[Mapping[str, Any]], E], key: str, raw: Any) -> E:
        """Entry `key` of `part` ("licenses" or "artifacts"), parsed from the index at the
        place `raw`; once a damaged index made this knowledge base reread the YAML, from that."""
        if self._index is None:
            return getattr(self, part)[key]  # type: ignore[no-any-return]
        try:
            return make(self._index.read(raw))
        except (IndexDamaged, ValueError, KeyError, TypeError):
            self._recover()
            return getattr(self, part)[key]  # type: ignore[no-any-return]

    def _aliased(self, _alias: str, art_id: str) -> ArtifactEntry:
        return self.artifacts[art_id]

    def _recover(self) -> None:
        """Replace everything read from a damaged index with the YAML, read anew."""
        if self._rebuild is None:
            raise KnowledgeBaseError([Problem("knowledge base index", "damaged")])
        fresh = self._rebuild()
        self.__dict__.update(fresh.__dict__)

    def index_sections(self) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """What `write_index` stores: the lookup maps, and every entry as JSON-ready data."""
        maps = {name: dict(self._map(name)) for name in
                ("license_keys", "license_urls", "artifact_ids", "alias_ids")}  # fmt: skip
        entries = {
            "licenses": {key: _plain(entry) for key, entry in self.licenses.items()},
            "artifacts": {key: _plain(entry) for key, entry in self.artifacts.items()},
        }
        return maps, entries

    def _check_references(self, art: ArtifactEntry) -> list[Problem]:
        out: list[Problem] = []
        if self.find_license(art.license.id) is None:
            out.append(Problem(art.file, f"unknown license {art.license.id!r}", art.id, "license"))
        for up in art.upstream:
            known = self.artifact(up.id) is not None
            if up.external and known:
                out.append(Problem(art.file, f"upstream {up.id!r} is in the knowledge base: "
                                   "drop `external`", art.id, "upstream"))  # fmt: skip
            elif not up.external and not known:
                out.append(Problem(art.file, f"unknown upstream {up.id!r} (mark an edge to an "
                                   "artifact this knowledge base does not describe `external: "
                                   "true`)", art.id, "upstream"))  # fmt: skip
        return out

    def artifact(self, ident: str) -> ArtifactEntry | None:
        """The entry for a Hub id, kb: id or service id (case-insensitive), if known."""
        art_id = self._map("artifact_ids").get(ident.lower())
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
        keys = self._map("license_keys")
        for key in (text.strip().lower(), _norm(text)):
            hit = keys.get(key)
            if hit is not None:
                return LicenseMatch(self.licenses[hit[0]], hit[1])
        return None

    def find_license_by_url(self, url: str) -> LicenseEntry | None:
        """A license entry whose text lives at `url`."""
        lic_id = self._map("license_urls").get(_norm_url(url))
        return self.licenses[lic_id] if lic_id is not None else None


def load_kb(folder: StrPath | None = None, use_index: bool = True) -> KnowledgeBase:
    """The knowledge base, from its compiled index when one matches the YAML files exactly
    (their names, sizes and modification times), else read, validated and indexed anew.

    Parsing ~200 YAML files costs a few hundred milliseconds; opening the index, well under
    one: maps and entries are read as they are needed (`kb/index.py`). Any edit to a YAML file
    changes its fingerprint, so the index can never be stale.
    """
    root = os.fspath(folder) if folder else shipped_kb_dir()
    if not os.path.isdir(root):
        raise KnowledgeBaseError([Problem(root, "knowledge base folder not found")])
    if not use_index:
        return _load_yaml(root)
    path = _index_path(root)

    def rebuild() -> KnowledgeBase:
        kb = _load_yaml(root)
        _write_index(path, kb)
        return kb

    try:
        return KnowledgeBase.from_index(IndexFile(path), rebuild)
    except (OSError, ValueError, KeyError, TypeError):
        return rebuild()  # missing, unreadable or from another version


def _index_path(root: str) -> str:
    """`<folder>-<contents>.idx`: one index per knowledge-base folder, named by the folder and
    by the names, sizes and modification times of its YAML files."""
    place = os.path.realpath(root)
    listing = [f"{INDEX_FORMAT}:{SCHEMA_VERSION}:{place}"]
    for sub in ("licenses", "models", "datasets", "services"):
        for entry in yaml_entries(os.path.join(root, sub)):
            st = entry.stat()
            listing.append(f"{sub}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return os.path.join(cache_dir(), "kb", f"{fingerprint([place])}-{fingerprint(listing)}.idx")


def _write_index(path: str, kb: KnowledgeBase) -> None:
    folder, name = os.path.split(path)
    try:
        os.makedirs(folder, exist_ok=True)
        write_index(path, *kb.index_sections())
        folder_part = name.split("-")[0]
        with os.scandir(folder) as entries:
            stale = [e.path for e in entries if e.name != name and (
                e.name.endswith(".json")  # the old JSON format
                or (e.name.startswith(f"{folder_part}-") and e.name.endswith(".idx")))]  # fmt: skip
        for old in stale:  # this folder's earlier indexes
            os.unlink(old)
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


def _load_yaml(root: str) -> KnowledgeBase:
    """Read and validate every file of the knowledge base; raise with every problem found."""
    from ..validation import Collector
    from .parse import parse_artifacts, parse_license

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
    return KnowledgeBase(licenses, artifacts)


def _rel(path: str, root: str) -> str:
    return "license_db/" + os.path.relpath(path, root).replace(os.sep, "/")


def _read(path: str, root: str, problems: list[Problem]) -> object:
    from ..yamlio import YamlError, load

    try:
        with open(path, encoding="utf-8") as handle:
            data = load(handle.read())
    except (OSError, UnicodeDecodeError, YamlError) as exc:
        problems.append(Problem(_rel(path, root), str(exc)))
        return None
    if not isinstance(data, Mapping):
        problems.append(Problem(_rel(path, root), "must be a YAML mapping"))
    return data
