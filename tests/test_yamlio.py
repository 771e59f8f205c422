"""The safe YAML loader: lines kept, aliases, tags and duplicate keys refused."""

from __future__ import annotations

import pytest

from model_licensecheck.errors import YamlError
from model_licensecheck.yamlio import LineDict, load


def test_mappings_remember_their_lines() -> None:
    data = load("a: 1\nb:\n  c: 2\n")
    assert isinstance(data, LineDict)
    assert data.line_of("b") == 2
    assert data["b"].line == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x 1\nb: *x\n", "aliases"),
        ("a: &x {q: 1}\nb:\n  <<: *x\n", "aliases"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("a: [\n", "line 2"),
        ("!!python/object/apply:os.system ['true']\n", "constructor"),
    ],
)
def test_unsafe_or_broken_yaml_is_refused(text: str, message: str) -> None:
    with pytest.raises(YamlError, match=message):
        load(text)


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 40)
    ]
    with pytest.raises(YamlError, match="aliases"):
        load("\n".join(lines))
