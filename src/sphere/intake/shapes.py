"""After the signature: is the body a payload this source delivers, and what are its records?

Only the envelope is looked at here (a few keys); the adapter reads the content later, in
the worker or the in-process pipeline. Each record gets a message id
``<channel>:<digest>``: the digest of the record's bytes makes an edit or a deletion of
the same post a different message while a platform's retry of the same delivery is the
same one (JetStream drops it within its duplicate window, the stream receipts after
that). No id from the payload is part of it (see ``make_record``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sphere.domain import Channel
from sphere.intake.config import IntakeKind
from sphere.intake.errors import NotJson, UnknownShape

MAX_RECORDS_PER_BODY = 1_000
_X_EVENTS = frozenset(
    {
        "tweet_create_events",
        "tweet_delete_events",
        "direct_message_events",
        "favorite_events",
        "follow_events",
        "unfollow_events",
        "block_events",
        "unblock_events",
        "mute_events",
        "unmute_events",
        "user_event",
        "direct_message_indicate_typing_events",
        "direct_message_mark_read_events",
        "tweet_engagement_events",
    }
)
# The field that names a record in each channel's own schema (docs/channels.md).
_ID_KEYS: dict[Channel, tuple[str, ...]] = {
    Channel.FORUM: ("post_id",),
    Channel.WEB: ("event_id",),
    Channel.MOBILE: ("event_id",),
    Channel.CRM: ("customer_number", "Kundennummer"),
    Channel.MASTODON: ("id", "event"),
    Channel.BLUESKY: ("did", "uri", "posts"),
    Channel.X: ("data", "id", "for_user_id", "event_type", "delete"),
    Channel.FACEBOOK: ("id", "data", "entry"),
}


@dataclass(frozen=True, slots=True)
class IntakeRecord:
    """One record to hand on: its exact bytes (what the stream carries), the message id."""

    payload: bytes
    msg_id: str


def decode_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise NotJson("body is not UTF-8 text; send a JSON document") from None
    except json.JSONDecodeError as exc:
        raise NotJson(
            f"body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise NotJson("body is JSON nested too deeply") from None


def make_record(channel: Channel, payload: bytes) -> IntakeRecord:
    """The record of ``payload`` with its message id ``<channel>:<digest of the bytes>``.

    The id is what JetStream deduplicates on (``Nats-Msg-Id``: a platform's retry of the
    same delivery within the window is dropped; an edit has other bytes and passes) and
    what ``stream_receipts`` keeps. It carries no identifier from the payload: a readable
    post id, a Bluesky DID or a shop's customer number in it would outlive the person's
    erasure in a bookkeeping table (Art. 17 GDPR; Art. 5(1)(c), data minimisation).
    """
    return IntakeRecord(payload=payload, msg_id=f"{channel.value}:{message_digest(payload)}")


def message_digest(payload: bytes) -> str:
    """SHA-256 of the exact bytes, 96 bits in hex (collisions: ~2^48 messages)."""
    return hashlib.sha256(payload).hexdigest()[:24]


def split_body(kind: IntakeKind, channel: Channel, body: bytes) -> list[IntakeRecord]:
    """The records of a verified webhook body, or UnknownShape / NotJson saying why not."""
    value = decode_json(body)
    if kind is IntakeKind.META:
        if not isinstance(value, Mapping) or not isinstance(value.get("entry"), list):
            raise UnknownShape("expected a Graph webhook object with 'object' and 'entry'")
        if value.get("object") != "page" or channel is not Channel.FACEBOOK:
            raise UnknownShape(
                f"Graph webhook object {str(value.get('object'))[:40]!r} is not read by the "
                f"{channel.value} adapter (supported: 'page' for a facebook source)"
            )
        return [make_record(channel, body)]
    if kind is IntakeKind.X:
        if not isinstance(value, Mapping) or "for_user_id" not in value:
            raise UnknownShape("expected an Account Activity event with 'for_user_id'")
        if not _X_EVENTS.intersection(value):
            raise UnknownShape("no Account Activity event type in the body")
        if channel is not Channel.X:
            raise UnknownShape(f"X events cannot feed a {channel.value} source")
        return [make_record(channel, body)]
    items: Sequence[Any] = value if isinstance(value, list) else [value]
    if not items or len(items) > MAX_RECORDS_PER_BODY:
        raise UnknownShape(f"expected 1 to {MAX_RECORDS_PER_BODY} records, got {len(items)}")
    keys = _ID_KEYS.get(channel, ())
    records = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise UnknownShape(f"record {index}: expected a JSON object")
        if keys and not any(k in item for k in keys):
            raise UnknownShape(
                f"record {index}: not a {channel.value} record (needs one of: {', '.join(keys)})"
            )
        payload = body if len(items) == 1 and not isinstance(value, list) else _dump(item)
        records.append(make_record(channel, payload))
    return records


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
