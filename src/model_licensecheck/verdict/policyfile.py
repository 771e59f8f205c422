"""Validation of a policy file's content into a Policy (verdict/policy.py): run only when a
policy file is given."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..kb.loader import KnowledgeBase
from ..model import Status
from ..validation import Collector, Fields
from .policy import DISTRIBUTIONS, SCHEMA_VERSION, Deployment, Policy, Stance, Waiver


def parse_policy(data: Mapping[str, Any], c: Collector, kb: KnowledgeBase | None) -> Policy:
    """Validate a policy's content; problems go to `c`."""
    f = Fields(data, c, None, {"schema_version", "gate", "deployment", "stance", "allow", "deny",
                               "waivers"})  # fmt: skip
    version = f.get("schema_version", int)
    if version and version != SCHEMA_VERSION:
        c.add(f"unsupported schema_version {version} (this tool reads {SCHEMA_VERSION})")
    gate = Fields(f.mapping("gate", required=False), c, None,
                  {"fail_on", "deny_conditions"}, prefix="gate.")  # fmt: skip
    fail_on: set[Status] = set()
    for name in gate.strings("fail_on") if "fail_on" in gate.data else ("prohibited", "unknown"):
        try:
            fail_on.add(Status.parse(name))
        except ValueError as exc:
            c.add(str(exc), None, "gate.fail_on")
    dep = Fields(f.mapping("deployment", required=False), c, None,
                 {"monthly_active_users", "annual_revenue_usd", "distribution", "jurisdiction",
                  "release_name"}, prefix="deployment.")  # fmt: skip
    distribution = dep.optional_text("distribution")
    if distribution is not None and distribution not in DISTRIBUTIONS:
        c.add(f"must be one of {', '.join(DISTRIBUTIONS)}", None, "deployment.distribution")
    users: int | None = dep.get("monthly_active_users", int, None)
    revenue: int | None = dep.get("annual_revenue_usd", int, None)
    for name, value in (("monthly_active_users", users), ("annual_revenue_usd", revenue)):
        if value is not None and value < 0:
            c.add("must not be negative", None, f"deployment.{name}")
    stance = Fields(f.mapping("stance", required=False), c, None, set(Stance._fields),
                    prefix="stance.")  # fmt: skip
    lists: dict[str, dict[str, frozenset[str]]] = {}
    for side in ("allow", "deny"):
        lf = Fields(f.mapping(side, required=False), c, None, {"models", "licenses"},
                    prefix=f"{side}.")  # fmt: skip
        licenses = lf.strings("licenses")
        normalized = set()
        for lic in licenses:
            hit = kb.find_license(lic) if kb is not None else None
            if kb is not None and hit is None:
                c.add(f"unknown license {lic!r}", None, f"{side}.licenses")
            normalized.add(hit.entry.id if hit is not None else lic)
        lists[side] = {"models": frozenset(m.lower() for m in lf.strings("models")),
                       "licenses": frozenset(normalized)}  # fmt: skip
    waivers = [_waiver(raw, c, i) for i, raw in enumerate(f.get("waivers", list, []))]
    return Policy(
        fail_on=frozenset(fail_on),
        deny_conditions=frozenset(gate.strings("deny_conditions")),
        allow_models=lists["allow"]["models"],
        deny_models=lists["deny"]["models"],
        allow_licenses=lists["allow"]["licenses"],
        deny_licenses=lists["deny"]["licenses"],
        deployment=Deployment(
            users,
            revenue,
            distribution,
            dep.optional_text("jurisdiction"),
            dep.optional_text("release_name"),
        ),
        stance=Stance(**{k: stance.get(k, bool, getattr(Stance(), k)) for k in Stance._fields}),
        waivers=tuple(w for w in waivers if w is not None),
    )


def _waiver(raw: object, c: Collector, i: int) -> Waiver | None:
    where = f"waivers[{i}]"
    if not isinstance(raw, Mapping):
        c.add("must be a mapping", None, where)
        return None
    before = len(c.problems)
    f = Fields(raw, c, None, {"model", "finding", "reason", "approved_by", "expires"},
               prefix=f"{where}.")  # fmt: skip
    model, finding = f.optional_text("model"), f.optional_text("finding")
    if (model is None) == (finding is None):
        c.add("must name exactly one of `model` or `finding` (rule_id:ancestor)", None, where)
    if finding is not None and ":" not in finding:
        c.add("must be `rule_id:ancestor`", None, f"{where}.finding")
    expires = raw.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, dt.date):
        c.add("must be a date (YYYY-MM-DD)", None, f"{where}.expires")
    reason, approver = f.text("reason"), f.text("approved_by")
    if len(c.problems) > before or not isinstance(expires, dt.date):
        return None
    return Waiver(reason, approver, expires, model, finding)
