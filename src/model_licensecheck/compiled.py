"""The one loader of the knowledge base and the rules: each comes from a compiled file.

- An installed tool reads the file its wheel carries (`_data/compiled.lcdb`), compiled from
  the shipped YAML when the wheel was built (`hatch_build.py`); nothing is fingerprinted.
- A source checkout, a `--kb DIR` and a `--rules DIR` are compiled on first use into the user
  cache, in a file named by the folder and by the names, sizes and modification times of its
  YAML files, so an edit always compiles anew.

Compiling reads and validates the YAML (kb/loader.py, kb/validate.py, rules/parse.py) and
writes one file (kb/index.py). Opening reads it in one read and checks it whole; a cache file
that fails the check is compiled again, a shipped one is an error (reinstall).
"""

import os
from typing import Any

from .errors import CompiledFileError, Problem, RuleFileError
from .kb.index import CompiledFile, encode
from .paths import (
    StrPath,
    cache_dir,
    fingerprint,
    shipped_compiled_file,
    shipped_kb_dir,
    shipped_rules_dir,
    write_atomic,
    yaml_entries,
)

SUFFIX = ".lcdb"
RULE_SUFFIXES = (".yaml", ".yml")
_opened: dict[str, CompiledFile] = {}
"""Compiled files opened by this process, by path (a path names one content)."""


def compile_folders(
    kb_dir: StrPath | None, rules_dir: StrPath | None, rules_label: str = "rules"
) -> bytes:
    """The compiled file of a knowledge-base folder and a rules folder (either may be None);
    raise KnowledgeBaseError or RuleFileError with every problem (in files named
    `rules_label/...`)."""
    documents: dict[str, Any] = {}
    maps: dict[str, dict[str, Any]] = {}
    entries: dict[str, dict[str, Any]] = {}
    if kb_dir is not None:
        from .kb.loader import kb_sections, read_yaml

        kb_docs, maps, entries = kb_sections(*read_yaml(kb_dir))
        documents.update(kb_docs)
    if rules_dir is not None:
        documents["rules"] = _compile_rules(os.fspath(rules_dir), rules_label)
        stances = os.path.join(rules_dir, "stances")
        if os.path.isdir(stances):
            documents["stances"] = _compile_rules(stances, f"{rules_label}/stances")
    return encode(documents, maps, entries)


def _compile_rules(folder: str, label: str) -> list[list[Any]]:
    """[[file name, [rule data, ...]], ...] of the rule files in `folder`, each validated."""
    from .rules.parse import parse_rule_file, read_rule_file
    from .rules.schema import rule_data
    from .validation import Collector

    problems: list[Problem] = []
    out: list[list[Any]] = []
    for entry in yaml_entries(folder, RULE_SUFFIXES):
        c = Collector(f"{label}/{entry.name}")
        data = read_rule_file(entry.path, c)
        rules = parse_rule_file(data, c) if not c.problems else []
        problems.extend(c.problems)
        out.append([entry.name, [rule_data(rule) for rule in rules]])
    if problems:
        raise RuleFileError(problems)
    return out


def open_shipped() -> CompiledFile:
    """The shipped knowledge base and rules."""
    installed = shipped_compiled_file()
    if installed is not None:
        found = _opened.get(installed)
        if found is None:
            try:
                found = _opened[installed] = CompiledFile.read(installed)
            except OSError as exc:
                raise CompiledFileError(installed, exc.strerror or str(exc)) from exc
        return found
    return _from_cache("shipped", shipped_kb_dir(), shipped_rules_dir())


def open_kb_folder(folder: StrPath) -> CompiledFile:
    """The knowledge base in `folder`, compiled into the user cache on first use."""
    return _from_cache("kb", os.fspath(folder), None)


def open_rules_folder(folder: StrPath) -> CompiledFile:
    """The rules in `folder`, compiled into the user cache on first use."""
    return _from_cache("rules", None, os.fspath(folder), os.fspath(folder).rstrip("/"))


def _from_cache(
    kind: str, kb_dir: str | None, rules_dir: str | None, rules_label: str = "rules"
) -> CompiledFile:
    path = _cache_path(kind, kb_dir, rules_dir)
    found = _opened.get(path)
    if found is not None:
        return found
    try:
        found = CompiledFile.read(path)
    except (OSError, CompiledFileError):
        data = compile_folders(kb_dir, rules_dir, rules_label)
        _store(path, data)
        found = CompiledFile(data, path)
    _opened[path] = found
    return found


def _cache_path(kind: str, kb_dir: str | None, rules_dir: str | None) -> str:
    """`<cache>/compiled/<kind>-<folders>-<contents>.lcdb`: named by the folders and by the
    names, sizes and modification times of their YAML files."""
    from . import __version__

    places = [os.path.realpath(d) for d in (kb_dir, rules_dir) if d is not None]
    listing = [f"{kind}:{__version__}", *places]
    if kb_dir is not None:
        for sub in ("licenses", "models", "datasets", "services"):
            listing += _listing(os.path.join(kb_dir, sub), sub)
    if rules_dir is not None:
        listing += _listing(rules_dir, "rules")
        listing += _listing(os.path.join(rules_dir, "stances"), "stances")
    name = f"{kind}-{fingerprint(places)}-{fingerprint(listing)}{SUFFIX}"
    return os.path.join(cache_dir(), "compiled", name)


def _listing(folder: str, label: str) -> list[str]:
    out = []
    for entry in yaml_entries(folder, RULE_SUFFIXES):
        st = entry.stat()
        out.append(f"{label}/{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return out


def _store(path: str, data: bytes) -> None:
    """Write a compiled file to the cache and remove the same folders' earlier ones; a cache
    that cannot be written only costs compiling again next time."""
    folder, name = os.path.split(path)
    prefix = name.rsplit("-", 1)[0] + "-"
    try:
        write_atomic(path, data, private=True)
        with os.scandir(folder) as entries:
            stale = [e.path for e in entries if e.name.startswith(prefix) and e.name != name]
        for old in stale:
            os.unlink(old)
    except OSError:
        pass


def rule_files(file: CompiledFile, document: str) -> list[tuple[str, list[Any]]]:
    """The (file name, rule data) pairs of a compiled file's `rules` or `stances`."""
    if not file.has(document):
        return []
    return [(str(name), list(rules)) for name, rules in file.document(document)]
