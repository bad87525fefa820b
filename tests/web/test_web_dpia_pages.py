"""The DPIA pages of the cockpit: list, detail, risk register form, opinion and sign-off;
roles (the DPO advises, the admin signs off, the auditor reads and sees no form); a
refused field is named and nothing is saved; staff-written text is escaped; German."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.runtime import Runtime
from tests.web.conftest import csrf_in
from tests.web.test_web_accessibility import _assert_accessible
from tests.web.test_web_i18n import untranslated

HOSTILE = '<img src=x onerror="alert(1)">Verwechslung'


def _login(client: TestClient, make_user: Callable[..., str], role: Role, name: str) -> str:
    make_user(name, role)
    client.cookies.clear()
    form = client.get("/cockpit/login")
    client.post(
        "/cockpit/login",
        data={
            "username": name,
            "password": "correct horse battery staple",
            "csrf_token": csrf_in(form.text),
        },
    )
    return csrf_in(client.get("/cockpit/dpia").text)


def _risk_row(n: int, risk: str, levels: tuple[int, int, int, int]) -> dict[str, str]:
    names = ("likelihood", "severity", "residual_likelihood", "residual_severity")
    return {
        f"risk-{n}-risk": risk,
        f"risk-{n}-measures": "Nur bestätigte Konten.",
        **{f"risk-{n}-{name}": str(v) for name, v in zip(names, levels, strict=True)},
    }


def test_dpia_pages_roles_errors_and_sign_off(
    client: TestClient, seeded: Runtime, make_user: Callable[..., str]
) -> None:
    token = _login(client, make_user, Role.DPO, "dpo1")
    listing = client.get("/cockpit/dpia")
    assert listing.status_code == 200 and "Open a DPIA" in listing.text
    opened = client.post(
        "/cockpit/dpia",
        data={"csrf_token": token, "purpose": "customer_care"},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    ref = opened.headers["location"].split("/")[3]
    edit = {
        "csrf_token": token,
        "title": "Kundenservice",
        "description": "Antworten auf Anfragen.",
        "necessity": "Erforderlich für Antworten.",
        "assessed_on": "2026-06-01",
        "review_on": "2026-05-01",
        **_risk_row(1, HOSTILE, (3, 3, 1, 3)),
    }
    refused = client.post(f"/cockpit/dpia/{ref}/edit", data=edit)
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    assert "review_on:" in refused.text and "Nothing was saved" in refused.text
    assert HOSTILE not in refused.text and "&lt;img src=x" in refused.text  # kept, escaped
    page = client.get(f"/cockpit/dpia/{ref}").text
    assert "The risk register is empty." in page  # nothing of the refused form saved
    bad_level = client.post(
        f"/cockpit/dpia/{ref}/edit",
        data={**edit, "review_on": "2027-06-01", "risk-1-severity": "9"},
    )
    assert bad_level.status_code == 422 and "risks[1].severity" in bad_level.text
    saved = client.post(
        f"/cockpit/dpia/{ref}/edit",
        data={**edit, "review_on": "2027-06-01"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get(f"/cockpit/dpia/{ref}").text
    assert "&lt;img src=x" in page and HOSTILE not in page
    assert "Record the opinion" in page and "Sign off</button>" not in page  # the DPO advises
    assert (
        client.post(
            f"/cockpit/dpia/{ref}/opinion",
            data={"csrf_token": token, "dpo_opinion": "Vertretbar mit den Maßnahmen."},
            follow_redirects=False,
        ).status_code
        == 303
    )
    by_dpo = client.post(
        f"/cockpit/dpia/{ref}/sign-off", data={"csrf_token": token, "confirm": "yes"}
    )
    assert by_dpo.status_code == 422 and "role:" in by_dpo.text

    token = _login(client, make_user, Role.ADMIN, "admin1")
    page = client.get(f"/cockpit/dpia/{ref}").text
    assert "Sign off</button>" in page and "Record the opinion" not in page
    unconfirmed = client.post(f"/cockpit/dpia/{ref}/sign-off", data={"csrf_token": token})
    assert unconfirmed.status_code == 422 and "confirm:" in unconfirmed.text
    signed = client.post(
        f"/cockpit/dpia/{ref}/sign-off",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    page = client.get(signed.headers["location"]).text
    assert "The DPIA is signed off." in page and "Change (makes version 2)" in page

    _login(client, make_user, Role.AUDITOR, "aud1")
    page = client.get(f"/cockpit/dpia/{ref}").text
    main = page.split("<main")[1].split("</main>")[0]
    assert "<form" not in main and "<button" not in main and "/pdf?version=1" in main
    assert client.get(f"/cockpit/dpia/{ref}/edit").status_code == 403
    assert "Open a DPIA" not in client.get("/cockpit/dpia").text


def test_dpia_pages_are_german(
    client: TestClient, seeded: Runtime, make_user: Callable[..., str]
) -> None:
    token = _login(client, make_user, Role.DPO, "dpo2")
    ref = (
        client.post(
            "/cockpit/dpia",
            data={"csrf_token": token, "purpose": "direct_marketing"},
            follow_redirects=False,
        )
        .headers["location"]
        .split("/")[3]
    )
    client.post(
        f"/cockpit/dpia/{ref}/edit",
        data={
            "csrf_token": token,
            "title": "Profile",
            "description": "Interessen und Scores.",
            "necessity": "Nur mit Einwilligung.",
            "assessed_on": "2026-06-01",
            "review_on": "2027-06-01",
            **_risk_row(1, "Intransparente Bewertung", (4, 4, 3, 4)),
        },
    )
    pages: dict[str, dict[str, str]] = {}
    for lang in ("de", "en"):
        client.headers["Accept-Language"] = lang
        found = pages[lang] = {}
        for path in ("/cockpit/dpia", f"/cockpit/dpia/{ref}", f"/cockpit/dpia/{ref}/edit"):
            found[path] = client.get(path).text
        found["refused"] = client.post(
            f"/cockpit/dpia/{ref}/opinion", data={"csrf_token": token, "dpo_opinion": "kurz"}
        ).text
    detail = pages["de"][f"/cockpit/dpia/{ref}"]
    assert "Datenschutz-Folgenabschätzungen" in pages["de"]["/cockpit/dpia"]
    assert (
        "Art. 35 Abs. 7 lit. a DSGVO" in detail
        and "Erforderlich: Ein Restrisiko bleibt hoch." in detail
    )
    assert "Bewerten oder Einstufen (Scoring)" in detail
    left = {path: untranslated(pages["de"][path], pages["en"][path]) for path in pages["de"]}
    left = {path: found for path, found in left.items() if found}
    assert not left, left
    _assert_accessible(pages["en"])
    _assert_accessible(pages["de"])
