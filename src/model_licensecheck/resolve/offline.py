"""Offline answers from what is already on the machine (DESIGN §7): this tool's own Hub cache,
then the Hugging Face cache's snapshots (`HF_HUB_CACHE`), before the knowledge base.

Nothing here touches the network. Each answer says where it came from and how old it is; a
snapshot that lacks a file the node's lineage could hang on (the card, an adapter's config)
leaves the node incomplete, as a failed read would online. The Hub client and the Hub source
are imported only when a cache holds the asked-for repo, so an offline check of a model that
no cache holds costs one `stat` per cache.
"""

import datetime as dt
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..model import Evidence, NodeKind, Relation, SourceKind
from .interface import ArtifactFacts, EdgeClaim, Found, LicenseClaim, Lookup, Missing, is_hub_id

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
    from .hub import HubSource


def hf_hub_cache() -> str:
    """Where the Hugging Face cache keeps repos, as `huggingface_hub` decides it."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return os.path.expanduser(explicit)
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "huggingface",
    )
    return os.path.join(os.path.expanduser(home), "hub")


def cached_model_ids(hub_cache: str | None = None) -> list[str]:
    """Every model repo the Hugging Face cache holds a snapshot of, as `org/name`, sorted."""
    root = hub_cache or hf_hub_cache()
    try:
        names = os.listdir(root)
    except OSError:
        return []
    out = []
    for name in names:
        if name.startswith("models--") and os.path.isdir(os.path.join(root, name, "snapshots")):
            ident = "/".join(name[len("models--") :].split("--"))
            if is_hub_id(ident):
                out.append(ident)
    return sorted(out)


class PinnedNode(NamedTuple):
    """What a lock file recorded of a Hub repo at the commit it pins: the last offline answer
    for a repo no cache on this machine holds at that commit."""

    id: str
    kind: NodeKind
    revision: str
    license: str | None
    """The license id that applied to it; None when it was unknown."""
    declared: str | None
    edges: tuple[tuple[str, NodeKind, Relation], ...]
    """(parent, parent's kind, relation) of what it was made from."""
    incomplete: bool
    where: str
    """The lock file it comes from."""
    declared_id: str | None = None
    """The license the metadata declared when the card's prose gave a stricter one."""

    def facts(self) -> ArtifactFacts:
        """The node's facts as the lock recorded them. Its card is not read again: a conflict
        between what the metadata declared and what the prose said comes from the lock's
        `declared_id`."""
        at = f"{self.where}: {self.id}@{self.revision[:12]}"
        evidence = Evidence(SourceKind.USER, at)
        raw = self.license if self.license is not None else self.declared
        claim = LicenseClaim(raw, evidence, declared_id=self.declared_id) if raw else None
        edges = tuple(EdgeClaim(parent, kind, relation, evidence)
                      for parent, kind, relation in self.edges)  # fmt: skip
        note = (f"{self.id}: answered offline from {self.where} (commit {self.revision[:12]}): "
                "no cache on this machine holds it, so its card was not read again.")  # fmt: skip
        incomplete = (f"{self.id}: it was incomplete when the lock was written",)
        return ArtifactFacts(
            id=self.id, kind=self.kind, license=claim, edges=edges, revision=self.revision,
            sources=(at,), notes=(note,), incomplete=incomplete if self.incomplete else (),
        )  # fmt: skip


class CacheSource:
    """This tool's cache of complete Hub answers, then Hugging Face cache snapshots, then what
    a lock file recorded (`check --locked --offline`)."""

    name = "cache"
    remote = False

    def __init__(
        self,
        kb: "KnowledgeBase",
        cache_dir: str,
        hub_cache: str | None = None,
        revisions: dict[str, str] | None = None,
        token: str | None = None,
        pinned: Mapping[str, PinnedNode] | None = None,
    ) -> None:
        """`pinned`: nodes a lock file recorded, by lowercase id; each answers for its repo
        when it is asked for at its commit and no cache holds that commit."""
        self.kb = kb
        self.pinned = dict(pinned or {})
        self.cache_dir = cache_dir
        self.hub_cache = hub_cache or hf_hub_cache()
        self.revisions: dict[str, str] = {k.lower(): v for k, v in (revisions or {}).items()}
        self.token = token
        self._hub: HubSource | None = None
        self._listed: frozenset[str] | None = None

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        """What a cache on this machine holds of `artifact_id`."""
        if not is_hub_id(artifact_id) or "/" not in artifact_id:
            return Missing(f"{artifact_id} is not a Hub id")
        repo_type = "dataset" if kind is NodeKind.DATASET else "model"
        revision = self.revisions.get(artifact_id.lower())
        if artifact_id.replace("/", "--") in self._ours():
            hub = self._source()
            fetched, written = hub.cached(repo_type, artifact_id, revision)
            if fetched is not None:
                facts = hub.facts_of(artifact_id, kind, fetched)
                when = _date(written)
                note = f"{artifact_id}: answered offline from licensecheck's cache (read {when})."
                return Found(facts._replace(notes=(*facts.notes, note)))
        folder = os.path.join(self.hub_cache, f"{repo_type}s--{artifact_id.replace('/', '--')}")
        answer: Lookup = Missing("not in licensecheck's cache nor the Hugging Face cache")
        if os.path.isdir(folder):
            answer = self._snapshot(folder, artifact_id, kind, repo_type, revision)
        pinned = self.pinned.get(artifact_id.lower())
        if isinstance(answer, Missing) and pinned is not None and pinned.revision == revision:
            return Found(pinned.facts()._replace(id=artifact_id))
        return answer

    def _ours(self) -> frozenset[str]:
        """The repos this tool's cache has a file for (`org--name`), listed once: the Hub
        client is loaded only for a repo that is there."""
        if self._listed is None:
            try:
                names = os.listdir(os.path.join(self.cache_dir, "hub"))
            except OSError:
                names = []
            self._listed = frozenset(n.rsplit(".", 2)[0] for n in names if n.endswith(".json"))
        return self._listed

    def _source(self) -> "HubSource":
        if self._hub is None:
            from .hub import HubSource

            self._hub = HubSource(self.kb, token=self.token, cache_dir=self.cache_dir)
        return self._hub

    def _snapshot(
        self, folder: str, repo_id: str, kind: NodeKind, repo_type: str, revision: str | None
    ) -> Lookup:
        """A Hugging Face cache snapshot read through `huggingface_hub`'s own cache lookup."""
        from huggingface_hub import try_to_load_from_cache
        from huggingface_hub.file_download import _CACHED_NO_EXIST

        from .hub import NOTICE_FILES, Fetched, license_left_open
        from .licenses import LICENSE_FILES

        sha = _ref(folder, revision)
        if sha is None:
            return Missing(f"the Hugging Face cache holds no snapshot of {repo_id} at "
                           f"{revision or 'main'}")  # fmt: skip
        snapshot = os.path.join(folder, "snapshots", sha)
        try:
            listed = sorted(os.listdir(snapshot))
        except OSError:
            listed = []
        problems: list[str] = []

        def read(name: str, needed: bool) -> str | None:
            path = try_to_load_from_cache(repo_id, name, cache_dir=self.hub_cache,
                                          revision=sha, repo_type=repo_type)  # fmt: skip
            if isinstance(path, str):
                try:
                    with open(path, "rb") as handle:
                        data = handle.read(5 * 1024 * 1024 + 1)
                    if len(data) > 5 * 1024 * 1024:
                        problems.append(f"{name} in the Hugging Face cache is over 5 MB")
                        return None
                    return data.decode("utf-8-sig")
                except (OSError, UnicodeDecodeError) as exc:
                    problems.append(f"{name} in the Hugging Face cache could not be read ({exc})")
                    return None
            if path is not _CACHED_NO_EXIST and needed:
                problems.append(f"{name} is not in the Hugging Face cache snapshot {sha[:12]} "
                                "(run once online, or download it)")  # fmt: skip
            return None

        readme = read("README.md", True)
        card_data: dict[str, Any] = {}
        if readme is not None:
            from .card import parse_card

            try:
                card_data = dict(parse_card(readme, "README.md").metadata)
            except Exception:  # noqa: BLE001 - the Hub source reports the parse failure
                card_data = {}
        # An adapter's base is in its config: a snapshot without it cannot tell the lineage.
        weights_of_an_adapter = card_data.get("library_name") == "peft" or any(
            n.startswith("adapter_model") for n in listed
        )
        adapter = (
            read("adapter_config.json", weights_of_an_adapter) if repo_type == "model" else None
        )
        license_files: list[tuple[str, str]] = []
        if license_left_open(card_data.get("license")):
            for names in (LICENSE_FILES, NOTICE_FILES):
                for name in names:
                    if name in listed:
                        body = read(name, True)
                        if body is not None:
                            license_files.append((name, body))
                        break
        info = {"id": repo_id, "sha": sha, "gated": False, "private": None,
                "cardData": card_data, "siblings": listed}  # fmt: skip
        fetched = Fetched(repo_type, info, readme, adapter, tuple(license_files), tuple(problems))
        facts = self._source().facts_of(repo_id, kind, fetched, where=f"hf-cache:{repo_id}@{sha}")
        when = _date(os.path.getmtime(snapshot))
        note = (f"{repo_id}: answered offline from the Hugging Face cache (snapshot {sha[:12]}, "
                f"downloaded {when}).")  # fmt: skip
        return Found(facts._replace(notes=(*facts.notes, note)))


def _ref(folder: str, revision: str | None) -> str | None:
    """The commit a revision names in a cached repo: itself when it is a commit the cache
    holds, else what `refs/<revision>` records."""
    if revision is not None and os.path.isdir(os.path.join(folder, "snapshots", revision)):
        return revision
    try:
        with open(os.path.join(folder, "refs", revision or "main"), encoding="utf-8") as handle:
            sha = handle.read().strip()
    except (OSError, ValueError):
        return None
    ok = len(sha) == 40 and all(c in "0123456789abcdef" for c in sha)
    return sha if ok and os.path.isdir(os.path.join(folder, "snapshots", sha)) else None


def _date(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
