"""Read a ``kind: http`` connector definition (``loader`` hands it over), each problem at
its file:line:column: the base URL, authentication (no secret in the file), time-out,
rate limit, the fields of the rows, and one endpoint per operation whose templates
name only what that operation has (``http_system``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ruamel.yaml.comments import CommentedMap

from sphere.connectors.definition import (
    Endpoint,
    FieldCategory,
    HttpAuth,
    HttpAuthKind,
    HttpDefinition,
    HttpField,
    Pagination,
    PaginationKind,
    TemplateValue,
)
from sphere.connectors.http_system import PLACEHOLDER, placeholders
from sphere.domain.legal import Purpose
from sphere.domain.systems import (
    ACCESS,
    ERASURE,
    IDENTITY_KINDS,
    PREFERENCE,
    PREFERENCE_STATES,
    RECTIFICATION,
    RESTRICTION,
    RetryPolicy,
)
from sphere.policy.yaml_places import type_name

if TYPE_CHECKING:
    from sphere.connectors.loader import _Reader

TOP_KEYS = ("system", "name", "description", "kind", "http", "fields", "endpoints", "retry")
_HTTP_KEYS = ("base_url", "auth", "timeout", "rate_limit", "max_retry_after", "resource")
_AUTH_KEYS = {
    HttpAuthKind.BEARER: ("type", "token_env"),
    HttpAuthKind.BASIC: ("type", "user", "password_env"),
    HttpAuthKind.OAUTH2: (
        "type",
        "token_url",
        "client_id",
        "client_secret_env",
        "scope",
        "client_auth",
    ),
}
PURPOSES = tuple(p.value for p in Purpose)  # what the ledger records consents for
_ENDPOINT_KEYS = ("method", "path", "query", "body", "rows", "pagination", "purposes", "states")
_PAGINATION_KEYS = ("type", "next", "param", "size_param", "size", "max_pages")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_OPERATION_VALUES = {
    ACCESS: (),
    ERASURE: (),
    RECTIFICATION: ("change.",),
    RESTRICTION: ("restricted",),
    PREFERENCE: ("purpose", "state"),
    "health": (),
}
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
_DOTTED = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def read_http(
    reader: _Reader, data: CommentedMap, system: str, name: str, description: str
) -> HttpDefinition:
    top = (data.lc.line + 1, data.lc.col + 1)
    reader.known_keys(data, TOP_KEYS, "the connector")
    for key in ("http", "endpoints"):
        reader.required(data, key, "the connector", top)
    node = reader.mapping(data, "http", "the connector")
    reader.known_keys(node, _HTTP_KEYS, "http")
    at = reader.key_at(data, "http")
    reader.required(node, "base_url", "http", at)
    base_url = reader.text(node, "base_url", "http", _URL, "must be an http:// or https:// URL")
    auth = _auth(reader, node) if "auth" in node else None
    if auth is not None:
        _over_tls(reader, node, "base_url", base_url)
    timeout = reader.integer(node, "timeout", "http", low=1, high=300) if "timeout" in node else 10
    rate = _number(reader, node, "rate_limit", "http") if "rate_limit" in node else None
    max_wait = (
        reader.integer(node, "max_retry_after", "http", low=0, high=3600)
        if "max_retry_after" in node
        else 60
    )
    resource = reader.text(node, "resource", "http") if "resource" in node else "records"
    fields = _fields(reader, data) if "fields" in data else ()
    declared = {f.name for f in fields}
    endpoints_node = reader.mapping(data, "endpoints", "the connector")
    endpoints = []
    for operation in endpoints_node:
        place = reader.key_at(endpoints_node, operation)
        if operation not in _OPERATION_VALUES:
            reader.fail(
                f"endpoints: unknown operation {operation!r} "
                f"(one of: {', '.join(_OPERATION_VALUES)})",
                place,
            )
        endpoints.append(_endpoint(reader, endpoints_node, operation, declared))
    by_operation = {e.operation: e for e in endpoints}
    if not endpoints:
        reader.fail("endpoints: declare at least one operation", reader.key_at(data, "endpoints"))
    for endpoint in endpoints:
        if endpoint.per_row and ACCESS not in by_operation:
            reader.fail(
                f"endpoints: {endpoint.operation} names {{row.…}}, so it needs an 'access' "
                "endpoint to find the rows",
                endpoint.at,
            )
    if ACCESS in by_operation and not fields:
        reader.fail(
            "an access endpoint needs 'fields': the row keys exported, each with its category",
            reader.key_at(endpoints_node, ACCESS),
        )
    return HttpDefinition(
        system=system,
        name=name,
        base_url=base_url,
        auth=auth,
        endpoints=tuple(endpoints),
        fields=fields,
        source=reader.source,
        resource=resource,
        timeout=float(timeout),
        rate_limit=rate,
        max_retry_after=max_wait,
        description=description,
        retry=reader.retry(data) if "retry" in data else RetryPolicy(),
    )


def _over_tls(reader: _Reader, node: CommentedMap, key: str, url: str) -> None:
    """Credentials never go in clear text, but to a test service on loopback."""
    parts = urlsplit(url)
    if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "::1", "localhost"):
        reader.fail(
            f"http: credentials go only over https:// ({key}; plain http:// only to "
            "127.0.0.1, ::1 or localhost)",
            reader.value_at(node, key),
        )


def _number(reader: _Reader, node: CommentedMap, key: str, owner: str) -> float:
    value = node[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1000:
        reader.fail(
            f"{owner}: '{key}' must be a number of requests per second (0 < n <= 1000), "
            f"not {type_name(value) if not isinstance(value, (int, float)) else value}",
            reader.value_at(node, key),
        )
    return float(value)


def _env(reader: _Reader, node: CommentedMap, key: str, owner: str) -> str:
    return reader.text(node, key, owner, _ENV, "must name an environment variable (A-Z, 0-9, '_')")


def _auth(reader: _Reader, parent: CommentedMap) -> HttpAuth:
    node = reader.mapping(parent, "auth", "http")
    at = reader.key_at(parent, "auth")
    owner = "http: auth"
    reader.required(node, "type", owner, at)
    kind = reader.enum(HttpAuthKind, node, "type", owner)
    reader.known_keys(node, _AUTH_KEYS[kind], f"{owner} ({kind})")
    for key in _AUTH_KEYS[kind][1:]:
        if key not in ("scope", "client_auth"):
            reader.required(node, key, f"{owner} ({kind})", at)
    if kind is HttpAuthKind.BEARER:
        return HttpAuth(kind, at, token_env=_env(reader, node, "token_env", owner))
    if kind is HttpAuthKind.BASIC:
        return HttpAuth(
            kind,
            at,
            user=reader.text(node, "user", owner),
            password_env=_env(reader, node, "password_env", owner),
        )
    client_auth = "basic"
    if "client_auth" in node:
        client_auth = reader.text(node, "client_auth", owner)
        if client_auth not in ("basic", "body"):
            reader.fail(
                f"{owner}: client_auth must be 'basic' or 'body'",
                reader.value_at(node, "client_auth"),
            )
    token_url = reader.text(node, "token_url", owner, _URL, "must be an http(s) URL")
    _over_tls(reader, node, "token_url", token_url)
    return HttpAuth(
        kind,
        at,
        token_url=token_url,
        client_id=reader.text(node, "client_id", owner),
        client_secret_env=_env(reader, node, "client_secret_env", owner),
        scope=reader.text(node, "scope", owner) if "scope" in node else None,
        client_auth=client_auth,
    )


def _fields(reader: _Reader, data: CommentedMap) -> tuple[HttpField, ...]:
    node = reader.mapping(data, "fields", "the connector")
    result = []
    for key in node:
        at = reader.key_at(node, key)
        if not isinstance(key, str) or not _DOTTED.match(key):
            reader.fail(f"field name {key!r} must be a key of the rows (dotted for nesting)", at)
        owner = f"field '{key}'"
        body = node[key]
        if not isinstance(body, CommentedMap):
            reader.fail(f"{owner} must be a mapping with 'category', not {type_name(body)}", at)
        reader.known_keys(body, ("category",), owner)
        reader.required(body, "category", owner, at)
        result.append(HttpField(key, reader.enum(FieldCategory, body, "category", owner), at))
    return tuple(result)


def _template_ok(
    reader: _Reader,
    node: CommentedMap,
    key: str | int,
    template: str,
    operation: str,
    declared: set[str],
) -> None:
    allowed = _OPERATION_VALUES[operation]
    for name in placeholders(template):
        if name in IDENTITY_KINDS and operation != "health":
            continue
        if name.startswith("row.") and operation not in (ACCESS, "health"):
            if name[4:] not in declared:
                reader.fail(
                    f"endpoints.{operation}: {{{name}}} names no declared field "
                    f"(fields: {', '.join(sorted(declared)) or 'none'})",
                    reader.value_at(node, key),
                )
            continue
        if any(name == a or (a.endswith(".") and name.startswith(a)) for a in allowed):
            continue
        reader.fail(
            f"endpoints.{operation}: unknown placeholder {{{name}}} (this operation has: "
            f"{', '.join(['identity kinds', *allowed]) if operation != 'health' else 'none'})",
            reader.value_at(node, key),
        )
    if "{" in PLACEHOLDER.sub("", template):
        reader.fail(
            f"endpoints.{operation}: a '{{' that opens no placeholder", reader.value_at(node, key)
        )


def _endpoint(
    reader: _Reader, parent: CommentedMap, operation: str, declared: set[str]
) -> Endpoint:
    owner = f"endpoints.{operation}"
    node = reader.mapping(parent, operation, owner)
    at = reader.key_at(parent, operation)
    reader.known_keys(node, _ENDPOINT_KEYS, owner)
    for key in ("method", "path"):
        reader.required(node, key, owner, at)
    method = reader.text(node, "method", owner).upper()
    if method not in _METHODS:
        reader.fail(
            f"{owner}: method must be one of {', '.join(_METHODS)}", reader.value_at(node, "method")
        )
    if operation in (ACCESS, "health") and method != "GET":
        reader.fail(f"{owner}: reads with GET", reader.value_at(node, "method"))
    path = reader.text(node, "path", owner)
    _template_ok(reader, node, "path", path, operation, declared)
    query: list[tuple[str, str]] = []
    if "query" in node:
        q = reader.mapping(node, "query", owner)
        for key in q:
            if not isinstance(q[key], (str, int)) or isinstance(q[key], bool):
                reader.fail(f"{owner}: query '{key}' must be a string", reader.value_at(q, key))
            _template_ok(reader, q, key, str(q[key]), operation, declared)
            query.append((str(key), str(q[key])))
    body: list[tuple[str, TemplateValue]] | None = None
    if "body" in node:
        if method in ("GET", "DELETE"):
            reader.fail(f"{owner}: a {method} request carries no body", reader.key_at(node, "body"))
        b = reader.mapping(node, "body", owner)
        body = []
        for key in b:
            value = b[key]
            if isinstance(value, str):
                _template_ok(reader, b, key, value, operation, declared)
            elif value is not None and not isinstance(value, (bool, int, float)):
                reader.fail(
                    f"{owner}: body '{key}' must be a template string or a plain value, "
                    f"not {type_name(value)}",
                    reader.value_at(b, key),
                )
            body.append((str(key), value))
    rows = None
    if "rows" in node:
        if operation != ACCESS:
            reader.fail(
                f"{owner}: 'rows' belongs to the access endpoint", reader.key_at(node, "rows")
            )
        rows = reader.text(node, "rows", owner, _DOTTED, "must be a dotted path such as data.items")
    pagination = _pagination(reader, node, owner) if "pagination" in node else None
    if pagination is not None and operation != ACCESS:
        reader.fail(
            f"{owner}: only the access endpoint is paged", reader.key_at(node, "pagination")
        )
    purposes = states = None
    for key in ("purposes", "states"):
        if key in node and operation != PREFERENCE:
            reader.fail(
                f"{owner}: '{key}' belongs to the preference endpoint", reader.key_at(node, key)
            )
    if "purposes" in node:
        purposes = _names(reader, node, "purposes", owner, PURPOSES)
    if "states" in node:
        states = _names(reader, node, "states", owner, PREFERENCE_STATES)
    endpoint = Endpoint(
        operation=operation,
        method=method,
        path=path,
        at=at,
        query=tuple(query),
        body=None if body is None else tuple(body),
        rows=rows,
        pagination=pagination,
        purposes=purposes,
        states=states or (),
    )
    kinds = {p for t in endpoint.templates for p in placeholders(t) if p in IDENTITY_KINDS}
    if operation == ACCESS and len(kinds) != 1:
        reader.fail(
            f"{owner}: name exactly one identity kind to look the person up by "
            f'(one of: {", ".join(IDENTITY_KINDS)}), e.g. query: {{email: "{{email}}"}}',
            at,
        )
    if operation not in (ACCESS, "health"):
        if endpoint.per_row and kinds:
            reader.fail(
                f"{owner}: name either {{row.…}} (one call per row found) or an identity "
                "kind (one call per identifier), not both",
                at,
            )
        if not endpoint.per_row and len(kinds) != 1:
            reader.fail(
                f"{owner}: name {{row.<field>}} of the rows found, or exactly one identity "
                "kind, to say whom the call is about",
                at,
            )
    return endpoint


def _names(
    reader: _Reader, parent: CommentedMap, key: str, owner: str, allowed: tuple[str, ...] | None
) -> tuple[tuple[str, str], ...]:
    """A mapping of Sphere's names to the API's (``purposes``, ``states``)."""
    node = reader.mapping(parent, key, owner)
    result = []
    for name in node:
        value = node[name]
        if allowed is not None and name not in allowed:
            reader.fail(
                f"{owner}: {key}: unknown {key[:-1]} {name!r} (one of: {', '.join(allowed)})",
                reader.key_at(node, name),
            )
        if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
            reader.fail(
                f"{owner}: {key}: '{name}' must name the API's value, not {type_name(value)}",
                reader.value_at(node, name),
            )
        result.append((str(name), str(value)))
    if not result:
        reader.fail(f"{owner}: '{key}' is empty", reader.key_at(parent, key))
    return tuple(result)


def _pagination(reader: _Reader, parent: CommentedMap, owner: str) -> Pagination:
    node = reader.mapping(parent, "pagination", owner)
    at = reader.key_at(parent, "pagination")
    owner = f"{owner}: pagination"
    reader.known_keys(node, _PAGINATION_KEYS, owner)
    reader.required(node, "type", owner, at)
    kind = reader.enum(PaginationKind, node, "type", owner)
    if kind is not PaginationKind.PAGE:
        reader.required(node, "next", f"{owner} ({kind})", at)
    nxt = (
        reader.text(node, "next", owner, _DOTTED, "must be a dotted path such as meta.next")
        if "next" in node
        else None
    )
    param = (
        reader.text(node, "param", owner)
        if "param" in node
        else ("page" if kind is PaginationKind.PAGE else "cursor")
    )
    size = reader.integer(node, "size", owner, low=1, high=10000) if "size" in node else None
    return Pagination(
        kind,
        at,
        next=nxt,
        param=param,
        size_param=reader.text(node, "size_param", owner) if "size_param" in node else None,
        size=size,
        max_pages=(
            reader.integer(node, "max_pages", owner, low=1, high=100000)
            if "max_pages" in node
            else 100
        ),
    )
