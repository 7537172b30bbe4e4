"""The inbound-mail benchmark (SPEC 10.1): "1 000 new messages fetched, stored and matched in ≤ 30 s
against Dovecot on loopback (classification excluded), and a re-run that finds nothing new in
under 1 s." bench/run mail.

    bench/inbound_mail.py run --out results.json   (FRESHPLAN_PG_* name a migrated database with
                                                    the demo seed; superuser over the socket)
    bench/inbound_mail.py report results.json      (the Markdown tables)

Setup (not measured): a throwaway Dovecot (tests/imap.py) on a free loopback port; leads of the
tenant freshfoodz with a contact address each (the owned demo leads get addresses of their own, and
more leads are registered as rep1-rep3 with api.register_lead); one outbound mail.send row per
reply to come (DONE, as a sent feedback invitation leaves it); then the messages, a fixed mix
(seeded): ~40 % replies whose In-Reply-To names one of our Message-IDs (one in ten a reply deeper in
a thread, where only References names ours), ~30 % from a lead's contact address (a few of them
out-of-office notes), ~30 % that match nothing (unknown senders, replies to other systems' mail,
to a protection notice to one of our users, to a job that does not exist, and from the address of
leads nobody owns). Bodies of 2-6 KB of text, some multipart/alternative with an HTML part, some
HTML only, some with an attachment of ~100 KB. They are loaded with IMAP APPEND, unflagged.

Measured: one real worker (`freshplan worker`, FRESHPLAN_IMAP_URL at the Dovecot, the default
FRESHPLAN_IMAP_BATCH) is started and awaited (the mail connector configured, its LISTEN
connection open); then a run is queued exactly as pg_cron does (select
app_private.run_job('mail_imap')) and the job row polled every 10 ms until DONE: the wall time from
the queueing to DONE, next to the handler's own `seconds` (app.connector_states.last_result). The
worker wakes on NOTIFY freshplan_jobs (FRESHPLAN_WORKER_POLL_SECONDS 0.05 as the fallback only), so
queued -> done is the run plus the pick-up. Then the re-run that finds nothing new, five times
(median), on an idle worker: the first run's matched mails queue jobs of other kinds where the tree
has them (ai.classify_mail), which one worker takes first (by due time), so before the re-runs the
benchmark waits until none of them is due any more (their outcome does not matter: the worker's
FRESHPLAN_SERVICE_URL, where it would classify them, is a closed loopback port, so each attempt
fails at once and waits for its backoff; never a service running on this machine). CPU of the
worker, PostgreSQL and Dovecot (their processes and reaped children, from /proc) during the first
run, and the worker's per-batch log lines, show where the time goes.

Checked after the first run: every message stored once and matched as set up (per Message-ID: the
lead and matched_by, null where nothing matches), EMAIL_RECEIVED logged for the matched ones that
are not automatic, every message flagged \\Seen on the server and none deleted. Only the mail.imap
jobs are awaited: whatever else a stored mail may queue is counted and never awaited to be done.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
from procstat import tree_cpu

from tests.imap import DOVECOT, USER, Dovecot

ROOT = Path(__file__).resolve().parent.parent
TENANT = "freshfoodz"
REPS = ("rep1@freshfoodz.example", "rep2@freshfoodz.example", "rep3@freshfoodz.example")
TARGET_FIRST_SECONDS = 30.0
TARGET_RERUN_SECONDS = 1.0
POLL_INTERVAL = 0.01
DEFAULT_BATCH = 50  # FRESHPLAN_IMAP_BATCH's default (api/core/settings.py)

WORDS = (
    "wir", "danke", "für", "Ihr", "Angebot", "die", "Muster", "sind", "gut", "angekommen",
    "unsere", "Küche", "hat", "Roulade", "und", "Gratin", "probiert", "Gäste", "Mittagstisch",
    "Lieferung", "nächste", "Woche", "bitte", "Preise", "Karton", "Einkauf", "Menge", "Termin",
    "Rückfrage", "Kantine", "Speiseplan", "vegetarisch", "Lasagne", "Dessert", "Panna", "Cotta",
    "Kühlkette", "Rechnung", "Liefertag", "Dienstag", "Donnerstag", "Ansprechpartner",
    "Küchenchef", "Bestellung", "Probierpaket", "Allergene", "Zutaten", "Haltbarkeit",
    "Tiefkühlung", "Portionen", "Woche", "Monat", "gern", "leider", "noch", "nicht", "zufrieden",
    "sehr",
)  # fmt: skip
FIRST = ("Gasthaus", "Hotel", "Kantine", "Restaurant", "Catering", "Bistro", "Brauhaus", "Mensa")
SECOND = ("Sonne", "Linde", "Krone", "Hirsch", "Post", "Rose", "Anker", "Stern", "Eiche", "Adler")


# ------------------------------------------------------------------------------------ helpers


def log(message: str) -> None:
    print(f"[mail] {message}", flush=True)


def conninfo() -> str:
    env = os.environ
    host = env.get("FRESHPLAN_PG_HOST", "/tmp")  # noqa: S108 - the socket directory
    return (
        f"host={host} port={env['FRESHPLAN_PG_PORT']} dbname={env['FRESHPLAN_PG_DATABASE']}"
        " user=postgres application_name=bench"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def one(conn: psycopg.Connection[Any], statement: str, params: Any = None) -> Any:
    row = conn.execute(statement, params).fetchone()
    assert row is not None, statement
    return row[0]


def wait_for(check: Any, seconds: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise SystemExit(f"timed out waiting for {what}")


class Cpu:
    """CPU seconds so far of the worker, PostgreSQL, Dovecot and this process."""

    def __init__(self, worker: int, postmaster: int, dovecot: int) -> None:
        self.pids = {"worker": worker, "postgres": postmaster, "dovecot": dovecot}
        self.at = time.monotonic()
        self.values = {name: tree_cpu(pid) for name, pid in self.pids.items()}
        self.values["bench"] = time.process_time()

    def percent_until(self, end: Cpu) -> dict[str, float]:
        wall = max(end.at - self.at, 1e-9)
        return {
            name: round(100 * (end.values[name] - self.values[name]) / wall, 1)
            for name in self.values
        }


# ------------------------------------------------------------------------------------ setup


def paragraphs(rnd: random.Random, size: int) -> list[str]:
    out: list[str] = []
    length = 0
    while length < size:
        sentence = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 16)))
        paragraph = " ".join(sentence.capitalize() + "." for _ in range(rnd.randint(2, 5)))
        out.append(paragraph)
        length += len(paragraph) + 2
    return out


def html_of(parts: list[str]) -> str:
    body = "".join(f"<p>{p}</p>\n" for p in parts)
    return (
        "<!DOCTYPE html><html><head><style>p { font-family: Arial; }</style></head><body>\n"
        f"<div>{body}</div><table><tr><td>Mit freundlichen Grüßen</td></tr></table>"
        "<script>tracking()</script></body></html>"
    )


def build_message(rnd: random.Random, spec: dict[str, Any], number: int) -> bytes:
    """One message of the mix as a client would send it."""
    message = EmailMessage()
    message["From"] = email.utils.formataddr((spec["name"], spec["sender"]))
    message["To"] = USER
    message["Subject"] = spec["subject"]
    message["Message-ID"] = spec["message_id"]
    sent = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    message["Date"] = email.utils.format_datetime(sent + dt.timedelta(minutes=7 * number))
    if spec.get("in_reply_to"):
        message["In-Reply-To"] = spec["in_reply_to"]
    if spec.get("references"):
        message["References"] = " ".join(spec["references"])
    if spec.get("automatic"):
        message["Auto-Submitted"] = "auto-replied"
    parts = paragraphs(rnd, rnd.randint(2000, 6000))
    text = "Guten Tag,\n\n" + "\n\n".join(parts) + "\n\nViele Grüße\n" + spec["name"] + "\n"
    if spec["form"] == "html":
        message.set_content(html_of(parts), subtype="html")
    else:
        message.set_content(text)
        if spec["form"] == "alternative":
            message.add_alternative(html_of(parts), subtype="html")
    if spec.get("attachment"):
        message.add_attachment(
            rnd.randbytes(100_000), maintype="application", subtype="pdf",
            filename=f"Bestellung-{number}.pdf",
        )  # fmt: skip
    return message.as_bytes()


def register_lead(
    conn: psycopg.Connection[Any], rep: str, name: str, postal: str, contact: str
) -> str:
    """api.register_lead as the rep (role and claims as PostgREST sets them)."""
    user = conn.execute(
        "select id, tenant_id, org_id, role from app.users where email = %s", [rep]
    ).fetchone()
    assert user is not None, rep
    claims = {"role": user[3], "sub": str(user[0]), "tenant_id": str(user[1]),
              "org_id": str(user[2])}  # fmt: skip
    with conn.transaction():
        conn.execute("select set_config('role', %s, true)", [user[3]])
        conn.execute("select set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
        lead = one(
            conn,
            "select id from api.register_lead(%s, %s, 'Berlin', contact_email => %s)",
            [name, postal, contact],
        )
    return str(lead)


def leads_with_contacts(conn: psycopg.Connection[Any], extra: int) -> dict[str, str]:
    """The owned leads of the tenant, each with a contact address of its own: lead id -> address.
    The demo seed's owned leads get new addresses; `extra` leads are registered."""
    tenant = one(conn, "select id from app.tenants where slug = %s", [TENANT])
    demo = conn.execute(
        "select l.id from app.leads as l where l.tenant_id = %s and l.owner_id is not null"
        " and l.pseudonymized_at is null order by l.id",
        [tenant],
    ).fetchall()
    contacts: dict[str, str] = {}
    for n, (lead_id,) in enumerate(demo):
        address = f"kueche{n}@demo-kunde{n}.example"
        conn.execute(
            "update app.lead_details set contact_email = %s where lead_id = %s", [address, lead_id]
        )
        contacts[str(lead_id)] = address
    for n in range(extra):
        name = f"{FIRST[n % len(FIRST)]} {SECOND[n // len(FIRST) % len(SECOND)]} {n + 1}"
        address = f"einkauf{n}@kunde{n:03d}.example"
        lead = register_lead(conn, REPS[n % len(REPS)], name, f"{20000 + 37 * n:05d}", address)
        contacts[lead] = address
    return contacts


