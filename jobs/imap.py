"""The mail.imap handler (SPEC 8.4): fetches customers' replies from the mailbox over IMAP.

Each run asks for the messages above the mailbox's watermark (app.imap_mailboxes.last_uid, by UID;
a changed UIDVALIDITY starts it over, and app.inbound_mails recognises a message by its
Message-ID, so nothing is stored twice), in batches of at most FRESHPLAN_IMAP_BATCH messages and
BATCH_BYTES (their sizes are asked first, so fifty large attachments are never held at once).
Every message is stored, matched to a lead and logged as EMAIL_RECEIVED in one transaction of its
own (app_private.store_inbound_mail), which also moves the watermark; only then is it flagged
\\Seen on the server, and the \\Seen watermark (flagged_uid) moves. Nothing is ever deleted. A
run that stops half-way (the server restarted, the network gone) keeps what it stored; the next
run goes on from the watermark and flags what was stored but not flagged yet, and nothing below
flagged_uid, so a message a person marked unread again stays unread.

imap-tools is synchronous, so a run works in a thread of its own with a synchronous connection.
Everything in a message is untrusted: headers and the text body are reduced to bounded strings
here and stored as text; attachments are not kept.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html.parser
import logging
import re
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import MailboxFetchError, MailboxFlagError
from imap_tools.utils import check_command_status
from psycopg.types.json import Jsonb

from api.core.settings import ImapSettings
from jobs.runner import Job, TemporaryJobError

log = logging.getLogger("freshplan.imap")

BODY_LIMIT = 100_000  # characters kept of a body (app.inbound_mails.body_text)
BATCH_BYTES = 20_000_000  # the most fetched in one round trip (a bigger message comes alone)
HEADER_LIMIT = 998  # a header line's limit (RFC 5322)
TIMEOUT_SECONDS = 30


class _Text(html.parser.HTMLParser):
    """The text of an HTML body: data outside script and style, block ends as line breaks."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup[: BODY_LIMIT * 4])
    parser.close()
    return "".join(parser.parts)


def _clean(value: str | None, limit: int) -> str | None:
    """A bounded string PostgreSQL can store: no NUL, no lone surrogate."""
    if not value:
        return None
    cleaned = value[:limit].replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return cleaned.strip() or None


MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,996}>", re.ASCII)


def _message_ids(value: str) -> list[str]:
    """The Message-IDs of a header, only well-formed ones: the first and the newest 49 (a
    References header is oldest first, and the parent, usually ours, is last)."""
    ids = [part for part in value.replace(",", " ").split() if MESSAGE_ID.fullmatch(part)]
    return ids[:1] + ids[1:][-49:]


def _utc(value: dt.datetime | None) -> str | None:
    """The Date header in UTC (an absurd offset such as +2300 is no date), or None."""
    if value is None or value.tzinfo is None or not 1900 < value.year < 2200:
        return None
    try:
        return value.astimezone(dt.UTC).isoformat()
    except (OverflowError, ValueError):
        return None


def _automatic(headers: dict[str, tuple[str, ...]]) -> bool:
    """An out-of-office note or other machine answer (RFC 3834 and the common markers)."""
    submitted = headers.get("auto-submitted", ("no",))[0].strip().lower()
    precedence = headers.get("precedence", ("",))[0].strip().lower()
    return (
        submitted not in ("", "no")
        or precedence in ("auto_reply", "bulk", "junk", "list")
        or "x-autoreply" in headers
        or "x-autorespond" in headers
    )


def mail_row(message: MailMessage) -> dict[str, Any]:
    """One fetched message as app_private.store_inbound_mail takes it."""
    headers: dict[str, tuple[str, ...]] = {
        k.lower(): v
        for k, v in message.headers.items()  # type: ignore[no-untyped-call]
    }
    sender = message.from_values
    name, address = (sender.name, sender.email) if sender else ("", "")
    body = message.text or html_text(message.html or "")
    text = body.replace("\r\n", "\n")
    in_reply_to = _message_ids(headers.get("in-reply-to", ("",))[0])
    own_id = _message_ids(headers.get("message-id", ("",))[0])
    return {
        "message_id": own_id[0] if own_id else None,
        "in_reply_to": in_reply_to[0] if in_reply_to else None,
        "references": _message_ids(headers.get("references", ("",))[0]),
        "from_address": _clean(address.lower() if "@" in address else None, 254),
        "from_name": _clean(name, 200),
        "subject": _clean(message.subject, HEADER_LIMIT),
        "sent_at": _utc(message.date),
        "body_text": _clean(text[:BODY_LIMIT], BODY_LIMIT) or "",
        "truncated": len(text) > BODY_LIMIT,
        "size_bytes": message.size_rfc822 or message.size,
        "automatic": _automatic(headers),
    }


