"""Mastodon: the REST ``Status`` entity and streaming events (``update``, ``status.update``,
``delete``), as documented at https://docs.joinmastodon.org/entities/Status/ and
https://docs.joinmastodon.org/methods/streaming/.

Visibility: ``public`` and ``unlisted`` are readable by anyone → PUBLIC; ``private``
(followers only) → RESTRICTED; ``direct`` → PRIVATE_MESSAGE (the classifier upgrades it to
DIRECT when a company account is among the mentioned recipients; the adapter does not know
the company). Mentions are stored as full ``user@server`` accounts, the server taken from
the mention URL when ``acct`` is local. Boosts (``reblog`` set) carry no text of the booster
and yield nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from sphere.domain import Author, Channel, Clock, Observation, ObservationKind, SystemClock
from sphere.domain.facts import Visibility

from .adapter import BadRecord, Fields, decode_embedded_json

_VISIBILITY = {
    "public": Visibility.PUBLIC,
    "unlisted": Visibility.PUBLIC,
    "private": Visibility.RESTRICTED,
    "direct": Visibility.PRIVATE_MESSAGE,
}


def full_acct(acct: str, url: str | None) -> str:
    """``anna`` + ``https://photo.example/@anna`` → ``anna@photo.example``."""
    acct = acct.lstrip("@")
    if "@" in acct or not url:
        return acct.lower()
    host = urlsplit(url).hostname
    return f"{acct}@{host}".lower() if host else acct.lower()


class MastodonAdapter:
    NAME: ClassVar[str] = "mastodon"
    CHANNEL: ClassVar[Channel] = Channel.MASTODON

    def __init__(self, *, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()

    def parse(self, record: Mapping[str, Any], *, ref: str) -> list[Observation]:
        fields = Fields(record, adapter=self.NAME)
        event = fields.opt("event")
        if event is None:
            return self._status(fields, ref=ref, edit=False)
        payload_raw = decode_embedded_json(
            record.get("payload"), field="payload", adapter=self.NAME
        )
        if event == "delete":
            if isinstance(payload_raw, int | str) and not isinstance(payload_raw, bool):
                status_id = str(payload_raw).strip()
            else:
                status_id = ""
            if not status_id or not status_id.isascii() or len(status_id) > 64:
                raise BadRecord(field="payload", reason="expected a status id", adapter=self.NAME)
            return [
                Observation(
                    channel=self.CHANNEL,
                    kind=ObservationKind.DELETION,
                    source_id=status_id,
                    created_at=self.clock.now(),
                    raw_ref=ref,
                )
            ]
        if event in ("update", "status.update"):
            payload = Fields(payload_raw, adapter=self.NAME, prefix="payload")
            return self._status(payload, ref=ref, edit=event == "status.update")
        # notifications, filters_changed, announcements … carry no post of their own
        return []

    def _status(self, status: Fields, *, ref: str, edit: bool) -> list[Observation]:
        if status.data.get("reblog"):
            return []
        visibility_name = status.req("visibility")
        if visibility_name not in _VISIBILITY:
            raise status.bad("visibility", "not one of public, unlisted, private, direct")
        visibility = _VISIBILITY[visibility_name]
        account = status.obj("account")
        assert account is not None
        author = Author(
            channel_user_id=account.req("id"),
            handle=full_acct(account.req("acct"), account.opt("url", max_len=2000)),
            display_name=account.text("display_name") or None,
        )
        mentions = tuple(
            full_acct(m.req("acct"), m.opt("url", max_len=2000)) for m in status.objects("mentions")
        )
        tags = tuple(t.req("name").lower() for t in status.objects("tags"))
        links: list[str] = []
        text = status.text("content", html=True, links=links)
        spoiler = status.text("spoiler_text")
        if spoiler:
            text = f"{spoiler}\n\n{text}" if text else spoiler
        edited_at = status.when("edited_at")
        kind = (
            ObservationKind.MESSAGE
            if visibility is Visibility.PRIVATE_MESSAGE
            else (ObservationKind.COMMENT if status.has("in_reply_to_id") else ObservationKind.POST)
        )
        if edit or edited_at is not None:
            kind = ObservationKind.EDIT
            if edited_at is None:
                raise status.bad("edited_at", "missing on a status.update event")
        quoted_id = None
        quote = status.obj("quote", required=False)
        if quote is not None:
            quoted = quote.obj("quoted_status", required=False)
            quoted_id = quoted.opt("id") if quoted is not None else quote.opt("quoted_status_id")
        return [
            Observation(
                channel=self.CHANNEL,
                kind=kind,
                source_id=status.req("id"),
                created_at=status.req_when("created_at"),
                author=author,
                text=text,
                visibility=visibility,
                language=status.opt("language"),
                mentions=mentions,
                hashtags=tags,
                urls=tuple(links),
                in_reply_to_id=status.opt("in_reply_to_id"),
                in_reply_to_user_id=status.opt("in_reply_to_account_id"),
                quoted_id=quoted_id,
                edited_at=edited_at,
                attributes={"uri": status.opt("uri", max_len=2000)},
                raw_ref=ref,
            )
        ]
