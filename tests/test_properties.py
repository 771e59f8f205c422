"""Properties the verdict must keep on any lineage and any rule set the schema accepts: missing
facts never turn into `allowed`, more findings never make a verdict better, and path patterns
mean what the equivalent regular expression means.

Example counts come from the Hypothesis profile (tests/conftest.py): a few dozen every day, a
few thousand in CI (`pytest -m "slow or hypothesis" --hypothesis-profile=ci`).
"""

from __future__ import annotations

import copy
import json
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.kb.schema import CLAUSE_NAMES, COMMERCIAL, COPYLEFT, OUTPUT_TRAINING
from model_licensecheck.model import (
    WEIGHT_RELATIONS,
    AnyNode,
    Condition,
    Edge,
    Evidence,
    Finding,
    KnownLicense,
    Lineage,
    Node,
    NodeKind,
    Relation,
    SourceKind,
    Status,
    UnknownLicense,
    UnresolvedNode,
)
from model_licensecheck.rules.engine import condition_key
from model_licensecheck.rules.parse import parse_rule_file
from model_licensecheck.rules.pathpattern import GROUPS, PathPattern
from model_licensecheck.rules.schema import Rule
from model_licensecheck.validation import Collector
from model_licensecheck.verdict.combine import combine
from model_licensecheck.verdict.policy import Deployment, Policy, Stance, apply_deployment

from .conftest import run
from .factories import STANDARD_LICENSES, make_kb

EV = Evidence(SourceKind.USER, "test")
KB = make_kb()
LICENSE_IDS = sorted(entry.id for entry in STANDARD_LICENSES)
TERMS_UNKNOWN = {e.id for e in STANDARD_LICENSES if e.clauses.commercial_use == "unknown"}
RELATIONS = sorted(Relation)

# --- path patterns --------------------------------------------------------------------------

_LETTER = {r: chr(ord("a") + i) for i, r in enumerate(RELATIONS)}
names = st.sampled_from([*(r.value for r in RELATIONS), *GROUPS])


@st.composite
def pattern_terms(draw: st.DrawFn) -> tuple[str, frozenset[Relation], str]:
    """One term: its text, the relations it accepts, and its quantifier."""
    chosen = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    quant = draw(st.sampled_from(["", "*", "+", "?"]))
    text = chosen[0] if len(chosen) == 1 else "{" + "|".join(chosen) + "}"
    rels = frozenset(r for n in chosen for r in (GROUPS[n] if n in GROUPS else {Relation(n)}))
    return text + quant, rels, quant


@st.composite
def patterns(draw: st.DrawFn) -> tuple[str, str]:
    """A pattern's text (with any spacing) and the Python regular expression it stands for,
    over one letter per relation."""
    terms = draw(st.lists(pattern_terms(), max_size=4))
    gaps = draw(st.lists(st.sampled_from([" ", "  ", "\t", "\n "]), min_size=len(terms) + 1,
                         max_size=len(terms) + 1))  # fmt: skip
    text = gaps[0] + "".join(t + g for (t, _, _), g in zip(terms, gaps[1:], strict=True))
    regex = "".join("[" + "".join(sorted(_LETTER[r] for r in rels)) + "]" + quant
                    for _, rels, quant in terms)  # fmt: skip
    return text, regex


def spelled(relations: Iterable[Relation]) -> str:
    return "".join(_LETTER[r] for r in relations)


@given(patterns())
def test_a_path_pattern_prints_as_text_that_parses_back_to_it(case: tuple[str, str]) -> None:
    text, _ = case
    pattern = PathPattern.parse(text)
    assert PathPattern.parse(str(pattern)) == pattern
    assert str(pattern) == " ".join(text.split())


@given(patterns(), st.lists(st.sampled_from(RELATIONS), max_size=6))
def test_a_path_pattern_accepts_what_its_regular_expression_accepts(
    case: tuple[str, str], path: list[Relation]
) -> None:
    text, regex = case
    pattern = PathPattern.parse(text)
    states = pattern.start()
    for relation in path:
        states = pattern.step(states, relation)
    assert pattern.accepts(states) is bool(re.fullmatch(regex, spelled(path)))


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 6) -> list[Edge]:
    """Edges between n0..nk, each from a lower to a higher number (no cycles)."""
    count = draw(st.integers(1, max_nodes))
    pairs = [(i, j) for i in range(count) for j in range(i + 1, count)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=8)) if pairs else []
    return [Edge(f"n{i}", f"n{j}", draw(st.sampled_from(RELATIONS)), ()) for i, j in chosen]


