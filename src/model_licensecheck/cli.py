"""The `licensecheck` command: parse arguments, call the Checker, render, exit. Nothing else."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import ExitCode, LicensecheckError, ValidationError
from .model import CheckResult, Status
from .report.interface import Format

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from click.shell_completion import CompletionItem

    from .checker import Checker
    from .kb.loader import KnowledgeBase

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


class _PathType(click.ParamType[os.PathLike[str], Any]):
    """`click.Path(path_type=pathlib.Path, **checks)`, built only when its option is given.

    Building the click.Path of every option up front ran a translation lookup for each, and
    `pathlib` costs start-up time that a plain check does not need (see paths.py).
    """

    def __init__(self, **checks: bool) -> None:
        self.checks = checks
        kind = ("directory" if checks.get("file_okay") is False
                else "file" if checks.get("dir_okay") is False else "path")  # fmt: skip
        self.name = kind

    def _real(self) -> click.Path[Path]:
        from pathlib import Path

        return click.Path(path_type=Path, **self.checks)

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> os.PathLike[str]:
        return self._real().convert(value, param, ctx)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return self._real().shell_complete(ctx, param, incomplete)


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
    import tempfile  # only when writing: it costs start-up time otherwise

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="licensecheck")
def main() -> None:
    """May this model be used commercially, given everything it was made from?

    `licensecheck MODEL` is short for `licensecheck check MODEL`.
    """


def _check_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `check` and `audit` share: sources, rules, policy, gate and output."""
    options = [
        click.option("--format", "formats", type=click.Choice([f.value for f in Format]),
                     multiple=True,
                     help="Report format (default text); repeat it to write several into -o DIR."),
        click.option("-o", "--output", type=_PathType(),
                     help="Write the report to FILE, or each format to DIR/licensecheck.<ext> "
                     "when several are asked for; atomically, only after the check succeeds."),
        click.option("--offline", is_flag=True,
                     help="Use only local files and the bundled knowledge base."),
        click.option("--rules", "rules_dirs", multiple=True,
                     type=_PathType(file_okay=False),
                     help="A folder of extra rule files (repeatable), added to the shipped rules."),
        click.option("--policy", "policy_file", type=_PathType(dir_okay=False),
                     help="A policy file: gate, deployment profile, stances, lists, waivers."),
        click.option("--fail-on", default=None,
                     help="Comma-separated verdicts that fail the gate (exit 1); overrides the "
                     "policy. Default: prohibited,unknown."),
        click.option("--deny-condition", "deny_conditions", multiple=True,
                     help="A named condition that fails the gate (repeatable), e.g. "
                     "license-conflict."),
        click.option("--max-depth", type=click.IntRange(0, 256), default=16,
                     show_default=True,
                     help="How many levels of ancestors to follow; deeper ones count as unknown."),
        click.option("--token", envvar="HF_TOKEN", default=None, show_envvar=True,
                     help="Hub token for gated repos (read from HF_TOKEN; never printed)."),
        click.option("--refresh", is_flag=True, help="Ignore cached Hub metadata and fetch again."),
        click.option("--kb", "kb_dir", type=_PathType(file_okay=False),
                     hidden=True, help="Use another knowledge-base folder."),
        click.option("--color/--no-color", default=None,
                     help="Colour the text report (default: on a TTY)."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _make_checker(params: dict[str, Any], revision: str | None = None) -> Checker:
    """Build the Checker from the shared options; exit with the error's code if it cannot."""
    from .checker import Checker, CheckOptions
    from .kb.loader import load_kb
    from .verdict.policy import Policy, load_policy

    try:
        policy = Policy()
        if params["policy_file"] is not None:
            policy = load_policy(params["policy_file"], load_kb(params["kb_dir"]))
        if params["fail_on"] is not None:
            policy = policy._replace(fail_on=_statuses(params["fail_on"]))
        if params["deny_conditions"]:
            denied = policy.deny_conditions | set(params["deny_conditions"])
            policy = policy._replace(deny_conditions=frozenset(denied))
        options = CheckOptions(
            offline=params["offline"], max_depth=params["max_depth"],
            rules_dirs=tuple(params["rules_dirs"]), kb_dir=params["kb_dir"], policy=policy,
            token=params["token"] or None, revision=revision, refresh=params["refresh"],
        )  # fmt: skip
        return Checker(options, progress=_progress())
    except LicensecheckError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)


def _progress() -> Callable[[str], None] | None:
    """On a terminal, a one-line counter of artifacts fetched; elsewhere nothing."""
    if not sys.stderr.isatty():
        return None
    count = 0

    def tick(node_id: str) -> None:
        nonlocal count
        count += 1
        click.echo(f"\rresolving lineage: {count} artifacts asked for ", err=True, nl=False)

    return tick


def _emit(
    params: dict[str, Any],
    results: Sequence[CheckResult],
    json_data: Callable[[], Any],
    text: str | None = None,
) -> None:
    """Render every asked-for format; to stdout, a file, or a folder of files. `json_data`
    builds the JSON report's data (only when JSON is asked for); `text`, when given, stands
    for the text format (an audit's summary table)."""
    from .report.interface import reporter

    if sys.stderr.isatty():
        click.echo("\r\033[K", err=True, nl=False)
    output: Path | None = params["output"]
    chosen = [Format(f) for f in dict.fromkeys(params["formats"])] or [Format.TEXT]
    if len(chosen) > 1 and output is None:
        click.echo("licensecheck: error: several formats need -o DIR to write them to", err=True)
        sys.exit(ExitCode.INPUT_ERROR)
    color = params["color"]
    use_color = color if color is not None else (output is None and sys.stdout.isatty()
                                                 and "NO_COLOR" not in os.environ)  # fmt: skip
    for fmt in chosen:
        if fmt is Format.JSON:  # the JSON report also lists the targets that failed
            from .report.jsonreport import dumps

            body = dumps(json_data())
        elif fmt is Format.TEXT and text is not None:
            body = text
        else:
            body = reporter(fmt, color=use_color and fmt is Format.TEXT).render(results)
        path = output / f"licensecheck{fmt.extension}" if len(chosen) > 1 and output else output
        if path is None:
            click.echo(body, nl=False, color=use_color)
            continue
        try:
            write_atomic(path, body)
        except OSError as exc:
            click.echo(f"licensecheck: error: cannot write {path}: {exc.strerror}", err=True)
            sys.exit(ExitCode.INPUT_ERROR)


@main.command("check")
@click.argument("targets", nargs=-1, required=True)
@click.option("--revision", default=None, help="Pin the root Hub id to this revision.")
@_check_options
def check_command(targets: Sequence[str], revision: str | None, **params: Any) -> None:
    """Check MODEL(s): Hugging Face ids, model cards, configs or local model folders."""
    checker = _make_checker(params, revision)
    try:
        outcomes = checker.check_many(list(targets))
    except LicensecheckError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)
    results = [o for o in outcomes if isinstance(o, CheckResult)]
    worst = ExitCode.PASSED
    for outcome in outcomes:
        if isinstance(outcome, LicensecheckError):
            _fail(outcome)
            worst = max(worst, outcome.exit_code)
        elif not outcome.gate.passed:
            worst = max(worst, ExitCode.GATE_FAILED)

    def json_data() -> Any:
        from .report.jsonreport import error_dict, to_dict

        rendered = [
            error_dict(target, int(o.exit_code), o.one_line())
            if isinstance(o, LicensecheckError)
            else to_dict(o)
            for target, o in zip(targets, outcomes, strict=True)
        ]
        return rendered if len(targets) > 1 else rendered[0]

    if results:
        _emit(params, results, json_data)
    sys.exit(worst)


