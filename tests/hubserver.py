"""A Hub-compatible HTTP server on 127.0.0.1 serving fixture repos, with latency and faults.

It answers what `huggingface_hub` asks of the real Hub for metadata and small files:
`GET /api/{models,datasets}/{id}[/revision/{rev}]` and `GET|HEAD /[datasets/]{id}/resolve/{rev}/
{file}`. A repo is a folder under `root/models/` or `root/datasets/` holding README.md and
configs; an optional `_hub.json` sets `sha`, `gated` and the token that opens a gated repo. The
API's `cardData` is the README's front matter, as the Hub derives it.

Revisions: `commit()` keeps a repo's current files as its old commit under
`root/_history/<type>s/<id>/<sha>/` and writes new ones, so the repo's `main` moves on while
the old commit is still served by its sha, as the Hub does; `renames` answers an old id with a
same-host redirect to the new one, as the Hub does for a renamed repo.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

FAULT_KINDS = ("500", "503", "429", "timeout", "truncated", "gated", "404", "reset")
"""Faults of the transport and status line, for any request."""
BODY_FAULTS = ("html", "badjson", "null", "list", "wrongtypes", "cutjson", "drip", "oversize",
               "oversize-stream", "forbidden", "entry-404", "redirect-offhost",
               "redirect-samehost")  # fmt: skip
"""Faults of what comes back: pages, shapes, sizes, speeds and places a Hub should not send."""
OFFHOST = "http://hub-mirror.example"


@dataclass
class Fault:
    """Fail the next `times` requests for a repo (all of them by default) in one way."""

    kind: str
    times: int = 1_000_000
    only: str | None = None
    """`api` or `file` to fault only that kind of request; `file:NAME` for one file."""


@dataclass
class FixtureHub:
    """The server's state: repos on disk, knobs, and a log of what was asked."""

    root: Path
    latency: float = 0.0
    timeout_sleep: float = 3.0
    faults: dict[str, Fault] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)
    """Old repo id -> new id: requests for the old one are redirected (HTTP 307)."""
    url: str = ""
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        """Serve on a free port of 127.0.0.1; return the endpoint URL."""
        hub = self

        class Handler(_Handler):
            state = hub

        self._server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def count(self, needle: str = "") -> int:
        """How many requests were made whose path contains `needle`."""
        with self._lock:
            return sum(1 for _, path in self.requests if needle in path)

    def folder(self, repo_type: str, repo: str) -> Path:
        """Where a repo's current files are."""
        return self.root / f"{repo_type}s" / repo

    def sha(self, repo_type: str, repo: str) -> str:
        """The repo's current commit id."""
        return str(_repo_meta(self.folder(repo_type, repo))["sha"])

    def commit(self, repo_type: str, repo: str, files: dict[str, str | None]) -> str:
        """Keep the current files as the old commit, then write `files` (None deletes one);
        return the old commit's sha. The root must be a copy the test owns."""
        folder = self.folder(repo_type, repo)
        old = self.sha(repo_type, repo)
        kept = self.root / "_history" / f"{repo_type}s" / repo / old
        shutil.copytree(folder, kept)
        meta_file = kept / "_hub.json"
        meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
        meta_file.write_text(json.dumps({**meta, "sha": old}))
        live = folder / "_hub.json"
        if live.is_file():  # a new commit gets a new sha, derived from the new content
            fresh = {k: v for k, v in json.loads(live.read_text()).items() if k != "sha"}
            live.write_text(json.dumps(fresh))
        for name, text in files.items():
            if text is None:
                (folder / name).unlink()
            else:
                (folder / name).write_text(text, encoding="utf-8")
        return old

    def delete(self, repo_type: str, repo: str) -> None:
        """Remove a repo and its history: the Hub answers 404 for it from now on."""
        shutil.rmtree(self.folder(repo_type, repo))
        shutil.rmtree(self.root / "_history" / f"{repo_type}s" / repo, ignore_errors=True)

    def take_fault(self, repo: str, kind: str, filename: str = "") -> Fault | None:
        fault = self.faults.get(repo)
        if fault is None or fault.times <= 0:
            return None
        if fault.only and fault.only not in (kind, f"{kind}:{filename}"):
            return None
        with self._lock:
            fault.times -= 1
        return fault


