"""Delivery of portal log-in links: SMTP (stdlib ``smtplib``) to ``SPHERE_WEB_SMTP_HOST``,
or — with no SMTP host configured (demo, development) — printed on the console and kept
in ``WebRuntime.outbox``. The console line carries the link only, never the address."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from sphere.web.runtime import WebRuntime

SUBJECT = {"en": "Your log-in link", "de": "Ihr Anmeldelink"}
BODY = {
    "en": "Open this link to see your data. It works once, for 15 minutes:\n\n{link}\n",
    "de": "Öffnen Sie diesen Link, um Ihre Daten zu sehen. Er gilt einmal, 15 Minuten "
    "lang:\n\n{link}\n",
}


def deliver_login_link(runtime: WebRuntime, address: str, link: str, *, lang: str) -> None:
    web = runtime.web
    if not web.smtp_host:
        runtime.outbox.append(link)
        print(f"[sphere portal] one-time log-in link: {link}", file=sys.stdout, flush=True)
        return
    message = EmailMessage()
    message["From"] = web.smtp_sender
    message["To"] = address
    message["Subject"] = SUBJECT.get(lang, SUBJECT["en"])
    message.set_content(BODY.get(lang, BODY["en"]).format(link=link))
    with smtplib.SMTP(web.smtp_host, web.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
