"""The GitHub Action's work after the check: the job summary kept within GitHub's size limit,
and one sticky pull-request comment with the verdicts, through the REST API with the workflow
token (urllib only). Run by the Action as `python3 -m model_licensecheck.github`.

Neither job may change the check's outcome: a failure here is one warning line, and the
Action still exits with licensecheck's own code. The token is sent only in the Authorization
header, never printed, never sent on a redirect, and only over HTTPS (plain HTTP to loopback
is allowed for tests).
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from .errors import GitHubApiError
from .report.markdown import md

MARKER = "<!-- model-licensecheck -->"
"""A hidden line in our comment: how the next run finds it to update instead of adding one."""

SUMMARY_LIMIT = 1_000_000
"""Bytes of Markdown written to the job summary at most: GitHub refuses a step's summary
above 1 MiB (1,048,576 bytes), and the margin leaves room for the fold and the note."""

COMMENT_LIMIT = 60_000
"""Characters of a comment at most (GitHub refuses bodies above 65,536)."""

COMMENT_ROWS = 100
"""Models listed in the comment at most; the rest are counted, and the report has them all."""

PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
API_VERSION = "2022-11-28"
TIMEOUT_SECONDS = 30
MAX_PAGES = 30

_ICONS = {"allowed": "✅", "conditional": "⚠️", "unknown": "❓", "prohibited": "⛔"}
_ORDER = ("allowed", "conditional", "unknown", "prohibited")


# ---- the job summary --------------------------------------------------------------------


def fit_summary(markdown: str, report_url: str | None, limit: int = SUMMARY_LIMIT) -> str:
    """`markdown` as is when it fits in `limit` bytes; else its overview (up to the first
    second-level heading) stays open, the rest is folded into <details> and cut at a line,
    with a note that links the full report."""
    if len(markdown.encode("utf-8")) <= limit:
        return markdown
    where = f"[the run's artifacts]({report_url})" if report_url else "the run's artifacts"
    note = (
        f"> **This report is too large for a job summary** ({len(markdown.encode('utf-8')):,} "
        f"bytes; GitHub allows 1 MiB): the details below are cut short. The full report is in "
        f"{where}."
    )
    head, sep, rest = markdown.partition("\n## ")
    opening = "\n\n<details>\n<summary>Details (cut short)</summary>\n\n"
    closing = "\n\n</details>\n"
    budget = limit - len((note + opening + closing).encode("utf-8")) - 16
    head = _cut(head, budget // 2)
    body = _cut((sep + rest).lstrip("\n"), budget - len(head.encode("utf-8")))
    return f"{head}\n\n{note}{opening}{body}{closing}"


def _cut(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` UTF-8 bytes, at a line end, code fences closed."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    kept = data[: max(max_bytes - 8, 0)].decode("utf-8", errors="ignore")
    kept = kept.rsplit("\n", 1)[0] if "\n" in kept else ""
    fences = sum(1 for line in kept.splitlines() if line.lstrip().startswith("```"))
    return kept + ("\n```" if fences % 2 else "")


# ---- the pull-request comment -----------------------------------------------------------


def comment_body(report: Any, run_url: str | None) -> str:
    """The comment: the marker, the worst verdict, a row per model, and where the full report
    is. `report` is the JSON report: one model's object, a list of them, or an audit's
    `{summary, models}`."""
    models = _models(report)
    statuses = [m["verdict"]["status"] for m in models if isinstance(m.get("verdict"), Mapping)]
    failed = sum(1 for m in models if not _passed(m))
    worst = max(statuses, key=_rank, default="error")
    if any("error" in m for m in models) and _rank(worst) < _rank("unknown"):
        worst = "error"
    icon = _ICONS.get(worst, "❗")
    lines = [
        MARKER,
        f"### {icon} model-licensecheck: {worst}",
        "",
        f"{len(models)} model(s) checked, {len(models) - failed} pass the gate, {failed} fail.",
        "",
        "| model | verdict | gate | summary |",
        "| --- | --- | --- | --- |",
    ]
    for m in models[:COMMENT_ROWS]:
        lines.append(_row(m))
    if len(models) > COMMENT_ROWS:
        lines.append(f"\n…and {len(models) - COMMENT_ROWS} more: see the full report.")
    if run_url:
        lines += ["", f"Full report (lineage, evidence, obligations): [the run]({run_url})."]
    body = "\n".join(lines) + "\n"
    if len(body) > COMMENT_LIMIT:
        body = body[:COMMENT_LIMIT].rsplit("\n", 1)[0] + "\n\n…(cut short: see the full report)\n"
    return body


def _models(report: Any) -> list[Mapping[str, Any]]:
    if isinstance(report, Mapping) and isinstance(report.get("models"), list):
        report = report["models"]
    items = report if isinstance(report, list) else [report]
    return [m for m in items if isinstance(m, Mapping)]


def _rank(status: str) -> int:
    return _ORDER.index(status) if status in _ORDER else len(_ORDER)


def _passed(model: Mapping[str, Any]) -> bool:
    gate = model.get("gate")
    return isinstance(gate, Mapping) and gate.get("passed") is True


def _row(model: Mapping[str, Any]) -> str:
    subject = _mapping(model.get("subject"))
    name = str(subject.get("id") or subject.get("target") or "?")
    error = model.get("error")
    if isinstance(error, Mapping):
        message = str(error.get("message", ""))
        return f"| {md(name)} | ❗ error | failed | {md(_short(message))} |"
    verdict = _mapping(model.get("verdict"))
    status = str(verdict.get("status", "?"))
    gate = "passed" if _passed(model) else "failed"
    summary = _short(str(verdict.get("summary", "")))
    return f"| {md(name)} | {_ICONS.get(status, '')} {md(status)} | {gate} | {md(summary)} |"


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _short(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


class PullRequest(NamedTuple):
    """Where the comment goes."""

    api: str
    repository: str
    number: int


def pull_request(env: Mapping[str, str]) -> PullRequest | None:
    """The pull request this workflow runs for, from the runner's environment; None on any
    other event."""
    if env.get("GITHUB_EVENT_NAME") not in PULL_REQUEST_EVENTS:
        return None
    try:
        with open(env["GITHUB_EVENT_PATH"], encoding="utf-8") as handle:
            event = json.load(handle)
        number = event.get("pull_request", {}).get("number") or event.get("number")
    except (KeyError, OSError, ValueError, AttributeError):
        return None
    if not isinstance(number, int) or not env.get("GITHUB_REPOSITORY"):
        return None
    api = env.get("GITHUB_API_URL") or "https://api.github.com"
    return PullRequest(api.rstrip("/"), env["GITHUB_REPOSITORY"], number)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: urllib would resend the Authorization header to wherever it
    points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class GitHubApi:
    """The few REST calls the comment needs."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise GitHubApiError(f"refusing to send the token to {parts.scheme}://{parts.hostname}")
        self.base = base.rstrip("/")
        self._token = token
        self._opener = urllib.request.build_opener(_NoRedirect)

    def call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """One request; the decoded JSON answer. Errors name the call, never the token."""
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 - scheme checked in __init__
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", API_VERSION)
        request.add_header("User-Agent", "model-licensecheck")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        where = f"{method} {path.split('?', 1)[0]}"
        try:
            with self._opener.open(request, timeout=TIMEOUT_SECONDS) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise GitHubApiError(f"GitHub answered {exc.code} {exc.reason} to {where}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubApiError(f"cannot reach GitHub for {where}: {reason}") from None
        except ValueError:
            raise GitHubApiError(f"GitHub's answer to {where} is not JSON") from None


def post_or_update(api: GitHubApi, pr: PullRequest, body: str) -> str:
    """Update our earlier comment on the pull request (found by its marker), else post one;
    say which."""
    issue = f"/repos/{pr.repository}/issues"
    for page in range(1, MAX_PAGES + 1):
        comments = api.call("GET", f"{issue}/{pr.number}/comments?per_page=100&page={page}")
        if not isinstance(comments, list):
            raise GitHubApiError("GitHub's list of comments is not a list")
        for comment in comments:
            if isinstance(comment, Mapping) and MARKER in str(comment.get("body", "")):
                api.call("PATCH", f"{issue}/comments/{comment['id']}", {"body": body})
                return f"updated comment {comment['id']} on pull request #{pr.number}"
        if len(comments) < 100:
            break
    created = api.call("POST", f"{issue}/{pr.number}/comments", {"body": body})
    number = created.get("id") if isinstance(created, Mapping) else None
    return f"posted comment {number} on pull request #{pr.number}"


# ---- the Action's entry point -----------------------------------------------------------


def _warn(message: str) -> None:
    # `::warning::` is a workflow command: the line shows as an annotation on the run.
    sys.stderr.write(f"::warning title=model-licensecheck::{message}\n")


def _run_url(env: Mapping[str, str]) -> str | None:
    if env.get("GITHUB_REPOSITORY") and env.get("GITHUB_RUN_ID"):
        server = env.get("GITHUB_SERVER_URL") or "https://github.com"
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return None


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """`summary MARKDOWN` appends to $GITHUB_STEP_SUMMARY; `comment REPORT_JSON` posts or
    updates the pull-request comment. Exit 0 unless the arguments are wrong: a failure is a
    warning, so the check's exit code stays the job's."""
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="python -m model_licensecheck.github")
    sub = parser.add_subparsers(dest="job", required=True)
    summary = sub.add_parser("summary", help="write the Markdown report to the job summary")
    summary.add_argument("markdown")
    summary.add_argument("--report-url", default=None, help="where the full report is")
    comment = sub.add_parser("comment", help="post or update the pull-request comment")
    comment.add_argument("report", help="the JSON report")
    comment.add_argument("--report-url", default=None, help="where the full report is")
    args = parser.parse_args(argv)
    report_url = args.report_url or _run_url(env)
    if args.job == "summary":
        return _summary(args.markdown, report_url, env)
    return _comment(args.report, report_url, env)


def _summary(markdown: str, report_url: str | None, env: Mapping[str, str]) -> int:
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        _warn("no GITHUB_STEP_SUMMARY: the job summary was not written")
        return 0
    try:
        with open(markdown, encoding="utf-8") as handle:
            text = fit_summary(handle.read(), report_url)
        with open(target, "a", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        _warn(f"cannot write the job summary: {exc.strerror or exc}")
    return 0


def _comment(report_path: str, report_url: str | None, env: Mapping[str, str]) -> int:
    pr = pull_request(env)
    if pr is None:
        sys.stderr.write("model-licensecheck: not a pull request: no comment posted\n")
        return 0
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        _warn("no token (the github-token input): the pull-request comment was not posted")
        return 0
    try:
        with open(report_path, encoding="utf-8") as handle:
            report = json.load(handle)
        body = comment_body(report, report_url)
        done = post_or_update(GitHubApi(pr.api, token), pr, body)
    except (OSError, ValueError) as exc:
        _warn(f"cannot read the report {report_path}: {exc}")
        return 0
    except GitHubApiError as exc:
        _warn(f"the pull-request comment was not posted: {exc}")
        return 0
    sys.stderr.write(f"model-licensecheck: {done}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
