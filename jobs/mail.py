"""The mail.send handler: renders a mail from its German templates (plain text and HTML) and hands
it to the SMTP client (api.clients.smtp, shared with the service).

The subject and the German dates are made once, in SQL, when the mail is queued
(app.mail_subject, app.format_german_date); the templates only place them.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import jinja2

from api.clients.smtp import MailTarget, PermanentMailError, TemporaryMailError, deliver
from jobs.runner import Job, PermanentJobError, TemporaryJobError

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("jobs", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def render(
    template: str, payload: dict[str, Any], *, message_id: str, sender: str, recipient: str
) -> EmailMessage:
    subject = payload.get("subject")
    if not isinstance(subject, str) or not subject:
        raise PermanentMailError(f"unknown template {template!r}")
    try:
        text = _templates.get_template(f"{template}.txt").render(payload)
        html = _templates.get_template(f"{template}.html").render(payload)
    except (jinja2.TemplateError, KeyError, ValueError, TypeError, LookupError) as exc:
        # a payload no template can render will not render on the next try either
        raise PermanentMailError(f"template {template}: {type(exc).__name__}: {exc}") from exc
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    # A stable id per job: a mail sent twice (at least once) is recognisably the same.
    message["Message-ID"] = message_id
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class MailHandler:
    """Sends one mail.send job. SMTP 4xx and network errors are temporary, 5xx permanent."""

    kind = "mail.send"

    def __init__(
        self, target: MailTarget, sender: str, max_attempts: int, retry_base_seconds: float
    ) -> None:
        self.target = target
        self.sender = sender
        self.max_attempts: int | None = max_attempts
        self.retry_base_seconds: float | None = retry_base_seconds

    async def run(self, job: Job) -> None:
        if not job.template or not job.to_address or not job.message_id:
            raise PermanentJobError("a mail job needs a template, a recipient and its Message-ID")
        try:
            message = render(
                job.template,
                job.payload,
                # stored with the job (app.jobs.message_id), so that replies find their lead
                message_id=job.message_id,
                sender=self.sender,
                recipient=job.to_address,
            )
            await deliver(self.target, message)
        except PermanentMailError as exc:
            raise PermanentJobError(str(exc)) from exc
        except TemporaryMailError as exc:
            raise TemporaryJobError(str(exc)) from exc
