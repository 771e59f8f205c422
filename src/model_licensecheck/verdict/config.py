"""Where a team keeps its policy: `.licensecheck.yml` or `[tool.licensecheck]` in
`pyproject.toml`, found from the working directory up to the repository root (as ruff and
black find theirs); and the TOML table read with the lines of its keys."""

from __future__ import annotations

import os
import re
from typing import Any

from ..errors import PolicyError, Problem
from ..paths import StrPath

# Discovery runs on every check, so it uses os.path only; tomllib and the YAML line records
# load when a pyproject.toml that mentions this tool is read (tests/test_startup.py).

CONFIG_NAMES = (".licensecheck.yml", ".licensecheck.yaml", "pyproject.toml")
"""The files looked for in each folder, the first that applies winning: a dedicated file
beats `pyproject.toml` in the same folder (it exists only to configure this tool)."""

PYPROJECT_TABLE = ("tool", "licensecheck")


def discover_policy(start: StrPath) -> str | None:
    """The nearest policy from `start` upward: a `.licensecheck.yml`/`.yaml`, or a
    `pyproject.toml` that has a `[tool.licensecheck]` table (one without it is passed over).
    The walk stops after the folder holding `.git` (the repository root) or at the
    filesystem root, so a policy outside the repository never applies by surprise."""
    folder = os.path.realpath(start)
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(folder, name)
            if not os.path.isfile(candidate):
                continue
            if name != "pyproject.toml" or _has_table(candidate):
                return candidate
        parent = os.path.dirname(folder)
        if os.path.exists(os.path.join(folder, ".git")) or parent == folder:
            return None
        folder = parent


def display_path(path: StrPath, cwd: StrPath) -> str:
    """`path` relative to `cwd` (climbing at most 8 folders), else absolute."""
    resolved, here = os.path.realpath(path), os.path.realpath(cwd)
    relative = os.path.relpath(resolved, here)
    if relative.split(os.sep)[:9].count("..") > 8:
        return resolved
    return relative


_MENTIONS_TABLE = re.compile(
    rb"(?m)^[ \t]*(?:\[[ \t]*tool[ \t]*\.[ \t]*[\"']?licensecheck\b"  # [tool.licensecheck
    rb"|tool[ \t]*\.[ \t]*[\"']?licensecheck\b"  # tool.licensecheck.x = (dotted, top level)
    rb"|[\"']?licensecheck[\"']?[ \t]*(?:\.|=[ \t]*\{))"  # under [tool]: licensecheck.x / = {
)
"""A line that could open or set the table. A file without one has no table; a console script
named `licensecheck = "..."` is not one (so this project's own pyproject needs no parser)."""


def _has_table(path: str) -> bool:
    """Whether a pyproject.toml has `[tool.licensecheck]`; a broken one that mentions it
    counts as having it, so that the error is reported rather than the file skipped."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return True
    if not _MENTIONS_TABLE.search(raw):
        return False  # most pyproject.toml files: no TOML parser needed to pass them over
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    return isinstance(data.get("tool"), dict) and "licensecheck" in data["tool"]


def load_pyproject_table(path: StrPath) -> dict[str, Any]:
    """The `[tool.licensecheck]` table of a pyproject.toml, as mappings that know the line of
    each key (validation messages then say where, as they do for YAML)."""
    import tomllib

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([Problem(str(path), str(exc))]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([Problem(str(path), f"invalid TOML: {exc}")]) from None
    table: Any = data
    for key in PYPROJECT_TABLE:
        table = table.get(key) if isinstance(table, dict) else None
    if not isinstance(table, dict):
        raise PolicyError([Problem(str(path), "has no [tool.licensecheck] table")])
    lines = _key_lines(text)
    annotated = _annotate(table, PYPROJECT_TABLE, lines)
    assert isinstance(annotated, dict)
    return annotated


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_Lines = dict[tuple[str | int, ...], int]
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted)
    return tuple(p.strip("\"'") for p in parts)


def _key_lines(text: str) -> _Lines:
    """The 1-based line of each table header and key, by its path from the document root;
    an array of tables (`[[a.b]]`) numbers its entries. Lines inside multi-line strings and
    arrays may be mistaken for keys; the first match wins, so a real key before is kept."""
    lines: _Lines = {}
    counts: dict[tuple[str, ...], int] = {}
    section: tuple[str | int, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            path = _split_key(header.group(2))
            if header.group(1) == "[[":
                index = counts.get(path, 0)
                counts[path] = index + 1
                section = (*path, index)
            else:
                section = path
            lines.setdefault(section, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*section, *_split_key(key.group(1))), number)
    return lines


def _annotate(value: Any, path: tuple[str | int, ...], lines: _Lines) -> Any:
    """Mappings become LineDicts with their own line and their keys' lines."""
    from ..yamlio import LineDict

    if isinstance(value, list):
        return [_annotate(item, (*path, i), lines) for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    out = LineDict()
    out.line = lines.get(path, lines.get(path[:-1], 0)) if path else 0
    out.key_lines = {}
    for key, item in value.items():
        out.key_lines[key] = lines.get((*path, key), out.line)
        out[key] = _annotate(item, (*path, key), lines)
    return out
