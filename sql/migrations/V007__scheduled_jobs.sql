-- Scheduled jobs and worker heartbeats.
-- Baseline (first release). Structure only: tables, constraints, indexes, policies, grants and
-- the few functions that policies and column defaults use. Frozen once on main: change it with a
-- new V file. Views and functions live in the R__ files.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- The scheduled rules (SPEC 3.8): sweep (warning, reminder, expiry and release), hold caps,
-- extension escalation, GDPR pseudonymisation, purging pg_cron's run log, and a heartbeat per job.
-- Every job computes from stored dates ("everything due as of now"), so a missed run is caught up
-- by the next one, and running a job twice (or concurrently) never duplicates a notice.

create table app.job_heartbeats (
    job_name text primary key,
    schedule text not null,
    description text not null,
    created_at timestamptz not null default app.now(),
    last_started_at timestamptz,
    last_succeeded_at timestamptz,
    last_failed_at timestamptz,
    last_error text,
    last_result jsonb,
    constraint job_heartbeats_name_format check (job_name ~ '^[a-z_]{1,40}$'),
    constraint job_heartbeats_last_error_length check (char_length(last_error) <= 2000)
);
comment on table app.job_heartbeats is
'One row per scheduled job: when it last ran, succeeded or failed, and what it did.';
comment on column app.job_heartbeats.job_name is 'Job (argument of app_private.run_job; pg_cron job freshplan-<name>).';
comment on column app.job_heartbeats.schedule is 'pg_cron schedule (UTC).';
comment on column app.job_heartbeats.description is 'What the job does.';
comment on column app.job_heartbeats.created_at is 'When the job was installed.';
comment on column app.job_heartbeats.last_started_at is 'Start of the last run.';
comment on column app.job_heartbeats.last_succeeded_at is 'End of the last successful run.';
comment on column app.job_heartbeats.last_failed_at is 'End of the last failed run.';
comment on column app.job_heartbeats.last_error is 'Error of the last failed run.';
comment on column app.job_heartbeats.last_result is 'Counts of the last successful run.';
alter table app.job_heartbeats enable row level security;
create policy select_admin on app.job_heartbeats
for select to tenant_admin, svc_api
using (true);
comment on policy select_admin on app.job_heartbeats is 'Admins and the health endpoint read the heartbeats.';
grant select on app.job_heartbeats to tenant_admin, svc_api;

insert into app.job_heartbeats (job_name, schedule, description) values
('sweep', '*/15 * * * *', 'Warnings, reminders, expiry and release of leads.'),
('hold_cap', '5 * * * *', 'Closes holds that reached their cap.'),
('escalation', '10 * * * *', 'Escalates extension requests undecided after 48 hours to tenant admins.'),
('gdpr', '20 2 * * *', 'Pseudonymises contact data of leads released long ago.'),
('purge_cron_log', '30 3 * * *', 'Deletes pg_cron run records older than 14 days.'),
('staleness', '40 * * * *', 'Notifies tenant admins when the sweep has not succeeded for 26 hours.');

-- Heartbeats of the workers (jobs/), for /health and for reaping interrupted jobs.

create table app.worker_heartbeats (
    worker_id text primary key,
    started_at timestamptz not null default pg_catalog.now(),
    last_seen_at timestamptz not null default pg_catalog.now(),
    jobs_done bigint not null default 0,
    constraint worker_heartbeats_id_length check (char_length(worker_id) between 1 and 200)
);
comment on table app.worker_heartbeats is 'Each running worker writes its heartbeat here every few seconds.';
comment on column app.worker_heartbeats.worker_id is 'host:pid of the worker process.';
comment on column app.worker_heartbeats.started_at is 'When it started.';
comment on column app.worker_heartbeats.last_seen_at is 'Its last heartbeat.';
comment on column app.worker_heartbeats.jobs_done is 'Jobs it finished since it started.';
alter table app.worker_heartbeats enable row level security;
create policy worker_all on app.worker_heartbeats
for all to svc_jobs
using (true)
with check (true);
comment on policy worker_all on app.worker_heartbeats is 'Workers write their own heartbeats.';
grant select, insert, update on app.worker_heartbeats to svc_jobs;
