"""Policy discovery: `.licensecheck.yml` or `[tool.licensecheck]` in pyproject.toml, found
from the working directory up to the repository root; --policy wins, --no-config disables it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model_licensecheck.errors import ValidationError
from model_licensecheck.verdict.config import discover_policy, display_path
from model_licensecheck.verdict.policy import load_policy

from .conftest import one_report, run

DOLLY = "databricks/dolly-v2-12b"  # allowed offline: only a policy can fail it
FAILS_DOLLY = "schema_version: 1\ndeny: {models: [databricks/dolly-v2-12b]}\n"
TOML_FAILS_DOLLY = (
    '[project]\nname = "x"\n\n[tool.licensecheck]\nschema_version = 1\n\n'
    '[tool.licensecheck.deny]\nmodels = ["databricks/dolly-v2-12b"]\n'
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository root with a nested working folder, the process inside it."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    work = tmp_path / "repo" / "models" / "deep"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    return tmp_path / "repo"


def test_a_policy_in_a_parent_folder_is_found_and_named(repo: Path) -> None:
    (repo / ".licensecheck.yml").write_text(FAILS_DOLLY, encoding="utf-8")
    result = run(DOLLY, "--offline")
    assert result.exit_code == 1
    assert "[policy ../../.licensecheck.yml]" in result.stdout
    data = one_report(run(DOLLY, "--offline", "--format", "json").stdout)
    assert data["policy"] == "../../.licensecheck.yml"
    sarif = json.loads(run(DOLLY, "--offline", "--format", "sarif").stdout)
    assert sarif["runs"][0]["properties"]["verdicts"][0]["policy"] == "../../.licensecheck.yml"


def test_pyproject_table_is_read_and_a_pyproject_without_it_is_passed_over(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(TOML_FAILS_DOLLY, encoding="utf-8")
    (repo / "models" / "pyproject.toml").write_text('[project]\nname = "y"\n', encoding="utf-8")
    result = run(DOLLY, "--offline")
    assert result.exit_code == 1
    assert "[policy ../../pyproject.toml]" in result.stdout
    assert "deny list" in result.stdout


def test_dedicated_file_beats_pyproject_in_the_same_folder(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(TOML_FAILS_DOLLY, encoding="utf-8")
    (repo / ".licensecheck.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    assert discover_policy(Path.cwd()) == str((repo / ".licensecheck.yaml").resolve())
    (repo / ".licensecheck.yml").write_text("schema_version: 1\n", encoding="utf-8")
    assert discover_policy(Path.cwd()) == str((repo / ".licensecheck.yml").resolve())
    assert run(DOLLY, "--offline").exit_code == 0


def test_nearest_folder_wins(repo: Path) -> None:
    (repo / ".licensecheck.yml").write_text(FAILS_DOLLY, encoding="utf-8")
    (repo / "models" / ".licensecheck.yml").write_text("schema_version: 1\n", encoding="utf-8")
    assert run(DOLLY, "--offline").exit_code == 0


def test_the_walk_stops_at_the_repository_root(repo: Path) -> None:
    (repo.parent / ".licensecheck.yml").write_text(FAILS_DOLLY, encoding="utf-8")
    assert discover_policy(Path.cwd()) is None
    result = run(DOLLY, "--offline")
    assert result.exit_code == 0
    assert "[policy" not in result.stdout


def test_explicit_policy_wins_and_no_config_disables_discovery(repo: Path) -> None:
    (repo / ".licensecheck.yml").write_text(FAILS_DOLLY, encoding="utf-8")
    explicit = repo / "lenient.yml"
    explicit.write_text("schema_version: 1\n", encoding="utf-8")
    assert run(DOLLY, "--offline", "--policy", str(explicit)).exit_code == 0
    result = run(DOLLY, "--offline", "--no-config")
    assert result.exit_code == 0
    assert "[policy" not in result.stdout


def test_an_invalid_discovered_policy_is_an_input_error_with_file_and_line(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(
        '[tool.licensecheck]\nschema_version = 1\ncolour = "red"\n\n'
        '[[tool.licensecheck.waivers]]\nmodel = "a/b"\nreason = "r"\n'
        'approved_by = "me"\nexpires = 2030-01-01\nextra = 1\n',
        encoding="utf-8",
    )
    result = run(DOLLY, "--offline")
    assert result.exit_code == 2
    assert "../../pyproject.toml colour (line 3): unknown key" in result.stderr
    assert "waivers[0].extra (line 10): unknown key" in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_toml_is_reported_not_skipped(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[tool.licensecheck\n", encoding="utf-8")
    result = run(DOLLY, "--offline")
    assert result.exit_code == 2
    assert "invalid TOML" in result.stderr


def test_pyproject_policy_validates_like_the_yaml_one(tmp_path: Path) -> None:
    toml = tmp_path / "pyproject.toml"
    toml.write_text(
        "[tool.licensecheck]\nschema_version = 1\n[tool.licensecheck.deployment]\n"
        'distribution = "everywhere"\nmonthly_active_users = -1\n',
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        load_policy(toml)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"deployment.distribution", "deployment.monthly_active_users"}
    toml.write_text('[project]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"no \[tool.licensecheck\] table"):
        load_policy(toml)


@pytest.mark.parametrize(
    "text",
    [
        "[tool.licensecheck]\nschema_version = 1\n",
        "[tool]\nlicensecheck = {schema_version = 1}\n",
        "[tool]\nlicensecheck.schema_version = 1\n",
        "tool.licensecheck.schema_version = 1\n",
        '[tool."licensecheck".gate]\nfail_on = []\n',
    ],
)
def test_every_toml_spelling_of_the_table_is_found(tmp_path: Path, text: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    assert discover_policy(tmp_path) == str((tmp_path / "pyproject.toml").resolve())


def test_a_pyproject_that_only_names_the_tool_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "model-licensecheck"\n[project.scripts]\n'
        'licensecheck = "model_licensecheck.console:run"\n[tool.licensecheckx]\na = 1\n',
        encoding="utf-8",
    )
    assert discover_policy(tmp_path) is None


def test_display_path_is_relative_to_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert display_path(tmp_path / "p.yml", tmp_path / "a" / "b") == "../../p.yml"
    assert display_path(tmp_path / "a" / "p.yml", tmp_path / "a") == "p.yml"
