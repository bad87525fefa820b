"""A connected system reached through its HTTP API (``kind: http``).

Each operation is one declared endpoint (``HttpDefinition.endpoints``): a method, a path
template, query and body mappings. An endpoint that names ``{row.<field>}`` is called
once per row the ``access`` endpoint found (``DELETE /contacts/{row.id}``); one that
names an identity kind (``{email}``) once per identifier of that kind
(``POST /erasure-requests`` with ``{"email": "{email}"}``). A 404 of a write counts as
"nothing there" (idempotent: a second erasure finds nobody).

A dry run makes no write call: it does the access lookup and says how many rows each
operation would change (without an access endpoint: how many calls it would make).
An operation the definition has no endpoint for answers "not supported by this system".
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from sphere.connectors.definition import Endpoint, HttpDefinition, TemplateValue
from sphere.connectors.http_client import HttpClient, dotted
from sphere.domain.systems import (
    ACCESS,
    ERASURE,
    IDENTITY_KINDS,
    OPERATIONS,
    PREFERENCE,
    PREFERENCE_STATES,
    RECTIFICATION,
    RESTRICTION,
    SubjectIdentifiers,
    SystemChange,
    SystemHealth,
    SystemRows,
    TableChange,
)
from sphere.errors import InvalidInput, SystemUnavailable

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[A-Za-z0-9_.-]+)?)\}")
_MISSING = object()


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER.findall(template)


def identity_kinds(endpoint: Endpoint) -> set[str]:
    return {p for t in endpoint.templates for p in placeholders(t) if p in IDENTITY_KINDS}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _render(template: str, context: Mapping[str, Any], *, in_path: bool = False) -> Any:
    """The template filled in; a template that is one placeholder keeps the value's type
    (``{restricted}`` stays a JSON boolean). ``_MISSING`` if a placeholder has no value."""
    whole = PLACEHOLDER.fullmatch(template)
    if whole and not in_path:
        return context.get(whole.group(1), _MISSING)
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = context.get(match.group(1), _MISSING)
        if value is _MISSING:
            missing = True
            return ""
        return quote(_text(value), safe="") if in_path else _text(value)

    result = PLACEHOLDER.sub(fill, template)
    return _MISSING if missing else result


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


class HttpSystem:
    def __init__(self, definition: HttpDefinition) -> None:
        self.definition = definition
        self.http = HttpClient(definition)

    @property
    def system(self) -> str:
        return self.definition.system

    def dispose(self) -> None:
        self.http.close()

    def operations(self) -> tuple[str, ...]:
        return tuple(op for op in OPERATIONS if self.definition.endpoint(op) is not None)

    # -- calls -------------------------------------------------------------------------
    def _url(self, endpoint: Endpoint, context: Mapping[str, Any]) -> str | None:
        path = _render(endpoint.path, context, in_path=True)
        if path is _MISSING:
            return None
        return self.definition.base_url.rstrip("/") + "/" + str(path).lstrip("/")

    def _params(self, endpoint: Endpoint, context: Mapping[str, Any]) -> dict[str, str]:
        params = {}
        for key, template in endpoint.query:
            value = _render(template, context)
            if value is not _MISSING:
                params[key] = _text(value)
        return params

    def _body(self, endpoint: Endpoint, context: Mapping[str, Any]) -> dict[str, Any] | None:
        if endpoint.body is None:
            return None
        body: dict[str, Any] = {}
        for key, template in endpoint.body:
            value: TemplateValue | object = (
                _render(template, context) if isinstance(template, str) else template
            )
            if value is not _MISSING:
                body[key] = value
        return body

    def _contexts(
        self, endpoint: Endpoint, identifiers: SubjectIdentifiers
    ) -> list[dict[str, Any]]:
        """One context per call of a per-person endpoint: each identifier of its kind."""
        kinds = identity_kinds(endpoint)
        return [{kind: value} for kind in sorted(kinds) for value in identifiers.of(kind)]

    def _find(self, identifiers: SubjectIdentifiers) -> list[dict[str, Any]]:
        """The person's raw rows from the access endpoint, without duplicates."""
        endpoint = self.definition.endpoint(ACCESS)
        if endpoint is None:
            return []
        seen: dict[str, dict[str, Any]] = {}
        for context in self._contexts(endpoint, identifiers):
            url = self._url(endpoint, context)
            if url is None:
                continue
            for page in self.http.pages(
                ACCESS, url, self._params(endpoint, context), endpoint.rows, endpoint.pagination
            ):
                for row in page:
                    if isinstance(row, dict):
                        seen.setdefault(json.dumps(row, sort_keys=True, default=str), row)
        return list(seen.values())

    # -- access ------------------------------------------------------------------------
    def access(self, identifiers: SubjectIdentifiers) -> SystemRows:
        d = self.definition
        rows = self._find(identifiers) if not identifiers.is_empty else []
        tables: dict[str, list[dict[str, Any]]] = {}
        categories: dict[str, dict[str, str]] = {}
        if rows:
            tables[d.resource] = [
                {f.name: _json_value(dotted(row, f.name)) for f in d.fields} for row in rows
            ]
            categories[d.resource] = {f.name: f.category.value for f in d.fields}
        return SystemRows(d.system, d.name, tables, categories)

    # -- writes ------------------------------------------------------------------------
    def _run(
        self,
        operation: str,
        identifiers: SubjectIdentifiers,
        extra: Mapping[str, Any],
        *,
        dry_run: bool,
    ) -> int:
        """Call the operation's endpoint for the person; the number of rows (per-row
        endpoints) or calls (per-person) it changed — or, in a dry run, would change."""
        endpoint = self.definition.endpoint(operation)
        assert endpoint is not None
        if identifiers.is_empty:
            return 0
        if endpoint.per_row:
            contexts = [
                {**extra, **{f"row.{f.name}": dotted(row, f.name) for f in self.definition.fields}}
                for row in self._find(identifiers)
            ]
        else:
            contexts = [{**extra, **c} for c in self._contexts(endpoint, identifiers)]
            if dry_run and self.definition.endpoint(ACCESS) is not None:
                return len(self._find(identifiers))
        if dry_run:
            return len(contexts)
        changed = 0
        for context in contexts:
            url = self._url(endpoint, context)
            if url is None:
                raise SystemUnavailable(
                    self.system, f"{operation}: a value the path needs is missing in the row"
                )
            response = self.http.request(
                operation,
                endpoint.method,
                url,
                params=self._params(endpoint, context) or None,
                json=self._body(endpoint, context),
                missing_ok=True,
            )
            changed += response is not None
        return changed

    def _unsupported(self, operation: str, dry_run: bool) -> SystemChange | None:
        if self.definition.endpoint(operation) is None:
            return SystemChange.not_supported(
                self.system, operation, f"no {operation} endpoint declared", dry_run=dry_run
            )
        return None

    def erase(self, identifiers: SubjectIdentifiers, *, dry_run: bool = False) -> SystemChange:
        if (refused := self._unsupported(ERASURE, dry_run)) is not None:
            return refused
        n = self._run(ERASURE, identifiers, {}, dry_run=dry_run)
        table = TableChange(self.definition.resource, n, deleted=n)
        return SystemChange(self.system, (table,), dry_run=dry_run)

    def rectify(
        self, identifiers: SubjectIdentifiers, changes: Mapping[str, str], *, dry_run: bool = False
    ) -> SystemChange:
        if (refused := self._unsupported(RECTIFICATION, dry_run)) is not None:
            return refused
        endpoint = self.definition.endpoint(RECTIFICATION)
        assert endpoint is not None
        taken = {
            p.split(".", 1)[1]
            for t in endpoint.templates
            for p in placeholders(t)
            if p.startswith("change.")
        }
        used = [k for k in changes if k in taken]
        skipped = {k: "the API's rectification endpoint takes no such value" for k in changes}
        for key in used:
            del skipped[key]
        if not used:
            reason = "the rectification endpoint takes none of " + ", ".join(sorted(changes))
            return SystemChange.not_supported(self.system, RECTIFICATION, reason, dry_run=dry_run)
        extra = {f"change.{k}": changes[k] for k in used}
        n = self._run(RECTIFICATION, identifiers, extra, dry_run=dry_run)
        table = TableChange(
            self.definition.resource, n, updated=n, fields=dict.fromkeys(used, "rectified")
        )
        return SystemChange(
            self.system, (table,), dry_run=dry_run, operation=RECTIFICATION, skipped=skipped
        )

    def restrict(
        self, identifiers: SubjectIdentifiers, *, restricted: bool, dry_run: bool = False
    ) -> SystemChange:
        if (refused := self._unsupported(RESTRICTION, dry_run)) is not None:
            return refused
        n = self._run(RESTRICTION, identifiers, {"restricted": restricted}, dry_run=dry_run)
        action = "restricted" if restricted else "unrestricted"
        table = TableChange(self.definition.resource, n, updated=n, fields={"restriction": action})
        return SystemChange(self.system, (table,), dry_run=dry_run, operation=RESTRICTION)

    def preference(
        self, identifiers: SubjectIdentifiers, *, purpose: str, state: str, dry_run: bool = False
    ) -> SystemChange:
        if state not in PREFERENCE_STATES:
            raise InvalidInput(
                f"unknown preference state {state!r} ({', '.join(PREFERENCE_STATES)})"
            )
        if (refused := self._unsupported(PREFERENCE, dry_run)) is not None:
            return refused
        endpoint = self.definition.endpoint(PREFERENCE)
        assert endpoint is not None
        named = purpose
        if endpoint.purposes is not None:
            if purpose not in dict(endpoint.purposes):
                return SystemChange.not_supported(
                    self.system,
                    PREFERENCE,
                    f"the preference endpoint names no purpose '{purpose}'",
                    dry_run=dry_run,
                )
            named = dict(endpoint.purposes)[purpose]
        states = dict(endpoint.states)
        if states and state not in states and state == "objected":
            state_named = states.get("withdrawn")
        else:
            state_named = states.get(state, None if states else state)
        if state_named is None:
            return SystemChange.not_supported(
                self.system,
                PREFERENCE,
                f"the preference endpoint names no state '{state}'",
                dry_run=dry_run,
            )
        extra = {"purpose": named, "state": state_named}
        n = self._run(PREFERENCE, identifiers, extra, dry_run=dry_run)
        table = TableChange(self.definition.resource, n, updated=n, fields={purpose: state})
        return SystemChange(self.system, (table,), dry_run=dry_run, operation=PREFERENCE)

    # -- health ------------------------------------------------------------------------
    def health(self) -> SystemHealth:
        d = self.definition
        endpoint = d.endpoint("health")
        started = time.monotonic()
        try:
            if endpoint is None:
                return SystemHealth(
                    d.system, d.name, "http", "ok", None, ("no health endpoint declared",)
                )
            url = self._url(endpoint, {})
            assert url is not None
            self.http.request("health", endpoint.method, url)
        except SystemUnavailable as exc:
            return SystemHealth(d.system, d.name, "http", "unavailable", None, (exc.reason,))
        latency = int((time.monotonic() - started) * 1000)
        return SystemHealth(d.system, d.name, "http", "ok", latency)