def by_child(edges: Iterable[Edge]) -> dict[str, list[Edge]]:
    out: dict[str, list[Edge]] = {}
    for e in edges:
        out.setdefault(e.child, []).append(e)
    return out


@given(patterns(), dags())
def test_a_walk_finds_exactly_the_nodes_a_matching_path_reaches_by_a_shortest_one(
    case: tuple[str, str], edges: list[Edge]
) -> None:
    text, regex = case
    children = by_child(edges)
    shortest: dict[str, int] = {}
    todo: list[tuple[str, tuple[Edge, ...]]] = [("n0", ())]
    while todo:  # every path of the DAG from n0: the oracle
        node, path = todo.pop()
        if re.fullmatch(regex, spelled(e.relation for e in path)):
            shortest[node] = min(shortest.get(node, len(path)), len(path))
        todo.extend((e.parent, (*path, e)) for e in children.get(node, ()))
    found = PathPattern.parse(text).walk("n0", children)
    assert {n: len(p) for n, p in found.items()} == shortest
    for node, path in found.items():
        assert [e.child for e in path] == ["n0", *(e.parent for e in path)][: len(path)]
        assert (path[-1].parent if path else "n0") == node
        assert re.fullmatch(regex, spelled(e.relation for e in path))
        assert all(e in edges for e in path)


# --- rule sets the schema accepts -----------------------------------------------------------

_SET_CLAUSES = ["user_cap", "revenue_cap", "acceptable_use_policy", "naming", "name_prefix"]
_ENUMS: Mapping[str, Sequence[str]] = {
    "commercial_use": COMMERCIAL,
    "copyleft": COPYLEFT,
    "output_training": OUTPUT_TRAINING,
}
_BOOL_CLAUSES = [n for n in CLAUSE_NAMES if n not in _ENUMS and n not in _SET_CLAUSES]
_TEMPLATES = [
    "{subject} reaches {ancestor} ({license}) through {path}.",
    "{ancestor} is under {license_name}; relation {relation}. {reason}",
    "plain text",
]


def when_value(key: str) -> st.SearchStrategy[Any]:
    if key in _ENUMS:
        return st.sampled_from(_ENUMS[key]) | st.lists(
            st.sampled_from(_ENUMS[key]), min_size=1, max_size=3, unique=True
        )
    if key in _SET_CLAUSES:
        return st.just("set")
    return st.booleans()


@st.composite
def rule_data(draw: st.DrawFn, rule_id: str) -> dict[str, Any]:
    """One rule as a rule file holds it, inside what rules/parse.py accepts."""
    kind = draw(st.sampled_from(["clause", "clause", "conflict"]))
    when_keys = st.sampled_from([*_ENUMS, *_BOOL_CLAUSES, *_SET_CLAUSES, "license_known"])
    keys = draw(st.lists(when_keys, min_size=1 if kind == "clause" else 0, max_size=3, unique=True))
    conditions = draw(st.lists(
        st.sampled_from(["attribution", "user-cap", "share-alike", "custom-term"])
        | st.builds(lambda cid, value: {"id": cid, "value": value},
                    st.sampled_from(["user-cap", "naming", "custom-term"]),
                    st.sampled_from(["{user_cap}", "{naming}", "{license}", "fixed"])),
        max_size=2))  # fmt: skip
    data: dict[str, Any] = {
        "id": rule_id,
        "title": "generated rule",
        "type": kind,
        "path": draw(patterns())[0],
        "effect": {"status": draw(st.sampled_from([s.label for s in Status])),
                   "conditions": conditions},
        "message": draw(st.sampled_from(_TEMPLATES)),
    }  # fmt: skip
    if keys:
        data["when"] = {k: draw(when_value(k)) for k in keys}
    if draw(st.booleans()):
        data["ancestor_kind"] = draw(st.lists(st.sampled_from([k.value for k in NodeKind]),
                                              min_size=1, unique=True))  # fmt: skip
    return data


