"""Enrichment derivations from a contact's stored texts and events: interests, sentiment,
cross-selling potential and churn risk.

Every result is a :class:`DerivedAttribute` that keeps its provenance (DESIGN invariant
2): the ids of the texts and events it was derived from, the purpose it relies on, and
an explanation a person can check against the data ("interested in telephoto lenses:
3 posts between 2026-03-01 and 2026-05-02 mention them"). Explanations name counts,
dates and catalogue labels, never post text.

Special categories (GDPR Art. 9(1)): a text in which ``detect_special_categories`` finds
a statement about a person is skipped unless ``explicit_consent=True`` (Art. 9(2)(a)) —
"My diabetes … the macro lens" must not turn into a health-tinged interest profile. The
explanation says how many texts were skipped and why.

The caller decides whether derivation is allowed at all (``planning.check_measure`` or
the policy with ``Purpose.PROFILING``/``ENRICHMENT``); these functions only compute.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sphere.domain import Purpose, ensure_utc
from sphere.marketing.catalogue import Catalogue, EntryKind
from sphere.marketing.sentiment import SentimentLabel, analyse_sentiment, label_for
from sphere.pii.special import detect_special_categories

CHURN_TERMS = (
    "kündigen", "kündigung", "gekündigt", "wechsle", "wechseln", "nie wieder", "zurückschicken",
    "zurückgeben", "erstattung", "cancel", "cancelling", "switching", "never again", "refund",
    "return it", "sending it back", "konkurrenz", "competitor",
)  # fmt: skip
INACTIVITY_DAYS = 180  # no text or event for this long counts fully towards churn risk


@dataclass(frozen=True, slots=True)
class SourceText:
    """A stored post, comment or message of the contact. ``text`` is never in repr."""

    id: str
    text: str = field(repr=False)
    created_at: datetime
    language: str | None = None
    kind: str = "post"


@dataclass(frozen=True, slots=True)
class SourceEvent:
    """A web or app event (``kind`` e.g. ``"page_view"``, ``"purchase"``)."""

    id: str
    kind: str
    url: str = field(repr=False)
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class DerivedAttribute:
    """One inferred datum (GDPR Art. 15: "derived"), with provenance and explanation."""

    name: str
    value: str | float
    explanation: str
    source_ids: tuple[str, ...]
    basis_purpose: Purpose
    skipped_ids: tuple[str, ...] = ()


def usable_texts(
    texts: Iterable[SourceText], *, explicit_consent: bool = False
) -> tuple[list[SourceText], list[SourceText]]:
    """Split ``texts`` into (usable, skipped for special categories)."""
    usable: list[SourceText] = []
    skipped: list[SourceText] = []
    for t in texts:
        if not explicit_consent and detect_special_categories(t.text, lang=t.language):
            skipped.append(t)
        else:
            usable.append(t)
    return usable, skipped


def derive_interests(
    texts: Sequence[SourceText],
    catalogue: Catalogue,
    *,
    events: Sequence[SourceEvent] = (),
    explicit_consent: bool = False,
    purpose: Purpose = Purpose.PROFILING,
    min_mentions: int = 1,
) -> tuple[DerivedAttribute, ...]:
    """One ``interest`` attribute per catalogue entry the texts or event URLs mention."""
    usable, skipped = usable_texts(texts, explicit_consent=explicit_consent)
    out: list[DerivedAttribute] = []
    for entry in catalogue.entries:
        hits = [t for t in usable if entry.key in catalogue.match(t.text)]
        views = [e for e in events if entry.key in catalogue.match(e.url)]
        if len(hits) + len(views) < min_mentions:
            continue
        parts = []
        if hits:
            parts.append(_plural(len(hits), _noun(hits)))
        if views:
            parts.append(_plural(len(views), "event"))
        dates = [t.created_at for t in hits] + [e.occurred_at for e in views]
        pronoun = "them" if entry.kind is EntryKind.PRODUCT_LINE else "it"
        verb = "mention" if len(hits) + len(views) > 1 else "mentions"
        explanation = (
            f"interested in {entry.label}: {' and '.join(parts)} {_span(dates)} {verb} {pronoun}"
        )
        out.append(
            DerivedAttribute(
                name="interest",
                value=entry.key,
                explanation=explanation + _skip_note(skipped),
                source_ids=tuple(x.id for x in hits) + tuple(e.id for e in views),
                basis_purpose=purpose,
                skipped_ids=tuple(t.id for t in skipped),
            )
        )
    return tuple(out)


def derive_sentiment(
    texts: Sequence[SourceText],
    *,
    explicit_consent: bool = False,
    purpose: Purpose = Purpose.PROFILING,
) -> DerivedAttribute | None:
    """The mean sentiment over the usable texts; None when no text is usable."""
    usable, skipped = usable_texts(texts, explicit_consent=explicit_consent)
    if not usable:
        return None
    results = [analyse_sentiment(t.text, language=t.language) for t in usable]
    mean = sum(r.score for r in results) / len(results)
    counts = Counter(r.label for r in results)
    label = label_for(mean)
    breakdown = ", ".join(f"{counts[lab]} {lab.value}" for lab in SentimentLabel if counts[lab])
    explanation = (
        f"sentiment {label.value} (mean score {mean:+.2f}) over {_plural(len(usable), 'text')} "
        f"{_span([t.created_at for t in usable])}: {breakdown}"
    )
    return DerivedAttribute(
        name="sentiment",
        value=label.value,
        explanation=explanation + _skip_note(skipped),
        source_ids=tuple(t.id for t in usable),
        basis_purpose=purpose,
        skipped_ids=tuple(t.id for t in skipped),
    )


def derive_cross_selling(
    texts: Sequence[SourceText],
    catalogue: Catalogue,
    *,
    owned: Iterable[str] = (),
    events: Sequence[SourceEvent] = (),
    explicit_consent: bool = False,
    purpose: Purpose = Purpose.PROFILING,
) -> DerivedAttribute:
    """Potential 0..1 for product lines the contact shows interest in but does not own.

    ``0.3`` per such line plus ``0.1`` per further mention, capped at 1, halved when the
    mean sentiment is negative. Topics raise it only through the lines (they are not sold).
    """
    owned_set = set(owned)
    interests = derive_interests(
        texts, catalogue, events=events, explicit_consent=explicit_consent, purpose=purpose
    )
    lines = [
        a
        for a in interests
        if catalogue.entry(str(a.value)).kind is EntryKind.PRODUCT_LINE and a.value not in owned_set
    ]
    mentions = sum(len(a.source_ids) for a in lines)
    raw = min(1.0, 0.3 * len(lines) + 0.1 * max(0, mentions - len(lines)))
    sentiment = derive_sentiment(texts, explicit_consent=explicit_consent, purpose=purpose)
    negative = sentiment is not None and sentiment.value == SentimentLabel.NEGATIVE.value
    value = round(raw * (0.5 if negative else 1.0), 2)
    usable, skipped = usable_texts(texts, explicit_consent=explicit_consent)
    if lines:
        names = ", ".join(catalogue.entry(str(a.value)).label for a in lines)
        explanation = (
            f"cross-selling potential {value:.2f}: interested in {names} not owned yet "
            f"({_plural(mentions, 'mention')})"
        )
    else:
        explanation = (
            f"cross-selling potential {value:.2f}: no interest in a product line not owned"
        )
    if negative:
        explanation += "; halved because the sentiment is negative"
    ids = sorted({i for a in lines for i in a.source_ids})
    return DerivedAttribute(
        name="cross_selling_potential",
        value=value,
        explanation=explanation + _skip_note(skipped),
        source_ids=tuple(ids),
        basis_purpose=purpose,
        skipped_ids=tuple(t.id for t in skipped),
    )


def derive_churn_risk(
    texts: Sequence[SourceText],
    *,
    now: datetime,
    events: Sequence[SourceEvent] = (),
    explicit_consent: bool = False,
    purpose: Purpose = Purpose.PROFILING,
) -> DerivedAttribute:
    """Churn risk 0..1 = 0.5 × share of negative texts + 0.3 if a text talks about
    cancelling/returning/switching + 0.2 × inactivity (days since the last text or event,
    full at ``INACTIVITY_DAYS``). Each part is named in the explanation."""
    now = ensure_utc(now)
    usable, skipped = usable_texts(texts, explicit_consent=explicit_consent)
    results = [(t, analyse_sentiment(t.text, language=t.language)) for t in usable]
    negative = [t for t, r in results if r.label is SentimentLabel.NEGATIVE]
    churny = [t for t in usable if any(term in t.text.lower() for term in CHURN_TERMS)]
    moments = [t.created_at for t in usable] + [e.occurred_at for e in events]
    last = max(moments) if moments else None
    idle_days = (now - ensure_utc(last)).days if last else INACTIVITY_DAYS
    idle = min(1.0, max(0, idle_days) / INACTIVITY_DAYS)
    share = len(negative) / len(usable) if usable else 0.0
    value = round(0.5 * share + (0.3 if churny else 0.0) + 0.2 * idle, 2)
    parts = [
        f"{len(negative)} of {_plural(len(usable), 'text')} negative (+{0.5 * share:.2f})",
        f"{_plural(len(churny), 'text')} about cancelling, returning or switching "
        f"(+{0.3 if churny else 0.0:.2f})",
        (
            f"last activity {idle_days} days ago (+{0.2 * idle:.2f})"
            if last
            else f"no activity on record (+{0.2 * idle:.2f})"
        ),
    ]
    ids = {t.id for t in negative} | {t.id for t in churny}
    if last is not None:
        ids |= {t.id for t in usable if t.created_at == last}
        ids |= {e.id for e in events if e.occurred_at == last}
    return DerivedAttribute(
        name="churn_risk",
        value=value,
        explanation=f"churn risk {value:.2f}: " + "; ".join(parts) + _skip_note(skipped),
        source_ids=tuple(sorted(ids)),
        basis_purpose=purpose,
        skipped_ids=tuple(t.id for t in skipped),
    )


def _noun(texts: Sequence[SourceText]) -> str:
    kinds = {t.kind for t in texts}
    return kinds.pop() if len(kinds) == 1 else "text"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _day(moment: datetime) -> date:
    return ensure_utc(moment).date()


def _span(moments: Sequence[datetime]) -> str:
    if not moments:
        return ""
    first, last = _day(min(moments)), _day(max(moments))
    if first == last:
        return f"on {first.isoformat()}"
    return f"between {first.isoformat()} and {last.isoformat()}"


def _skip_note(skipped: Sequence[SourceText]) -> str:
    if not skipped:
        return ""
    return (
        f"; {_plural(len(skipped), 'text')} skipped: special-category data "
        "(GDPR Art. 9(1)) is used only with explicit consent"
    )
