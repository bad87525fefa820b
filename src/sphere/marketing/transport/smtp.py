"""E-mail delivery through SMTP (``smtplib``), one connection per message.

Each message carries the objection notice of §7(3) Nr. 4 UWG / GDPR Art. 21(4) in its
body (added by the campaign service) and a ``List-Unsubscribe`` header when an
unsubscribe address is configured. ``X-Sphere-Send-Id`` ties a message to its send
record. Errors are reported as codes; the address is never part of an exception.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from sphere.errors import InvalidInput
from sphere.marketing.transport import DeliveryError, OutboundMessage


class SmtpTransport:
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        unsubscribe: str | None = None,
    ) -> None:
        if not host or not 0 < port < 65536:
            raise InvalidInput("smtp: host and a port in 1..65535 are required")
        if "@" not in sender:
            raise InvalidInput("smtp: sender must be an e-mail address")
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.username, self.password = starttls, username, password
        self.timeout, self.unsubscribe = timeout, unsubscribe

    def __repr__(self) -> str:
        return f"SmtpTransport(host={self.host!r}, port={self.port})"

    def build(self, message: OutboundMessage) -> EmailMessage:
        if not message.to or "@" not in message.to:
            raise DeliveryError("smtp.no-address", "the recipient has no usable e-mail address")
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[1])
        mail["X-Sphere-Send-Id"] = message.send_id
        if self.unsubscribe:
            mail["List-Unsubscribe"] = f"<{self.unsubscribe}>"
        mail.set_content(message.body)
        return mail

    def deliver(self, message: OutboundMessage) -> str:
        mail = self.build(message)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password or "")
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryError(
                "smtp.recipient-refused", "the SMTP server refused the recipient"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(
                "smtp.failed", f"SMTP delivery failed: {type(exc).__name__}"
            ) from None
        return str(mail["Message-ID"])