@st.composite
def rule_sets(draw: st.DrawFn, max_rules: int = 6) -> tuple[Rule, ...]:
    count = draw(st.integers(0, max_rules))
    raw = [draw(rule_data(f"generated-{i}")) for i in range(count)]
    c = Collector("generated.yaml")
    rules = parse_rule_file({"schema_version": 1, "rules": raw}, c)
    assert c.problems == [], "the generator left the rule schema"
    assert len(rules) == count
    return tuple(rules)


policies = st.builds(
    Policy,
    deployment=st.builds(
        Deployment,
        monthly_active_users=st.none() | st.integers(0, 10**10),
        annual_revenue_usd=st.none() | st.integers(0, 10**10),
        distribution=st.none() | st.sampled_from(["internal", "hosted-service", "distributed"]),
        release_name=st.none() | st.sampled_from(["Llama-x", "other"]),
    ),
    stance=st.builds(Stance, st.booleans(), st.booleans(), st.booleans()),
)


# --- lineages -------------------------------------------------------------------------------


@st.composite
def lineages(draw: st.DrawFn, max_nodes: int = 7) -> Lineage:
    """A root model n0 and up to six ancestors of any kind, each with a license of the test
    knowledge base, an undetermined license, or unresolved; edges only point to later nodes
    (the resolver cuts cycles), and an unresolved node has none of its own."""
    count = draw(st.integers(1, max_nodes))
    nodes: dict[str, AnyNode] = {}
    for i in range(count):
        node_id = f"n{i}"
        kind = NodeKind.MODEL if i == 0 else draw(st.sampled_from(list(NodeKind)))
        choice = draw(st.sampled_from(["known", "known", "known", "unknown", "unresolved"]))
        if choice == "unresolved":
            nodes[node_id] = UnresolvedNode(node_id, kind, "could not be read")
        elif choice == "unknown":
            nodes[node_id] = Node(node_id, kind, UnknownLicense("no license given"))
        else:
            lic = draw(st.sampled_from(LICENSE_IDS))
            nodes[node_id] = Node(node_id, kind, KnownLicense(lic, lic.lower(), EV))
    edges = [
        e
        for e in draw(dags(count))
        if not isinstance(nodes[e.child], UnresolvedNode)
    ]  # fmt: skip
    return Lineage("n0", nodes, tuple(Edge(e.child, e.parent, e.relation, (EV,)) for e in edges))


def reached(
    lineage: Lineage, steps: Mapping[tuple[int, Relation], int], finals: set[int]
) -> set[str]:
    """Nodes some path from the root reaches ending in one of `finals`, following the small
    automaton `steps` (state, relation) -> state from state 0: a test oracle independent of
    rules/pathpattern.py."""
    children = by_child(lineage.edges)
    seen = {(lineage.root, 0)}
    queue = deque(seen)
    while queue:
        node, state = queue.popleft()
        for e in children.get(node, ()):
            nxt = steps.get((state, e.relation))
            if nxt is not None and (e.parent, nxt) not in seen:
                seen.add((e.parent, nxt))
                queue.append((e.parent, nxt))
    return {node for node, state in seen if state in finals}


_WEIGHT_STEPS = {(0, r): 0 for r in WEIGHT_RELATIONS}
# weight* trained_on derived_from* generated_by?  (states 0, 1, 2)
_DATA_STEPS = {**_WEIGHT_STEPS, (0, Relation.TRAINED_ON): 1, (1, Relation.DERIVED_FROM): 1,
               (1, Relation.GENERATED_BY): 2}  # fmt: skip


def undetermined(node: AnyNode, terms_too: bool = True) -> bool:
    """The node's license could not be determined (or, with `terms_too`, it names a license
    whose commercial terms are unknown)."""
    lic = node.license
    if isinstance(lic, UnknownLicense):
        return True
    return terms_too and lic.id in TERMS_UNKNOWN


def judge(checker: Checker, lineage: Lineage, rules: Sequence[Rule], policy: Policy) -> Status:
    """The verdict the checker gives `lineage` with exactly these rules, knowledge base and
    policy (a copy of the session's checker: nothing else changes)."""
    mine = copy.copy(checker)
    mine.kb, mine.rules = KB, tuple(rules)
    mine.options = checker.options._replace(policy=policy)
    return mine.check_lineage(lineage).verdict.status


