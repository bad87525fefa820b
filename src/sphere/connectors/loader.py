"""Read connector definitions (YAML) with file:line:column errors, as ``policy.loader`` does.

ruamel.yaml's round-trip loader keeps the position of every key and value; every
problem raises ``ConnectorError`` naming the file, the 1-based line and column and the
system. The graph over the references (``graph.check``) is checked here too, so a
definition that loads is one whose traversal is defined: every table reachable from an
identity, no cycle, no reference to an undeclared field, deletes that the foreign keys
allow. What only the live database can tell (tables, columns, nullability, types) is
``sql.check_schema``.

Files: one per system, ``*.yaml`` in the connectors directory (``SPHERE_HOME/connectors``
beside ``company.yaml``; setting ``connectors_dir``). Example and semantics:
docs/connectors.md.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import NoReturn, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sphere.connectors.definition import (
    DELETE_ROW,
    Connection,
    ConnectorDefinition,
    ConnectorKind,
    Dialect,
    FieldCategory,
    FieldErasure,
    FieldSpec,
    FlagValue,
    HttpDefinition,
    ManualDefinition,
    Place,
    PreferenceSpec,
    Reference,
    RestrictionFlag,
    TableErasure,
    TableSpec,
    WebhookDefinition,
    WebhookEvent,
)
from sphere.connectors.graph import check_graph
from sphere.connectors.loader_http import PURPOSES, read_http
from sphere.connectors.loader_sync import read_sync
from sphere.connectors.manual import MANUAL_TOP_KEYS, read_manual
from sphere.domain.systems import IDENTITY_KINDS, PREFERENCE_STATES, RetryPolicy
from sphere.errors import ConnectorError
from sphere.policy import yaml_places
from sphere.policy.yaml_places import type_name

E = TypeVar("E", bound=StrEnum)
AnyDefinition = ConnectorDefinition | WebhookDefinition | HttpDefinition | ManualDefinition

_TOP_KEYS = ("system", "name", "description", "kind", "connection", "retry", "tables", "sync")
_WEBHOOK_TOP_KEYS = ("system", "name", "description", "kind", "webhook", "retry")
_WEBHOOK_KEYS = ("url", "secret_env", "secret_file", "events", "timeout")
_CONNECTION_KEYS = (
    "dialect",
    "host",
    "port",
    "database",
    "user",
    "password_env",
    "url_env",
    "connect_timeout",
    "lock_timeout",
)
_RETRY_KEYS = ("max_attempts", "backoff_seconds", "max_backoff_seconds")
_TABLE_KEYS = ("erasure", "fields", "restriction", "preferences")
_FIELD_KEYS = ("category", "erasure", "identity", "references", "reason", "rectify")
_RESTRICTION_KEYS = ("column", "value", "cleared")
_PREFERENCE_KEYS = ("column", *PREFERENCE_STATES)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_KEY_RULE = "must be a lower-case key: a-z first, then a-z, 0-9 or '_'"
_SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")  # a plain SQL identifier
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
_SLUG_RULE = "must be a slug: a-z first, then a-z, 0-9, '_' or '-', at most 40 characters"
_ENV_RULE = "must name an environment variable (A-Z, 0-9, '_')"


def load_connector(path: Path) -> AnyDefinition:
    """Read and check the definition at ``path``; raise ``ConnectorError`` at its place."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConnectorError("file not found", file=source) from None
    except UnicodeDecodeError as exc:
        raise ConnectorError(f"not UTF-8 text (byte {exc.start})", file=source) from None
    except OSError as exc:
        raise ConnectorError(f"cannot read file ({exc.strerror})", file=source) from None
    return load_connector_text(text, source=source)


def load_connector_text(text: str, *, source: str = "<connector>") -> AnyDefinition:
    definition = _Reader(source).definition(text)
    if isinstance(definition, ConnectorDefinition):
        check_graph(definition)
    return definition


