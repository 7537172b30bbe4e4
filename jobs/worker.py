"""`freshplan worker`: the job runner with every handler this installation has.

mail.send (jobs/mail.py) and ai.classify_mail (jobs/classify.py, through the service's AI router)
always; xentral.products and xentral.order (jobs/xentral.py) when Xentral is configured;
allianz.limit (jobs/allianz.py) when Allianz Trade is; mail.imap (jobs/imap.py) when
FRESHPLAN_IMAP_URL is set; kas.quota (jobs/kas.py) when KAS_LOGIN is. Any number of
workers may run side by side, on any number of machines (jobs/runner.py says how they share
the queue).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket

from api.clients.allianz import AllianzClient
from api.clients.kas import KasClient
from api.clients.smtp import parse_mail_url
from api.core.logs import configure_logging
from api.core.settings import Settings, load_settings
from jobs.allianz import LimitRequestHandler
from jobs.classify import MailClassificationHandler
from jobs.imap import InboundMailHandler
from jobs.kas import QuotaHandler
from jobs.mail import MailHandler
from jobs.runner import Handler, Runner, RunnerConfig
from jobs.xentral import ProductSyncHandler, SalesOrderHandler, Xentral


def handlers(settings: Settings) -> list[Handler]:
    mail = settings.mail
    found: list[Handler] = [
        MailHandler(
            parse_mail_url(mail.smtp_url, mail.smtp_ca_file),
            mail.sender,
            mail.max_attempts,
            mail.retry_base_seconds,
        ),
        MailClassificationHandler(
            settings.worker.service_url, settings.auth.jwt_secret, settings.database.jobs_url
        ),
    ]
    if settings.xentral.configured:
        xentral = Xentral(settings.xentral)
        found.append(ProductSyncHandler(xentral, settings.database.jobs_url))
        found.append(SalesOrderHandler(xentral, settings.database.jobs_url))
    if settings.imap.configured:
        found.append(InboundMailHandler(settings.imap, settings.database.jobs_url))
    if settings.allianz.configured:
        # one client for the process: its token and breaker serve every job
        allianz = AllianzClient(settings.allianz)
        found.append(LimitRequestHandler(allianz, settings.database.jobs_url))
    if settings.kas.configured:
        found.append(QuotaHandler(KasClient(settings.kas), settings.database.jobs_url))
    return found


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    config = RunnerConfig(
        database_url=settings.database.jobs_url,
        poll_seconds=settings.worker.poll_seconds,
        # a fresh part per start: a restarted container (pid 1 again) is a new worker, so its
        # predecessor's interrupted jobs are reaped, not taken for its own
        worker_id=f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}",
        connectors={
            "xentral": settings.xentral.configured,
            "allianz": settings.allianz.configured,
            "mail": settings.imap.configured,
            "kas": settings.kas.configured,
        },
    )
    await Runner(config, handlers(settings)).run(stop)


def main() -> int:
    settings = load_settings()
    configure_logging(settings.log.level)
    asyncio.run(serve(settings))
    return 0
