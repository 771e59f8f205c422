"""The `licensecheck` command: parse arguments, call the Checker, render, exit. Nothing else."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
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
    from .lockfile import Lock
    from .resolve.offline import PinnedNode

DEFAULT_COMMAND = "check"


LAZY_COMMANDS = {
    "audit": "cli_audit:audit_command",
    "db": "cli_db:db_group",
    "drift": "cli_lock:drift_command",
    "lock": "cli_lock:lock_command",
    "schema": "cli_schema:schema_command",
}
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
        except BrokenPipeError:
            # The reader went away (`licensecheck db show X | head`): not a bug. Stop writing,
            # and exit as a process killed by SIGPIPE would (128 + 13), never 0, so a gate
            # read through a pipe cannot pass by accident.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(ExitCode.BROKEN_PIPE)
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
    (ExitCode.BROKEN_PIPE, "the output's reader went away (a closed pipe), as SIGPIPE would"),
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
    "licensecheck audit hub.txt --shard 3/8 --format json -o shard-3.json  # one of 8 processes",
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
                     help="A policy file: gate, deployment profile, stances, lists, waivers. "
                     "Without it, the nearest .licensecheck.yml or pyproject.toml "
                     "[tool.licensecheck] up to the repository root applies."),
        click.option("--no-config", is_flag=True,
                     help="Do not look for .licensecheck.yml or pyproject.toml; only --policy."),
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
        click.option("--named-in", "named_in", multiple=True, type=PathType(dir_okay=False),
                     help="A repository file that names the models (a workflow, a Dockerfile, "
                     "code); SARIF points each result at the line naming its model "
                     "(repeatable; an audit's manifest lines come first, the policy file "
                     "last)."),
        click.option("-q", "--quiet", is_flag=True,
                     help="No progress display (it is drawn on stderr only on a terminal)."),
        click.option("-v", "--verbose", "verbosity", count=True,
                     help="Text report: -v adds the lineage, the findings and the evidence for "
                     "the verdict; -vv every finding and every edge's evidence."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def make_checker(
    params: dict[str, Any], revision: str | None = None, pinned: tuple[PinnedNode, ...] = ()
) -> Checker:
    """Build the Checker from the shared options; exit with the error's code if it cannot."""
    from .checker import Checker, CheckOptions
    from .kb.loader import load_kb
    from .verdict.policy import Policy, load_policy

    try:
        policy = Policy()
        policy_file = params["policy_file"]
        if policy_file is None and not params["no_config"]:
            policy_file = _discovered_policy()
        if policy_file is not None:
            policy = load_policy(policy_file, load_kb(params["kb_dir"]))
        if params["fail_on"] is not None:
            policy = policy._replace(fail_on=_statuses(params["fail_on"]))
        if params["deny_conditions"]:
            denied = policy.deny_conditions | set(params["deny_conditions"])
            policy = policy._replace(deny_conditions=frozenset(denied))
        options = CheckOptions(
            offline=params["offline"], max_depth=params["max_depth"],
            rules_dirs=tuple(params["rules_dirs"]), kb_dir=params["kb_dir"], policy=policy,
            token=params["token"] or None, revision=revision, refresh=params["refresh"],
            time_limit=params["time_limit"], pinned=pinned,
        )  # fmt: skip
        progress = progress_display(params["quiet"])
        params["progress"] = progress
        return Checker(options, progress=progress)
    except LicensecheckError as exc:
        fail(exc)
        sys.exit(exc.exit_code)


def _discovered_policy() -> str | None:
    """The policy found from the working directory up (verdict/config.py), as a path
    relative to it, so that reports name it as the user sees it."""
    from .verdict.config import discover_policy, display_path

    cwd = os.getcwd()
    found = discover_policy(cwd)
    return display_path(found, cwd) if found is not None else None