def unreadable_row(message: MailMessage) -> dict[str, Any]:
    """What is kept of a message the database refused: that it came, and its size, so the
    watermark moves on and a manager sees it (one bad message must not stop the mailbox)."""
    return {
        "subject": "(Nachricht nicht lesbar)",
        "size_bytes": message.size_rfc822 or message.size,
        "truncated": True,
    }


def message_sizes(box: BaseMailBox, uids: list[int]) -> dict[int, int]:
    """The size of each message at the server (RFC822.SIZE), asked 500 at a time."""
    sizes: dict[int, int] = {}
    for start in range(0, len(uids), 500):
        part = ",".join(map(str, uids[start : start + 500]))
        result = box.client.uid("FETCH", part, "(RFC822.SIZE)")
        check_command_status(result, MailboxFetchError)
        for line in result[1]:
            if not isinstance(line, bytes):
                continue
            uid, size = _UID.search(line), _SIZE.search(line)
            if uid and size:
                sizes[int(uid[1])] = int(size[1])
    return sizes


_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


def batches(uids: list[int], sizes: dict[int, int], count: int, limit: int) -> Iterator[list[int]]:
    """Consecutive UIDs, at most `count` and `limit` bytes a batch (a bigger message alone)."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= count or total + size > limit):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def mark_seen(box: BaseMailBox, uids: list[str]) -> None:
    """Flag \\Seen, silently and without EXPUNGE: imap-tools' flag() expunges after every STORE,
    which would remove messages somebody marked \\Deleted. Nothing is ever deleted here."""
    for start in range(0, len(uids), 200):
        result = box.client.uid(
            "STORE", ",".join(uids[start : start + 200]), "+FLAGS.SILENT", r"(\Seen)"
        )
        check_command_status(result, MailboxFlagError)


class InboundMailHandler:
    """Runs one mail.imap job: one pass over the mailbox."""

    kind = "mail.imap"
    max_attempts: int | None = None
    retry_base_seconds: float | None = None

    def __init__(self, settings: ImapSettings, database_url: str) -> None:
        if not settings.url or not settings.tenant:
            raise ValueError("inbound mail needs FRESHPLAN_IMAP_URL and FRESHPLAN_IMAP_TENANT")
        parsed = urllib.parse.urlsplit(settings.url)
        self.scheme = parsed.scheme
        self.host = parsed.hostname or ""
        self.port = parsed.port or (993 if parsed.scheme == "imaps" else 143)
        self.user = urllib.parse.unquote(parsed.username or "")
        self.password = urllib.parse.unquote(parsed.password or "")
        self.folder = urllib.parse.unquote(parsed.path.lstrip("/")) or "INBOX"
        self.tenant = settings.tenant
        self.batch = settings.batch
        self.database_url = database_url
        # the mailbox as app.imap_mailboxes names it: never the password
        self.key = f"{self.user}@{self.host}:{self.port}/{self.folder}"

    async def run(self, job: Job) -> None:
        try:
            result = await asyncio.to_thread(self.poll)
        except (OSError, EOFError) as exc:  # the server went away: the next run goes on
            await asyncio.to_thread(self.record_error, f"{type(exc).__name__}: {exc}")
            raise TemporaryJobError(f"IMAP {self.key}: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith(("imaplib", "imap_tools")):
                await asyncio.to_thread(self.record_error, type(exc).__name__)
                raise TemporaryJobError(f"IMAP {self.key}: {type(exc).__name__}") from exc
            raise
        log.info("imap run done", extra={"mailbox": self.key, **result})

    def record_error(self, error: str) -> None:
        """For the tenant's api.integration_status (best effort: the job's own error stays)."""
        try:
            with psycopg.connect(
                self.database_url, autocommit=True, application_name="freshplan-worker"
            ) as conn:
                conn.execute(
                    "select app_private.record_imap_error(%s, %s)",
                    [self.key, f"IMAP {self.key}: {error}"[:2000]],
                )
        except psycopg.Error:
            log.warning("imap: the failure could not be recorded", extra={"mailbox": self.key})

    @contextmanager
    def mailbox(self) -> Iterator[BaseMailBox]:
        box: BaseMailBox
        if self.scheme == "imaps":
            box = MailBox(self.host, self.port, timeout=TIMEOUT_SECONDS)
        elif self.scheme == "imap+starttls":
            box = MailBoxStartTls(self.host, self.port, timeout=TIMEOUT_SECONDS)
        else:
            box = MailBoxUnencrypted(self.host, self.port, timeout=TIMEOUT_SECONDS)
        with box.login(self.user, self.password, self.folder) as logged_in:
            yield logged_in

    def poll(self) -> dict[str, Any]:
        began = time.monotonic()
        stored = seen = 0
        with (
            psycopg.connect(
                self.database_url, autocommit=True, application_name="freshplan-worker"
            ) as conn,
            self.mailbox() as box,
        ):
            status = box.folder.status(self.folder, ["UIDVALIDITY"])
            validity = int(status["UIDVALIDITY"])
            state = self.one(
                conn,
                "select app_private.imap_mailbox_state(%s, %s, %s::bigint)",
                self.key, self.tenant, validity,
            )  # fmt: skip
            last_uid, flagged_uid = int(state["last_uid"]), int(state["flagged_uid"])
            # stored by an earlier run that stopped before it could flag them (only those: one a
            # person marked unread again, below flagged_uid, stays unread)
            leftover = last_uid - flagged_uid
            if leftover > 0:
                mark_seen(box, [f"{flagged_uid + 1}:{last_uid}"])
                conn.execute("select app_private.imap_flagged(%s, %s)", [self.key, last_uid])
            # "N:*" also names the highest message when none is above N: keep the new ones only
            new = sorted(
                u for u in map(int, box.uids(AND(uid=f"{last_uid + 1}:*"))) if u > last_uid
            )
            sizes = message_sizes(box, new) if new else {}
            for batch in batches(new, sizes, self.batch, BATCH_BYTES):
                chunk = [str(u) for u in batch]
                for message in box.fetch(AND(uid=",".join(chunk)), mark_seen=False, bulk=True):
                    if not message.uid or message.uid not in chunk:
                        continue  # an unsolicited FETCH response, not one of ours
                    stored += self.store(conn, validity, message)
                mark_seen(box, chunk)
                conn.execute("select app_private.imap_flagged(%s, %s)", [self.key, batch[-1]])
                seen += len(chunk)
                log.info(
                    "imap: %d of %d new messages stored",
                    seen,
                    len(new),
                    extra={"mailbox": self.key},
                )
            result = {
                "new": len(new), "stored": stored, "flagged": seen,
                "seconds": round(time.monotonic() - began, 3),
            }  # fmt: skip
            conn.execute(
                "select app_private.finish_imap_run(%s, %s::jsonb)", [self.key, Jsonb(result)]
            )
        return result

    def store(self, conn: psycopg.Connection[Any], validity: int, message: MailMessage) -> int:
        """Store one message (1 when it was new); a row the database refuses is kept as
        unreadable, with the error logged, so that the next messages are not held up."""
        statement = "select app_private.store_inbound_mail(%s, %s::bigint, %s::bigint, %s)"
        uid = int(message.uid or 0)
        try:
            answer = self.one(conn, statement, self.key, validity, uid, Jsonb(mail_row(message)))
        except (psycopg.DataError, psycopg.IntegrityError, UnicodeError) as exc:
            log.warning(
                "imap: a message the database refuses, kept as unreadable",
                extra={"mailbox": self.key, "uid": uid, "error": type(exc).__name__},
            )
            kept = Jsonb(unreadable_row(message))
            answer = self.one(conn, statement, self.key, validity, uid, kept)
        return 1 if answer.get("stored") else 0

    @staticmethod
    def one(conn: psycopg.Connection[Any], statement: str, *params: Any) -> dict[str, Any]:
        row = conn.execute(statement, params).fetchone()
        if row is None:
            raise RuntimeError("the database answered no row")
        answer: dict[str, Any] = row[0]
        return answer
