"""The compiled file: the knowledge base and rules in one file, read whole, decoded by piece.

Layout: a one-line JSON preamble, then a body of JSON documents. The preamble gives the
format, the body's size and CRC-32, each named document's place, and for each named map the
places (offset, length) of its buckets: a key lives in bucket `crc32(key) % buckets`, about 16
keys to a bucket.

A run looks up a handful of the knowledge base's hundreds of entries, so it decodes the
preamble, one small bucket per key it looks up and those entries: a few kilobytes of a ~1 MB
file, where decoding everything would cost more than the lookups. Opening reads the file in
one read and checks its size and checksum: a damaged or foreign file is refused whole when it
is opened, so no answer is ever decoded from a damaged piece and nothing is repaired later.
"""

import json
import zlib
from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import CompiledFileError
from ..paths import StrPath

FORMAT = 8
Place = list[int]
"""[offset in the body, length]"""
BUCKET_KEYS = 16
"""About how many keys share a bucket."""


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def _bucket_of(key: str, buckets: int) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % buckets


def encode(
    documents: Mapping[str, Any],
    maps: Mapping[str, Mapping[str, Any]],
    entries: Mapping[str, Mapping[str, Any]],
) -> bytes:
    """The file holding `documents` (name -> JSON-ready value, read whole), `maps` (name -> key
    -> JSON-ready value, read a bucket at a time) and `entries` (part -> id -> JSON-ready
    document; each part becomes a map from id to the document's place). Deterministic: the
    same input gives the same bytes."""
    body = bytearray()

    def add(data: bytes) -> Place:
        place = [len(body), len(data)]
        body.extend(data)
        return place

    def add_map(mapping: Mapping[str, Any]) -> list[Place]:
        count = max(1, len(mapping) // BUCKET_KEYS)
        buckets: list[dict[str, Any]] = [{} for _ in range(count)]
        for key in sorted(mapping):
            buckets[_bucket_of(key, count)][key] = mapping[key]
        return [add(_dumps(bucket)) for bucket in buckets]

    places: dict[str, list[Place]] = {}
    for part in sorted(entries):
        docs = entries[part]
        places[part] = add_map({key: add(_dumps(docs[key])) for key in sorted(docs)})
    for name in sorted(maps):
        places[name] = add_map(maps[name])
    named = {name: add(_dumps(documents[name])) for name in sorted(documents)}
    preamble = {"format": FORMAT, "size": len(body), "crc": zlib.crc32(body),
                "maps": places, "documents": named}  # fmt: skip
    return _dumps(preamble) + b"\n" + bytes(body)


class CompiledFile:
    """A compiled file, read and checked: its documents and maps decode on first use."""

    def __init__(self, data: bytes, name: str) -> None:
        """Raise CompiledFileError when `data` is not a whole compiled file of this format."""
        self.name = name
        end = data.find(b"\n")
        try:
            preamble = json.loads(data[:end]) if end > 0 else None
            if not isinstance(preamble, dict) or preamble.get("format") != FORMAT:
                raise ValueError("not a compiled file of this version")
            body = memoryview(data)[end + 1 :]
            if len(body) != preamble["size"] or zlib.crc32(body) != preamble["crc"]:
                raise ValueError("size or checksum mismatch")
            if not (isinstance(preamble["maps"], dict) and isinstance(preamble["documents"], dict)):
                raise ValueError("no maps")
        except (ValueError, KeyError, TypeError) as exc:
            raise CompiledFileError(name, str(exc)) from exc
        self._data = data
        self._start = end + 1
        self._maps: Mapping[str, list[Place]] = preamble["maps"]
        self._documents: Mapping[str, Place] = preamble["documents"]

    @classmethod
    def read(cls, path: StrPath) -> "CompiledFile":
        """The compiled file at `path`; raise OSError or CompiledFileError."""
        with open(path, "rb") as handle:
            return cls(handle.read(), str(path))

    def decode(self, place: Place) -> Any:
        """The JSON document at `place` (the file was checked whole when opened)."""
        offset, length = place
        start = self._start + offset
        return json.loads(self._data[start : start + length])

    def has(self, name: str) -> bool:
        """Whether the file holds the document or map `name`."""
        return name in self._documents or name in self._maps

    def document(self, name: str) -> Any:
        """The document called `name`."""
        place = self._documents.get(name)
        if place is None:
            raise CompiledFileError(self.name, f"no document {name!r}")
        return self.decode(place)

    def map(self, name: str) -> "CompiledMap":
        """The map called `name`, decoded a bucket at a time."""
        buckets = self._maps.get(name)
        if not isinstance(buckets, list) or not buckets:
            raise CompiledFileError(self.name, f"no map {name!r}")
        return CompiledMap(self, buckets)


class CompiledMap(Mapping[str, Any]):
    """One map of a compiled file. A lookup decodes (once) only the bucket its key falls in;
    iterating decodes them all."""

    def __init__(self, file: CompiledFile, buckets: list[Place]) -> None:
        self._file = file
        self._places = buckets
        self._decoded: dict[int, Mapping[str, Any]] = {}

    def _bucket(self, key: str) -> Mapping[str, Any]:
        number = _bucket_of(key, len(self._places))
        found = self._decoded.get(number)
        if found is None:
            found = self._decoded[number] = self._file.decode(self._places[number])
        return found

    def __getitem__(self, key: str) -> Any:
        return self._bucket(key)[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._bucket(key).get(key, default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._bucket(key)

    def _all(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for place in self._places:
            merged.update(self._file.decode(place))
        return merged

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._all()))

    def __len__(self) -> int:
        return len(self._all())
