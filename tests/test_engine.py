"""Propagation through real lineage shapes: each verdict class, conflicts, fail-closed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from model_licensecheck.model import (
    Condition,
    Finding,
    Lineage,
    NodeKind,
    Relation,
    Status,
    Verdict,
)
from model_licensecheck.resolve.kbsource import KnowledgeBaseSource, facts_of
from model_licensecheck.resolve.resolver import Resolver
from model_licensecheck.rules.engine import Evaluation, evaluate
from model_licensecheck.rules.schema import load_rules
from model_licensecheck.verdict.combine import FAIL_CLOSED_RULE, combine, fail_closed

from .factories import artifact, make_kb

if TYPE_CHECKING:
    from model_licensecheck.kb.schema import ArtifactEntry
    from model_licensecheck.rules.schema import Rule

M, D, S = NodeKind.MODEL, NodeKind.DATASET, NodeKind.SERVICE
FT, AD, Q = Relation.FINETUNE, Relation.ADAPTER, Relation.QUANTIZED
TRAINED, PRE = Relation.TRAINED_ON, Relation.PRETRAINED_ON
GEN, DER = Relation.GENERATED_BY, Relation.DERIVED_FROM


def judge(
    root: str, rules: tuple[Rule, ...], *entries: ArtifactEntry, root_in_kb: bool = False
) -> tuple[Verdict, tuple[Finding, ...], Lineage, Evaluation]:
    """Resolve `root` (the first entry, kept out of the knowledge base unless asked, so that
    its upstream may be missing) against the others, and judge it."""
    assert entries[0].id == root
    kb = make_kb(*(entries if root_in_kb else entries[1:]))
    resolver = Resolver(kb, [KnowledgeBaseSource(kb)])
    lineage = resolver.resolve(facts_of(entries[0], kb))
    ev = evaluate(lineage, kb, rules)
    findings = ev.findings + tuple(fail_closed(lineage, ev.findings))
    return combine(findings), findings, lineage, ev


def test_permissive_finetune_is_allowed_with_attribution(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, findings, _, ev = judge(
        "org/ft", shipped_rules,
        artifact("org/ft", "mit", upstream=(("lab/base", FT), ("org/data", TRAINED))),
        artifact("lab/base", "apache-2.0"),
        artifact("org/data", "cc-by-sa-4.0", kind=D),
    )  # fmt: skip
    assert verdict.status is Status.ALLOWED
    assert Condition("attribution") in verdict.conditions
    assert {f.rule_id for f in findings} >= {"weights-attribution", "data-share-alike-note"}
    assert ev.concluded["org/ft"] == ("Apache-2.0", "MIT")


def test_user_cap_and_policy_flow_through_a_quantization(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, findings, _, _ = judge(
        "quant/q", shipped_rules,
        artifact("quant/q", "community", upstream=(("org/ft", Q),)),
        artifact("org/ft", "community", upstream=(("meta/base", FT),)),
        artifact("meta/base", "community"),
    )  # fmt: skip
    assert verdict.status is Status.CONDITIONAL
    assert Condition("user-cap", "700000000") in verdict.conditions
    assert Condition("acceptable-use-policy", "https://example.org/aup") in verdict.conditions
    cap = [f for f in findings if f.rule_id == "weights-user-cap" and f.ancestor == "meta/base"]
    assert cap[0].path_ids == ("quant/q", "org/ft", "meta/base")


@pytest.mark.parametrize("derivative", [True, False])
def test_a_quantization_is_a_derivative_unless_the_stance_says_otherwise(
    derivative: bool,
) -> None:
    # The stance is a rule file (rules/stances/quantization-derivative.yaml), not code: it
    # decides chains of quantizations alone; an adapter on the quantization is an adaptation
    # under either stance.
    rules = load_rules(stances={"quantization_is_derivative": derivative})
    base = artifact("nd/base", "cc-by-nd-4.0")
    quant = artifact("q/q", "cc-by-nd-4.0", upstream=(("nd/base", Q),))
    verdict, findings, _, _ = judge("q/q", rules, quant, base)
    no_derivatives = [f for f in findings if Condition("no-derivatives") in f.conditions]
    if derivative:
        assert verdict.status is Status.CONDITIONAL
        assert [f.rule_id for f in no_derivatives] == ["weights-no-derivatives-quantized"]
        assert no_derivatives[0].path_ids == ("q/q", "nd/base")
    else:
        assert verdict.status is Status.ALLOWED
        assert no_derivatives == []
    adapter = artifact("a/lora", "cc-by-nd-4.0", upstream=(("q/q", AD),))
    verdict, findings, _, _ = judge("a/lora", rules, adapter, quant, base)
    assert verdict.status is Status.CONDITIONAL
    assert "weights-no-derivatives" in {f.rule_id for f in findings if f.ancestor == "nd/base"}


def test_research_base_two_levels_up_prohibits(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, _, _, _ = judge(
        "x/gptq", shipped_rules,
        artifact("x/gptq", "mit", upstream=(("y/chat", Q),)),
        artifact("y/chat", "mit", upstream=(("meta/llama", AD),)),
        artifact("meta/llama", "LicenseRef-Research"),
    )  # fmt: skip
    assert verdict.status is Status.PROHIBITED
    driver = next(f for f in verdict.drivers if f.rule_id == "weights-non-commercial")
    assert driver.path_ids == ("x/gptq", "y/chat", "meta/llama")
    assert "meta/llama" in driver.message


def test_non_commercial_finetuning_data_prohibits(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, _, _, _ = judge(
        "a/m", shipped_rules,
        artifact("a/m", "apache-2.0", upstream=(("a/base", FT), ("a/mix", TRAINED))),
        artifact("a/base", "apache-2.0"),
        artifact("a/mix", "apache-2.0", kind=D, upstream=(("a/part", DER),)),
        artifact("a/part", "cc-by-nc-4.0", kind=D),
    )  # fmt: skip
    assert verdict.status is Status.PROHIBITED
    assert verdict.drivers[0].path_ids == ("a/m", "a/mix", "a/part")


def test_pretraining_corpus_carries_nothing_by_default(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, _, _, _ = judge(
        "a/m", shipped_rules,
        artifact("a/m", "apache-2.0", upstream=(("a/pile", PRE),)),
        artifact("a/pile", "cc-by-nc-4.0", kind=D, pretraining=True),
    )  # fmt: skip
    assert verdict.status is Status.ALLOWED


def test_service_generated_data_adds_service_terms(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, findings, _, _ = judge(
        "a/m", shipped_rules,
        artifact("a/m", "apache-2.0", upstream=(("a/chats", TRAINED),)),
        artifact("a/chats", "apache-2.0", kind=D, upstream=(("api:gpt", GEN),)),
        artifact("api:gpt", "LicenseRef-Terms", kind=S),
    )  # fmt: skip
    assert verdict.status is Status.CONDITIONAL
    # the condition names the terms and the version read (none is recorded for this one)
    named = Condition("service-terms", "LicenseRef-Terms (version not recorded)")
    assert named in verdict.conditions
    assert any(f.rule_id == "service-output-terms" for f in findings)


def test_unresolved_base_is_unknown_never_allowed(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, _findings, lineage, _ = judge(
        "a/m", shipped_rules, artifact("a/m", "mit", upstream=(("gone/base", FT),))
    )
    assert verdict.status is Status.UNKNOWN
    assert "gone/base" in verdict.summary
    assert lineage.nodes["gone/base"].kind is M


def test_license_other_without_clues_is_unknown(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, _, _, _ = judge("a/m", shipped_rules, artifact("a/m", "other"))
    assert verdict.status is Status.UNKNOWN


def test_unknown_data_license_is_at_least_conditional(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, _, _, _ = judge(
        "a/m", shipped_rules, artifact("a/m", "mit", upstream=(("gone/data", TRAINED),))
    )
    assert verdict.status is Status.CONDITIONAL
    assert Condition("data-license-unknown") in verdict.conditions


def test_declared_license_more_permissive_than_base_is_a_conflict(
    shipped_rules: tuple[Rule, ...],
) -> None:
    verdict, findings, _, _ = judge(
        "a/m", shipped_rules,
        artifact("a/m", "apache-2.0", upstream=(("meta/llama", FT),)),
        artifact("meta/llama", "LicenseRef-Research"),
    )  # fmt: skip
    assert verdict.status is Status.PROHIBITED  # the verdict follows the upstream
    conflict = [f for f in findings if f.rule_id == "license-conflict-weights"]
    assert conflict and "declares Apache-2.0" in conflict[0].message
    assert Condition("license-conflict") in verdict.conditions


def test_fail_closed_does_not_depend_on_rule_files() -> None:
    verdict, findings, _, _ = judge("a/m", (), artifact("a/m", "mit", upstream=(("gone/x", FT),)))
    assert verdict.status is Status.UNKNOWN
    assert [f.rule_id for f in findings] == [FAIL_CLOSED_RULE]


def test_depth_limit_makes_deep_ancestors_unknown(shipped_rules: tuple[Rule, ...]) -> None:
    chain = [artifact(f"o/m{i}", "mit", upstream=((f"o/m{i + 1}", FT),)) for i in range(5)]
    # every link but the root is in the knowledge base
    kb = make_kb(*chain[1:], artifact("o/m5", "mit"))
    lineage = Resolver(kb, [KnowledgeBaseSource(kb)], max_depth=2).resolve(facts_of(chain[0], kb))
    ev = evaluate(lineage, kb, shipped_rules)
    assert combine(ev.findings).status is Status.UNKNOWN
    assert "depth limit" in lineage.nodes["o/m3"].license.reason  # type: ignore[union-attr]


def test_cycles_are_cut_and_reported(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, _, lineage, _ = judge(
        "c/a", shipped_rules,
        artifact("c/a", "mit", upstream=(("c/b", FT),)),
        artifact("c/b", "mit", upstream=(("c/a", FT),)),
        root_in_kb=True,
    )  # fmt: skip
    assert verdict.status is Status.ALLOWED
    assert any("Cycle" in n for n in lineage.notes)


def test_a_dataset_checked_alone_is_judged_as_fine_tuning_data(
    shipped_rules: tuple[Rule, ...],
) -> None:
    # Its parts and generators reach it as they would reach a model trained on it; its own
    # non-commercial license prohibits, where a weight rule would not have looked at data.
    verdict, findings, lineage, _ = judge(
        "org/mix", shipped_rules,
        artifact("org/mix", "mit", kind=D, upstream=(("org/part", DER), ("api:gen", GEN))),
        artifact("org/part", "cc-by-nc-4.0", kind=D),
        artifact("api:gen", "LicenseRef-Terms", kind=S),
    )  # fmt: skip
    assert verdict.status is Status.PROHIBITED
    by_rule = {f.rule_id: f for f in findings}
    assert by_rule["data-non-commercial"].ancestor == "org/part"
    assert by_rule["data-non-commercial"].message.startswith("a model trained on org/mix ")
    assert "service-output-terms" in by_rule
    assert not any(f.rule_id.startswith("weights-") for f in findings)
    own, _, _, _ = judge("org/nc", shipped_rules, artifact("org/nc", "cc-by-nc-4.0", kind=D))
    assert own.status is Status.PROHIBITED
    unknown, _, _, _ = judge(
        "org/mix2", shipped_rules,
        artifact("org/mix2", "mit", kind=D, upstream=(("org/gone", DER),)),
    )  # fmt: skip
    assert unknown.status >= Status.CONDITIONAL  # a part that cannot be read is never allowed
    assert lineage.root == "org/mix"


def test_a_licensor_may_relicense_its_own_work(shipped_rules: tuple[Rule, ...]) -> None:
    # DESIGN §4: an MIT release on the same organisation's stricter base is no conflict, and
    # the base's license does not reach it; the report says why.
    verdict, findings, _, ev = judge(
        "lab/r1", shipped_rules,
        artifact("lab/r1", "mit", upstream=(("lab/base", FT),)),
        artifact("lab/base", "community"),
    )  # fmt: skip
    assert verdict.status is Status.ALLOWED
    assert Condition("license-conflict") not in verdict.conditions
    assert [f.ancestor for f in findings if f.rule_id == "same-licensor-relicense"] == ["lab/base"]
    assert ev.concluded["lab/r1"] == ("MIT",)


def test_another_organisation_cannot_relicense(shipped_rules: tuple[Rule, ...]) -> None:
    verdict, findings, _, _ = judge(
        "fan/r1", shipped_rules,
        artifact("fan/r1", "mit", upstream=(("lab/base", FT),)),
        artifact("lab/base", "community"),
    )  # fmt: skip
    assert verdict.status is Status.CONDITIONAL
    assert Condition("license-conflict") in verdict.conditions
    assert not any(f.rule_id == "same-licensor-relicense" for f in findings)


def test_the_knowledge_base_names_a_licensor_across_organisations(
    shipped_rules: tuple[Rule, ...],
) -> None:
    both = judge(
        "old-org/m", shipped_rules,
        artifact("old-org/m", "mit", upstream=(("new-org/base", FT),), licensor="Lab Inc."),
        artifact("new-org/base", "community", licensor="Lab Inc."),
        root_in_kb=True,
    )  # fmt: skip
    assert both[0].status is Status.ALLOWED
    one = judge(
        "old-org/m", shipped_rules,
        artifact("old-org/m", "mit", upstream=(("new-org/base", FT),), licensor="Lab Inc."),
        artifact("new-org/base", "community"),
        root_in_kb=True,
    )  # fmt: skip
    assert Condition("license-conflict") in one[0].conditions


def test_relicensing_keeps_what_the_base_was_made_from(shipped_rules: tuple[Rule, ...]) -> None:
    # The licensor relicenses its own weights, not another licensor's base under them nor
    # the non-commercial data it trained on; an upstream that could not be read is never
    # bypassed (it may hide either).
    verdict, _, _, _ = judge(
        "lab/v2", shipped_rules,
        artifact("lab/v2", "mit", upstream=(("lab/v1", FT),)),
        artifact("lab/v1", "apache-2.0", upstream=(("meta/llama", FT), ("lab/data", TRAINED))),
        artifact("meta/llama", "community"),
        artifact("lab/data", "cc-by-nc-4.0", kind=D),
    )  # fmt: skip
    assert verdict.status is Status.PROHIBITED
    assert Condition("user-cap", "700000000") in verdict.conditions
    unread = judge("lab/v2", shipped_rules, artifact("lab/v2", "mit", upstream=(("lab/gone", FT),)))
    assert unread[0].status is Status.UNKNOWN


@pytest.mark.parametrize("authored_by", ["models", "mixed"])
def test_model_written_data_with_no_named_writer_is_a_condition(
    shipped_rules: tuple[Rule, ...], authored_by: str
) -> None:
    """The knowledge base says models wrote the data but names none: their terms on outputs
    are unknown, which must not read as "no terms" (DESIGN §5)."""
    verdict, findings, lineage, _ = judge(
        "org/ft", shipped_rules,
        artifact("org/ft", "mit", upstream=(("org/data", TRAINED),)),
        artifact("org/data", "apache-2.0", kind=D, authored_by=authored_by),
    )  # fmt: skip
    assert verdict.status is Status.CONDITIONAL
    assert Condition("generator-terms-unknown") in verdict.conditions
    writer = "org/data#unnamed-generator"
    assert lineage.nodes[writer].kind is S
    assert any(f.ancestor == writer and f.rule_id == "generator-terms-unknown" for f in findings)


def test_human_written_or_attributed_data_has_no_unnamed_writer(
    shipped_rules: tuple[Rule, ...],
) -> None:
    for data in (
        artifact("org/data", "apache-2.0", kind=D, authored_by="humans"),
        artifact("org/data", "apache-2.0", kind=D, authored_by="models",
                 upstream=(("lab/writer", GEN),)),
    ):  # fmt: skip
        verdict, _, lineage, _ = judge(
            "org/ft", shipped_rules,
            artifact("org/ft", "mit", upstream=(("org/data", TRAINED),)),
            data, artifact("lab/writer", "apache-2.0"),
        )  # fmt: skip
        assert not any(n.endswith("#unnamed-generator") for n in lineage.nodes)
        assert verdict.status is Status.ALLOWED


def test_messages_are_rendered_when_read_and_say_what_the_rule_says(
    shipped_rules: tuple[Rule, ...],
) -> None:
    # Rule findings keep the rule's template and render it when a report reads the message (a
    # million-node lineage has millions of findings, most never read): what they say is the
    # same as before, and equality and order are by what they say.
    _, findings, lineage, _ = judge(
        "a/m", shipped_rules,
        artifact("a/m", "apache-2.0", upstream=(("meta/llama", FT), ("org/data", TRAINED))),
        artifact("meta/llama", "LicenseRef-Research"),
        artifact("org/data", "cc-by-sa-4.0", kind=D),
    )  # fmt: skip
    lazy = [f for f in findings if not isinstance(f.text, str)]
    assert {f.rule_id for f in lazy} >= {"license-conflict-weights", "data-share-alike-note"}
    for f in lazy:
        rendered = f._replace(message=f.message)
        assert isinstance(rendered.text, str)
        assert rendered == f and hash(rendered) == hash(f)
        assert f.message == f.message  # rendering again gives the same text
        assert f.ancestor in f.message or lineage.root in f.message
    conflict = next(f for f in lazy if f.rule_id == "license-conflict-weights")
    assert "declares Apache-2.0" in conflict.message  # the fields only that rule adds
    changed = conflict._replace(message=conflict.message + " [policy: x]")
    assert changed != conflict and changed.message.endswith("[policy: x]")
    keys = [(-f.status, f.rule_id, f.ancestor) for f in findings if f.rule_id != FAIL_CLOSED_RULE]
    assert keys == sorted(keys)