def outbound_mails(
    conn: psycopg.Connection[Any], leads: list[str], user_id: str | None = None
) -> list[tuple[str, str]]:
    """One sent mail.send row per lead (as a feedback invitation leaves it; with user_id: a
    protection notice to one of our users): (Message-ID, lead id), in the order given."""
    rows = conn.execute(
        "insert into app.jobs (tenant_id, kind, to_address, template, payload, lead_id, user_id,"
        " state, finished_at)"
        " select l.tenant_id, 'mail.send', coalesce(u.email, d.contact_email, 'k@kunde.example'),"
        " 'warning', '{}', l.id, u.id, 'DONE', now()"
        " from unnest(%s::uuid[]) with ordinality as x (lead_id, n)"
        " join app.leads as l on l.id = x.lead_id"
        " left join app.lead_details as d on d.lead_id = l.id"
        " left join app.users as u on u.id = %s::uuid"
        " order by x.n returning message_id, lead_id::text",
        [leads, user_id],
    ).fetchall()
    by_lead: dict[str, list[str]] = {}
    for message_id, lead in rows:
        by_lead.setdefault(lead, []).append(message_id)
    # `returning` keeps no order: hand the ids out per lead again, in the order asked
    return [(by_lead[lead].pop(), lead) for lead in leads]