class ProgressLine:
    """The run's progress on a terminal: `[k/N] current model · M artifacts asked · 12s`,
    redrawn in place on one line of `stream`, cut to the terminal's width; cleared at the end.
    It renders the library's progress events (the library never prints). With `tick`, a
    daemon thread redraws the last line every `tick` seconds, so the elapsed time moves while
    one slow Hub request holds the run; `clear` stops it."""

    def __init__(
        self,
        stream: TextIO,
        clock: Callable[[], float] | None = None,
        interval: float = 0.1,
        tick: float | None = None,
    ) -> None:
        import threading
        import time

        self.stream = stream
        self.clock = clock or time.monotonic
        self.interval = interval
        self.start = self.clock()
        self.last = -interval
        self.last_done = -1
        self.drawn = False
        self.event: ProgressEvent | None = None
        self.lock = threading.Lock()  # the ticker and the run draw on the same line
        self.stopped = threading.Event()
        self.ticker: threading.Thread | None = None
        if tick is not None:
            self.ticker = threading.Thread(target=self._tick_every, args=(tick,), daemon=True)
            self.ticker.start()

    def __call__(self, event: ProgressEvent) -> None:
        with self.lock:
            self.event = event
            now = self.clock()
            if event.done == self.last_done and now - self.last < self.interval:
                return  # redraw at most ten times a second, and whenever a model is done
            self._draw(event, now)

    def tick(self) -> None:
        """Redraw the last line with the time elapsed now (nothing before the first event)."""
        with self.lock:
            if self.event is not None and not self.stopped.is_set():
                self._draw(self.event, self.clock())

    def _tick_every(self, seconds: float) -> None:
        while not self.stopped.wait(seconds):
            self.tick()

    def _draw(self, event: ProgressEvent, now: float) -> None:
        from .safetext import cut_columns, escape_controls

        self.last, self.last_done = now, event.done
        parts = [f"[{event.done}/{event.total}]"]
        if event.current is not None:
            parts.append(escape_controls(event.current))
        parts.append(f"{event.asked} artifacts asked")
        parts.append(f"{now - self.start:.0f}s")
        width = terminal_width() - 1  # the last column would wrap on some terminals
        self.stream.write("\r\033[K" + cut_columns(" · ".join(parts), width))
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        """Stop the ticker and erase the line, so that what follows starts on a clean one."""
        self.stopped.set()
        if self.ticker is not None:
            self.ticker.join()
            self.ticker = None
        with self.lock:
            if self.drawn:
                self.stream.write("\r\033[K")
                self.stream.flush()
                self.drawn = False


def terminal_width() -> int:
    """The terminal's width in columns ($COLUMNS first, then the terminal, else 80)."""
    import shutil

    return max(20, shutil.get_terminal_size().columns)


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
    return ProgressLine(sys.stderr, tick=1.0)


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
    # Where the repository names each model, for SARIF: a manifest line (set by the audit),
    # then the files given with --named-in, then the policy file the verdict was judged under
    # (its allow, deny or waiver lists may name the model).
    named = [*params["named_in"], *dict.fromkeys(r.policy for r in results if r.policy)]
    if named and Format.SARIF in chosen:
        from .locate import attach_named

        results = attach_named(results, named)
    color = params["color"]
    use_color = color if color is not None else (output is None and sys.stdout.isatty()
                                                 and "NO_COLOR" not in os.environ)  # fmt: skip
    for fmt in chosen:
        body: str | Iterator[str]
        if fmt is Format.JSON:  # the JSON report also lists the targets that failed
            from .report.jsonreport import iter_dumps

            body = iter_dumps(json_data())  # streamed: built while it is written
        elif fmt is Format.TEXT and text is not None:
            body = text
        else:  # Markdown, SARIF and HTML are built while written; the others whole
            body = reporter(fmt, color=use_color and fmt is Format.TEXT,
                            verbosity=params["verbosity"]).stream(results)  # fmt: skip
        path = output_path(output, fmt, len(chosen) > 1) if output is not None else None
        if path is None:
            for piece in [body] if isinstance(body, str) else _chunks(body):
                click.echo(piece, nl=False, color=use_color)
            continue
        try:
            write_atomic(path, body)
        except OSError as exc:
            click.echo(f"licensecheck: error: cannot write {path}: {exc.strerror}", err=True)
            sys.exit(ExitCode.INPUT_ERROR)


