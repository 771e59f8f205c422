"""Batch audits: read a manifest of models, check them together, summarise the outcome."""

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import ExitCode, InputError, LicensecheckError, YamlError
from .model import CheckResult, SourceLine, gate_sentence
from .resolve.card import MAX_CARD_BYTES, decode_text
from .resolve.local import CARD_NAMES
from .yamlio import LineDict, LineList, load

if TYPE_CHECKING:
    from .checker import Checker


class ManifestEntry(NamedTuple):
    """One model to audit: a Hub id, card, config or folder; optionally a pinned revision."""

    target: str
    revision: str | None = None
    notes: str | None = None
    file: str | None = None
    """The manifest that lists this entry, as it was given (reports point at it)."""
    line: int | None = None
    """The 1-based line of the manifest where the entry names its model."""

    @property
    def where(self) -> str | None:
        """`FILE:LINE` where the manifest lists it, when it came from a manifest file."""
        if self.file is None:
            return None
        return f"{self.file}:{self.line}" if self.line else self.file

    @property
    def key(self) -> tuple[str, str | None]:
        """What makes two entries the same model: the target (a Hub id in any case, as the
        Hub treats it) and the revision."""
        from .model import is_hub_id

        target = self.target.lower() if is_hub_id(self.target) else self.target
        return (target, self.revision)


class Duplicate(NamedTuple):
    """An entry that repeats an earlier one: it is checked once, as the first."""

    entry: ManifestEntry
    first: ManifestEntry

    def warning(self) -> str:
        """One line naming the entry, where it is, and where it was first listed."""
        from .safetext import escape_controls

        where = f"{self.entry.where}: " if self.entry.where else ""
        first = f" (first at {self.first.where})" if self.first.where else ""
        return (f"{where}{escape_controls(self.entry.target)} is listed again{first}; "
                "it is checked once")  # fmt: skip


def without_duplicates(
    entries: Sequence[ManifestEntry],
) -> tuple[list[ManifestEntry], list[Duplicate]]:
    """The entries with repeats removed (the first kept, in order), and the repeats."""
    first: dict[tuple[str, str | None], ManifestEntry] = {}
    kept: list[ManifestEntry] = []
    repeats: list[Duplicate] = []
    for entry in entries:
        seen = first.get(entry.key)
        if seen is None:
            first[entry.key] = entry
            kept.append(entry)
        else:
            repeats.append(Duplicate(entry, seen))
    return kept, repeats


def shard(entries: Sequence[ManifestEntry], index: int, count: int) -> list[ManifestEntry]:
    """The entries of shard `index` of `count` (1-based): those whose target hashes to it
    (CRC-32 of the target as `key` spells it, so a Hub id lands in the same shard in any case,
    on any machine and any run). The shards of one manifest are disjoint and cover it: an
    audit too large for one process runs as `count` processes, each with its own cache."""
    import zlib

    check_shard(index, count)
    return [e for e in entries if zlib.crc32(e.key[0].encode("utf-8")) % count == index - 1]


def check_shard(index: int, count: int) -> None:
    """InputError unless `index` names one of `count` shards (1-based)."""
    if not 1 <= index <= count:
        raise InputError(f"shard {index}/{count}: K must be between 1 and N")


class AuditEntry(NamedTuple):
    """The outcome for one manifest entry: a result, or the error that stopped its check."""

    entry: ManifestEntry
    outcome: CheckResult | LicensecheckError

    @property
    def exit_code(self) -> ExitCode:
        """This entry's share of the audit's exit code."""
        if isinstance(self.outcome, LicensecheckError):
            return self.outcome.exit_code
        return ExitCode.PASSED if self.outcome.gate.passed else ExitCode.GATE_FAILED


class AuditResult(NamedTuple):
    """Every entry's outcome, in manifest order."""

    entries: tuple[AuditEntry, ...]

    @property
    def exit_code(self) -> ExitCode:
        """The worst entry's exit code (3 > 2 > 1 > 0)."""
        return max((e.exit_code for e in self.entries), default=ExitCode.PASSED)

    @property
    def results(self) -> tuple[CheckResult, ...]:
        """The entries that could be checked."""
        return tuple(e.outcome for e in self.entries if isinstance(e.outcome, CheckResult))

    def counts(self) -> Mapping[str, int]:
        """How many entries got each verdict (and how many could not be checked)."""
        counter: Counter[str] = Counter()
        for e in self.entries:
            if isinstance(e.outcome, CheckResult):
                counter[e.outcome.verdict.status.label] += 1
            else:
                counter["error"] += 1
        return dict(sorted(counter.items()))

    def summary(self) -> str:
        """One sentence: how many passed the gate, and the verdict counts."""
        passed = sum(1 for e in self.entries if e.exit_code == ExitCode.PASSED)
        return gate_sentence(passed, len(self.entries), self.counts())


