"""Screenshots of the main pages for docs/screenshots, taken from the demo company.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--size small]

Builds the demo in a temporary SPHERE_HOME (SQLite), serves it with uvicorn on a free
loopback port, and drives Debian's Chromium (/usr/bin/chromium, never a downloaded
browser) through the cockpit as the DPO and the marketer, and through the portal as a
demo customer (one-time link issued by the demo), and as the service agent. Nothing
here is a test; the browser tests check the same pages. docs/web.md lists the files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo-passwort-2026"
NEW_PASSWORD = "screenshots-only-password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cockpit_login(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/cockpit/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.url.endswith("/cockpit/password"):  # demo accounts choose their own first
        page.get_by_label("Current password").fill(PASSWORD)
        page.get_by_label("New password (at least 12 characters)").fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Change password").click()
        page.wait_for_load_state()


def _shoot(page: Any, out: Path, name: str, *, full_page: bool = True) -> None:
    page.wait_for_load_state("networkidle")  # images (the home's charts) too
    page.screenshot(path=str(out / f"{name}.png"), full_page=full_page)
    print(f"  {name}.png")


# Cockpit pages shot in German at 1280 and 390 px (issue 16, point 2): (name, path,
# whole page wide, whole page on a phone). Long lists are shot as their first screens
# (the audit trail would be 19,000 px tall on a phone).
GERMAN_COCKPIT = (
    ("record", "/cockpit/record", True, True),
    ("findings", "/cockpit/findings", True, True),
    ("inventories", "/cockpit/inventories", True, False),
    ("requests", "/cockpit/requests?state=", True, True),
    ("audit", "/cockpit/audit", True, False),
    ("policy", "/cockpit/policy", True, False),
    ("jobs", "/cockpit/jobs", True, True),
    ("reviews", "/cockpit/reviews", False, False),
    ("listening", "/cockpit/listening", True, True),
)


def _cockpit_german(dpo: Any, base: str, out: Path) -> None:
    """A what-if preview and its job's page, then every DPO page in German: wide, and
    on a phone."""
    dpo.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    dpo.set_viewport_size({"width": 1280, "height": 900})
    dpo.goto(f"{base}/cockpit/whatif")
    dpo.locator("#disable_rule").select_option("customer-care.addressed")
    dpo.locator("form[action='/cockpit/whatif'] button").first.click()
    dpo.wait_for_load_state()
    _shoot(dpo, out, "cockpit-whatif-de")
    dpo.goto(f"{base}/cockpit/jobs")
    dpo.locator("tbody th a").first.click()
    dpo.wait_for_load_state()
    _shoot(dpo, out, "cockpit-job-de")
    for width, suffix in ((1280, "-de"), (390, "-de-mobile")):
        dpo.set_viewport_size({"width": width, "height": 1800 if width == 390 else 900})
        for name, path, whole_wide, whole_on_phone in GERMAN_COCKPIT:
            dpo.goto(base + path)
            whole = whole_wide if width > 390 else whole_on_phone
            _shoot(dpo, out, f"cockpit-{name}{suffix}", full_page=whole)
    dpo.set_viewport_size({"width": 1280, "height": 900})
    dpo.set_extra_http_headers({"Accept-Language": "en-GB,en;q=0.9"})


def _flows(browser: Any, dpo: Any, base: str, out: Path) -> None:
    """Marketer → DPO and the confirmation of an irreversible action (issue 16, points
    3 and 4), in English and German, at 1280 and 390 px."""
    de, en = {"Accept-Language": "de-DE,de;q=0.9"}, {"Accept-Language": "en-GB,en;q=0.9"}
    marketer = browser.new_page(viewport={"width": 1280, "height": 900})
    _cockpit_login(marketer, base, "marketing")  # lands on the planning check
    marketer.get_by_label("Name of the measure").fill("Herbst-Newsletter")
    marketer.get_by_role("button", name="Run the planning check").click()
    marketer.wait_for_load_state()
    _shoot(marketer, out, "cockpit-planning-check")
    marketer.get_by_role("button", name="Submit for the DPO's approval").click()
    marketer.wait_for_load_state()
    marketer.set_extra_http_headers(de)
    marketer.set_viewport_size({"width": 390, "height": 840})
    marketer.goto(f"{base}/cockpit/marketing/check?kind=enrichment")
    _shoot(marketer, out, "cockpit-planning-check-de-mobile")
    for headers, width, name in (
        (en, 1280, "cockpit-measures"),
        (de, 390, "cockpit-measures-de-mobile"),
    ):
        dpo.set_extra_http_headers(headers)
        dpo.set_viewport_size({"width": width, "height": 900})
        dpo.goto(f"{base}/cockpit/marketing/measures")
        _shoot(dpo, out, name)
    for headers, width, name in (
        (en, 1280, "cockpit-confirm-apply"),
        (de, 390, "cockpit-confirm-apply-de-mobile"),
    ):
        dpo.set_extra_http_headers(headers)
        dpo.set_viewport_size({"width": width, "height": 900})
        dpo.goto(f"{base}/cockpit/whatif")
        dpo.locator("#disable_rule").select_option("customer-care.addressed")
        dpo.locator("form[action='/cockpit/whatif'] button").first.click()
        dpo.wait_for_load_state()
        dpo.locator("form[action='/cockpit/policy/apply'] button").click()
        dpo.wait_for_load_state()
        _shoot(dpo, out, name)
    dpo.set_extra_http_headers(de)
    dpo.set_viewport_size({"width": 390, "height": 900})
    dpo.goto(f"{base}/cockpit/marketing/dry-run?campaign=Frühjahrsangebot Tele 70-200")
    _shoot(dpo, out, "cockpit-dry-run-de-mobile")
    dpo.set_extra_http_headers(en)
    dpo.set_viewport_size({"width": 1280, "height": 900})


def _portal(
    browser: Any, base: str, email: str, out: Path, *, sphere: str, env: dict[str, str]
) -> None:
    """The portal and the public page in English at 1280 px, in German at 1280 and 390 px:
    log-in, overview, consents, requests (with an erasure's confirmation), receipts, a
    used link, the transparency page (issue 16, points 2 and 5); a fresh link for
    ``email`` each time (``sphere portal link``)."""
    english, german = "en-GB,en;q=0.9", "de-DE,de;q=0.9"
    for lang, accept, width in (("en", english, 1280), ("de", german, 1280), ("de", german, 390)):
        suffix = ("" if lang == "en" else "-de") + ("" if width == 1280 else "-mobile")
        context = browser.new_context(
            viewport={"width": width, "height": 900},
            extra_http_headers={"Accept-Language": accept},
        )
        page = context.new_page()
        page.goto(f"{base}/portal/login")
        _shoot(page, out, f"portal-login{suffix}")
        page.goto(f"{base}/transparency")
        _shoot(page, out, f"transparency{suffix}")
        fresh = subprocess.run(
            [sphere, "portal", "link", email],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        found = re.search(r"/portal/login/[\w-]+", fresh.stdout + fresh.stderr)
        assert found, fresh.stdout + fresh.stderr
        fresh_link = base + found.group(0)
        page.goto(fresh_link)
        page.locator("form[action='/portal/session'] button").click()
        page.wait_for_load_state()
        for name in ("overview", "consents", "requests", "receipts"):
            page.goto(f"{base}/portal/{name}")
            _shoot(page, out, f"portal-{name}{suffix}")
        page.goto(f"{base}/portal/requests")
        page.locator("#request-type").select_option("erasure")
        page.locator("form[action='/portal/requests'] button[type=submit]").click()
        page.wait_for_load_state()
        _shoot(page, out, f"portal-erasure-confirm{suffix}")
        used = page.context.new_page()
        used.goto(fresh_link)
        used.locator("form[action='/portal/session'] button").click()
        used.wait_for_load_state()
        _shoot(used, out, f"portal-link-used{suffix}")
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--size", default="small", choices=("small", "full"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="sphere-shots-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SPHERE_HOME": str(home),
        "SPHERE_ENV": "dev",
        "SPHERE_WEB_COOKIE_SECURE": "false",
        "SPHERE_WEB_PUBLIC_URL": base,
    }
    env.pop("SPHERE_DATABASE_URL", None)
    sphere = str(Path(sys.executable).parent / "sphere")
    built = subprocess.run(
        [sphere, "demo", "--size", args.size, "--no-serve", "--port", str(port), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    portal_link = json.loads(built.stdout)["portal_link"]
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "sphere.web.app:create_app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _cockpit_login(page, base, "dpo")
            for name, path in (
                ("cockpit-home", "/cockpit/"),
                ("cockpit-record", "/cockpit/record"),
                ("cockpit-findings", "/cockpit/findings"),
                ("cockpit-inventories", "/cockpit/inventories"),
                ("cockpit-requests", "/cockpit/requests"),
                ("cockpit-audit", "/cockpit/audit"),
                ("cockpit-policy", "/cockpit/policy"),
            ):
                page.goto(base + path)
                _shoot(page, args.out, name)
            for name, accept, width in (  # the home in German, and on a phone
                ("cockpit-home-de", "de-DE,de;q=0.9", 1280),
                ("cockpit-home-de-mobile", "de-DE,de;q=0.9", 390),
                ("cockpit-home-en-mobile", "en-GB,en;q=0.9", 390),
            ):
                page.set_extra_http_headers({"Accept-Language": accept})
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{base}/cockpit/")
                _shoot(page, args.out, name)
            page.set_extra_http_headers({"Accept-Language": "en-GB,en;q=0.9"})
            page.set_viewport_size({"width": 1280, "height": 900})
            _cockpit_german(page, base, args.out)
            page.goto(f"{base}/cockpit/whatif")
            page.get_by_label("Rule to switch off").select_option("customer-care.addressed")
            page.get_by_role("button", name="Preview without this rule").click()
            page.wait_for_load_state()
            _shoot(page, args.out, "cockpit-whatif")
            page.goto(f"{base}/cockpit/marketing/dry-run")
            page.get_by_role("button", name="Dry run").click()
            page.wait_for_load_state()
            _shoot(page, args.out, "cockpit-dry-run")
            _flows(browser, page, base, args.out)

            portal = browser.new_page(viewport={"width": 1280, "height": 900})
            portal.goto(f"{base}/portal/login")
            _shoot(portal, args.out, "portal-login")
            portal.goto(portal_link)
            portal.get_by_role("button", name="Log in").click()
            portal.wait_for_url("**/portal/overview")
            for name in ("overview", "consents", "requests", "receipts"):
                portal.goto(f"{base}/portal/{name}")
                _shoot(portal, args.out, f"portal-{name}")
            portal.set_viewport_size({"width": 375, "height": 740})
            portal.goto(f"{base}/portal/overview")
            _shoot(portal, args.out, "portal-mobile")
            email = re.search(r"[\w.+-]+@[\w-]+\.[\w.-]+", portal.locator("main").inner_text())
            assert email, "no e-mail address on the demo customer's overview"
            _portal(browser, base, email.group(0), args.out, sphere=sphere, env=env)

            agent = browser.new_page(viewport={"width": 1280, "height": 900})
            _cockpit_login(agent, base, "service")  # lands on the contact search
            agent.get_by_label("E-mail, phone, customer number or handle").fill("K-100005")
            agent.get_by_role("button", name="Find").click()
            agent.wait_for_load_state()
            _shoot(agent, args.out, "cockpit-contacts")
            agent.get_by_role("link", name=re.compile(r"^Contact ")).first.click()
            agent.wait_for_load_state()
            _shoot(agent, args.out, "cockpit-timeline-agent")
            agent.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
            agent.set_viewport_size({"width": 390, "height": 900})
            agent.goto(f"{base}/cockpit/contacts")
            agent.locator("#q").fill("K-100005")
            agent.locator("form[role=search] button").click()
            agent.wait_for_load_state()
            _shoot(agent, args.out, "cockpit-contacts-de-mobile")
            agent.locator("a[href$='/timeline']").first.click()
            agent.wait_for_load_state()
            _shoot(agent, args.out, "cockpit-timeline-agent-de-mobile")
            page.goto(f"{base}/transparency")
            _shoot(page, args.out, "transparency")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
