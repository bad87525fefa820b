"""The HTTP side of an API connector (``kind: http``): authentication, rate limit,
time limits, answers that mean "wait" or "log in again", pages.

* **Authentication**: ``bearer`` (token from an environment variable), ``basic`` (user
  and ``password_env``), ``oauth2`` client credentials (RFC 6749 §4.4): the token is
  fetched from ``token_url``, cached until shortly before ``expires_in`` runs out, and
  fetched once more when the API answers 401.
* **Rate limit**: at most ``rate_limit`` requests per second (spaced evenly); a 429 is
  waited out for its ``Retry-After`` (seconds or an HTTP date, at most
  ``max_retry_after``), up to three times.
* **Errors** become ``SystemUnavailable`` naming the system, the operation and the
  reason (the HTTP status, a time-out, a refused connection) — never a URL, a body or an
  identifier: paths and bodies carry identifiers.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from sphere.connectors.definition import HttpAuthKind, HttpDefinition, Pagination, PaginationKind
from sphere.errors import SystemUnavailable

MAX_429_WAITS = 3
TOKEN_MARGIN = 30  # seconds before expiry a cached OAuth2 token is fetched anew


def dotted(data: Any, path: str | None) -> Any:
    """``data`` at the dotted ``path`` (``data.items``); None when a step is missing."""
    if not path:
        return data
    for step in path.split("."):
        if isinstance(data, dict):
            data = data.get(step)
        elif isinstance(data, list) and step.isdigit() and int(step) < len(data):
            data = data[int(step)]
        else:
            return None
    return data


def _retry_after(value: str | None) -> float:
    if not value:
        return 1.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return 1.0


class HttpClient:
    """One system's HTTP client (a connection pool), its token and its rate limiter."""

    def __init__(self, definition: HttpDefinition) -> None:
        self.definition = definition
        self._client: httpx.Client | None = None
        self._token: tuple[str, float] | None = None  # (access token, monotonic expiry)
        self._lock = threading.Lock()
        self._next_slot = 0.0

    @property
    def system(self) -> str:
        return self.definition.system

    def _fail(self, operation: str, reason: str) -> SystemUnavailable:
        return SystemUnavailable(self.system, f"{operation}: {reason}")

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.definition.timeout),
                follow_redirects=False,
                headers={"User-Agent": "Sphere-Connector/1", "Accept": "application/json"},
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- secrets and tokens ------------------------------------------------------------
    def _env(self, name: str | None, operation: str) -> str:
        value = os.environ.get(name or "")
        if not value:
            raise self._fail(operation, f"environment variable {name} is not set")
        return value

    def _auth_headers(self, operation: str) -> dict[str, str]:
        auth = self.definition.auth
        if auth is None:
            return {}
        if auth.kind is HttpAuthKind.BEARER:
            return {"Authorization": f"Bearer {self._env(auth.token_env, operation)}"}
        if auth.kind is HttpAuthKind.BASIC:
            basic = httpx.BasicAuth(auth.user or "", self._env(auth.password_env, operation))
            request = next(basic.auth_flow(httpx.Request("GET", "http://x/")))
            return {"Authorization": request.headers["Authorization"]}
        return {"Authorization": f"Bearer {self._oauth_token(operation)}"}

    def _oauth_token(self, operation: str) -> str:
        with self._lock:
            if self._token is not None and time.monotonic() < self._token[1]:
                return self._token[0]
        auth = self.definition.auth
        assert auth is not None and auth.token_url is not None
        secret = self._env(auth.client_secret_env, operation)
        form = {"grant_type": "client_credentials"}
        if auth.scope:
            form["scope"] = auth.scope
        basic: httpx.BasicAuth | None = None
        if auth.client_auth == "body":
            form |= {"client_id": auth.client_id or "", "client_secret": secret}
        else:
            basic = httpx.BasicAuth(auth.client_id or "", secret)
        self._pace()
        try:
            response = self.client.post(
                auth.token_url, data=form, auth=basic or httpx.USE_CLIENT_DEFAULT
            )
        except httpx.TimeoutException:
            raise self._fail(operation, "the token endpoint timed out") from None
        except httpx.HTTPError as exc:
            raise self._fail(
                operation, f"token endpoint: {type(exc).__name__} (cannot reach it)"
            ) from None
        if response.status_code != 200:
            raise self._fail(operation, f"the token endpoint answered HTTP {response.status_code}")
        try:
            payload = response.json()
            token = str(payload["access_token"])
            lifetime = float(payload.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError):
            raise self._fail(
                operation, "the token endpoint's answer holds no access_token"
            ) from None
        with self._lock:
            self._token = (token, time.monotonic() + max(lifetime - TOKEN_MARGIN, 1.0))
        return token

    # -- requests ----------------------------------------------------------------------
    def _pace(self) -> None:
        """Wait for the next slot of the rate limit (requests spaced evenly)."""
        rate = self.definition.rate_limit
        if not rate:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(self._next_slot, now)
            self._next_slot = slot + 1.0 / rate
        if slot > now:
            time.sleep(slot - now)

    def request(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        missing_ok: bool = False,
    ) -> httpx.Response | None:
        """Send one request; the response (2xx), None for a 404 when ``missing_ok``,
        else ``SystemUnavailable``. Waits out 429s, logs in again once on a 401."""
        waits = 0
        relogged = False
        while True:
            headers = self._auth_headers(operation)  # may fetch a token: paced itself
            self._pace()
            try:
                response = self.client.request(
                    method, url, params=params or None, json=json, headers=headers
                )
            except httpx.TimeoutException:
                raise self._fail(
                    operation, f"timed out after {self.definition.timeout:g} s"
                ) from None
            except httpx.HTTPError as exc:
                raise self._fail(
                    operation, f"{type(exc).__name__} (cannot reach the API)"
                ) from None
            status = response.status_code
            if status == 429 and waits < MAX_429_WAITS:
                delay = _retry_after(response.headers.get("Retry-After"))
                if delay > self.definition.max_retry_after:
                    raise self._fail(
                        operation, f"rate limited (HTTP 429), Retry-After {delay:.0f} s is too long"
                    )
                waits += 1
                time.sleep(delay)
                continue
            auth = self.definition.auth
            oauth = auth is not None and auth.kind is HttpAuthKind.OAUTH2
            if status == 401 and oauth and not relogged:  # the token may have been revoked
                relogged = True
                with self._lock:
                    self._token = None
                continue
            if status == 404 and missing_ok:
                return None
            if 200 <= status < 300:
                return response
            raise self._fail(operation, _status_reason(status))

    def pages(
        self,
        operation: str,
        url: str,
        params: dict[str, str],
        rows_path: str | None,
        pagination: Pagination | None,
    ) -> Iterator[list[Any]]:
        """Each page's rows, following the pagination (at most ``max_pages`` pages)."""
        page_number = 1
        if pagination is not None and pagination.kind is PaginationKind.PAGE:
            params = {**params, pagination.param: "1"}
            if pagination.size_param and pagination.size:
                params[pagination.size_param] = str(pagination.size)
        current: str | None = url
        for _ in range(pagination.max_pages if pagination else 1):
            assert current is not None
            response = self.request(operation, "GET", current, params=params, missing_ok=True)
            if response is None:
                return
            try:
                payload = response.json()
            except ValueError:
                raise self._fail(operation, "the API answered no JSON") from None
            rows = dotted(payload, rows_path)
            if rows is None:
                rows = []
            if isinstance(rows, dict):
                rows = [rows]
            if not isinstance(rows, list):
                raise self._fail(operation, f"'{rows_path}' in the answer is no list")
            yield rows
            if pagination is None or not rows:
                return
            if pagination.kind is PaginationKind.PAGE:
                page_number += 1
                params = {**params, pagination.param: str(page_number)}
                if pagination.size and len(rows) < pagination.size:
                    return
                continue
            following = dotted(payload, pagination.next)
            if not following:
                return
            if pagination.kind is PaginationKind.CURSOR:
                params = {**params, pagination.param: str(following)}
            else:  # next_link: the URL as given (relative to the page's), same origin only
                current, params = urljoin(str(response.url), str(following)), {}
                if _origin(current) != _origin(self.definition.base_url):
                    raise self._fail(operation, "the next page's link leaves the API's host")
        raise self._fail(operation, f"more than {pagination.max_pages} pages; stopped")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _status_reason(status: int) -> str:
    if status == 401:
        return "authentication refused (HTTP 401)"
    if status == 403:
        return "permission denied (HTTP 403)"
    if status == 429:
        return "rate limited (HTTP 429) after waiting three times"
    if status >= 500:
        return f"the API failed (HTTP {status})"
    return f"the API refused the request (HTTP {status})"
