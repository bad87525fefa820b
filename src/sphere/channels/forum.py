"""The company's own forum, exported as JSONL or CSV. Schema: ``docs/channels.md#forum``.

Columns/keys: ``post_id`` (required), ``thread_id`` (required), ``created_at`` (required,
ISO 8601 with zone), ``author_id`` (required), ``author_name``, ``body``, ``body_format``
(``text`` | ``html``, default text), ``visibility`` (``public`` | ``members``, default
public), ``parent_id``, ``parent_author_id``, ``board_id``, ``mentions`` (list, or
``;``-separated in CSV), ``language``, ``edited_at``, ``deleted`` (boolean).

Everything on the forum is written on the company's own platform, so ``on_company_page``
is always true; public posts are COMPANY_PUBLIC, members-only posts RESTRICTED.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sphere.domain import Author, Channel, Observation, ObservationKind
from sphere.domain.facts import Visibility

from .adapter import Fields, split_list

_VISIBILITY = {"public": Visibility.COMPANY_PUBLIC, "members": Visibility.RESTRICTED}


class ForumAdapter:
    NAME: ClassVar[str] = "forum"
    CHANNEL: ClassVar[Channel] = Channel.FORUM

    def parse(self, record: Mapping[str, Any], *, ref: str) -> list[Observation]:
        row = Fields(record, adapter=self.NAME)
        post_id = row.req("post_id")
        created = row.req_when("created_at")
        if row.flag("deleted", default=False):
            return [
                Observation(
                    channel=self.CHANNEL,
                    kind=ObservationKind.DELETION,
                    source_id=post_id,
                    created_at=row.when("edited_at") or created,
                    on_company_page=True,
                    raw_ref=ref,
                )
            ]
        body_format = (row.opt("body_format") or "text").lower()
        if body_format not in ("text", "html"):
            raise row.bad("body_format", "not one of text, html")
        visibility_name = (row.opt("visibility") or "public").lower()
        if visibility_name not in _VISIBILITY:
            raise row.bad("visibility", "not one of public, members")
        raw_mentions = record.get("mentions")
        if isinstance(raw_mentions, str):
            mentions = split_list(raw_mentions, seps=";")
        else:
            mentions = row.strs("mentions")
        edited_at = row.when("edited_at")
        parent = row.opt("parent_id")
        kind = ObservationKind.COMMENT if parent else ObservationKind.POST
        if edited_at is not None:
            kind = ObservationKind.EDIT
        title = row.text("title")
        body = row.text("body", html=body_format == "html")
        return [
            Observation(
                channel=self.CHANNEL,
                kind=kind,
                source_id=post_id,
                created_at=created,
                author=Author(row.req("author_id"), display_name=row.text("author_name") or None),
                text=f"{title}\n\n{body}" if title and body else title or body,
                visibility=_VISIBILITY[visibility_name],
                language=row.opt("language"),
                mentions=tuple(m.lstrip("@").lower() for m in mentions),
                in_reply_to_id=parent,
                in_reply_to_user_id=row.opt("parent_author_id"),
                conversation_id=row.req("thread_id"),
                on_company_page=True,
                container_id=row.opt("board_id"),
                edited_at=edited_at,
                raw_ref=ref,
            )
        ]
