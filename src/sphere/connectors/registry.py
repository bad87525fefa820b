"""The connected systems of one installation, built once by the composition root.

``ConnectorSet`` reads the definitions of the connectors directory and answers what
``sphere.rights.systems.ConnectedSystems`` asks: the systems' names and retry policies,
the person's rows in a system (access), an erasure in a system (or its dry run), and
rectification, restriction and preferences (``sql_updates``); ``supports`` says which
of them a system's definition declares. It
holds one engine per system, opened on first use; ``close`` disposes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sphere.connectors import sql_updates
from sphere.connectors.crm_sync import CrmSyncTarget
from sphere.connectors.definition import (
    ConnectorDefinition,
    HttpDefinition,
    ManualDefinition,
    WebhookDefinition,
)
from sphere.connectors.http_system import HttpSystem
from sphere.connectors.loader import load_directory
from sphere.connectors.manual import OwnerMail
from sphere.connectors.sql import SqlSystem
from sphere.connectors.webhook import WebhookRecipient
from sphere.domain.manual import ManualSystem
from sphere.domain.systems import (
    RetryPolicy,
    SubjectIdentifiers,
    SyncRefusal,
    SystemChange,
    SystemHealth,
    SystemRows,
)
from sphere.errors import NotFound


class ConnectorSet:
    def __init__(
        self,
        definitions: Sequence[
            ConnectorDefinition | WebhookDefinition | HttpDefinition | ManualDefinition
        ],
        *,
        hash_key: bytes,
        mail: OwnerMail | None = None,
    ) -> None:
        self._manual = {d.system: d for d in definitions if isinstance(d, ManualDefinition)}
        self._mail = mail or OwnerMail(smtp_host=None)
        self._systems: dict[str, SqlSystem | HttpSystem] = {}
        for d in definitions:
            if isinstance(d, ConnectorDefinition):
                self._systems[d.system] = SqlSystem(d, hash_key=hash_key)
            elif isinstance(d, HttpDefinition):
                self._systems[d.system] = HttpSystem(d)
        self._webhooks = {
            d.system: WebhookRecipient(d) for d in definitions if isinstance(d, WebhookDefinition)
        }
        target = next(
            (s for s in self._systems.values() if isinstance(s, SqlSystem) and s.definition.sync),
            None,
        )
        self._sync = CrmSyncTarget(target) if target is not None else None

    @classmethod
    def from_directory(
        cls, directory: Path, *, hash_key: bytes, mail: OwnerMail | None = None
    ) -> ConnectorSet:
        return cls(load_directory(directory), hash_key=hash_key, mail=mail)

    def names(self) -> tuple[str, ...]:
        return tuple(self._systems)

    def system(self, name: str) -> SqlSystem | HttpSystem:
        try:
            return self._systems[name]
        except KeyError:
            raise NotFound(f"no connected system {name!r}") from None

    def definition(self, name: str) -> ConnectorDefinition | HttpDefinition:
        return self.system(name).definition

    def retry_policy(self, name: str) -> RetryPolicy:
        if name in self._manual:
            return self._manual[name].retry
        if name in self._webhooks:
            return self._webhooks[name].definition.retry
        return self.definition(name).retry

    def recipients(self, event: str) -> tuple[str, ...]:
        """The webhook recipients told of ``event`` (``erasure``, …)."""
        return tuple(name for name, w in self._webhooks.items() if event in w.definition.events)

    def notify(self, name: str, event: dict[str, Any], *, timestamp: int) -> int:
        try:
            recipient = self._webhooks[name]
        except KeyError:
            raise NotFound(f"no webhook recipient {name!r}") from None
        return recipient.notify(event, timestamp=timestamp)

    def manual_names(self) -> tuple[str, ...]:
        """The systems without an API, reached through their owner (``kind: manual``)."""
        return tuple(self._manual)

    def manual(self, name: str) -> ManualSystem:
        try:
            return self._manual[name].spec
        except KeyError:
            raise NotFound(f"no manual system {name!r}") from None

    def send_mail(self, to: str, subject: str, body: str) -> None:
        self._mail.send(to, subject, body)

    def confirm_url(self, token: str) -> str:
        return self._mail.confirm_url(token)

    def access(self, name: str, identifiers: SubjectIdentifiers) -> SystemRows:
        return self.system(name).access(identifiers)

    def erase(
        self, name: str, identifiers: SubjectIdentifiers, *, dry_run: bool = False
    ) -> SystemChange:
        return self.system(name).erase(identifiers, dry_run=dry_run)

    def operations(self, name: str) -> tuple[str, ...]:
        """What the system can do, of ``domain.systems.OPERATIONS``."""
        system = self.system(name)
        if isinstance(system, HttpSystem):
            return system.operations()
        return sql_updates.operations(system)

    def supports(self, name: str, operation: str) -> bool:
        return operation in self.operations(name)

    def rectify(
        self,
        name: str,
        identifiers: SubjectIdentifiers,
        changes: Mapping[str, str],
        *,
        dry_run: bool = False,
    ) -> SystemChange:
        system = self.system(name)
        if isinstance(system, HttpSystem):
            return system.rectify(identifiers, changes, dry_run=dry_run)
        return sql_updates.rectify(system, identifiers, changes, dry_run=dry_run)

    def restrict(
        self,
        name: str,
        identifiers: SubjectIdentifiers,
        *,
        restricted: bool,
        dry_run: bool = False,
    ) -> SystemChange:
        system = self.system(name)
        if isinstance(system, HttpSystem):
            return system.restrict(identifiers, restricted=restricted, dry_run=dry_run)
        return sql_updates.restrict(system, identifiers, restricted=restricted, dry_run=dry_run)

    def preference(
        self,
        name: str,
        identifiers: SubjectIdentifiers,
        *,
        purpose: str,
        state: str,
        dry_run: bool = False,
    ) -> SystemChange:
        system = self.system(name)
        if isinstance(system, HttpSystem):
            return system.preference(identifiers, purpose=purpose, state=state, dry_run=dry_run)
        return sql_updates.preference(
            system, identifiers, purpose=purpose, state=state, dry_run=dry_run
        )

    def inventory(self) -> list[dict[str, str]]:
        """Every connected system and webhook recipient for the record of processing:
        system, name, kind (sql, http, webhook) and what it is (dialect or URL host)."""
        entries = []
        for name, s in self._systems.items():
            d = s.definition
            dialect = getattr(getattr(d, "connection", None), "dialect", None)
            entries.append({"system": name, "name": d.name, "kind": str(d.kind.value),
                            "detail": str(dialect.value) if dialect is not None else "",
                            "crm_sync": "yes" if name == self.sync_target() else ""})  # fmt: skip
        for name, w in self._webhooks.items():
            entries.append({"system": name, "name": w.definition.name, "kind": "webhook",
                            "detail": "", "crm_sync": ""})  # fmt: skip
        return entries

    # -- the CRM sync (``sync:``; ``sphere.rights.crm_sync``) ------------------------------
    def sync_target(self) -> str | None:
        """The system that is the CRM sync target, if any."""
        return self._sync.name if self._sync is not None else None

    def sync_batch_size(self) -> int:
        return self._sync.spec.batch_size if self._sync is not None else 500

    def sync_push(
        self, records: Sequence[Mapping[str, Any]], removals: Sequence[str]
    ) -> list[SyncRefusal]:
        """Push and remove; the records the target refused (``CrmSyncTarget.push``)."""
        if self._sync is None:
            raise NotFound("no connected system is the CRM sync target")
        return self._sync.push(records, removals)

    def sync_rows(self) -> int | None:
        return self._sync.count() if self._sync is not None else None

    def health(self) -> list[SystemHealth]:
        return [s.health() for s in self._systems.values()]

    def close(self) -> None:
        for s in self._systems.values():
            s.dispose()
