"""Sending a message through the configured SMTP server (SMTP_HOST, SMTP_PORT, SMTP_FROM; STARTTLS
and a login when the server wants them). The standard library's client runs in a thread."""
from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage


class MailNotSent(RuntimeError):
    """The server did not take the message; `code` is its SMTP reply code when it gave one."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int = 25
    sender: str = ""
    starttls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)
    timeout_s: float = 15.0

    async def send(self, message: EmailMessage) -> int:
        """The server's reply code once it has accepted the message for every recipient."""
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> int:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password)
                # smtplib raises unless the server answered 250 to the message data.
                if client.send_message(message):
                    raise MailNotSent("the server refused a recipient")
                return 250
        except smtplib.SMTPResponseException as exc:
            raise MailNotSent(f"SMTP {exc.smtp_code}", exc.smtp_code) from None
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else None
            raise MailNotSent(f"SMTP {code}: recipient refused", code) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailNotSent(f"{type(exc).__name__}: {exc}"[:300]) from None