def definition_files(directory: Path) -> list[Path]:
    """The definition files of a connectors directory, sorted (none if it is missing)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_directory(directory: Path) -> list[AnyDefinition]:
    """Every definition in ``directory``; two files naming the same system are an error."""
    definitions: list[AnyDefinition] = []
    for path in definition_files(directory):
        definition = load_connector(path)
        twin = next((d for d in definitions if d.system == definition.system), None)
        if twin is not None:
            raise ConnectorError(
                f"system '{definition.system}' is defined twice (also in {twin.source})",
                system=definition.system,
                file=definition.source,
            )
        if isinstance(definition, ConnectorDefinition) and definition.sync is not None:
            other = next(
                (d for d in definitions if isinstance(d, ConnectorDefinition) and d.sync), None
            )
            if other is not None:
                raise ConnectorError(
                    f"only one system can be the CRM sync target ('sync:'); "
                    f"'{other.system}' is already ({other.source})",
                    system=definition.system,
                    file=definition.source,
                    line=definition.sync.at[0],
                    column=definition.sync.at[1],
                )
        definitions.append(definition)
    return definitions


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.system: str | None = None

    def fail(self, message: str, at: Place | None) -> NoReturn:
        line, column = at if at is not None else (None, None)
        raise ConnectorError(
            message, system=self.system, file=self.source, line=line, column=column
        )

    key_at = staticmethod(yaml_places.key_at)

    value_at = staticmethod(yaml_places.value_at)

    def mapping(self, parent: CommentedMap, key: str, owner: str) -> CommentedMap:
        value = parent[key]
        if not isinstance(value, CommentedMap):
            self.fail(
                f"{owner}: '{key}' must be a mapping, not {type_name(value)}",
                self.value_at(parent, key),
            )
        return value

    def known_keys(self, node: CommentedMap, allowed: tuple[str, ...], owner: str) -> None:
        for key in node:
            if key not in allowed:
                hint = " (secrets go in an environment variable: password_env)" * (
                    key == "password"
                )
                self.fail(
                    f"{owner}: unknown field '{key}' (expected one of: {', '.join(allowed)})"
                    + hint,
                    self.key_at(node, key),
                )

    def required(self, node: CommentedMap, key: str, owner: str, at: Place) -> None:
        if key not in node:
            self.fail(f"{owner} is missing '{key}'", at)

    def text(
        self,
        node: CommentedMap,
        key: str,
        owner: str,
        pattern: re.Pattern[str] | None = None,
        what: str = "",
    ) -> str:
        value = node[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(
                f"{owner}: '{key}' must be a non-empty string, not {type_name(value)}",
                self.value_at(node, key),
            )
        if pattern is not None and not pattern.match(value):
            self.fail(f"{owner}: '{key}' {what}", self.value_at(node, key))
        return value.strip()

    def integer(self, node: CommentedMap, key: str, owner: str, *, low: int, high: int) -> int:
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(
                f"{owner}: '{key}' must be an integer, not {type_name(value)}",
                self.value_at(node, key),
            )
        if not low <= value <= high:
            self.fail(f"{owner}: '{key}' must be {low}..{high}", self.value_at(node, key))
        return int(value)

    def enum(self, enum: type[E], node: CommentedMap, key: str, owner: str) -> E:
        value = node[key]
        try:
            return enum(value)
        except ValueError:
            choices = ", ".join(m.value for m in enum)
            self.fail(
                f"{owner}: unknown {key} '{value}' (one of: {choices})", self.value_at(node, key)
            )

    # -- sections --------------------------------------------------------------------
    def definition(self, text: str) -> AnyDefinition:
        if not text.strip():
            self.fail("the connector file is empty", (1, 1))
        try:
            data = YAML(typ="rt").load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = (exc.problem or exc.context or "syntax error").strip()
            self.fail(
                f"not valid YAML: {problem}",
                (mark.line + 1, mark.column + 1) if mark is not None else None,
            )
        except YAMLError as exc:
            self.fail(f"not valid YAML: {type(exc).__name__}", None)
        if not isinstance(data, CommentedMap):
            self.fail(
                f"a connector must be a mapping with keys {', '.join(_TOP_KEYS)}, "
                f"not {type_name(data)}",
                (1, 1),
            )
        top = (data.lc.line + 1, data.lc.col + 1)
        self.required(data, "system", "the connector", top)
        system = self.text(data, "system", "the connector", _SLUG, _SLUG_RULE)
        self.system = system
        self.required(data, "kind", "the connector", top)
        kind = self.enum(ConnectorKind, data, "kind", "the connector")
        name = self.text(data, "name", "the connector") if "name" in data else system
        description = (
            self.text(data, "description", "the connector") if "description" in data else ""
        )
        if kind is ConnectorKind.MANUAL:
            self.known_keys(data, MANUAL_TOP_KEYS, "the connector")
            self.required(data, "manual", "the connector", top)
            retry = self.retry(data) if "retry" in data else RetryPolicy()
            return read_manual(self, data, system, name, description, retry)
        if kind is ConnectorKind.WEBHOOK:
            self.known_keys(data, _WEBHOOK_TOP_KEYS, "the connector")
            self.required(data, "webhook", "the connector", top)
            return self.webhook(data, system, name, description)
        if kind is ConnectorKind.HTTP:
            return read_http(self, data, system, name, description)
        self.known_keys(data, _TOP_KEYS, "the connector")
        for key in ("connection", "tables"):
            self.required(data, key, "the connector", top)
        connection = self.connection(data)
        retry = self.retry(data) if "retry" in data else RetryPolicy()
        tables = self.tables(data)
        return ConnectorDefinition(
            system=system,
            name=name,
            kind=kind,
            connection=connection,
            tables=tables,
            source=self.source,
            description=description,
            retry=retry,
            sync=read_sync(self, data) if "sync" in data else None,
        )

    def webhook(
        self, data: CommentedMap, system: str, name: str, description: str
    ) -> WebhookDefinition:
        node = self.mapping(data, "webhook", "the connector")
        owner = "webhook"
        self.known_keys(node, _WEBHOOK_KEYS, owner)
        at = self.key_at(data, "webhook")
        self.required(node, "url", owner, at)
        url = self.text(node, "url", owner, _URL, "must be an http:// or https:// URL")
        secret_env = secret_file = None
        if "secret_env" in node:
            secret_env = self.text(node, "secret_env", owner, _ENV, _ENV_RULE)
        if "secret_file" in node:
            secret_file = self.text(node, "secret_file", owner)
        if (secret_env is None) == (secret_file is None):
            self.fail(f"{owner}: give the secret as secret_env or secret_file (one of them)", at)
        self.required(node, "events", owner, at)
        raw = node["events"]
        if not isinstance(raw, list) or not raw:
            self.fail(
                f"{owner}: events must be a list, e.g. [erasure]", self.value_at(node, "events")
            )
        events: list[WebhookEvent] = []
        for item in raw:
            try:
                events.append(WebhookEvent(str(item)))
            except ValueError:
                choices = ", ".join(e.value for e in WebhookEvent)
                self.fail(
                    f"{owner}: unknown event {item!r}; choose from {choices}",
                    self.value_at(node, "events"),
                )
        timeout = self.integer(node, "timeout", owner, low=1, high=60) if "timeout" in node else 10
        return WebhookDefinition(
            system=system,
            name=name,
            url=url,
            secret_env=secret_env,
            secret_file=secret_file,
            events=tuple(dict.fromkeys(events)),
            timeout=timeout,
            source=self.source,
            description=description,
            retry=self.retry(data) if "retry" in data else RetryPolicy(),
        )

    def connection(self, data: CommentedMap) -> Connection:
        node = self.mapping(data, "connection", "the connector")
        owner = "connection"
        self.known_keys(node, _CONNECTION_KEYS, owner)
        at = self.key_at(data, "connection")
        self.required(node, "dialect", owner, at)
        dialect = self.enum(Dialect, node, "dialect", owner)
        url_env = password_env = None
        if "url_env" in node:
            url_env = self.text(node, "url_env", owner, _ENV, _ENV_RULE)
        if "password_env" in node:
            password_env = self.text(node, "password_env", owner, _ENV, _ENV_RULE)
        parts = {k: node[k] for k in ("host", "database", "user") if k in node}
        if dialect is Dialect.SQLITE:  # a file: only its path, relative to this file
            self.required(node, "database", f"{owner} (sqlite)", at)
        elif url_env is None:
            for key in ("host", "database", "user"):
                self.required(node, key, f"{owner} (without url_env)", at)
        elif parts or password_env:
            first = next(iter(parts), "password_env")
            self.fail(
                f"{owner}: give either url_env or host/port/database/user, not both",
                self.key_at(node, first),
            )
        port = self.integer(node, "port", owner, low=1, high=65535) if "port" in node else None
        timeout = (
            self.integer(node, "connect_timeout", owner, low=1, high=120)
            if "connect_timeout" in node
            else 5
        )
        lock_timeout = (
            self.integer(node, "lock_timeout", owner, low=1, high=600)
            if "lock_timeout" in node
            else 10
        )
        return Connection(
            lock_timeout=lock_timeout,
            dialect=dialect,
            host=self.text(node, "host", owner) if "host" in node else None,
            port=port,
            database=self.text(node, "database", owner) if "database" in node else None,
            user=self.text(node, "user", owner) if "user" in node else None,
            password_env=password_env,
            url_env=url_env,
            connect_timeout=timeout,
            at=at,
        )

    def retry(self, data: CommentedMap) -> RetryPolicy:
        node = self.mapping(data, "retry", "the connector")
        self.known_keys(node, _RETRY_KEYS, "retry")
        values = {
            "max_attempts": (1, 100),
            "backoff_seconds": (1, 86400),
            "max_backoff_seconds": (1, 7 * 86400),
        }
        given = {
            key: self.integer(node, key, "retry", low=low, high=high)
            for key, (low, high) in values.items()
            if key in node
        }
        return RetryPolicy(**given)

    def tables(self, data: CommentedMap) -> tuple[TableSpec, ...]:
        node = self.mapping(data, "tables", "the connector")
        if not node:
            self.fail("'tables' must name at least one table", self.value_at(data, "tables"))
        result = []
        for key in node:
            at = self.key_at(node, key)
            if not isinstance(key, str) or not _NAME.match(key):
                self.fail(f"table name {key!r} is not a plain SQL identifier", at)
            result.append(self.table(key, node[key], at))
        self.kept_fields_have_reasons(result)
        referenced = {f.references.table for t in result for f in t.references if f.references}
        for table in result:
            for pref in table.preferences:
                if table.name in referenced and DELETE_ROW in dict(pref.states).values():
                    self.fail(
                        f"table '{table.name}': preferences for '{pref.purpose}' delete rows "
                        "that other tables reference (the foreign key would refuse); set a "
                        "column instead",
                        pref.at,
                    )
        return tuple(result)

    def kept_fields_have_reasons(self, tables: list[TableSpec]) -> None:
        """A field that stays after an erasure needs a reason, unless it is an internal
        key (an ``identifier`` that is no identity, a reference, a referenced field: an
        internal id identifies nobody once the rest is gone) or ``technical``."""
        targets = {(f.references.table, f.references.field) for t in tables for f in t.references}
        for table in tables:
            if table.erasure is TableErasure.DELETE_ROW:
                continue
            for f in table.fields:
                if (
                    f.erasure is FieldErasure.KEEP
                    and f.reason is None
                    and f.category is not FieldCategory.TECHNICAL
                    and not (f.category is FieldCategory.IDENTIFIER and f.identity is None)
                    and f.references is None
                    and (table.name, f.name) not in targets
                ):
                    self.fail(
                        f"field '{table.name}.{f.name}' is kept on erasure but gives no "
                        "'reason' (say which obligation requires it, e.g. HGB §257; or set "
                        "erasure: null, hash or random)",
                        f.at,
                    )

    def table(self, name: str, body: object, at: Place) -> TableSpec:
        owner = f"table '{name}'"
        if not isinstance(body, CommentedMap):
            self.fail(f"{owner} must be a mapping with 'fields', not {type_name(body)}", at)
        self.known_keys(body, _TABLE_KEYS, owner)
        self.required(body, "fields", owner, at)
        erasure = (
            self.enum(TableErasure, body, "erasure", owner)
            if "erasure" in body
            else TableErasure.UPDATE
        )
        fields_node = self.mapping(body, "fields", owner)
        if not fields_node:
            self.fail(
                f"{owner}: 'fields' must name at least one field", self.value_at(body, "fields")
            )
        fields = []
        for key in fields_node:
            field_at = self.key_at(fields_node, key)
            if not isinstance(key, str) or not _NAME.match(key):
                self.fail(f"{owner}: field name {key!r} is not a plain SQL identifier", field_at)
            fields.append(self.field(name, key, fields_node[key], field_at, erasure))
        declared = {f.name for f in fields}
        restriction = self.restriction(body, owner, declared) if "restriction" in body else None
        preferences = self.preferences(body, owner, declared) if "preferences" in body else ()
        return TableSpec(
            name=name,
            erasure=erasure,
            fields=tuple(fields),
            at=at,
            restriction=restriction,
            preferences=preferences,
        )

    def flag_value(self, node: CommentedMap, key: str, owner: str) -> FlagValue:
        value = node[key]
        if value is None or isinstance(value, (bool, int, str)):
            return value
        self.fail(
            f"{owner}: '{key}' must be true, false, a number, a string or null, "
            f"not {type_name(value)}",
            self.value_at(node, key),
        )

    def flag_column(self, node: CommentedMap, owner: str, declared: set[str]) -> str:
        column = self.text(node, "column", owner)
        if column not in declared:
            self.fail(
                f"{owner}: column '{column}' is not a field of the table; declare it under "
                "fields (e.g. category: technical)",
                self.value_at(node, "column"),
            )
        return column

    def restriction(self, body: CommentedMap, table: str, declared: set[str]) -> RestrictionFlag:
        owner = f"{table}: restriction"
        node = self.mapping(body, "restriction", table)
        at = self.key_at(body, "restriction")
        self.known_keys(node, _RESTRICTION_KEYS, owner)
        self.required(node, "column", owner, at)
        column = self.flag_column(node, owner, declared)
        value = self.flag_value(node, "value", owner) if "value" in node else True
        if "cleared" in node:
            cleared = self.flag_value(node, "cleared", owner)
        else:  # true -> false, 1 -> 0, anything else -> NULL
            cleared = False if value is True else 0 if value == 1 else None
        if cleared == value and type(cleared) is type(value):
            self.fail(
                f"{owner}: 'cleared' must differ from 'value'", self.value_at(node, "cleared")
            )
        return RestrictionFlag(column, value, cleared, at)

    def preferences(
        self, body: CommentedMap, table: str, declared: set[str]
    ) -> tuple[PreferenceSpec, ...]:
        node = self.mapping(body, "preferences", table)
        result = []
        for purpose in node:
            at = self.key_at(node, purpose)
            if purpose not in PURPOSES:  # else a withdrawal would silently never match
                self.fail(
                    f"{table}: preferences: {purpose!r} is not a purpose of Sphere's "
                    f"(consents and objections are recorded per purpose: {', '.join(PURPOSES)})",
                    at,
                )
            owner = f"{table}: preferences for '{purpose}'"
            spec = self.mapping(node, purpose, owner)
            self.known_keys(spec, _PREFERENCE_KEYS, owner)
            column = self.flag_column(spec, owner, declared) if "column" in spec else None
            states: list[tuple[str, FlagValue]] = []
            for state in PREFERENCE_STATES:
                if state not in spec:
                    continue
                value = self.flag_value(spec, state, owner)
                if column is None and value != DELETE_ROW:
                    self.fail(
                        f"{owner}: without a 'column' a state can only be '{DELETE_ROW}' "
                        "(the person's rows of an opt-in table deleted)",
                        self.value_at(spec, state),
                    )
                states.append((state, value))
            if not states:
                self.fail(f"{owner}: name at least one state ({', '.join(PREFERENCE_STATES)})", at)
            result.append(PreferenceSpec(purpose, column, tuple(states), at))
        return tuple(result)

    def field(
        self, table: str, name: str, body: object, at: Place, table_erasure: TableErasure
    ) -> FieldSpec:
        owner = f"field '{table}.{name}'"
        if not isinstance(body, CommentedMap):
            self.fail(f"{owner} must be a mapping with 'category', not {type_name(body)}", at)
        self.known_keys(body, _FIELD_KEYS, owner)
        self.required(body, "category", owner, at)
        category = self.enum(FieldCategory, body, "category", owner)
        identity = None
        if "identity" in body:
            identity = self.text(body, "identity", owner)
            if identity not in IDENTITY_KINDS:
                self.fail(
                    f"{owner}: unknown identity '{identity}' (one of: {', '.join(IDENTITY_KINDS)})",
                    self.value_at(body, "identity"),
                )
        references = None
        if "references" in body:
            target = self.text(body, "references", owner)
            parts = target.split(".")
            if len(parts) != 2 or not all(_NAME.match(p) for p in parts):
                self.fail(
                    f"{owner}: 'references' must be 'table.field', not '{target}'",
                    self.value_at(body, "references"),
                )
            references = Reference(parts[0], parts[1], self.value_at(body, "references"))
        if "erasure" in body:
            if table_erasure is TableErasure.DELETE_ROW:
                self.fail(
                    f"{owner}: the table's rows are deleted (erasure: delete_row); "
                    "a field erasure action has no effect there",
                    self.key_at(body, "erasure"),
                )
            erasure = self.enum(FieldErasure, body, "erasure", owner)
        else:
            erasure = FieldErasure.KEEP
        reason = self.text(body, "reason", owner) if "reason" in body else None
        rectify = self.text(body, "rectify", owner, _KEY, _KEY_RULE) if "rectify" in body else None
        if reason is not None and erasure is not FieldErasure.KEEP:
            self.fail(
                f"{owner}: 'reason' explains a kept field; this one is erased ({erasure})",
                self.key_at(body, "reason"),
            )
        return FieldSpec(
            name=name,
            category=category,
            erasure=erasure,
            at=at,
            identity=identity,
            references=references,
            reason=reason,
            rectify=rectify,
        )
