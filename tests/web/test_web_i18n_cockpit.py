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
PENDING_DOMAIN_STRINGS: set[str] = {
    # /cockpit/: finding titles on the home (sphere.cockpit.findings)
    "Identities linked without a basis",
    # /cockpit/contacts/<id>/timeline: why a record is hidden for a role (sphere.cockpit.timeline)
    "Kept for purpose 'customer_care'; role 'marketer' sees only direct_marketing, enrichment, profiling, web_analytics records (purpose limitation, GDPR Art. 5(1)(b)).",  # noqa: E501
    "Kept for purpose 'enrichment'; role 'agent' sees only customer_care, service_provision records (purpose limitation, GDPR Art. 5(1)(b)).",  # noqa: E501
    # /cockpit/findings: finding titles and evidence (sphere.cockpit.findings)
    "1 due within 7 days (1 access); next due 2026-07-01",
    "1 notice duties for 1 contacts are due within 7 days (1 mastodon); next deadline 2026-07-01",
    "3 identities of 1 contacts are neither provided nor verified, or their contact has no logged decision",  # noqa: E501
    "Art. 14 notices due within 7 days",
    "Data-subject requests overdue or near their deadline",
    "GDPR Art. 12(3)",
    "GDPR Art. 14(3)",
    "GDPR Art. 5(1)(a), Art. 14",
    "GDPR Art. 5(1)(a), Art. 6(1)",
    "Sources collected by scraping",
    "registered: scraped (mastodon)",
    # /cockpit/inventories: store, tool and stage names and details (sphere.cockpit.inventory,
    #  flow_diagram)
    "0 company accounts",
    "Audit log",
    "Encrypted store",
    "PII analyzer",
    "Sphere ingestion pipeline",
    "aggregates (anonymous counts, no personal data)",
    "all social sources",
    "contacts (encrypted identities)",
    "contacts (encrypted identities): 2",
    "contacts (encrypted ide… · 2",
    "gates every record by purpose and legal basis",
    "hash-chained, verified in the cockpit",
    "ingestion pipeline: addressing, linking, PII minimisation, policy gate",
    "interactions (encrypted)",
    "interactions (encrypted) · 3",
    "interactions (encrypted): 3",
    "local recognizers and name tagger; no data leaves the host",
    "per-subject AES-GCM keys, crypto-shredding on erasure",
    # /cockpit/marketing/check: planning-check reasons and their article labels (sphere.marketing)
    "(GDPR Art. 14(3))",
    "(GDPR Art. 30, Art. 35)",
    "(GDPR Art. 35(1), 35(2))",
    "(GDPR Art. 5(1)(b)(c))",
    "(GDPR Art. 6(1)(f), Art. 14)",
    "A verified customer's post about the company's products may enrich their record; the customer is informed.",  # noqa: E501
    "a data protection impact assessment is required and none is on record; the DPO must be consulted",  # noqa: E501
    "the record of processing marks purpose 'enrichment' as requiring a DPIA",
    # /cockpit/marketing/dry-run: the dry-run page: i18n-domain took the template over (coord.md
    #  13:12) and its reasons
    "(GDPR Art. 14(3)(b))",
    "(GDPR Art. 6(1)(a), UWG §7 for e-mail)",
    "(GDPR Art. 7(3))",
    "Campaign",
    "Campaign dry run",
    "Code",
    "Contact",
    "Export as CSV",
    "Filter",
    "Legal basis",
    "List",
    "Nobody.",
    "People",
    "Reason",
    "Reason (first case)",
    "Who would be reached now and who not, with the reason per person. Nothing is sent; people are shown by their contact id only.",  # noqa: E501
    "Why not, in sum",
    "Would be reached",
    "Would not be reached",
    "art14.held",
    "both",
    "consent.missing",
    "consent.withdrawn-denied",
    "held: the information on data obtained from social media (Art. 14) has not been given yet and is due at the latest with the first communication; the campaign holds people until it is sent",  # noqa: E501
    "not reached",
    "reached",
    "refused: 'e-mail address': Consent for purpose 'direct_marketing' was withdrawn",
    "refused: no consent for purpose 'direct_marketing'",
    "tele & spring",
    # /cockpit/policy: rule reasons and articles as the policy file words them (sphere.policy)
    "BDSG §26, GDPR Art. 88",
    "Consent for purpose '{purpose}' was withdrawn.",
    "Customer care only processes posts that address the company, and only their content.",
    "Data collected by scraping is refused; only official APIs, exports and manual entry are accepted.",  # noqa: E501
    "Derived processing needs a recorded source; this datum has no provenance.",
    "Enrichment from profile attributes, non-public content or unverified matches needs the person's consent.",  # noqa: E501
    "Fraud prevention and abuse handling; only what the case needs is kept.",
    "Fuzzy identity matching is done only with the person's consent.",
    "GDPR Art. 21(2)/(3)",
    "GDPR Art. 5(1)(a), platform terms of use",
    "GDPR Art. 5(1)(b)(c)",
    "GDPR Art. 5(1)(b)(c), Art. 14",
    "GDPR Art. 5(1)(b)(c), Recital 47",
    "GDPR Art. 5(1)(c)",
    "GDPR Art. 5(2), Art. 14(2)(f)",
    "GDPR Art. 6(1)(a)",
    "GDPR Art. 6(1)(a), TDDDG §25",
    "GDPR Art. 6(1)(a), UWG §7 for e-mail",
    "GDPR Art. 6(1)(b)",
    "GDPR Art. 6(1)(c), HGB §257, AO §147",
    "GDPR Art. 6(1)(f) balancing, Art. 89, Recital 26",
    "GDPR Art. 6(1)(f) or (b), Recital 47",
    "GDPR Art. 6(1)(f), Art. 14",
    "GDPR Art. 6(1)(f), Art. 89, Recital 26",
    "GDPR Art. 6(1)(f), Recital 47 and 49",
    "GDPR Art. 6(1), Art. 5(1)(b)",
    "GDPR Art. 7(3)",
    "GDPR Art. 9(1), Art. 5(1)(c)",
    "GDPR Art. 9(1), Art. 9(2)(a)",
    "GDPR Art. 9(2)(a)",
    "Measuring web and app use needs the person's consent.",
    "Needed to perform the contract with a verified customer.",
    "Only records of matched customers are enriched, and only with product content, profile attributes or contact data.",  # noqa: E501
    "People mentioned in a post are counted only in anonymous aggregates.",
    "People mentioned in a post are never stored as contacts.",
    "Public monitoring keeps anonymous aggregates only.",
    "Purpose '{purpose}' from social data needs the person's consent.",
    "Screening employees' or applicants' social media is not permitted.",
    "Special-category data (for example health) needs the person's explicit consent.",
    "Special-category data is not processed for purpose '{purpose}'.",
    "Special-category data may be used to answer the person, who gave explicit consent; keep only what the answer needs.",  # noqa: E501
    "The content is not public and not addressed to the company; it may not be processed without consent.",  # noqa: E501
    "The content was written in a private context, not to the company; it may not be processed without consent.",  # noqa: E501
    "The law requires these records to be kept.",
    "The person addressed the company; the post may be processed to answer it.",
    "The person consented to enrichment of their record.",
    "The person consented to matching their accounts.",
    "The person consented to measuring their use of the web site or app.",
    "The person consented to purpose '{purpose}'.",
    "The person objected; no marketing, profiling or enrichment for purpose '{purpose}'.",
    "This data category is not used for purpose '{purpose}'.",
}

# Texts that are the same word in German (they read as English to the checker).
SAME_IN_GERMAN = {"Marketing", "Name", "Version"}

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
    "/cockpit/password",
    "/cockpit/breaches",
    "/cockpit/breaches/new",
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
        pages["/cockpit/marketing/dry-run (not reached)"] = client.get(
            "/cockpit/marketing/dry-run?campaign=tele+%26+spring&show=not_reached"
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
