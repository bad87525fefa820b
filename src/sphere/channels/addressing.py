"""Did the author address the company? A pure, explainable classifier.

``classify(obs, profile, thread=...)`` returns an :class:`AddressingResult` with one of:

DIRECT
    a private message to a company account (COMPANY_DIRECT visibility, or a direct
    message whose recipients include a company account).
ADDRESSED
    mentions a company account (also among many mentions), replies to a company account
    or post, is written on the company's page/forum, or sits in a conversation the company
    started or takes part in (its posts, conversation ids and reply chains), or is the
    author's follow-up in a conversation or reply chain the author opened by addressing
    the company, before the company answered (the caller passes all of these in
    :class:`ThreadContext`; ``sphere.pipeline.threads`` keeps them across batches).
PUBLIC_MENTION
    public and not addressed: names the brand, a product or a company hashtag, quotes a
    company post, or does not refer to the company at all (evidence says which).
PRIVATE_CONTEXT
    not public and not addressed (followers-only posts, DMs between other people).
NOT_APPLICABLE
    events, contacts, deletions, and posts written by a company account itself.

Text matching is done on a folded form: NFKC, case folding, and a small confusables map
(Cyrillic/Greek look-alikes → Latin), so ``@OptikLinse`` and ``@optiklіnse`` (Cyrillic і)
match. A folded-only handle match still counts as addressing (the author meant the
company) and the evidence says look-alike characters were folded. ``@handles`` inside
URLs (``https://x.com/optiklinse``), e-mail addresses and code (`` `@optiklinse` ``) are not
mentions; ``.@optiklinse`` (X's idiom for a public reply-style mention) is one. An @-mention
of a company account of *another* channel does not address the company here, but names it
(``references_company``). Mentions the platform marked (``obs.mentions``) are trusted as
given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache

from sphere.domain import Addressing, Channel, Observation, ObservationKind
from sphere.domain.controller import ControllerProfile
from sphere.domain.facts import Visibility

# Look-alikes that NFKC leaves alone (Unicode confusables.txt, the Latin-relevant subset).
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "һ": "h",
        "ѕ": "s",
        "ԁ": "d",
        "ӏ": "l",
        "ɡ": "g",
        "ո": "n",
        "ս": "u",
        "ᴠ": "v",
        "ԝ": "w",
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ѵ": "v",
        "ı": "i",
        "ℓ": "l",
    }
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.[a-z]{2,}/\S*", re.IGNORECASE)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HASHTAG = re.compile(r"(?<![\w&/])[#＃](\w+)")
_URL_HINT = re.compile(r"/|www\.", re.IGNORECASE)  # every _URL match holds one of them
# "@x" not inside a word, URL path or e-mail; ".@x" (a dot right before, not after a word) is
# X's idiom for a mention that everyone sees, and counts.
_MENTION = re.compile(r"(?<![\w@/])(?<![\w@/]\.)[@＠]([\w][\w.-]*(?:@[\w-]+(?:\.[\w-]+)+)?)")


def fold(text: str) -> str:
    """NFKC, case fold, strip invisibles, map Cyrillic/Greek look-alikes to Latin."""
    if text.isascii():  # NFKC keeps ASCII, casefold is lower, no invisible or look-alike
        return text.lower()
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return text.casefold().translate(_CONFUSABLES)


def strip_non_prose(text: str) -> str:
    """Blank out code spans, URLs and e-mail addresses, where an @handle is no mention.
    (Each pattern runs only when the character it cannot match without is there.)"""
    if "`" in text:
        text = _CODE.sub(" ", text)
    if _URL_HINT.search(text):
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    return text


def text_mentions(text: str) -> list[str]:
    """``@handle`` tokens written in prose (raw, unfolded, without the @)."""
    prose = strip_non_prose(text.translate(_INVISIBLE))
    return [m.group(1).rstrip(".-") for m in _MENTION.finditer(prose)]


@dataclass(frozen=True, slots=True)
class CompanyProfile:
    """Who the company is on each channel and what its names are.

    ``accounts`` maps a channel to handles and ids of company accounts there (X username
    and numeric id, Mastodon ``user@server``, Bluesky handle and DID, Facebook page id).
    """

    accounts: Mapping[Channel, frozenset[str]] = field(default_factory=dict)
    brand_names: tuple[str, ...] = ()
    name: str = ""  # the controller's name, shown on the portal and public pages
    privacy_contact: str = ""  # the DPO's or privacy team's address (e-mail or URL)
    product_names: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    page_ids: frozenset[str] = frozenset()
    # name, address, representative, DPO, supervisory authority (``company.yaml``)
    controller: ControllerProfile = field(default_factory=ControllerProfile)

    @classmethod
    def build(
        cls,
        *,
        accounts: Mapping[str | Channel, Iterable[str]],
        brand_names: Iterable[str] = (),
        product_names: Iterable[str] = (),
        hashtags: Iterable[str] = (),
        page_ids: Iterable[str] = (),
        name: str = "",
        privacy_contact: str = "",
        controller: ControllerProfile | None = None,
    ) -> CompanyProfile:
        return cls(
            name=name,
            privacy_contact=privacy_contact,
            controller=controller or ControllerProfile(name=name, privacy_contact=privacy_contact),
            accounts={
                Channel(k): frozenset(fold(a.lstrip("@")) for a in v) for k, v in accounts.items()
            },
            brand_names=tuple(brand_names),
            product_names=tuple(product_names),
            hashtags=tuple(fold(h.lstrip("#")) for h in hashtags),
            page_ids=frozenset(page_ids),
        )

    def accounts_on(self, channel: Channel) -> frozenset[str]:
        base = self.accounts.get(channel, frozenset())
        return base | self.page_ids if channel is Channel.FACEBOOK else base


@dataclass(frozen=True, slots=True)
class ThreadContext:
    """What the caller knows about conversations.

    ``company_post_ids``: posts the company's accounts wrote. ``company_conversation_ids``:
    conversations (X ``conversation_id``, Bluesky reply ``root``, Facebook post of a comment
    thread) the company started or takes part in. ``company_thread_post_ids``: other posts
    in those conversations and reply chains (a Mastodon ``in_reply_to_id`` chain has no
    conversation id; each reply extends it). ``opened_conversations`` / ``opened_post_ids``
    map a conversation or post to the authors (``channel_user_id``) who opened it by
    addressing the company: their own follow-ups address the company too, before the
    company has answered; other people's replies there do not."""

    company_post_ids: AbstractSet[str] = frozenset()
    company_conversation_ids: AbstractSet[str] = frozenset()
    company_thread_post_ids: AbstractSet[str] = frozenset()
    opened_conversations: Mapping[str, AbstractSet[str]] = field(default_factory=dict)
    opened_post_ids: Mapping[str, AbstractSet[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AddressingResult:
    addressing: Addressing
    evidence: tuple[str, ...]
    references_company: bool = False  # names the company, a brand, product or hashtag

    @property
    def is_addressed(self) -> bool:
        """DIRECT or ADDRESSED: the author expects an answer from the company."""
        return self.addressing in (Addressing.DIRECT, Addressing.ADDRESSED)

    @property
    def is_about_company(self) -> bool:
        return self.references_company or self.addressing in (
            Addressing.DIRECT,
            Addressing.ADDRESSED,
        )


@lru_cache(maxsize=1024)  # the profile's brand and product names, asked for every post
def _name_pattern(name: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in fold(name).split()]
    body = r"[\s\-]*".join(parts)
    return re.compile(rf"(?<![\w@#]){body}(?:s|'s|’s)?(?!\w)")


@lru_cache(maxsize=65536)  # the same authors and mentions come back, post after post
def _folded_handle(handle: str) -> str:
    return fold(handle.lstrip("@"))


def _account_match(handle: str, accounts: frozenset[str], channel: Channel) -> str | None:
    """The company account ``handle`` denotes (folded compare), or None."""
    folded = _folded_handle(handle)
    if folded in accounts:
        return folded
    if channel is Channel.MASTODON and "@" not in folded:
        for account in accounts:
            if account.split("@", 1)[0] == folded:
                return account
    return None


def _company_mentions(obs: Observation, accounts: frozenset[str]) -> list[str]:
    evidence: list[str] = []
    platform = [m for m in obs.mentions if _account_match(m, accounts, obs.channel)]
    for mention in platform:
        evidence.append(f"mentions company account @{mention.lstrip('@')}")
    if platform:
        return evidence
    # Mastodon renders remote mentions with the local part only; when the platform lists
    # mentions, a bare text handle of another server must not be taken for the company.
    platform_locals = {m.split("@", 1)[0].lower() for m in obs.mentions}
    for raw in text_mentions(obs.text):
        account = _account_match(raw, accounts, obs.channel)
        if account is None:
            continue
        if obs.channel is Channel.MASTODON and "@" not in raw and raw.lower() in platform_locals:
            continue
        note = ""
        if raw.casefold() != account and raw.casefold() != account.split("@", 1)[0]:
            note = " (look-alike characters folded)"
        evidence.append(f"mentions company account @{account}{note}")
        break
    return evidence


def _brand_evidence(obs: Observation, profile: CompanyProfile) -> list[str]:
    stripped = strip_non_prose(obs.text)
    prose = fold(stripped)
    evidence = []
    if "@" in stripped or "＠" in stripped:  # a company account of another channel names it
        mentions = text_mentions(obs.text)  # once, not once per channel
        for channel, accounts in profile.accounts.items():
            if channel is obs.channel:
                continue
            account = next(
                (a for raw in mentions if (a := _account_match(raw, accounts, channel))), None
            )
            if account is not None:
                evidence.append(f"names company account @{account} ({channel.value})")
                break
    for name in profile.brand_names:
        if _name_pattern(name).search(prose):
            evidence.append(f"names brand {name!r}")
    for name in profile.product_names:
        if _name_pattern(name).search(prose):
            evidence.append(f"names product {name!r}")
    tags = {fold(t.lstrip("#")) for t in obs.hashtags}
    tags |= {fold(m) for m in _HASHTAG.findall(stripped)}
    for tag in profile.hashtags:
        if tag in tags:
            evidence.append(f"uses company hashtag #{tag}")
    return evidence


def _follow_up(obs: Observation, thread: ThreadContext) -> list[str]:
    """The author adds to a conversation or reply chain they opened by addressing the
    company (the company has not answered yet, or answered elsewhere)."""
    author = obs.author.channel_user_id if obs.author is not None else None
    if author is None:
        return []
    if obs.conversation_id and author in thread.opened_conversations.get(obs.conversation_id, ()):
        return [f"follow-up in conversation {obs.conversation_id} the author opened to the company"]
    if obs.in_reply_to_id and author in thread.opened_post_ids.get(obs.in_reply_to_id, ()):
        return [f"follow-up to the author's own post {obs.in_reply_to_id} to the company"]
    return []


def classify(
    obs: Observation, profile: CompanyProfile, *, thread: ThreadContext | None = None
) -> AddressingResult:
    """Classify one observation; see the module docstring for the classes and rules."""
    if obs.kind in (ObservationKind.EVENT, ObservationKind.CONTACT, ObservationKind.DELETION):
        return AddressingResult(Addressing.NOT_APPLICABLE, (f"{obs.kind.value} is not a post",))
    accounts = profile.accounts_on(obs.channel)
    thread = thread or ThreadContext()
    if obs.author is not None:
        own = [
            h
            for h in (obs.author.channel_user_id, obs.author.handle)
            if h and _account_match(h, accounts, obs.channel)
        ]
        if own:
            return AddressingResult(
                Addressing.NOT_APPLICABLE, (f"written by company account {own[0]}",)
            )

    evidence = _company_mentions(obs, accounts)
    if obs.in_reply_to_user_id and _account_match(obs.in_reply_to_user_id, accounts, obs.channel):
        evidence.append(f"reply to company account {obs.in_reply_to_user_id}")
    if obs.in_reply_to_id and obs.in_reply_to_id in thread.company_post_ids:
        evidence.append(f"reply to company post {obs.in_reply_to_id}")
    elif obs.in_reply_to_id and obs.in_reply_to_id in thread.company_thread_post_ids:
        evidence.append(f"reply in a reply chain the company takes part in ({obs.in_reply_to_id})")

    if obs.visibility is Visibility.COMPANY_DIRECT:
        return AddressingResult(
            Addressing.DIRECT, ("direct message to a company account", *evidence)
        )
    if obs.visibility is Visibility.PRIVATE_MESSAGE:
        if evidence:
            return AddressingResult(
                Addressing.DIRECT,
                ("private message with a company account among the recipients", *evidence),
            )
        return AddressingResult(
            Addressing.PRIVATE_CONTEXT,
            ("private message; no company account among the recipients",),
        )

    if obs.on_company_page:
        evidence.append("written on the company's own page or forum")
    elif obs.container_id and obs.container_id in profile.page_ids:
        evidence.append(f"written on company page {obs.container_id}")
    if (
        obs.conversation_id
        and obs.conversation_id in thread.company_conversation_ids
        and not any(e.startswith("reply to company") for e in evidence)
    ):
        evidence.append(f"in conversation {obs.conversation_id} the company takes part in")
    if not evidence:
        evidence.extend(_follow_up(obs, thread))

    if evidence:
        if len(obs.mentions) > 3 and any(e.startswith("mentions company") for e in evidence):
            evidence.append(f"company is one of {len(obs.mentions)} mentioned accounts")
        return AddressingResult(Addressing.ADDRESSED, tuple(evidence))

    references = _brand_evidence(obs, profile)
    if obs.quoted_id and obs.quoted_id in thread.company_post_ids:
        references.append(f"quotes company post {obs.quoted_id} (quoting alone does not address)")
    if obs.visibility in (Visibility.PUBLIC, Visibility.COMPANY_PUBLIC):
        return AddressingResult(
            Addressing.PUBLIC_MENTION,
            tuple(references) or ("public; no reference to the company found",),
            references_company=bool(references),
        )
    return AddressingResult(
        Addressing.PRIVATE_CONTEXT,
        (f"{obs.visibility.value} and not addressed to the company", *references),
        references_company=bool(references),
    )
