"""The generic job runner (jobs/runner.py) against the real queue, in process, with handlers of
test kinds: a call that is not idempotent is never repeated blindly, and a lost database
connection costs an attempt, not the worker."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from jobs.runner import Job, PermanentJobError, Runner, RunnerConfig, TemporaryJobError
from tests.conftest import Cluster, create_database, drop_database, wait_until


def sql(cluster: Cluster, dbname: str, query: str, params: list[Any] | None = None) -> list[Any]:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def queue(cluster: Cluster) -> Iterator[str]:
    """A clone with two test kinds: one idempotent, one that creates something upstream."""
    dbname = create_database(cluster)
    sql(
        cluster,
        dbname,
        "insert into app.job_kinds (kind, description, idempotent, max_attempts,"
        " retry_base_seconds, retry_max_seconds) values"
        " ('test.echo', 'Harmless to repeat.', true, 3, 0.1, 1),"
        " ('test.create', 'Creates something upstream.', false, 3, 0.1, 1)",
    )
    yield dbname
    drop_database(cluster, dbname)


class Handler:
    def __init__(self, kind: str, behaviour: Any) -> None:
        self.kind = kind
        self.max_attempts: int | None = None
        self.retry_base_seconds: float | None = None
        self.behaviour = behaviour
        self.calls: list[int] = []

    async def run(self, job: Job) -> None:
        self.calls.append(job.id)
        await self.behaviour(job, len(self.calls))


def run_until(cluster: Cluster, dbname: str, handlers: list[Handler], done: str, what: str) -> None:
    """Run a runner until the query `done` returns true (checked from a thread), then stop it."""

    async def main() -> None:
        stop = asyncio.Event()
        config = RunnerConfig(cluster.conninfo(dbname, "svc_jobs"), 0.1, "test-worker")
        task = asyncio.create_task(Runner(config, handlers).run(stop))

        def finished() -> bool:
            assert not task.done(), f"the runner stopped: {task}"
            return bool(sql(cluster, dbname, done)[0][0])

        await asyncio.to_thread(wait_until, finished, 30, what)
        stop.set()
        await task

    asyncio.run(main())


def job(cluster: Cluster, dbname: str, kind: str) -> int:
    rows = sql(cluster, dbname, "insert into app.jobs (kind) values (%s) returning id", [kind])
    return int(rows[0][0])


def state(cluster: Cluster, dbname: str, job_id: int) -> tuple[str, int, str | None]:
    row = sql(
        cluster, dbname, "select state, attempts, last_error from app.jobs where id = %s", [job_id]
    )[0]
    return (row[0], row[1], row[2])


async def succeed(_job: Job, _call: int) -> None:
    return None


async def explode(_job: Job, _call: int) -> None:
    raise RuntimeError("connection reset by peer")


def test_a_call_that_is_not_idempotent_runs_once_and_is_done(cluster: Cluster, queue: str) -> None:
    created = job(cluster, queue, "test.create")
    handler = Handler("test.create", succeed)
    run_until(
        cluster, queue, [handler], "select bool_and(state = 'DONE') from app.jobs", "job done"
    )
    assert state(cluster, queue, created) == ("DONE", 1, None)
    assert handler.calls == [created]


def test_an_unforeseen_error_of_a_call_that_is_not_idempotent_parks_it(
    cluster: Cluster, queue: str
) -> None:
    created = job(cluster, queue, "test.create")
    handler = Handler("test.create", explode)
    run_until(
        cluster, queue, [handler], "select bool_and(state = 'PARKED') from app.jobs", "parked"
    )
    job_state, attempts, error = state(cluster, queue, created)
    assert (job_state, attempts) == ("PARKED", 1)
    assert error is not None
    assert "outcome is unknown" in error
    assert handler.calls == [created], "never repeated blindly"


def test_a_known_failure_is_retried_with_backoff_then_parked(cluster: Cluster, queue: str) -> None:
    async def refuse(_job: Job, _call: int) -> None:
        raise TemporaryJobError("HTTP 503")

    created = job(cluster, queue, "test.create")
    handler = Handler("test.create", refuse)
    run_until(
        cluster, queue, [handler], "select bool_and(state = 'PARKED') from app.jobs", "parked"
    )
    assert state(cluster, queue, created) == ("PARKED", 3, "HTTP 503")
    assert handler.calls == [created] * 3, "the kind's three attempts"


def test_a_permanent_error_parks_at_once(cluster: Cluster, queue: str) -> None:
    async def refuse(_job: Job, _call: int) -> None:
        raise PermanentJobError("HTTP 422: no such customer")

    created = job(cluster, queue, "test.echo")
    run_until(
        cluster,
        queue,
        [Handler("test.echo", refuse)],
        "select bool_and(state = 'PARKED') from app.jobs",
        "parked",
    )
    assert state(cluster, queue, created) == ("PARKED", 1, "HTTP 422: no such customer")


def test_a_lost_connection_costs_the_attempt_not_the_worker(cluster: Cluster, queue: str) -> None:
    async def lose_the_connection(_job: Job, call: int) -> None:
        if call == 1:  # the runner holds the job's transaction open during the call: end it
            await asyncio.to_thread(
                sql,
                cluster,
                queue,
                "select pg_terminate_backend(pid) from pg_stat_activity"
                " where datname = current_database() and state = 'idle in transaction'"
                " and application_name = 'freshplan-worker'",
            )

    first = job(cluster, queue, "test.echo")
    handler = Handler("test.echo", lose_the_connection)
    run_until(cluster, queue, [handler], "select bool_and(state = 'DONE') from app.jobs", "done")
    # the first attempt's outcome died with its transaction; the same worker ran it again
    assert handler.calls == [first, first]
    assert state(cluster, queue, first)[0] == "DONE"
