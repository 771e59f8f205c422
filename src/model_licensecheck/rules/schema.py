"""Rules: the typed rules the engine runs, and loading them from their compiled files
(compiled.py; rules/parse.py validates the YAML when a file is compiled)."""

import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import Problem, RuleFileError
from ..model import NodeKind, Status
from ..paths import StrPath
from .pathpattern import PathPattern

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


class StanceFiles(NamedTuple):
    """The shipped rule file (in `rules/stances/`) each value of a policy stance loads."""

    default: bool
    when_true: str | None
    when_false: str | None = None


STANCES: Mapping[str, StanceFiles] = {
    "share_alike_data_reaches_weights": StanceFiles(False, "share-alike-data.yaml"),
    "service_terms_bind_downstream": StanceFiles(
        True, "service-terms-bind.yaml", "service-terms-set-aside.yaml"
    ),
    "quantization_is_derivative": StanceFiles(True, "quantization-derivative.yaml"),
    "generator_output_prohibitions_bind": StanceFiles(False, "generator-prohibitions.yaml"),
}
"""Policy stances (DESIGN §5) are rule files, not code: each value adds its file, if any."""


def stance_files(stances: Mapping[str, bool]) -> list[str]:
    """The stance files to load for these stance values (a stance not given: its default)."""
    out = []
    for name, files in STANCES.items():
        chosen = files.when_true if stances.get(name, files.default) else files.when_false
        if chosen is not None:
            out.append(chosen)
    return out


def load_rules(
    extra_dirs: Sequence[StrPath] = (), stances: Mapping[str, bool] | None = None
) -> tuple[Rule, ...]:
    """The shipped rules, the stance files for these stance values (each stance not given at
    its default), and the rules in `extra_dirs`, from their compiled files (compiled.py); raise
    with every problem of every file."""
    from ..compiled import open_rules_folder, open_shipped, rule_files

    shipped = open_shipped()
    compiled_stances = dict(rule_files(shipped, "stances"))
    batches: list[tuple[str, list[tuple[str, list[Any]]]]] = [
        ("rules", rule_files(shipped, "rules")),
        ("rules/stances", [(f, compiled_stances[f]) for f in stance_files(stances or {})]),
    ]
    problems: list[Problem] = []
    for d in extra_dirs:
        if not os.path.isdir(d):
            problems.append(Problem(str(d), "rules folder not found"))
            continue
        files = rule_files(open_rules_folder(d), "rules")
        if not files:
            problems.append(Problem(str(d), "no .yaml rule files in this folder"))
        batches.append((str(d).rstrip("/"), files))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    patterns: dict[str, PathPattern] = {}  # most rules share one of a few paths
    for label, files in batches:
        for file_name, data in files:
            name = f"{label}/{file_name}"
            for rule in (rule_from_data(x, name, patterns) for x in data):
                if rule.id in seen:
                    problems.append(Problem(name, f"duplicate rule id (also in {seen[rule.id]})",
                                            rule.id, "id"))  # fmt: skip
                seen[rule.id] = name
                rules.append(rule)
    if problems:
        raise RuleFileError(problems)
    return tuple(rules)


def rule_data(rule: Rule) -> dict[str, Any]:
    """What a compiled file stores of a rule (all but the file it came from)."""
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
    }


def rule_from_data(data: Mapping[str, Any], file: str, patterns: dict[str, PathPattern]) -> Rule:
    """The rule `rule_data` stored, from `file`; `patterns` shares parsed paths."""
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
        file=file,
    )
