"""Conversation context, kept across batches and workers (``thread_marks``).

A post addresses the company not only by an @-mention: a reply in a conversation or
reply chain the company takes part in does too, and so does the author's own follow-up
in a conversation they opened by addressing the company, before the company answered
(issue 13, point 10). The classifier (``channels.addressing``) is pure and compares the
platform's ids; this module gives it, per batch, the ids it needs and learns from every
post as it is classified:

- a company account's post marks its post id and its conversation (the company takes
  part in it from now on);
- a post addressed to the company marks its post id as part of the company's reply
  chain when the company is already in the conversation; otherwise it marks the
  conversation and the post as *opened by its author* (``opened_*``, keyed with the
  author's id, so only the author's own follow-ups count);
- a follow-up extends the chain it belongs to.

Conversation ids are X ``conversation_id``, the Bluesky reply ``root``, the Facebook post
of a comment thread; Mastodon has none, its threads are ``in_reply_to_id`` chains.

Storage holds only HMAC keys (``Keyring.thread_mark``), never an id or text. Marks are
read set-based at the start of a batch (one query) and upserted at its end, in the
batch's transaction: what a batch learned is seen by the next batch and by every other
worker once it commits. Two posts of one conversation processed at the same moment by
two workers do not see each other (each sees what was committed before it started).
Marks expire after the customer-care retention from their last use (Art. 5(1)(e)).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sphere.channels import AddressingResult, ThreadContext
from sphere.domain import Addressing, Observation
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.threads import ThreadMarkRepository

COMPANY_POST = "company_post"
COMPANY_CONVERSATION = "company_conversation"
COMPANY_THREAD_POST = "company_thread_post"
OPENED_CONVERSATION = "opened_conversation"
OPENED_POST = "opened_post"
_ADDRESSED = (Addressing.ADDRESSED, Addressing.DIRECT)


class ThreadMemory:
    """The batch's view of the conversation marks: raw ids in memory, keys in storage."""

    def __init__(
        self, repository: ThreadMarkRepository, keyring: Keyring, *, keep_for: timedelta
    ) -> None:
        self.repository, self.keyring, self.keep_for = repository, keyring, keep_for
        self.company_post_ids: set[str] = set()
        self.company_conversation_ids: set[str] = set()
        self.company_thread_post_ids: set[str] = set()
        self.opened_conversations: dict[str, set[str]] = {}
        self.opened_post_ids: dict[str, set[str]] = {}
        self.pending: dict[str, str] = {}  # key → kind, written by ``flush``
        self.context = ThreadContext(
            company_post_ids=self.company_post_ids,
            company_conversation_ids=self.company_conversation_ids,
            company_thread_post_ids=self.company_thread_post_ids,
            opened_conversations=self.opened_conversations,
            opened_post_ids=self.opened_post_ids,
        )  # a view on the live sets: what a post teaches is seen by the next one

    def _key(self, obs: Observation, kind: str, *ids: str) -> str:
        return self.keyring.thread_mark(obs.channel.value, kind, *ids)

    def _candidates(self, obs: Observation) -> Iterable[tuple[str, str, str, str | None]]:
        """(key, kind, id, author) of every mark that could bear on ``obs``."""
        author = obs.author.channel_user_id if obs.author is not None else None
        for post_id in {i for i in (obs.in_reply_to_id, obs.quoted_id) if i}:
            yield self._key(obs, COMPANY_POST, post_id), COMPANY_POST, post_id, None
        if obs.in_reply_to_id:
            reply = obs.in_reply_to_id
            yield self._key(obs, COMPANY_THREAD_POST, reply), COMPANY_THREAD_POST, reply, None
            if author:
                key = self._key(obs, OPENED_POST, reply, author)
                yield key, OPENED_POST, reply, author
        if obs.conversation_id:
            conv = obs.conversation_id
            yield self._key(obs, COMPANY_CONVERSATION, conv), COMPANY_CONVERSATION, conv, None
            if author:
                key = self._key(obs, OPENED_CONVERSATION, conv, author)
                yield key, OPENED_CONVERSATION, conv, author

    def prefetch(self, observations: Iterable[Observation], *, now: datetime) -> None:
        """Read the marks the batch's posts could need (one query)."""
        candidates = [c for obs in observations for c in self._candidates(obs)]
        if not candidates:
            return
        present = self.repository.present((c[0] for c in candidates), now=now)
        for key, kind, ident, author in candidates:
            if key in present:
                self._remember(kind, ident, author)

    def _remember(self, kind: str, ident: str, author: str | None) -> None:
        if kind == COMPANY_POST:
            self.company_post_ids.add(ident)
        elif kind == COMPANY_CONVERSATION:
            self.company_conversation_ids.add(ident)
        elif kind == COMPANY_THREAD_POST:
            self.company_thread_post_ids.add(ident)
        elif kind == OPENED_CONVERSATION and author:
            self.opened_conversations.setdefault(ident, set()).add(author)
        elif kind == OPENED_POST and author:
            self.opened_post_ids.setdefault(ident, set()).add(author)

    def _mark(self, obs: Observation, kind: str, ident: str, author: str | None = None) -> None:
        self._remember(kind, ident, author)
        ids = (ident, author) if author else (ident,)
        self.pending[self._key(obs, kind, *ids)] = kind

    def learn(self, obs: Observation, result: AddressingResult, *, company_post: bool) -> None:
        """Remember what ``obs`` (just classified as ``result``) says about its thread."""
        conv = obs.conversation_id
        if company_post:
            self._mark(obs, COMPANY_POST, obs.source_id)
            if conv:
                self._mark(obs, COMPANY_CONVERSATION, conv)
            return
        if result.addressing not in _ADDRESSED:
            return
        author = obs.author.channel_user_id if obs.author is not None else None
        company_in_thread = bool(
            (conv and conv in self.company_conversation_ids)
            or (
                obs.in_reply_to_id
                and (
                    obs.in_reply_to_id in self.company_post_ids
                    or obs.in_reply_to_id in self.company_thread_post_ids
                )
            )
        )
        if company_in_thread:
            self._mark(obs, COMPANY_THREAD_POST, obs.source_id)
            return
        if author is None:
            return
        self._mark(obs, OPENED_POST, obs.source_id, author)
        if conv:
            self._mark(obs, OPENED_CONVERSATION, conv, author)

    def flush(self, *, now: datetime) -> None:
        """Write the marks learned since the last flush (one upsert), in the caller's
        transaction."""
        pending, self.pending = self.pending, {}
        self.repository.mark(pending, expires_at=now + self.keep_for)