def read_manifest(path: Path) -> list[ManifestEntry]:
    """A text list of targets, a YAML list (strings or {id, revision, notes}), or a folder
    whose subfolders are local model folders."""
    if path.is_dir():
        from .resolve.weightfiles import has_weight_files

        entries = [
            ManifestEntry(str(sub))
            for sub in sorted(path.iterdir())
            if sub.is_dir() and not sub.name.startswith(".")
            and (any((sub / n).is_file() for n in (*CARD_NAMES, "config.json",
                                                    "adapter_config.json"))
                 or has_weight_files(sub))
        ]  # fmt: skip
        if not entries:
            raise InputError(
                f"{path}: no model folders (with a README.md, config or weight file) inside"
            )
        return entries
    try:
        if path.stat().st_size > MAX_CARD_BYTES:
            raise InputError(f"{path}: the manifest is larger than {MAX_CARD_BYTES} bytes")
        text = decode_text(path.read_bytes(), str(path))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the manifest ({exc.strerror or exc})") from None
    if path.suffix.lower() in (".yml", ".yaml"):
        return _yaml_manifest(text, path)
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        item = line.split("#", 1)[0].strip()
        if item:
            entries.append(ManifestEntry(item, file=str(path), line=number))
    if not entries:
        raise InputError(f"{path}: the manifest lists no models")
    return entries


def _yaml_manifest(text: str, path: Path) -> list[ManifestEntry]:
    try:
        data = load(text)
    except YamlError as exc:
        raise InputError(f"{path}: malformed YAML manifest: {exc}") from None
    if isinstance(data, Mapping):
        version = data.get("schema_version", 1)
        if version != 1:
            raise InputError(f"{path}: unsupported schema_version {version!r} (this tool reads 1)")
        unknown = set(data) - {"schema_version", "models"}
        if unknown:
            raise InputError(f"{path}: unknown keys: {', '.join(sorted(map(str, unknown)))}")
        data = data.get("models")
    if not isinstance(data, list) or not data:
        raise InputError(f"{path}: a YAML manifest is a list of models (or `models:` of one)")
    entries: list[ManifestEntry] = []
    for i, item in enumerate(data):
        line = data.line_of(i) if isinstance(data, LineList) else None
        if isinstance(item, str) and item.strip():
            entries.append(ManifestEntry(item.strip(), file=str(path), line=line))
            continue
        target = item.get("id") if isinstance(item, Mapping) else None
        if not isinstance(target, str) or not target.strip():
            raise InputError(f"{path}: models[{i}] must be an id or a mapping with `id`")
        unknown = set(item) - {"id", "revision", "notes"}
        if unknown:
            raise InputError(f"{path}: models[{i}] has unknown keys: {', '.join(sorted(unknown))}")
        revision, notes = item.get("revision"), item.get("notes")
        if revision is not None and not isinstance(revision, str):
            raise InputError(f"{path}: models[{i}].revision must be a string")
        if notes is not None and not isinstance(notes, str):
            raise InputError(f"{path}: models[{i}].notes must be a string")
        if isinstance(item, LineDict):
            line = item.line_of("id")
        entries.append(ManifestEntry(target.strip(), revision, notes or None, str(path), line))
    return entries


def run_audit(checker: "Checker", entries: Sequence[ManifestEntry]) -> AuditResult:
    """Check every entry in one pass (shared ancestors are fetched once)."""
    revisions = {e.target: e.revision for e in entries if e.revision}
    outcomes = checker.check_many([e.target for e in entries], revisions=revisions)
    return AuditResult(
        tuple(AuditEntry(e, _named(e, o)) for e, o in zip(entries, outcomes, strict=True))
    )


def _named(
    entry: ManifestEntry, outcome: CheckResult | LicensecheckError
) -> CheckResult | LicensecheckError:
    """The result pointed at the manifest line that named it (SARIF shows it there)."""
    if entry.file is None or not isinstance(outcome, CheckResult):
        return outcome
    from .locate import repo_relative

    return outcome._replace(named_at=SourceLine(repo_relative(entry.file), entry.line))
