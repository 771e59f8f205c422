"""The one orchestrator: resolve → rules → verdict → gate, for the CLI, the Action and the API."""

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from . import __version__
from .errors import InputError, InternalError, LicensecheckError, ResolutionError
from .kb.loader import KnowledgeBase, load_kb
from .model import (
    CheckResult,
    Finding,
    KnownLicense,
    LicenseInfo,
    Lineage,
    ProgressEvent,
    Subject,
    Unresolved,
    UnresolvedNode,
)
from .paths import StrPath
from .resolve.interface import ArtifactFacts, FactSource, Failed, Lookup
from .resolve.kbsource import KnowledgeBaseSource
from .resolve.local import Target, TargetKind, classify, local_facts
from .resolve.offline import CacheSource, PinnedNode
from .resolve.resolver import DEFAULT_MAX_DEPTH, Resolver
from .rules.engine import evaluate, root_via
from .rules.schema import Rule, load_rules
from .verdict.combine import combine, fail_closed
from .verdict.obligations import obligations
from .verdict.policy import Policy, apply_deployment, gate_with_policy

Progress = Callable[[ProgressEvent], None]
"""Called as the run goes: how many targets are resolved, which one is being worked on, how
many artifacts were asked for (model.ProgressEvent). It must not raise."""

DEFAULT_TIME_LIMIT = 300.0
"""Seconds a run may spend asking the Hub before what is still unread counts as unknown."""


class CheckOptions(NamedTuple):
    """How to check: sources, limits, extra rules and the gate."""

    offline: bool = False
    max_depth: int = DEFAULT_MAX_DEPTH
    rules_dirs: tuple[StrPath, ...] = ()
    kb_dir: StrPath | None = None
    policy: Policy = Policy()
    """The gate, deployment profile, stances, allow/deny lists and waivers."""
    today: dt.date | None = None
    """The day waivers are judged on (default: today, UTC)."""
    token: str | None = None
    """A Hub token for gated repos; never printed or written to a report."""
    revision: str | None = None
    """Pin the root (a single Hub id target) to this revision."""
    refresh: bool = False
    """Ignore cached Hub metadata and fetch again."""
    cache_dir: StrPath | None = None
    hub_timeout: float | None = None
    """Seconds per Hub request (default: $MODEL_LICENSECHECK_HUB_TIMEOUT, else 10)."""
    hub_retries: int | None = None
    """Retries after a 429/5xx/timeout (default: $MODEL_LICENSECHECK_HUB_RETRIES, else 3)."""
    hub_backoff: float | None = None
    """First retry delay in seconds, doubled each time (default:
    $MODEL_LICENSECHECK_HUB_BACKOFF, else 0.5)."""
    time_limit: float | None = None
    """Seconds one run (`check_many`) may spend resolving; what is still unread then is
    `unknown` (a root: exit 3). Default: $MODEL_LICENSECHECK_TIMEOUT, else 300."""
    pinned: tuple[PinnedNode, ...] = ()
    """Nodes a lock file recorded (`check --locked`): offline, each answers for its repo at its
    commit when no cache on this machine holds it."""


