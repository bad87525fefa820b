"""Facebook Graph API: page feed posts with nested comments, single posts/comments, and
page webhook ``feed`` changes (add / edited / remove).

Follows https://developers.facebook.com/docs/graph-api/reference/page/feed/ and
https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed:
a post ``id`` is ``"{page_id}_{post_id}"``; ``created_time`` looks like
``2026-05-01T10:00:00+0000``; ``from{id,name}``; ``message_tags`` mark tagged pages and
people (their ids become ``mentions``). The page id from the post id goes into
``container_id``, so the classifier can tell a post written on the company's page.
Webhook ``created_time`` is epoch seconds (UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sphere.domain import Author, Channel, Clock, Observation, ObservationKind, SystemClock

from .adapter import Fields


def page_of(object_id: str) -> str | None:
    """``"1234567890_987"`` → ``"1234567890"``; None for ids without a page prefix."""
    head, sep, _ = object_id.partition("_")
    return head if sep and head.isdigit() else None


class FacebookAdapter:
    NAME: ClassVar[str] = "facebook"
    CHANNEL: ClassVar[Channel] = Channel.FACEBOOK

    def __init__(self, *, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()

    def parse(self, record: Mapping[str, Any], *, ref: str) -> list[Observation]:
        fields = Fields(record, adapter=self.NAME)
        if record.get("object") == "page" and "entry" in record:
            return self._webhook(fields, ref=ref)
        if "data" in record:
            out: list[Observation] = []
            for item in fields.objects("data"):
                out.extend(self._item(item, ref=ref, post_id=None))
            return out
        return self._item(fields, ref=ref, post_id=None)

    def _item(self, item: Fields, *, ref: str, post_id: str | None) -> list[Observation]:
        object_id = item.req("id")
        parent = item.obj("parent", required=False)
        is_comment = post_id is not None or parent is not None or page_of(object_id) is None
        sender = item.obj("from", required=False)
        author = (
            Author(channel_user_id=sender.req("id"), display_name=sender.text("name") or None)
            if sender is not None
            else None
        )
        mentions = tuple(tag.req("id") for tag in item.objects("message_tags"))
        container = page_of(post_id or object_id)
        updated = item.when("updated_time")
        created = item.req_when("created_time")
        reply_to = parent.req("id") if parent is not None else post_id
        observation = Observation(
            channel=self.CHANNEL,
            kind=ObservationKind.COMMENT if is_comment else ObservationKind.POST,
            source_id=object_id,
            created_at=created,
            author=author,
            text=item.text("message"),
            mentions=mentions,
            in_reply_to_id=reply_to,
            conversation_id=post_id or (None if is_comment else object_id),
            container_id=container,
            urls=tuple(u for u in [item.opt("link", max_len=4000)] if u),
            attributes={"edited": bool(updated and updated > created)},
            raw_ref=ref,
        )
        out = [observation]
        comments = item.obj("comments", required=False)
        if comments is not None:
            for comment in comments.objects("data"):
                out.extend(self._item(comment, ref=ref, post_id=post_id or object_id))
        return out

    def _webhook(self, fields: Fields, *, ref: str) -> list[Observation]:
        out: list[Observation] = []
        for entry in fields.objects("entry"):
            page_id = entry.req("id")
            for change in entry.objects("changes"):
                if change.req("field") != "feed":
                    continue
                value = change.obj("value")
                assert value is not None
                item = value.req("item")
                if item not in ("post", "status", "comment"):
                    continue
                verb = value.req("verb")
                object_id = value.req("comment_id") if item == "comment" else value.req("post_id")
                when = value.when("created_time") or self.clock.now()
                if verb == "remove":
                    out.append(
                        Observation(
                            channel=self.CHANNEL,
                            kind=ObservationKind.DELETION,
                            source_id=object_id,
                            created_at=when,
                            raw_ref=ref,
                            container_id=page_id,
                        )
                    )
                    continue
                if verb not in ("add", "edited"):
                    continue
                sender = value.obj("from", required=False)
                kind = ObservationKind.COMMENT if item == "comment" else ObservationKind.POST
                out.append(
                    Observation(
                        channel=self.CHANNEL,
                        kind=ObservationKind.EDIT if verb == "edited" else kind,
                        source_id=object_id,
                        created_at=when,
                        author=Author(sender.req("id"), display_name=sender.text("name") or None)
                        if sender is not None
                        else None,
                        text=value.text("message"),
                        in_reply_to_id=value.opt("parent_id") if item == "comment" else None,
                        conversation_id=value.opt("post_id"),
                        container_id=page_id,
                        edited_at=when if verb == "edited" else None,
                        raw_ref=ref,
                    )
                )
        return out
