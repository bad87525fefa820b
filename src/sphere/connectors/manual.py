"""Manual systems (``kind: manual``): a system without an API whose owner is e-mailed a
task (``rights.systems.manual``). This module reads the definition's ``manual:``
section and delivers the owner's e-mail over SMTP (stdlib ``smtplib``).

    system: paper-files
    name: Kundenakten (Papier), Buchhaltung
    kind: manual
    manual:
      owner: buchhaltung@example.com   # who must act
      due_days: 7                      # from the e-mail
      language: de                     # of the e-mail and the confirmation page
      erasure: Die Kundenakte aus Schrank B entnehmen und schreddern …
      rectification: Die Anschrift in der Akte berichtigen …
      restriction: Die Akte mit dem roten Sperrvermerk versehen …
      preference: Den Werbe-Sperrvermerk eintragen …
    retry: {max_attempts: 5, backoff_seconds: 300}   # for sending the e-mail

At least one operation needs instructions; a request whose operation the owner has no
instructions for plans no task there. The owner's address is staff data, not the
person's: it may appear in the cockpit.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING

from ruamel.yaml.comments import CommentedMap

from sphere.connectors.definition import ManualDefinition
from sphere.domain.manual import ManualSystem
from sphere.domain.systems import RetryPolicy
from sphere.errors import SphereError

if TYPE_CHECKING:
    from sphere.connectors.loader import _Reader

MANUAL_TOP_KEYS = ("system", "name", "description", "kind", "manual", "retry")
OPERATIONS = ("erasure", "rectification", "restriction", "preference")
_MANUAL_KEYS = ("owner", "due_days", "language", *OPERATIONS)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGES = ("de", "en")


def read_manual(
    reader: _Reader,
    data: CommentedMap,
    system: str,
    name: str,
    description: str,
    retry: RetryPolicy,
) -> ManualDefinition:
    node = reader.mapping(data, "manual", "the connector")
    owner = "manual"
    reader.known_keys(node, _MANUAL_KEYS, owner)
    at = reader.key_at(data, "manual")
    reader.required(node, "owner", owner, at)
    address = reader.text(node, "owner", owner, _EMAIL, "must be the owner's e-mail address")
    due_days = reader.integer(node, "due_days", owner, low=1, high=30) if "due_days" in node else 7
    language = "de"
    if "language" in node:
        language = reader.text(node, "language", owner)
        if language not in LANGUAGES:
            reader.fail(f"{owner}: language must be one of {', '.join(LANGUAGES)}",
                        reader.value_at(node, "language"))  # fmt: skip
    instructions = tuple((op, reader.text(node, op, owner)) for op in OPERATIONS if op in node)
    if not instructions:
        reader.fail(
            f"{owner}: say what the owner must do for at least one operation "
            f"({', '.join(OPERATIONS)})",
            at,
        )
    spec = ManualSystem(system, name, address, due_days, instructions, language)
    return ManualDefinition(system, spec, reader.source, description, retry)


class MailUnavailable(SphereError):
    """The owner's e-mail could not be delivered (retried like a system that is down)."""


@dataclass(frozen=True, slots=True)
class OwnerMail:
    """Where owners' e-mails go out and where their confirmation page is: the same
    settings as the portal's log-in links (``SPHERE_WEB_SMTP_HOST``, ``_SMTP_PORT``,
    ``_SMTP_SENDER``, ``_PUBLIC_URL``). No SMTP host: sending fails (and is retried),
    so a manual task never waits for an e-mail that was not sent."""

    smtp_host: str | None
    smtp_port: int = 25
    sender: str = "privacy@example.com"
    public_url: str = "http://127.0.0.1:8000"
    timeout: float = 10.0

    def confirm_url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/tasks/confirm/{token}"

    def send(self, to: str, subject: str, body: str) -> None:
        if not self.smtp_host:
            raise MailUnavailable("no SMTP host is configured (SPHERE_WEB_SMTP_HOST)")
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=self.timeout) as smtp:
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailUnavailable(f"SMTP delivery failed: {type(exc).__name__}") from None
