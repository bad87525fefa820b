"""Bluesky: ``app.bsky.feed.post`` records as served by ``app.bsky.feed.getPosts`` /
``getPostThread`` views (``{"uri", "cid", "author": {...}, "record": {...}}``, or a
``{"posts": [...]}`` response) and by Jetstream firehose commits
(``{"did", "kind": "commit", "commit": {"operation", "collection", "rkey", "record"}}``).

Follows https://docs.bsky.app/docs/advanced-guides/post-richtext and the
``app.bsky.feed.post`` lexicon: ``facets[].index`` are UTF-8 BYTE offsets
(``byteStart`` inclusive, ``byteEnd`` exclusive), not character offsets; a facet whose
range is outside the text or splits a character is refused. Mention facets give DIDs
(→ ``mentions``), tag facets hashtags, link facets URLs. ``reply.parent.uri`` is the post
replied to; its DID (``at://DID/...``) is the replied-to author; ``reply.root.uri`` is the
conversation. An ``app.bsky.embed.record`` embed is a quote.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from sphere.domain import Author, Channel, Clock, Observation, ObservationKind, SystemClock

from .adapter import BadRecord, Fields

_POST = "app.bsky.feed.post"


def did_of(at_uri: str) -> str | None:
    """``at://did:plc:abc/app.bsky.feed.post/3k`` → ``did:plc:abc``."""
    if not at_uri.startswith("at://"):
        return None
    authority = at_uri[5:].split("/", 1)[0]
    return authority if authority.startswith("did:") else None


class BlueskyAdapter:
    NAME: ClassVar[str] = "bluesky"
    CHANNEL: ClassVar[Channel] = Channel.BLUESKY

    def __init__(self, *, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()

    def parse(self, record: Mapping[str, Any], *, ref: str) -> list[Observation]:
        fields = Fields(record, adapter=self.NAME)
        if "posts" in record:
            out: list[Observation] = []
            for view in fields.objects("posts"):
                out.extend(self._view(view, ref=ref))
            return out
        if record.get("kind") == "commit" or "commit" in record:
            return self._commit(fields, ref=ref)
        if "kind" in record:
            return []  # identity / account events carry no post
        return self._view(fields, ref=ref)

    def _view(self, view: Fields, *, ref: str) -> list[Observation]:
        author = view.obj("author")
        assert author is not None
        post = view.obj("record")
        assert post is not None
        return [
            self._post(
                post,
                uri=view.req("uri", max_len=2000),
                author=Author(
                    author.req("did"),
                    handle=author.req("handle").lower(),
                    display_name=author.text("displayName") or None,
                ),
                ref=ref,
                edit=False,
            )
        ]

    def _commit(self, event: Fields, *, ref: str) -> list[Observation]:
        did = event.req("did")
        commit = event.obj("commit")
        assert commit is not None
        if commit.req("collection") != _POST:
            return []
        uri = f"at://{did}/{_POST}/{commit.req('rkey')}"
        operation = commit.req("operation")
        if operation == "delete":
            micros = event.data.get("time_us")
            when = self.clock.now()
            if isinstance(micros, int) and not isinstance(micros, bool):
                try:
                    when = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
                except (OverflowError, OSError, ValueError):
                    raise event.bad("time_us", "microseconds out of range") from None
            return [
                Observation(
                    channel=self.CHANNEL,
                    kind=ObservationKind.DELETION,
                    source_id=uri,
                    created_at=when,
                    author=Author(did),
                    raw_ref=ref,
                )
            ]
        if operation not in ("create", "update"):
            raise commit.bad("operation", "not one of create, update, delete")
        post = commit.obj("record")
        assert post is not None
        return [self._post(post, uri=uri, author=Author(did), ref=ref, edit=operation == "update")]

    def _post(self, post: Fields, *, uri: str, author: Author, ref: str, edit: bool) -> Observation:
        record_type = post.opt("$type")
        if record_type not in (None, _POST):
            raise post.bad("$type", f"expected {_POST}")
        raw_text = post.data.get("text", "")
        if not isinstance(raw_text, str):
            raise post.bad("text", "expected a string")
        # A lone surrogate (a client cut an emoji) cannot be UTF-8 encoded; "surrogatepass"
        # gives it the three bytes a client would have counted, so facet offsets stay right
        # (a facet over it is refused below); the text itself is repaired by clean_text.
        encoded = raw_text.encode("utf-8", "surrogatepass")
        mentions: list[str] = []
        tags: list[str] = []
        links: list[str] = []
        for facet in post.objects("facets"):
            index = facet.obj("index")
            assert index is not None
            start, end = index.data.get("byteStart"), index.data.get("byteEnd")
            if not (
                isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(encoded)
            ):
                raise BadRecord(
                    field=index.prefix, reason="byte range outside the text", adapter=self.NAME
                )
            try:
                encoded[start:end].decode("utf-8")
            except UnicodeDecodeError:
                raise BadRecord(
                    field=index.prefix, reason="byte range splits a character", adapter=self.NAME
                ) from None
            for feature in facet.objects("features"):
                kind = feature.req("$type")
                if kind == "app.bsky.richtext.facet#mention":
                    mentions.append(feature.req("did"))
                elif kind == "app.bsky.richtext.facet#tag":
                    tags.append(feature.req("tag").lower())
                elif kind == "app.bsky.richtext.facet#link":
                    links.append(feature.req("uri", max_len=4000))
        reply = post.obj("reply", required=False)
        parent_uri = root_uri = None
        if reply is not None:
            parent = reply.obj("parent")
            root = reply.obj("root")
            assert parent is not None and root is not None
            parent_uri = parent.req("uri", max_len=2000)
            root_uri = root.req("uri", max_len=2000)
        quoted = None
        embed = post.obj("embed", required=False)
        if embed is not None:
            embed_type = embed.opt("$type")
            if embed_type == "app.bsky.embed.record":
                inner = embed.obj("record")
                assert inner is not None
                quoted = inner.req("uri", max_len=2000)
            elif embed_type == "app.bsky.embed.recordWithMedia":
                outer = embed.obj("record")
                assert outer is not None
                inner = outer.obj("record")
                assert inner is not None
                quoted = inner.req("uri", max_len=2000)
        langs = post.strs("langs")
        created = post.req_when("createdAt")
        return Observation(
            channel=self.CHANNEL,
            kind=ObservationKind.EDIT
            if edit
            else (ObservationKind.COMMENT if parent_uri else ObservationKind.POST),
            source_id=uri,
            created_at=created,
            author=author,
            text=post.text("text"),
            language=langs[0] if langs else None,
            mentions=tuple(dict.fromkeys(mentions)),
            hashtags=tuple(tags),
            urls=tuple(links),
            in_reply_to_id=parent_uri,
            in_reply_to_user_id=did_of(parent_uri) if parent_uri else None,
            quoted_id=quoted,
            conversation_id=root_uri or uri,
            edited_at=self.clock.now() if edit else None,
            raw_ref=ref,
        )