def plan(
    conn: psycopg.Connection[Any], count: int, extra_leads: int, seed: int
) -> list[dict[str, Any]]:
    """The messages to deliver, each with what it must be matched to."""
    rnd = random.Random(seed)  # noqa: S311 - the order of the mix, not a secret
    contacts = leads_with_contacts(conn, extra_leads)
    lead_ids = list(contacts)
    replies = round(count * 0.4)
    senders = round(count * 0.3)
    unmatched = count - replies - senders
    ours = outbound_mails(conn, [lead_ids[n % len(lead_ids)] for n in range(replies)])
    rep1 = str(one(conn, "select id from app.users where email = %s", [REPS[0]]))
    notices = outbound_mails(conn, lead_ids[:10], user_id=rep1)
    unowned = one(
        conn,
        "select min(d.contact_email) from app.lead_details as d join app.leads as l"
        " on l.id = d.lead_id join app.tenants as t on t.id = l.tenant_id"
        " where t.slug = %s and l.owner_id is null",
        [TENANT],
    )
    specs: list[dict[str, Any]] = []
    for n, (message_id, lead) in enumerate(ours):
        spec = {"kind": "reply", "lead": lead, "sender": contacts[lead].replace("einkauf", "chef")}
        if n % 10 == 9:  # deeper in a thread: In-Reply-To names the customer's own last mail
            own = f"<prev-{n}@kunde-mail.example>"
            spec |= {
                "in_reply_to": own,
                "references": [message_id, own],
                "matched_by": "references",
            }
        else:
            spec |= {"in_reply_to": message_id, "references": [message_id]}
            spec["matched_by"] = "in_reply_to"
        spec["subject"] = "Re: Ihr Probierpaket von FreshFoodz"
        specs.append(spec)
    for n in range(senders):
        lead = lead_ids[n % len(lead_ids)]
        address = contacts[lead]
        if n % 3 == 0:  # the sender's own spelling: matched case-insensitively
            address = address[0].upper() + address[1:]
        specs.append({
            "kind": "sender", "lead": lead, "sender": address, "matched_by": "sender",
            "subject": "Abwesenheitsnotiz" if n % 20 == 7 else f"Bestellung KW {n % 52 + 1}",
            "automatic": n % 20 == 7,
        })  # fmt: skip
    for n in range(unmatched):
        spec = {
            "kind": "unmatched", "lead": None, "matched_by": None,
            "sender": f"info{n}@neukunde{n % 97}.example", "subject": f"Anfrage {n}",
        }  # fmt: skip
        if n % 10 == 1:
            spec["in_reply_to"] = f"<{n}.thread@anderes-crm.example>"
            spec["references"] = [spec["in_reply_to"]]
        elif n % 30 == 3:
            spec["in_reply_to"] = notices[n % len(notices)][0]  # a notice to our user: no match
        elif n % 30 == 13:
            spec["in_reply_to"] = "<job-987654321@freshplan>"  # no such job
        elif n % 30 == 23 and unowned:
            spec["sender"] = unowned  # the contact address of leads nobody owns
        specs.append(spec)
    rnd.shuffle(specs)
    for n, spec in enumerate(specs):
        spec["message_id"] = f"<bench-{n}.{seed}@{spec['sender'].split('@')[1].lower()}>"
        spec["name"] = f"{rnd.choice(('Frau', 'Herr'))} {rnd.choice(SECOND)}"
        roll = rnd.random()
        spec["form"] = "html" if roll < 0.03 else "alternative" if roll < 0.15 else "plain"
        spec["attachment"] = rnd.random() < 0.05
        spec.setdefault("automatic", False)
    return specs


