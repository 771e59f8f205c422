"""The shipped JSON Schemas (policy, manifest, rules): valid draft 2020-12, printed by
`licensecheck schema`, accepting every file we ship or document, naming what the code accepts,
and refusing what the loaders refuse."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs

from model_licensecheck.batch import read_manifest
from model_licensecheck.errors import InputError, ValidationError
from model_licensecheck.kb.schema import CLAUSE_NAMES, COMMERCIAL
from model_licensecheck.model import NodeKind, Status
from model_licensecheck.paths import SCHEMA_NAMES, schema_file
from model_licensecheck.rules.parse import parse_rule_file
from model_licensecheck.validation import Collector
from model_licensecheck.verdict.policy import DISTRIBUTIONS, Stance, load_policy
from model_licensecheck.yamlio import load

from .conftest import FIXTURES, run

ROOT = Path(__file__).resolve().parents[1]


def schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(schema_file(name)).read_text(encoding="utf-8"))
    return data


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def as_json(value: Any) -> Any:
    """A YAML or TOML document as the JSON an editor's validator sees (dates as text)."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def errors(name: str, document: Any) -> list[str]:
    return [e.message for e in validator(name).iter_errors(as_json(document))]


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_each_schema_is_valid_draft_2020_12_and_printed_by_the_command(name: str) -> None:
    Draft202012Validator.check_schema(schema(name))
    assert schema(name)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema(name)["$id"].endswith(f"/src/model_licensecheck/schemas/{name}.json")
    result = run("schema", name)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == schema(name)


def test_unknown_schema_name_is_a_usage_error() -> None:
    assert run("schema", "lineage").exit_code == 2


def _rule_files() -> list[Path]:
    shipped = sorted((ROOT / "rules").rglob("*.yaml"))
    assert len(shipped) >= 9
    return [*shipped, *sorted((FIXTURES / "rules" / "extra").glob("*.yaml"))]


@pytest.mark.parametrize("path", _rule_files(), ids=lambda p: p.name)
def test_every_rule_file_matches_the_rules_schema(path: Path) -> None:
    assert errors("rules", load(path.read_text(encoding="utf-8"))) == []


def _policies() -> list[tuple[str, Any]]:
    """Every policy we ship or show: the example workflow's, and the README's YAML and TOML."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Policy files", 1)[1]
    yaml_example = re.search(r"```yaml\n(schema_version.*?)```", section, re.S)
    toml_example = re.search(r"```toml\n(\[tool\.licensecheck\].*?)```", section, re.S)
    assert yaml_example and toml_example
    github = ROOT / ".github" / "licensecheck-policy.yml"
    return [
        ("licensecheck-policy.yml", load(github.read_text(encoding="utf-8"))),
        ("README yaml", load(yaml_example.group(1))),
        ("README toml", tomllib.loads(toml_example.group(1))["tool"]["licensecheck"]),
    ]


@pytest.mark.parametrize(("label", "document"), _policies(), ids=lambda x: str(x)[:24])
def test_every_shipped_policy_matches_the_policy_schema(label: str, document: Any) -> None:
    assert errors("policy", document) == [], label


@pytest.mark.parametrize("path", sorted((FIXTURES / "manifests").glob("*.y*ml")),
                         ids=lambda p: p.name)  # fmt: skip
def test_every_yaml_manifest_matches_the_manifest_schema(path: Path) -> None:
    assert errors("manifest", load(path.read_text(encoding="utf-8"))) == []


def test_the_schemas_name_what_the_code_accepts() -> None:
    """Enumerations are written into the JSON; this keeps them the code's."""
    labels = [s.label for s in Status]
    policy, rules = schema("policy"), schema("rules")
    assert policy["properties"]["gate"]["properties"]["fail_on"]["items"]["enum"] == labels
    assert policy["properties"]["deployment"]["properties"]["distribution"]["enum"] == list(
        DISTRIBUTIONS
    )
    assert set(policy["properties"]["stance"]["properties"]) == set(Stance._fields)
    rule = rules["$defs"]["rule"]["properties"]
    assert set(rule["when"]["properties"]) == {*CLAUSE_NAMES, "license_known", "declared_conflict"}
    assert rule["when"]["properties"]["commercial_use"]["anyOf"][0]["enum"] == list(COMMERCIAL)
    assert rule["effect"]["properties"]["status"]["enum"] == labels
    assert rule["ancestor_kind"]["items"]["enum"] == [k.value for k in NodeKind]


