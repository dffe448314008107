"""A real SMTP server (aiosmtpd) on a free loopback port, standing in for a provider's mail
server; `mode` decides its answer to each message: "ok", "busy" (451, try later) for the next
`busy_for` messages, or "reject" (554)."""
from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailServer:
    def __init__(self):
        self.mode, self.busy_for = "ok", 0
        self.received: list[dict] = []   # accepted: {"to", "from", "raw", "message"}
        self.answered: list[str] = []    # every reply to a message, in order
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.host, self.port = "127.0.0.1", self.controller.port

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            if self.mode == "reject":
                reply = "554 5.7.1 message refused"
            elif self.mode == "busy" and self.busy_for > 0:
                self.busy_for -= 1
                reply = "451 4.3.0 try again later"
            else:
                self.received.append({"to": list(envelope.rcpt_tos), "from": envelope.mail_from,
                                      "raw": envelope.original_content or envelope.content,
                                      "message": message_from_bytes(envelope.content, policy=policy.default)})
                reply = "250 OK"
            self.answered.append(reply)
        return reply

    def stop(self) -> None:
        self.controller.stop()
