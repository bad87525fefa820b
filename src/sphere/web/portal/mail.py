"""Delivery of portal log-in links: SMTP (stdlib ``smtplib``) to ``SPHERE_WEB_SMTP_HOST``,
or — with no SMTP host configured (demo, development) — printed on the console and kept
in ``WebRuntime.outbox``. The console line carries the link only, never the address."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from sphere.i18n import translator
from sphere.web.runtime import WebRuntime


def deliver_login_link(runtime: WebRuntime, address: str, link: str, *, lang: str) -> None:
    web = runtime.web
    if not web.smtp_host:
        runtime.outbox.append(link)
        print(f"[sphere portal] one-time log-in link: {link}", file=sys.stdout, flush=True)
        return
    message = EmailMessage()
    message["From"] = web.smtp_sender
    message["To"] = address
    tr = translator(lang, runtime.settings.timezone)
    company = runtime.company_contact()
    message["Subject"] = tr.gettext("Your log-in link")
    body = tr.gettext(
        "Open this link to see your data. It works once, for 15 minutes:\n\n%(link)s\n",
        link=link,
    )
    if company.name:
        body += "\n" + tr.gettext(
            "%(company)s – privacy portal. If you did not ask for this link, ignore this "
            "e-mail: nobody can log in without it.",
            company=company.name,
        )
    message.set_content(body)
    with smtplib.SMTP(web.smtp_host, web.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
