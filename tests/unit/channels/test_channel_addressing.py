"""The addressing classifier on the hand-labelled corpus and on parsed fixtures."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from sphere.channels import CompanyProfile, ThreadContext, adapter_for, classify
from sphere.channels.addressing import _CONFUSABLES, _INVISIBLE, fold
from sphere.domain import Addressing, Author, Channel, Observation, ObservationKind
from sphere.domain.facts import Visibility

CORPUS = Path(__file__).parents[2] / "corpus" / "addressing" / "cases.yaml"
WHEN = datetime(2026, 5, 1, tzinfo=UTC)
DOC = YAML(typ="safe").load(CORPUS.read_text(encoding="utf-8"))
PROFILE = CompanyProfile.build(
    **{
        k: DOC["company"][k]
        for k in ("accounts", "brand_names", "product_names", "hashtags", "page_ids")
    }
)
THREAD = ThreadContext(
    company_post_ids=frozenset(DOC["thread"]["company_post_ids"]),
    company_conversation_ids=frozenset(DOC["thread"]["company_conversation_ids"]),
    company_thread_post_ids=frozenset(DOC["thread"]["company_thread_post_ids"]),
    opened_conversations={
        k: frozenset(v) for k, v in DOC["thread"]["opened_conversations"].items()
    },
    opened_post_ids={k: frozenset(v) for k, v in DOC["thread"]["opened_post_ids"].items()},
)


def observation_of(case: dict[str, Any]) -> Observation:
    author = case.get("author", "2999999999")
    return Observation(
        channel=Channel(case.get("channel", "x")),
        kind=ObservationKind.POST,
        source_id=case["id"],
        created_at=WHEN,
        author=Author(author, handle=author),
        text=case["text"],
        visibility=Visibility(case.get("visibility", "public")),
        mentions=tuple(case.get("mentions", ())),
        in_reply_to_id=case.get("in_reply_to_id"),
        in_reply_to_user_id=case.get("in_reply_to_user_id"),
        quoted_id=case.get("quoted_id"),
        conversation_id=case.get("conversation_id"),
        on_company_page=bool(case.get("on_company_page", False)),
        container_id=case.get("container_id"),
    )


def test_corpus_is_big_enough_and_bilingual() -> None:
    langs = [case["lang"] for case in DOC["cases"]]
    assert len(langs) >= 80
    assert langs.count("de") >= 35 and langs.count("en") >= 35


def test_corpus_accuracy_at_least_95_percent() -> None:
    wrong = [
        case["id"]
        for case in DOC["cases"]
        if classify(observation_of(case), PROFILE, thread=THREAD).addressing.value
        != case["expected"]
    ]
    accuracy = 1 - len(wrong) / len(DOC["cases"])
    assert accuracy >= 0.95, wrong


def post(text: str, **fields: Any) -> Observation:
    return Observation(
        channel=fields.pop("channel", Channel.X),
        kind=ObservationKind.POST,
        source_id="1",
        created_at=WHEN,
        text=text,
        **fields,
    )


@pytest.mark.parametrize(
    ("obs", "evidence"),
    [
        (post("@optiklinse hi"), "mentions company account @optiklinse"),
        (
            post("@optiklіnse hi"),
            "mentions company account @optiklinse (look-alike characters folded)",
        ),
        (post("ok", in_reply_to_id="900"), "reply to company post 900"),
        (post("ok", in_reply_to_user_id="1000000001"), "reply to company account 1000000001"),
        (
            post("x", channel=Channel.FACEBOOK, container_id="1234567890"),
            "written on company page 1234567890",
        ),
        (
            post("a", mentions=("a", "b", "c", "optiklinse", "d")),
            "company is one of 5 mentioned accounts",
        ),
        (post("lol", quoted_id="900"), "quotes company post 900 (quoting alone does not address)"),
        (post(".@optiklinse fix it"), "mentions company account @optiklinse"),
        (
            post("ok", author=Author("2999999999"), conversation_id="conv-opened-1"),
            "follow-up in conversation conv-opened-1 the author opened to the company",
        ),
        (
            post("ok", channel=Channel.MASTODON, in_reply_to_id="950"),
            "reply in a reply chain the company takes part in (950)",
        ),
        (
            post("see @optiklinse.example", channel=Channel.MASTODON),
            "names company account @optiklinse.example (bluesky)",
        ),
    ],
    ids=[
        "mention",
        "lookalike",
        "reply-post",
        "reply-account",
        "page",
        "many",
        "quote",
        "dot-mention",
        "follow-up",
        "reply-chain",
        "other-channel-account",
    ],
)
def test_evidence_is_readable(obs: Observation, evidence: str) -> None:
    assert evidence in classify(obs, PROFILE, thread=THREAD).evidence


def test_events_and_deletions_are_not_applicable() -> None:
    event = Observation(
        channel=Channel.WEB, kind=ObservationKind.EVENT, source_id="e", created_at=WHEN
    )
    assert classify(event, PROFILE).addressing is Addressing.NOT_APPLICABLE


def test_mastodon_direct_to_company_is_direct() -> None:
    status = {
        "id": "1",
        "created_at": "2026-05-01T10:00:00Z",
        "visibility": "direct",
        "content": "<p>@optiklinse Bestellung?</p>",
        "account": {"id": "9", "acct": "anna", "url": "https://photo.example/@anna"},
        "mentions": [{"acct": "optiklinse", "url": "https://photo.example/@optiklinse"}],
    }
    (obs,) = adapter_for("mastodon").parse(status, ref="t")
    result = classify(obs, PROFILE)
    assert result.addressing is Addressing.DIRECT
    assert "mentions company account @optiklinse@photo.example" in result.evidence
    other = dict(status, mentions=[{"acct": "optiklinse@evil.example"}])
    (obs,) = adapter_for("mastodon").parse(other, ref="t")
    assert classify(obs, PROFILE).addressing is Addressing.PRIVATE_CONTEXT


def test_fold_of_ascii_text_is_the_full_fold() -> None:
    """fold() takes a shortcut for ASCII text (lower()); it must equal NFKC + case fold +
    the invisible and look-alike maps for every ASCII character."""
    text = "".join(map(chr, range(128))) + " Optiklinse OPTIKLINSE @Optik_Linse #Tele70200"
    full = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()
    assert fold(text) == full.translate(_CONFUSABLES)
