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
    from .drift import DriftReport
    from .errors import ExitCode, InputError, LicensecheckError, ResolutionError, ValidationError
    from .lockfile import Lock
    from .model import CheckResult, Condition, Finding, Lineage, Obligation, Status, Verdict
    from .paths import StrPath
    from .report.interface import Format
    from .verdict.policy import Deployment, Policy, Stance, Waiver, load_policy

# The public names, imported on first use so that `import model_licensecheck` (and so the
# command line's start-up) stays cheap.
_LAZY = {
    "AuditEntry": "batch", "AuditResult": "batch", "ManifestEntry": "batch",
    "Checker": "checker", "CheckOptions": "checker", "DriftReport": "drift",
    "ExitCode": "errors", "InputError": "errors", "LicensecheckError": "errors",
    "ResolutionError": "errors", "ValidationError": "errors",
    "CheckResult": "model", "Condition": "model", "Finding": "model", "Lineage": "model",
    "Obligation": "model", "Status": "model", "Verdict": "model",
    "Lock": "lockfile", "read_lock": "lockfile",
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
    "DriftReport",
    "ExitCode",
    "Finding",
    "Format",
    "InputError",
    "LicensecheckError",
    "Lineage",
    "Lock",
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
    "check_drift",
    "load_policy",
    "lock",
    "read_lock",
    "render",
    "write_lock",
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
    shard: tuple[int, int] | None = None,
) -> AuditResult:
    """Check many models together (shared ancestors are fetched once).

    `models` is a list of targets or manifest entries, or the path of a manifest (a text list,
    a YAML list with revisions and notes, or a folder of model folders). Per-model errors are
    kept in the result; `result.exit_code` is the worst one. `shard=(k, n)` checks only the
    k-th of n disjoint shards (1-based, by a stable hash of each id), as `audit --shard k/n`.
    """
    from .batch import ManifestEntry, read_manifest, run_audit
    from .batch import shard as shard_of
    from .checker import Checker

    if isinstance(models, str | os.PathLike):
        from pathlib import Path

        entries = read_manifest(Path(models))
    else:
        entries = [m if isinstance(m, ManifestEntry) else ManifestEntry(m) for m in models]
    if shard is not None:
        entries = shard_of(entries, *shard)
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


def _policy_digest(policy: Policy | StrPath | None) -> str | None:
    """A policy file's digest for a lock; none for a `Policy` built in code (no file to
    compare later)."""
    from .lockfile import policy_digest

    return policy_digest(policy) if isinstance(policy, str | os.PathLike) else None


def lock(
    targets: Sequence[str],
    *,
    offline: bool = False,
    policy: Policy | StrPath | None = None,
    token: str | None = None,
    revisions: dict[str, str] | None = None,
    max_depth: int = 16,
    rules_dirs: Sequence[StrPath] = (),
    kb_dir: StrPath | None = None,
) -> Lock:
    """Check `targets` (each pinned to `revisions` where given) and lock what was read: every
    node's commit, licenses and edges, each target's verdict (`licensecheck lock`). Write it
    with `write_lock`. Raises the error of the first target that could not be checked: a lock
    that leaves a target out would hide it from `drift`."""
    from .checker import Checker
    from .lockfile import lock_of

    options = _options(offline, policy, token, max_depth, rules_dirs, False, None, kb_dir)
    locked, errors = lock_of(Checker(options), list(targets), revisions, _policy_digest(policy))
    for target in targets:
        if target in errors:
            raise errors[target]
    return locked


def write_lock(locked: Lock, path: StrPath) -> None:
    """Write a lock file (one line per target and per node, sorted: it diffs well)."""
    from .lockfile import dumps
    from .paths import write_atomic

    write_atomic(path, dumps(locked))


def check_drift(
    lock_file: StrPath,
    *,
    offline: bool = False,
    policy: Policy | StrPath | None = None,
    token: str | None = None,
    rules_dirs: Sequence[StrPath] = (),
    kb_dir: StrPath | None = None,
) -> DriftReport:
    """Re-check a lock file's targets today and say, per target, what changed since it was
    written and whether the verdict or its conditions moved (`licensecheck drift`):
    `report.exit_code` is 0 when nothing that matters moved, 1 when a verdict or conditions
    did, 2 or 3 when a target could not be checked. (Not named `drift`: that is the module
    `model_licensecheck.drift`, which would replace it once imported.)"""
    from .checker import Checker
    from .drift import drift_since
    from .lockfile import read_lock

    old = read_lock(lock_file)
    options = _options(offline, policy, token, old.max_depth, rules_dirs, False, None, kb_dir)
    return drift_since(Checker(options), os.fspath(lock_file), old, _policy_digest(policy))
