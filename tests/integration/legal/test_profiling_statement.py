"""Art. 15(1)(h): the access export and the portal state per person whether profiling
or automated decisions take place, the logic (which data, which scores, what they
change) and the consequences, in German and English — on SQLite and PostgreSQL, for a
person with an interest, a score, an automated-decision score under human review and a
segment, and for a person about whom nothing is derived."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sphere.accounts import make_password_hasher
from sphere.domain import FrozenClock, Purpose
from sphere.governance.policy_versions import active_policy
from sphere.governance.sources import add_source
from sphere.i18n import translator
from sphere.marketing.enrichment import enrich_contact
from sphere.marketing.profiles import compute_segment, define_segment, score_contact
from sphere.marketing.score import ScoreModel
from sphere.rights.access import access_report, export_archive
from sphere.runtime import Runtime, open_runtime
from sphere.settings import Settings
from sphere.web.app import create_app
from tests.integration.marketing.conftest import NOW, TELE_POSTS, seed_contact
from tests.runtimes import approve_all_dpias
from tests.web.conftest import sent_links
from tests.web.test_web_portal import portal_login

ANNA = "anna.beispiel@example.com"
CARL = "carl.ohneprofil@example.org"
AFFINITY = ScoreModel(
    name="tele_affinity",
    features={"interest:telephoto": 1.0},
    intercept=0.0,
    purpose=Purpose.PROFILING,
)
PRIORITY = ScoreModel(
    name="service_priority",
    features={"interest:telephoto": 0.5},
    intercept=0.1,
    purpose=Purpose.PROFILING,
    drives_automated_decision=True,
)


@pytest.fixture
def mrt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    settings = settings.model_copy(update={"database_url": migrated_db_url})
    settings.home.mkdir(parents=True, exist_ok=True)
    runtime = open_runtime(settings, clock=FrozenClock(NOW))
    with runtime.session() as session:
        add_source(
            session, "masto", channel="mastodon", collection="official_api", actor="test", at=NOW
        )
    approve_all_dpias(runtime)  # profiling needs its DPIA first (Art. 35(1))
    yield runtime
    runtime.close()


def _profiled(rt: Runtime) -> tuple[str, str]:
    purposes = [Purpose.PROFILING, Purpose.DIRECT_MARKETING]
    anna = seed_contact(
        rt,
        email=ANNA,
        handle="anna_tele_fan",
        posts=TELE_POSTS,
        consents=purposes,
        explicit=[Purpose.PROFILING],
    )
    carl = seed_contact(rt, email=CARL)
    with rt.session() as session:
        policy = rt.policy()
        enrich_contact(session, rt.keyring, policy, anna, now=NOW, actor="test")
        assert (
            score_contact(session, rt.keyring, policy, anna, AFFINITY, now=NOW, actor="t").refusal
            is None
        )
        assert (
            score_contact(
                session,
                rt.keyring,
                policy,
                anna,
                PRIORITY,
                now=NOW,
                actor="t",
                human_review_by="dpo:1",
            ).refusal
            is None
        )
        define_segment(
            session, "tele-fans", {"attr": "interest", "contains": "telephoto"}, actor="t", now=NOW
        )
        compute_segment(session, rt.keyring, policy, "tele-fans", now=NOW, actor="t")
    return anna, carl


def _report(rt: Runtime, contact_id: str) -> dict:
    with rt.session() as session:
        return access_report(session, rt.keyring, active_policy(session), contact_id, now=NOW)


def test_export_states_profiling_logic_and_consequences(mrt: Runtime) -> None:
    anna, carl = _profiled(mrt)
    statement = _report(mrt, anna)["profiling"]
    assert statement["profiling"] is True and statement["automated_decisions"] is True
    assert {s["model"] for s in statement["scores"]} == {"tele_affinity", "service_priority"}
    assert statement["segments"] == [{"segment": "tele-fans", "legal_basis": "art6_1_a"}]
    assert any(i["value"] == "telephoto" and i["records_used"] >= 1 for i in statement["interests"])
    de, en = statement["text"]["de"], statement["text"]["en"]
    assert de["title"].endswith("(Art. 15 Abs. 1 lit. h DSGVO)")
    assert any(
        "Score „tele_affinity“ = 1" in line and "× Gewicht 1" in line for line in de["logic"]
    )
    assert any("Segment „tele-fans“" in line for line in de["logic"])
    assert "Angebote und Kampagnen" in de["changes"] and "Preise" in de["consequences"]
    assert any("service_priority" in x and "Art. 22 Abs. 3" in x for x in de["automated_decisions"])
    assert any("reviewed by a person (dpo:1)" in x for x in en["automated_decisions"])
    assert "object to profiling at any time (Art. 21(2) GDPR)" in en["your_rights"]

    archive = zipfile.ZipFile(io.BytesIO(export_archive(_report(mrt, anna))))
    assert json.loads(archive.read("data.json"))["profiling"]["profiling"] is True
    summary = archive.read("summary.html").decode()  # the summary in one language
    assert "Profiling and automated decisions (Art. 15(1)(h) GDPR)" in summary
    german = zipfile.ZipFile(io.BytesIO(export_archive(_report(mrt, anna), translator("de"))))
    summary = german.read("summary.html").decode()
    assert 'lang="de"' in summary and "Profiling und automatisierte Entscheidungen" in summary

    nothing = _report(mrt, carl)["profiling"]
    assert nothing["profiling"] is False and nothing["automated_decisions"] is False
    assert nothing["text"]["de"]["summary"].startswith("Wir erstellen kein Profil über Sie")
    assert nothing["text"]["en"]["automated_decisions"][0].startswith("There is no automated")


@pytest.mark.parametrize(("lang", "words"), [("de", "Profiling und"), ("en", "Profiling and")])
def test_portal_shows_the_statement_in_the_persons_language(
    mrt: Runtime, settings: Settings, lang: str, words: str
) -> None:
    _profiled(mrt)
    app = create_app(
        settings, engine=mrt.engine, clock=mrt.clock, hasher=make_password_hasher(fast=True)
    )
    with TestClient(app, base_url="https://testserver") as client:
        client.cookies.set("sphere_lang", lang)
        portal_login(client, app, ANNA)
        page = client.get("/portal/overview").text
        assert 'id="profiling"' in page and words in page
        assert "tele_affinity" in page
        data = client.get(f"/api/v1/portal/me/data?lang={lang}").json()
        assert data["profiling"]["profiling"] is True
        assert data["profiling"]["text"]["title"].startswith(words)
    assert sent_links(app)