# Documents both the schema and the loader refuse (and one each both accept).
POLICIES = {
    "unknown top-level key": "schema_version: 1\ncolour: red\n",
    "missing version": "gate: {fail_on: [prohibited]}\n",
    "other version": "schema_version: 2\n",
    "unknown status": "schema_version: 1\ngate: {fail_on: [forbidden]}\n",
    "negative users": "schema_version: 1\ndeployment: {monthly_active_users: -5}\n",
    "bad distribution": "schema_version: 1\ndeployment: {distribution: everywhere}\n",
    "stance not bool": "schema_version: 1\nstance: {quantization_is_derivative: maybe}\n",
    "waiver with both": (
        "schema_version: 1\nwaivers:\n  - {model: a/b, finding: r:a/b, reason: x,"
        " approved_by: me, expires: 2030-01-01}\n"
    ),
    "waiver without expiry": (
        "schema_version: 1\nwaivers:\n  - {model: a/b, reason: x, approved_by: me}\n"
    ),
    "lone string list": "schema_version: 1\ndeny: {models: org/model}\n",
}
VALID_POLICY = (
    "schema_version: 1\ngate: {fail_on: [prohibited], deny_conditions: [service-terms]}\n"
    "deployment: {monthly_active_users: 10, distribution: internal}\n"
    "waivers:\n  - {finding: 'weights-non-commercial:a/b', reason: x, approved_by: me,"
    " expires: 2030-01-01}\n"
)


@pytest.mark.parametrize("text", POLICIES.values(), ids=POLICIES.keys())
def test_schema_and_policy_loader_refuse_the_same_documents(text: str, tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    assert errors("policy", load(text)) != []
    with pytest.raises(ValidationError):
        load_policy(path)


def test_schema_and_policy_loader_accept_a_full_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(VALID_POLICY, encoding="utf-8")
    assert errors("policy", load(VALID_POLICY)) == []
    assert load_policy(path).waivers[0].finding == "weights-non-commercial:a/b"


RULES = {
    "bad id": "id: Bad_Id",
    "reserved id": "id: builtin-thing",
    "unknown key": "id: ok-id\n    colour: red",
    "bad clause value": "id: ok-id\n    when: {commercial_use: maybe}",
    "unknown clause": "id: ok-id\n    when: {flavour: true}",
    "cap not set": "id: ok-id\n    when: {user_cap: 5}",
    "bad status": "id: ok-id\n    effect: {status: fine}",
    "bad kind": "id: ok-id\n    ancestor_kind: [robot]",
    "bad condition": "id: ok-id\n    effect: {status: conditional, conditions: [Not_Kebab]}",
}
RULE_BASE = {"id": "ok-id", "when": "{share_alike: true}", "effect": "{status: conditional}"}


def _rule_file(change: str) -> str:
    """The base rule with the keys `change` gives replaced by its lines."""
    given = [line.strip() for line in change.split("\n")]
    keys = {line.split(":", 1)[0] for line in given}
    kept = [f"{k}: {v}" for k, v in RULE_BASE.items() if k not in keys]
    body = "\n    ".join([*given, *kept, "title: t", "message: m"])
    return f"schema_version: 1\nrules:\n  - {body}\n"


@pytest.mark.parametrize("change", RULES.values(), ids=RULES.keys())
def test_schema_and_rule_loader_refuse_the_same_rules(change: str) -> None:
    text = _rule_file(change)
    c = Collector("rules.yaml")
    parse_rule_file(load(text), c)
    assert c.problems, text
    assert errors("rules", load(text)) != [], text


def test_schema_and_rule_loader_accept_the_base_rule() -> None:
    text = _rule_file("id: ok-id")
    c = Collector("rules.yaml")
    assert len(parse_rule_file(load(text), c)) == 1 and c.problems == []
    assert errors("rules", load(text)) == []


MANIFESTS = {
    "empty list": "[]\n",
    "unknown entry key": "- {id: a/b, pin: main}\n",
    "entry without id": "- {revision: main}\n",
    "other version": "schema_version: 2\nmodels: [a/b]\n",
    "unknown top-level key": "schema_version: 1\nmodels: [a/b]\nowner: me\n",
    "revision not text": "- {id: a/b, revision: 3}\n",
    "empty id": "- {id: ''}\n",
}


@pytest.mark.parametrize("text", MANIFESTS.values(), ids=MANIFESTS.keys())
def test_schema_and_manifest_reader_refuse_the_same_documents(text: str, tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    assert errors("manifest", load(text)) != []
    with pytest.raises(InputError):
        read_manifest(path)
