"""model-licensecheck: may this model be used commercially, given everything it was made from?

The Python API, for pipelines::

    from model_licensecheck import check, audit, render

    result = check("databricks/dolly-v2-12b", offline=True)
    result.verdict.status            # Status.ALLOWED
    render(result, "markdown")       # any report format
"""

from __future__ import annotations

__version__ = "0.1.0"

import os
from collections.abc import Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import AuditEntry, AuditResult, ManifestEntry
    from .checker import Checker, CheckOptions
    from .errors import ExitCode, InputError, LicensecheckError, ResolutionError, ValidationError
    from .model import CheckResult, Condition, Finding, Lineage, Obligation, Status, Verdict
    from .paths import StrPath
    from .report.interface import Format
    from .verdict.policy import Deployment, Policy, Stance, Waiver, load_policy

# The public names, imported on first use so that `import model_licensecheck` (and so the
# command line's start-up) stays cheap.
_LAZY = {
    "AuditEntry": "batch", "AuditResult": "batch", "ManifestEntry": "batch",
    "Checker": "checker", "CheckOptions": "checker",
    "ExitCode": "errors", "InputError": "errors", "LicensecheckError": "errors",
    "ResolutionError": "errors", "ValidationError": "errors",
    "CheckResult": "model", "Condition": "model", "Finding": "model", "Lineage": "model",
    "Obligation": "model", "Status": "model", "Verdict": "model",
    "Format": "report.interface",
    "Deployment": "verdict.policy", "Policy": "verdict.policy", "Stance": "verdict.policy",
    "Waiver": "verdict.policy", "load_policy": "verdict.policy",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "AuditEntry",
    "AuditResult",
    "CheckOptions",
    "CheckResult",
    "Checker",
    "Condition",
    "Deployment",
    "ExitCode",
    "Finding",
    "Format",
    "InputError",
    "LicensecheckError",
    "Lineage",
    "ManifestEntry",
    "Obligation",
    "Policy",
    "ResolutionError",
    "Stance",
    "Status",
    "ValidationError",
    "Verdict",
    "Waiver",
    "__version__",
    "audit",
    "check",
    "load_policy",
    "render",
]


def _options(
    offline: bool,
    policy: Policy | StrPath | None,
    token: str | None,
    max_depth: int,
    rules_dirs: Sequence[StrPath],
    refresh: bool,
    revision: str | None = None,
    kb_dir: StrPath | None = None,
) -> CheckOptions:
    from .checker import CheckOptions
    from .verdict.policy import Policy, load_policy

    if isinstance(policy, str | os.PathLike):
        from .kb.loader import load_kb

        policy = load_policy(policy, load_kb(kb_dir))
    return CheckOptions(
        offline=offline, max_depth=max_depth, rules_dirs=tuple(rules_dirs),
        policy=policy or Policy(), token=token, revision=revision, refresh=refresh, kb_dir=kb_dir,
    )  # fmt: skip


def check(
    target: str,
    *,
    offline: bool = False,
    policy: Policy | StrPath | None = None,
    token: str | None = None,
    revision: str | None = None,
    max_depth: int = 16,
    rules_dirs: Sequence[StrPath] = (),
    refresh: bool = False,
    kb_dir: StrPath | None = None,
) -> CheckResult:
    """Check one model: a Hugging Face id, a model card, a config or a model folder.

    Raises `InputError` (bad input, exit code 2) or `ResolutionError` (the model could not be
    read, exit code 3); a verdict, whatever it is, is returned, never raised.
    """
    from .checker import Checker

    options = _options(offline, policy, token, max_depth, rules_dirs, refresh, revision, kb_dir)
    return Checker(options).check(target)


def audit(
    models: Sequence[str | ManifestEntry] | StrPath,
    *,
    offline: bool = False,
    policy: Policy | StrPath | None = None,
    token: str | None = None,
    max_depth: int = 16,
    rules_dirs: Sequence[StrPath] = (),
    refresh: bool = False,
    kb_dir: StrPath | None = None,
) -> AuditResult:
    """Check many models together (shared ancestors are fetched once).

    `models` is a list of targets or manifest entries, or the path of a manifest (a text list,
    a YAML list with revisions and notes, or a folder of model folders). Per-model errors are
    kept in the result; `result.exit_code` is the worst one.
    """
    from .batch import ManifestEntry, read_manifest, run_audit
    from .checker import Checker

    if isinstance(models, str | os.PathLike):
        from pathlib import Path

        entries = read_manifest(Path(models))
    else:
        entries = [m if isinstance(m, ManifestEntry) else ManifestEntry(m) for m in models]
    checker = Checker(
        _options(offline, policy, token, max_depth, rules_dirs, refresh, None, kb_dir)
    )
    return run_audit(checker, entries)


def render(results: CheckResult | Sequence[CheckResult], fmt: Format | str = "json") -> str:
    """A report in any format: text, json, markdown, spdx-json, spdx-tv, spdx3, sarif,
    cyclonedx, html. Pure: the same results (and SOURCE_DATE_EPOCH) give the same text."""
    from .model import CheckResult
    from .report.interface import Format, reporter

    batch = [results] if isinstance(results, CheckResult) else list(results)
    return reporter(Format(fmt)).render(batch)
