"""Validation of rule files into typed rules (rules/schema.py): run when a rule file is new or
changed, never when the compiled rules come from the cache."""

import re
from collections.abc import Mapping
from typing import Any

from ..errors import PatternError, YamlError
from ..kb.schema import CLAUSE_NAMES, COMMERCIAL, COPYLEFT, OUTPUT_TRAINING
from ..model import NodeKind, Status
from ..validation import Collector, Fields
from ..yamlio import load
from .pathpattern import PathPattern
from .schema import RULE_TYPES, SCHEMA_VERSION, ConditionTemplate, Rule

# Patterns of validation only, compiled (and cached by `re`) when a YAML file is validated.
_RULE_ID = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"


_CONDITION_ID = r"^[a-z][a-z0-9-]*$"


_NODE_PREDICATES = ("license_known", "declared_conflict")


PLACEHOLDERS = frozenset(
    {"subject", "ancestor", "license", "license_name", "license_version", "path", "relation",
     "reason", "declared", *CLAUSE_NAMES}
)  # fmt: skip


_CLAUSE_VALUES: Mapping[str, tuple[Any, ...]] = {
    "commercial_use": COMMERCIAL,
    "copyleft": COPYLEFT,
    "output_training": OUTPUT_TRAINING,
}


def _check_template(f: Fields, key: str, text: str) -> None:
    import string  # validation only: compiled rules come from the cache

    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        f.c.add(f"bad template: {exc}", f.entry, f.where(key))
        return
    for name in sorted(names - PLACEHOLDERS):
        f.c.add(f"unknown placeholder {{{name}}}", f.entry, f.where(key))


def _parse_when(data: Mapping[str, Any], c: Collector, rule_id: str) -> dict[str, Any]:
    f = Fields(data, c, rule_id, {*CLAUSE_NAMES, *_NODE_PREDICATES}, prefix="when.")
    out: dict[str, Any] = {}
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        if key in _CLAUSE_VALUES:
            bad = [v for v in values if v not in _CLAUSE_VALUES[key]]
            if bad:
                choices = ", ".join(_CLAUSE_VALUES[key])
                c.add(f"must be one of {choices}", rule_id, f.where(key))
        elif key in ("user_cap", "revenue_cap", "acceptable_use_policy", "naming", "name_prefix"):
            if value != "set":
                c.add("may only be `set` (the clause is present)", rule_id, f.where(key))
        elif (key in CLAUSE_NAMES or key in _NODE_PREDICATES) and not isinstance(value, bool):
            c.add("must be true or false", rule_id, f.where(key))
        out[str(key)] = tuple(values)
    return out


def parse_rule_file(data: Any, c: Collector) -> list[Rule]:
    """Validate one rule file's content; problems go to `c`."""
    if not isinstance(data, Mapping):
        c.add("must be a YAML mapping with `schema_version` and `rules`")
        return []
    f = Fields(data, c, None, {"schema_version", "rules"})
    version = f.get("schema_version", int)
    if version and version != SCHEMA_VERSION:
        c.add(f"unsupported schema_version {version} (this tool reads {SCHEMA_VERSION})")
    rules: list[Rule] = []
    for i, raw in enumerate(f.get("rules", list)):
        if not isinstance(raw, Mapping):
            c.add("must be a mapping", None, f"rules[{i}]")
            continue
        rule = _parse_rule(raw, c, f"rules[{i}]")
        if rule is not None:
            rules.append(rule)
    return rules


def _parse_rule(raw: Mapping[str, Any], c: Collector, where: str) -> Rule | None:
    before = len(c.problems)
    allowed = {"id", "title", "type", "path", "ancestor_kind", "when", "effect", "message",
               "references"}  # fmt: skip
    f = Fields(raw, c, str(raw.get("id") or where), allowed)
    rule_id = f.text("id")
    if rule_id and not re.match(_RULE_ID, rule_id):
        c.add("must be kebab-case (a-z, 0-9, -)", rule_id, "id")
    if rule_id and rule_id.startswith("builtin-"):
        c.add("ids starting with `builtin-` are reserved for the tool's own findings", rule_id,
              "id")  # fmt: skip
    rule_type = f.choice("type", {t: t for t in RULE_TYPES}, "clause")
    path_text = f.get("path", str, "")
    try:
        pattern = PathPattern.parse(path_text)
    except PatternError as exc:
        c.add(str(exc), f.entry, f.where("path"))
        pattern = PathPattern.parse("")
    kinds: set[NodeKind] = set()
    for name in f.strings("ancestor_kind"):
        try:
            kinds.add(NodeKind(name))
        except ValueError:
            c.add(f"unknown node kind {name!r}", f.entry, f.where("ancestor_kind"))
    when = f.mapping("when", required=rule_type == "clause")
    parsed_when = _parse_when(when, c, f.entry or where) if when else {}
    if rule_type == "clause" and not parsed_when and "when" in raw:
        c.add("must name at least one clause", f.entry, f.where("when"))
    effect = f.mapping("effect")
    ef = Fields(effect, c, f.entry, {"status", "conditions"}, prefix="effect.")
    status = ef.choice("status", {s.label: s for s in Status})
    conditions: list[ConditionTemplate] = []
    for j, cond in enumerate(ef.get("conditions", list, [])):
        name = f"effect.conditions[{j}]"
        if isinstance(cond, str):
            cond = {"id": cond}
        if not isinstance(cond, Mapping):
            c.add("must be a condition id or {id, value}", f.entry, name)
            continue
        cf = Fields(cond, c, f.entry, {"id", "value"}, prefix=f"{name}.")
        cid = cf.text("id")
        if cid and not re.match(_CONDITION_ID, cid):
            c.add("must be kebab-case", f.entry, f"{name}.id")
        value = cf.optional_text("value")
        if value is not None:
            _check_template(cf, "value", value)
        conditions.append(ConditionTemplate(cid, value))
    message = f.text("message")
    if message:
        _check_template(f, "message", message)
    if len(c.problems) > before:
        return None
    return Rule(
        id=rule_id,
        title=f.text("title"),
        type=rule_type,
        path=pattern,
        ancestor_kinds=frozenset(kinds),
        when=parsed_when,
        status=status,
        conditions=tuple(conditions),
        message=message,
        references=f.strings("references"),
        file=c.file,
    )


def read_rule_file(path: str, c: Collector) -> Any:
    """A rule file's YAML content; problems reading or parsing it go to `c`."""
    try:
        with open(path, encoding="utf-8") as handle:
            return load(handle.read())
    except (OSError, UnicodeDecodeError, YamlError) as exc:
        c.add(str(exc))
        return None