def lose(lineage: Lineage, target: str, unresolved: bool) -> Lineage:
    """`lineage` with `target`'s license undetermined, or the node unresolved (then what it
    was made from is unknown too)."""
    node = lineage.nodes[target]
    if not unresolved:
        replaced: AnyNode = Node(target, node.kind, UnknownLicense("no license given"))
        return lineage._replace(nodes={**lineage.nodes, target: replaced})
    return lineage._replace(
        nodes={**lineage.nodes, target: UnresolvedNode(target, node.kind, "fetch failed")},
        edges=tuple(e for e in lineage.edges if e.child != target),
    )


@given(lineages(), st.data(), rule_sets(), policies)
def test_an_undetermined_weight_ancestor_is_never_allowed_under_any_rule_set(
    offline_checker: Checker,
    lineage: Lineage,
    data: st.DataObject,
    rules: tuple[Rule, ...],
    policy: Policy,
) -> None:
    """No rule file and no policy can switch off the built-in guard (DESIGN §4, fail closed):
    the rules here are generated, the shipped ones are not loaded."""
    target = data.draw(st.sampled_from(sorted(reached(lineage, _WEIGHT_STEPS, {0}))))
    lineage = lose(lineage, target, data.draw(st.booleans()))
    assert target in reached(lineage, _WEIGHT_STEPS, {0})
    assert judge(offline_checker, lineage, rules, policy) >= Status.UNKNOWN


@given(lineages(), rule_sets(max_rules=3), policies)
def test_with_the_shipped_rules_missing_facts_are_never_allowed(
    offline_checker: Checker, lineage: Lineage, extra: tuple[Rule, ...], policy: Policy
) -> None:
    """With the shipped rules (always loaded) and any extra ones: an undetermined weight
    ancestor judges as unknown or worse, undetermined data or generators as conditional or
    worse."""
    status = judge(offline_checker, lineage, (*offline_checker.rules, *extra), policy)
    weights = reached(lineage, _WEIGHT_STEPS, {0})
    data = reached(lineage, _DATA_STEPS, {1})
    generators = reached(lineage, _DATA_STEPS, {2})
    if any(undetermined(lineage.nodes[n]) for n in weights):
        assert status >= Status.UNKNOWN
    if any(undetermined(lineage.nodes[n]) for n in data) or any(
        undetermined(lineage.nodes[n], terms_too=False) for n in generators
    ):
        assert status is not Status.ALLOWED


@given(lineages(), st.data())
def test_losing_the_facts_of_any_node_never_makes_a_verdict_allowed(
    offline_checker: Checker, lineage: Lineage, data: st.DataObject
) -> None:
    """Metamorphic: a node that can no longer be read (its upstream unknown too) never turns a
    verdict that was not `allowed` into `allowed`; for a weight ancestor it gives unknown."""
    target = data.draw(st.sampled_from(sorted(lineage.nodes)))
    lost = lose(lineage, target, unresolved=True)
    rules, policy = offline_checker.rules, Policy()
    before = judge(offline_checker, lineage, rules, policy)
    after = judge(offline_checker, lost, rules, policy)
    if before is not Status.ALLOWED:
        assert after is not Status.ALLOWED
    if target in reached(lineage, _WEIGHT_STEPS, {0}):
        assert after >= Status.UNKNOWN


@given(lineages(), rule_sets(max_rules=4), rule_sets(max_rules=2), policies)
def test_adding_a_rule_never_improves_a_verdict(
    offline_checker: Checker,
    lineage: Lineage,
    rules: tuple[Rule, ...],
    more: tuple[Rule, ...],
    policy: Policy,
) -> None:
    more = tuple(r._replace(id=f"more-{r.id}") for r in more)
    assert judge(offline_checker, lineage, (*rules, *more), policy) >= judge(
        offline_checker, lineage, rules, policy
    )


# --- combining findings ---------------------------------------------------------------------


def _finding(**fields: Any) -> Finding:
    return Finding(**fields)