def deliver(server: Dovecot, raws: list[bytes]) -> None:
    """IMAP APPEND, unflagged, over one connection (setup: not measured)."""
    with server.mailbox() as box:
        for raw in raws:
            box.append(raw, "INBOX", flag_set=())


# ------------------------------------------------------------------------------------ measuring


def queue_and_wait(conn: psycopg.Connection[Any], timeout: float) -> dict[str, Any]:
    """Queue a run as pg_cron does and wait for its job row to be DONE."""
    before = one(conn, "select coalesce(max(id), 0) from app.jobs where kind = 'mail.imap'")
    started = time.monotonic()
    answer = one(conn, "select app_private.run_job('mail_imap')")
    if answer.get("queued") != 1:
        raise SystemExit(f"run_job('mail_imap') queued nothing: {answer}")
    job = one(conn, "select max(id) from app.jobs where kind = 'mail.imap' and id > %s", [before])
    deadline = started + timeout
    while True:
        state, error = conn.execute(
            "select state, last_error from app.jobs where id = %s", [job]
        ).fetchone() or (None, None)
        if state in ("DONE", "PARKED") or error:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"mail.imap job {job} not done after {timeout} s")
        time.sleep(POLL_INTERVAL)
    wall = time.monotonic() - started
    row = conn.execute(
        "select extract(epoch from j.started_at - j.created_at)::float8, s.last_result"
        " from app.jobs as j left join app.connector_states as s on s.connector = 'mail'"
        " and s.tenant_id = (select id from app.tenants where slug = %s) where j.id = %s",
        [TENANT, job],
    ).fetchone()
    pickup, result = row if row else (None, None)
    outcome = {
        "job": job, "state": state, "error": error, "wall_seconds": round(wall, 4),
        "pickup_seconds": round(pickup, 4) if pickup is not None else None,
        "result": result or {},
    }  # fmt: skip
    if state != "DONE" or error:
        raise SystemExit(f"mail.imap job {job} failed: {json.dumps(outcome, default=str)}")
    return outcome


def text_only(row: tuple[Any, ...] | None) -> bool:
    """An HTML-only mail's stored body: its text, no markup."""
    return row is not None and row[3] > 1000 and not row[6]


