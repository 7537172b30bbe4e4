"""Rendering the protection and feedback mails: German templates (plain text and HTML).

Sending them is the SMTP client's job (api.clients.smtp, shared with the service); `render`
raises its PermanentMailError for a template or payload that can never render.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from api.clients.smtp import PermanentMailError

SUBJECTS = {
    "warning": "Leadschutz: Fortschritt bis {progress_due} fällig – {company_name}",
    "reminder": "Aufforderung zur Fortschrittsmeldung bis {grace_until} – {company_name}",
    "expired": "Leadschutz beendet – {company_name}",
    "escalation": "Verlängerungsantrag seit 48 Stunden unentschieden – {company_name}",
    "feedback_invitation": "Ihre FreshFoodz-Probebox: Wie hat es Ihnen geschmeckt?",
    "feedback_reminder": "Erinnerung: Ihr Feedback zur FreshFoodz-Probebox",
}


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
