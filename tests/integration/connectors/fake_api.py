"""A fake service-desk API on loopback for the HTTP connector's tests (http.server in a
thread): OAuth2 client credentials, bearer and basic authentication, contacts found by
e-mail with cursor, page and next-link pagination, writes per contact, and injected
faults (429 with Retry-After, 5xx, a slow answer, a revoked token)."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CLIENT_ID, CLIENT_SECRET = "sphere", "client-secret-1"
BEARER = "static-bearer-token"
BASIC = ("sphere", "basic-pw")
PAGE = 2


def _contacts() -> dict[int, dict[str, Any]]:
    erika = "erika.muster@example.org"
    return {
        1: {"id": 1, "email": erika, "name": "Erika Muster", "address": {"city": "Berlin"}},
        2: {"id": 2, "email": erika, "name": "E. Muster", "address": {"city": "Hamburg"}},
        3: {"id": 3, "email": erika, "name": "Erika M.", "address": {"city": "Köln"}},
        4: {"id": 4, "email": "max@example.com", "name": "Max", "address": {"city": "Bonn"}},
    }


@dataclass
class ApiState:
    auth: str = "oauth2"  # oauth2 | bearer | basic
    contacts: dict[int, dict[str, Any]] = field(default_factory=_contacts)
    tokens: set[str] = field(default_factory=set)
    issued: int = 0
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    bodies: list[Any] = field(default_factory=list)
    faults: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # next answers
    delay: float = 0.0
    times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] != "GET" and c[1] != "/oauth/token"]


class _Handler(BaseHTTPRequestHandler):
    state: ApiState

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Any = None, headers: dict[str, str] | None = None):
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
            self.wfile.write(body)

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        s = self.state
        if s.auth == "bearer":
            return header == f"Bearer {BEARER}"
        if s.auth == "basic":
            expected = base64.b64encode(f"{BASIC[0]}:{BASIC[1]}".encode()).decode()
            return header == f"Basic {expected}"
        return header.startswith("Bearer ") and header[7:] in s.tokens

    def _token(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        header = self.headers.get("Authorization", "")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        by_body = form.get("client_id") == [CLIENT_ID] and form.get("client_secret") == [
            CLIENT_SECRET
        ]
        if form.get("grant_type") != ["client_credentials"] or not (
            header == f"Basic {expected}" or by_body
        ):
            self._send(401, {"error": "invalid_client"})
            return
        with self.state.lock:
            self.state.issued += 1
            token = f"token-{self.state.issued}"
            self.state.tokens.add(token)
        self._send(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600})

    def _handle(self, method: str) -> None:
        s = self.state
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with s.lock:
            s.calls.append((method, parts.path))
            s.times.append(time.monotonic())
            token = parts.path == "/oauth/token" and method == "POST"
            fault = s.faults.pop(0) if s.faults and not token else None
        if token:
            self._token()
            return
        if s.delay:
            time.sleep(s.delay)
        if fault is not None:
            self._send(fault[0], {"error": "injected"}, fault[1])
            return
        if not self._authorised():
            self._send(401, {"error": "unauthorised"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        if body is not None:
            s.bodies.append(body)
        segments = [p for p in parts.path.split("/") if p]
        if method == "GET" and parts.path == "/health":
            self._send(200, {"ok": True})
        elif method == "GET" and segments[:2] == ["api", "contacts"] and len(segments) == 2:
            self._list(query)
        elif method == "POST" and parts.path == "/api/erasure-requests":
            gone = [i for i, c in s.contacts.items() if c["email"] == (body or {}).get("email")]
            for i in gone:
                del s.contacts[i]
            self._send(202 if gone else 404, {"erased": len(gone)})
        elif segments[:2] == ["api", "contacts"] and len(segments) >= 3:
            self._one(method, int(segments[2]), segments[3:], body)
        else:
            self._send(404, {"error": "no such route"})

    def _list(self, query: dict[str, str]) -> None:
        matching = [
            c for _, c in sorted(self.state.contacts.items())
            if c["email"].lower() == query.get("email", "").lower()
        ]  # fmt: skip
        style = query.get("style", "cursor")
        if style == "page":
            page = int(query.get("page", "1"))
            self._send(200, {"items": matching[(page - 1) * PAGE : page * PAGE]})
            return
        start = int(query.get("cursor", "0"))
        chunk, nxt = matching[start : start + PAGE], start + PAGE
        more = nxt < len(matching)
        if style == "link":
            link = f"/api/contacts?style=link&email={query['email']}&cursor={nxt}"
            self._send(200, {"results": chunk, "links": {"next": link if more else None}})
            return
        self._send(200, {"data": {"items": chunk}, "meta": {"next": str(nxt) if more else None}})

    def _one(self, method: str, ident: int, rest: list[str], body: Any) -> None:
        contact = self.state.contacts.get(ident)
        if contact is None:
            self._send(404, {"error": "no such contact"})
        elif method == "DELETE" and not rest:
            del self.state.contacts[ident]
            self._send(204)
        elif method == "PATCH" and not rest:
            contact.update(body or {})
            self._send(200, contact)
        elif method == "POST" and rest == ["restriction"]:
            contact["restricted"] = body["restricted"]
            self._send(200, contact)
        elif method == "PUT" and len(rest) == 2 and rest[0] == "consents":
            contact.setdefault("consents", {})[rest[1]] = body["state"]
            self._send(200, contact)
        else:
            self._send(405, {"error": "method not allowed"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")


@contextmanager
def fake_api() -> Iterator[tuple[str, ApiState]]:
    state = ApiState()
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
