"""Where the shipped rules and knowledge base live (installed or in a source checkout), and the
cache that keeps their compiled forms.

Paths on the start-up path are plain strings handled with `os.path`: `pathlib` pulls in
`urllib.parse` and `ipaddress` and cost ~5 ms of a ~75 ms offline check. Modules that read or
write many files off that path (YAML validation, local targets, reports) use `pathlib`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TypeAlias

StrPath: TypeAlias = str | os.PathLike[str]
"""A path as callers may give it: text or any path object (`pathlib.Path` included)."""

_PACKAGE = os.path.dirname(os.path.realpath(__file__))


def _data_dir(name: str) -> str:
    # A wheel carries the folders under model_licensecheck/_data/ (pyproject's force-include);
    # an editable install or a checkout reads them from the repository root.
    installed = os.path.join(_PACKAGE, "_data", name)
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(os.path.dirname(_PACKAGE)), name)


def shipped_rules_dir() -> str:
    """The folder of rule files that ship with the tool."""
    return _data_dir("rules")


def shipped_kb_dir() -> str:
    """The bundled knowledge base folder."""
    return _data_dir("license_db")


def shipped_compiled_file() -> str | None:
    """The compiled knowledge base and rules an installed wheel carries (compiled.py); None in
    a source checkout or an editable install, which compile the YAML into the cache."""
    path = os.path.join(_PACKAGE, "_data", "compiled.lcdb")
    return path if os.path.isfile(path) else None


def cache_dir() -> str:
    """$MODEL_LICENSECHECK_CACHE, else $XDG_CACHE_HOME/model-licensecheck, else ~/.cache/…"""
    explicit = os.environ.get("MODEL_LICENSECHECK_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "model-licensecheck")


def yaml_files(folder: StrPath, suffixes: tuple[str, ...] = (".yaml",)) -> list[str]:
    """The files directly in `folder` whose names end in `suffixes`, sorted by name; none when
    `folder` is missing, not a folder or unreadable."""
    return [entry.path for entry in yaml_entries(folder, suffixes)]


def yaml_entries(folder: StrPath, suffixes: tuple[str, ...] = (".yaml",)) -> list[os.DirEntry[str]]:
    """`yaml_files` as directory entries (their `stat()` is cached)."""
    try:
        with os.scandir(os.fspath(folder)) as entries:
            found = [e for e in entries if e.name.endswith(suffixes) and e.is_file()]
    except OSError:
        return []
    found.sort(key=lambda e: e.name)
    return found


def hub_offline_from_env() -> bool:
    """HF_HUB_OFFLINE, read the way the Hub's own tools read it."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "on", "yes", "true")


def fingerprint(parts: list[str]) -> str:
    """A 64-bit hex digest of a listing (names, sizes, modification times) for cache keys.

    zlib's checksums import in microseconds where hashlib's OpenSSL costs milliseconds at
    start-up; two of them with the length make an accidental collision negligible.
    """
    import zlib

    data = "\n".join(parts).encode()
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"


def write_atomic(
    path: StrPath, data: str | bytes | Iterable[str], *, private: bool = False
) -> None:
    """Write `data` (text as UTF-8; or text in pieces, written as they come, for reports too
    large to hold) to `path` through a temporary file in the same folder, made first if need
    be: a reader sees the old file or the new one, never half of one. Every report, index and
    cache file is written this way.

    The file gets the permissions `open()` would give a new file (0666 less the umask): a
    report the user asked for is theirs to share. `private=True` makes it 0600 (caches).
    """
    folder, name = os.path.split(os.fspath(path))
    os.makedirs(folder or ".", exist_ok=True)
    # The temporary file is created with its final mode and the kernel applies the umask, so
    # the umask is never read or changed (that would be process-wide, and racy in threads).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    mode = 0o600 if private else 0o666
    for _ in range(100):
        tmp = os.path.join(folder or ".", f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            fd = os.open(tmp, flags, mode)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"no free temporary name beside {path}")
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, str | bytes):
                handle.write(data.encode() if isinstance(data, str) else data)
            else:
                for piece in data:
                    handle.write(piece.encode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


SCHEMA_NAMES = ("policy", "manifest", "rules")
"""The JSON Schemas (draft 2020-12) shipped in `model_licensecheck/schemas/`, for editors."""


def schema_file(name: str) -> str:
    """The path of a shipped JSON Schema: `policy`, `manifest` or `rules`."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"no schema named {name!r} (expected one of {', '.join(SCHEMA_NAMES)})")
    return os.path.join(_PACKAGE, "schemas", f"{name}.json")
