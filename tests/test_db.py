"""The `licensecheck db` commands over the bundled knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import run


def test_show_a_model_lists_license_upstream_and_sources() -> None:
    result = run("db", "show", "databricks/dolly-v2-12b", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["license"]["id"] == "MIT"
    assert {(u["id"], u["relation"]) for u in data["upstream"]} == {
        ("EleutherAI/pythia-12b", "finetune"),
        ("databricks/databricks-dolly-15k", "trained_on"),
    }
    assert data["sources"]


def test_show_a_license_by_hub_id() -> None:
    result = run("db", "show", "llama2")
    assert result.exit_code == 0
    assert "user_cap: 700000000" in result.stdout


def test_show_unknown_id_exits_2() -> None:
    result = run("db", "show", "nobody/nothing")
    assert result.exit_code == 2
    assert "not in the knowledge base" in result.stderr


def test_search_matches_aliases() -> None:
    result = run("db", "search", "LLaMA-13B", "--json")
    ids = [h["id"] for h in json.loads(result.stdout)]
    assert ids[0] == "huggyllama/llama-13b"


def test_validate_and_stats() -> None:
    result = run("db", "validate")
    assert result.exit_code == 0
    assert result.stdout.startswith("knowledge base OK: ")
    stats = json.loads(run("db", "stats", "--json").stdout)
    assert stats["hf_license_ids"] == 83
    assert stats["models"] >= 60


def test_validate_reports_a_broken_knowledge_base(tmp_path: Path) -> None:
    (tmp_path / "licenses").mkdir()
    (tmp_path / "licenses" / "x.yaml").write_text("schema_version: 2\n", encoding="utf-8")
    result = run("db", "validate", "--kb", str(tmp_path))
    assert result.exit_code == 2
    assert "unsupported schema_version 2" in result.stderr
