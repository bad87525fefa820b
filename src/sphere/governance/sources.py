"""The source inventory: every channel feed is registered with how it is collected.

The cockpit shows this inventory; a source collected by a scraper can be registered
(so it is visible) but the default policy denies everything it delivers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import Channel, Collection
from sphere.errors import InvalidInput
from sphere.storage.entities import Source
from sphere.storage.repositories.sources import SourceRepository


def _token(value: str, what: str, choices: Iterable[str]) -> None:
    raise InvalidInput(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")


def add_source(
    session: Session,
    name: str,
    *,
    channel: str,
    collection: str,
    accounts: Iterable[str] = (),
    description: str = "",
    actor: str,
    at: datetime,
) -> Source:
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("source name must be letters, digits, '-' or '_'")
    try:
        channel_value = Channel(channel)
    except ValueError:
        _token(channel, "channel", [c.value for c in Channel])
    try:
        collection_value = Collection(collection)
    except ValueError:
        _token(collection, "collection method", [c.value for c in Collection])
    source = SourceRepository(session).add(
        name,
        channel=channel_value,
        collection=collection_value,
        accounts=accounts,
        description=description,
        at=at,
    )
    audit(
        session,
        actor=actor,
        action="source.added",
        object_ids=(source.id,),
        details={
            "name": name,
            "channel": channel_value.value,
            "collection": collection_value.value,
        },
        at=at,
    )
    return source


def list_sources(session: Session) -> list[Source]:
    return SourceRepository(session).list()


def remove_source(session: Session, name: str, *, actor: str, at: datetime) -> None:
    repository = SourceRepository(session)
    source = repository.get(name)
    repository.remove(name)
    audit(
        session,
        actor=actor,
        action="source.removed",
        object_ids=(source.id,),
        details={"name": name},
        at=at,
    )
