"""Outgoing mail: SMTP with STARTTLS or implicit TLS (as all-inkl offers them), or, locally, a
directory of .eml files (the mail sink).

`parse_mail_url` turns FRESHPLAN_SMTP_URL into a `MailTarget`; `deliver` sends one ready
message there. Failures are one of two errors: `TemporaryMailError` (worth another try later) or
`PermanentMailError` (another try will not help). What a message says is the caller's business.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib

SEND_TIMEOUT_SECONDS = 30


class TemporaryMailError(Exception):
    """Worth another try later: the server is down, busy or said 4xx."""


class PermanentMailError(Exception):
    """Another try will not help: a bad address, the server said 5xx; callers raise it too for
    a message that can never be built (jobs.mail: an unknown template)."""


@dataclass(frozen=True)
class MailTarget:
    """Where mail goes: an SMTP server or, locally, a directory."""

    scheme: str  # smtp, smtp+starttls, smtps or file
    host: str = ""
    port: int = 0
    username: str | None = None
    password: str | None = None
    directory: Path | None = None
    ca_file: str | None = None

    def __repr__(self) -> str:  # never show the password
        return f"MailTarget({self.scheme}://{self.host}:{self.port})"


def parse_mail_url(url: str, ca_file: str | None = None) -> MailTarget:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return MailTarget("file", directory=Path(unquote(parts.path)))
    defaults = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
    if parts.scheme not in defaults or not parts.hostname:
        raise ValueError(
            "FRESHPLAN_SMTP_URL must look like smtp+starttls://user:pass@host:587, "
            "smtps://user:pass@host:465, smtp://host:25 or file:///path/to/dir"
        )
    return MailTarget(
        parts.scheme,
        parts.hostname,
        parts.port or defaults[parts.scheme],
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        ca_file=ca_file,
    )


async def deliver(target: MailTarget, message: EmailMessage) -> None:
    if target.scheme == "file":
        _write_eml(target, message)
        return
    try:
        await aiosmtplib.send(
            message,
            hostname=target.host,
            port=target.port,
            username=target.username,
            password=target.password,
            start_tls=target.scheme == "smtp+starttls",
            use_tls=target.scheme == "smtps",
            tls_context=ssl.create_default_context(cafile=target.ca_file),
            timeout=SEND_TIMEOUT_SECONDS,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise PermanentMailError(f"recipient refused: {exc}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise PermanentMailError(f"SMTP {exc.code}: {exc.message}") from exc
        raise TemporaryMailError(f"SMTP {exc.code}: {exc.message}") from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise TemporaryMailError(f"{type(exc).__name__}: {exc}") from exc


def _write_eml(target: MailTarget, message: EmailMessage) -> None:
    if target.directory is None:
        raise PermanentMailError("no mail directory configured")
    target.directory.mkdir(parents=True, exist_ok=True)
    name = str(message["Message-ID"]).strip("<>").replace("@", "_at_").replace("/", "_")
    final = target.directory / f"{name}.eml"
    fd, temporary = tempfile.mkstemp(dir=target.directory, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    Path(temporary).replace(final)  # atomic: a reader never sees half a mail
