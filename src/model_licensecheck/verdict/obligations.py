"""Turn the conditions of the findings into concrete to-dos for whoever ships the model."""

from __future__ import annotations

from collections.abc import Sequence

from ..kb.loader import KnowledgeBase
from ..model import Finding, Obligation, Status


def obligations(findings: Sequence[Finding], kb: KnowledgeBase) -> tuple[Obligation, ...]:
    """One obligation per condition and license, naming the ancestors it comes from."""
    grouped: dict[tuple[str, str | None, str | None], dict[str, None]] = {}
    for f in findings:
        if f.status is Status.PROHIBITED and not f.conditions:
            continue
        for cond in f.conditions:
            # A dict keeps first-seen order and makes the membership test constant-time.
            grouped.setdefault((cond.id, f.license_id, cond.value), {})[f.ancestor] = None
    out: list[Obligation] = []
    for (cond_id, license_id, value), ancestors in sorted(
        grouped.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2] or "")
    ):
        entry = kb.licenses.get(license_id or "")
        name = entry.name if entry else (license_id or "the upstream terms")
        url = entry.urls[0] if entry and entry.urls else (entry.sources[0] if entry else None)
        names = list(ancestors)
        who = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        action = _action(cond_id, value, name, url, who, entry.clauses.naming if entry else None)
        out.append(Obligation(cond_id, action, tuple(ancestors), license_id, url))
    return tuple(out)


def _action(
    cond: str, value: str | None, name: str, url: str | None, who: str, naming: str | None
) -> str:
    where = f" ({url})" if url else ""
    actions = {
        "attribution": f"Ship the license text and notices of {name}{where} with the model.",
        "naming": naming or f"Follow the naming and display rules of {name}{where}.",
        "acceptable-use-policy": (f"Follow the acceptable use policy at {value} and pass it on "
                                  "to your users."),
        "use-restrictions": (f"Pass the use restrictions of {name}{where} on, in your terms, to "
                             "everyone you give the model or its service to."),
        "user-cap": (f"Stay at or under {value} monthly active users, or get a separate license "
                     f"under {name}."),
        "revenue-cap": (f"Stay at or under USD {value} of annual revenue, or get a separate "
                        f"license under {name}."),
        "share-alike": f"Offer what you derive from {who} under {name}{where}.",
        "copyleft": f"Offer the source of what you derive from {who} under {name}{where}.",
        "no-derivatives": f"Do not distribute the model: {name} forbids sharing adaptations.",
        "no-output-training": (f"Do not use the outputs to train other models beyond what "
                               f"{name}{where} allows."),
        "service-terms": (f"Review {name}{_version(value)}{where}: data that trained the model "
                          f"came from {who}, whose terms limit using their outputs to develop "
                          "models."),
        "registration-required": f"Request access to or accept {name}{where} before use.",
        "commercial-terms": f"Read the commercial terms of {name}{where} before commercial use.",
        "license-conflict": (f"Correct the declared license: it is more permissive than "
                             f"{name}, which applies through {who}."),
        "data-license-unknown": f"Find out the license of the training data {who}.",
        "generator-terms-unknown": f"Find out the terms on outputs of {who}, which generated data.",
        "unconfirmed-ancestor": (
            f"Confirm how the card's mention of {who} relates to the model (not an ancestor, or "
            f"its terms met), or waive the finding."
        ),
    }  # fmt: skip
    return actions.get(cond, f"Meet the condition {cond} of {name}{where} ({who}).")


def _version(value: str | None) -> str:
    """`, <version>` from a `service-terms` value written `<terms id> (<version>)`."""
    if value and value.endswith(")") and " (" in value:
        return ", " + value[value.index(" (") + 2 : -1]
    return ""
