"""`licensecheck audit MANIFEST`: check every model a manifest lists, one summary, one exit
code (loaded only when run: see cli.LAZY_COMMANDS)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from .cli import (
    AUDIT_EXAMPLES,
    PathType,
    check_combinations,
    check_options,
    emit,
    end_progress,
    epilog,
    fail,
    make_checker,
    stdout_is_terminal,
    terminal_width,
)
from .errors import ExitCode, LicensecheckError
from .paths import write_atomic
from .report.interface import Format

if TYPE_CHECKING:
    from pathlib import Path


@click.command("audit", epilog=epilog(*AUDIT_EXAMPLES))
@click.argument("manifest", type=PathType(exists=True), required=False)
@click.option("--ollama", is_flag=True,
              help="Also audit every Ollama model installed under $OLLAMA_MODELS (default "
              "~/.ollama/models).")  # fmt: skip
@click.option("--hf-cache", "hf_cache", is_flag=True,
              help="Also audit every model repo in the Hugging Face cache ($HF_HUB_CACHE); "
              "with --offline, from the cached snapshots alone.")  # fmt: skip
@click.option("--shard", "shard_spec", metavar="K/N", default=None,
              help="Audit only shard K of N (1-based) of the models, split by a stable hash of "
              "each id: N processes or machines share a large audit, each writing its own "
              "report.")  # fmt: skip
@click.option("--reports", "reports_dir", type=PathType(file_okay=False),
              help="Also write each model's reports (in every asked-for format) and a "
              "summary.json into this folder.")  # fmt: skip
@check_options
def audit_command(
    manifest: Path | None,
    ollama: bool,
    hf_cache: bool,
    shard_spec: str | None,
    reports_dir: Path | None,
    **params: Any,
) -> None:
    """Audit every model a MANIFEST lists: a text file of ids, a YAML list (with revisions
    and notes), or a folder of model folders; with --ollama, every installed Ollama model;
    with --hf-cache, every model repo in the Hugging Face cache.
    One summary, one exit code."""
    from .batch import ManifestEntry, read_manifest, run_audit, shard, without_duplicates
    from .report.audit import audit_dict, audit_table, write_model_reports

    if manifest is None and not ollama and not hf_cache:
        raise click.UsageError("give a MANIFEST, --ollama, --hf-cache, or several")
    part = _shard(shard_spec) if shard_spec is not None else None
    check_combinations(params, table_on_stdout=reports_dir is not None)
    checker = make_checker(params)
    try:
        entries = read_manifest(manifest) if manifest is not None else []
        if ollama:
            from .resolve.ollama import installed

            entries += [ManifestEntry(target) for target in installed()]
        if hf_cache:
            from .resolve.offline import cached_model_ids

            entries += [ManifestEntry(target) for target in cached_model_ids()]
        entries, repeats = without_duplicates(entries)
        for repeat in repeats:
            click.echo(f"licensecheck: warning: {repeat.warning()}", err=True)
        if part is not None:
            entries = shard(entries, *part)
        result = run_audit(checker, entries)
    except LicensecheckError as exc:
        end_progress(params)
        fail(exc)
        sys.exit(exc.exit_code)
    end_progress(params)
    for entry in result.entries:
        if isinstance(entry.outcome, LicensecheckError):
            fail(entry.outcome)
    if reports_dir is not None:
        formats = [Format(f) for f in dict.fromkeys(params["formats"])] or [Format.JSON]
        try:
            write_model_reports(result, reports_dir, formats, write_atomic)
        except OSError as exc:
            click.echo(f"licensecheck: error: cannot write {reports_dir}: {exc.strerror}",
                       err=True)  # fmt: skip
            sys.exit(ExitCode.INPUT_ERROR)
    if reports_dir is not None and params["output"] is None:
        params = {**params, "formats": ()}  # the formats went to --reports: the table here
    width = terminal_width() - 1 if params["output"] is None and stdout_is_terminal() else None
    emit(params, result.results, lambda: audit_dict(result), text=audit_table(result, width))
    sys.exit(result.exit_code)


def _shard(spec: str) -> tuple[int, int]:
    """`K/N` as numbers; a usage error (exit 2) for anything else."""
    k, sep, n = spec.partition("/")
    if not sep or not (k.isascii() and k.isdigit() and n.isascii() and n.isdigit()):
        raise click.UsageError(f"--shard {spec!r}: expected K/N, such as 2/8")
    from .batch import check_shard

    index, count = int(k), int(n)
    try:
        check_shard(index, count)
    except LicensecheckError:
        raise click.UsageError(f"--shard {spec!r}: K must be between 1 and N") from None
    return index, count
