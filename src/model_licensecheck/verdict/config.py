"""Where a team keeps its policy: `.licensecheck.yml` or `[tool.licensecheck]` in
`pyproject.toml`, found from the working directory up to the repository root (as ruff and
black find theirs); and the TOML table read with the lines of its keys."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from ..errors import PolicyError, Problem
from ..yamlio import LineDict

CONFIG_NAMES = (".licensecheck.yml", ".licensecheck.yaml", "pyproject.toml")
"""The files looked for in each folder, the first that applies winning: a dedicated file
beats `pyproject.toml` in the same folder (it exists only to configure this tool)."""

PYPROJECT_TABLE = ("tool", "licensecheck")


def discover_policy(start: Path) -> Path | None:
    """The nearest policy from `start` upward: a `.licensecheck.yml`/`.yaml`, or a
    `pyproject.toml` that has a `[tool.licensecheck]` table (one without it is passed over).
    The walk stops after the folder holding `.git` (the repository root) or at the
    filesystem root, so a policy outside the repository never applies by surprise."""
    folder = start.resolve()
    while True:
        for name in CONFIG_NAMES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml" or _has_table(candidate):
                return candidate
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def display_path(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` when it is inside it (or in a parent), else absolute."""
    resolved, here = path.resolve(), cwd.resolve()
    if resolved.is_relative_to(here):
        return str(resolved.relative_to(here))
    for up, parent in enumerate(here.parents, start=1):
        if resolved.is_relative_to(parent) and up <= 8:
            return str(Path(*([".."] * up)) / resolved.relative_to(parent))
    return str(resolved)


def _has_table(path: Path) -> bool:
    """Whether a pyproject.toml has `[tool.licensecheck]`; a broken one counts as having it,
    so that the error is reported rather than the file silently skipped."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    return isinstance(data.get("tool"), dict) and "licensecheck" in data["tool"]


def load_pyproject_table(path: Path) -> dict[str, Any]:
    """The `[tool.licensecheck]` table of a pyproject.toml, as mappings that know the line of
    each key (validation messages then say where, as they do for YAML)."""
    try:
        text = path.read_text(encoding="utf-8")
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
