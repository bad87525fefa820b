"""Consent-gated marketing: planning checks, enrichment derivations, transparent scores,
segments and the send-time recipient check. The modules here are PURE: values in,
values out, no database, no clock (``now`` is passed in), no network.

Services (with storage) call these functions; see ``docs/marketing.md``.
"""

from sphere.marketing.catalogue import Catalogue, CatalogueEntry, EntryKind, optiklinse_catalogue
from sphere.marketing.channel import OutreachChannel, Reason
from sphere.marketing.derive import (
    DerivedAttribute,
    SourceEvent,
    SourceText,
    derive_churn_risk,
    derive_cross_selling,
    derive_interests,
    derive_sentiment,
)
from sphere.marketing.planning import (
    AudienceFacts,
    DataItem,
    Measure,
    MeasureKind,
    PlanningResult,
    Verdict,
    assess_contact,
    check_measure,
)
from sphere.marketing.recipient import (
    Campaign,
    QuietHours,
    RecipientFacts,
    RecipientVerdict,
    check_recipient,
)
from sphere.marketing.score import ScoreModel, ScoreResult, art22_refusal, score
from sphere.marketing.segment import (
    ContactProfile,
    Membership,
    Segment,
    SegmentError,
    compile_segment,
)
from sphere.marketing.sentiment import Sentiment, SentimentLabel, analyse_sentiment

__all__ = [
    "AudienceFacts",
    "Campaign",
    "Catalogue",
    "CatalogueEntry",
    "ContactProfile",
    "DataItem",
    "DerivedAttribute",
    "EntryKind",
    "Measure",
    "MeasureKind",
    "Membership",
    "OutreachChannel",
    "PlanningResult",
    "QuietHours",
    "Reason",
    "RecipientFacts",
    "RecipientVerdict",
    "ScoreModel",
    "ScoreResult",
    "Segment",
    "SegmentError",
    "Sentiment",
    "SentimentLabel",
    "SourceEvent",
    "SourceText",
    "Verdict",
    "analyse_sentiment",
    "art22_refusal",
    "assess_contact",
    "check_measure",
    "check_recipient",
    "compile_segment",
    "derive_churn_risk",
    "derive_cross_selling",
    "derive_interests",
    "derive_sentiment",
    "optiklinse_catalogue",
    "score",
]
