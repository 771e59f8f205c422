"""The code and the tests read nothing outside the repository: what a test needs is vendored
under tests/fixtures/ with its source noted (tests/fixtures/standards/NOTICE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("src", "tests", "bench")
VENDORED = ROOT / "tests" / "fixtures" / "standards"


def _up(node: ast.AST, env: dict[str, int]) -> int | None:
    """How many folders above `__file__`'s own `node` points, when it is a path derived from
    `__file__` by `.parent`, `.parents[k]`, `os.path.dirname` (0 is the file itself)."""
    if isinstance(node, ast.Name):
        return 0 if node.id == "__file__" else env.get(node.id)
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        base = _up(node.value, env)
        return None if base is None else base + 1
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "parents"
    ):
        base = _up(node.value.value, env)
        k = node.slice
        if base is None or not (isinstance(k, ast.Constant) and isinstance(k.value, int)):
            return None
        return base + k.value + 1
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _up(node.left, env)  # joining names below a folder does not climb
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("Path", "PurePath", "realpath", "abspath", "fspath") and len(node.args) == 1:
            return _up(node.args[0], env)
        if name == "dirname" and len(node.args) == 1:
            base = _up(node.args[0], env)
            return None if base is None else base + 1
        if name in ("resolve", "absolute") and isinstance(func, ast.Attribute):
            return _up(func.value, env)
    return None


def _is_parent_dir(node: ast.AST) -> bool:
    """`".."` or `os.pardir` as one component of a path being built."""
    if isinstance(node, ast.Constant):
        return node.value == ".."
    return isinstance(node, ast.Attribute) and node.attr == "pardir"


def outside_references(source: str, relative: Path) -> list[str]:
    """Where `source` (the file at `relative` in the repository) names a path outside it."""
    tree = ast.parse(source)
    depth = len(relative.parts)  # climbing this many folders from the file reaches the root
    env: dict[str, int] = {}
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            up = _up(node.value, env)
            if isinstance(target, ast.Name) and up is not None:
                env[target.id] = up
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.expr):
            up = _up(node, env)
            if up is not None and up > depth:
                found.append(f"{relative}:{line}: climbs {up - depth} folder(s) above the root")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if "../shared" in text or "/work/" in text:
                found.append(f"{relative}:{line}: names a path outside the repository: {text!r}")
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and (_is_parent_dir(node.right) or ast.unparse(node.right) == "'shared'")
        ):
            found.append(f"{relative}:{line}: joins {ast.unparse(node.right)} to a path")
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "join":
            parts = node.args[1:]
            if any(_is_parent_dir(a) for a in parts):
                found.append(f"{relative}:{line}: joins '..' to a path")
    return sorted(set(found))


def _python_files() -> list[Path]:
    # This file is left out: its examples of what the scan must refuse are such paths.
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py")
                  if "fixtures" not in p.relative_to(ROOT).parts
                  and p.resolve() != Path(__file__).resolve())  # fmt: skip


def test_no_code_or_test_reads_outside_the_repository() -> None:
    problems = [
        problem
        for path in _python_files()
        for problem in outside_references(path.read_text(encoding="utf-8"), path.relative_to(ROOT))
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("relative", "line"),
    [
        ("tests/test_x.py", 'S = Path(__file__).parents[1].parent / "shared" / "s.json"'),
        ("tests/test_x.py", 'ROOT = Path(__file__).resolve().parents[1]\nD = ROOT.parent / "d"'),
        ("tests/test_x.py", "D = Path(__file__).parent.parent.parent"),
        ("tests/test_x.py", 'D = Path(__file__).parent / ".." / ".." / "data"'),
        ("tests/test_x.py", 'D = os.path.join(os.path.dirname(__file__), "..", "x")'),
        ("tests/test_x.py", 'D = "../shared/sarif"'),
        ("src/pkg/m.py", "D = os.path.dirname(os.path.dirname(os.path.dirname("
                         "os.path.dirname(__file__))))"),
        ("src/pkg/m.py", "P = os.path.dirname(os.path.realpath(__file__))\nD = os.path.dirname("
                         "os.path.dirname(os.path.dirname(P)))"),
    ],
)  # fmt: skip
def test_the_scan_finds_paths_that_climb_out(relative: str, line: str) -> None:
    assert outside_references(line, Path(relative))


@pytest.mark.parametrize(
    ("relative", "line"),
    [
        ("tests/test_x.py", "ROOT = Path(__file__).resolve().parents[1]"),
        ("tests/test_x.py", 'F = Path(__file__).parent / "fixtures" / "standards"'),
        ("src/pkg/m.py", "P = os.path.dirname(os.path.realpath(__file__))\n"
                         "R = os.path.dirname(os.path.dirname(P))"),
        ("tests/test_x.py", 'TARGETS = ["org/name/../../secret", "../secret.md"]'),  # inputs
    ],
)  # fmt: skip
def test_the_scan_accepts_paths_inside_the_repository(relative: str, line: str) -> None:
    assert outside_references(line, Path(relative)) == []


def test_every_vendored_file_has_its_source_noted() -> None:
    notice = (VENDORED / "NOTICE.md").read_text(encoding="utf-8")
    files = [p.relative_to(VENDORED).as_posix() for p in VENDORED.rglob("*") if p.is_file()]
    assert len(files) > 1
    for name in files:
        if name != "NOTICE.md":
            assert f"`{name}`" in notice, f"{name} is not listed in NOTICE.md"
