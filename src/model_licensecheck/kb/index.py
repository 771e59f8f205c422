"""The compiled knowledge-base index: one file, read a bucket or an entry at a time.

Layout: a one-line JSON preamble, then a body of JSON documents. The preamble gives the body's
size and, for each named map, the places (offset, length, CRC-32) of its buckets: a key lives
in bucket `crc32(key) % buckets`, about 16 keys to a bucket. The maps `licenses` and
`artifacts` map each entry id to the place of that entry's own document.

A run looks up a handful of the knowledge base's hundreds of entries, so it reads the preamble,
one small bucket per key it looks up and those entries: a few kilobytes of an ~800 kB file,
where decoding a whole lookup map cost more than the lookup itself. Each piece is checked
against its CRC when read; a mismatch raises `IndexDamaged` and the caller rebuilds from the
YAML, so a damaged file can cost time but never give a wrong answer.
"""

import json
import os
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..paths import StrPath, write_atomic

FORMAT = 7
Place = list[int]
"""[offset in the body, length, CRC-32]"""
BUCKET_KEYS = 16
"""About how many keys share a bucket."""


class IndexDamaged(Exception):
    """A piece of the index does not match its recorded size or checksum."""


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _bucket_of(key: str, buckets: int) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % buckets


def write_index(
    path: StrPath, maps: Mapping[str, Mapping[str, Any]], entries: Mapping[str, Mapping[str, Any]]
) -> None:
    """Write `maps` (name -> key -> JSON-ready value) and `entries` (part -> id -> JSON-ready
    document; each part becomes a map from id to the document's place) atomically to `path`."""
    body = bytearray()

    def add(data: bytes) -> Place:
        place = [len(body), len(data), zlib.crc32(data)]
        body.extend(data)
        return place

    def add_map(mapping: Mapping[str, Any]) -> list[Place]:
        count = max(1, len(mapping) // BUCKET_KEYS)
        buckets: list[dict[str, Any]] = [{} for _ in range(count)]
        for key, value in mapping.items():
            buckets[_bucket_of(key, count)][key] = value
        return [add(_dumps(bucket)) for bucket in buckets]

    places: dict[str, list[Place]] = {}
    for part, docs in entries.items():
        places[part] = add_map({key: add(_dumps(doc)) for key, doc in docs.items()})
    for name, mapping in maps.items():
        places[name] = add_map(mapping)
    preamble = _dumps({"format": FORMAT, "size": len(body), "maps": places})
    write_atomic(path, preamble + b"\n" + body, private=True)


class IndexFile:
    """An index file opened for reading: its preamble read and its size checked.

    The file stays open while this object lives, so every piece comes from the file the
    preamble came from, even if another run replaces the index meanwhile (it renames a new
    file into place; this one's content does not change).
    """

    def __init__(self, path: StrPath) -> None:
        """Raise OSError or ValueError when the file is missing, of another format, or not
        the size its preamble says."""
        self.path = path
        self._fd = -1
        with open(path, "rb") as handle:
            first = handle.readline(1 << 20)
            size = os.fstat(handle.fileno()).st_size
            preamble = json.loads(first)
            if not isinstance(preamble, dict) or preamble.get("format") != FORMAT:
                raise ValueError("index format")
            if size - len(first) != preamble["size"] or not first.endswith(b"\n"):
                raise ValueError("index size")
            if not isinstance(preamble["maps"], dict):
                raise ValueError("index maps")
            self._fd = os.dup(handle.fileno())
        self._body = len(first)
        self._size: int = preamble["size"]
        self._maps: Mapping[str, list[Place]] = preamble["maps"]

    def __del__(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)

    def read(self, place: Place) -> Any:
        """The JSON document at `place`; raise IndexDamaged if it is not what was written."""
        try:
            offset, length, crc = place
            if not (offset >= 0 and 0 <= length <= self._size - offset):
                raise ValueError(f"place {place} outside the body")
            data = os.pread(self._fd, length, self._body + offset)
        except (OSError, TypeError, ValueError) as exc:
            raise IndexDamaged(str(exc)) from exc
        if len(data) != length or zlib.crc32(data) != crc:
            raise IndexDamaged(f"{self.path}: checksum mismatch")
        return json.loads(data)

    def map(self, name: str, on_damage: Callable[[], Mapping[str, Any]]) -> "IndexMap":
        """The map called `name`, read a bucket at a time. Should a bucket be damaged (or the
        map missing), `on_damage()` gives the mapping to answer from instead."""
        buckets = self._maps.get(name)
        if not isinstance(buckets, list) or not buckets:
            raise IndexDamaged(f"{self.path}: no map {name!r}")
        return IndexMap(self, buckets, on_damage)


class IndexMap(Mapping[str, Any]):
    """One map of the index. A lookup reads (once) only the bucket its key falls in; iterating
    reads them all."""

    def __init__(
        self, index: IndexFile, buckets: list[Place], on_damage: Callable[[], Mapping[str, Any]]
    ) -> None:
        self._index = index
        self._places = buckets
        self._read: dict[int, Mapping[str, Any]] = {}
        self._on_damage = on_damage
        self._instead: Mapping[str, Any] | None = None
        self._merged: dict[str, Any] | None = None

    def _bucket(self, number: int) -> Mapping[str, Any]:
        found = self._read.get(number)
        if found is None:
            try:
                found = self._index.read(self._places[number])
            except (IndexDamaged, ValueError):
                found = None
            if not isinstance(found, dict):
                raise IndexDamaged(f"{self._index.path}: damaged bucket")
            self._read[number] = found
        return found

    def _answer(self, key: str) -> Mapping[str, Any]:
        """The mapping that holds `key`, if anything does: its bucket, or the replacement."""
        if self._instead is None:
            try:
                return self._bucket(_bucket_of(key, len(self._places)))
            except IndexDamaged:
                self._instead = self._on_damage()
        return self._instead

    def __getitem__(self, key: str) -> Any:
        return self._answer(key)[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._answer(key).get(key, default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._answer(key)

    def _all(self) -> Mapping[str, Any]:
        if self._instead is None and self._merged is None:
            merged: dict[str, Any] = {}
            try:
                for number in range(len(self._places)):
                    merged.update(self._bucket(number))
            except IndexDamaged:
                self._instead = self._on_damage()
            else:
                self._merged = merged
        return self._instead if self._instead is not None else self._merged or {}

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())
