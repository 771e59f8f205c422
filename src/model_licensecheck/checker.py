"""The one orchestrator: resolve → rules → verdict → gate, for the CLI, the Action and the API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import __version__
from .errors import ResolutionError
from .kb.loader import KnowledgeBase, load_kb
from .model import CheckResult, NodeKind, Status, Subject
from .resolve.interface import FactSource, Failed, Found
from .resolve.kbsource import KnowledgeBaseSource
from .resolve.local import TargetKind, classify, local_facts
from .resolve.resolver import DEFAULT_MAX_DEPTH, Resolver
from .rules.engine import evaluate
from .rules.schema import Rule, load_rules
from .verdict.combine import DEFAULT_FAIL_ON, combine, fail_closed, gate

if TYPE_CHECKING:
    from pathlib import Path

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How to check: sources, limits, extra rules and the gate."""

    offline: bool = False
    max_depth: int = DEFAULT_MAX_DEPTH
    rules_dirs: tuple[Path, ...] = ()
    kb_dir: Path | None = None
    fail_on: frozenset[Status] = DEFAULT_FAIL_ON
    deny_conditions: frozenset[str] = field(default_factory=frozenset)


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
        self.rules: tuple[Rule, ...] = load_rules(self.options.rules_dirs)
        self.sources: tuple[FactSource, ...] = (
            tuple(sources) if sources is not None else (KnowledgeBaseSource(self.kb),)
        )

    def check(self, target: str) -> CheckResult:
        """Check one target: a Hugging Face id, a card, a config or a model folder."""
        parsed = classify(target)
        resolver = Resolver(self.kb, self.sources, self.options.max_depth, self.progress)
        if parsed.kind is TargetKind.HUB_ID:
            root_id = resolver.canonical(parsed.text)
            found = resolver.lookup(root_id, NodeKind.MODEL)
            if not isinstance(found, Found):
                raise _root_error(parsed.text, found, self.options.offline)
            facts = found.facts
        else:
            facts = local_facts(parsed, self.kb)
        lineage = resolver.resolve(facts)
        evaluation = evaluate(lineage, self.kb, self.rules)
        findings = evaluation.findings + tuple(fail_closed(lineage, evaluation.findings))
        findings = tuple(sorted(findings, key=lambda f: (-f.status, f.rule_id, f.ancestor)))
        verdict = combine(findings)
        return CheckResult(
            subject=Subject(parsed.text, parsed.kind.value, lineage.root),
            lineage=lineage,
            concluded=evaluation.concluded,
            findings=findings,
            verdict=verdict,
            gate=gate(verdict, self.options.fail_on, self.options.deny_conditions),
            tool_version=__version__,
        )


def _root_error(target: str, result: object, offline: bool) -> ResolutionError:
    if isinstance(result, Failed):
        return ResolutionError(f"{target}: could not be read: {result.reason}", result.tip)
    where = "the bundled knowledge base"
    if offline:
        return ResolutionError(
            f"{target}: not in {where}, and --offline keeps the Hub from being asked",
            "drop --offline, or check a local card or folder instead",
        )
    return ResolutionError(f"{target}: not found in {where}")
