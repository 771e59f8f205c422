"""The `licensecheck` command: parse arguments, call the Checker, render, exit. Nothing else."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click

from . import __version__
from .errors import ExitCode, LicensecheckError, ValidationError
from .model import CheckResult, ProgressEvent, Status
from .paths import write_atomic
from .report.interface import Format

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from click.shell_completion import CompletionItem

    from .checker import Checker

DEFAULT_COMMAND = "check"


LAZY_COMMANDS = {"audit": "cli_audit:audit_command", "db": "cli_db:db_group"}
"""Commands defined in their own modules, imported when run or listed: a check needs neither
(click's "lazily loading subcommands" pattern)."""


class _DefaultGroup(click.Group):
    """`licensecheck MODEL` means `licensecheck check MODEL`: checking is the main job."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        known = (*self.commands, *LAZY_COMMANDS, "--help", "-h", "--version")
        lead = [a for a in args[:1] if a == "--debug"]  # the group's own option comes first
        rest = args[len(lead) :]
        if not rest:
            rest = ["--help"]  # a bare command shows what it can do
        elif rest[0] not in known:
            rest = [DEFAULT_COMMAND, *rest]
        return super().parse_args(ctx, [*lead, *rest])

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a bug anywhere below exits 70 with one line (DESIGN §7), so a
        crash never looks like a failing gate. `--debug` shows the traceback too."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except LicensecheckError as exc:
            fail(exc)
            sys.exit(exc.exit_code)
        except Exception as exc:  # noqa: BLE001 - the one boundary where a bug becomes exit 70
            from .errors import InternalError

            if ctx.obj and ctx.obj.get("debug"):
                import traceback

                traceback.print_exc()
            fail(InternalError.from_exception("licensecheck", exc))
            sys.exit(ExitCode.INTERNAL_ERROR)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = LAZY_COMMANDS.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        from importlib import import_module

        module, name = where.split(":")
        command: click.Command = getattr(import_module(f".{module}", __package__), name)
        return command


class PathType(click.ParamType[os.PathLike[str], Any]):
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


_EXIT_CODES = (
    (ExitCode.PASSED, "the gate passed (every model, for several)"),
    (ExitCode.GATE_FAILED, "the gate failed (by default: a prohibited or unknown verdict)"),
    (ExitCode.INPUT_ERROR, "usage or input error (bad option, unreadable card, manifest, "
                           "rule or policy file)"),
    (ExitCode.RESOLUTION_ERROR, "resolution could not complete (network, auth, time limit)"),
    (ExitCode.INTERNAL_ERROR, "a bug in licensecheck (--debug shows the traceback)"),
)  # fmt: skip

_ENVIRONMENT = (
    ("HF_TOKEN", "Hub token for gated repos (same as --token; never printed)"),
    ("HF_ENDPOINT", "the Hub to ask (default https://huggingface.co)"),
    ("HF_HUB_OFFLINE=1", "same as --offline"),
    ("HF_HUB_CACHE, HF_HOME", "the Hugging Face cache read offline and by --hf-cache"),
    ("MODEL_LICENSECHECK_TIMEOUT", "seconds a run may spend on the Hub (default 300)"),
    ("MODEL_LICENSECHECK_HUB_TIMEOUT", "seconds per Hub request (default 10)"),
    ("MODEL_LICENSECHECK_HUB_RETRIES", "retries after 429/5xx/timeouts (default 3)"),
    ("MODEL_LICENSECHECK_HUB_BACKOFF", "first retry delay in seconds (default 0.5)"),
    ("MODEL_LICENSECHECK_CACHE", "this tool's cache folder (default "
                                 "$XDG_CACHE_HOME/model-licensecheck)"),
    ("NO_COLOR", "no colour in the text report"),
    ("SOURCE_DATE_EPOCH", "the timestamp written into reports (reproducible builds)"),
)  # fmt: skip


def epilog(*examples: str) -> str:
    """The end of a command's --help: examples, exit codes and environment variables
    (`\\b` keeps click from re-wrapping each block)."""
    width = max(len(name) for name, _ in _ENVIRONMENT)
    blocks = [
        "\b\nExamples:\n" + "\n".join(f"  {e}" for e in examples),
        "\b\nExit codes:\n" + "\n".join(f"  {int(c):<3} {what}" for c, what in _EXIT_CODES),
        "\b\nEnvironment:\n"
        + "\n".join(f"  {name:<{width}}  {what}" for name, what in _ENVIRONMENT),
    ]
    return "\n\n".join(blocks)


CHECK_EXAMPLES = (
    "licensecheck lmsys/vicuna-7b-v1.3            # one screen: verdict, path, to-dos",
    "licensecheck -v lmsys/vicuna-7b-v1.3         # + lineage, findings, evidence",
    "licensecheck --offline databricks/dolly-v2-12b",
    "licensecheck ./my-model/README.md --format json -o report.json",
    "licensecheck org/model --format sarif --format spdx-json -o reports/",
    "licensecheck org/model --policy policy.yml --fail-on prohibited",
)

AUDIT_EXAMPLES = (
    "licensecheck audit models.txt                 # one row per model",
    "licensecheck audit models.yaml --format json -o audit.json",
    "licensecheck audit models.txt --reports out/ --format json --format sarif",
    "licensecheck audit --hf-cache --offline       # every model in the HF cache",
    "licensecheck audit --ollama",
)


def fail(error: LicensecheckError) -> None:
    """Print `error` on stderr: its one line, then each problem when there are several."""
    click.echo(f"licensecheck: error: {error.one_line()}", err=True)
    if isinstance(error, ValidationError) and len(error.problems) > 1:
        for line in error.details():
            click.echo(f"  - {line}", err=True)


def refuse(message: str) -> NoReturn:
    """Refuse options that cannot work together: one line, the usage exit code, before any
    knowledge base is loaded or model resolved."""
    click.echo(f"licensecheck: error: {message}", err=True)
    sys.exit(ExitCode.INPUT_ERROR)


def chosen_formats(params: dict[str, Any]) -> list[Format]:
    """The asked-for formats, each once, in order; text when none is asked for."""
    return [Format(f) for f in dict.fromkeys(params["formats"])] or [Format.TEXT]


def check_combinations(params: dict[str, Any], *, table_on_stdout: bool = False) -> None:
    """Refuse option combinations that cannot work before any work is done (a long audit
    must not fail at the end on what the command line already said). `table_on_stdout`: the
    formats go elsewhere (audit --reports) and stdout shows the table."""
    output: Path | None = params["output"]
    formats = chosen_formats(params)
    several = len(formats) > 1 and not (table_on_stdout and output is None)
    if params["offline"] and params["refresh"]:
        refuse("--refresh asks the Hub again and --offline never asks it: give one of them")
    if several and output is None:
        names = " ".join(f"--format {f.value}" for f in formats)
        refuse(f"several formats ({names}) need -o DIR to write them to")
    if several and output is not None and not os.path.isdir(output):
        if os.path.exists(output):
            refuse(f"several formats need -o DIR, and {output} is a file")
        if any(os.fspath(output).endswith(f.extension) for f in Format):
            refuse(f"several formats need -o DIR; {output} names a file (drop its extension "
                   "to have the folder made)")  # fmt: skip


def output_path(output: Path, fmt: Format, several: bool) -> Path:
    """Where a report goes: `-o FILE` itself, or `DIR/licensecheck<ext>` for a folder (an
    existing one, or the one several formats are written into)."""
    if several or os.path.isdir(output):
        return output / f"licensecheck{fmt.extension}"
    return output


def _statuses(text: str) -> frozenset[Status]:
    out: set[Status] = set()
    for part in text.split(","):
        if part.strip():
            try:
                out.add(Status.parse(part.strip()))
            except ValueError as exc:
                raise click.BadParameter(str(exc)) from None
    return frozenset(out)


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=epilog(*CHECK_EXAMPLES[:3], AUDIT_EXAMPLES[0],
                           "licensecheck db lint"))  # fmt: skip
@click.version_option(__version__, prog_name="licensecheck")
@click.option("--debug", is_flag=True, help="On an internal error (exit 70), show the traceback.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """May this model be used commercially, given everything it was made from?

    `licensecheck MODEL` is short for `licensecheck check MODEL`.
    """
    ctx.obj = {"debug": debug}


def check_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `check` and `audit` share: sources, rules, policy, gate and output."""
    options = [
        click.option("--format", "formats", type=click.Choice([f.value for f in Format]),
                     multiple=True,
                     help="Report format (default text); repeat it to write several into -o DIR."),
        click.option("-o", "--output", type=PathType(),
                     help="Write the report to FILE; to an existing DIR, or a folder made for "
                     "several formats, as DIR/licensecheck.<ext>; atomically, only after the "
                     "check succeeds."),
        click.option("--offline", is_flag=True,
                     help="Use only local files and the bundled knowledge base."),
        click.option("--rules", "rules_dirs", multiple=True,
                     type=PathType(file_okay=False),
                     help="A folder of extra rule files (repeatable), added to the shipped rules."),
        click.option("--policy", "policy_file", type=PathType(dir_okay=False),
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
        click.option("--timeout", "time_limit", type=click.FloatRange(min=0, min_open=True),
                     default=None, envvar="MODEL_LICENSECHECK_TIMEOUT",
                     help="Seconds the run may spend reading the Hub (default 300); what is "
                     "still unread then is unknown, a root exit 3."),
        click.option("--kb", "kb_dir", type=PathType(file_okay=False),
                     hidden=True, help="Use another knowledge-base folder."),
        click.option("--color/--no-color", default=None,
                     help="Colour the text report (default: on a TTY)."),
        click.option("-q", "--quiet", is_flag=True,
                     help="No progress display (it is drawn on stderr only on a terminal)."),
        click.option("-v", "--verbose", "verbosity", count=True,
                     help="Text report: -v adds the lineage, the findings and the evidence for "
                     "the verdict; -vv every finding and every edge's evidence."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def make_checker(params: dict[str, Any], revision: str | None = None) -> Checker:
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
            time_limit=params["time_limit"],
        )  # fmt: skip
        progress = progress_display(params["quiet"])
        params["progress"] = progress
        return Checker(options, progress=progress)
    except LicensecheckError as exc:
        fail(exc)
        sys.exit(exc.exit_code)


class ProgressLine:
    """The run's progress on a terminal: `[k/N] current model · M artifacts asked · 12s`,
    redrawn in place on one line of `stream`, cut to the terminal's width; cleared at the end.
    It renders the library's progress events (the library never prints)."""

    def __init__(
        self, stream: TextIO, clock: Callable[[], float] | None = None, interval: float = 0.1
    ) -> None:
        import time

        self.stream = stream
        self.clock = clock or time.monotonic
        self.interval = interval
        self.start = self.clock()
        self.last = -interval
        self.last_done = -1
        self.drawn = False

    def __call__(self, event: ProgressEvent) -> None:
        now = self.clock()
        if event.done == self.last_done and now - self.last < self.interval:
            return  # redraw at most ten times a second, and whenever a model is done
        self.last, self.last_done = now, event.done
        from .safetext import escape_controls

        parts = [f"[{event.done}/{event.total}]"]
        if event.current is not None:
            parts.append(escape_controls(event.current))
        parts.append(f"{event.asked} artifacts asked")
        parts.append(f"{now - self.start:.0f}s")
        width = terminal_width() - 1  # the last column would wrap on some terminals
        self.stream.write("\r\033[K" + _cut(" · ".join(parts), width))
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        """Erase the line, so that what follows starts on a clean one."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False


def terminal_width() -> int:
    """The terminal's width in columns ($COLUMNS first, then the terminal, else 80)."""
    import shutil

    return max(20, shutil.get_terminal_size().columns)


def _cut(text: str, width: int) -> str:
    """`text` cut to `width` columns with an ellipsis (never wrapped)."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal (audit rows are then cut to its width)."""
    return sys.stdout.isatty()


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal (a progress display is drawn only there)."""
    return sys.stderr.isatty()


def end_progress(params: dict[str, Any]) -> None:
    """Erase the progress line (if one was drawn) before anything else is printed."""
    progress: ProgressLine | None = params.get("progress")
    if progress is not None:
        progress.clear()


def progress_display(quiet: bool) -> ProgressLine | None:
    """A progress line on stderr when it is a terminal and --quiet was not given."""
    if quiet or not stderr_is_terminal():
        return None
    return ProgressLine(sys.stderr)


def emit(
    params: dict[str, Any],
    results: Sequence[CheckResult],
    json_data: Callable[[], Any],
    text: str | None = None,
) -> None:
    """Render every asked-for format; to stdout, a file, or a folder of files. `json_data`
    builds the JSON report's data (only when JSON is asked for); `text`, when given, stands
    for the text format (an audit's summary table)."""
    from .report.interface import reporter

    end_progress(params)
    output: Path | None = params["output"]
    chosen = chosen_formats(params)
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
            body = reporter(fmt, color=use_color and fmt is Format.TEXT,
                            verbosity=params["verbosity"]).render(results)  # fmt: skip
        path = output_path(output, fmt, len(chosen) > 1) if output is not None else None
        if path is None:
            click.echo(body, nl=False, color=use_color)
            continue
        try:
            write_atomic(path, body)
        except OSError as exc:
            click.echo(f"licensecheck: error: cannot write {path}: {exc.strerror}", err=True)
            sys.exit(ExitCode.INPUT_ERROR)


@main.command("check", epilog=epilog(*CHECK_EXAMPLES))
@click.argument("targets", nargs=-1, required=True)
@click.option("--revision", default=None, help="Pin the root Hub id to this revision.")
@check_options
def check_command(targets: Sequence[str], revision: str | None, **params: Any) -> None:
    """Check MODEL(s): Hugging Face ids, model cards, configs or local model folders."""
    check_combinations(params)
    if revision is not None and len(targets) != 1:
        refuse("--revision pins one Hugging Face id: give exactly one target")
    checker = make_checker(params, revision)
    try:
        outcomes = checker.check_many(list(targets))
    except LicensecheckError as exc:
        end_progress(params)
        fail(exc)
        sys.exit(exc.exit_code)
    end_progress(params)
    results = [o for o in outcomes if isinstance(o, CheckResult)]
    worst = ExitCode.PASSED
    for outcome in outcomes:
        if isinstance(outcome, LicensecheckError):
            fail(outcome)
            worst = max(worst, outcome.exit_code)
        elif not outcome.gate.passed:
            worst = max(worst, ExitCode.GATE_FAILED)

    def json_data() -> Any:
        from .report.jsonreport import report_dict

        return report_dict(list(zip(targets, outcomes, strict=True)))

    if results:
        emit(params, results, json_data)
    sys.exit(worst)