def _chunks(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[str]:
    """Pieces joined into chunks of about `size` characters: a streamed report is written a
    line or a record at a time, and each `click.echo` flushes."""
    held: list[str] = []
    length = 0
    for piece in pieces:
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(held)
            held, length = [], 0
    if held:
        yield "".join(held)


@main.command("check", epilog=epilog(*CHECK_EXAMPLES))
@click.argument("targets", nargs=-1)
@click.option("--revision", default=None, help="Pin the root Hub id to this revision.")
@click.option(
    "--locked",
    "lock_path",
    type=PathType(dir_okay=False),
    default=None,
    help="Read every node at the revision a lock file pins (`licensecheck lock`), "
    "so the locked verdict is reproduced; TARGETs default to the lock's.",
)
@check_options
def check_command(
    targets: Sequence[str], revision: str | None, lock_path: Path | None, **params: Any
) -> None:
    """Check MODEL(s): Hugging Face ids, model cards, configs or local model folders."""
    check_combinations(params)
    lock: Lock | None = None
    if lock_path is not None:
        if revision is not None:
            raise click.UsageError("--locked pins every revision: drop --revision")
        lock, targets = _locked(lock_path, targets, params)
    elif not targets:
        raise click.UsageError("give MODEL(s) to check, or --locked LOCKFILE")
    if revision is not None and len(targets) != 1:
        refuse("--revision pins one Hugging Face id: give exactly one target")
    pinned = lock.pinned(str(lock_path)) if lock is not None else ()
    checker = make_checker(params, revision, pinned)
    try:
        outcomes = checker.check_many(list(targets), lock.revisions() if lock else None)
    except LicensecheckError as exc:
        end_progress(params)
        fail(exc)
        sys.exit(exc.exit_code)
    end_progress(params)
    results = [o for o in outcomes if isinstance(o, CheckResult)]
    if lock is not None:
        _warn_if_moved(lock, results)
    worst = ExitCode.PASSED
    for outcome in outcomes:
        if isinstance(outcome, LicensecheckError):
            fail(outcome)
            worst = max(worst, outcome.exit_code)
        elif not outcome.gate.passed:
            worst = max(worst, ExitCode.GATE_FAILED)

    def json_data() -> Any:
        from .report.jsonreport import report_dict

        return report_dict(list(zip(targets, outcomes, strict=True)), lazy=True)

    if results:
        emit(params, results, json_data)
    sys.exit(worst)


def _locked(
    lock_path: Path, targets: Sequence[str], params: dict[str, Any]
) -> tuple[Lock, Sequence[str]]:
    """The lock file and the targets to check (default: the lock's); a warning when it was
    written with another knowledge base."""
    from .kb.loader import load_kb
    from .lockfile import read_lock

    try:
        lock = read_lock(lock_path)
        kb = load_kb(params["kb_dir"])
    except LicensecheckError as exc:
        fail(exc)
        sys.exit(exc.exit_code)
    chosen = list(targets) or [t.target for t in lock.targets]
    unknown = [t for t in chosen if t not in {x.target for x in lock.targets}]
    if unknown:
        fail(LicensecheckError(f"{lock_path}: {unknown[0]} is not a target of the lock file"))
        sys.exit(ExitCode.INPUT_ERROR)
    if lock.kb_digest != kb.digest:
        click.echo(
            f"licensecheck: warning: {lock_path} was written with another knowledge base "
            f"({lock.kb_digest}, now {kb.digest}): a verdict may differ",
            err=True,
        )
    return lock, chosen


def _warn_if_moved(lock: Lock, results: Sequence[CheckResult]) -> None:
    """Say so on stderr when a locked target's verdict or conditions came out otherwise."""
    locked = {t.target: t for t in lock.targets}
    for result in results:
        then = locked[result.subject.target]
        now = tuple(sorted(str(c) for c in result.verdict.conditions))
        if (then.verdict, then.conditions) != (result.verdict.status.label, now):
            click.echo(
                f"licensecheck: warning: {result.subject.target}: the lock recorded "
                f"{then.verdict} ({', '.join(then.conditions) or 'no conditions'}), this run "
                f"gives {result.verdict.status.label} ({', '.join(now) or 'no conditions'})",
                err=True,
            )
