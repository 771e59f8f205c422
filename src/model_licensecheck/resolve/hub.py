"""The Hugging Face Hub as a fact source, through `huggingface_hub` (metadata and small text files
only: never weights, never remote code)."""

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import InputError
from ..kb.loader import KnowledgeBase
from ..model import Evidence, NodeKind, Relation, SourceKind
from ..paths import StrPath, write_atomic
from ..paths import cache_dir as default_cache_dir
from ..yamlio import LineDict
from .card import MAX_CARD_BYTES, Card, card_claims, parse_card
from .config import config_claims
from .interface import ArtifactFacts, Failed, Found, LicenseClaim, Lookup, Missing, is_hub_id
from .licenses import LICENSE_FILES

CACHE_TTL_SECONDS = 24 * 3600
"""How long fetched metadata is reused without asking the Hub again (`--refresh` skips it)."""
CACHE_FORMAT = 2
TOKEN_TIP = "set HF_TOKEN (or pass --token) with access to the repo"  # noqa: S105 - advice, not a secret
_EXPAND = ["cardData", "sha", "gated", "siblings", "private"]


class _Fetched(NamedTuple):
    """What one artifact's fetch brought back: raw, so parsing can change without refetching."""

    repo_type: str
    info: Mapping[str, Any] | None
    readme: str | None
    adapter_config: str | None
    missing: str | None = None
    license_file: tuple[str, str] | None = None
    """(file name, text) of the repo's LICENSE, fetched when the card leaves the license open."""


