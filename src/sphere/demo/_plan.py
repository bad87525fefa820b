"""Channel-neutral plan of who posts what, when, in reply to whom.

Each channel renderer receives the same kind of plan (accounts, segments, reply
links, timestamps) and only spells it in its own wire format. Timestamps are drawn
over 2026-01-01 … 2026-11-28 UTC with a day-time curve, then sorted, so a reply is
always later than its parent.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sphere.demo._people import Contact, Pools, ascii_slug, handle_for
from sphere.demo._text import KINDS, Composer, Segment

PERIOD_START = datetime(2026, 1, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 11, 29, tzinfo=UTC)  # exclusive: last instant 2026-11-28 23:59:59
_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 9, 8, 8, 8, 8, 9, 10, 11, 10, 8, 5, 3)


@dataclass(frozen=True, slots=True)
class Account:
    """A channel account. ``customer_number`` is set when the CRM knows this handle."""

    user_id: str
    username: str
    display_name: str
    first_name: str
    lang: str
    domain: str = ""  # Mastodon instance
    email: str = ""  # forum accounts register with an e-mail address
    customer_number: str = ""
    is_company: bool = False
    protected: bool = False  # X: tweets visible to approved followers only


@dataclass(frozen=True, slots=True)
class PlannedPost:
    seq: int
    created: float  # POSIX seconds, UTC
    author: Account
    kind: str  # one of sphere.demo._text.KINDS
    lang: str
    segments: tuple[tuple[str, object], ...]  # mentions resolved to Account
    reply_to: int | None  # seq of the parent in the same channel
    root: int  # seq of the conversation root
    hostile: bool


@dataclass(frozen=True, slots=True)
class ChannelMix:
    """Relative weights of the content kinds on one channel."""

    addressed: float
    direct: float
    brand: float
    private: float
    unrelated: float
    company_reply: float
    company_post: float
    private_needs_protected: bool = False  # X: followers-only means a protected account
    reply_to_company: float = 0.3  # share of addressed posts that answer a company post
    reply_to_any: float = 0.15  # share of brand/unrelated posts that join a conversation

    def weights(self) -> tuple[list[str], list[float]]:
        kinds = list(KINDS)
        return kinds, [getattr(self, k) for k in kinds]


def draw_times(rng: random.Random, n: int) -> list[float]:
    start = PERIOD_START.timestamp()
    days = int((PERIOD_END - PERIOD_START).total_seconds() // 86400)
    hours = rng.choices(range(24), weights=_HOUR_WEIGHTS, k=n)
    out = [
        start + rng.randrange(days) * 86400 + h * 3600 + rng.randrange(3600) + rng.random()
        for h in hours
    ]
    out.sort()
    return out


def linked_accounts(channel: str, contacts: list[Contact]) -> list[Account]:
    """Accounts of CRM contacts whose handle for ``channel`` is in the CRM export."""
    out: list[Account] = []
    for c in contacts:
        common = {
            "display_name": c.display_name,
            "first_name": c.first_name,
            "lang": c.language,
            "customer_number": c.customer_number,
            "email": c.email,
        }
        if channel == "x" and c.x_username:
            protected = int(c.x_user_id) % 9 == 0
            out.append(
                Account(user_id=c.x_user_id, username=c.x_username, protected=protected, **common)
            )
        elif channel == "mastodon" and c.mastodon_acct:
            user, domain = c.mastodon_acct.split("@", 1)
            out.append(
                Account(user_id=c.mastodon_account_id, username=user, domain=domain, **common)
            )
        elif channel == "bluesky" and c.bluesky_handle:
            out.append(Account(user_id=c.bluesky_did, username=c.bluesky_handle, **common))
        elif channel == "facebook" and c.facebook_user_id:
            out.append(Account(user_id=c.facebook_user_id, username="", **common))
        elif channel == "forum" and c.forum_user_id:
            username = ascii_slug(c.first_name) + c.forum_user_id[2:]
            out.append(Account(user_id=c.forum_user_id, username=username, **common))
    return out


def unknown_accounts(channel: str, n: int, rng: random.Random, pools: Pools) -> list[Account]:
    """Accounts the CRM does not know; ids live in ranges the contacts never use."""
    out: list[Account] = []
    for i in range(n):
        lang = "de" if rng.random() < 0.6 else "en"
        first = rng.choice(pools.first_de if lang == "de" else pools.first_en)
        last = rng.choice(pools.last_de if lang == "de" else pools.last_en)
        handle = f"{handle_for(rng, first, last)}{i}"
        display = f"{first} {last}" if rng.random() < 0.7 else f"{first} 📷"
        if channel == "x":
            acc = Account(str(2 * 10**18 + i * 7919), handle, display, first, lang)
            if rng.random() < 0.12:
                acc = Account(acc.user_id, handle, display, first, lang, protected=True)
        elif channel == "mastodon":
            domain = rng.choice(("photo.example", "social.example", "norden.example"))
            acc = Account(str(110000000000000000 + i), handle, display, first, lang, domain=domain)
        elif channel == "bluesky":
            did = "did:plc:unk" + f"{i:021d}"
            acc = Account(did, f"{handle.replace('_', '-')}.bsky.example", display, first, lang)
        elif channel == "facebook":
            acc = Account(str(9 * 10**15 + i * 131), "", f"{first} {last}", first, lang)
        else:  # forum: people register with an e-mail address
            mail = f"{ascii_slug(first)}.{ascii_slug(last)}{i}@example.net"
            acc = Account(f"u-{50000 + i}", handle, display, first, lang, email=mail)
        out.append(acc)
    return out


def plan_posts(
    rng: random.Random,
    n: int,
    *,
    mix: ChannelMix,
    company: Account,
    linked: list[Account],
    unknown: list[Account],
    composer: Composer,
    linked_share: float = 0.4,
) -> Iterator[PlannedPost]:
    """Yield ``n`` posts in time order; about ``linked_share`` come from CRM-known authors."""
    kinds, weights = mix.weights()
    drawn = rng.choices(kinds, weights=weights, k=n)
    times = draw_times(rng, n)
    roots: list[int] = []
    open_questions: list[int] = []  # addressed posts the company may answer
    authors: list[Account] = []
    company_posts: list[int] = []
    everyone = linked + unknown
    open_linked, open_unknown = linked, unknown
    closed_linked: list[Account] = []
    closed_unknown: list[Account] = []
    if mix.private_needs_protected:
        open_linked = [a for a in linked if not a.protected]
        open_unknown = [a for a in unknown if not a.protected]
        closed_linked = [a for a in linked if a.protected]
        closed_unknown = [a for a in unknown if a.protected]
    for seq, (kind, created) in enumerate(zip(drawn, times, strict=True)):
        reply_to: int | None = None
        if kind == "company_reply" and open_questions:
            author = company
            reply_to = open_questions.pop(rng.randrange(len(open_questions)))
            lang = authors[reply_to].lang
        elif kind == "company_post" or kind == "company_reply":
            kind = "company_post"
            author = company
            lang = "de" if rng.random() < 0.6 else "en"
        else:
            if kind == "private" and mix.private_needs_protected:
                pools = (closed_linked, closed_unknown)
            else:
                pools = (open_linked, open_unknown)
            pool = pools[0] if pools[0] and rng.random() < linked_share else pools[1]
            author = rng.choice(pool or everyone)
            lang = author.lang if rng.random() < 0.9 else ("en" if author.lang == "de" else "de")
            if kind == "addressed" and company_posts and rng.random() < mix.reply_to_company:
                reply_to = rng.choice(company_posts[-20:])
            elif kind in ("brand", "unrelated") and seq and rng.random() < mix.reply_to_any:
                reply_to = rng.randrange(max(0, seq - 200), seq)
        addressee = authors[reply_to].first_name if reply_to is not None else ""
        composed = composer.compose(
            rng,
            kind,
            lang,
            customer_number=author.customer_number,
            email=author.email if author.customer_number else "",
            addressee=addressee,
        )
        segments = tuple(_resolve(rng, s, company, author, everyone) for s in composed.segments)
        if kind == "company_reply" and reply_to is not None:
            segments = ((("m", authors[reply_to]), ("t", " ")) if rng.random() < 0.8 else ()) + (
                segments
            )
        roots.append(roots[reply_to] if reply_to is not None else seq)
        authors.append(author)
        if kind in ("addressed", "direct"):
            open_questions.append(seq)
            if len(open_questions) > 60:
                open_questions.pop(0)
        if author.is_company:
            company_posts.append(seq)
        yield PlannedPost(
            seq, created, author, kind, lang, segments, reply_to, roots[seq], composed.hostile
        )


def _resolve(
    rng: random.Random, seg: Segment, company: Account, author: Account, everyone: list[Account]
) -> tuple[str, object]:
    if seg[0] != "m":
        return seg
    if seg[1] is None:
        return ("m", company)
    pal = rng.choice(everyone)
    return ("m", pal if pal is not author else everyone[0])
