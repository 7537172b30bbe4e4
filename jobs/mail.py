"""Rendering and sending the protection mails: German templates (plain text and HTML), SMTP with
STARTTLS or implicit TLS (as all-inkl offers them), or a local directory of .eml files."""

from __future__ import annotations

import os
import ssl
import tempfile
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import aiosmtplib
import jinja2

SEND_TIMEOUT_SECONDS = 30

SUBJECTS = {
    "warning": "Leadschutz: Fortschritt bis {progress_due} fällig – {company_name}",
    "reminder": "Aufforderung zur Fortschrittsmeldung bis {grace_until} – {company_name}",
    "expired": "Leadschutz beendet – {company_name}",
    "escalation": "Verlängerungsantrag seit 48 Stunden unentschieden – {company_name}",
    "feedback_invitation": "Ihre FreshFoodz-Probebox: Wie hat es Ihnen geschmeckt?",
    "feedback_reminder": "Erinnerung: Ihr Feedback zur FreshFoodz-Probebox",
}


class TemporaryMailError(Exception):
    """Worth another try later: the server is down, busy or said 4xx."""


class PermanentMailError(Exception):
    """Another try will not help: unknown template, bad address, the server said 5xx."""


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


def german_date(value: str | None, timezone: str = "Europe/Berlin") -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y")


_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("jobs", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def render(
    template: str, payload: dict[str, Any], *, message_id: str, sender: str, recipient: str
) -> EmailMessage:
    if template not in SUBJECTS:
        raise PermanentMailError(f"unknown template {template!r}")
    try:
        timezone = str(payload.get("timezone") or "Europe/Berlin")
        values = {
            **payload,
            "progress_due": german_date(payload.get("progress_due_at"), timezone),
            "grace_until_date": german_date(payload.get("grace_until"), timezone),
            "expires": german_date(payload.get("expires_at"), timezone),
        }
        text = _templates.get_template(f"{template}.txt").render(values)
        html = _templates.get_template(f"{template}.html").render(values)
        subject = SUBJECTS[template].format(
            company_name=payload.get("company_name", ""),
            progress_due=values["progress_due"],
            grace_until=values["grace_until_date"],
        )
    except (jinja2.TemplateError, KeyError, ValueError, TypeError, LookupError) as exc:
        # a payload no template can render will not render on the next try either
        raise PermanentMailError(f"template {template}: {type(exc).__name__}: {exc}") from exc
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    # A stable id per outbox row: a mail sent twice (at-least-once) is recognisably the same.
    message["Message-ID"] = message_id
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


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
