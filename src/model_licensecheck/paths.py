"""Where the shipped rules and knowledge base live, installed or in a source checkout."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # A wheel carries the folders under model_licensecheck/_data/ (pyproject's force-include);
    # an editable install or a checkout reads them from the repository root.
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / name


def shipped_rules_dir() -> Path:
    """The folder of rule files that ship with the tool."""
    return _data_dir("rules")


def shipped_kb_dir() -> Path:
    """The bundled knowledge base folder."""
    return _data_dir("license_db")


def cache_dir() -> Path:
    """$MODEL_LICENSECHECK_CACHE, else $XDG_CACHE_HOME/model-licensecheck, else ~/.cache/…"""
    explicit = os.environ.get("MODEL_LICENSECHECK_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "model-licensecheck"


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


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a burst of allocation that makes no cycles.

    Judging or rendering a large lineage allocates millions of small immutable objects; each
    full collection then walks the whole heap again, which made time grow faster than the
    graph. Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
