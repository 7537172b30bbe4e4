"""A real SMTP server for tests (aiosmtpd in a thread) that records what it accepts and can be
told to go down, refuse with 4xx for a while, or hold a message until released."""

from __future__ import annotations

import email
import email.policy
import ssl
import threading
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


class Recorder:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.refuse = False
        self.hold: threading.Event | None = None  # while set: the next message waits for it
        self.holding = threading.Event()  # set when a message is being held

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.hold is not None:
            release, self.hold = self.hold, None
            self.holding.set()
            # Block this message until the test releases it, then refuse it.
            await server.loop.run_in_executor(None, release.wait)
            return "451 Try again later"
        if self.refuse:
            return "421 Service not available"
        raw = envelope.content
        content = raw if isinstance(raw, bytes) else str(raw).encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        if not isinstance(message, EmailMessage):
            return "554 Unparsable message"
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def received(self) -> list[tuple[list[str], EmailMessage]]:
        with self.lock:
            return list(self.messages)


class SmtpServer:
    """Plain SMTP by default; with `tls` ("starttls" or "implicit") and a certificate it offers
    TLS the way all-inkl does, and then requires AUTH with the given user and password."""

    def __init__(
        self,
        port: int,
        tls: str = "none",
        certificate: tuple[str, str] | None = None,
        credentials: tuple[str, str] = ("mailer", "s3cret"),
    ) -> None:
        self.port = port
        self.tls = tls
        self.certificate = certificate
        self.credentials = credentials
        self.recorder = Recorder()
        self.controller: Controller | None = None
        self.failed_logins = 0

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == self.credentials
        )
        if not ok:
            self.failed_logins += 1
            return AuthResult(success=False, handled=False)  # aiosmtpd answers 535 itself
        return AuthResult(success=True)

    def start(self) -> None:
        if self.tls == "none":
            self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        else:
            assert self.certificate is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.certificate)
            if self.tls == "starttls":
                self.controller = Controller(
                    self.recorder,
                    hostname="127.0.0.1",
                    port=self.port,
                    tls_context=context,
                    require_starttls=True,
                    authenticator=self.authenticate,
                    auth_required=True,
                )
            else:
                self.controller = Controller(
                    self.recorder,
                    hostname="127.0.0.1",
                    port=self.port,
                    ssl_context=context,
                    auth_require_tls=False,
                    authenticator=self.authenticate,
                    auth_required=True,
                )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        if self.tls == "none":
            return f"smtp://127.0.0.1:{self.port}"
        scheme = "smtp+starttls" if self.tls == "starttls" else "smtps"
        user, password = self.credentials
        return f"{scheme}://{user}:{password}@127.0.0.1:{self.port}"

    def by_message_id(self) -> dict[str, Any]:
        return {str(m["Message-ID"]): (rcpt, m) for rcpt, m in self.recorder.received()}