class Checker:
    """Loads the knowledge base and rules once, then checks any number of targets."""

    def __init__(
        self,
        options: CheckOptions | None = None,
        progress: Progress | None = None,
        sources: Sequence[FactSource] | None = None,
    ) -> None:
        self.options = options or CheckOptions()
        self.progress = progress
        self.kb: KnowledgeBase = load_kb(self.options.kb_dir)
        stances = self.options.policy.stance._asdict()
        self.rules: tuple[Rule, ...] = load_rules(self.options.rules_dirs, stances)
        self.sources = tuple(sources) if sources is not None else self._default_sources()

    def _default_sources(self) -> tuple[FactSource, ...]:
        kb_source = KnowledgeBaseSource(self.kb)
        from .paths import hub_offline_from_env

        if self.options.offline or hub_offline_from_env():
            # DESIGN §7: offline still uses every answer already on the machine.
            from .paths import cache_dir

            cache = os.fspath(self.options.cache_dir) if self.options.cache_dir else cache_dir()
            pinned = {n.id.lower(): n for n in self.options.pinned}
            return (CacheSource(self.kb, cache, token=self.options.token, pinned=pinned),
                    kb_source)  # fmt: skip
        from .resolve.hub import HubSource

        hub = HubSource(
            self.kb,
            token=self.options.token,
            cache_dir=self.options.cache_dir,
            refresh=self.options.refresh,
            timeout=_option(self.options.hub_timeout, "HUB_TIMEOUT", 10.0),
            retries=int(_option(self.options.hub_retries, "HUB_RETRIES", 3)),
            backoff=_option(self.options.hub_backoff, "HUB_BACKOFF", 0.5),
        )
        return (hub, kb_source)

    @property
    def offline(self) -> bool:
        """Whether only local files and the knowledge base are asked."""
        return not any(getattr(s, "remote", False) for s in self.sources)

    def check(self, target: str) -> CheckResult:
        """Check one target: a Hugging Face id, a card, a config or a model folder."""
        result = self.check_many([target])[0]
        if isinstance(result, LicensecheckError):
            raise result
        return result

    def check_many(
        self, targets: Sequence[str], revisions: Mapping[str, str] | None = None
    ) -> list[CheckResult | LicensecheckError]:
        """Check several targets, resolving their lineages together (shared ancestors are
        fetched once); a target that cannot be checked yields its error in its place.
        `revisions` pins Hub ids to revisions."""
        import time

        limit = _option(self.options.time_limit, "TIMEOUT", DEFAULT_TIME_LIMIT)
        deadline = time.monotonic() + limit
        pins = dict(revisions or {})
        if self.options.revision is not None:
            hub_ids = [t for t in targets if _is_hub_target(t)]
            if len(hub_ids) != 1 or len(targets) != 1:
                raise InputError("--revision pins one Hugging Face id: give exactly one")
            pins[hub_ids[0]] = self.options.revision
        for source in self.sources:
            if isinstance(source, CacheSource):
                source.revisions.update({k.lower(): v for k, v in pins.items()})
            if getattr(source, "remote", False):
                from .resolve.hub import HubSource

                if isinstance(source, HubSource):
                    source.revisions.update({k.lower(): v for k, v in pins.items()})
                    source.deadline = deadline
        out: list[CheckResult | LicensecheckError | None] = [None] * len(targets)
        resolver = Resolver(self.kb, self.sources, self.options.max_depth,
                            deadline=deadline, time_limit=limit)  # fmt: skip
        parsed: list[tuple[int, Target]] = []
        for i, text in enumerate(targets):
            try:
                parsed.append((i, self._classify(text)))
            except LicensecheckError as exc:
                out[i] = exc
        self._pin_written_revisions([t for _, t in parsed])
        roots: list[tuple[int, Target, ArtifactFacts | str]] = []
        for i, target in parsed:
            try:
                if target.kind is TargetKind.HUB_ID:
                    roots.append((i, target, resolver.canonical(target.text)))
                else:
                    roots.append((i, target, local_facts(target, self.kb)))
            except LicensecheckError as exc:
                out[i] = exc
        if self.progress is not None:
            # targets refused before resolution count as done; the walk counts the rest
            settled, report = len(targets) - len(roots), self.progress
            resolver.progress = lambda e: report(
                e._replace(done=e.done + settled, total=len(targets))
            )
        resolved = resolver.resolve_ids([root for _, _, root in roots])
        for (i, target, _), lineage in zip(roots, resolved, strict=True):
            if isinstance(lineage, Lineage):
                out[i] = self._judge_isolated(target, lineage)
            else:
                out[i] = self._root_error(target.text, lineage)
        return [r for r in out if r is not None]

    def check_lineage(self, lineage: Lineage, target: str | None = None) -> CheckResult:
        """Judge an already resolved lineage (for callers that build graphs themselves)."""
        return self._judge(Target(target or lineage.root, TargetKind.HUB_ID), lineage)

    def _judge_isolated(self, target: Target, lineage: Lineage) -> CheckResult | LicensecheckError:
        """Judge one target of a batch; a bug while resolving or judging it becomes its own
        error, and every other target is still judged."""
        crashed = sorted(
            n.id for n in lineage.nodes.values()
            if isinstance(n, UnresolvedNode) and n.cause is Unresolved.CRASH
        )  # fmt: skip
        if crashed:
            first = lineage.nodes[crashed[0]]
            assert isinstance(first, UnresolvedNode)
            return InternalError(f"{target.text}: reading {first.id} failed: {first.reason}")
        try:
            return self._judge(target, lineage)
        except LicensecheckError as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 - one target's bug must not lose the others
            return InternalError.from_exception(target.text, exc)

    def _judge(self, target: Target, lineage: Lineage) -> CheckResult:
        policy = self.options.policy
        if root_via(lineage) is not None:
            note = (
                f"{lineage.root} is a dataset: it is judged as the fine-tuning data of a model "
                "trained on it, with everything it was built from and generated by."
            )
            lineage = lineage._replace(notes=(note, *lineage.notes))
        evaluation = evaluate(lineage, self.kb, self.rules)
        findings = evaluation.findings + tuple(fail_closed(lineage, evaluation.findings))
        judged = apply_deployment(findings, lineage, policy, self.kb)
        verdict = combine(judged.findings)
        today = self.options.today or dt.datetime.now(tz=dt.UTC).date()
        gate = gate_with_policy(judged.findings, lineage, evaluation.concluded, policy, today)
        if judged.notes:
            gate = gate._replace(notes=(*judged.notes, *gate.notes))
        return CheckResult(
            subject=Subject(target.text, target.kind, lineage.root),
            lineage=lineage,
            concluded=evaluation.concluded,
            findings=judged.findings,
            verdict=verdict,
            gate=gate,
            tool_version=__version__,
            obligations=obligations(judged.findings, self.kb),
            policy=policy.source,
            licenses=self._license_infos(lineage, evaluation.concluded, judged.findings),
        )

    def _license_infos(
        self,
        lineage: Lineage,
        concluded: Mapping[str, tuple[str, ...]],
        findings: Sequence[Finding],
    ) -> tuple[LicenseInfo, ...]:
        """The knowledge base's description of every license id the result names."""
        ids = {i for named in concluded.values() for i in named}
        ids.update(
            n.license.id for n in lineage.nodes.values() if isinstance(n.license, KnownLicense)
        )
        ids.update(f.license_id for f in findings if f.license_id is not None)
        out = []
        for license_id in sorted(ids):
            entry = self.kb.licenses.get(license_id)
            if entry is not None:
                urls = entry.urls or entry.sources
                out.append(LicenseInfo(license_id, entry.name, entry.kind, urls, entry.summary))
        return tuple(out)

    def _pin_written_revisions(self, targets: Sequence[Target]) -> None:
        """Pin targets written `org/name@revision` (or a `/tree/<revision>` address) to it."""
        pins = {t.text.lower(): t.revision for t in targets if t.revision}
        if pins:
            from .resolve.hub import HubSource

            for source in self.sources:
                if isinstance(source, HubSource):
                    source.revisions.update(pins)

    def _classify(self, text: str) -> Target:
        """What the target is (`classify`); a project's name as people write it ("Mistral
        NeMo"), known to the knowledge base, is checked as the id it names; an unknown one
        gets close names in its error."""
        try:
            return classify(text)
        except LicensecheckError as exc:
            known = self.kb.artifact(text.strip()) if "/" not in text else None
            if known is not None:
                return Target(known.id, TargetKind.HUB_ID)
            raise self._with_suggestions(exc, text.strip()) from None

    def _with_suggestions(self, error: LicensecheckError, text: str) -> LicensecheckError:
        """A target that is no path nor id, with close names from the knowledge base if any."""
        from .kb.query import did_you_mean

        hint = did_you_mean(self.kb, text) if isinstance(error, InputError) else ""
        return InputError(f"{error}{hint}") if hint else error

    def _root_error(self, target: str, result: Lookup) -> LicensecheckError:
        if isinstance(result, Failed) and result.crash:
            return InternalError(f"{target}: {result.reason}")
        if isinstance(result, Failed):
            return ResolutionError(f"{target}: could not be read: {result.reason}", result.tip)
        from .kb.query import did_you_mean  # close matches (kb/query.py), on this path only

        hint = did_you_mean(self.kb, target)
        if self.offline:
            return ResolutionError(
                f"{target}: not in the bundled knowledge base nor a cache on this machine, and "
                "the Hub was not asked "
                f"(offline){hint}",
                "drop --offline (and HF_HUB_OFFLINE), or check a local card or folder instead",
            )
        reason = getattr(result, "reason", "")
        return InputError(
            f"{target}: no such model on the Hub or in the knowledge base ({reason}){hint}"
        )


def _option(value: float | None, env: str, default: float) -> float:
    """An option given in code, else from its environment variable, else its default."""
    return float(value) if value is not None else _env_number(env, default)


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(f"MODEL_LICENSECHECK_{name}", "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise InputError(f"MODEL_LICENSECHECK_{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise InputError(f"MODEL_LICENSECHECK_{name} must not be negative")
    return value


def _is_hub_target(text: str) -> bool:
    try:
        return classify(text).kind is TargetKind.HUB_ID
    except LicensecheckError:
        return False
