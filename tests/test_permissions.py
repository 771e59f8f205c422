"""Reports get the permissions any new file gets (0666 less the umask); caches stay private."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from model_licensecheck.compiled import open_rules_folder
from model_licensecheck.paths import write_atomic

from .conftest import run

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.fixture(params=[0o022, 0o002, 0o077, 0o027])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process umask set to each common value for the test, then restored."""
    value: int = request.param
    old = os.umask(value)
    try:
        yield value
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_report_gets_the_mode_a_new_file_gets(tmp_path: Path, umask: int) -> None:
    report = tmp_path / "out" / "report.json"
    result = run("databricks/dolly-v2-12b", "--offline", "--format", "json", "-o", str(report))
    assert result.exit_code == 0, result.stderr
    assert mode(report) == 0o666 & ~umask
    assert mode(report) == mode(_plain_file(tmp_path / "plain"))


def test_replacing_a_report_keeps_the_new_mode_and_leaves_no_temporary(
    tmp_path: Path, umask: int
) -> None:
    target = tmp_path / "report.md"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)  # an older, private copy
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert mode(target) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_private_files_are_the_owners_alone(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "cache.json"
    write_atomic(target, b"{}", private=True)
    assert mode(target) == 0o600 & ~umask


def test_a_compiled_rules_folder_in_the_cache_is_private(
    tmp_path: Path, umask: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODEL_LICENSECHECK_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "none.yaml").write_text("schema_version: 1\nrules: []\n", encoding="utf-8")
    open_rules_folder(folder)
    written = list((tmp_path / "cache").rglob("*.lcdb"))
    assert len(written) == 1
    assert mode(written[0]) == 0o600


def _plain_file(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("x")
    return path
