"""A connector definition as read from its YAML file (``loader``): plain frozen values.

One file per connected system. A SQL connector carries a *dataset map*: the tables
that hold the person, the identity columns that find them (e-mail, phone, customer
number, handle), the references between tables (a foreign key: ``orders.customer_id``
references ``customers.id``), each field's data category, and what an erasure does:

* a table whose ``erasure`` is ``delete_row`` loses every row of the person;
* otherwise (``update``, the default) each field says ``null`` (set NULL), ``hash``
  (replace with a keyed HMAC-SHA256: equal inputs stay equal, so counts and joins in
  the system still work, but nobody without Sphere's key can test a guess), ``random``
  (replace with a random value) or ``keep`` (left as it is; a ``reason`` is required,
  e.g. the ten-year retention of invoices under HGB §257 and AO §147).

Beyond erasure a table may declare how the system carries the other rights: a field's
``rectify`` key (rectification, Art. 16; otherwise its identity kind or its category
when no other field of the table shares it), a ``restriction`` flag column (Art. 18)
and ``preferences`` per purpose (consent given or withdrawn, objection: a column's
value per state, or ``delete_row`` for an opt-in table).

Every element keeps its place in the file (``Place``: 1-based line, column) so that a
problem found later — against the live schema, or in the graph — names file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sphere.domain.manual import ManualSystem
from sphere.domain.systems import RetryPolicy

Place = tuple[int, int]


class ConnectorKind(StrEnum):
    SQL = "sql"
    WEBHOOK = "webhook"  # signed notifications out (``webhook``): no data is read there
    HTTP = "http"  # an HTTP API (``http_system``): endpoints per operation
    MANUAL = "manual"  # no API: the owner is e-mailed a task with a confirmation link


class WebhookEvent(StrEnum):
    """What a webhook recipient is told of (``events:``)."""

    ERASURE = "erasure"  # an erasure request carried out in Sphere (Art. 17, Art. 19)
    RECTIFICATION = "rectification"  # Art. 16, Art. 19
    RESTRICTION = "restriction"  # Art. 18, Art. 19
    OBJECTION = "objection"  # an objection recorded, in a request or not (Art. 21)
    CONSENT = "consent"  # a consent given or withdrawn outside any request (Art. 7)


class Dialect(StrEnum):
    POSTGRESQL = "postgresql"
    MARIADB = "mariadb"
    MYSQL = "mysql"
    SQLITE = "sqlite"  # a file; for the demo and small tools (no row locks across processes)


class TableErasure(StrEnum):
    DELETE_ROW = "delete_row"  # the person's rows are deleted (dependent rows first)
    UPDATE = "update"  # the rows stay; each field's erasure action is applied


class FieldErasure(StrEnum):
    KEEP = "keep"  # left unchanged; needs a reason (a legal obligation to keep it)
    NULL = "null"  # set to NULL (the column must be nullable)
    HASH = "hash"  # keyed HMAC-SHA256, hex, cut to the column's length (at least 16)
    RANDOM = "random"  # a random value of the column's type (text or integer)


class FieldCategory(StrEnum):
    """Data categories of fields in connected systems (Art. 30(1)(c), Art. 15(1)(b))."""

    IDENTIFIER = "identifier"  # customer number, internal id
    NAME = "name"
    CONTACT_DATA = "contact_data"  # e-mail, phone, handle
    POSTAL_ADDRESS = "postal_address"
    DATE_OF_BIRTH = "date_of_birth"
    FINANCIAL = "financial"  # bank details, payment references, invoice amounts
    PURCHASE_HISTORY = "purchase_history"  # orders, items, returns
    COMMUNICATION = "communication"  # tickets, notes, messages
    BEHAVIOURAL = "behavioural"  # clicks, visits, opens
    PROFILE_ATTRIBUTE = "profile_attribute"  # preferences, interests, segments
    SPECIAL_CATEGORY = "special_category"  # Art. 9 data
    TECHNICAL = "technical"  # timestamps, flags, status codes


@dataclass(frozen=True, slots=True)
class Reference:
    """``table.field`` this field points at (a foreign key to the parent row)."""

    table: str
    field: str
    at: Place

    def __str__(self) -> str:
        return f"{self.table}.{self.field}"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    category: FieldCategory
    erasure: FieldErasure
    at: Place
    identity: str | None = None  # one of domain.systems.IDENTITY_KINDS
    references: Reference | None = None
    reason: str | None = None  # why a field is kept
    rectify: str | None = None  # the key of ``rectify``'s changes this field takes


# A state of ``preferences`` whose effect is deleting the person's rows of the table.
DELETE_ROW = "delete_row"
FlagValue = bool | int | str | None


@dataclass(frozen=True, slots=True)
class RestrictionFlag:
    """Art. 18: ``column`` is set to ``value`` while processing is restricted and to
    ``cleared`` when the restriction is lifted."""

    column: str
    value: FlagValue
    cleared: FlagValue
    at: Place


@dataclass(frozen=True, slots=True)
class PreferenceSpec:
    """What a consent state for ``purpose`` means in a table: ``column`` set to the
    state's value, or (``DELETE_ROW``) the person's rows deleted. ``states`` maps
    ``given``/``withdrawn``/``objected`` to the value; a state not listed is not
    carried (``objected`` falls back to ``withdrawn``)."""

    purpose: str
    column: str | None
    states: tuple[tuple[str, FlagValue], ...]
    at: Place

    def effect(self, state: str) -> tuple[bool, FlagValue]:
        """(declared, value) for ``state``."""
        given = dict(self.states)
        if state not in given and state == "objected":
            state = "withdrawn"
        if state not in given:
            return False, None
        return True, given[state]


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    erasure: TableErasure
    fields: tuple[FieldSpec, ...]
    at: Place
    restriction: RestrictionFlag | None = None
    preferences: tuple[PreferenceSpec, ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def identities(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.identity)

    @property
    def references(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.references is not None)


@dataclass(frozen=True, slots=True)
class Connection:
    """Where the system is. Secrets never appear in the file: ``password_env`` or
    ``url_env`` name environment variables read when connecting."""

    dialect: Dialect
    host: str | None
    port: int | None
    database: str | None
    user: str | None
    password_env: str | None
    url_env: str | None
    connect_timeout: int
    at: Place
    lock_timeout: int = 10  # seconds an erasure waits for a row another transaction holds


# What Sphere sends the CRM per record (``sync.columns``: Sphere's name → the column).
SYNC_FIELDS = (
    "record_id",  # Sphere's record id: the key of the upsert (unique in the table)
    "record_type",  # interaction | event
    "customer_number",  # the contact's customer number
    "email",  # the contact's e-mail address
    "channel",
    "text",  # the stored (minimised) text of a post; events have their kind
    "reference",  # channel:source id, the record's reference on its platform
    "purpose",  # the purpose the gate stored it for (DPV)
    "legal_basis",  # Art. 6(1) point
    "retention_until",  # Sphere's retention deadline for it
    "synced_at",  # when Sphere pushed it
)


@dataclass(frozen=True, slots=True)
class SyncTarget:
    """The CRM sync (issue 15, point 2): records the gate allowed into a contact's record
    are upserted into ``table`` keyed by Sphere's record id, and deleted there when
    Sphere deletes them. ``columns`` maps ``SYNC_FIELDS`` to the table's columns."""

    table: str
    columns: tuple[tuple[str, str], ...]  # (Sphere's field, column)
    batch_size: int
    at: Place

    @property
    def key_column(self) -> str:
        return dict(self.columns)["record_id"]


