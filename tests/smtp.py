"""A real SMTP server on loopback for tests (aiosmtpd): every message it receives is kept,
parsed, in ``Inbox.messages``."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802, ANN201
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@contextmanager
def serve_smtp(handler: object) -> Iterator[int]:
    """Run an aiosmtpd ``handler`` on a free port of 127.0.0.1; yields the port."""
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def loopback_smtp() -> Iterator[tuple[Inbox, int]]:
    """The inbox and the port of a server on 127.0.0.1, stopped when the block ends."""
    box = Inbox()
    with serve_smtp(box) as port:
        yield box, port
