"""Consent-gated marketing: planning checks, enrichment derivations, transparent scores,
segments and the send-time recipient check. The modules here are PURE: values in,
values out, no database, no clock (``now`` is passed in), no network.

Services (with storage) call these functions; see ``docs/marketing.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphere.marketing.catalogue import (
        Catalogue,
        CatalogueEntry,
        EntryKind,
        optiklinse_catalogue,
    )
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

# Imported on first use (PEP 562): the pipeline's opt-out observer and sentiment
# lexicon are imported by every ``sphere ingest``, which needs none of the rest.
_WHERE = {
    "AudienceFacts": "sphere.marketing.planning",
    "Campaign": "sphere.marketing.recipient",
    "Catalogue": "sphere.marketing.catalogue",
    "CatalogueEntry": "sphere.marketing.catalogue",
    "ContactProfile": "sphere.marketing.segment",
    "DataItem": "sphere.marketing.planning",
    "DerivedAttribute": "sphere.marketing.derive",
    "EntryKind": "sphere.marketing.catalogue",
    "Measure": "sphere.marketing.planning",
    "MeasureKind": "sphere.marketing.planning",
    "Membership": "sphere.marketing.segment",
    "OutreachChannel": "sphere.marketing.channel",
    "PlanningResult": "sphere.marketing.planning",
    "QuietHours": "sphere.marketing.recipient",
    "Reason": "sphere.marketing.channel",
    "RecipientFacts": "sphere.marketing.recipient",
    "RecipientVerdict": "sphere.marketing.recipient",
    "ScoreModel": "sphere.marketing.score",
    "ScoreResult": "sphere.marketing.score",
    "Segment": "sphere.marketing.segment",
    "SegmentError": "sphere.marketing.segment",
    "Sentiment": "sphere.marketing.sentiment",
    "SentimentLabel": "sphere.marketing.sentiment",
    "SourceEvent": "sphere.marketing.derive",
    "SourceText": "sphere.marketing.derive",
    "Verdict": "sphere.marketing.planning",
    "analyse_sentiment": "sphere.marketing.sentiment",
    "art22_refusal": "sphere.marketing.score",
    "assess_contact": "sphere.marketing.planning",
    "check_measure": "sphere.marketing.planning",
    "check_recipient": "sphere.marketing.recipient",
    "compile_segment": "sphere.marketing.segment",
    "derive_churn_risk": "sphere.marketing.derive",
    "derive_cross_selling": "sphere.marketing.derive",
    "derive_interests": "sphere.marketing.derive",
    "derive_sentiment": "sphere.marketing.derive",
    "optiklinse_catalogue": "sphere.marketing.catalogue",
    "score": "sphere.marketing.score",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


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
