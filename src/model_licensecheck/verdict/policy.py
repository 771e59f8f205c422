"""The policy: what passes the gate, the deployment the verdict is judged against, stances on
questions where reasonable people differ, allow/deny lists and waivers (DESIGN §7); and how
they apply to a verdict. verdict/policyfile.py validates a policy file into one."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..errors import PolicyError, Problem
from ..kb.loader import KnowledgeBase
from ..model import Condition, Finding, GateResult, Lineage, Status, worst_first
from ..paths import StrPath

SCHEMA_VERSION = 1
DISTRIBUTIONS = ("redistribute-weights", "hosted-service", "internal")
DEFAULT_FAIL_ON: frozenset[Status] = frozenset({Status.PROHIBITED, Status.UNKNOWN})

# Obligations that only bind when the weights (or a derivative) are handed to others.
_DISTRIBUTION_ONLY = frozenset({"attribution", "share-alike", "copyleft", "no-derivatives"})


class Deployment(NamedTuple):
    """How the model will be used: caps are judged as numbers, names against prefixes."""

    monthly_active_users: int | None = None
    annual_revenue_usd: int | None = None
    distribution: str | None = None
    jurisdiction: str | None = None
    release_name: str | None = None


class Stance(NamedTuple):
    """Legal readings where reasonable people differ; defaults follow DESIGN §5. Each value
    selects shipped rule files (rules/schema.py's STANCES): no stance is code."""

    share_alike_data_reaches_weights: bool = False
    service_terms_bind_downstream: bool = True
    quantization_is_derivative: bool = True
    generator_output_prohibitions_bind: bool = False
    """Terms of a data generator that forbid training on its outputs make the verdict
    `prohibited` (rules/stances/generator-prohibitions.yaml); by default a condition."""


class Waiver(NamedTuple):
    """An approved exception for a model (the whole subject) or one finding (`rule:ancestor`)."""

    reason: str
    approved_by: str
    expires: dt.date
    model: str | None = None
    finding: str | None = None

    @property
    def target(self) -> str:
        """What the waiver covers, as written."""
        return self.finding or self.model or ""


class Policy(NamedTuple):
    """A validated policy file."""

    fail_on: frozenset[Status] = DEFAULT_FAIL_ON
    deny_conditions: frozenset[str] = frozenset()
    allow_models: frozenset[str] = frozenset()
    deny_models: frozenset[str] = frozenset()
    allow_licenses: frozenset[str] = frozenset()
    deny_licenses: frozenset[str] = frozenset()
    deployment: Deployment = Deployment()
    stance: Stance = Stance()
    waivers: tuple[Waiver, ...] = ()
    source: str | None = None


def load_policy(path: StrPath, kb: KnowledgeBase | None = None) -> Policy:
    """Read and validate a policy file (YAML, or the `[tool.licensecheck]` table of a `.toml`
    file such as pyproject.toml); raise with every problem, each with its field and line."""
    from ..errors import YamlError
    from ..validation import Collector
    from ..yamlio import load
    from .policyfile import parse_policy

    c = Collector(str(path))
    data: object
    if str(path).endswith(".toml"):  # pyproject.toml's [tool.licensecheck] (verdict/config.py)
        from .config import load_pyproject_table

        data = load_pyproject_table(path)
    else:
        try:
            with open(path, encoding="utf-8") as handle:
                data = load(handle.read())
        except (OSError, UnicodeDecodeError, YamlError) as exc:
            raise PolicyError([Problem(str(path), str(exc))]) from None
    if not isinstance(data, Mapping):
        raise PolicyError([Problem(str(path), "must be a YAML mapping")])
    policy = parse_policy(data, c, kb)
    if c.problems:
        raise PolicyError(c.problems)
    return policy._replace(source=str(path))


class PolicyOutcome(NamedTuple):
    """Findings as the deployment profile and stances leave them, and what the gate says."""

    findings: tuple[Finding, ...]
    notes: tuple[str, ...]


def apply_deployment(
    findings: Sequence[Finding], lineage: Lineage, policy: Policy, kb: KnowledgeBase
) -> PolicyOutcome:
    """Judge conditions against the deployment: caps as numbers, the release name against a
    required prefix, distribution-only obligations dropped for internal or hosted use."""
    dep, stance = policy.deployment, policy.stance
    out: list[Finding] = []
    notes: list[str] = []
    for f in findings:
        kept: list[Condition] = []
        status = f.status
        whys: list[str] = []
        for cond in f.conditions:
            verdict = _judge_condition(cond, f, dep, stance, kb)
            if verdict is None:
                kept.append(cond)
                continue
            new_status, why = verdict
            notes.append(f"policy: {f.rule_id} on {f.ancestor}: {why}")
            whys.append(f" [policy: {why}]")
            if new_status is Status.PROHIBITED:
                status = Status.PROHIBITED
                kept.append(cond)
        if status is Status.CONDITIONAL and not kept:
            status = Status.ALLOWED
        if status is f.status and len(kept) == len(f.conditions):
            out.append(f)  # untouched: most findings, and copying them all is costly
        else:
            message = f.message + "".join(whys)
            out.append(f._replace(status=status, conditions=tuple(kept), message=message))
    return PolicyOutcome(tuple(worst_first(out)), tuple(notes))


def _cap(value: str | None) -> int | None:
    """The number a cap condition names; None for any other value (a user's rule may put text
    there): the condition is then kept for a person to judge."""
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


def _judge_condition(
    cond: Condition, f: Finding, dep: Deployment, stance: Stance, kb: KnowledgeBase
) -> tuple[Status, str] | None:
    """None keeps the condition; else the status it leads to and why."""
    cap = _cap(cond.value)
    if cond.id == "user-cap" and cap is not None and dep.monthly_active_users is not None:
        if dep.monthly_active_users > cap:
            why = (f"{dep.monthly_active_users} monthly active users is above the cap of {cap}: "
                   "a separate license is needed")  # fmt: skip
            return Status.PROHIBITED, why
        return Status.ALLOWED, f"{dep.monthly_active_users} monthly active users is within {cap}"
    if cond.id == "revenue-cap" and cap is not None and dep.annual_revenue_usd is not None:
        if dep.annual_revenue_usd > cap:
            why = (f"annual revenue of USD {dep.annual_revenue_usd} is above the cap of USD "
                   f"{cap}: a separate license is needed")  # fmt: skip
            return Status.PROHIBITED, why
        return Status.ALLOWED, f"annual revenue of USD {dep.annual_revenue_usd} is within {cap}"
    if cond.id == "naming" and cond.value and dep.release_name is not None:
        if not dep.release_name.lower().startswith(cond.value.lower()):
            return Status.PROHIBITED, (f"the release name {dep.release_name!r} does not start "
                                       f"with {cond.value!r} as the license requires")  # fmt: skip
        return None  # the prefix is met; the display requirement stays an obligation
    if dep.distribution in ("internal", "hosted-service") and cond.id in _DISTRIBUTION_ONLY:
        entry = kb.licenses.get(f.license_id or "")
        network = entry is not None and entry.clauses.copyleft == "network"
        if cond.id == "copyleft" and network and dep.distribution == "hosted-service":
            return None
        return (
            Status.ALLOWED,
            f"{cond.id} binds only distribution, and the use is {dep.distribution}",
        )
    return None


def gate_with_policy(
    findings: Sequence[Finding],
    lineage: Lineage,
    concluded: Mapping[str, tuple[str, ...]],
    policy: Policy,
    today: dt.date,
) -> GateResult:
    """The gate: failing statuses and denied conditions, less allowed licenses and waivers;
    deny lists fail whatever the verdict; an allowed or waived model passes."""
    subject = lineage.root.lower()
    reasons: list[str] = []
    notes: list[str] = []
    active: dict[str, Waiver] = {}
    for w in policy.waivers:
        if w.expires < today:
            notes.append(f"waiver for {w.target} expired on {w.expires.isoformat()} and no "
                         "longer applies")  # fmt: skip
        else:
            active[w.target.lower()] = w
    for node_id in lineage.nodes:
        if node_id.lower() in policy.deny_models:
            reasons.append(f"{node_id} is on the policy's deny list")
    for node_id, licenses in sorted(concluded.items()):
        for lic in licenses:
            if lic in policy.deny_licenses:
                reasons.append(f"{node_id} carries {lic}, which the policy denies")
    for f in findings:
        key = f"{f.rule_id}:{f.ancestor}".lower()
        waived = active.get(key)
        if waived is not None:
            notes.append(f"finding {f.rule_id}:{f.ancestor} waived by {waived.approved_by} until "
                         f"{waived.expires.isoformat()}: {waived.reason}")  # fmt: skip
            continue
        if f.license_id is not None and f.license_id in policy.allow_licenses:
            continue
        if f.status in policy.fail_on:
            reasons.append(f"{f.status.label}: {f.rule_id} on {f.ancestor}")
        for cond in f.conditions:
            if cond.id in policy.deny_conditions:
                reasons.append(f"condition {cond} ({f.rule_id} on {f.ancestor}) is denied")
    if subject in policy.allow_models and not any("deny list" in r for r in reasons):
        notes.append(f"{lineage.root} is on the policy's allow list")
        reasons = []
    model_waiver = active.get(subject)
    if model_waiver is not None and reasons:
        notes.append(f"{lineage.root} waived by {model_waiver.approved_by} until "
                     f"{model_waiver.expires.isoformat()}: {model_waiver.reason}")  # fmt: skip
        reasons = []
    return GateResult(not reasons, tuple(dict.fromkeys(reasons)), tuple(notes))
