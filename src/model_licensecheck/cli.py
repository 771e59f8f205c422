"""The `licensecheck` command: parse arguments, call the Checker, render, exit. Nothing else."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import ExitCode, LicensecheckError, ValidationError
from .model import CheckResult, Status

if TYPE_CHECKING:
    from .kb.loader import KnowledgeBase

if TYPE_CHECKING:
    from collections.abc import Sequence

DEFAULT_COMMAND = "check"


class _DefaultGroup(click.Group):
    """`licensecheck MODEL` means `licensecheck check MODEL`: checking is the main job."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                     "--version"):  # fmt: skip
            args = [DEFAULT_COMMAND, *args]
        elif not args:
            args = [DEFAULT_COMMAND]
        return super().parse_args(ctx, args)


def _fail(error: LicensecheckError) -> None:
    click.echo(f"licensecheck: error: {error.one_line()}", err=True)
    if isinstance(error, ValidationError) and len(error.problems) > 1:
        for line in error.details():
            click.echo(f"  - {line}", err=True)


def _statuses(text: str) -> frozenset[Status]:
    out: set[Status] = set()
    for part in text.split(","):
        if part.strip():
            try:
                out.add(Status.parse(part.strip()))
            except ValueError as exc:
                raise click.BadParameter(str(exc)) from None
    return frozenset(out)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="licensecheck")
def main() -> None:
    """May this model be used commercially, given everything it was made from?

    `licensecheck MODEL` is short for `licensecheck check MODEL`.
    """


@main.command("check")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE (after the check succeeds) instead of stdout.",
)
@click.option(
    "--offline", is_flag=True, help="Use only local files and the bundled knowledge base."
)
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder of extra rule files (repeatable); added to the shipped rules.",
)
@click.option(
    "--max-depth",
    type=click.IntRange(0, 10_000),
    default=16,
    show_default=True,
    help="How many levels of ancestors to follow; deeper ones count as unknown.",
)
@click.option(
    "--fail-on",
    default="prohibited,unknown",
    show_default=True,
    help="Comma-separated verdicts that fail the gate (exit 1).",
)
@click.option(
    "--kb",
    "kb_dir",
    type=click.Path(file_okay=False, path_type=Path),
    hidden=True,
    help="Use another knowledge-base folder (for testing rules and entries).",
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text report (default: on a TTY)."
)
@click.option(
    "--token", envvar="HF_TOKEN", default=None, show_envvar=True,
    help="Hub token for gated repos (read from HF_TOKEN; never printed).",
)  # fmt: skip
@click.option("--revision", default=None, help="Pin the root Hub id to this revision.")
@click.option("--refresh", is_flag=True, help="Ignore cached Hub metadata and fetch again.")
def check_command(
    targets: Sequence[str],
    fmt: str,
    output: Path | None,
    offline: bool,
    rules_dirs: Sequence[Path],
    max_depth: int,
    fail_on: str,
    kb_dir: Path | None,
    color: bool | None,
    token: str | None,
    revision: str | None,
    refresh: bool,
) -> None:
    """Check MODEL(s): Hugging Face ids, model cards, configs or local model folders."""
    from .checker import Checker, CheckOptions
    from .report.interface import Format, reporter
    from .report.jsonreport import dumps, error_dict, to_dict

    options = CheckOptions(
        offline=offline, max_depth=max_depth, rules_dirs=tuple(rules_dirs), kb_dir=kb_dir,
        fail_on=_statuses(fail_on), token=token or None, revision=revision, refresh=refresh,
    )  # fmt: skip
    try:
        checker = Checker(options)
    except LicensecheckError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)
    results: list[CheckResult] = []
    rendered: list[Any] = []
    worst = ExitCode.PASSED
    try:
        outcomes = checker.check_many(list(targets))
    except LicensecheckError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)
    for target, outcome in zip(targets, outcomes, strict=True):
        if isinstance(outcome, LicensecheckError):
            _fail(outcome)
            worst = max(worst, outcome.exit_code)
            rendered.append(error_dict(target, int(outcome.exit_code), outcome.one_line()))
            continue
        results.append(outcome)
        rendered.append(to_dict(outcome))
        if not outcome.gate.passed:
            worst = max(worst, ExitCode.GATE_FAILED)
    if not results and worst != ExitCode.PASSED:
        sys.exit(worst)
    use_color = False
    if fmt == "json":
        text = dumps(rendered if len(targets) > 1 else rendered[0])
    else:
        use_color = color if color is not None else (output is None and sys.stdout.isatty()
                                                     and "NO_COLOR" not in os.environ)  # fmt: skip
        text = reporter(Format.TEXT, color=use_color).render(results)
    if output is not None:
        try:
            write_atomic(output, text)
        except OSError as exc:
            click.echo(f"licensecheck: error: cannot write {output}: {exc.strerror}", err=True)
            sys.exit(ExitCode.INPUT_ERROR)
    else:
        click.echo(text, nl=False, color=use_color)
    sys.exit(worst)


