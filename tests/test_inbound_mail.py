"""Inbound mail (SPEC 8.4) end to end: the real worker's mail.imap job against Debian's Dovecot as
a throwaway IMAP server (tests/imap.py), on a real database. Runs are queued the way pg_cron
queues them (app_private.run_job('mail_imap')) and awaited on the job's row."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import Cluster, wait_until
from tests.imap import CuttableProxy, Dovecot
from tests.test_xentral_products import as_user, sql

REP = "rep1@freshfoodz.example"
OTHER_REP = "rep2@freshfoodz.example"
MANAGER = "manager@freshfoodz.example"
CONFIGURED = "select configured from app.connectors where connector = 'mail'"


def mail(
    sender: str, subject: str, body: str, *, in_reply_to: str | None = None, number: int = 1
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Küche <{sender}>"
    message["To"] = "kontakt@freshfoodz.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<reply-{number}-{abs(hash(subject)) % 10**8}@kunde.example>"
    message["Date"] = "Thu, 03 Dec 2026 10:00:00 +0100"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


def lead(cluster: Cluster, dbname: str, name: str, contact: str | None = None) -> str:
    with as_user(cluster, dbname, REP) as conn:
        row = conn.execute(
            "select id from api.register_lead(%s, '10115', 'Berlin')", [name]
        ).fetchone()
    assert row is not None
    if contact:
        sql(
            cluster, dbname, "update app.lead_details set contact_email = %s where lead_id = %s",
            contact, row[0],
        )  # fmt: skip
    return str(row[0])


def invitation(cluster: Cluster, dbname: str, lead_id: str) -> str:
    """An outbound mail about the lead, as the feedback invitation queues it; its Message-ID."""
    rows = sql(
        cluster, dbname,
        "insert into app.jobs (tenant_id, kind, to_address, template, payload, lead_id, state,"
        " finished_at) select tenant_id, 'mail.send', 'kueche@kunde.example', 'warning', '{}', id,"
        " 'DONE', now() from app.leads where id = %s returning message_id",
        lead_id,
    )  # fmt: skip
    return str(rows[0][0])


def run_once(cluster: Cluster, dbname: str) -> dict[str, Any]:
    """Queue a run as pg_cron does, wait for it, and answer its result."""
    before = sql(
        cluster, dbname, "select coalesce(max(id), 0) from app.jobs where kind = 'mail.imap'"
    )
    sql(cluster, dbname, "select app_private.run_job('mail_imap')")
    job = sql(
        cluster, dbname, "select max(id) from app.jobs where kind = 'mail.imap' and id > %s",
        before[0][0],
    )[0][0]  # fmt: skip
    assert job is not None, "the heartbeat queued a run"
    wait_until(
        lambda: (
            sql(cluster, dbname, "select state from app.jobs where id = %s", job)[0][0]
            in ("DONE", "PARKED")
        ),
        120,
        f"imap job {job} done",
    )
    state = sql(cluster, dbname, "select state, last_error from app.jobs where id = %s", job)[0]
    assert state == ("DONE", None), state
    result: dict[str, Any] = sql(
        cluster, dbname, "select last_result from app.connector_states where connector = 'mail'"
    )[0][0]  # fmt: skip
    return result


def start_worker(
    worker_for: Any,
    dbname: str,
    server: Dovecot,
    tmp_path: Path,
    cluster: Cluster,
    url: str | None = None,
    **extra_env: str,
) -> None:
    worker_for(
        dbname,
        f"file://{tmp_path}/mail",
        extra_env={
            "FRESHPLAN_IMAP_URL": url or server.url,
            "FRESHPLAN_IMAP_TENANT": "freshfoodz",
            **extra_env,
        },
    )
    wait_until(
        lambda: sql(cluster, dbname, CONFIGURED)[0][0],
        60,
        "the worker reports the mailbox",
    )


def stored(cluster: Cluster, dbname: str) -> list[tuple[Any, ...]]:
    return sql(
        cluster, dbname,
        "select subject, lead_id::text, matched_by, truncated from app.inbound_mails order by uid",
    )  # fmt: skip


@pytest.mark.slow
def test_replies_are_matched_stored_once_flagged_seen_and_never_deleted(
    cluster: Cluster, seeded_database: str, dovecot: Dovecot, worker_for: Any, tmp_path: Path
) -> None:
    db = seeded_database
    invited = lead(cluster, db, "Gasthaus Antwort", contact="chef@antwort.example")
    known = lead(cluster, db, "Hotel Absender", contact="Einkauf@Absender.example")
    message_id = invitation(cluster, db, invited)
    assert message_id.startswith("<job-")
    assert message_id.endswith("@freshplan>")
    big = "Sehr geehrte Damen und Herren,\n" + "Lorem ipsum dolor sit amet. " * 80_000  # ~2 MB
    dovecot.deliver(
        mail("irgendwer@anders.example", "Re: Ihre Einladung", "Gern!", in_reply_to=message_id),
        mail("einkauf@absender.example", "Preisliste", "Bitte senden Sie uns die Preise."),
        mail("fremd@unbekannt.example", "Anfrage", "Wer sind Sie?"),
        mail("fremd@unbekannt.example", "Großer Anhang", big, number=4),
    )
    start_worker(worker_for, db, dovecot, tmp_path, cluster)

    first = run_once(cluster, db)
    assert (first["new"], first["stored"]) == (4, 4)
    assert stored(cluster, db) == [
        ("Re: Ihre Einladung", invited, "in_reply_to", False),
        ("Preisliste", known, "sender", False),
        ("Anfrage", None, None, False),
        ("Großer Anhang", None, None, True),
    ]
    capped = sql(
        cluster, db,
        "select char_length(body_text), size_bytes from app.inbound_mails"
        " where subject = 'Großer Anhang'",
    )[0]  # fmt: skip
    assert capped[0] == 100_000
    assert capped[1] > 2_000_000, "the size at the server is kept"
    activities = sql(
        cluster, db,
        "select lead_id::text, note from app.activities where kind = 'EMAIL_RECEIVED'"
        " order by lead_id",
    )  # fmt: skip
    assert sorted(a[0] for a in activities) == sorted([invited, known])
    assert all("E-Mail von" in a[1] for a in activities)

    for _ in range(2):  # three runs in all: nothing new, nothing twice
        again = run_once(cluster, db)
        assert (again["new"], again["stored"]) == (0, 0)
    assert len(stored(cluster, db)) == 4

    with dovecot.mailbox() as box:
        flags = [m.flags for m in box.fetch(mark_seen=False, headers_only=True)]
        assert len(flags) == 4, "nothing deleted"
        assert all("\\Seen" in f for f in flags), flags
        # someone marks the first one unread again, to come back to it
        unread = box.uids("ALL")[0]
        box.client.uid("STORE", unread, "-FLAGS.SILENT", r"(\Seen)")
    run_once(cluster, db)
    with dovecot.mailbox() as box:
        assert box.uids("UNSEEN") == [unread], "a message marked unread stays unread"


@pytest.mark.slow
def test_an_unmatched_mail_is_assigned_by_a_manager_and_then_read_by_the_owner_only(
    cluster: Cluster, seeded_database: str, dovecot: Dovecot, worker_for: Any, tmp_path: Path
) -> None:
    db = seeded_database
    target = lead(cluster, db, "Kantine Zuordnung")
    dovecot.deliver(mail("neu@kunde.example", "Probierpaket?", "Können Sie uns Muster schicken?"))
    start_worker(worker_for, db, dovecot, tmp_path, cluster)
    run_once(cluster, db)

    with as_user(cluster, db, REP) as conn:
        assert conn.execute("select * from api.inbound_mails").fetchall() == [], (
            "unmatched: not a rep's"
        )
    with as_user(cluster, db, MANAGER) as conn:
        waiting = conn.execute(
            "select id, subject from api.inbound_mails where lead_id is null"
        ).fetchall()
        assert [w[1] for w in waiting] == ["Probierpaket?"]
        assigned = conn.execute(
            "select lead_id::text, matched_by from api.assign_inbound_mail(%s, %s)",
            [waiting[0][0], target],
        ).fetchall()
        assert assigned == [(target, "manager")]
        with pytest.raises(psycopg.Error, match="FP832"):
            conn.execute("select * from api.assign_inbound_mail(%s, %s)", [waiting[0][0], target])
    logged = sql(
        cluster, db,
        "select count(*) from app.activities where lead_id = %s and kind = 'EMAIL_RECEIVED'",
        target,
    )[0][0]  # fmt: skip
    assert logged == 1
    audited = sql(
        cluster, db, "select count(*) from app.audit_log where action = 'inbound_mail.assigned'"
    )
    assert audited[0][0] == 1
    with as_user(cluster, db, REP) as conn:
        mine = conn.execute("select subject from api.inbound_mails").fetchall()
    assert mine == [("Probierpaket?",)], "assigned to the rep's lead: the owner reads it"
    with as_user(cluster, db, OTHER_REP) as conn:
        assert conn.execute("select * from api.inbound_mails").fetchall() == [], "no other rep"


@pytest.mark.slow
def test_a_server_restart_mid_run_loses_and_doubles_nothing(
    cluster: Cluster, seeded_database: str, dovecot: Dovecot, worker_for: Any, tmp_path: Path
) -> None:
    db = seeded_database
    total = 1000  # a run of seconds: the restart below comes in the middle of it
    dovecot.deliver(
        *(
            mail(f"kunde{n}@kette.example", f"Nachricht {n}", "Hallo", number=n)
            for n in range(total)
        )
    )
    # the worker reaches Dovecot through a relay that drops its session at the moment of the
    # restart, as a restarted server's clients see it (Dovecot itself may let it finish)
    proxy = CuttableProxy(dovecot.port)
    start_worker(worker_for, db, dovecot, tmp_path, cluster, url=proxy.url(dovecot))
    sql(cluster, db, "select app_private.run_job('mail_imap')")
    wait_until(
        lambda: sql(cluster, db, "select count(*) from app.inbound_mails")[0][0] > 0,
        120,
        "the first messages stored",
    )
    assert proxy.cut() == 1, "the run's IMAP session was open: it is cut mid-run"
    dovecot.restart()
    broke = "select last_error_at is not null from app.connector_states where connector = 'mail'"
    wait_until(lambda: bool(sql(cluster, db, broke)), 120, "the interrupted run recorded")
    assert sql(cluster, db, broke)[0][0], "the run broke and says so for the tenant"
    assert sql(cluster, db, "select count(*) from app.inbound_mails")[0][0] < total
    running = "select count(*) from app.jobs where kind = 'mail.imap' and state = 'RUNNING'"
    wait_until(lambda: sql(cluster, db, running)[0][0] == 0, 120, "the interrupted run ended")
    # it failed and waits for its retry: the retry is due now
    sql(
        cluster, db,
        "update app.jobs set next_attempt_at = now()"
        " where kind = 'mail.imap' and state = 'PENDING'",
    )  # fmt: skip
    waiting = "select count(*) from app.jobs where kind = 'mail.imap' and state = 'PENDING'"
    wait_until(lambda: sql(cluster, db, waiting)[0][0] == 0, 120, "the retried run done")
    run_once(cluster, db)
    subjects = [row[0] for row in stored(cluster, db)]
    assert len(subjects) == total
    assert len(set(subjects)) == total, "nothing doubled"
    with dovecot.mailbox() as box:
        unseen = box.uids("UNSEEN")
    assert unseen == [], "every stored message is flagged"
    proxy.close()


@pytest.mark.slow
def test_hostile_automatic_and_deleted_messages_neither_stop_the_mailbox_nor_vanish(
    cluster: Cluster, seeded_database: str, dovecot: Dovecot, worker_for: Any, tmp_path: Path
) -> None:
    db = seeded_database
    owner = lead(cluster, db, "Gasthaus Urlaub", contact="chef@urlaub.example")
    # a NUL in In-Reply-To, an 8-bit References, a time zone +23:00 that no database takes
    hostile = (
        b"From: boese@angriff.example\r\nSubject: =?utf-8?q?B=C3=B6se?=\r\n"
        b"Message-ID: <boese-1@angriff.example>\r\nIn-Reply-To: <x\x00y@freshplan>\r\n"
        b"References: <\xff\xfe@angriff.example>\r\nDate: Thu, 03 Dec 2026 10:00:00 +2300\r\n"
        b"\r\nText\x00mit NUL\r\n"
    )
    automatic = mail("chef@urlaub.example", "Abwesenheitsnotiz", "Ich bin im Urlaub.", number=2)
    automatic = automatic.replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:", 1)
    dovecot.deliver(hostile, automatic)
    dovecot.deliver(
        mail("geloescht@kunde.example", "Markiert zum Loeschen", "Hallo", number=3),
        flags=("\\Deleted",),
    )
    dovecot.deliver(mail("chef@urlaub.example", "Gute Nachricht", "Wir bestellen.", number=4))
    start_worker(worker_for, db, dovecot, tmp_path, cluster)

    result = run_once(cluster, db)
    assert (result["new"], result["stored"]) == (4, 4), "one bad message holds nothing up"
    rows = sql(
        cluster, db,
        "select subject, lead_id::text, sent_at from app.inbound_mails order by uid",
    )  # fmt: skip
    assert [r[0] for r in rows] == [
        "Böse", "Abwesenheitsnotiz", "Markiert zum Loeschen", "Gute Nachricht",
    ]  # fmt: skip
    assert rows[0][2] is not None, "the date is kept, in UTC"
    assert (rows[1][1], rows[3][1]) == (owner, owner)
    received = sql(
        cluster, db,
        "select note from app.activities where lead_id = %s and kind = 'EMAIL_RECEIVED'", owner,
    )  # fmt: skip
    assert len(received) == 1, "an out-of-office note is no contact with the customer"
    assert "Gute Nachricht" in received[0][0]
    with dovecot.mailbox() as box:
        assert len(box.uids("ALL")) == 4, "a message marked \\Deleted is not expunged by us"
