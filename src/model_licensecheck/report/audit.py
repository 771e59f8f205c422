"""Audit reports: the summary table, the summary JSON, and per-model report files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..batch import AuditResult
from ..errors import LicensecheckError
from ..safetext import columns, cut_columns, escape_controls, pad_columns
from .common import slug
from .interface import Format, reporter
from .jsonreport import dumps, report_dict


def audit_dict(result: AuditResult) -> dict[str, Any]:
    """The audit as JSON data: the report shape of `check` (a summary, then every model's
    report in manifest order), with each entry's manifest revision and notes."""
    extra = {
        i: {"manifest": {"revision": e.entry.revision, "notes": e.entry.notes}}
        for i, e in enumerate(result.entries)
        if e.entry.revision or e.entry.notes
    }
    return report_dict([(e.entry.target, e.outcome) for e in result.entries], extra)


def audit_table(result: AuditResult, width: int | None = None) -> str:
    """One line per model: verdict, gate, conditions; then the summary sentence. With a
    `width` (a terminal's), each line is cut to it with an ellipsis, never wrapped."""
    rows: list[tuple[str, str, str, str]] = []
    for e in result.entries:
        if isinstance(e.outcome, LicensecheckError):
            rows.append((escape_controls(e.entry.target), "error",
                         f"exit {int(e.outcome.exit_code)}", e.outcome.one_line()))  # fmt: skip
        else:
            r = e.outcome
            conds = ", ".join(sorted({c.id for c in r.verdict.conditions})) or "-"
            rows.append((r.subject.node_id, r.verdict.status.label,
                         "pass" if r.gate.passed else "FAIL", conds))  # fmt: skip
    header = ("model", "verdict", "gate", "conditions")
    widths = [max(columns(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [
        "  ".join(pad_columns(cell, widths[i]) if i < 3 else cell for i, cell in enumerate(row))
        for row in [header, *rows]
    ]
    lines = [*lines, "", result.summary()]
    if width is not None:
        lines = [cut_columns(line, width) for line in lines]
    return "\n".join(lines) + "\n"


def write_model_reports(
    result: AuditResult,
    folder: Path,
    formats: Sequence[Format],
    write: Callable[[Path, str], None],
) -> None:
    """Each checked model's reports as `<slug><ext>`, and `summary.json`."""
    used: set[str] = set()
    for e in result.entries:
        if isinstance(e.outcome, LicensecheckError):
            continue
        name = slug(e.outcome.subject.node_id)
        while name in used:
            name += "-"
        used.add(name)
        for fmt in formats:
            body = (
                dumps(report_dict([(e.entry.target, e.outcome)]))
                if fmt is Format.JSON
                else reporter(fmt).render([e.outcome])
            )
            write(folder / f"{name}{fmt.extension}", body)
    write(folder / "summary.json", dumps(audit_dict(result)))
