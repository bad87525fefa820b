"""Pluggable delivery of campaign messages and replies.

A transport delivers one :class:`OutboundMessage` that the campaign service has already
checked (``recipient.check_recipient`` at send time); it decides nothing. Shipped:

* ``smtp.SmtpTransport`` — e-mail through an SMTP server (``smtplib``);
* ``webhook.WebhookTransport`` — JSON to another system of the company, signed with
  HMAC-SHA256 so the receiver can prove it came from Sphere and was not altered;
* :class:`OutboxTransport` — keeps messages in memory (social replies until a platform
  connector exists, dry runs of integrations, tests).

A third party adds a transport by implementing the :class:`Transport` protocol. A
failure is a :class:`DeliveryError` whose message names no address or content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sphere.errors import SphereError
from sphere.marketing.channel import OutreachChannel


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message to one person (or, for a webhook, about one contact id).

    ``to`` is the address or handle, decrypted just before delivery; it and ``body`` are
    never in ``repr``. ``send_id`` ties the delivery to its ``campaign_sends`` row.
    """

    send_id: str
    campaign: str
    contact_id: str
    channel: OutreachChannel
    purpose: str
    legal_basis: str | None
    subject: str
    body: str = field(repr=False)
    to: str = field(default="", repr=False)
    in_reply_to: str | None = None


class DeliveryError(SphereError):
    """Delivery failed; ``code`` is a token for the audit log (no address, no content)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class Transport(Protocol):
    name: str

    def deliver(self, message: OutboundMessage) -> str:
        """Deliver ``message``; return a receipt token (message id); raise DeliveryError."""
        ...


class OutboxTransport:
    """Keeps delivered messages in memory, in order."""

    name = "outbox"

    def __init__(self) -> None:
        self.messages: list[OutboundMessage] = []

    def deliver(self, message: OutboundMessage) -> str:
        self.messages.append(message)
        return message.send_id


__all__ = ["DeliveryError", "OutboundMessage", "OutboxTransport", "Transport"]
