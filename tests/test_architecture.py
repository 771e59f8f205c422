"""The pipeline's boundaries (README, "Architecture"): each stage reads only what the stage
before it hands over, the library leaves process-wide settings alone, every error the tool
reports is in errors.py, and reports describe licenses from the result they render."""

from __future__ import annotations

import ast
import gc
import json
import shutil
from pathlib import Path

import pytest

from model_licensecheck import check, render
from model_licensecheck.paths import shipped_kb_dir

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "model_licensecheck"
STAGES = ("resolve", "rules", "verdict", "report")
# What each stage may import besides model.py, errors.py, paths.py, safetext.py and the
# knowledge base (shared data, kb/): earlier stages only, and never the orchestration.
MAY_IMPORT = {
    "resolve": set(),
    "rules": set(),
    "verdict": {"rules"},
    "report": set(),
}
ORCHESTRATION = {
    "checker",
    "cli",
    "cli_audit",
    "cli_db",
    "cli_lock",
    "cli_schema",
    "console",
    "drift",
    "lockfile",
}


def _imports(path: Path) -> list[str]:
    """Modules of the package that `path` imports, as dotted names below the package."""
    package = path.relative_to(PACKAGE).parent.parts
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = list(package[: len(package) - (node.level - 1)])
            out.append(".".join([*base, *(node.module or "").split(".")]).strip("."))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("model_lice"):
            out.append((node.module or "").removeprefix("model_licensecheck").strip("."))
    return out


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_no_later_stage_and_no_orchestration(stage: str) -> None:
    leaks = []
    for path in sorted((PACKAGE / stage).glob("*.py")):
        for module in _imports(path):
            top = module.split(".")[0]
            other_stage = top in STAGES and top != stage and top not in MAY_IMPORT[stage]
            if other_stage or top in ORCHESTRATION:
                leaks.append(f"{path.name} imports {module}")
    assert leaks == []


def test_every_exception_class_lives_in_errors_py() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                if any(b.endswith(("Error", "Exception")) for b in bases):
                    found.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    assert found == []  # private control-flow signals (`_Missing` in resolve/hub.py) excepted


def test_the_library_leaves_the_garbage_collector_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # Switching the collector off is process-wide: only the console script (the process's
    # owner) tunes it; a program embedding the library keeps its own settings.
    calls: list[str] = []
    monkeypatch.setattr(gc, "disable", lambda: calls.append("disable"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    result = check("lmsys/vicuna-7b-v1.5", offline=True)
    for fmt in ("json", "text", "markdown", "spdx-json", "cyclonedx", "sarif"):
        render(result, fmt)
    assert calls == []
    assert gc.isenabled()


def test_spdx_describes_licenses_from_the_knowledge_base_that_judged(tmp_path: Path) -> None:
    # A team's --kb folder may describe a license differently from the shipped one: the SPDX
    # reports must say what the result was judged by, not read the shipped knowledge base.
    kb_dir = tmp_path / "kb"
    shutil.copytree(shipped_kb_dir(), kb_dir)
    result = check("lmsys/vicuna-7b-v1.5", offline=True)
    custom = [info for info in result.licenses if info.id.startswith("LicenseRef-")]
    assert custom, "vicuna's lineage names licenses outside the SPDX list"
    target = custom[0]
    path = next(
        p for p in (kb_dir / "licenses").glob("*.yaml") if f"id: {target.id}\n" in p.read_text()
    )
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            f"name: {target.name}", "name: Team-described terms", 1
        ),
        encoding="utf-8",
    )
    team = check("lmsys/vicuna-7b-v1.5", offline=True, kb_dir=kb_dir)
    assert {i.id: i.name for i in team.licenses}[target.id] == "Team-described terms"
    spdx = json.loads(render(team, "spdx-json"))
    names = {x["licenseId"]: x["name"] for x in spdx["hasExtractedLicensingInfos"]}
    assert "Team-described terms" in names.values()
    assert target.name not in names.values()
    assert "Team-described terms" in render(team, "spdx3")
