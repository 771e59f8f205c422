"""Property-based tests of the parsers: any input ends in a result or the tool's own input
error, never an unhandled exception; what a result claims points at a line of its input; and
what a well-formed card or config declares is what is read back, with evidence on the line that
says it. The Hypothesis profile sets the count (tests/conftest.py): a few dozen examples per
test every day, thousands in CI."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from model_licensecheck.errors import InputError, YamlError
from model_licensecheck.kb.loader import KnowledgeBase
from model_licensecheck.model import NodeKind, Relation, SourceKind
from model_licensecheck.resolve.card import card_claims, decode_text, parse_card
from model_licensecheck.resolve.config import config_claims, merge_claims
from model_licensecheck.rules.parse import parse_rule_file
from model_licensecheck.validation import Collector
from model_licensecheck.verdict.policyfile import parse_policy
from model_licensecheck.yamlio import load

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


def line_of(location: str, where: str, text: str) -> str:
    """The line of `text` an evidence location (`where:N`) points at."""
    name, _, number = location.rpartition(":")
    assert name == where
    lines = text.splitlines()
    assert 1 <= int(number) <= len(lines), location
    return lines[int(number) - 1]


@given(text=cards())
def test_card_parser(text: str, shipped_kb: KnowledgeBase) -> None:
    try:
        card = parse_card(text, "c.md")
        claim, edges, _ = card_claims(card, "root", "c.md", shipped_kb, SourceKind.USER)
    except InputError:
        return
    if claim is not None:
        # a `license` value, or (the Hub accepts it) only a `license_name` / `license_link`
        assert claim.raw or claim.name or claim.link
        for value in (claim.raw, claim.name, claim.link):
            assert value is None or (value and value == value.strip())
        assert line_of(claim.evidence.location, "c.md", text).lstrip().startswith("license")
    for edge in edges:
        assert edge.parent and edge.parent == edge.parent.strip()
        assert edge.parent.lower() != "root"  # the card never names itself as its ancestor
        line_of(edge.evidence.location, "c.md", text)


_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9]|[._-][A-Za-z0-9]){0,12}"  # a Hub name: no "..", "--", no
hub_ids = st.from_regex(rf"{_NAME}/{_NAME}", fullmatch=True)  # separator first or last
one_line = st.text(st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]), max_size=40)


@given(
    license_raw=one_line,
    bases=st.lists(hub_ids, max_size=3, unique_by=str.lower),
    datasets=st.lists(hub_ids, max_size=3, unique_by=str.lower),
    relation=st.none() | st.sampled_from(["adapter", "merge", "quantized", "finetune"]),
    extra=st.dictionaries(st.sampled_from(["tags", "language", "pipeline_tag"]), values,
                          max_size=2),
    prose=st.text(max_size=200),
)  # fmt: skip
def test_a_card_reads_back_what_its_front_matter_declares(
    license_raw: str,
    bases: list[str],
    datasets: list[str],
    relation: str | None,
    extra: dict[str, Any],
    prose: str,
    shipped_kb: KnowledgeBase,
) -> None:
    meta: dict[str, Any] = {**extra, "license": license_raw, "base_model": bases,
                            "datasets": datasets}  # fmt: skip
    if relation is not None:
        meta["base_model_relation"] = relation
    front = yaml.safe_dump(meta, allow_unicode=True, width=10**6)
    text = f"---\n{front}---\n{prose}"
    claim, edges, _ = card_claims(parse_card(text, "c.md"), "me/root", "c.md", shipped_kb,
                                  SourceKind.USER)  # fmt: skip
    if license_raw.strip():
        assert claim is not None and claim.raw == license_raw.strip()
        assert line_of(claim.evidence.location, "c.md", text).startswith("license:")
    else:
        assert claim is None
    declared = [e for e in edges if e.evidence.source is SourceKind.USER]
    base_edges = [e for e in declared if e.parent_kind is NodeKind.MODEL]
    assert [e.parent for e in base_edges] == bases
    expected = (Relation(relation) if relation is not None
                else Relation.MERGE if len(bases) > 1 else Relation.FINETUNE)  # fmt: skip
    assert all(e.relation is expected for e in base_edges)
    assert [e.parent for e in declared if e.parent_kind is NodeKind.DATASET] == datasets
    for e in declared:
        key = "base_model" if e.parent_kind is NodeKind.MODEL else "datasets"
        assert line_of(e.evidence.location, "c.md", text).startswith(f"{key}:")


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
    try:
        edges, _ = config_claims(data, "config.json", "root")
    except InputError:
        return
    for edge in edges:
        assert edge.parent and edge.parent.lower() != "root"
        line_of(edge.evidence.location, "config.json", data)


@given(
    base=hub_ids,
    other=st.dictionaries(st.sampled_from(["r", "lora_alpha", "task_type"]), values, max_size=3),
    indent=st.none() | st.just(2),
)
def test_an_adapter_config_names_its_base_as_an_adapter_edge(
    base: str, other: dict[str, Any], indent: int | None
) -> None:
    text = json.dumps({**other, "peft_type": "LORA", "base_model_name_or_path": base},
                      indent=indent)  # fmt: skip
    edges, notes = config_claims(text, "adapter_config.json", "me/adapter")
    assert [(e.parent, e.relation) for e in edges] == [(base, Relation.ADAPTER)]
    assert notes == []
    line = line_of(edges[0].evidence.location, "adapter_config.json", text)
    assert '"base_model_name_or_path"' in line


@given(
    data=st.one_of(
        st.dictionaries(st.sampled_from(["merge_method", "base_model", "models", "slices"]),
                        values, max_size=4).map(as_yaml),
        st.text(max_size=200),
    )
)  # fmt: skip
def test_merge_config_parser(data: str) -> None:
    try:
        edges = merge_claims(data, "merge.yml")
    except InputError:
        return
    assert edges
    assert all(e.relation is Relation.MERGE and e.parent for e in edges)


@given(models=st.lists(hub_ids, min_size=1, max_size=4, unique=True), base=st.none() | hub_ids)
def test_a_merge_config_names_every_model_it_draws_from(
    models: list[str], base: str | None
) -> None:
    data: dict[str, Any] = {"merge_method": "ties", "models": [{"model": m} for m in models]}
    if base is not None:
        data["base_model"] = base
    edges = merge_claims(as_yaml(data), "merge.yml")
    assert {e.parent for e in edges} == {*models, *([base] if base else [])}
    assert len(edges) == len({e.parent for e in edges})
    assert all(e.relation is Relation.MERGE for e in edges)


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
