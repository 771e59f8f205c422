"""The Action's GitHub jobs (github.py): the sticky pull-request comment against a local
GitHub API stand-in (created once, then updated, never duplicated; the token never printed;
API errors one warning line that leaves the exit code alone) and the job summary kept under
GitHub's 1 MiB limit."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from model_licensecheck.github import MARKER, SUMMARY_LIMIT, comment_body, fit_summary, main

from .conftest import run
from .githubserver import FakeGitHub

TOKEN = "ghs_secretTOKENvalue0123456789"  # noqa: S105 - a made-up token the tests look for


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    server = FakeGitHub(TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """A real JSON report of two models, one failing the gate."""
    result = run("lmsys/vicuna-13b-v1.3", "databricks/dolly-v2-12b", "--offline",
                 "--format", "json", "--no-config")  # fmt: skip
    assert result.exit_code == 1
    path = tmp_path / "licensecheck.json"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def _env(github: FakeGitHub, tmp_path: Path, event: str = "pull_request") -> dict[str, str]:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps({"pull_request": {"number": 7}}), encoding="utf-8")
    return {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(event_file),
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "42",
    }


def test_comment_is_created_then_updated_not_duplicated(
    github: FakeGitHub, report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.comments[7] = [{"id": i, "body": f"someone else {i}"} for i in range(150)]
    env = _env(github, tmp_path)
    assert main(["comment", str(report)], env) == 0
    ours = [c for c in github.comments[7] if MARKER in c["body"]]
    assert len(ours) == 1
    body = ours[0]["body"]
    assert "⛔ model-licensecheck: prohibited" in body
    assert "| lmsys/vicuna-13b-v1.3 | ⛔ prohibited | failed |" in body
    assert "| databricks/dolly-v2-12b | ✅ allowed | passed |" in body
    assert "https://github.com/acme/models/actions/runs/42" in body
    first_id = ours[0]["id"]
    report.write_text(report.read_text().replace('"prohibited"', '"conditional"'))
    assert main(["comment", str(report)], env) == 0
    ours = [c for c in github.comments[7] if MARKER in c["body"]]
    assert [c["id"] for c in ours] == [first_id]  # the same comment, updated
    assert "conditional" in ours[0]["body"]
    assert len(github.comments[7]) == 151
    methods = [r.method for r in github.requests]
    assert methods == ["GET", "GET", "POST", "GET", "GET", "PATCH"]  # two pages of 100
    assert all(r.authorization == f"Bearer {TOKEN}" for r in github.requests)
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err
    assert "updated comment" in out.err


@pytest.mark.parametrize("status", [401, 403, 404, 500])
def test_api_errors_are_one_warning_line_without_the_token(
    github: FakeGitHub, report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    status: int,
) -> None:  # fmt: skip
    github.fault = status
    assert main(["comment", str(report)], _env(github, tmp_path)) == 0
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("::warning title=model-licensecheck::")
    assert f"GitHub answered {status}" in lines[0] and "GET /repos/acme/models" in lines[0]
    assert TOKEN not in err


def test_a_redirect_is_not_followed_with_the_token(
    github: FakeGitHub, report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.redirect = True
    assert main(["comment", str(report)], _env(github, tmp_path)) == 0
    assert "GitHub answered 307" in capsys.readouterr().err
    assert len(github.requests) == 1  # the socket guard would also refuse the other host


def test_wrong_token_is_a_warning(
    github: FakeGitHub, report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**_env(github, tmp_path), "GITHUB_TOKEN": "wrong"}
    assert main(["comment", str(report)], env) == 0
    assert "401" in capsys.readouterr().err
    assert github.comments.get(7, []) == []


def test_no_comment_outside_pull_requests_or_without_a_token(
    github: FakeGitHub, report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["comment", str(report)], _env(github, tmp_path, event="push")) == 0
    assert "not a pull request" in capsys.readouterr().err
    env = {**_env(github, tmp_path), "GITHUB_TOKEN": ""}
    assert main(["comment", str(report)], env) == 0
    assert "no token" in capsys.readouterr().err
    assert github.requests == []


def test_the_token_goes_only_over_https_or_to_loopback(
    github: FakeGitHub, report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**_env(github, tmp_path), "GITHUB_API_URL": "http://github.example"}
    assert main(["comment", str(report)], env) == 0
    err = capsys.readouterr().err
    assert "refusing to send the token" in err and TOKEN not in err


def test_module_runs_as_the_action_runs_it(
    github: FakeGitHub, report: Path, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "model_licensecheck.github", "comment", str(report)],
        env=_env(github, tmp_path), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr
    assert len(github.comments[7]) == 1


def test_comment_text_from_a_card_cannot_ping_or_inject() -> None:
    hostile = {
        "subject": {"id": "org/model"},
        "verdict": {"status": "unknown", "summary": "see @octocat <img src=x> | col"},
        "gate": {"passed": False},
    }
    body = comment_body(hostile, None)
    assert "@octocat" not in body and "<img" not in body
    assert "\\| col" in body


def test_an_error_entry_is_listed_and_makes_the_headline_an_error() -> None:
    body = comment_body(
        [{"subject": {"target": "org/missing"}, "error": {"exit_code": 3, "message": "404"}},
         {"subject": {"id": "a/b"}, "verdict": {"status": "allowed"}, "gate": {"passed": True}}],
        None,
    )  # fmt: skip
    assert "model-licensecheck: error" in body
    assert "| org/missing | ❗ error | failed | 404 |" in body


def test_a_small_summary_is_written_as_is() -> None:
    text = "# model-licensecheck\n\nall fine\n"
    assert fit_summary(text, "https://example.com/run") == text


def test_a_huge_summary_is_folded_and_cut_under_the_limit() -> None:
    overview = "# model-licensecheck\n\n| subject | verdict |\n| --- | --- |\n| a/b | ok |\n"
    section = "## ⛔ a/b\n\n```mermaid\ngraph TD\n" + "  n1 --> n2 ✅\n" * 120_000 + "```\n"
    text = overview + "\n" + section * 2
    assert len(text.encode()) > SUMMARY_LIMIT
    out = fit_summary(text, "https://github.com/acme/models/actions/runs/42#artifacts")
    assert len(out.encode()) <= SUMMARY_LIMIT
    assert out.startswith(overview.rstrip("\n"))
    assert "<details>" in out and out.rstrip().endswith("</details>")
    assert "(https://github.com/acme/models/actions/runs/42#artifacts)" in out
    details = out.split("<summary>", 1)[1]
    fences = [line for line in details.splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0  # a cut code block is closed


def test_summary_job_appends_to_the_step_summary(tmp_path: Path) -> None:
    markdown, summary = tmp_path / "report.md", tmp_path / "summary"
    markdown.write_text("x" * (SUMMARY_LIMIT + 10), encoding="utf-8")
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert main(["summary", str(markdown), "--report-url", "https://r.example/a"], env) == 0
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("earlier step\n")
    assert len(written.encode()) <= SUMMARY_LIMIT + len("earlier step\n")
    assert "(https://r.example/a)" in written