@dataclass(frozen=True, slots=True)
class ConnectorDefinition:
    system: str  # slug; names the system in statuses, audit entries and messages
    name: str  # readable name
    kind: ConnectorKind
    connection: Connection
    tables: tuple[TableSpec, ...]
    source: str  # the file it was read from
    description: str = ""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sync: SyncTarget | None = None  # this system is the CRM sync target

    def table(self, name: str) -> TableSpec | None:
        return next((t for t in self.tables if t.name == name), None)


@dataclass(frozen=True, slots=True)
class WebhookDefinition:
    """A recipient of signed notifications (HMAC-SHA256 over ``timestamp.body``): a
    marketing tool, a newsletter service. The secret is never in the file:
    ``secret_env`` names an environment variable, ``secret_file`` a file holding it."""

    system: str
    name: str
    url: str
    secret_env: str | None
    secret_file: str | None
    events: tuple[WebhookEvent, ...]
    timeout: int
    source: str
    description: str = ""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    kind: ConnectorKind = ConnectorKind.WEBHOOK


# -- HTTP APIs (``kind: http``; ``http_system``, ``http_client``, ``loader_http``) -------


class HttpAuthKind(StrEnum):
    BEARER = "bearer"  # Authorization: Bearer <token from token_env>
    BASIC = "basic"  # user + password_env
    OAUTH2 = "oauth2"  # client credentials (RFC 6749 §4.4): token cached until it expires


