"""A real SMTP server on loopback for the mail tests (aiosmtpd), and what arrived at it.

``smtp_inbox`` starts one per test; ``mailer_settings(inbox)`` are the settings that send
to it. Messages are parsed with the standard library, so tests read them as a mail client
would: ``inbox.messages[0]["Subject"]``, ``text_of(message)``, ``html_of(message)``.
"""

from __future__ import annotations

import asyncio
import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


class _Collect:
    def __init__(self, inbox: SmtpInbox):
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.inbox.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.inbox.messages.append(message)
        self.inbox.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpInbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        # Addresses the server refuses with a permanent 550.
        self.refused: set[str] = set()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.messages


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def mailer_settings(inbox: SmtpInbox) -> dict:
    return {
        "mailer_enabled": True,
        "mailer_host": "127.0.0.1",
        "mailer_port": inbox.port,
        "mailer_tls": "none",
        "mailer_from": "admin@pyleroma.test",
    }


@pytest.fixture
def smtp_inbox():
    inbox = SmtpInbox()
    inbox.controller.start()
    try:
        yield inbox
    finally:
        if inbox.controller._thread is not None:  # a test may have stopped it already
            inbox.controller.stop()
