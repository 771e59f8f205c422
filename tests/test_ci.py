""".ci/run runs the README's test commands verbatim, and stops when any of them fails."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """The shell blocks at the top of the README: install and check, test, long run."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    head = text.split("\n---\n", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", head, re.S)


def test_the_readme_starts_with_install_test_and_long_run_commands() -> None:
    install, everyday, long_run = readme_commands()
    assert "pip install ." in install and "licensecheck " in install
    assert everyday.endswith("&& pytest")
    assert long_run.startswith("pytest -m ") and "--hypothesis-profile=ci" in long_run


def test_ci_runs_the_readme_test_commands_verbatim() -> None:
    _, everyday, long_run = readme_commands()
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert lines[1:].count("set -euo pipefail") == 1
    # `set -e` does not stop at a failure inside an && list that is not the script's last
    # line: the list runs in a subshell whose status ends the script.
    tested = everyday.removeprefix("pip install -e '.[test]' && ")
    assert f"({tested}) || exit $?" in lines
    assert long_run in lines
    assert lines.index(f"({tested}) || exit $?") < lines.index(long_run)