findings = st.builds(
    _finding,  # called by keyword (Finding's own fields name how its message is kept)
    rule_id=st.sampled_from(["r-a", "r-b", "r-c"]),
    title=st.just("t"),
    status=st.sampled_from(list(Status)),
    conditions=st.lists(
        st.builds(Condition, st.sampled_from(["attribution", "user-cap", "naming"]),
                  st.none() | st.sampled_from(["1", "x"])), max_size=2,
    ).map(lambda cs: tuple(sorted(set(cs), key=condition_key))),
    path=st.just(()),
    ancestor=st.sampled_from(["a", "b", "c"]),
    license_id=st.none(),
    message=st.just("m"),
)  # fmt: skip


@given(st.lists(findings, max_size=6), findings, st.randoms(use_true_random=False))
def test_adding_a_finding_never_improves_the_verdict(
    existing: list[Finding], added: Finding, rnd: Any
) -> None:
    before = combine(existing)
    after = combine([*existing, added])
    assert after.status >= before.status
    assert after.status >= added.status
    assert set(after.conditions) >= set(before.conditions) | set(added.conditions)
    shuffled = [*existing, added]
    rnd.shuffle(shuffled)
    again = combine(shuffled)
    assert (again.status, again.conditions) == (after.status, after.conditions)
    assert combine([]).status is Status.ALLOWED


def test_a_user_rule_naming_a_shipped_condition_without_its_value_is_combined(
    tmp_path: Path,
) -> None:
    """Found by the property above: the shipped rules give `user-cap=700000000` for Llama 2,
    a user's rule the bare `user-cap`; combining the two crashed (None against a string)."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "cap.yaml").write_text(
        "schema_version: 1\nrules:\n  - id: own-user-cap\n    title: Our note on user caps\n"
        '    path: "weight*"\n    when: {user_cap: set}\n'
        "    effect: {status: conditional, conditions: [user-cap]}\n"
        '    message: "{ancestor} caps its users."\n',
        encoding="utf-8",
    )
    assert run("meta-llama/Llama-2-7b-hf", "--offline", "--rules", str(rules)).exit_code == 0
    checker = Checker(CheckOptions(offline=True, rules_dirs=(rules,)))
    verdict = checker.check("meta-llama/Llama-2-7b-hf").verdict
    caps = [c for c in verdict.conditions if c.id == "user-cap"]
    assert caps == [Condition("user-cap"), Condition("user-cap", "700000000")]


def test_a_cap_condition_that_names_no_number_is_kept_for_a_person() -> None:
    """Found by the property above: a user's rule may give `user-cap` any text; a deployment
    with a number of users crashed comparing it (int('Apache-2.0')). It stays an obligation."""
    finding = Finding("own-cap", "t", Status.CONDITIONAL, (Condition("user-cap", "Apache-2.0"),),
                      (), "n1", None, "m")  # fmt: skip
    policy = Policy(deployment=Deployment(monthly_active_users=10, annual_revenue_usd=10))
    judged = apply_deployment([finding], Lineage("n0", {}, ()), policy, KB)
    assert judged.findings == (finding,)
    numeric = finding._replace(conditions=(Condition("user-cap", "5"),))
    assert apply_deployment([numeric], Lineage("n0", {}, ()), policy, KB).findings[0].status is (
        Status.PROHIBITED
    )


# --- the streamed JSON writer -----------------------------------------------------------------

_json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
_json = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


def _streamed(data: Any, rnd: Any) -> Any:
    """The same data with some of its lists made `Stream`s (built while written)."""
    from model_licensecheck.report.jsonreport import Stream

    if isinstance(data, dict):
        return {k: _streamed(v, rnd) for k, v in data.items()}
    if isinstance(data, list):
        items = [_streamed(v, rnd) for v in data]
        return Stream(iter(items)) if rnd.random() < 0.5 else items
    return data


@given(_json, st.booleans(), st.randoms(use_true_random=False))
def test_the_indented_stream_is_what_json_dumps_writes(
    data: Any, sort_keys: bool, rnd: Any
) -> None:
    # SARIF, SPDX and CycloneDX keep the standard library's spelling and are streamed: the
    # pieces must spell exactly what json.dumps would, whatever is streamed and how deep.
    from model_licensecheck.report.jsonreport import iter_indented

    expected = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=sort_keys) + "\n"
    assert "".join(iter_indented(_streamed(data, rnd), sort_keys=sort_keys)) == expected