def without_attachment(row: tuple[Any, ...] | None) -> bool:
    """A mail with a ~100 KB attachment: its size at the server kept, only the text stored."""
    return row is not None and row[4] > 100_000 and row[3] < 10_000


def verify_database(
    conn: psycopg.Connection[Any], specs: list[dict[str, Any]], activities_before: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        "select message_id, lead_id::text, matched_by, char_length(body_text), size_bytes,"
        " truncated, body_text like '%%<%%' from app.inbound_mails"
    ).fetchall()
    found = {r[0]: r for r in rows}
    wrong = []
    for spec in specs:
        row = found.get(spec["message_id"])
        got = (row[1], row[2]) if row else ("missing", "missing")
        if got != (spec["lead"], spec["matched_by"]):
            wrong.append(
                f"{spec['message_id']}: expected {spec['lead']}/{spec['matched_by']}, got {got}"
            )
    by_kind: dict[str, int] = {}
    for row in rows:
        by_kind[str(row[2])] = by_kind.get(str(row[2]), 0) + 1
    expected_kind: dict[str, int] = {}
    for spec in specs:
        expected_kind[str(spec["matched_by"])] = expected_kind.get(str(spec["matched_by"]), 0) + 1
    activities = (
        one(conn, "select count(*) from app.activities where kind = 'EMAIL_RECEIVED'")
        - activities_before
    )
    expected_activities = sum(1 for s in specs if s["lead"] and not s["automatic"])
    html_only = {s["message_id"] for s in specs if s["form"] == "html"}
    with_attachment = {s["message_id"] for s in specs if s["attachment"]}
    return [
        {"check": "stored once per message", "expected": len(specs),
         "found": len(rows), "ok": len(rows) == len(specs) == len(found)},
        *(
            {"check": f"matched by {kind}" if kind != "None" else "unmatched (lead_id null)",
             "expected": expected_kind.get(kind, 0), "found": by_kind.get(kind, 0),
             "ok": expected_kind.get(kind, 0) == by_kind.get(kind, 0)}
            for kind in ("in_reply_to", "references", "sender", "None")
        ),
        {"check": "each message matched to its own lead (or none)", "expected": 0,
         "found": len(wrong), "ok": not wrong, "detail": wrong[:5]},
        {"check": "EMAIL_RECEIVED logged (matched, not automatic)",
         "expected": expected_activities, "found": activities,
         "ok": activities == expected_activities},
        {"check": "HTML-only bodies stored as text (no markup)", "expected": len(html_only),
         "found": sum(1 for m in html_only if text_only(found.get(m))),
         "ok": all(text_only(found.get(m)) for m in html_only)},
        {"check": "with a ~100 KB attachment: size kept, attachment not stored",
         "expected": len(with_attachment),
         "found": sum(1 for m in with_attachment if without_attachment(found.get(m))),
         "ok": all(without_attachment(found.get(m)) for m in with_attachment)},
    ]  # fmt: skip


def verify_server(server: Dovecot, count: int, when: str) -> list[dict[str, Any]]:
    with server.mailbox() as box:
        everything = box.uids("ALL")
        unseen = box.uids("UNSEEN")
        deleted = box.uids("DELETED")
    return [
        {"check": f"messages on the server {when} (nothing deleted)", "expected": count,
         "found": len(everything), "ok": len(everything) == count and not deleted},
        {"check": f"flagged \\Seen on the server {when}", "expected": count,
         "found": len(everything) - len(unseen), "ok": not unseen},
    ]  # fmt: skip


def batch_timings(worker_log: Path) -> dict[str, Any]:
    """From the worker's JSON log: when each batch of the run was stored."""
    stamps: list[float] = []
    done_at = None
    for line in worker_log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
            at = dt.datetime.fromisoformat(entry["ts"].replace("Z", "+00:00")).timestamp()
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if str(entry.get("event", "")).startswith("imap: ") and done_at is None:
            stamps.append(at)
        if entry.get("event") == "imap run done" and stamps and done_at is None:
            done_at = at
    if len(stamps) < 2:
        return {"batches": len(stamps)}
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    return {
        "batches": len(stamps),
        "first_to_last_seconds": round(stamps[-1] - stamps[0], 3),
        "batch_seconds_median": round(statistics.median(gaps), 3),
        "batch_seconds_max": round(max(gaps), 3),
        "after_last_batch_seconds": round(done_at - stamps[-1], 3) if done_at else None,
    }


