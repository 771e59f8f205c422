"""Where the user's repository names a model: the line of a manifest or of any file given with
`--named-in` (a workflow, a Dockerfile, code that loads the model), relative to the repository
root, for reports that point at lines (SARIF code scanning)."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from .model import CheckResult, SourceLine

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .paths import StrPath

MAX_SCANNED_BYTES = 4 * 1024 * 1024
"""A file larger than this is not searched (a named-in file is a workflow or a manifest)."""


def repository_root(start: StrPath) -> str | None:
    """The nearest folder at or above `start` that holds `.git`, or None."""
    folder = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def repo_relative(path: StrPath) -> str:
    """`path` relative to its repository's root (POSIX separators), as code scanning resolves
    locations; a path outside any repository is returned absolute."""
    absolute = os.path.abspath(path)
    root = repository_root(os.path.dirname(absolute))
    if root is None:
        return absolute
    return os.path.relpath(absolute, root).replace(os.sep, "/")


def _pattern(target: str) -> re.Pattern[str]:
    # The name as a whole token: `org/model` must not match inside `org/model-v2` or a URL's
    # longer path; quotes, spaces, `@`, `:` and `,` may surround it.
    return re.compile(rf"(?<![\w./-]){re.escape(target)}(?![\w/-]|\.\w)")


def find_named(path: StrPath, targets: Iterable[str]) -> dict[str, SourceLine]:
    """The first line of `path` naming each target (targets it does not name are left out).
    An unreadable or oversized file names nothing."""
    try:
        if os.path.getsize(path) > MAX_SCANNED_BYTES:
            return {}
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return {}
    file = repo_relative(path)
    found: dict[str, SourceLine] = {}
    for target in dict.fromkeys(targets):
        pattern = _pattern(target)
        for number, line in enumerate(lines, start=1):
            if pattern.search(line):
                found[target] = SourceLine(file, number)
                break
    return found


def attach_named(results: Sequence[CheckResult], files: Sequence[StrPath]) -> list[CheckResult]:
    """`results` with `named_at` set from the first of `files` that names each subject (by
    the target as given, else its id), where no manifest set it already."""
    out = list(results)
    for path in files:
        missing = [r for r in out if r.named_at is None]
        if not missing:
            break
        names = [n for r in missing for n in (r.subject.target, r.subject.node_id)]
        found = find_named(path, names)
        out = [
            r._replace(named_at=found.get(r.subject.target) or found.get(r.subject.node_id))
            if r.named_at is None
            else r
            for r in out
        ]
    return out
