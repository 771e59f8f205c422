"""Path patterns over relation kinds."""

from __future__ import annotations

import pytest

from model_licensecheck.errors import PatternError
from model_licensecheck.model import Edge, Relation
from model_licensecheck.rules.pathpattern import PathPattern


def matches(pattern: str, relations: list[str]) -> bool:
    p = PathPattern.parse(pattern)
    states = p.start()
    for r in relations:
        states = p.step(states, Relation(r))
        if not states:
            return False
    return p.accepts(states)


@pytest.mark.parametrize(
    ("pattern", "relations", "expected"),
    [
        ("weight*", [], True),
        ("weight*", ["finetune", "quantized", "adapter"], True),
        ("weight*", ["trained_on"], False),
        ("", [], True),
        ("", ["finetune"], False),
        ("weight+", [], False),
        ("weight+", ["merge", "adapter"], True),
        ("weight* trained_on derived_from*", ["finetune", "trained_on"], True),
        ("weight* trained_on derived_from*", ["trained_on", "derived_from", "derived_from"], True),
        ("weight* trained_on derived_from*", ["finetune"], False),
        ("finetune? trained_on", ["finetune", "finetune", "trained_on"], False),
        ("{trained_on|pretrained_on}+", ["pretrained_on", "trained_on"], True),
        ("any*", ["generated_by", "finetune"], True),
    ],
)
def test_matching(pattern: str, relations: list[str], expected: bool) -> None:
    assert matches(pattern, relations) is expected


@pytest.mark.parametrize("bad", ["weights*", "finetune**", "{a|b}", "trained-on"])
def test_bad_patterns_are_named(bad: str) -> None:
    with pytest.raises(PatternError):
        PathPattern.parse(bad)


def test_walk_finds_shortest_matching_path_through_cycles() -> None:
    edges = [
        Edge("a", "b", Relation.FINETUNE, ()),
        Edge("b", "a", Relation.FINETUNE, ()),
        Edge("b", "d", Relation.TRAINED_ON, ()),
    ]
    by_child: dict[str, list[Edge]] = {}
    for e in edges:
        by_child.setdefault(e.child, []).append(e)
    found = PathPattern.parse("weight* trained_on").walk("a", by_child)
    assert list(found) == ["d"]
    assert [e.parent for e in found["d"]] == ["b", "d"]


def test_a_walk_may_start_as_if_reached_through_a_relation() -> None:
    by_child = {"mix": [Edge("mix", "part", Relation.DERIVED_FROM, ())]}
    data = PathPattern.parse("weight* trained_on derived_from*")
    assert data.walk("mix", by_child) == {}
    via = data.walk("mix", by_child, Relation.TRAINED_ON)
    assert sorted(via) == ["mix", "part"]
    assert via["mix"] == ()  # the start itself: no edge of the graph was followed
    assert PathPattern.parse("weight*").walk("mix", by_child, Relation.TRAINED_ON) == {}
