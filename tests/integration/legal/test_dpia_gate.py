"""Issue 14, point 2: processing whose purpose requires a DPIA (policy ``dpia_required``)
is held until a DPIA of it is signed off (GDPR Art. 35(1)); the workflow's rules —
roles, dates, an empty risk register, a high residual risk without consultation
(Art. 36(1)) — refuse with the field named and nothing saved; versions are kept. The
clock is frozen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from sphere.cli import dpia as dpia_cli
from sphere.consent.ledger import grant
from sphere.domain import FrozenClock, Purpose
from sphere.domain.dpia import Risk
from sphere.governance.dpia import (
    DpiaChanges,
    DpiaInputError,
    change_dpia,
    dpia_status,
    get_dpia,
    held_purposes,
    open_dpia,
    record_consultation,
    record_opinion,
    sign_off,
)
from sphere.marketing.enrichment import enrich_contact
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.dpia_tables import DpiaVersionRow
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.tables import AuditEntryRow
from tests.conftest import TEST_MASTER_KEY, TEST_PSEUDONYM_SECRET
from tests.factories import mastodon_status, write_jsonl
from tests.integration.marketing.conftest import NOW
from tests.integration.rights.scenario import Customer, ingest, seed_customer
from tests.runtimes import SOURCES, carry_out_dpia, runtime_for_tests

ADMIN = {"actor": "admin:t", "role": "admin"}
DPO = {"actor": "dpo:t", "role": "dpo"}
RISK = Risk("Verwechslung von Konten", 3, 3, "Nur bestätigte Konten.", 1, 3)
HIGH = Risk("Profilbildung über Minderjährige", 4, 4, "Altersprüfung.", 3, 4)


@pytest.fixture
def held(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    """A company that has not carried out its DPIAs yet."""
    with runtime_for_tests(settings, migrated_db_url, sources=SOURCES[:2],
                           clock=FrozenClock(NOW), approve_dpias=False) as r:  # fmt: skip
        yield r


def _cli_env(rt: Runtime, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SPHERE_ENV": "test",
        "SPHERE_HOME": str(rt.settings.home),
        "SPHERE_DATABASE_URL": db_url,
        "SPHERE_MASTER_KEY": TEST_MASTER_KEY,
        "SPHERE_PSEUDONYM_SECRET": TEST_PSEUDONYM_SECRET,
    }.items():
        monkeypatch.setenv(name, value)


def _complete(today: date) -> DpiaChanges:
    return DpiaChanges(description="Beiträge verifizierter Kunden werden zugeordnet.",
                       necessity="Erforderlich für die Nachbetreuung.", risks=(RISK,),
                       assessed_on=today, review_on=today + timedelta(days=365))  # fmt: skip


def _audits(session: object, action: str) -> int:
    query = select(func.count()).select_from(AuditEntryRow).where(AuditEntryRow.action == action)
    return int(session.scalar(query))  # type: ignore[attr-defined]


def test_processing_is_held_until_the_dpia_is_signed_off(
    held: Runtime, tmp_path: Path, migrated_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = held
    lena: Customer = seed_customer(rt, tmp_path, approve_dpias=False)
    with rt.session() as session:
        rows = {r["purpose"]: r for r in dpia_status(session, rt.policy())}
        assert rows["enrichment"]["state"] == "held"
        assert rows["customer_care"]["state"] == "not required"
        grant(session, lena.contact_id, Purpose.PROFILING, channel="portal",
              at=rt.clock.now(), actor="test")  # fmt: skip
        refused = enrich_contact(session, rt.keyring, rt.policy(), lena.contact_id,
                                 now=rt.clock.now(), actor="mkt")  # fmt: skip
        assert refused.refusal is not None and refused.refusal.code == "dpia.not-approved"
        assert "requires a data protection impact assessment" in refused.refusal.text
        stored_before = len(InteractionRepository(session, rt.keyring).list_for_contact(
            lena.contact_id))  # fmt: skip

    # the workflow from the CLI: open, risk register, dates, DPO's opinion, sign-off
    _cli_env(rt, migrated_db_url, monkeypatch)
    runner = CliRunner()

    def cli(*args: str) -> str:
        result = runner.invoke(dpia_cli.app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    cli("open", "enrichment", "--role", "admin", "--title", "Anreicherung")
    ref = f"DPIA-{NOW.year}-001"
    cli("risk-add", ref, "--role", "admin", "--risk", "Verwechslung", "--likelihood", "3",
        "--severity", "3", "--measures", "Nur bestätigte Konten", "--residual-likelihood", "1",
        "--residual-severity", "3")  # fmt: skip
    cli("edit", ref, "--role", "admin", "--description", "Zuordnung öffentlicher Beiträge.",
        "--necessity", "Erforderlich für die Nachbetreuung.", "--assessed-on", "2026-05-20",
        "--review-on", "2027-05-20")  # fmt: skip
    refused_role = runner.invoke(dpia_cli.app, ["sign-off", ref, "--role", "dpo"])
    # (``sphere`` itself prints the error's one line and exits 2: test_cli_contract)
    assert isinstance(refused_role.exception, DpiaInputError)
    assert str(refused_role.exception).startswith("role: role 'dpo' may not sign off")
    cli("opinion", ref, "--role", "dpo", "--text", "Vertretbar mit den Maßnahmen.")
    assert "no longer held" in cli("sign-off", ref, "--role", "admin")
    with rt.session() as session:
        assert Purpose.ENRICHMENT not in held_purposes(session, rt.policy())
        carry_out_dpia(session, rt, "profiling")
        assert _audits(session, "dpia.signed-off") == 2
        assert _audits(session, "dpia.dpo-opinion") == 2

    post = mastodon_status("8", "Mein Makro 100 ist das beste Objektiv")
    ingest(rt, write_jsonl(tmp_path / "later.jsonl", [post]), "masto")
    with rt.session() as session:
        after = InteractionRepository(session, rt.keyring).list_for_contact(lena.contact_id)
        assert len(after) == stored_before + 1
        enriched = enrich_contact(session, rt.keyring, rt.policy(), lena.contact_id,
                                  now=rt.clock.now(), actor="mkt")  # fmt: skip
        assert enriched.refusal is None and enriched.stored


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ("unknown-purpose", "purpose"),
        ("opinion-by-admin", "role"),
        ("sign-off-by-dpo", "role"),
        ("sign-off-by-marketer", "role"),
        ("review-before-assessment", "review_on"),
        ("empty-register", "risks"),
        ("no-opinion", "dpo_opinion"),
        ("high-residual-without-consultation", "consultation"),
        ("level-out-of-scale", "risks[1].severity"),
        ("consultation-in-future", "consultation_on"),
    ],
    ids=lambda v: v,
)
def test_bad_input_names_the_field_and_saves_nothing(held: Runtime, step: str, field: str) -> None:
    rt = held
    today = rt.clock.now().date()
    at = rt.clock.now()
    with rt.session() as session:
        ref = open_dpia(session, rt.policy(), "enrichment", at=at, **ADMIN).reference
        if step not in ("empty-register",):
            change_dpia(session, ref, _complete(today), at=at, **ADMIN)
        if step not in ("no-opinion", "empty-register", "opinion-by-admin"):
            record_opinion(session, ref, "Vertretbar mit den Maßnahmen.", at=at, **DPO)
        if step == "empty-register":
            change_dpia(session, ref, DpiaChanges(description="Beschreibung der Verarbeitung.",
                        necessity="Erforderlich und angemessen.", assessed_on=today,
                        review_on=today + timedelta(days=30)), at=at, **ADMIN)  # fmt: skip
        if step == "high-residual-without-consultation":
            change_dpia(session, ref, DpiaChanges(risks=(RISK, HIGH)), at=at, **ADMIN)
            record_opinion(session, ref, "Hohes Restrisiko: Konsultation nötig.", at=at, **DPO)
    with rt.session() as session:
        versions = session.scalar(select(func.count()).select_from(DpiaVersionRow))
        before = (versions, session.scalar(select(func.count()).select_from(AuditEntryRow)),
                  get_dpia(session, ref).current)  # fmt: skip
    attempts = {
        "unknown-purpose": lambda s: open_dpia(s, rt.policy(), "hr_screening_x", at=at, **ADMIN),
        "opinion-by-admin": lambda s: record_opinion(s, ref, "Ich finde das gut so.", at=at,
                                                     **ADMIN),
        "sign-off-by-dpo": lambda s: sign_off(s, rt.policy(), ref, at=at, **DPO),
        "sign-off-by-marketer": lambda s: sign_off(s, rt.policy(), ref, at=at, actor="m:t",
                                                   role="marketer"),
        "review-before-assessment": lambda s: change_dpia(
            s, ref, DpiaChanges(review_on=today - timedelta(days=1),
                                description="geändert und neu"), at=at, **ADMIN),
        "empty-register": lambda s: sign_off(s, rt.policy(), ref, at=at, **ADMIN),
        "no-opinion": lambda s: sign_off(s, rt.policy(), ref, at=at, **ADMIN),
        "high-residual-without-consultation": lambda s: sign_off(s, rt.policy(), ref, at=at,
                                                                 **ADMIN),
        "level-out-of-scale": lambda s: change_dpia(
            s, ref, DpiaChanges(risks=(Risk("x", 2, 5, "y", 1, 1),)), at=at, **ADMIN),
        "consultation-in-future": lambda s: record_consultation(
            s, ref, consulted_on=today + timedelta(days=1), reference="LDA-1", at=at, **ADMIN),
    }  # fmt: skip
    with pytest.raises(DpiaInputError) as refused, rt.session() as session:
        attempts[step](session)
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ")
    with rt.session() as session:
        versions = session.scalar(select(func.count()).select_from(DpiaVersionRow))
        after = (versions, session.scalar(select(func.count()).select_from(AuditEntryRow)),
                 get_dpia(session, ref).current)  # fmt: skip
        assert after == before
        assert Purpose.ENRICHMENT in held_purposes(session, rt.policy())


def test_high_residual_risk_releases_the_gate_only_after_a_consultation(held: Runtime) -> None:
    rt, at = held, held.clock.now()
    with rt.session() as session:
        ref = open_dpia(session, rt.policy(), "profiling", at=at, **ADMIN).reference
        change_dpia(session, ref, _complete(at.date()), at=at, **ADMIN)
        change_dpia(session, ref, DpiaChanges(risks=(RISK, HIGH)), at=at, **ADMIN)
        record_opinion(session, ref, "Restrisiko hoch: vorher konsultieren.", at=at, **DPO)
        record_consultation(session, ref, consulted_on=at.date() - timedelta(days=60),
                            reference="BayLDA DSFA-17", outcome="Keine Einwände.", at=at,
                            **ADMIN)  # fmt: skip
        dpia = sign_off(session, rt.policy(), ref, at=at, **ADMIN)
        assert dpia.approved is not None and dpia.approved.consultation_reference
        assert Purpose.PROFILING not in held_purposes(session, rt.policy())


def test_a_change_after_sign_off_makes_a_new_version_and_the_old_one_stays(held: Runtime) -> None:
    rt, at = held, held.clock.now()
    with rt.session() as session:
        ref = carry_out_dpia(session, rt, "enrichment")
        rt.clock.advance(timedelta(days=10))  # type: ignore[attr-defined]
        later = rt.clock.now()
        dpia = change_dpia(session, ref, DpiaChanges(risks=(RISK, Risk("Neu", 2, 2, "M.", 1, 2))),
                           at=later, **ADMIN)  # fmt: skip
        assert [(v.version, v.state) for v in dpia.versions] == [(1, "signed_off"), (2, "draft")]
        # the opinion belonged to the content of version 1: asked again for version 2
        assert dpia.current.dpo_opinion == "" and dpia.version(1).dpo_opinion
        assert len(dpia.version(1).risks) == 1 and len(dpia.current.risks) == 2
        # version 1 still releases the gate while version 2 is worked on
        assert dpia.approved is not None and dpia.approved.version == 1
        assert Purpose.ENRICHMENT not in held_purposes(session, rt.policy())
        assert dpia.version(1).criteria, "criteria frozen at the sign-off"
        record_opinion(session, ref, "Auch die neue Fassung ist vertretbar.", at=later, **DPO)
        dpia = sign_off(session, rt.policy(), ref, at=later, **ADMIN)
        assert dpia.approved is not None and dpia.approved.version == 2
        rows = {r["purpose"]: r for r in dpia_status(session, rt.policy())}
        assert rows["enrichment"]["reference"] == f"{ref} v2"
        assert _audits(session, "dpia.changed") == 2
        del at
