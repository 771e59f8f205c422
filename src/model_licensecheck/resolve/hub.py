"""The Hugging Face Hub as a fact source, through `huggingface_hub` (metadata and small text files
only: never weights, never remote code).

Every answer is checked before it is believed (DESIGN §2, completeness): the metadata must be
a JSON object of the Hub's shape, each file the repo lists and we read must arrive whole, as
text, under the size cap, within its deadline, from the configured endpoint. A file that does
not leaves the node *incomplete* (judged `unknown` at best, with the reason); metadata that
does not is a failed lookup. Only complete answers are cached, per endpoint, revision and
access, and a cached answer is used again only while the repo's commit is unchanged.
"""

import contextlib
import hashlib
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, urljoin, urlsplit

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

CACHE_FORMAT = 3
TOKEN_TIP = "set HF_TOKEN (or pass --token) with access to the repo"  # noqa: S105 - advice, not a secret
DOWN_TIP = "check the network or HF_ENDPOINT, or use --offline for the knowledge base's answer"
NOTICE_FILES = ("NOTICE", "NOTICE.md", "NOTICE.txt")
"""Names under which a repository ships its notices (read with the LICENSE)."""
MAX_METADATA_BYTES = 10 * 1024 * 1024
"""The metadata answer's cap: a repo with many files lists each one."""
MAX_REDIRECTS = 5
_EXPAND = ["cardData", "sha", "gated", "siblings", "private"]
_SHA = re.compile(r"[0-9a-f]{40}")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class _Fetched(NamedTuple):
    """What one artifact's fetch brought back: raw, so parsing can change without refetching."""

    repo_type: str
    info: Mapping[str, Any]
    """The metadata answer, checked (`_checked_info`): id, sha, gated, private, cardData,
    siblings (file names)."""
    readme: str | None
    adapter_config: str | None = None
    license_files: tuple[tuple[str, str], ...] = ()
    """(file name, text) of the LICENSE and NOTICE files read (when the card leaves the
    license open)."""
    problems: tuple[str, ...] = ()
    """Files that should have been read and were not, each with why: the node is incomplete
    and this answer is never cached."""


Fetched = _Fetched
"""The raw answer for one repo, as the offline cache source builds it from a snapshot."""


