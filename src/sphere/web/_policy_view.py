"""Turn a ``Policy`` into rows for templates (cockpit policy page, transparency page),
and find the policy in force: the active stored version, else the shipped default."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from sphere.i18n import N_
from sphere.policy import Policy, default_policy, load_policy_text
from sphere.storage.repositories.policies import PolicyVersionRepository


@dataclass(frozen=True, slots=True)
class PurposeView:
    purpose: str
    title: str
    description: str
    legal_basis: str  # article text, e.g. "GDPR Art. 6(1)(f)"
    special_category_basis: str | None
    data_categories: tuple[str, ...]
    retention_days: int
    dpia_required: bool
    balancing_test: str | None
    # codes for pages that word them in their language (``sphere.i18n.glossary``)
    legal_basis_code: str = ""
    special_category_basis_code: str | None = None
    data_category_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleView:
    position: int
    id: str
    conditions: tuple[str, ...]
    outcome: str
    duties: tuple[str, ...]
    reason: str
    article: str


@dataclass(frozen=True, slots=True)
class PolicyView:
    version: str
    content_hash: str
    origin: str  # "stored (active)" or "shipped default"
    purposes: tuple[PurposeView, ...]
    rules: tuple[RuleView, ...]


def _value_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def policy_view(policy: Policy, *, origin: str) -> PolicyView:
    purposes = tuple(
        PurposeView(
            purpose=p.value,
            title=_label(p.value),
            description=spec.description,
            legal_basis=spec.legal_basis.article,
            special_category_basis=(
                spec.special_category_basis.article if spec.special_category_basis else None
            ),
            data_categories=tuple(_label(c.value) for c in spec.data_categories),
            retention_days=spec.retention_days,
            dpia_required=spec.dpia_required,
            balancing_test=spec.balancing_test,
            legal_basis_code=spec.legal_basis.value,
            special_category_basis_code=(
                spec.special_category_basis.value if spec.special_category_basis else None
            ),
            data_category_codes=tuple(c.value for c in spec.data_categories),
        )
        for p, spec in policy.purposes.items()
    )
    rules = tuple(
        RuleView(
            position=index,
            id=rule.id,
            conditions=tuple(
                f"{fact} ∈ {{{', '.join(_value_text(v) for v in values)}}}"
                for fact, values in rule.when
            ),
            outcome=rule.outcome.value,
            duties=tuple(d.value for d in rule.duties),
            reason=rule.reason,
            article=rule.article,
        )
        for index, rule in enumerate(policy.rules, start=1)
    )
    return PolicyView(
        version=policy.version,
        content_hash=policy.content_hash,
        origin=origin,
        purposes=purposes,
        rules=rules,
    )


def policy_in_force(db: Session) -> PolicyView:
    """The active stored policy version, or the shipped default when none was applied."""
    stored = PolicyVersionRepository(db).active()
    if stored is None:
        return policy_view(default_policy(), origin=N_("shipped default"))
    policy = load_policy_text(stored.text, source=f"stored:{stored.version}", strict=False)
    return policy_view(policy, origin=N_("stored (active)"))
