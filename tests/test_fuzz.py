"""Property-based tests: any input to a parser ends in a result or the tool's own input error,
never an unhandled exception. The Hypothesis profile sets the count (tests/conftest.py): a few
dozen examples per parser every day, thousands in CI."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from model_licensecheck.errors import InputError
from model_licensecheck.kb.loader import KnowledgeBase
from model_licensecheck.model import SourceKind
from model_licensecheck.resolve.card import card_claims, decode_text, parse_card
from model_licensecheck.resolve.config import config_claims, merge_claims
from model_licensecheck.rules.parse import parse_rule_file
from model_licensecheck.validation import Collector
from model_licensecheck.verdict.policyfile import parse_policy
from model_licensecheck.yamlio import YamlError, load

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=30), st.sampled_from(["mit", "other", "a/b", "finetune", "", "*x", "&y"]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=20,
)  # fmt: skip
CARD_KEYS = ["license", "license_name", "license_link", "base_model", "base_model_relation",
             "datasets", "tags"]  # fmt: skip
RULE_KEYS = ["id", "title", "type", "path", "ancestor_kind", "when", "effect", "message",
             "references"]  # fmt: skip


def as_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True)


@st.composite
def cards(draw: st.DrawFn) -> str:
    meta = draw(st.dictionaries(st.sampled_from(CARD_KEYS) | st.text(max_size=8), values,
                                max_size=6))  # fmt: skip
    prose = draw(st.text(max_size=300))
    if draw(st.booleans()):
        return prose
    front = draw(st.one_of(st.just(as_yaml(meta)), st.text(max_size=200)))
    return f"---\n{front}\n---\n{prose}"


@given(text=cards())
def test_card_parser(text: str, shipped_kb: KnowledgeBase) -> None:
    try:
        card = parse_card(text, "c.md")
        card_claims(card, "root", "c.md", shipped_kb, SourceKind.USER)
    except InputError:
        pass


@given(data=st.binary(max_size=200))
def test_card_bytes(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_card(decode_text(data, "c.md"), "c.md")


@given(
    data=st.one_of(
        st.dictionaries(st.sampled_from(["base_model_name_or_path", "peft_type", "_name_or_path",
                                         "quantization_config"]) | st.text(max_size=8),
                        values, max_size=5).map(json.dumps),
        st.text(max_size=200),
    )
)  # fmt: skip
def test_config_parser(data: str) -> None:
    with contextlib.suppress(InputError):
        config_claims(data, "config.json", "root")


@given(
    data=st.one_of(
        st.dictionaries(st.sampled_from(["merge_method", "base_model", "models", "slices"]),
                        values, max_size=4).map(as_yaml),
        st.text(max_size=200),
    )
)  # fmt: skip
def test_merge_config_parser(data: str) -> None:
    with contextlib.suppress(InputError):
        merge_claims(data, "merge.yml")


@given(
    rules=st.lists(st.dictionaries(st.sampled_from(RULE_KEYS), values, max_size=9), max_size=3),
    raw=st.one_of(st.none(), st.text(max_size=100)),
)
def test_rule_file_parser(rules: list[dict[str, Any]], raw: str | None) -> None:
    text = raw if raw is not None else as_yaml({"schema_version": 1, "rules": rules})
    c = Collector("r.yaml")
    try:
        data = load(text)
    except YamlError:
        return
    parsed = parse_rule_file(data, c)
    assert parsed or c.problems or not rules


POLICY_KEYS = ["schema_version", "gate", "deployment", "stance", "allow", "deny", "waivers"]


@given(data=st.dictionaries(st.sampled_from(POLICY_KEYS), values, max_size=7))
def test_policy_parser(data: dict[str, Any], shipped_kb: KnowledgeBase) -> None:
    parse_policy(data, Collector("p.yaml"), shipped_kb)
