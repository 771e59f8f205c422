"""`licensecheck db ...`: inspect the knowledge base (loaded only when run: see
cli.LAZY_COMMANDS)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from .cli import PathType, fail
from .errors import ExitCode, LicensecheckError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from .kb.loader import KnowledgeBase


@click.group("db")
def db_group() -> None:
    """Inspect the bundled knowledge base."""


_KB_OPTION = click.option(
    "--kb", "kb_dir", type=PathType(file_okay=False), default=None,
    help="A knowledge-base folder other than the bundled one.",
)  # fmt: skip
_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _load(kb_dir: Path | None) -> KnowledgeBase:
    from .kb.loader import load_kb

    try:
        return load_kb(kb_dir)
    except LicensecheckError as exc:
        fail(exc)
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
@click.option("--markdown", "as_markdown", is_flag=True,
              help="Print the counts block README.md embeds.")  # fmt: skip
def db_stats(kb_dir: Path | None, as_json: bool, as_markdown: bool) -> None:
    """Count what the knowledge base holds."""
    from .kb.query import stats, stats_markdown
    from .report.jsonreport import dumps

    data = stats(_load(kb_dir))
    if as_json:
        click.echo(dumps(data), nl=False)
    elif as_markdown:
        click.echo(stats_markdown(data), nl=False)
    else:
        _print_mapping(data)


@db_group.command("lint")
@_KB_OPTION
@_JSON_OPTION
def db_lint(kb_dir: Path | None, as_json: bool) -> None:
    """Find facts stated only in notes (generated data, a service, research-only or
    non-commercial terms, a known id) and edges cited to another repo's page; exit 1 if any."""
    from .kb.lint import lint
    from .report.jsonreport import dumps

    issues = lint(_load(kb_dir))
    if as_json:
        click.echo(dumps([i._asdict() for i in issues]), nl=False)
    else:
        for issue in issues:
            click.echo(f"{issue.location}: [{issue.check}] {issue.entry}: {issue.message}")
        click.echo(f"{len(issues)} issue(s)" if issues else "knowledge base lint: clean")
    if issues:
        sys.exit(ExitCode.GATE_FAILED)
