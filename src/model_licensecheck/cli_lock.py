"""`licensecheck lock` and `licensecheck drift`: pin every lineage to the revisions it was read at,
and report what moved since (loaded only when run: see cli.LAZY_COMMANDS)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from .cli import PathType, fail, make_checker
from .errors import ExitCode, LicensecheckError
from .paths import write_atomic

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from .checker import Checker


def source_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options that decide how lineages are read and judged (those of `check`)."""
    options = [
        click.option("--offline", is_flag=True,
                     help="Use only what is on this machine: caches and the knowledge base."),
        click.option("--rules", "rules_dirs", multiple=True, type=PathType(file_okay=False),
                     help="A folder of extra rule files (repeatable)."),
        click.option("--policy", "policy_file", type=PathType(dir_okay=False),
                     help="The policy file the verdicts are judged under."),
        click.option("--no-config", is_flag=True,
                     help="Do not look for .licensecheck.yml or [tool.licensecheck] in "
                          "pyproject.toml (as check does)."),
        click.option("--token", envvar="HF_TOKEN", default=None, show_envvar=True,
                     help="Hub token for gated repos (read from HF_TOKEN; never printed)."),
        click.option("--timeout", "time_limit", type=click.FloatRange(min=0, min_open=True),
                     default=None, envvar="MODEL_LICENSECHECK_TIMEOUT",
                     help="Seconds the run may spend reading the Hub (default 300)."),
        click.option("--kb", "kb_dir", type=PathType(file_okay=False), hidden=True),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _checker(params: dict[str, Any], max_depth: int, offline: bool | None = None) -> Checker:
    full = {"quiet": False, **params, "fail_on": None, "deny_conditions": (),
            "max_depth": max_depth, "refresh": False}  # fmt: skip
    if offline is not None:
        full["offline"] = offline
    return make_checker(full)


def _policy_used(params: dict[str, Any]) -> Path | None:
    """The policy the verdicts were judged under: --policy, else the one `check` would find."""
    from pathlib import Path

    from .cli import _discovered_policy

    if params["policy_file"] is not None or params.get("no_config"):
        return params["policy_file"]  # type: ignore[no-any-return]
    found = _discovered_policy()
    return Path(found) if found is not None else None


def _declared(targets: Sequence[str], manifest: Path | None) -> tuple[list[str], dict[str, str]]:
    """The targets given and those a manifest lists, with the revisions it pins."""
    out = list(targets)
    pins: dict[str, str] = {}
    if manifest is not None:
        from .batch import read_manifest

        for entry in read_manifest(manifest):
            out.append(entry.target)
            if entry.revision:
                pins[entry.target] = entry.revision
    return list(dict.fromkeys(out)), pins


@click.command("lock")
@click.argument("targets", nargs=-1)
@click.option(
    "--manifest",
    type=PathType(exists=True),
    help="Also lock every model this manifest lists (as `audit` reads it).",
)
@click.option(
    "-o",
    "--output",
    "lock_path",
    type=PathType(dir_okay=False),
    default="licensecheck.lock",
    show_default=True,
    help="The lock file.",
)
@click.option(
    "--check",
    "verify",
    is_flag=True,
    help="Do not resolve: verify that the lock file covers exactly these targets "
    "and was written with this knowledge base, these rules and this policy "
    "(exit 1 when not). For pre-commit hooks and CI.",
)
@click.option(
    "--max-depth",
    type=click.IntRange(0, 256),
    default=16,
    show_default=True,
    help="How many levels of ancestors to follow.",
)
@source_options
def lock_command(
    targets: Sequence[str], manifest: Path | None, lock_path: Path, verify: bool,
    max_depth: int, **params: Any,
) -> None:  # fmt: skip
    """Resolve TARGETS (and a --manifest's models) as `check` does and write a lock file: every
    node of every lineage with the Hub revision it was read at, its declared and concluded
    license and its edges, the knowledge-base and rules digests, and each target's verdict."""
    from .lockfile import dumps, lock_of, policy_digest, read_lock, rules_digest

    try:
        declared, pins = _declared(targets, manifest)
        if not declared:
            raise click.UsageError("give TARGET(s), a --manifest, or both")
        digest = policy_digest(_policy_used(params))
        if verify:
            lock = read_lock(lock_path)
            checker = _checker(params, lock.max_depth, offline=True)
            problems = []
            locked = {t.target for t in lock.targets}
            problems += [f"{t} is declared but not in the lock" for t in declared
                         if t not in locked]  # fmt: skip
            problems += [f"{t} is in the lock but no longer declared" for t in sorted(locked)
                         if t not in declared]  # fmt: skip
            if lock.kb_digest != checker.kb.digest:
                problems.append("the knowledge base changed since the lock was written")
            if lock.rules_digest != rules_digest(checker.rules):
                problems.append("the rules changed since the lock was written")
            if lock.policy_digest != digest:
                problems.append("the policy differs from the one the lock was written under")
            for problem in problems:
                click.echo(f"licensecheck: {lock_path}: {problem}", err=True)
            if problems:
                click.echo(f"licensecheck: write it again: licensecheck lock ... -o {lock_path}",
                           err=True)  # fmt: skip
                sys.exit(ExitCode.GATE_FAILED)
            click.echo(f"{lock_path}: matches {len(declared)} declared target(s)")
            sys.exit(ExitCode.PASSED)
        checker = _checker(params, max_depth)
        lock, errors = lock_of(checker, declared, pins, digest)
    except LicensecheckError as exc:
        fail(exc)
        sys.exit(exc.exit_code)
    if errors:  # a lock of a target that cannot be checked would pin nothing
        for error in errors.values():
            fail(error)
        sys.exit(max(e.exit_code for e in errors.values()))
    try:
        write_atomic(lock_path, dumps(lock))
    except OSError as exc:
        click.echo(f"licensecheck: error: cannot write {lock_path}: {exc.strerror}", err=True)
        sys.exit(ExitCode.INPUT_ERROR)
    click.echo(f"{lock_path}: {len(lock.targets)} target(s), {len(lock.nodes)} node(s) locked")


@click.command("drift")
@click.argument("lock_path", metavar="LOCK", type=PathType(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o",
    "--output",
    type=PathType(dir_okay=False),
    help="Write the report to FILE (atomically, after the run).",
)
@source_options
def drift_command(lock_path: Path, fmt: str, output: Path | None, **params: Any) -> None:
    """Re-resolve a lock file's targets at the Hub's current revisions and report, per target,
    what changed since it was written, and whether the verdict or its conditions moved.
    Exit 0: nothing that matters moved; 1: a verdict or conditions moved; 2/3 as `check`."""
    from .drift import drift_since, render_json, render_markdown, render_text
    from .lockfile import policy_digest, read_lock

    try:
        old = read_lock(lock_path)
        checker = _checker(params, old.max_depth)
        report = drift_since(checker, str(lock_path), old, policy_digest(_policy_used(params)))
    except LicensecheckError as exc:
        fail(exc)
        sys.exit(exc.exit_code)
    render = {"text": render_text, "json": render_json, "markdown": render_markdown}[fmt]
    body = render(report)
    if output is None:
        click.echo(body, nl=False)
    else:
        try:
            write_atomic(output, body)
        except OSError as exc:
            click.echo(f"licensecheck: error: cannot write {output}: {exc.strerror}", err=True)
            sys.exit(ExitCode.INPUT_ERROR)
    sys.exit(report.exit_code)
