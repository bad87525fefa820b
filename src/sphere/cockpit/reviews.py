"""The review queue for the service team and the DPO (issue 13, point 4).

Posts addressed to the company that could not be stored as they are (customer care
needs explicit consent for Art. 9 data, or no policy rule decided) are listed here with
the reason, the rule, the article and the special categories found — never the text,
unless the policy's Art. 9(2)(e) basis let the pipeline keep it minimised
(``sphere.pipeline.review``). Each item comes with a reply template in the post's
language (German or English) that either asks for explicit consent (Art. 9(2)(a),
Art. 7(2): a clear request, separate from other matters, withdrawable at any time) for
a private message, or, for a public post, points to a private channel so the person
does not have to discuss her health in public.

Roles: ``agent`` (service), ``dpo``, ``admin`` read and change state; ``auditor`` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.errors import InvalidInput, NotFound
from sphere.i18n import translator
from sphere.i18n.glossary import term
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.reviews import STATES, ReviewItem, ReviewRepository

# The categories as they read inside a reply to the person ("Angaben zu Ihrer Gesundheit").
PHRASES: dict[str, dict[str, str]] = {
    "de": {
        "health": "Ihrer Gesundheit",
        "religion": "Ihrer Religion oder Weltanschauung",
        "politics": "Ihrer politischen Meinung",
        "trade_union": "Ihrer Gewerkschaftszugehörigkeit",
        "sexual_orientation": "Ihrer sexuellen Orientierung",
        "ethnic_origin": "Ihrer ethnischen Herkunft",
        "biometric": "biometrischen Merkmalen",
        "genetic": "genetischen Merkmalen",
    },
    "en": {
        "health": "your health",
        "religion": "your religious or philosophical beliefs",
        "politics": "your political opinions",
        "trade_union": "your trade-union membership",
        "sexual_orientation": "your sexual orientation",
        "ethnic_origin": "your ethnic origin",
        "biometric": "biometric features",
        "genetic": "genetic features",
    },
}

# {topic}: the category phrases; {channel}: where to write privately.
TEMPLATES: dict[str, dict[str, str]] = {
    "de": {
        "public": "Danke für Ihre Nachricht – wir helfen Ihnen gern. Ihr Beitrag enthält "
        "Angaben zu {topic}; solche Angaben sollten nicht öffentlich stehen. Bitte "
        "schreiben Sie uns eine Direktnachricht ({channel}), dann kümmern wir uns dort um "
        "Ihr Anliegen. Wenn Sie möchten, löschen Sie den öffentlichen Beitrag.",
        "private": "Danke für Ihre Nachricht – wir helfen Ihnen gern. Sie haben uns "
        "Angaben zu {topic} mitgeteilt. Dürfen wir diese Angaben ausschließlich dafür "
        "verwenden, Ihr Anliegen zu bearbeiten? Dann antworten Sie bitte mit „Ja, ich "
        "willige ein“ (ausdrückliche Einwilligung nach Art. 9 Abs. 2 lit. a DSGVO). Sie "
        "können die Einwilligung jederzeit widerrufen; ohne sie helfen wir Ihnen auch, "
        "nur ohne diese Angaben.",
        "review": "Danke für Ihre Nachricht. Wir prüfen Ihr Anliegen und melden uns "
        "zeitnah; bitte schreiben Sie uns für persönliche Angaben eine Direktnachricht "
        "({channel}).",
    },
    "en": {
        "public": "Thank you for your message – we are glad to help. Your post includes "
        "details about {topic}; such details are better not shared in public. Please "
        "send us a direct message ({channel}) and we will take care of your request there. "
        "You may want to delete the public post.",
        "private": "Thank you for your message – we are glad to help. You told us about "
        "{topic}. May we use this information only to handle your request? If so, please "
        'reply "Yes, I consent" (explicit consent under Art. 9(2)(a) GDPR). You can '
        "withdraw it at any time; without it we still help you, just without this "
        "information.",
        "review": "Thank you for your message. We are looking into your request and will "
        "get back to you shortly; for personal details please send us a direct message "
        "({channel}).",
    },
}
PRIVATE_CHANNEL = {
    "de": "Direktnachricht an unser Konto auf {name} oder über das Kundenportal",
    "en": "a direct message to our account on {name}, or the customer portal",
}
CHANNEL_NAMES = {
    "x": "X",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "facebook": "Facebook",
    "forum": "Forum",
}


@dataclass(frozen=True, slots=True)
class ReviewView:
    item: ReviewItem
    topic: str  # the special categories in the viewer's language
    template: str  # the reply, in the post's language (German if unknown)
    template_language: str


def reply_template(item: ReviewItem) -> tuple[str, str]:
    """The reply to send, in the post's language: (language, text)."""
    language = "en" if item.language == "en" else "de"
    phrases = PHRASES[language]
    topic = ", ".join(phrases.get(c, c) for c in item.categories) or (
        "persönlichen Dingen" if language == "de" else "personal matters"
    )
    if item.outcome != "needs_consent":
        kind = "review"
    elif item.visibility in ("private_message", "company_direct"):
        kind = "private"
    else:
        kind = "public"
    channel = PRIVATE_CHANNEL[language].format(name=CHANNEL_NAMES.get(item.channel, item.channel))
    return language, TEMPLATES[language][kind].format(topic=topic, channel=channel)


def _decrypt(session: Session, keyring: Keyring):  # noqa: ANN202 - a small closure
    def decrypt(subject_id: str, ciphertext: bytes) -> str | None:
        try:
            return keyring.decrypt_text(session, subject_id, ciphertext)
        except Exception:  # a destroyed key (erasure, retention): nothing to show
            return None

    return decrypt


def list_reviews(
    session: Session, keyring: Keyring, *, language: str = "en", state: str | None = "open"
) -> list[ReviewView]:
    if state is not None and state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}")
    items = ReviewRepository(session).list(_decrypt(session, keyring), state=state)
    tr = translator(language)
    views = []
    for item in items:
        template_language, template = reply_template(item)
        topic = ", ".join(term(tr, "special_category", c) for c in item.categories)
        views.append(ReviewView(item, topic, template, template_language))
    return views


def review_counts(session: Session) -> dict[str, int]:
    return ReviewRepository(session).counts()


def set_review_state(
    session: Session, item_id: str, state: str, *, actor: str, at: datetime
) -> None:
    """``open`` → ``replied`` (the template or an answer was sent) → ``closed``; audited."""
    if state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}")
    repository = ReviewRepository(session)
    if not repository.set_state(item_id, state, at=at, by=actor):
        raise NotFound(f"review item {item_id} not found")
    audit(
        session,
        actor=actor,
        action="review.state_changed",
        object_ids=(item_id,),
        details={"state": state},
        at=at,
    )