@main.group("db")
def db_group() -> None:
    """Inspect the bundled knowledge base."""


_KB_OPTION = click.option(
    "--kb", "kb_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="A knowledge-base folder other than the bundled one.",
)  # fmt: skip
_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _load(kb_dir: Path | None) -> KnowledgeBase:
    from .kb.loader import load_kb

    try:
        return load_kb(kb_dir)
    except LicensecheckError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)


def _print_mapping(data: dict[str, Any], indent: int = 0) -> None:
    pad = " " * indent
    for key, value in data.items():
        if value in (None, [], {}, ""):
            continue
        if isinstance(value, dict):
            click.echo(f"{pad}{key}:")
            _print_mapping(value, indent + 2)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            click.echo(f"{pad}{key}:")
            for item in value:
                click.echo(f"{pad}  - " + ", ".join(f"{k}: {v}" for k, v in item.items()))
        elif isinstance(value, list):
            click.echo(f"{pad}{key}: {', '.join(str(v) for v in value)}")
        else:
            click.echo(f"{pad}{key}: {value}")


@db_group.command("show")
@click.argument("ident")
@_KB_OPTION
@_JSON_OPTION
def db_show(ident: str, kb_dir: Path | None, as_json: bool) -> None:
    """Show what the knowledge base says about a model, dataset, service or license."""
    from .kb.query import show
    from .report.jsonreport import dumps

    data = show(_load(kb_dir), ident)
    if data is None:
        click.echo(f"licensecheck: error: {ident!r} is not in the knowledge base "
                   "(try `licensecheck db search`)", err=True)  # fmt: skip
        sys.exit(ExitCode.INPUT_ERROR)
    if as_json:
        click.echo(dumps(data), nl=False)
    else:
        _print_mapping(data)


@db_group.command("search")
@click.argument("text", nargs=-1, required=True)
@_KB_OPTION
@_JSON_OPTION
def db_search(text: Sequence[str], kb_dir: Path | None, as_json: bool) -> None:
    """Find entries whose id, name or aliases contain every word of TEXT."""
    from .kb.query import search
    from .report.jsonreport import dumps

    hits = search(_load(kb_dir), " ".join(text))
    if as_json:
        click.echo(dumps(hits), nl=False)
        return
    if not hits:
        click.echo("no match")
    for hit in hits:
        click.echo(f"{hit['kind']:<8} {hit['id']:<50} {hit['license']:<28} {hit['name']}")


@db_group.command("validate")
@_KB_OPTION
def db_validate(kb_dir: Path | None) -> None:
    """Check every file of the knowledge base; list every problem (exit 2) or say OK."""
    from .kb.query import stats

    counts = stats(_load(kb_dir))
    click.echo(
        f"knowledge base OK: {counts['licenses']} licenses, {counts['models']} models, "
        f"{counts['datasets']} datasets, {counts['services']} services, {counts['edges']} edges"
    )


@db_group.command("stats")
@_KB_OPTION
@_JSON_OPTION
def db_stats(kb_dir: Path | None, as_json: bool) -> None:
    """Count what the knowledge base holds."""
    from .kb.query import stats
    from .report.jsonreport import dumps

    data = stats(_load(kb_dir))
    if as_json:
        click.echo(dumps(data), nl=False)
    else:
        _print_mapping(data)
