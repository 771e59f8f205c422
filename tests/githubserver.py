"""A GitHub REST API stand-in on 127.0.0.1 for the pull-request comment: issue comments can be
listed (paginated), created and updated, as api.github.com does; every request is recorded,
and a fault can be set for the next requests."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    authorization: str | None
    body: Any


@dataclass
class FakeGitHub:
    """Comments per issue number; `fault` answers every request with that HTTP status;
    `redirect` answers with a redirect to another host instead."""

    token: str
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    fault: int | None = None
    redirect: bool = False
    next_id: int = 1000
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any = None, **headers: str) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                fake.requests.append(
                    Request(self.command, self.path, self.headers.get("Authorization"), body)
                )
                if fake.redirect:
                    self._answer(307, None, Location="http://github-mirror.example/x")
                    return
                if fake.fault is not None:
                    self._answer(fake.fault, {"message": "boom"})
                    return
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self._answer(401, {"message": "Bad credentials"})
                    return
                self._route(body)

            def _route(self, body: Any) -> None:
                parts = urlsplit(self.path)
                segments = parts.path.strip("/").split("/")
                # /repos/{owner}/{repo}/issues/{n}/comments  or  .../issues/comments/{id}
                if len(segments) == 6 and segments[3] == "issues" and segments[5] == "comments":
                    number = int(segments[4])
                    items = fake.comments.setdefault(number, [])
                    if self.command == "GET":
                        query = parse_qs(parts.query)
                        size = int(query.get("per_page", ["30"])[0])
                        page = int(query.get("page", ["1"])[0])
                        self._answer(200, items[(page - 1) * size : page * size])
                        return
                    if self.command == "POST":
                        fake.next_id += 1
                        item = {"id": fake.next_id, "body": body["body"]}
                        items.append(item)
                        self._answer(201, item)
                        return
                if len(segments) == 6 and segments[3:5] == ["issues", "comments"]:
                    for items in fake.comments.values():
                        for item in items:
                            if item["id"] == int(segments[5]) and self.command == "PATCH":
                                item["body"] = body["body"]
                                self._answer(200, item)
                                return
                self._answer(404, {"message": "Not Found"})

            do_GET = do_POST = do_PATCH = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