class _Unavailable(Exception):
    """The Hub could not answer (after retries)."""

    def __init__(self, reason: str, tip: str | None = None, down: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tip = tip
        self.down = down


class _Missing(Exception):
    """The Hub answered that the repo (or revision) does not exist."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Transient(Exception):
    """A fault worth retrying that the HTTP layer did not raise: a cut-off, late or HTML body,
    or metadata that is not what the Hub sends."""


class _Http(NamedTuple):
    """The parts of huggingface_hub (and the HTTP library under it) this module uses."""

    get_session: Callable[[], Any]
    hf_hub_url: Callable[..., str]
    raise_for_status: Callable[[Any], None]
    headers: Mapping[str, str]
    gated: type[BaseException]
    repo_not_found: type[BaseException]
    revision_not_found: type[BaseException]
    http_error: type[BaseException]
    request_error: tuple[type[BaseException], ...]
    connect_error: type[BaseException]
    timeout_error: type[BaseException]


class HubSource:
    """Fetches model and dataset metadata, cards, adapter configs and license files; caches
    complete answers."""

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
        refresh: bool = False,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float | None = None,
    ) -> None:
        """`timeout` bounds each request as a whole (connecting, waiting and reading the body,
        however slowly it arrives); `deadline` is a `time.monotonic()` instant after which no
        request is made or continued."""
        self.kb = kb
        self.token = token
        self.revisions: dict[str, str] = {k.lower(): v for k, v in (revisions or {}).items()}
        self.endpoint = (
            endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
        ).rstrip("/")
        self._origin = _origin(self.endpoint)
        self.cache_dir = Path(cache_dir if cache_dir is not None else default_cache_dir())
        self.refresh = refresh
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.deadline = deadline
        self.down: str | None = None
        self._lock = threading.Lock()
        self._files = ThreadPoolExecutor(max_workers=64, thread_name_prefix="hub-file")
        self._http: _Http | None = None
        self._access = "anonymous"

    # -- the FactSource interface -------------------------------------------------------------

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        """What the Hub says of `artifact_id`: its card, lineage fields and revision."""
        if not is_hub_id(artifact_id):
            return Missing(f"{artifact_id} is not a Hub id")
        if self.down is not None:
            return Failed(self.down, DOWN_TIP)
        if self._past_deadline():
            return Failed("the run's time limit ran out before it could be read")
        repo_type = "dataset" if kind is NodeKind.DATASET else "model"
        revision = self.revisions.get(artifact_id.lower())
        try:
            fetched = self._fetch(repo_type, artifact_id, revision)
        except _Unavailable as exc:
            if exc.down:
                with self._lock:
                    self.down = self.down or exc.reason
                return Failed(exc.reason, DOWN_TIP)
            return Failed(exc.reason, exc.tip)
        except _Missing as exc:
            return Missing(exc.reason)
        facts = self._facts(artifact_id, kind, fetched)
        if not facts.incomplete:
            self._cache_put(repo_type, artifact_id, revision, fetched)
        return Found(facts)

    # -- fetching ------------------------------------------------------------------------------

    def _client(self) -> _Http:
        # huggingface_hub is heavy: imported only when the Hub is asked, once, under a lock, so
        # that worker threads do not race each other through the first import.
        with self._lock:
            if self._http is None:
                self._http = self._load_client()
        return self._http

    def _load_client(self) -> _Http:
        # Telemetry off: with it on, huggingface_hub builds its User-Agent by fetching an
        # "agent harness" list from its import-time endpoint (not ours), which sends a
        # request we were not asked to make and stalls 3 s per thread when unreachable.
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        from huggingface_hub import constants as hf_constants

        hf_constants.HF_HUB_DISABLE_TELEMETRY = True
        from huggingface_hub import errors as hf_errors
        from huggingface_hub import get_session, get_token, hf_hub_url, hf_raise_for_status
        from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]

        token = self.token or get_token()  # the saved token too, as the Hub's own tools do
        if token is not None and not _sendable(token):
            raise _Unavailable(
                "the Hub token (HF_TOKEN, --token or the saved one) has characters a token "
                "cannot have (spaces, line breaks or non-ASCII) and was not sent",
                "check how the token was pasted",
            )
        if token:
            digest = hashlib.sha256(token.encode()).hexdigest()[:16]
            self._access = f"token-{digest}"
        # The HTTP library's own exception classes, told apart with isinstance.
        http = sys.modules[type(get_session()).__module__.split(".")[0]]
        return _Http(
            get_session=get_session,
            hf_hub_url=hf_hub_url,
            raise_for_status=hf_raise_for_status,
            headers=build_hf_headers(token=token or False),
            gated=hf_errors.GatedRepoError,
            repo_not_found=hf_errors.RepositoryNotFoundError,
            revision_not_found=hf_errors.RevisionNotFoundError,
            http_error=hf_errors.HfHubHTTPError,
            request_error=(http.RequestError, OSError),
            connect_error=http.ConnectError,
            timeout_error=http.TimeoutException,
        )

    def _fetch(self, repo_type: str, repo_id: str, revision: str | None) -> _Fetched:
        http = self._client()  # before the file thread starts, so the import happens once
        cached = None if self.refresh else self._cache_get(repo_type, repo_id, revision)
        if cached is not None and revision is not None and _SHA.fullmatch(revision):
            return cached  # a commit never changes: no need to ask again
        readme: Future[bytes | None] | None = None
        if cached is None:
            # The card is fetched at the same time as the metadata, so each node costs one
            # round trip: the lineage's critical path is its depth, not twice its depth.
            readme = self._files.submit(
                self._file, repo_type, repo_id, "README.md", revision or "main"
            )
        try:
            info = self._metadata(http, repo_type, repo_id, revision)
        except BaseException:
            if readme is not None:
                readme.cancel()
            raise
        if cached is not None and info["sha"] is not None and cached.info["sha"] == info["sha"]:
            return cached._replace(info=info)  # the repo is unchanged since it was cached
        if readme is None:
            readme = self._files.submit(
                self._file, repo_type, repo_id, "README.md", info["sha"] or revision or "main"
            )
        listed = set(info["siblings"])
        problems: list[str] = []
        text = self._text(readme.result, "README.md", "README.md" in listed, problems)
        at = info["sha"] or revision or "main"

        def read(name: str) -> str | None:
            return self._text(partial(self._file, repo_type, repo_id, name, at), name, True,
                              problems)  # fmt: skip

        adapter = None
        if repo_type == "model" and "adapter_config.json" in listed:
            adapter = read("adapter_config.json")
        license_files: list[tuple[str, str]] = []
        if license_left_open(info["cardData"].get("license")):
            # More requests only for repos whose card does not settle the license.
            for names in (LICENSE_FILES, NOTICE_FILES):
                name = next((n for n in names if n in listed), None)
                if name is not None:
                    body = read(name)
                    if body is not None:
                        license_files.append((name, body))
        return _Fetched(repo_type, info, text, adapter, tuple(license_files), tuple(problems))

    def _text(
        self, get: Callable[[], bytes | None], name: str, listed: bool, problems: list[str]
    ) -> str | None:
        """The text of a file, or None when it does not exist; a failure, a 404 for a file the
        repo lists, or bytes that are not text are problems (the node is incomplete)."""
        try:
            data = get()
        except _Unavailable as exc:
            tip = f" ({exc.tip})" if exc.tip else ""
            problems.append(f"{name} could not be read: {exc.reason}{tip}")
            return None
        if data is None:
            if listed:
                problems.append(f"{name} is listed in the repo but the Hub answered 404 for it")
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(f"{name} is not UTF-8 text")
            return None

    def _metadata(
        self, http: _Http, repo_type: str, repo_id: str, revision: str | None
    ) -> dict[str, Any]:
        url = f"{self.endpoint}/api/{repo_type}s/{repo_id}"
        if revision is not None:
            url += f"/revision/{quote(revision, safe='')}"
        what = f"{repo_id} metadata"

        def get() -> dict[str, Any]:
            body = self._get(http, url, what, MAX_METADATA_BYTES, params={"expand": _EXPAND})
            try:
                data = json.loads(body or b"")
            except ValueError:
                raise _Transient(f"{what} is not valid JSON") from None
            return _checked_info(data, what)

        info: dict[str, Any] = self._retry(http, get, what, file=False)
        return info

    def _file(self, repo_type: str, repo_id: str, filename: str, revision: str) -> bytes | None:
        http = self._client()
        url = http.hf_hub_url(
            repo_id, filename, repo_type=repo_type, revision=revision, endpoint=self.endpoint
        )
        what = f"{repo_id}/{filename}"
        body: bytes | None = self._retry(
            http, lambda: self._get(http, url, what, MAX_CARD_BYTES, file=True), what, file=True
        )
        return body

    def _get(
        self,
        http: _Http,
        url: str,
        what: str,
        limit: int,
        params: Mapping[str, Any] | None = None,
        file: bool = False,
    ) -> bytes | None:
        """One GET as a whole: same-origin redirects only, a deadline over the whole exchange,
        the size cap, a complete body, and no HTML page where data was expected. None: a file
        the Hub says does not exist."""
        deadline = time.monotonic() + self.timeout
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            left = deadline - time.monotonic()
            if self._past_deadline():
                raise _Unavailable(f"the run's time limit ran out while reading {what}")
            if left <= 0:
                raise _Transient(f"no answer within {self.timeout:g} s")
            with http.get_session().stream(
                "GET", current, params=params, headers=http.headers, timeout=left,
                follow_redirects=False,
            ) as response:  # fmt: skip
                status = response.status_code
                if status in _REDIRECTS and response.headers.get("Location"):
                    target = urljoin(current, response.headers["Location"])
                    if _origin(target) != self._origin:
                        raise _Unavailable(
                            f"{what}: the Hub redirected to another host "
                            f"({urlsplit(target).netloc or target!r}); requests go only to "
                            f"{self.endpoint}"
                        )
                    current, params = target, None
                    continue
                if file and status == 404 and response.headers.get("X-Error-Code") in (
                    "EntryNotFound", None,
                ):  # fmt: skip
                    return None
                http.raise_for_status(response)
                kind = response.headers.get("Content-Type", "")
                if "text/html" in kind.lower():
                    raise _Transient(f"{what} came back as an HTML page, not the file")
                declared = _content_length(response.headers.get("Content-Length"))
                if declared is not None and declared > limit:
                    raise _Unavailable(f"{what} is larger than {limit} bytes")
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise _Unavailable(f"{what} is larger than {limit} bytes")
                    if time.monotonic() > deadline:
                        if self._past_deadline():
                            raise _Unavailable(f"the run's time limit ran out while reading {what}")
                        raise _Transient(f"{what} did not arrive within {self.timeout:g} s")
                if declared is not None and len(data) != declared:
                    raise _Transient(f"{what} arrived truncated")
                return bytes(data)
        raise _Unavailable(f"{what}: more than {MAX_REDIRECTS} redirects")

    def _retry(self, http: _Http, call: Callable[[], Any], what: str, file: bool) -> Any:
        delay = self.backoff
        for attempt in range(self.retries + 1):
            last = attempt == self.retries or self._past_deadline()
            try:
                return call()
            except http.gated:
                raise _Unavailable(f"{what}: the repo is gated and this request had no access",
                                   TOKEN_TIP) from None  # fmt: skip
            except http.revision_not_found:
                if file:
                    raise _Unavailable(f"{what}: the revision is gone") from None
                raise _Missing(f"{what}: revision not found on the Hub") from None
            except http.repo_not_found as exc:
                status = _status(exc)
                if status in (401, 403) and self._access != "anonymous":
                    raise _Unavailable(f"{what}: access denied (HTTP {status}): the token was "
                                       "refused", TOKEN_TIP) from None  # fmt: skip
                if file:
                    raise _Unavailable(f"{what}: the repo answered 404") from None
                if self._access != "anonymous":
                    raise _Missing(f"{what}: not found on the Hub") from None
                raise _Missing(f"{what}: not found on the Hub (or private: {TOKEN_TIP})") from None
            except http.http_error as exc:
                status = _status(exc)
                if status in (401, 403):
                    raise _Unavailable(
                        f"{what}: access denied (HTTP {status})", TOKEN_TIP
                    ) from None
                if (status == 429 or status >= 500) and not last:
                    self._pause(_retry_after(getattr(exc, "response", None), delay))
                    delay *= 2
                    continue
                if status == 429 or status >= 500:
                    raise _Unavailable(f"{what}: the Hub answered HTTP {status} "
                                       f"{attempt + 1} times") from None  # fmt: skip
                raise _Unavailable(f"{what}: HTTP {status}") from None
            except _Transient as exc:
                if last:
                    raise _Unavailable(f"{what}: {exc}") from None
                self._pause(delay)
                delay *= 2
            except http.request_error as exc:
                # A refused connection or a failed name lookup means the Hub is out of reach:
                # say so once and stop asking. Timeouts, resets and cut-off bodies are retried.
                unreachable = isinstance(exc, http.connect_error) and not isinstance(
                    exc, http.timeout_error
                )
                if unreachable:  # said once for the whole run, whatever was being asked
                    raise _Unavailable(f"the Hub at {self.endpoint} could not be reached",
                                       down=True) from None  # fmt: skip
                if last:
                    raise _Unavailable(f"the Hub at {self.endpoint} failed "
                                       f"({type(exc).__name__}) ({what})") from None  # fmt: skip
                self._pause(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def _pause(self, seconds: float) -> None:
        if self.deadline is not None:
            seconds = min(seconds, max(0.0, self.deadline - time.monotonic()))
        self.sleep(seconds)

    # -- turning what was fetched into facts ---------------------------------------------------

    def facts_of(
        self, repo_id: str, kind: NodeKind, fetched: "Fetched", where: str | None = None
    ) -> ArtifactFacts:
        """The facts a fetched (or cached) answer gives; `where` names its origin in evidence
        (default: the repo's address on the endpoint)."""
        return self._facts(repo_id, kind, fetched, where)

    def cached(
        self, repo_type: str, repo_id: str, revision: str | None
    ) -> tuple["Fetched | None", float]:
        """A complete answer this tool cached for the repo (for the access this run has), and
        when it was fetched; (None, 0) when there is none."""
        try:
            self._client()  # the access key needs the token, saved or given
        except _Unavailable:
            return None, 0.0
        path = self._cache_path(repo_type, repo_id, revision)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            fetched = _cached(data, self.endpoint, repo_type, repo_id, revision)
            return (fetched, float(data["fetched"])) if fetched is not None else (None, 0.0)
        except (OSError, ValueError, TypeError, KeyError):
            return None, 0.0

    def _facts(
        self, repo_id: str, kind: NodeKind, fetched: _Fetched, where: str | None = None
    ) -> ArtifactFacts:
        info = fetched.info
        sha = info["sha"]
        if where is None:
            kind_path = "datasets/" if fetched.repo_type == "dataset" else ""
            where = f"{self.endpoint}/{kind_path}{repo_id}"
        notes: list[str] = []
        incomplete = list(fetched.problems)
        card: Card | None = None
        if fetched.readme is not None:
            try:
                card = parse_card(fetched.readme, f"{where}/README.md")
            except InputError as exc:  # the API's parsed copy still gives the license
                incomplete.append(f"README.md could not be parsed ({exc})")
        card_data = info["cardData"]
        if card is None or (not card.metadata and card_data):
            data = LineDict(card_data)
            data.line, data.key_lines = 1, {}
            card = Card(data, {}, card.prose if card else "", card.prose_first_line if card else 1)
            location = f"{where}?expand=cardData"
        else:
            location = f"{where}/blob/{sha or 'main'}/README.md"
        source = SourceKind.HUB_METADATA
        kind = NodeKind.DATASET if fetched.repo_type == "dataset" else kind
        try:
            claim, edges, more = card_claims(card, repo_id, location, self.kb, source, kind=kind)
        except InputError as exc:  # an ancestor's malformed card is a fact about it, not our input
            claim, edges, more = None, [], []
            incomplete.append(f"its card metadata is malformed ({exc})")
        notes += more
        if fetched.license_files:
            name, body = fetched.license_files[0]
            at = f"{where}/blob/{sha or 'main'}/{name}:1"
            base = claim or LicenseClaim(None, Evidence(source, at))
            claim = base._replace(text=body, text_location=at)
        if fetched.adapter_config is not None:
            at = f"{where}/blob/{sha or 'main'}/adapter_config.json"
            try:
                found, extra = config_claims(fetched.adapter_config, at, repo_id)
            except InputError as exc:
                incomplete.append(f"adapter_config.json could not be read ({exc})")
            else:
                if not any(e.relation is Relation.ADAPTER for e in edges):
                    edges += found
                notes += extra
        if info["gated"]:
            notes.append(
                f"{repo_id} is gated ({info['gated']}); files that need access were not read "
                "unless a token allowed it."
            )
        answered = info["id"]
        renamed = isinstance(answered, str) and answered.lower() != repo_id.lower()
        moved = str(answered) if renamed else None
        if moved is not None:
            notes.append(f"{repo_id} now answers as {moved} on the Hub (renamed).")
        return ArtifactFacts(
            id=repo_id, kind=kind, license=claim, edges=tuple(edges), revision=sha,
            sources=(where,), notes=tuple(notes),
            incomplete=tuple(f"{repo_id}: {p}" for p in incomplete),
            gated=bool(info["gated"]), moved_to=moved,
        )  # fmt: skip

    # -- cache -------------------------------------------------------------------------------

    def _cache_path(self, repo_type: str, repo_id: str, revision: str | None) -> Path:
        """One file per endpoint, repo, revision and access: an answer read without a token
        never serves a run with one, nor one endpoint's answer another's."""
        key = "\n".join((self.endpoint, repo_type, repo_id, revision or "", self._access))
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        return self.cache_dir / "hub" / f"{repo_id.replace('/', '--')}.{digest}.json"

    def _cache_get(self, repo_type: str, repo_id: str, revision: str | None) -> _Fetched | None:
        """A complete cached answer, or None when there is none or it is not one we wrote
        (a damaged or edited file is ignored and fetched again)."""
        path = self._cache_path(repo_type, repo_id, revision)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return _cached(data, self.endpoint, repo_type, repo_id, revision)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def _cache_put(
        self, repo_type: str, repo_id: str, revision: str | None, fetched: _Fetched
    ) -> None:
        assert not fetched.problems  # an incomplete answer is never cached (DESIGN §2)
        path = self._cache_path(repo_type, repo_id, revision)
        record = {
            "format": CACHE_FORMAT, "endpoint": self.endpoint, "repo_type": repo_type,
            "repo": repo_id, "revision": revision, "fetched": time.time(),
            "info": dict(fetched.info), "readme": fetched.readme,
            "adapter_config": fetched.adapter_config,
            "license_files": [list(f) for f in fetched.license_files],
        }  # fmt: skip
        with contextlib.suppress(OSError):  # a cache we cannot write costs a refetch next time
            write_atomic(path, json.dumps(record), private=True)
            sha = fetched.info["sha"]
            if sha is not None and sha != revision:
                # Also under the commit it was read at: a lock file pins that commit, and a
                # later run pinned to it (`check --locked`, offline too) finds this answer.
                pinned = self._cache_path(repo_type, repo_id, sha)
                write_atomic(pinned, json.dumps({**record, "revision": sha}), private=True)


def _cached(
    data: Any, endpoint: str, repo_type: str, repo_id: str, revision: str | None
) -> _Fetched | None:
    """A cache record checked field by field; anything off raises or gives None."""
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        return None
    if (data["endpoint"], data["repo_type"], data["repo"], data["revision"]) != (
        endpoint, repo_type, repo_id, revision,
    ):  # fmt: skip
        return None
    try:
        info = _checked_info(data["info"], "cache")
    except _Transient:
        return None
    texts = [data["readme"], data["adapter_config"]]
    if not all(t is None or isinstance(t, str) for t in texts):
        return None
    listed = set(info["siblings"])
    if ("README.md" in listed and texts[0] is None) or (
        repo_type == "model" and "adapter_config.json" in listed and texts[1] is None
    ):
        return None  # a file the repo lists is missing: not an answer we would have cached
    files = data["license_files"]
    if not isinstance(files, list) or not all(
        isinstance(f, list) and len(f) == 2 and all(isinstance(x, str) for x in f) for f in files
    ):
        return None
    return _Fetched(repo_type, info, texts[0], texts[1], tuple((f[0], f[1]) for f in files))


def _checked_info(data: Any, what: str) -> dict[str, Any]:
    """The metadata answer as the fields we use, each of the type the Hub sends; an answer of
    another shape (`null`, a list, a wrong-typed field) is a fault."""
    if not isinstance(data, dict):
        raise _Transient(f"{what} is not a JSON object ({type(data).__name__})")
    sha = data.get("sha")
    if sha is not None and not (isinstance(sha, str) and _SHA.fullmatch(sha)):
        raise _Transient(f"{what}: `sha` is not a commit id")
    gated = data.get("gated")
    if gated is not None and not isinstance(gated, bool | str):
        raise _Transient(f"{what}: `gated` has the wrong type")
    private = data.get("private")
    if private is not None and not isinstance(private, bool):
        raise _Transient(f"{what}: `private` has the wrong type")
    card = data.get("cardData")
    if card is None:
        card = {}
    if not isinstance(card, dict) or not all(isinstance(k, str) for k in card):
        raise _Transient(f"{what}: `cardData` is not a mapping")
    siblings = data.get("siblings")
    if not isinstance(siblings, list):
        raise _Transient(f"{what}: `siblings` (the file list) is missing or not a list")
    names: list[str] = []
    for s in siblings:
        name = s.get("rfilename") if isinstance(s, dict) else s
        if not isinstance(name, str):
            raise _Transient(f"{what}: a file in `siblings` has no name")
        names.append(name)
    return {"id": data.get("id"), "sha": sha, "gated": gated or False, "private": private,
            "cardData": card, "siblings": sorted(names)}  # fmt: skip


def license_left_open(declared: Any) -> bool:
    """Whether a card's `license` field leaves the license to its files: absent, empty, or
    only `other` (as a string or a list, both of which the Hub accepts)."""
    values = declared if isinstance(declared, list) else [declared]
    return all(v is None or str(v).strip().lower() in ("", "other") for v in values)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _sendable(token: str) -> bool:
    """Whether a token can go into an HTTP header as it is: printable ASCII, no spaces."""
    return token.isascii() and token.isprintable() and not any(c.isspace() for c in token)


def _content_length(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _status(exc: BaseException) -> int:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", 0)
    return status if isinstance(status, int) else 0


def _retry_after(response: Any, default: float) -> float:
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return min(max(float(value), 0.0), 30.0) if value else default
    except ValueError:
        return default