class PaginationKind(StrEnum):
    CURSOR = "cursor"  # the response names the next cursor; sent back as a query parameter
    PAGE = "page"  # page=1, 2, … until a page has no rows
    NEXT_LINK = "next_link"  # the response holds the next page's URL


@dataclass(frozen=True, slots=True)
class HttpAuth:
    kind: HttpAuthKind
    at: Place
    token_env: str | None = None  # bearer
    user: str | None = None  # basic
    password_env: str | None = None  # basic
    token_url: str | None = None  # oauth2
    client_id: str | None = None
    client_secret_env: str | None = None
    scope: str | None = None
    client_auth: str = "basic"  # oauth2: client credentials as HTTP Basic or in the body


@dataclass(frozen=True, slots=True)
class Pagination:
    kind: PaginationKind
    at: Place
    next: str | None = None  # cursor / next_link: dotted path of the next cursor or URL
    param: str = "cursor"  # cursor / page: the query parameter carrying it
    size_param: str | None = None  # page: the parameter for the page size
    size: int | None = None
    max_pages: int = 100


TemplateValue = str | bool | int | float | None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One call of an operation. ``path``, ``query`` and ``body`` are templates:
    ``{email}`` (an identity kind), ``{row.<field>}`` (a field of each row the access
    endpoint found: one call per row), ``{change.<key>}``, ``{restricted}``,
    ``{purpose}``, ``{state}``."""

    operation: str  # access | erasure | rectification | restriction | preference
    method: str
    path: str
    at: Place
    query: tuple[tuple[str, str], ...] = ()
    body: tuple[tuple[str, TemplateValue], ...] | None = None
    rows: str | None = None  # access: dotted path of the list in the JSON ('' = the body)
    pagination: Pagination | None = None
    # preference: Sphere's purpose -> the API's name (None: every purpose, as it is named)
    purposes: tuple[tuple[str, str], ...] | None = None
    states: tuple[tuple[str, str], ...] = ()  # preference: given/withdrawn/objected -> API's

    @property
    def templates(self) -> tuple[str, ...]:
        values = [self.path, *(v for _, v in self.query)]
        values += [v for _, v in self.body or () if isinstance(v, str)]
        return tuple(values)

    @property
    def per_row(self) -> bool:
        return any("{row." in t for t in self.templates)


@dataclass(frozen=True, slots=True)
class HttpField:
    name: str  # a key of a row's JSON object (dotted for nested objects)
    category: FieldCategory
    at: Place


@dataclass(frozen=True, slots=True)
class HttpDefinition:
    """A system reached through its HTTP API; secrets only by environment variable."""

    system: str
    name: str
    base_url: str
    auth: HttpAuth | None
    endpoints: tuple[Endpoint, ...]
    fields: tuple[HttpField, ...]
    source: str
    resource: str = "records"  # what the rows are called in outcomes and exports
    timeout: float = 10.0
    rate_limit: float | None = None  # requests per second
    max_retry_after: int = 60  # longest Retry-After (seconds) of a 429 that is waited for
    description: str = ""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    kind: ConnectorKind = ConnectorKind.HTTP

    def endpoint(self, operation: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.operation == operation), None)


@dataclass(frozen=True, slots=True)
class ManualDefinition:
    """A system without an API (paper files, an old desktop program): its owner is
    e-mailed what to do per operation (``rights.systems.manual``). ``retry`` governs
    sending the e-mail."""

    system: str
    spec: ManualSystem
    source: str
    description: str = ""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    kind: ConnectorKind = ConnectorKind.MANUAL

    @property
    def name(self) -> str:
        return self.spec.name
