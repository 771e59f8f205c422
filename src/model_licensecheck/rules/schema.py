"""Rules: the typed rules the engine runs, and loading them, compiled from the cache or (when a
file is new or changed) validated from the YAML by rules/parse.py."""

import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import Problem, RuleFileError
from ..model import NodeKind, Status
from ..paths import StrPath, load_many_cached, shipped_rules_dir, store_many_cached, yaml_files
from .pathpattern import PathPattern, PatternError

SCHEMA_VERSION = 1
RULE_TYPES = ("clause", "conflict")


class ConditionTemplate(NamedTuple):
    """A condition a rule adds; `value` may name clause placeholders."""

    id: str
    value: str | None


class Rule(NamedTuple):
    """One declarative rule: where it looks, what it requires, what it concludes."""

    id: str
    title: str
    type: str
    path: PathPattern
    ancestor_kinds: frozenset[NodeKind]
    when: Mapping[str, Any]
    status: Status
    conditions: tuple[ConditionTemplate, ...]
    message: str
    references: tuple[str, ...]
    file: str


_RULE_SUFFIXES = (".yaml", ".yml")
STANCES = {
    "share_alike_data_reaches_weights": "share-alike-data.yaml",
    "generator_output_prohibitions_bind": "generator-prohibitions.yaml",
}
"""Policy stances that add a shipped rule file from `rules/stances/` when switched on."""


def load_rules(extra_dirs: Sequence[StrPath] = (), stances: Sequence[str] = ()) -> tuple[Rule, ...]:
    """The shipped rules, the stance files asked for, and the rules in `extra_dirs`; raise with
    every problem of every file."""
    problems: list[Problem] = []
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    shipped = shipped_rules_dir()
    batches: list[tuple[str, list[str]]] = [
        ("rules", yaml_files(shipped, _RULE_SUFFIXES)),
        ("rules/stances", [os.path.join(shipped, "stances", STANCES[s]) for s in stances]),
    ]
    for d in extra_dirs:
        if not os.path.isdir(d):
            problems.append(Problem(str(d), "rules folder not found"))
            continue
        files = yaml_files(d, _RULE_SUFFIXES)
        if not files:
            problems.append(Problem(str(d), "no .yaml rule files in this folder"))
        batches.append((str(d), files))
    for index, (label, files) in enumerate(batches):
        shipped_batch = index < 2  # ours: cached; a user's folder is always read afresh
        compiled = _cached_rules(files) if shipped_batch and files else None
        per_file: list[list[Rule]] = []
        for i, path in enumerate(files):
            name = f"{label.rstrip('/')}/{os.path.basename(path)}"
            if compiled is not None:
                parsed = compiled[i]
            else:
                from ..validation import Collector
                from .parse import parse_rule_file, read_rule_file

                c = Collector(name)
                data = read_rule_file(path, c)
                parsed = parse_rule_file(data, c) if not c.problems else []
                problems.extend(c.problems)
            per_file.append(parsed)
            for rule in parsed:
                if rule.id in seen:
                    problems.append(Problem(name, f"duplicate rule id (also in {seen[rule.id]})",
                                            rule.id, "id"))  # fmt: skip
                seen[rule.id] = name
                rules.append(rule)
        if shipped_batch and compiled is None and files and not problems:
            store_many_cached(files, _CACHE, [[_rule_data(r) for r in got] for got in per_file])
    if problems:
        raise RuleFileError(problems)
    return tuple(rules)


_CACHE = "rules-compiled-1"
"""Cache of the shipped rule files, compiled: a rule is validated once, when its file changes."""


def _cached_rules(files: list[str]) -> list[list[Rule]] | None:
    """The compiled rules of `files` from the cache (validated when stored), or None."""
    stored = load_many_cached(files, _CACHE)
    if stored is None:
        return None
    patterns: dict[str, PathPattern] = {}  # most rules share one of a few paths
    try:
        return [[_rule_from(data, patterns) for data in rules] for rules in stored]
    except (KeyError, TypeError, ValueError, PatternError):
        return None  # not what this version stores: compile from the YAML again


def _rule_data(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "type": rule.type,
        "path": rule.path.text,
        "ancestor_kinds": sorted(k.value for k in rule.ancestor_kinds),
        "when": {key: list(values) for key, values in rule.when.items()},
        "status": rule.status.label,
        "conditions": [[cond.id, cond.value] for cond in rule.conditions],
        "message": rule.message,
        "references": list(rule.references),
        "file": rule.file,
    }


def _rule_from(data: Mapping[str, Any], patterns: dict[str, PathPattern]) -> Rule:
    text = data["path"]
    path = patterns.get(text)
    if path is None:
        path = patterns[text] = PathPattern.parse(text)
    return Rule(
        id=data["id"],
        title=data["title"],
        type=data["type"],
        path=path,
        ancestor_kinds=frozenset(NodeKind(k) for k in data["ancestor_kinds"]),
        when={key: tuple(values) for key, values in data["when"].items()},
        status=Status.parse(data["status"]),
        conditions=tuple(ConditionTemplate(cid, value) for cid, value in data["conditions"]),
        message=data["message"],
        references=tuple(data["references"]),
        file=data["file"],
    )
