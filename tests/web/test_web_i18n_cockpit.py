"""No English on a German cockpit page: every cockpit page (lists, filters, pagination,
confirmation pages, success messages, job progress, 403 pages) is fetched for each
staff role with ``Accept-Language: de`` and with ``en``; a text or attribute that is the
same on both and reads as English is an untranslated string (the same mechanism as the
portal's walk in ``test_web_i18n.py``). Names, ids, posts and codes sit in
``translate="no"``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.rights.requests import RequestType, open_request
from sphere.runtime import Runtime
from sphere.web.cockpit.pages import DONE_CODES
from tests.web.conftest import csrf_in
from tests.web.test_web_cockpit import campaign as campaign  # noqa: PLC0414 - the fixture
from tests.web.test_web_i18n import untranslated
from tests.web.test_web_marketing import ENRICH_FORM
from tests.web.test_web_reviews import _chemo_post

# Texts that come from the domain layer (finding titles and evidence, planning and
# dry-run reasons, store and tool names, rule reasons and legal-basis labels as the
# policy words them), which the helper ``i18n-domain`` of issue 16 translates in
# parallel. Each entry is an exact text a German cockpit page still shows in English
# (numbers and dates are those of this test's data); delete an entry as soon as it is
# German — the list may only shrink, and nothing else may be English.
PENDING_DOMAIN_STRINGS: set[str] = set()

# Texts that are the same word in German (they read as English to the checker).
SAME_IN_GERMAN = {"Code", "Marketing", "Name", "Version"}

ROLES = (Role.DPO, Role.ADMIN, Role.AUDITOR, Role.MARKETER, Role.AGENT)
# Every GET page of the cockpit (a role that may not see one gets the German 403 page).
PAGES = (
    "/cockpit/",
    "/cockpit/record",
    "/cockpit/findings",
    "/cockpit/findings?severity=high&state=open",
    "/cockpit/inventories",
    "/cockpit/audit",
    "/cockpit/audit?actor=nobody",
    "/cockpit/policy",
    "/cockpit/policy/versions",
    "/cockpit/whatif",
    "/cockpit/requests",
    "/cockpit/requests?state=",
    "/cockpit/requests?kind=portability",
    "/cockpit/contacts",
    "/cockpit/reviews",
    "/cockpit/reviews?state=closed",
    "/cockpit/listening",
    "/cockpit/jobs",
    "/cockpit/jobs?state=failed",
    "/cockpit/marketing/check",
    "/cockpit/marketing/check?kind=enrichment",
    "/cockpit/marketing/dry-run",
    "/cockpit/marketing/measures",
    "/cockpit/marketing/campaigns/new",
    "/cockpit/password",
    "/cockpit/breaches",
    "/cockpit/breaches/new",
    "/cockpit/recipients",
    "/cockpit/nope",
)


def _pages(client: TestClient, lang: str, role: Role, login: Callable[[str], str]) -> dict:
    """Every cockpit page one role sees, and what its actions lead to, in ``lang``."""
    client.cookies.clear()
    client.headers["Accept-Language"] = lang
    pages: dict[str, str] = {"/cockpit/login": client.get("/cockpit/login").text}
    login(f"{role.value}@example.com")
    for path in PAGES:
        pages[path] = client.get(path).text
    for code in sorted(DONE_CODES):  # the success message after each action
        where = "/cockpit/requests" if code.startswith(("request", "erasure")) else "/cockpit/"
        query = urlencode({"done": code, "n": 3, "name": "Herbst-Newsletter"})
        pages[f"{where} (done: {code})"] = client.get(f"{where}?{query}").text
    token = csrf_in(pages["/cockpit/contacts"])
    found = client.post("/cockpit/contacts", data={"q": "K-1001", "csrf_token": token})
    pages["/cockpit/contacts (found)"] = found.text
    pages["/cockpit/contacts (none)"] = client.post(
        "/cockpit/contacts", data={"q": "K-9999", "csrf_token": token}
    ).text
    if 'href="/cockpit/contacts/' in found.text:
        contact = found.text.split('href="/cockpit/contacts/', 1)[1].split("/", 1)[0]
        pages["/cockpit/contacts/<id>/timeline"] = client.get(
            f"/cockpit/contacts/{contact}/timeline"
        ).text
    if role in (Role.DPO, Role.ADMIN):
        preview = client.post(
            "/cockpit/whatif",
            data={"csrf_token": token, "disable_rule": "customer-care.addressed"},
        )
        pages["/cockpit/whatif (preview)"] = preview.text
        job = preview.text.split('name="whatif_job" value="', 1)[1].split('"', 1)[0]
        expected = preview.text.split('name="expected_hash" value="', 1)[1].split('"', 1)[0]
        pages["/cockpit/jobs/<id>"] = client.get(f"/cockpit/jobs/{job}").text
        pages["/cockpit/jobs/<id>/progress (htmx fragment)"] = client.get(
            f"/cockpit/jobs/{job}/progress", headers={"HX-Request": "true"}
        ).text
        assert 'class="job-progress card"' in pages["/cockpit/jobs/<id>/progress (htmx fragment)"]
        pages["/cockpit/policy/apply (confirm)"] = client.post(
            "/cockpit/policy/apply",
            data={
                "csrf_token": token,
                "disable_rule": "customer-care.addressed",
                "expected_hash": expected,
                "whatif_job": job,
            },
        ).text
        queue = client.get("/cockpit/requests?state=").text
        for rid in sorted(
            set(part.split("/", 1)[0] for part in queue.split('action="/cockpit/requests/')[1:])
        ):
            pages[f"/cockpit/requests/{rid[:4]} (complete)"] = client.post(
                f"/cockpit/requests/{rid}/complete", data={"csrf_token": token}
            ).text
            pages[f"/cockpit/requests/{rid[:4]} (reject)"] = client.post(
                f"/cockpit/requests/{rid}/reject",
                data={"csrf_token": token, "reason": "Identität nicht bestätigt"},
            ).text
        pages["/cockpit/findings (acknowledged)"] = client.post(
            "/cockpit/findings/dsr.deadline/state",
            data={"csrf_token": token, "state": "acknowledged", "note": "Wir sind dran"},
        ).text
    if role in (Role.DPO, Role.ADMIN, Role.MARKETER):
        pages["/cockpit/marketing/dry-run (run)"] = client.post(
            "/cockpit/marketing/dry-run", data={"csrf_token": token, "campaign": "tele & spring"}
        ).text
        for show in ("not_reached", "held"):
            pages[f"/cockpit/marketing/dry-run ({show})"] = client.get(
                f"/cockpit/marketing/dry-run?campaign=tele+%26+spring&show={show}"
            ).text
        pages["/cockpit/marketing/check (result)"] = client.post(
            "/cockpit/marketing/check", data={**ENRICH_FORM, "csrf_token": token}
        ).text
    return pages


def test_no_english_string_remains_on_a_german_cockpit_page(
    client: TestClient,
    seeded: Runtime,
    campaign: str,
    tmp_path: Path,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
) -> None:
    _chemo_post(seeded, tmp_path)  # an item in the review queue
    with seeded.session() as session:  # an erasure to confirm
        open_request(
            session,
            seeded.keyring,
            "max.muster@example.org",
            RequestType.ERASURE,
            at=seeded.clock.now(),
            actor="dpo",
        )
    for role in ROLES:
        make_user(f"{role.value}@example.com", role)
    found: dict[str, list[str]] = {}
    for role in ROLES:
        german = _pages(client, "de", role, api_login)
        english = _pages(client, "en", role, api_login)
        assert german.keys() == english.keys(), role
        for path, html in german.items():
            assert "fragment" in path or '<html lang="de">' in html, (role.value, path)
            texts = untranslated(html, english[path])
            left = [t for t in texts if t not in PENDING_DOMAIN_STRINGS | SAME_IN_GERMAN]
            if left:
                found[f"{role.value} {path}"] = left
    report = [f"{page}: {text!r}" for page, texts in found.items() for text in texts]
    assert not report, "English on German cockpit pages:\n" + "\n".join(report)
