"""Profiling and automated decisions, per person, in plain words (Art. 15(1)(h) GDPR).

The access export and the portal state for the person:

- whether profiling takes place (derived interests, scores, segment memberships held
  about them — Art. 4(4)) and whether an automated decision in the sense of Art. 22
  does (a score whose model ``drives_automated_decision``);
- the logic involved, meaningfully: which data (how many of their records each derived
  datum comes from, on which legal basis), which scores (each feature's value, weight
  and contribution to the total — the scores are additive on purpose,
  ``marketing.score``) and what they change (which offers and campaigns reach them);
- the envisaged consequences, and how to stop it (objection, Art. 21(2); withdrawal,
  Art. 7(3); human intervention, Art. 22(3)).

The facts come from ``marketing.profile_explain.explain_profile`` (the same explanation
the DPO and the service desk see); the words are German and English, both kept in the
export. Nothing here is computed anew: the statement describes what is held.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sphere.i18n import translator
from sphere.i18n.citation import cite
from sphere.marketing.profile_explain import explain_profile
from sphere.storage.crypto import Keyring

_WORDS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Profiling und automatisierte Entscheidungen (Art. 15 Abs. 1 lit. h DSGVO)",
        "none": "Wir erstellen kein Profil über Sie: Über Sie sind keine abgeleiteten "
        "Interessen, Bewertungen (Scores) oder Segmente gespeichert.",
        "yes": "Wir werten Daten über Sie aus, um Ihnen passende Angebote zu machen "
        "(Profiling, Art. 4 Nr. 4 DSGVO). So funktioniert es:",
        "no_automated": "Es gibt keine automatisierte Entscheidung im Sinne von Art. 22 "
        "DSGVO: Nichts davon entscheidet über einen Vertrag, Preise, Konditionen oder "
        "andere Dinge mit rechtlicher oder ähnlich erheblicher Wirkung für Sie.",
        "automated": "Der Score „{model}“ wird für eine automatisierte Entscheidung "
        "verwendet (Art. 22 DSGVO). Sie können verlangen, dass ein Mensch entscheidet, "
        "Ihren Standpunkt darlegen und die Entscheidung anfechten (Art. 22 Abs. 3).",
        "reviewed": " Jede solche Entscheidung prüft zurzeit ein Mensch ({who}).",
        "interest": "Abgeleitet – {name}: „{value}“, aus {n} Ihrer Datensätze ({how}); "
        "Rechtsgrundlage {article}.",
        "score": "Score „{model}“ = {total}: Grundwert {intercept}{parts}. {how} "
        "Rechtsgrundlage {article}.",
        "part": " + {feature} ({value}) × Gewicht {weight} = {contribution}",
        "segment": "Segment „{segment}“: {how}. Rechtsgrundlage {article}.",
        "changes": "Was das ändert: Interessen, Scores und Segmente bestimmen nur, welche "
        "Angebote und Kampagnen wir Ihnen schicken und in welcher Reihenfolge.",
        "consequences": "Folgen für Sie: Sie erhalten eher Angebote zu diesen Themen und "
        "seltener andere. Preise, Konditionen und Ihr Vertrag hängen nicht davon ab.",
        "stop": "Sie können dem Profiling jederzeit widersprechen (Art. 21 Abs. 2 DSGVO) "
        "oder Ihre Einwilligung widerrufen (Art. 7 Abs. 3 DSGVO); dann löschen wir die "
        "abgeleiteten Daten sofort.",
        "stopped": "Sie haben dem Profiling widersprochen: Wir leiten nichts mehr über Sie ab.",
    },
    "en": {
        "title": "Profiling and automated decisions (Art. 15(1)(h) GDPR)",
        "none": "We do not profile you: no derived interests, scores or segments are held "
        "about you.",
        "yes": "We analyse data about you to make you suitable offers (profiling, "
        "Art. 4(4) GDPR). This is how it works:",
        "no_automated": "There is no automated decision in the sense of Art. 22 GDPR: none "
        "of this decides on a contract, prices, terms or anything else with legal or "
        "similarly significant effect on you.",
        "automated": "The score '{model}' is used for an automated decision (Art. 22 GDPR). "
        "You may ask for a person to decide, state your view and contest the decision "
        "(Art. 22(3)).",
        "reviewed": " Every such decision is currently reviewed by a person ({who}).",
        "interest": "Derived – {name}: '{value}', from {n} of your records ({how}); legal "
        "basis {article}.",
        "score": "Score '{model}' = {total}: base value {intercept}{parts}. {how} Legal "
        "basis {article}.",
        "part": " + {feature} ({value}) × weight {weight} = {contribution}",
        "segment": "Segment '{segment}': {how}. Legal basis {article}.",
        "changes": "What it changes: interests, scores and segments only decide which "
        "offers and campaigns we send you, and in which order.",
        "consequences": "Consequences for you: you are more likely to get offers on these "
        "topics and fewer others. Prices, terms and your contract do not depend on it.",
        "stop": "You can object to profiling at any time (Art. 21(2) GDPR) or withdraw "
        "your consent (Art. 7(3) GDPR); we then delete the derived data at once.",
        "stopped": "You objected to profiling: we derive nothing more about you.",
    },
}


def _num(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _sentences(profile: dict[str, Any], words: dict[str, str], lang: str) -> dict[str, Any]:
    tr = translator(lang)
    logic: list[str] = []
    for a in profile["attributes"]:
        logic.append(
            words["interest"].format(
                name=a["name"],
                value=a["value"],
                n=len(a["sources"]),
                how=a["explanation"],
                article=cite(tr, a["legal_basis_article"]),
            )
        )
    automated: list[str] = []
    for s in profile["scores"]:
        parts = "".join(
            words["part"].format(
                feature=c["feature"],
                value=_num(c["value"]),
                weight=_num(c["weight"]),
                contribution=_num(c["contribution"]),
            )
            for c in s["contributions"]
        )
        logic.append(
            words["score"].format(
                model=s["model"],
                total=_num(s["total"]),
                intercept=_num(s["intercept"]),
                parts=parts,
                how=(s["explanation"] or "").rstrip(".") + ".",
                article=cite(tr, s["legal_basis_article"]),
            )
        )
        if s["drives_automated_decision"]:
            text = words["automated"].format(model=s["model"])
            if s["human_review_by"]:
                text += words["reviewed"].format(who=s["human_review_by"])
            automated.append(text)
    for m in profile["segments"]:
        logic.append(
            words["segment"].format(
                segment=m["segment"],
                how=m["explanation"],
                article=cite(tr, m["legal_basis_article"]),
            )
        )
    profiled = bool(logic)
    return {
        "title": words["title"],
        "summary": words["yes"] if profiled else words["none"],
        "logic": logic,
        "changes": words["changes"] if profiled else "",
        "automated_decisions": automated or [words["no_automated"]],
        "consequences": words["consequences"] if profiled else "",
        "your_rights": words["stopped"] if profile["objected_profiling"] else words["stop"],
    }


def profiling_statement(session: Session, keyring: Keyring, contact_id: str) -> dict[str, Any]:
    """The Art. 15(1)(h) statement for ``contact_id``: facts and words (de, en)."""
    profile = explain_profile(session, keyring, contact_id)
    return {
        "profiling": bool(profile["attributes"] or profile["scores"] or profile["segments"]),
        "automated_decisions": any(s["drives_automated_decision"] for s in profile["scores"]),
        "objected_profiling": profile["objected_profiling"],
        "interests": [
            {
                "name": a["name"],
                "value": a["value"],
                "how": a["explanation"],
                "records_used": len(a["sources"]),
                "legal_basis": a["legal_basis"],
            }
            for a in profile["attributes"]
        ],
        "scores": [
            {
                "model": s["model"],
                "total": s["total"],
                "intercept": s["intercept"],
                "contributions": s["contributions"],
                "drives_automated_decision": s["drives_automated_decision"],
                "human_review_by": s["human_review_by"],
                "legal_basis": s["legal_basis"],
            }
            for s in profile["scores"]
        ],
        "segments": [
            {"segment": m["segment"], "legal_basis": m["legal_basis"]} for m in profile["segments"]
        ],
        "text": {lang: _sentences(profile, words, lang) for lang, words in _WORDS.items()},
    }
