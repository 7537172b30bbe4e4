-- Heartbeats of the mail workers (jobs/), for /health.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create table app.worker_heartbeats (
    worker_id text primary key,
    started_at timestamptz not null default pg_catalog.now(),
    last_seen_at timestamptz not null default pg_catalog.now(),
    sent bigint not null default 0,
    constraint worker_heartbeats_id_length check (char_length(worker_id) between 1 and 200)
);
comment on table app.worker_heartbeats is 'Each running mail worker writes its heartbeat here every few seconds.';
comment on column app.worker_heartbeats.worker_id is 'host:pid of the worker process.';
comment on column app.worker_heartbeats.started_at is 'When it started.';
comment on column app.worker_heartbeats.last_seen_at is 'Its last heartbeat.';
comment on column app.worker_heartbeats.sent is 'Messages it sent.';
alter table app.worker_heartbeats enable row level security;
create policy worker_all on app.worker_heartbeats
for all to svc_jobs
using (true)
with check (true);
comment on policy worker_all on app.worker_heartbeats is 'Workers write their own heartbeats.';
grant select, insert, update on app.worker_heartbeats to svc_jobs;

create function app_private.worker_health() returns table (live_workers integer, last_seen_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
    select
        (count(*) filter (where w.last_seen_at > pg_catalog.now() - interval '60 seconds'))::integer,
        max(w.last_seen_at)
    from app.worker_heartbeats as w
$$;
comment on function app_private.worker_health() is
'Workers seen in the last minute, and the latest heartbeat (for /health).';
grant execute on function app_private.worker_health() to svc_api;