def worker_kinds(worker_log: Path) -> list[str]:
    """The job kinds the worker runs (its "worker started" log line)."""
    for line in worker_log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") == "worker started":
            return [str(kind) for kind in entry.get("kinds", [])]
    return []


def wait_idle(conn: psycopg.Connection[Any], kinds: list[str]) -> dict[str, Any]:
    """Until the worker has no due job of another kind it runs: the first run's mails may have
    queued some (classification); their outcome does not matter here, only that the re-run is
    not queued behind them. Bounded: after 120 s the re-runs go ahead anyway."""
    others = [kind for kind in kinds if kind != "mail.imap"]
    due = (
        "select count(*) from app.jobs where kind = any(%s) and state in ('PENDING', 'RUNNING')"
        " and next_attempt_at <= now()"
    )
    started = time.monotonic()
    waiting = one(conn, due, [others])
    while waiting and time.monotonic() - started < 120:
        time.sleep(0.05)
        waiting = one(conn, due, [others])
    return {"kinds": others, "seconds": round(time.monotonic() - started, 2), "still_due": waiting}


def postmaster_pid(conn: psycopg.Connection[Any]) -> int:
    directory = one(conn, "show data_directory")
    return int((Path(directory) / "postmaster.pid").read_text().split()[0])


def prepare(
    conn: psycopg.Connection[Any], server: Dovecot, args: argparse.Namespace
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Leads, outbound mails and the messages in the mailbox; what was set up."""
    specs = plan(conn, args.messages, args.leads, args.seed)
    rnd = random.Random(args.seed + 1)  # noqa: S311 - message texts, not a secret
    raws = [build_message(rnd, spec, n) for n, spec in enumerate(specs)]
    loading = time.monotonic()
    deliver(server, raws)
    setup = {
        "leads_with_contact": len({s["lead"] for s in specs if s["lead"]}),
        "mix": {kind: sum(1 for s in specs if s["kind"] == kind)
                for kind in ("reply", "sender", "unmatched")},
        "references_only": sum(1 for s in specs if s["matched_by"] == "references"),
        "automatic": sum(1 for s in specs if s["automatic"]),
        "html_only": sum(1 for s in specs if s["form"] == "html"),
        "alternative": sum(1 for s in specs if s["form"] == "alternative"),
        "attachments": sum(1 for s in specs if s["attachment"]),
        "bytes": sum(len(r) for r in raws),
        "median_bytes": statistics.median(len(r) for r in raws),
        "append_seconds": round(time.monotonic() - loading, 2),
    }  # fmt: skip
    return specs, setup


def start_worker(
    conn: psycopg.Connection[Any], server: Dovecot, logs: Path
) -> subprocess.Popen[bytes]:
    """One real worker with the mailbox, as production starts it; awaited until it has reported
    the mail connector and its LISTEN connection is open (so a NOTIFY wakes it)."""
    env = os.environ | {
        "FRESHPLAN_IMAP_URL": server.url,
        "FRESHPLAN_IMAP_TENANT": TENANT,
        "FRESHPLAN_SMTP_URL": f"file://{logs}/outbox",
        "FRESHPLAN_WORKER_POLL_SECONDS": "0.05",
        # whatever else the worker does with a stored mail (the AI classification of a matched
        # reply, where the tree has it) goes to a closed loopback port: it fails at once and is
        # retried after its backoff, never reaching a service that runs on this machine
        "FRESHPLAN_SERVICE_URL": f"http://127.0.0.1:{free_port()}",
    }
    worker_log = logs / "mail-worker.log"
    with worker_log.open("wb") as sink:
        worker = subprocess.Popen(
            [str(ROOT / ".venv/bin/freshplan"), "worker"],
            cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    configured = "select configured from app.connectors where connector = 'mail'"
    listening = (
        "select count(*) > 0 from pg_stat_activity where datname = current_database()"
        " and query = 'listen freshplan_jobs'"
    )
    wait_for(lambda: one(conn, configured) is True, 60, "the worker to report the mailbox")
    wait_for(lambda: one(conn, listening) is True, 30, "the worker's LISTEN connection")
    if worker.poll() is not None:
        raise SystemExit(f"the worker exited: {worker_log.read_text()[-2000:]}")
    return worker


def measure(
    conn: psycopg.Connection[Any],
    server: Dovecot,
    worker: subprocess.Popen[bytes],
    specs: list[dict[str, Any]],
    *,
    reruns: int,
    logs: Path,
) -> dict[str, Any]:
    """The first run, the checks, the re-runs."""
    activities_before = one(
        conn, "select count(*) from app.activities where kind = 'EMAIL_RECEIVED'"
    )
    postmaster = postmaster_pid(conn)
    assert server.process is not None
    dovecot = server.process.pid
    cpu = Cpu(worker.pid, postmaster, dovecot)
    log(f"worker up; queueing the first run ({len(specs)} new messages)")
    first = queue_and_wait(conn, 600)
    first["cpu_pct"] = cpu.percent_until(Cpu(worker.pid, postmaster, dovecot))
    log(f"first run: {json.dumps(first)}")
    others = conn.execute(
        "select kind, count(*) from app.jobs where id > %s and kind <> 'mail.imap'"
        " group by kind order by kind",
        [first["job"]],
    ).fetchall()
    first["other_jobs_queued"] = dict(others)
    checks = verify_database(conn, specs, activities_before)
    checks += verify_server(server, len(specs), "after the first run")
    first["queue_drain"] = wait_idle(conn, worker_kinds(logs / "mail-worker.log"))
    log(f"worker idle again: {json.dumps(first['queue_drain'])}")
    again = []
    for n in range(reruns):
        again.append(queue_and_wait(conn, 120))
        log(f"re-run {n + 1}: {json.dumps(again[-1])}")
    checks += verify_server(server, len(specs), "after the re-runs")
    stored = one(conn, "select count(*) from app.inbound_mails")
    checks.append({
        "check": "nothing stored twice by the re-runs", "expected": len(specs),
        "found": stored, "ok": stored == len(specs),
    })  # fmt: skip
    return {"first": first, "reruns": again, "checks": checks}


def stop(worker: subprocess.Popen[bytes] | None) -> None:
    if worker is None or worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(5)


def run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    logs = out.parent
    t0 = time.monotonic()
    server = Dovecot(free_port())
    worker = None
    result: dict[str, Any] = {"messages": args.messages}
    try:
        server.start()
        with psycopg.connect(conninfo(), autocommit=True) as conn:
            specs, result["setup"] = prepare(conn, server, args)
            log(f"setup: {json.dumps(result['setup'])}")
            result["server"] = {
                "dovecot": subprocess.run(
                    [DOVECOT, "--version"], capture_output=True, text=True, check=False
                ).stdout.strip(),
                "batch": int(os.environ.get("FRESHPLAN_IMAP_BATCH") or DEFAULT_BATCH),
                "fsync": one(conn, "show fsync"),
                "synchronous_commit": one(conn, "show synchronous_commit"),
            }
            worker = start_worker(conn, server, logs)
            result |= measure(conn, server, worker, specs, reruns=args.reruns, logs=logs)
        time.sleep(0.2)  # the log line of the last run
        result["first"]["batches"] = batch_timings(logs / "mail-worker.log")
        for check in result["checks"]:
            log(f"check {'ok  ' if check['ok'] else 'FAIL'} {check['check']}: "
                f"{check['found']} (expected {check['expected']})")  # fmt: skip
    finally:
        stop(worker)
        (logs / "mail-dovecot.log").write_text(server.log(), encoding="utf-8")
        server.remove()
        result["seconds"] = round(time.monotonic() - t0, 1)
        out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    log(f"done in {result['seconds']:.0f} s")


# ------------------------------------------------------------------------------------ report


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def report(path: str) -> None:
    res = json.loads(Path(path).read_text(encoding="utf-8"))
    first, reruns, checks = res["first"], res["reruns"], res["checks"]
    setup, server = res["setup"], res["server"]
    checks_ok = all(c["ok"] for c in checks)
    walls = [r["wall_seconds"] for r in reruns]
    handler = [r["result"].get("seconds") or 0.0 for r in reruns]
    pickups = [r["pickup_seconds"] or 0.0 for r in reruns]
    rerun_new = sorted({str(r["result"].get("new")) for r in reruns})
    rerun_stored = sorted({str(r["result"].get("stored")) for r in reruns})
    rerun_ok = (
        bool(reruns)
        and all(r["result"].get("new") == 0 for r in reruns)
        and statistics.median(walls) < TARGET_RERUN_SECONDS
    )
    fr = first["result"]
    first_ok = (
        first["wall_seconds"] <= TARGET_FIRST_SECONDS
        and fr.get("new") == res["messages"] == fr.get("stored") == fr.get("flagged")
        and checks_ok
    )
    print(
        "| Run | New | Stored | Flagged \\Seen | Queued → done | Handler `seconds`"
        " | Picked up after | Target (queued → done) | |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {res['messages']} new messages, first run | {fr.get('new')} | {fr.get('stored')}"
        f" | {fr.get('flagged')} | {first['wall_seconds']:.2f} s | {fr.get('seconds')} s"
        f" | {first['pickup_seconds'] * 1000:.0f} ms | ≤ {TARGET_FIRST_SECONDS:.0f} s,"
        f" all stored and matched | {verdict(first_ok)} |"
    )
    if reruns:
        print(
            f"| Re-run, nothing new (median of {len(reruns)}) | {', '.join(map(str, rerun_new))}"
            f" | {', '.join(map(str, rerun_stored))} | {reruns[-1]['result'].get('flagged')}"
            f" | {statistics.median(walls):.3f} s | {statistics.median(handler):.3f} s"
            f" | {statistics.median(pickups) * 1000:.0f} ms | < {TARGET_RERUN_SECONDS:.0f} s, 0 new"
            f" | {verdict(rerun_ok)} |"
        )
    print()
    print("| Check | Expected | Found | |")
    print("|---|---|---|---|")
    for c in checks:
        print(f"| {c['check']} | {c['expected']} | {c['found']} | {verdict(c['ok'])} |")
    print()
    cpu = first["cpu_pct"]
    queued = ", ".join(f"{k} × {v}" for k, v in (first.get("other_jobs_queued") or {}).items())
    batches = first.get("batches", {})
    mix = setup["mix"]
    print(
        f"Mailbox: {res['messages']} messages, {setup['bytes'] / 1e6:.1f} MB (median"
        f" {setup['median_bytes'] / 1000:.1f} KB): {mix['reply']} replies to our mails"
        f" ({setup['references_only']} of them matched through References only),"
        f" {mix['sender']} from a lead's contact address ({setup['automatic']} automatic),"
        f" {mix['unmatched']} matching nothing; {setup['alternative']} with an HTML alternative,"
        f" {setup['html_only']} HTML only, {setup['attachments']} with a ~100 KB attachment;"
        f" {setup['leads_with_contact']} leads. Loaded with IMAP APPEND in"
        f" {setup['append_seconds']} s (not measured). Dovecot {server['dovecot']},"
        f" FRESHPLAN_IMAP_BATCH {server['batch']}, PostgreSQL fsync"
        f" {server['fsync']}, synchronous_commit {server['synchronous_commit']}."
    )
    print()
    print(
        f"First run, CPU in % of one core over its {first['wall_seconds']:.1f} s: worker"
        f" {cpu['worker']:.0f}, PostgreSQL {cpu['postgres']:.0f}, Dovecot {cpu['dovecot']:.0f},"
        f" the benchmark's polling {cpu['bench']:.0f}. Batches of {server['batch']}"
        f" (the worker's log): {batches.get('batches')} batches, median"
        f" {batches.get('batch_seconds_median')} s apart"
        f" (max {batches.get('batch_seconds_max')} s)."
        f" Other jobs queued by the run (not awaited): {queued or 'none'}."
    )
    print()
    print(
        "Re-runs, queued → done: "
        + ", ".join(f"{w * 1000:.0f} ms" for w in walls)
        + "; handler: "
        + ", ".join(f"{h * 1000:.0f} ms" for h in handler)
        + "."
    )
    drain = first.get("queue_drain") or {}
    if drain.get("seconds"):
        print()
        print(
            f"Before the re-runs the worker was left to take the due jobs of its other kinds"
            f" ({', '.join(drain.get('kinds', []))}) that the first run's mails had queued:"
            f" {drain['seconds']} s (not part of any row; still due after it:"
            f" {drain.get('still_due')}). Their AI router is a closed port here, so each attempt"
            " fails at once and waits for its backoff."
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/inbound_mail.py")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run")
    run_parser.add_argument("--out", required=True)
    run_parser.add_argument("--messages", type=int, default=1000)
    run_parser.add_argument("--leads", type=int, default=45, help="leads registered on top")
    run_parser.add_argument("--reruns", type=int, default=5)
    run_parser.add_argument("--seed", type=int, default=101)
    report_parser = sub.add_parser("report")
    report_parser.add_argument("path")
    args = parser.parse_args()
    if args.command == "run":
        run(args)
    else:
        report(args.path)


if __name__ == "__main__":
    main()