@main.command("audit")
@click.argument("manifest", type=_PathType(exists=True))
@click.option("--reports", "reports_dir", type=_PathType(file_okay=False),
              help="Also write each model's reports (in every asked-for format) and a "
              "summary.json into this folder.")  # fmt: skip
@_check_options
def audit_command(manifest: Path, reports_dir: Path | None, **params: Any) -> None:
    """Audit every model a MANIFEST lists: a text file of ids, a YAML list (with revisions
    and notes), or a folder of model folders. One summary, one exit code."""
    from .batch import read_manifest, run_audit
    from .report.audit import audit_dict, audit_table, write_model_reports

    checker = _make_checker(params)
    try:
        result = run_audit(checker, read_manifest(manifest))
    except LicensecheckError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)
    for entry in result.entries:
        if isinstance(entry.outcome, LicensecheckError):
            _fail(entry.outcome)
    if reports_dir is not None:
        formats = [Format(f) for f in dict.fromkeys(params["formats"])] or [Format.JSON]
        try:
            write_model_reports(result, reports_dir, formats, write_atomic)
        except OSError as exc:
            click.echo(f"licensecheck: error: cannot write {reports_dir}: {exc.strerror}",
                       err=True)  # fmt: skip
            sys.exit(ExitCode.INPUT_ERROR)
    _emit(params, result.results, lambda: audit_dict(result), text=audit_table(result))
    sys.exit(result.exit_code)


@main.group("db")
def db_group() -> None:
    """Inspect the bundled knowledge base."""


_KB_OPTION = click.option(
    "--kb", "kb_dir", type=_PathType(file_okay=False), default=None,
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
