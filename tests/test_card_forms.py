"""Hub metadata forms, license statements in prose, and licenses inherited by quantized copies."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest

from model_licensecheck import render
from model_licensecheck.errors import KnowledgeBaseError
from model_licensecheck.model import (
    Edge,
    Evidence,
    KnownLicense,
    Lineage,
    Node,
    NodeKind,
    Relation,
    SourceKind,
    Status,
    UnknownLicense,
)
from model_licensecheck.resolve.card import card_claims, parse_card
from model_licensecheck.resolve.licenses import normalize
from model_licensecheck.rules.engine import INHERITED_RULE, evaluate
from model_licensecheck.rules.parse import parse_rule_file
from model_licensecheck.validation import Collector
from model_licensecheck.verdict.combine import FAIL_CLOSED_RULE, combine, fail_closed

if TYPE_CHECKING:
    from pathlib import Path

    from model_licensecheck.checker import Checker
    from model_licensecheck.kb.loader import KnowledgeBase
    from model_licensecheck.model import CheckResult, License
    from model_licensecheck.rules.schema import Rule


def license_of(front: str, kb: KnowledgeBase, prose: str = "Hello.\n") -> License:
    card = parse_card(f"---\n{front}\n---\n{prose}", "c.md")
    claim, _, _ = card_claims(card, "root", "c.md", kb, SourceKind.USER)
    return normalize(claim, kb)


def check_card(checker: Checker, tmp_path: Path, text: str, name: str = "README.md") -> CheckResult:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return checker.check(str(path))


# -- Hub metadata forms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "expected", "matched_by"),
    [
        ("license: [apache-2.0]", "Apache-2.0", "id"),
        ("license:\n  - mit", "MIT", "id"),
        # A list means every license in it applies: the strictest.
        ("license: [apache-2.0, cc-by-nc-4.0]", "CC-BY-NC-4.0", "expression"),
        ("license: [mit, llama2]", "LicenseRef-Llama-2-Community", "expression"),
        # SPDX expressions: OR lets the user pick the least strict, AND applies the strictest.
        ("license: apache-2.0 OR mit", "Apache-2.0", "expression"),
        ("license: cc-by-nc-4.0 OR apache-2.0", "Apache-2.0", "expression"),
        ("license: mit AND cc-by-nc-4.0", "CC-BY-NC-4.0", "expression"),
        ("license: (mit AND cc-by-nc-4.0) OR llama2", "LicenseRef-Llama-2-Community", "expression"),
        ("license: Apache-2.0 WITH LLVM-exception", "Apache-2.0", "expression"),
        # license_name / license_link honoured without `license: other`.
        ("license_name: gemma", "LicenseRef-Gemma-Terms-of-Use", "license_name"),
        ("license_link: https://ai.google.dev/gemma/terms", "LicenseRef-Gemma-Terms-of-Use",
         "license_link"),
        ("license: other\nlicense_name: llama2", "LicenseRef-Llama-2-Community", "license_name"),
        # GPL-3.0-or-later is its own license, not GPL-3.0-only.
        ("license: GPL-3.0-or-later", "GPL-3.0-or-later", "id"),
        ("license: gpl-3.0", "GPL-3.0-only", "hf-id"),
    ],
)  # fmt: skip
def test_hub_license_forms_map(
    shipped_kb: KnowledgeBase, front: str, expected: str, matched_by: str
) -> None:
    lic = license_of(front, shipped_kb)
    assert isinstance(lic, KnownLicense), lic
    assert (lic.id, lic.matched_by) == (expected, matched_by)


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        # An AND with a part nobody knows is unknown as a whole (fail closed).
        ("license: mit AND acme-secret-license", "'acme-secret-license' is not a license"),
        ("license: [mit, acme-secret]", "'acme-secret' is not a license"),
        ("license: mit OR", "not a valid SPDX expression"),
        ("license: mit AND (apache-2.0", "not a valid SPDX expression"),
        ("license: other OR other", "is not a license this tool knows"),
        ("license_name: acme community terms", "names its license with license_name"),
    ],
)
def test_unmappable_forms_stay_unknown_without_failing(
    shipped_kb: KnowledgeBase, front: str, reason: str
) -> None:
    lic = license_of(front, shipped_kb)
    assert isinstance(lic, UnknownLicense)
    assert reason in lic.reason
    assert not lic.undeclared


def test_declared_is_kept_verbatim_beside_the_concluded_id(shipped_kb: KnowledgeBase) -> None:
    lic = license_of("license: [Apache-2.0, mit]", shipped_kb)
    assert isinstance(lic, KnownLicense)
    assert lic.raw == "Apache-2.0 AND mit"
    assert lic.evidence.quote == "license: [Apache-2.0, mit]"
    assert lic.evidence.location == "c.md:2"


def test_string_and_list_lineage_fields(shipped_kb: KnowledgeBase) -> None:
    for front in (
        "base_model: a/b\ndatasets: d/e",
        "base_model: [a/b]\ndatasets: [d/e]",
    ):
        card = parse_card(f"---\n{front}\n---\n", "c.md")
        _, edges, _ = card_claims(card, "root", "c.md", shipped_kb, SourceKind.USER)
        assert [(e.parent, e.parent_kind) for e in edges] == [
            ("a/b", NodeKind.MODEL),
            ("d/e", NodeKind.DATASET),
        ]


def test_a_list_license_card_is_checked_not_refused(
    offline_checker: Checker, tmp_path: Path
) -> None:
    result = check_card(
        offline_checker, tmp_path,
        "---\nlicense: [apache-2.0]\nbase_model: [mistralai/Mistral-7B-v0.1]\n---\nA fine-tune.\n",
    )  # fmt: skip
    assert result.verdict.status is Status.ALLOWED
    assert "mistralai/Mistral-7B-v0.1" in result.lineage.nodes


# -- license statements in prose -----------------------------------------------------------------

NC_SECTION = (
    "# Model\n\nA chat model.\n\n## License\n\nThe weights are for non-commercial use only.\n"
)


def test_prose_restriction_beats_a_permissive_front_matter(
    offline_checker: Checker, tmp_path: Path
) -> None:
    result = check_card(offline_checker, tmp_path, f"---\nlicense: apache-2.0\n---\n{NC_SECTION}")
    assert result.verdict.status is Status.PROHIBITED
    assert "license-conflict" in {c.id for c in result.verdict.conditions}
    lic = result.lineage.nodes[result.lineage.root].license
    assert isinstance(lic, KnownLicense)
    assert (lic.raw, lic.id, lic.declared_id) == (
        "apache-2.0", "LicenseRef-Stated-Non-Commercial", "Apache-2.0",
    )  # fmt: skip
    assert lic.evidence.source is SourceKind.CARD_TEXT
    assert lic.evidence.location.endswith(":10")
    assert lic.evidence.quote == "License: The weights are for non-commercial use only."


def test_prose_license_fills_a_silent_front_matter_without_a_conflict(
    offline_checker: Checker, tmp_path: Path
) -> None:
    text = "# M\n\nThis model is released under the CC BY-NC 4.0 license.\n"
    result = check_card(offline_checker, tmp_path, text)
    assert result.verdict.status is Status.PROHIBITED
    assert "license-conflict" not in {c.id for c in result.verdict.conditions}
    lic = result.lineage.nodes[result.lineage.root].license
    assert isinstance(lic, KnownLicense) and lic.id == "CC-BY-NC-4.0"


def test_prose_that_agrees_or_is_laxer_leaves_the_front_matter(shipped_kb: KnowledgeBase) -> None:
    same = license_of("license: llama2", shipped_kb,
                      "Use is subject to the Llama 2 Community License.\n")  # fmt: skip
    assert isinstance(same, KnownLicense) and same.id == "LicenseRef-Llama-2-Community"
    assert same.evidence.source is SourceKind.USER and same.declared_id is None
    laxer = license_of("license: cc-by-nc-4.0", shipped_kb, "## License\n\nMIT\n")
    assert isinstance(laxer, KnownLicense) and laxer.id == "CC-BY-NC-4.0"


@pytest.mark.parametrize(
    "prose",
    [
        "The training dataset is released under CC BY-NC 4.0.",
        "Our training code is licensed under the GPL-3.0.",
        "Unlike LLaMA-1, which was for research use only, this model is open.",
        "It scores higher than models released under a non-commercial license.",
        "Please cite the paper, which is available under CC BY 4.0.",
        "This model was evaluated for research purposes.",
        "Gemma is a family of models from Google.",
    ],
)
def test_sentences_that_are_not_the_models_license(shipped_kb: KnowledgeBase, prose: str) -> None:
    lic = license_of("license: mit", shipped_kb, prose + "\n")
    assert isinstance(lic, KnownLicense) and lic.id == "MIT" and lic.declared_id is None


# -- inheritance ---------------------------------------------------------------------------------


def _node(node_id: str, license_id: str | None) -> Node:
    ev = Evidence(SourceKind.USER, "c.md:1")
    lic: License = (
        KnownLicense(license_id, license_id, ev) if license_id
        else UnknownLicense("no license is declared", undeclared=True)
    )  # fmt: skip
    return Node(node_id, NodeKind.MODEL, lic)


def _lineage(*hops: tuple[str, str | None, Relation | None]) -> Lineage:
    nodes = {n: _node(n, lic) for n, lic, _ in hops}
    edges = tuple(
        Edge(a[0], b[0], a[2], (Evidence(SourceKind.USER, "c.md:1"),))
        for a, b in itertools.pairwise(hops)
        if a[2] is not None
    )
    return Lineage(hops[0][0], nodes, edges)


def _judge(lineage: Lineage, kb: KnowledgeBase, rules: tuple[Rule, ...]) -> tuple[Status, set[str]]:
    ev = evaluate(lineage, kb, rules)
    findings = ev.findings + tuple(fail_closed(lineage, ev.findings))
    return combine(findings).status, {f.rule_id for f in findings}


def test_quantized_copies_inherit_over_several_hops(
    shipped_kb: KnowledgeBase, shipped_rules: tuple[Rule, ...]
) -> None:
    Q = Relation.QUANTIZED
    llama2 = "LicenseRef-Llama-2-Community"
    lineage = _lineage(("x/gguf", None, Q), ("x/fp16", None, Q), ("x/base", llama2, None))
    ev = evaluate(lineage, shipped_kb, shipped_rules)
    assert ev.concluded["x/gguf"] == ("LicenseRef-Llama-2-Community",)
    inherited = {f.ancestor for f in ev.findings if f.rule_id == INHERITED_RULE}
    assert inherited == {"x/gguf", "x/fp16"}
    status, rules = _judge(lineage, shipped_kb, shipped_rules)
    assert status is Status.CONDITIONAL and FAIL_CLOSED_RULE not in rules


@pytest.mark.parametrize(
    "hops",
    [
        # A fine-tune, adapter or merge that declares no license stays unknown.
        (("x/ft", None, Relation.FINETUNE), ("x/base", "Apache-2.0", None)),
        (("x/lora", None, Relation.ADAPTER), ("x/base", "Apache-2.0", None)),
        # A quantization of a model whose own license is unknown inherits nothing.
        (("x/q", None, Relation.QUANTIZED), ("x/mid", None, Relation.FINETUNE),
         ("x/base", "Apache-2.0", None)),
    ],
)  # fmt: skip
def test_no_inheritance_beyond_copies(
    shipped_kb: KnowledgeBase,
    shipped_rules: tuple[Rule, ...],
    hops: tuple[tuple[str, str | None, Relation | None], ...],
) -> None:
    status, rules = _judge(_lineage(*hops), shipped_kb, shipped_rules)
    assert status is Status.UNKNOWN
    assert INHERITED_RULE not in rules


def test_a_declared_but_unknown_license_is_not_replaced(
    shipped_kb: KnowledgeBase, shipped_rules: tuple[Rule, ...]
) -> None:
    lineage = _lineage(("x/q", None, Relation.QUANTIZED), ("x/base", "MIT", None))
    said = UnknownLicense("license 'acme' is not a license this tool knows", "acme")
    lineage = lineage._replace(nodes={**lineage.nodes, "x/q": _node("x/q", None)._replace(
        license=said)})  # fmt: skip
    status, _ = _judge(lineage, shipped_kb, shipped_rules)
    assert status is Status.UNKNOWN


def test_inheritance_is_said_in_every_report_format(
    offline_checker: Checker, tmp_path: Path
) -> None:
    text = "---\nbase_model: mistralai/Mistral-7B-Instruct-v0.1\nbase_model_relation: " \
        "quantized\n---\nGGUF files.\n"  # fmt: skip
    result = check_card(offline_checker, tmp_path, text)
    assert result.verdict.status is Status.ALLOWED
    for fmt in ("text", "json", "markdown", "sarif", "spdx-json", "spdx3", "cyclonedx"):
        assert "inherited" in render(result, fmt), fmt


def test_rule_files_cannot_make_builtin_findings() -> None:
    c = Collector("rules.yaml")
    parse_rule_file(
        {"schema_version": 1, "rules": [{
            "id": "builtin-license-inherited", "title": "t", "path": "weight*",
            "when": {"license_known": False}, "effect": {"status": "allowed"}, "message": "m",
        }]},
        c,
    )  # fmt: skip
    assert any("reserved" in p.message for p in c.problems)
    _ = KnowledgeBaseError  # the error tree stays importable beside the rules


@pytest.mark.parametrize(
    ("front", "prose", "expected"),
    [
        # An unknown named license is not replaced by a laxer statement in the prose...
        ("license: other\nlicense_name: acme-open-model-license", "## License\n\nMIT\n", None),
        ("license: acme-terms", "The model is released under the Apache 2.0 license.\n", None),
        # ... but a prohibition in the prose settles it, and a bare `other` defers to prose.
        ("license: acme-terms", "It may not be used for commercial purposes.\n",
         "LicenseRef-Stated-Non-Commercial"),
        ("license: other", "The model is released under the Apache 2.0 license.\n",
         "Apache-2.0"),
    ],
)  # fmt: skip
def test_prose_never_makes_an_unknown_declared_license_laxer(
    shipped_kb: KnowledgeBase, front: str, prose: str, expected: str | None
) -> None:
    lic = license_of(front, shipped_kb, prose)
    if expected is None:
        assert isinstance(lic, UnknownLicense)
    else:
        assert isinstance(lic, KnownLicense) and lic.id == expected


# -- the safety net ------------------------------------------------------------------------------

APACHE = "---\nlicense: apache-2.0\n---\n# Chatbot\n\n"


def test_a_stricter_model_named_without_its_use_holds_the_verdict(
    offline_checker: Checker, tmp_path: Path
) -> None:
    result = check_card(offline_checker, tmp_path, APACHE + "A chatbot project with LLaMA 13B.\n")
    assert result.verdict.status is Status.CONDITIONAL
    assert ("unconfirmed-ancestor", "huggyllama/llama-13b") in {
        (c.id, c.value) for c in result.verdict.conditions
    }
    finding = next(f for f in result.findings if f.ancestor == "huggyllama/llama-13b")
    assert "A chatbot project with LLaMA 13B." in finding.message
    assert [e.relation for e in finding.path] == [Relation.MENTIONED]
    # Not an ancestor: nothing of its license travels, and it is outside the weight lineage.
    assert result.concluded[result.lineage.root] == ("Apache-2.0",)


@pytest.mark.parametrize(
    "prose",
    [
        "Our model outperforms LLaMA 13B on every benchmark.",  # a comparison
        "The tokenizer is the same as LLaMA 13B.",  # architecture
        "A chatbot project with Mistral 7B.",  # named, but not stricter than what applies
    ],
)
def test_explained_or_laxer_mentions_leave_the_verdict(
    offline_checker: Checker, tmp_path: Path, prose: str
) -> None:
    result = check_card(offline_checker, tmp_path, APACHE + prose + "\n")
    assert result.verdict.status is Status.ALLOWED
    assert "unconfirmed-ancestor" not in {c.id for c in result.verdict.conditions}


def test_a_use_stated_elsewhere_makes_the_mention_an_ancestor(
    offline_checker: Checker, tmp_path: Path
) -> None:
    text = APACHE + "A chatbot project with LLaMA 13B.\n\nWe fine-tuned LLaMA 13B on chats.\n"
    result = check_card(offline_checker, tmp_path, text)
    assert result.verdict.status is Status.PROHIBITED
    relations = {e.relation for e in result.lineage.edges if e.parent == "huggyllama/llama-13b"}
    assert relations == {Relation.FINETUNE}


def test_undisclosed_data_is_an_unnamed_dataset(offline_checker: Checker, tmp_path: Path) -> None:
    text = (
        "---\nlicense: apache-2.0\nbase_model: mistralai/Mistral-7B-v0.1\n---\n"
        "We instruction-tuned it on an internally curated dataset.\n"
    )
    result = check_card(offline_checker, tmp_path, text)
    assert result.verdict.status is Status.CONDITIONAL
    assert "data-license-unknown" in {c.id for c in result.verdict.conditions}


def test_a_mention_is_valid_spdx(offline_checker: Checker, tmp_path: Path) -> None:
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    result = check_card(offline_checker, tmp_path, APACHE + "A chatbot project with LLaMA 13B.\n")
    out = tmp_path / "m.spdx.json"
    out.write_text(render(result, "spdx-json"), encoding="utf-8")
    assert validate_full_spdx_document(parse_file(str(out))) == []


@pytest.mark.parametrize(
    ("child", "front", "expected"),
    [
        ("TheBloke/Llama-2-13B-chat-GPTQ", "", ("meta-llama/Llama-2-13b-chat-hf", "quantized")),
        ("someone/Mistral-7B-Instruct-v0.2-GGUF", "", ("mistralai/Mistral-7B-Instruct-v0.2",
                                                      "quantized")),
        ("jordiclive/Llama-2-70b-oasst-1-200", "", ("meta-llama/Llama-2-70b-hf", "finetune")),
        # The metadata names the parent: the name adds nothing.
        ("TheBloke/Llama-2-13B-chat-GPTQ", "base_model: a/b", ("a/b", "finetune")),
        # A repo the knowledge base describes, or a name that embeds no known model.
        ("Qwen/Qwen2.5-7B-Instruct", "", None),
        ("acme/llama-helper", "", None),
    ],
)  # fmt: skip
def test_the_repo_name_is_lineage_when_nothing_else_is(
    shipped_kb: KnowledgeBase, child: str, front: str, expected: tuple[str, str] | None
) -> None:
    card = parse_card(f"---\n{front}\n---\nFiles.\n", "c.md")
    _, edges, _ = card_claims(card, child, "c.md", shipped_kb, SourceKind.HUB_METADATA)
    got = [(e.parent, e.relation.value if e.relation else None) for e in edges]
    assert got == ([expected] if expected else [])


@pytest.mark.parametrize(
    "prose",
    [
        "These weights may be used for academic research only.",
        "Provided for internal evaluation purposes only.",
        "We release it for scientific research only.",
        "Intended for non-commercial research use only.",
    ],
)
def test_restrictions_with_qualifiers_beat_a_permissive_front_matter(
    offline_checker: Checker, tmp_path: Path, prose: str
) -> None:
    """A restriction word after a qualifier or two ("academic research only") is still a
    restriction: an apache-2.0 label above it must not come out allowed."""
    result = check_card(offline_checker, tmp_path, f"---\nlicense: apache-2.0\n---\n{prose}\n")
    assert result.verdict.status is Status.PROHIBITED


@pytest.mark.parametrize(
    "prose",
    ["Free for research and commercial purposes.", "Good for academic and commercial work."],
)
def test_research_named_beside_commercial_use_is_no_restriction(
    offline_checker: Checker, tmp_path: Path, prose: str
) -> None:
    result = check_card(offline_checker, tmp_path, f"---\nlicense: apache-2.0\n---\n{prose}\n")
    assert result.verdict.status is Status.ALLOWED