def _repo_meta(folder: Path) -> dict[str, Any]:
    meta_file = folder / "_hub.json"
    meta: dict[str, Any] = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    if "sha" not in meta:
        digest = hashlib.sha1()  # noqa: S324 - a stable fake commit id, not security
        for f in sorted(p for p in folder.iterdir() if p.is_file()):
            digest.update(f.name.encode() + f.read_bytes())
        meta["sha"] = digest.hexdigest()
    return meta


def _card_data(folder: Path) -> dict[str, Any]:
    readme = folder / "README.md"
    if not readme.is_file():
        return {}
    text = readme.read_text(encoding="utf-8", errors="replace")
    if not text.startswith("---"):
        return {}
    parts = text.split("\n---", 1)
    try:
        data = yaml.safe_load(parts[0][3:]) if len(parts) == 2 else None
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


class _Server(ThreadingHTTPServer):
    # The stdlib's backlog of 5 makes the kernel drop bursts of connections, and the client's
    # SYN retry then costs a second: a batch resolver opens dozens at once.
    request_queue_size = 256
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up early (a size cap, a timeout) is not the server's error."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    state: FixtureHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `requests` instead."""

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
              head: bool = False) -> None:  # fmt: skip
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str, head: bool = False) -> None:
        body = json.dumps({"error": message}).encode()
        headers = {"Content-Type": "application/json", "X-Error-Code": code}
        self._send(status, body, headers, head)

    def _serve(self, head: bool) -> None:
        state = self.state
        path = unquote(urlsplit(self.path).path)
        with state._lock:
            state.requests.append((self.command, path))
        if state.latency:
            time.sleep(state.latency)
        if path == "/_stats":  # for a benchmark that runs the server in another process
            with state._lock:
                count = len(state.requests) - 1
            self._send(200, json.dumps({"requests": count}).encode(), head=head)
            return
        kind, repo_type, repo, rest, revision = self._route(path)
        if kind is None:
            self._error(404, "NotFound", f"no route for {path}", head)
            return
        fault = state.take_fault(repo, kind, rest)
        if fault is not None and self._fault(fault, head, path):
            return
        if repo in state.renames:
            new = urlsplit(self.path).path.replace(repo, state.renames[repo], 1)
            self._send(307, b"", {"Location": new}, head)
            return
        folder = state.root / f"{repo_type}s" / repo
        if not folder.is_dir():
            self._error(404, "RepoNotFound", "Repository not found", head)
            return
        meta = _repo_meta(folder)
        if revision not in (None, "main", meta["sha"]):
            folder = state.root / "_history" / f"{repo_type}s" / repo / str(revision)
            if not folder.is_dir():
                self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}", head)
                return
            meta = _repo_meta(folder)
        if kind == "api":
            self._api(folder, repo, meta, head)
        else:
            self._file(folder, meta, rest, head)

    def _route(self, path: str) -> tuple[str | None, str, str, str, str | None]:
        """(api or file, repo type, repo id, file name, revision asked for)."""
        if path.startswith(("/api/models/", "/api/datasets/")):
            repo_type = "model" if path.startswith("/api/models/") else "dataset"
            rest = path.split("/", 3)[3]
            repo, _, revision = rest.partition("/revision/")
            return "api", repo_type, repo, "", revision or None
        repo_type = "model"
        if path.startswith("/datasets/"):
            repo_type, path = "dataset", path[len("/datasets") :]
        if "/resolve/" in path:
            repo, _, tail = path.strip("/").partition("/resolve/")
            revision, _, filename = tail.partition("/")
            return "file", repo_type, repo, filename, revision or None
        return None, "", "", "", None

    def _authorized(self, meta: dict[str, Any]) -> bool:
        token = meta.get("token")
        return bool(token) and self.headers.get("Authorization") == f"Bearer {token}"

    def _api(self, folder: Path, repo: str, meta: dict[str, Any], head: bool) -> None:
        files = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "_hub.json")
        info = {
            "id": repo,
            "sha": meta["sha"],
            "gated": meta.get("gated", False),
            "private": False,
            "cardData": _card_data(folder),
            "siblings": [{"rfilename": f} for f in files],
        }
        self._send(200, json.dumps(info).encode(), {"Content-Type": "application/json"}, head)

    def _file(self, folder: Path, meta: dict[str, Any], filename: str, head: bool) -> None:
        if meta.get("gated") and not self._authorized(meta):
            self._error(401, "GatedRepo", "Access to this repo is restricted", head)
            return
        target = folder / filename
        if filename.startswith("_") or not target.is_file():
            self._error(404, "EntryNotFound", "Entry not found", head)
            return
        body = target.read_bytes()
        headers = {
            "X-Repo-Commit": meta["sha"],
            "ETag": f'"{hashlib.sha256(body).hexdigest()}"',
            "Content-Type": "text/plain; charset=utf-8",
        }
        self._send(200, body, headers, head)

    def _fault(self, fault: Fault, head: bool, path: str = "") -> bool:
        kind = fault.kind
        if kind in BODY_FAULTS:
            self._body_fault(kind, head, path)
            return True
        if kind in ("500", "503"):
            self._error(int(kind), "ServerError", "injected server error", head)
        elif kind == "429":
            body = b'{"error": "rate limited"}'
            self._send(429, body, {"Retry-After": "0", "Content-Type": "application/json"}, head)
        elif kind == "404":
            self._error(404, "RepoNotFound", "Repository not found", head)
        elif kind == "gated":
            self._error(401, "GatedRepo", "Access to this repo is restricted", head)
        elif kind == "timeout":
            time.sleep(self.state.timeout_sleep)
            self.close_connection = True
        elif kind == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            if not head:
                self.wfile.write(b'{"id": "trunc')
            self.close_connection = True
        elif kind == "reset":
            self.close_connection = True
        else:
            return False
        return True

    def _body_fault(self, kind: str, head: bool, path: str) -> None:
        json_type = {"Content-Type": "application/json"}
        bodies = {
            "html": (b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
                     {"Content-Type": "text/html; charset=utf-8"}),
            "badjson": (b"{this is not json", json_type),
            "null": (b"null", json_type),
            "list": (b"[]", json_type),
            "wrongtypes": (b'{"id": 5, "sha": ["x"], "cardData": "apache-2.0", "siblings": 3}',
                           json_type),
            "cutjson": (b'{"id": "acme/x", "sha": "0123', json_type),
        }  # fmt: skip
        if kind in bodies:
            body, headers = bodies[kind]
            self._send(200, body, headers, head)
        elif kind == "forbidden":
            self._error(403, "Forbidden", "Your token has no access", head)
        elif kind == "entry-404":
            self._error(404, "EntryNotFound", "Entry not found", head)
        elif kind == "redirect-offhost":
            self._send(302, b"", {"Location": OFFHOST + path}, head)
        elif kind == "redirect-samehost":  # as the Hub does for a renamed repo: a path here
            self._send(307, b"", {"Location": self.path}, head)
        elif kind == "oversize":
            self.send_response(200)
            self.send_header("Content-Length", str(6 * 1024 * 1024))
            self.end_headers()
            self.close_connection = True
        elif kind == "oversize-stream":  # no length announced: the client must count
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(100):  # 6.4 MB, over the 5 MB cap
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except ConnectionError:
                pass
            self.close_connection = True
        elif kind == "drip":  # a valid length, and a byte every 50 ms: each read is quick
            body = b'{"id": "' + b"x" * 400 + b'"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(0.05)
            except ConnectionError:
                pass
            self.close_connection = True
