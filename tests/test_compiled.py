"""The compiled file (compiled.py, kb/index.py): it answers exactly what the YAML says, an edit
compiles anew, a damaged cache file is compiled again and never half read, a damaged shipped
file is one clear error, and the wheel carries the shipped data compiled."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from model_licensecheck import compiled
from model_licensecheck.errors import CompiledFileError, ExitCode, RuleFileError
from model_licensecheck.kb.index import CompiledFile
from model_licensecheck.kb.loader import KnowledgeBase, load_kb, read_yaml
from model_licensecheck.paths import shipped_kb_dir, shipped_rules_dir
from model_licensecheck.rules.parse import parse_rule_file, read_rule_file
from model_licensecheck.rules.schema import STANCES, load_rules, stance_files
from model_licensecheck.validation import Collector

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user cache, and nothing opened earlier in this process."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("MODEL_LICENSECHECK_CACHE", str(folder))
    monkeypatch.setattr(compiled, "_opened", {})
    return folder


def _compiled_files(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.lcdb"))


def assert_answers_like_the_yaml(kb: KnowledgeBase, kb_dir: Path | str) -> None:
    """Every entry of the YAML comes back equal, under every name it has."""
    licenses, artifacts = read_yaml(kb_dir)
    assert sorted(kb.artifacts) == sorted(a.id for a in artifacts)
    assert sorted(kb.licenses) == sorted(x.id for x in licenses)
    for art in artifacts:
        for ident in (art.id, *art.also_known_as, *art.names):
            assert kb.artifact(ident) == art
    for lic in licenses:
        for name in (lic.id, *lic.hf_ids, *lic.aliases):
            found = kb.find_license(name)
            assert found is not None and found.entry == lic
        for url in lic.urls:
            assert kb.find_license_by_url(url) == lic


def test_the_compiled_shipped_knowledge_base_is_the_yaml(cache: Path) -> None:
    assert_answers_like_the_yaml(load_kb(), shipped_kb_dir())
    assert len(_compiled_files(cache)) == 1


@pytest.mark.parametrize("value", [True, False])
def test_the_compiled_shipped_rules_are_the_yaml(cache: Path, value: bool) -> None:
    stances = dict.fromkeys(STANCES, value)
    rules_dir = Path(shipped_rules_dir())
    paths = [("rules", p) for p in sorted(rules_dir.glob("*.yaml"))]
    paths += [("rules/stances", rules_dir / "stances" / f) for f in stance_files(stances)]
    expected = []
    for label, path in paths:
        c = Collector(f"{label}/{path.name}")
        expected += parse_rule_file(read_rule_file(str(path), c), c)
        assert c.problems == []
    assert list(load_rules(stances=stances)) == expected
    assert len(expected) > 20


def test_a_run_decodes_only_what_it_looks_up(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_kb()
    decoded: list[int] = []
    real = CompiledFile.decode

    def counting(self: CompiledFile, place: list[int]) -> object:
        decoded.append(place[1])
        return real(self, place)

    monkeypatch.setattr(compiled, "_opened", {})
    monkeypatch.setattr(CompiledFile, "decode", counting)
    kb = load_kb()
    assert kb.artifact("databricks/dolly-v2-12b") is not None
    (path,) = _compiled_files(cache)
    assert 0 < sum(decoded) < path.stat().st_size / 100  # a bucket of the id map, one entry


def test_editing_a_yaml_file_compiles_anew_and_drops_the_old_file(
    tmp_path: Path, cache: Path
) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(shipped_kb_dir(), kb_dir)
    dolly = load_kb(kb_dir).artifact("databricks/dolly-v2-12b")
    assert dolly is not None and dolly.license.id == "mit"
    path = kb_dir / "models" / "databricks.yaml"
    path.write_text(path.read_text().replace("id: mit", "id: apache-2.0", 1), encoding="utf-8")
    dolly = load_kb(kb_dir).artifact("databricks/dolly-v2-12b")
    assert dolly is not None and dolly.license.id == "apache-2.0"
    assert len(_compiled_files(cache)) == 1  # one compiled file per folder


@pytest.mark.parametrize("damage", ["truncate", "entry", "map", "garbage", "empty"])
def test_a_damaged_cache_file_is_compiled_again_never_half_read(
    cache: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    load_kb()
    (path,) = _compiled_files(cache)
    data = path.read_bytes()
    if damage == "truncate":
        data = data[: len(data) - 100]
    elif damage == "entry":  # same size, inside dolly's own entry: only the checksum tells
        doc = data.index(b'"id":"databricks/dolly-v2-12b"')
        at = data.index(b'"mit"', doc - 2000)
        data = data[:at] + b'"gpl"' + data[at + 5 :]
    elif damage == "map":  # same size, inside the id map: dolly would point nowhere
        at = data.index(b'"databricks/dolly-v2-12b":"databricks/dolly-v2-12b"')
        at += len(b'"databricks/dolly-v2-12b":"databricks/dolly-v2-12')
        data = data[:at] + b"c" + data[at + 1 :]
    elif damage == "garbage":
        data = b"\x00not a compiled file\n" + data
    else:
        data = b""
    path.write_bytes(data)
    monkeypatch.setattr(compiled, "_opened", {})
    kb = load_kb()
    dolly = kb.artifact("databricks/dolly-v2-12b")
    assert dolly is not None and dolly.license.id == "mit"
    assert path.read_bytes() != data  # compiled again from the YAML


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_shipped_file_is_one_clear_error(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    data = compiled.compile_folders(shipped_kb_dir(), shipped_rules_dir())
    data = data[:-10] if damage == "truncate" else data[:-10] + b"X" + data[-9:]
    shipped = tmp_path / "compiled.lcdb"
    shipped.write_bytes(data)
    monkeypatch.setattr(compiled, "shipped_compiled_file", lambda: str(shipped))
    with pytest.raises(CompiledFileError) as caught:
        load_kb()
    assert caught.value.exit_code == ExitCode.INPUT_ERROR
    assert "reinstall" in caught.value.one_line()
    assert "\n" not in caught.value.one_line()


def test_an_installed_tool_reads_its_compiled_file_and_fingerprints_nothing(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "compiled.lcdb"
    shipped.write_bytes(compiled.compile_folders(shipped_kb_dir(), shipped_rules_dir()))
    monkeypatch.setattr(compiled, "shipped_compiled_file", lambda: str(shipped))

    def no_listing(*_: object) -> list[str]:
        raise AssertionError("an installed tool lists no YAML folder")

    monkeypatch.setattr(compiled, "_listing", no_listing)
    assert_answers_like_the_yaml(load_kb(), shipped_kb_dir())
    assert len(load_rules(stances=dict.fromkeys(STANCES, True))) > 20
    assert not cache.exists()  # nothing compiled, nothing written


def test_a_rules_folder_is_compiled_once_and_its_problems_name_the_folder(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "team-rules"
    folder.mkdir()
    good = Path(shipped_rules_dir()) / "stances" / "share-alike-data.yaml"
    text = good.read_text(encoding="utf-8")
    (folder / "extra.yaml").write_text(text.replace("id: ", "id: team-", 1), encoding="utf-8")
    first = load_rules([folder])
    assert len(_compiled_files(cache)) == 2  # the shipped rules, the team's
    monkeypatch.setattr(compiled, "_opened", {})
    assert load_rules([folder]) == first
    assert any(rule.file == f"{folder}/extra.yaml" for rule in first)
    (folder / "extra.yaml").write_text("schema_version: 1\nrules: [{id: Bad}]\n", "utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rules([folder])
    assert f"{folder}/extra.yaml" in str(caught.value.problems[0])


def test_compiling_is_deterministic() -> None:
    once = compiled.compile_folders(shipped_kb_dir(), shipped_rules_dir())
    assert compiled.compile_folders(shipped_kb_dir(), shipped_rules_dir()) == once
    digest = KnowledgeBase(CompiledFile(once, "x")).digest
    assert len(digest) == 16 and digest == load_kb().digest


@pytest.mark.slow
def test_the_wheel_carries_the_shipped_data_compiled(tmp_path: Path) -> None:
    """`pip wheel` runs the build hook: the wheel's compiled file is the YAML, and an install
    from it reads that file (slow: builds the wheel in an isolated environment from PyPI)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("model_licensecheck-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read("model_licensecheck/_data/compiled.lcdb")
        names = archive.namelist()
    assert "model_licensecheck/_data/license_db/models/databricks.yaml" in names
    for schema in ("policy", "manifest", "rules"):  # `licensecheck schema` reads them
        assert f"model_licensecheck/schemas/{schema}.json" in names
    kb = KnowledgeBase(CompiledFile(data, "wheel"))
    assert_answers_like_the_yaml(kb, shipped_kb_dir())
    assert json.loads(data.split(b"\n", 1)[0])["documents"].keys() >= {"rules", "stances"}
