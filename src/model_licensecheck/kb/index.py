"""The compiled knowledge-base index: one file, read a section or an entry at a time.

Layout: a one-line JSON preamble, then a body of JSON documents. The preamble gives the body's
size and, for each named section, its place in the body (offset, length, CRC-32). A section
`licenses` or `artifacts` maps each entry id to the place of that entry's own document.

A run looks up a handful of the knowledge base's hundreds of entries, so it reads the preamble,
the one or two lookup maps it needs and those entries: about a fifth of the file. Each piece is
checked against its CRC when read; a mismatch raises `IndexDamaged` and the caller rebuilds
from the YAML, so a damaged file can cost time but never give a wrong answer.
"""

import json
import os
import zlib
from collections.abc import Mapping
from typing import Any

from ..paths import StrPath

FORMAT = 5
Place = list[int]
"""[offset in the body, length, CRC-32]"""


class IndexDamaged(Exception):
    """A piece of the index does not match its recorded size or checksum."""


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def write_index(
    path: StrPath, sections: Mapping[str, Any], entries: Mapping[str, Mapping[str, Any]]
) -> None:
    """Write `sections` (name -> JSON-ready value) and `entries` (part -> id -> JSON-ready
    document; each part becomes a section of places) atomically to `path`."""
    body = bytearray()
    places: dict[str, Place] = {}

    def add(data: bytes) -> Place:
        place = [len(body), len(data), zlib.crc32(data)]
        body.extend(data)
        return place

    for part, docs in entries.items():
        places[part] = add(_dumps({key: add(_dumps(doc)) for key, doc in docs.items()}))
    for name, value in sections.items():
        places[name] = add(_dumps(value))
    preamble = _dumps({"format": FORMAT, "size": len(body), "sections": places})
    tmp = f"{os.fspath(path)}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as handle:
            handle.write(preamble + b"\n" + body)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class IndexFile:
    """An index file opened for reading: its preamble read and its size checked."""

    def __init__(self, path: StrPath) -> None:
        """Raise OSError or ValueError when the file is missing, of another format, or not
        the size its preamble says."""
        with open(path, "rb") as handle:
            first = handle.readline(1 << 16)
            size = os.fstat(handle.fileno()).st_size
        preamble = json.loads(first)
        if not isinstance(preamble, dict) or preamble.get("format") != FORMAT:
            raise ValueError("index format")
        if size - len(first) != preamble["size"] or not first.endswith(b"\n"):
            raise ValueError("index size")
        self.path = path
        self._body = len(first)
        self._sections: Mapping[str, Place] = preamble["sections"]

    def read(self, place: Place) -> Any:
        """The JSON document at `place`; raise IndexDamaged if it is not what was written."""
        offset, length, crc = place
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._body + offset)
                data = handle.read(length)
        except OSError as exc:
            raise IndexDamaged(str(exc)) from exc
        if len(data) != length or zlib.crc32(data) != crc:
            raise IndexDamaged(f"{self.path}: checksum mismatch")
        return json.loads(data)

    def section(self, name: str) -> Any:
        """The section called `name`."""
        try:
            place = self._sections[name]
        except KeyError:
            raise IndexDamaged(f"{self.path}: no section {name!r}") from None
        return self.read(place)
