"""The shipped rule files are validated once and then read compiled from the cache: the same
rules either way, a changed file is validated again, a damaged cache is ignored."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from model_licensecheck.errors import RuleFileError
from model_licensecheck.paths import shipped_rules_dir
from model_licensecheck.rules import schema
from model_licensecheck.rules.schema import load_rules


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the shipped rules and an empty cache."""
    folder = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), folder)
    monkeypatch.setattr(schema, "shipped_rules_dir", lambda: folder)
    monkeypatch.setenv("MODEL_LICENSECHECK_CACHE", str(tmp_path / "cache"))
    return folder


def _cache_files(rules_copy: Path) -> list[Path]:
    return sorted((rules_copy.parent / "cache").rglob("*.json"))


def test_compiled_rules_equal_the_validated_yaml(rules_copy: Path) -> None:
    stances = list(schema.STANCES)
    fresh = load_rules(stances=stances)  # validates the YAML and stores the compiled rules
    assert len(_cache_files(rules_copy)) == 2  # the rules, the stance files
    cached = load_rules(stances=stances)
    assert cached == fresh
    assert len(cached) > 20


def test_a_changed_rule_file_is_validated_again(rules_copy: Path) -> None:
    load_rules()
    target = sorted(rules_copy.glob("*.yaml"))[0]
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("status:", "status: not-a-status #", 1), encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rules()
    assert target.name in str(caught.value.problems[0])


def test_a_damaged_cache_is_compiled_again(rules_copy: Path) -> None:
    fresh = load_rules()
    (cache,) = _cache_files(rules_copy)
    stored = json.loads(cache.read_text(encoding="utf-8"))
    stored[0][0] = {"id": "x"}  # the right shape, a rule missing its fields
    cache.write_text(json.dumps(stored), encoding="utf-8")
    assert load_rules() == fresh