class _Unavailable(Exception):
    """The Hub could not answer (after retries)."""

    def __init__(self, reason: str, tip: str | None = None, down: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tip = tip
        self.down = down


class HubSource:
    """Fetches model and dataset metadata, cards and adapter configs; caches what it fetched."""

    name = "hub"
    remote = True
    """Lookups wait on the network: the resolver runs them in parallel."""

    def __init__(
        self,
        kb: KnowledgeBase,
        token: str | None = None,
        revisions: Mapping[str, str] | None = None,
        endpoint: str | None = None,
        cache_dir: StrPath | None = None,
        cache_ttl: float = CACHE_TTL_SECONDS,
        refresh: bool = False,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.kb = kb
        self.token = token
        self.revisions: dict[str, str] = {k.lower(): v for k, v in (revisions or {}).items()}
        self.endpoint = (
            endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
        ).rstrip("/")
        self.cache_dir = Path(cache_dir if cache_dir is not None else default_cache_dir())
        self.cache_ttl = cache_ttl
        self.refresh = refresh
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.down: str | None = None
        self._lock = threading.Lock()
        self._files = ThreadPoolExecutor(max_workers=64, thread_name_prefix="hub-file")
        self._api: Any = None
        self._hf: tuple[Any, ...] = ()

    # -- the FactSource interface -------------------------------------------------------------

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        """What the Hub says of `artifact_id`: its card, lineage fields and revision."""
        if not is_hub_id(artifact_id):
            return Missing(f"{artifact_id} is not a Hub id")
        repo_type = "dataset" if kind is NodeKind.DATASET else "model"
        revision = self.revisions.get(artifact_id.lower())
        fetched = None if self.refresh else self._cache_get(repo_type, artifact_id, revision)
        if fetched is None:
            if self.down is not None:
                return Failed(self.down, "check the network or HF_ENDPOINT, or use --offline")
            try:
                fetched = self._fetch(repo_type, artifact_id, revision)
            except _Unavailable as exc:
                if exc.down:
                    with self._lock:
                        self.down = self.down or exc.reason
                return Failed(exc.reason, exc.tip)
            self._cache_put(repo_type, artifact_id, revision, fetched)
        if fetched.missing is not None:
            return Missing(fetched.missing)
        return Found(self._facts(artifact_id, kind, fetched))

    # -- fetching ------------------------------------------------------------------------------

    def _client(self) -> Any:
        # huggingface_hub is heavy: imported only when the Hub is asked, once, under a lock, so
        # that worker threads do not race each other through the first import.
        with self._lock:
            if self._api is None:
                # Telemetry off: with it on, huggingface_hub builds its User-Agent by fetching an
                # "agent harness" list from its import-time endpoint (not ours), which sends a
                # request we were not asked to make and stalls 3 s per thread when unreachable.
                os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
                from huggingface_hub import constants as hf_constants

                hf_constants.HF_HUB_DISABLE_TELEMETRY = True
                from huggingface_hub import HfApi, get_session, hf_hub_url, hf_raise_for_status
                from huggingface_hub import errors as hf_errors
                from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]

                self._hf = (get_session, hf_hub_url, hf_raise_for_status, build_hf_headers,
                            hf_errors, _transport_errors())  # fmt: skip
                self._api = HfApi(endpoint=self.endpoint, token=self.token or None)
        return self._api

    def _fetch(self, repo_type: str, repo_id: str, revision: str | None) -> _Fetched:
        api = self._client()  # before the file thread starts, so the import happens once
        # The card is fetched at the same time as the metadata, so each node costs one round
        # trip: the lineage's critical path is its depth, not twice its depth.
        readme: Future[str | None] = self._files.submit(
            self._file, repo_type, repo_id, "README.md", revision or "main"
        )
        try:
            info_obj = self._retry(
                lambda: (api.dataset_info if repo_type == "dataset" else api.model_info)(
                    repo_id, revision=revision, expand=_EXPAND, timeout=self.timeout
                ),
                f"{repo_id} metadata",
            )
        except _Missing as exc:
            readme.cancel()
            return _Fetched(repo_type, None, None, None, missing=exc.reason)
        info = _info_dict(info_obj)
        text: str | None
        try:
            text = readme.result()
        except _Unavailable as exc:
            text = None
            info["_readme_error"] = f"the card (README.md) could not be read: {exc.reason}"
        except _Missing:
            text = None
        adapter = None
        siblings = set(info.get("siblings", []))
        if repo_type == "model" and "adapter_config.json" in siblings:
            try:
                adapter = self._file(
                    repo_type, repo_id, "adapter_config.json", info.get("sha") or "main"
                )
            except (_Unavailable, _Missing):
                info["_adapter_error"] = "adapter_config.json could not be read"
        license_file = None
        declared = (info.get("cardData") or {}).get("license")
        names = [n for n in LICENSE_FILES if n in siblings]
        if names and (declared is None or str(declared).strip().lower() == "other"):
            # A third request, only for repos whose card does not settle the license.
            try:
                body = self._file(repo_type, repo_id, names[0], info.get("sha") or "main")
                license_file = (names[0], body) if body is not None else None
            except (_Unavailable, _Missing):
                info["_license_error"] = f"{names[0]} could not be read"
        return _Fetched(repo_type, info, text, adapter, license_file=license_file)

    def _file(self, repo_type: str, repo_id: str, filename: str, revision: str) -> str | None:
        self._client()
        get_session, hf_hub_url, hf_raise_for_status, build_hf_headers, _, _ = self._hf
        url = hf_hub_url(
            repo_id, filename, repo_type=repo_type, revision=revision, endpoint=self.endpoint
        )
        headers = build_hf_headers(token=self.token or False)

        def get() -> str | None:
            with get_session().stream("GET", url, headers=headers, timeout=self.timeout,
                                      follow_redirects=True) as response:  # fmt: skip
                if response.status_code == 404 and response.headers.get("X-Error-Code") in (
                    "EntryNotFound", None,
                ):  # fmt: skip
                    return None
                hf_raise_for_status(response)
                declared = int(response.headers.get("Content-Length") or 0)
                if declared > MAX_CARD_BYTES:
                    raise _Unavailable(
                        f"{repo_id}/{filename} is larger than {MAX_CARD_BYTES} bytes"
                    )
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > MAX_CARD_BYTES:
                        raise _Unavailable(
                            f"{repo_id}/{filename} is larger than {MAX_CARD_BYTES} bytes"
                        )
                if declared and len(data) != declared:
                    raise _Transient(f"{repo_id}/{filename} arrived truncated")
                return data.decode("utf-8", errors="replace")

        text: str | None = self._retry(get, f"{repo_id}/{filename}")
        return text

    def _retry(self, call: Callable[[], Any], what: str) -> Any:
        self._client()
        errors, transport = self._hf[4], self._hf[5]
        GatedRepoError, HfHubHTTPError = errors.GatedRepoError, errors.HfHubHTTPError
        RepositoryNotFoundError = errors.RepositoryNotFoundError
        RevisionNotFoundError = errors.RevisionNotFoundError
        delay = self.backoff
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                return call()
            except GatedRepoError:
                raise _Unavailable(f"{what}: the repo is gated and this request had no access",
                                   TOKEN_TIP) from None  # fmt: skip
            except RevisionNotFoundError:
                raise _Missing(f"{what}: revision not found on the Hub") from None
            except RepositoryNotFoundError:
                if self.token:
                    raise _Missing(f"{what}: not found on the Hub") from None
                raise _Missing(f"{what}: not found on the Hub (or private: {TOKEN_TIP})") from None
            except HfHubHTTPError as exc:
                status = exc.response.status_code if exc.response is not None else 0
                if status in (401, 403):
                    raise _Unavailable(
                        f"{what}: access denied (HTTP {status})", TOKEN_TIP
                    ) from None
                if status == 429 or status >= 500:
                    if last:
                        raise _Unavailable(f"{what}: the Hub answered HTTP {status} "
                                           f"{self.retries + 1} times") from None  # fmt: skip
                    self.sleep(_retry_after(exc.response, delay))
                    delay *= 2
                    continue
                raise _Unavailable(f"{what}: HTTP {status}") from None
            except _Transient as exc:
                if last:
                    raise _Unavailable(f"{what}: {exc}") from None
                self.sleep(delay)
                delay *= 2
            except transport as exc:
                # A refused connection or a failed name lookup means the Hub is out of reach:
                # say so once and stop asking. Timeouts, resets and cut-off bodies are retried.
                unreachable = (
                    "Connect" in type(exc).__name__ and "Timeout" not in type(exc).__name__
                )
                if unreachable or last:
                    kind = (
                        "could not be reached" if unreachable else f"failed ({type(exc).__name__})"
                    )
                    raise _Unavailable(f"the Hub at {self.endpoint} {kind} ({what})",
                                       down=unreachable) from None  # fmt: skip
                self.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    # -- turning what was fetched into facts ---------------------------------------------------

    def _facts(self, repo_id: str, kind: NodeKind, fetched: _Fetched) -> ArtifactFacts:
        info = fetched.info or {}
        sha = info.get("sha")
        where = f"{self.endpoint}/{'datasets/' if fetched.repo_type == 'dataset' else ''}{repo_id}"
        notes: list[str] = []
        card: Card | None = None
        if fetched.readme is not None:
            try:
                card = parse_card(fetched.readme, f"{where}/README.md")
            except InputError:  # a broken remote card falls back to the API's parsed copy
                notes.append(
                    f"{repo_id}: its README.md could not be parsed; the Hub's metadata was used."
                )
        card_data = info.get("cardData") or {}
        if card is None or (not card.metadata and card_data):
            data = LineDict(card_data) if isinstance(card_data, Mapping) else LineDict()
            data.line, data.key_lines = 1, {}
            card = Card(data, {}, card.prose if card else "", card.prose_first_line if card else 1)
            location = f"{where}?expand=cardData"
        else:
            location = f"{where}/blob/{sha or 'main'}/README.md"
        source = SourceKind.HUB_METADATA
        try:
            kind = NodeKind.DATASET if fetched.repo_type == "dataset" else kind
            claim, edges, more = card_claims(card, repo_id, location, self.kb, source, kind=kind)
        except InputError as exc:  # an ancestor's malformed card is a fact about it, not our input
            claim, edges, more = None, [], [f"{repo_id}: its card metadata is malformed ({exc})"]
        notes += more
        if fetched.license_file is not None:
            name, body = fetched.license_file
            at = f"{where}/blob/{sha or 'main'}/{name}:1"
            base = claim or LicenseClaim(None, Evidence(source, at))
            claim = base._replace(text=body, text_location=at)
        if fetched.adapter_config is not None:
            found, extra = config_claims(
                fetched.adapter_config, f"{where}/blob/{sha or 'main'}/adapter_config.json", repo_id
            )
            if not any(e.relation is Relation.ADAPTER for e in edges):
                edges += found
            notes += extra
        for key in ("_readme_error", "_adapter_error", "_license_error"):
            if key in info:
                notes.append(f"{repo_id}: {info[key]}.")
        if info.get("gated"):
            notes.append(
                f"{repo_id} is gated ({info['gated']}); files that need access were not read "
                "unless a token allowed it."
            )
        kind = NodeKind.DATASET if fetched.repo_type == "dataset" else kind
        return ArtifactFacts(
            id=repo_id, kind=kind, license=claim, edges=tuple(edges), revision=sha,
            sources=(where,), notes=tuple(notes),
        )  # fmt: skip

    # -- cache -------------------------------------------------------------------------------

    def _cache_path(self, repo_type: str, repo_id: str, revision: str | None) -> Path:
        safe = repo_id.replace("/", "--")
        return self.cache_dir / "hub" / f"{repo_type}s" / f"{safe}@{revision or 'main'}.json"

    def _cache_get(self, repo_type: str, repo_id: str, revision: str | None) -> _Fetched | None:
        path = self._cache_path(repo_type, repo_id, revision)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return None
        if data.get("endpoint") != self.endpoint:
            return None
        if time.time() - float(data.get("fetched", 0)) > self.cache_ttl:
            return None
        lic = data.get("license_file")
        return _Fetched(repo_type, data.get("info"), data.get("readme"), data.get("adapter_config"),
                        data.get("missing"), tuple(lic) if lic else None)  # fmt: skip

    def _cache_put(
        self, repo_type: str, repo_id: str, revision: str | None, fetched: _Fetched
    ) -> None:
        path = self._cache_path(repo_type, repo_id, revision)
        record = {
            "format": CACHE_FORMAT, "endpoint": self.endpoint, "fetched": time.time(),
            "info": fetched.info, "readme": fetched.readme,
            "adapter_config": fetched.adapter_config, "missing": fetched.missing,
            "license_file": fetched.license_file,
        }  # fmt: skip
        with contextlib.suppress(OSError):  # a cache we cannot write costs a refetch next time
            write_atomic(path, json.dumps(record))


class _Missing(Exception):
    """The Hub answered that the repo (or revision) does not exist."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Transient(Exception):
    """A fault worth retrying that the HTTP layer did not raise (a truncated body)."""


def _retry_after(response: Any, default: float) -> float:
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return min(max(float(value), 0.0), 30.0) if value else default
    except ValueError:
        return default


def _transport_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    for module in ("httpx2", "httpx"):
        try:
            mod = __import__(module)
        except ImportError:
            continue
        errors.append(mod.TransportError)
    return tuple(errors)


def _info_dict(info: Any) -> dict[str, Any]:
    card = getattr(info, "card_data", None)
    siblings = getattr(info, "siblings", None) or []
    return {
        "id": getattr(info, "id", None),
        "sha": getattr(info, "sha", None),
        "gated": getattr(info, "gated", None),
        "private": getattr(info, "private", None),
        "cardData": card.to_dict() if card is not None else {},
        "siblings": sorted(s.rfilename for s in siblings),
    }
