"""The mail worker against a real SMTP server (aiosmtpd): templates and recipients, and the faults
of SPEC 10.2: SMTP down, a worker killed mid-send, two workers at once."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import psycopg
import pytest

from tests.api_client import Api
from tests.conftest import Cluster, Service, WorkerProcess, free_port, wait_until
from tests.smtp import SmtpServer

WorkerFactory = Callable[..., WorkerProcess]
SEEDED_EXTENSION = """
    insert into app.extension_requests (
        tenant_id, lead_id, assignment_id, days, reason, requested_by, requested_at, due_at
    )
    select tenant_id, id, assignment_id, 21, 'Kunde entscheidet nach der Saison', owner_id,
        now() - interval '3 days', now() - interval '1 day'
    from app.leads where id = '40000000-0000-4000-8000-000000000001'
"""


def sql(
    cluster: Cluster, dbname: str, query: str, params: list[Any] | None = None
) -> list[tuple[Any, ...]]:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None, f"no {subtype} part"
    return str(part.get_content())


def job_states(cluster: Cluster, dbname: str) -> dict[str, int]:
    return dict(sql(cluster, dbname, "select state, count(*) from app.jobs group by state"))


def queue_demo_notices(cluster: Cluster, dbname: str) -> int:
    """On the demo data, the sweep warns (Hotel Seeblick), reminds (Kantine Nordwerk) and releases
    (Catering Müller); the escalation job escalates a stale extension request."""
    sql(cluster, dbname, SEEDED_EXTENSION)
    sql(cluster, dbname, "select app_private.run_job('sweep'), app_private.run_job('escalation')")
    return int(sql(cluster, dbname, "select count(*) from app.jobs")[0][0])


def test_every_template_reaches_its_recipients_in_german(
    cluster: Cluster, seeded_database: str, smtp_server: SmtpServer, worker_for: WorkerFactory
) -> None:
    queued = queue_demo_notices(cluster, seeded_database)
    assert queued == 6

    worker_for(seeded_database, smtp_server.url)
    wait_until(lambda: len(smtp_server.recorder.received()) == queued, 30, "all mails delivered")

    mails = {
        (rcpt[0], m["Subject"].split(" –")[0].split(" bis")[0]): m
        for rcpt, m in smtp_server.recorder.received()
    }
    assert set(mails) == {
        ("rep1@freshfoodz.example", "Leadschutz: Fortschritt"),
        ("rep1@freshfoodz.example", "Aufforderung zur Fortschrittsmeldung"),
        ("manager@freshfoodz.example", "Aufforderung zur Fortschrittsmeldung"),
        ("rep3@freshfoodz.example", "Leadschutz beendet"),
        ("manager@freshfoodz.example", "Leadschutz beendet"),
        ("admin@freshfoodz.example", "Verlängerungsantrag seit 48 Stunden unentschieden"),
    }
    deadlines = dict(
        sql(
            cluster,
            seeded_database,
            """
        select l.company_name, to_char(d.grace_until at time zone 'Europe/Berlin', 'DD.MM.YYYY')
        from app.leads as l
        cross join lateral app.lead_deadlines(l, (select c from app.protection_configs as c
            where c.tenant_id = l.tenant_id), now()) as d
        where l.company_name = 'Kantine Nordwerk'
    """,
        )
    )
    reminder = mails[("rep1@freshfoodz.example", "Aufforderung zur Fortschrittsmeldung")]
    assert reminder["Subject"] == (
        "Aufforderung zur Fortschrittsmeldung bis "
        f"{deadlines['Kantine Nordwerk']} – Kantine Nordwerk"
    )
    text = body(reminder, "plain")
    assert "in Textform" in text
    assert f"bis zum {deadlines['Kantine Nordwerk']}" in text
    html = body(reminder, "html")
    assert f"<strong>{deadlines['Kantine Nordwerk']}</strong>" in html
    expired = body(mails[("manager@freshfoodz.example", "Leadschutz beendet")], "plain")
    assert "Sepp Süd" in expired
    assert "Catering Müller & Söhne KG" in expired
    wait_until(
        lambda: job_states(cluster, seeded_database) == {"DONE": queued}, 10, "all marked DONE"
    )


def test_smtp_down_delays_mail_but_loses_none(
    cluster: Cluster, seeded_database: str, smtp_server: SmtpServer, worker_for: WorkerFactory
) -> None:
    smtp_server.recorder.refuse = True  # the server answers 421 to every message
    queued = queue_demo_notices(cluster, seeded_database)
    worker_for(seeded_database, smtp_server.url)
    wait_until(
        lambda: (
            sql(cluster, seeded_database, "select count(*) from app.jobs where attempts >= 2")[0][0]
            == queued
        ),
        30,
        "every message tried at least twice",
    )
    assert smtp_server.recorder.received() == []
    smtp_server.stop()  # and now the server is gone entirely for a moment
    smtp_server.recorder.refuse = False
    smtp_server.start()

    wait_until(
        lambda: job_states(cluster, seeded_database) == {"DONE": queued},
        60,
        "all sent after recovery",
    )
    received = smtp_server.by_message_id()
    assert len(received) == queued == len(smtp_server.recorder.received()), "none lost, none twice"


def test_a_permanently_failing_message_is_parked_with_its_error(
    cluster: Cluster, seeded_database: str, smtp_server: SmtpServer, worker_for: WorkerFactory
) -> None:
    sql(
        cluster,
        seeded_database,
        """
        insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key)
        values (
            '10000000-0000-4000-8000-000000000001', 'mail.send', 'x@example.org',
            'no_such_template', '{}',
            'broken'
        )
    """,
    )
    worker_for(seeded_database, smtp_server.url)
    wait_until(
        lambda: job_states(cluster, seeded_database) == {"PARKED": 1}, 30, "the message parked"
    )
    error = sql(
        cluster, seeded_database, "select last_error from app.jobs where dedupe_key = 'broken'"
    )[0][0]
    assert "unknown template" in error


def test_a_worker_killed_mid_send_loses_nothing(
    cluster: Cluster, seeded_database: str, smtp_server: SmtpServer, worker_for: WorkerFactory
) -> None:
    queued = queue_demo_notices(cluster, seeded_database)
    release = threading.Event()
    smtp_server.recorder.hold = release
    worker = worker_for(seeded_database, smtp_server.url)
    assert smtp_server.recorder.holding.wait(30), "the first message reached the server"
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(10)
    release.set()  # the server now refuses the held message: it was never delivered

    worker_for(seeded_database, smtp_server.url)
    wait_until(
        lambda: job_states(cluster, seeded_database) == {"DONE": queued},
        60,
        "the new worker finishes",
    )
    assert len(smtp_server.by_message_id()) == queued == len(smtp_server.recorder.received())


def test_two_workers_share_the_queue_and_send_each_message_once(
    cluster: Cluster, seeded_database: str, smtp_server: SmtpServer, worker_for: WorkerFactory
) -> None:
    sql(
        cluster,
        seeded_database,
        """
        insert into app.jobs (tenant_id, kind, user_id, to_address, template, payload, dedupe_key)
        select
            '10000000-0000-4000-8000-000000000001', 'mail.send', null,
            'rep' || n || '@example.org', 'warning',
            jsonb_build_object(
                'company_name', 'Firma ' || n, 'postal_code', '10115', 'city', 'Berlin',
                'recipient_name', 'Rep ' || n, 'progress_due_at', '2027-01-01T09:00:00+00:00',
                'timezone', 'Europe/Berlin'),
            'load:' || n
        from generate_series(1, 40) as n
    """,
    )
    # The first worker gets stuck in the middle of its first message, holding that row locked ...
    release = threading.Event()
    smtp_server.recorder.hold = release
    worker_for(seeded_database, smtp_server.url)
    assert smtp_server.recorder.holding.wait(30), "the first worker is sending"
    # ... and the second sends everything else meanwhile: it skips the locked row, it does not wait.
    worker_for(seeded_database, smtp_server.url)
    wait_until(lambda: len(smtp_server.recorder.received()) == 39, 60, "the other 39 sent")
    release.set()  # the held message is refused (451) and sent again later, by either worker

    wait_until(lambda: job_states(cluster, seeded_database) == {"DONE": 40}, 60, "all 40 sent")
    assert len(smtp_server.recorder.received()) == 40
    assert len(smtp_server.by_message_id()) == 40, "no message twice"


def test_the_local_sink_writes_eml_files(
    cluster: Cluster, seeded_database: str, worker_for: WorkerFactory, tmp_path: Any
) -> None:
    queued = queue_demo_notices(cluster, seeded_database)
    worker_for(seeded_database, f"file://{tmp_path}/mail")
    wait_until(
        lambda: len(list((tmp_path / "mail").glob("*.eml"))) == queued, 30, "one .eml per mail"
    )
    assert not list((tmp_path / "mail").glob("*.tmp"))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made with openssl for this test run."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return str(cert), str(key)


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_mail_goes_over_tls_with_authentication(
    cluster: Cluster,
    seeded_database: str,
    worker_for: WorkerFactory,
    certificate: tuple[str, str],
    tls: str,
) -> None:
    server = SmtpServer(free_port(), tls=tls, certificate=certificate)
    server.start()
    try:
        queued = queue_demo_notices(cluster, seeded_database)
        worker_for(
            seeded_database, server.url, extra_env={"FRESHPLAN_SMTP_CA_FILE": certificate[0]}
        )
        wait_until(lambda: len(server.recorder.received()) == queued, 30, f"all mails over {tls}")
        assert server.failed_logins == 0
    finally:
        server.stop()


def test_a_wrong_smtp_password_is_retried_then_parked_never_logged(
    cluster: Cluster, seeded_database: str, worker_for: WorkerFactory, certificate: tuple[str, str]
) -> None:
    server = SmtpServer(free_port(), tls="starttls", certificate=certificate)
    server.start()
    try:
        queue_demo_notices(cluster, seeded_database)
        wrong = server.url.replace(":s3cret@", ":wrong-password@")
        worker = worker_for(
            seeded_database,
            wrong,
            extra_env={
                "FRESHPLAN_SMTP_CA_FILE": certificate[0],
                "FRESHPLAN_MAIL_MAX_ATTEMPTS": "2",
            },
        )
        wait_until(
            lambda: set(job_states(cluster, seeded_database)) == {"PARKED"}, 30, "all parked"
        )
        assert server.recorder.received() == []
        assert server.failed_logins >= 1
        log = worker.log()
        assert "wrong-password" not in log
        assert "job parked" in log
    finally:
        server.stop()


def test_an_admin_requeues_a_parked_mail_and_the_worker_sends_it(
    cluster: Cluster,
    seeded_database: str,
    smtp_server: SmtpServer,
    worker_for: WorkerFactory,
    postgrest: Service,
    token_for: Callable[..., str],
) -> None:
    smtp_server.recorder.refuse = True  # 421 to everything: with one attempt allowed, all park
    queued = queue_demo_notices(cluster, seeded_database)
    worker_for(seeded_database, smtp_server.url, extra_env={"FRESHPLAN_MAIL_MAX_ATTEMPTS": "1"})
    wait_until(lambda: job_states(cluster, seeded_database) == {"PARKED": queued}, 30, "parked")

    admin = Api(postgrest.url, token_for("admin@freshfoodz.example"))
    parked = admin.get("jobs", state="eq.PARKED", order="id")
    assert parked.status_code == 200, parked.text
    assert [job["kind"] for job in parked.json()] == ["mail.send"] * queued
    assert all("421" in job["last_error"] for job in parked.json())
    assert "payload" not in parked.json()[0], "admins never see a job's payload"
    rep = Api(postgrest.url, token_for("rep1@freshfoodz.example"))
    assert rep.get("jobs").status_code in (401, 403), "reps do not see the queue"

    smtp_server.recorder.refuse = False
    first = parked.json()[0]
    requeued = admin.ok("requeue_job", {"job_id": first["id"]})
    assert [(job["id"], job["state"], job["attempts"]) for job in requeued] == [
        (first["id"], "PENDING", 0)
    ]
    # the NOTIFY of the re-queue wakes the worker; only that one job is sent
    wait_until(lambda: len(smtp_server.recorder.received()) == 1, 30, "the re-queued mail sent")
    wait_until(
        lambda: job_states(cluster, seeded_database) == {"DONE": 1, "PARKED": queued - 1},
        10,
        "it is DONE, the others still parked",
    )
    again = admin.rpc("requeue_job", {"job_id": first["id"]})
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "FP808"
    audit = sql(
        cluster,
        seeded_database,
        "select count(*) from app.audit_log where action = 'job.requeued'"
        " and (before ->> 'id')::bigint = %s",
        [first["id"]],
    )
    assert audit == [(1,)]
