-- Notifications, protection notices and the job queue.
-- Baseline (first release). Structure only: tables, constraints, indexes, policies, grants and
-- the few functions that policies and column defaults use. Frozen once on main: change it with a
-- new V file. Views and functions live in the R__ files.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- In-app notifications (rows; mail goes through the job queue).

create table app.notifications (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    user_id uuid not null references app.users (id) on delete cascade,
    kind text not null,
    lead_id uuid references app.leads (id) on delete cascade,
    subject text not null,
    body text not null,
    dedupe_key text,
    created_at timestamptz not null default app.now(),
    read_at timestamptz,
    channel text not null default 'INAPP',
    constraint notifications_kind_format check (kind ~ '^[A-Z][A-Z_]{1,39}$'),
    constraint notifications_subject_length check (char_length(subject) between 1 and 300),
    constraint notifications_body_length check (char_length(body) <= 10000),
    constraint notifications_dedupe_key_length check (char_length(dedupe_key) <= 300),
    constraint notifications_channel_known check (channel in ('INAPP', 'TASK'))
);
comment on table app.notifications is
'Notices for users (WARNING, REMINDER, EXPIRED, ESCALATION, HOLD_PENDING, EXTENSION_REQUESTED, ...).';
comment on column app.notifications.id is 'Notification id.';
comment on column app.notifications.tenant_id is 'Tenant.';
comment on column app.notifications.user_id is 'Recipient.';
comment on column app.notifications.kind is 'What it is about.';
comment on column app.notifications.lead_id is 'Lead concerned, if any.';
comment on column app.notifications.subject is 'Short subject (German).';
comment on column app.notifications.body is 'Text (German).';
comment on column app.notifications.dedupe_key is
'Identifies the event, so the same notice is never created twice for the same recipient.';
comment on column app.notifications.created_at is 'When.';
comment on column app.notifications.read_at is 'When the recipient marked it read.';
comment on column app.notifications.channel is 'INAPP: a message in the UI; TASK: a follow-up task for the rep.';

create index notifications_user_idx on app.notifications (user_id, created_at desc);
create index notifications_lead_idx on app.notifications (lead_id);
create index notifications_tenant_idx on app.notifications (tenant_id);
create unique index notifications_dedupe_key on app.notifications (user_id, dedupe_key)
where dedupe_key is not null;

alter table app.notifications enable row level security;

create policy select_own on app.notifications
for select to sales_rep, sales_manager, auditor, tenant_admin
using (user_id = (select app.current_user_id()) and tenant_id = (select app.current_tenant_id()));
comment on policy select_own on app.notifications is 'Everybody reads only their own notifications.';

create policy update_own on app.notifications
for update to sales_rep, sales_manager, auditor, tenant_admin
using (user_id = (select app.current_user_id()) and tenant_id = (select app.current_tenant_id()))
with check (user_id = (select app.current_user_id()));
comment on policy update_own on app.notifications is 'Everybody marks only their own notifications read.';

grant select on app.notifications to sales_rep, sales_manager, auditor, tenant_admin;
grant update (read_at) on app.notifications to sales_rep, sales_manager, auditor, tenant_admin;

-- Protection notices (SPEC 3.8) and the job queue. A notice is recorded once per lead, kind and
-- protection cycle; delivering it fans out to recipients and channels (INAPP and TASK rows in
-- app.notifications, EMAIL messages as mail.send jobs in app.jobs for the worker in jobs/).

create table app.protection_notices (
    id bigint generated always as identity primary key,
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    kind text not null,
    cycle_key text not null,
    facts jsonb not null,
    created_at timestamptz not null default app.now(),
    delivered_at timestamptz,
    constraint protection_notices_kind_known check (kind in ('WARNING', 'REMINDER', 'EXPIRED', 'ESCALATION')),
    constraint protection_notices_cycle_key_length check (char_length(cycle_key) <= 200)
);
comment on table app.protection_notices is
'Every protection notice that was due, once per lead, kind and cycle (the cycle of a warning or reminder '
'is its assignment and anchor); delivered_at is set when it has been fanned out to recipients.';
comment on column app.protection_notices.id is 'Notice id.';
comment on column app.protection_notices.tenant_id is 'Tenant.';
comment on column app.protection_notices.lead_id is 'Lead.';
comment on column app.protection_notices.kind is 'WARNING, REMINDER, EXPIRED or ESCALATION.';
comment on column app.protection_notices.cycle_key is 'Identifies the protection cycle (or request) it belongs to.';
comment on column app.protection_notices.facts is
'What the templates need: company, owner, deadlines, tenant time zone.';
comment on column app.protection_notices.created_at is 'When it became due and was recorded.';
comment on column app.protection_notices.delivered_at is 'When it was fanned out to recipients.';
create unique index protection_notices_once_key on app.protection_notices (lead_id, kind, cycle_key);
create index protection_notices_undelivered_idx on app.protection_notices (id) where delivered_at is null;
create index protection_notices_tenant_idx on app.protection_notices (tenant_id);

-- The one job queue (SPEC 8.1): every side effect that leaves the database is a row here, written in
-- the transaction that decides it. Workers take due jobs with FOR UPDATE SKIP LOCKED through the
-- lifecycle functions in R__60_notices_jobs.sql; each kind has one handler in jobs/.
create table app.job_kinds (
    kind text primary key,
    description text not null,
    idempotent boolean not null,
    max_attempts integer not null,
    retry_base_seconds numeric not null,
    retry_max_seconds numeric not null,
    constraint job_kinds_kind_format check (kind ~ '^[a-z][a-z_]{1,30}(\.[a-z][a-z_]{1,30})?$'),
    constraint job_kinds_description_length check (char_length(description) between 1 and 300),
    constraint job_kinds_max_attempts_range check (max_attempts between 1 and 100),
    constraint job_kinds_retry_range check (retry_base_seconds > 0 and retry_max_seconds >= retry_base_seconds)
);
comment on table app.job_kinds is
'The kinds of job the queue knows, one handler each in jobs/. Adding a kind is a row here and a handler.';
comment on column app.job_kinds.kind is 'Name, <system>.<action> (mail.send, xentral.order, ...).';
comment on column app.job_kinds.description is 'What a job of this kind does.';
comment on column app.job_kinds.idempotent is
'Whether running a job twice is harmless. Only idempotent jobs are retried after a worker stopped '
'in the middle of one; any other such job is parked for an admin to check and re-queue.';
comment on column app.job_kinds.max_attempts is 'Attempts before a job is parked.';
comment on column app.job_kinds.retry_base_seconds is 'Backoff after the first failure; doubles per attempt.';
comment on column app.job_kinds.retry_max_seconds is 'Longest backoff.';

insert into app.job_kinds (kind, description, idempotent, max_attempts, retry_base_seconds, retry_max_seconds)
values (
    'mail.send',
    'Sends one mail over SMTP. At least once: a repeated mail carries the same Message-ID.',
    true, 10, 30, 3600
);

create table app.jobs (
    id bigint generated always as identity primary key,
    tenant_id uuid references app.tenants (id) on delete cascade,
    kind text not null references app.job_kinds (kind) on delete restrict,
    payload jsonb not null default '{}',
    dedupe_key text,
    state text not null default 'PENDING',
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default pg_catalog.now(),
    last_error text,
    created_at timestamptz not null default pg_catalog.now(),
    started_at timestamptz,
    finished_at timestamptz,
    locked_by text,
    -- mail.send only: the recipient, kept in columns so admins see them and GDPR can blank them
    user_id uuid references app.users (id) on delete set null,
    to_address text,
    template text,
    -- the lead a job is about, if any (GDPR finds a lead's mails by it)
    lead_id uuid references app.leads (id) on delete set null,
    constraint jobs_state_known check (state in ('PENDING', 'RUNNING', 'DONE', 'PARKED', 'CANCELLED')),
    constraint jobs_dedupe_key_length check (char_length(dedupe_key) <= 300),
    constraint jobs_last_error_length check (char_length(last_error) <= 2000),
    constraint jobs_locked_by_length check (char_length(locked_by) <= 200),
    constraint jobs_finished_consistent check ((state in ('DONE', 'PARKED', 'CANCELLED')) = (finished_at is not null)),
    constraint jobs_to_address_length check (char_length(to_address) <= 254),
    constraint jobs_template_format check (template ~ '^[a-z_]{1,40}$'),
    constraint jobs_mail_complete check (kind <> 'mail.send' or (to_address is not null and template is not null))
);
comment on table app.jobs is
'The job queue. A worker takes a due PENDING job with FOR UPDATE SKIP LOCKED and runs its kind''s '
'handler; the outcome (DONE, retry with backoff, PARKED with the error after the last attempt) is '
'recorded by the lifecycle functions. Nothing is ever deleted by a worker.';
comment on column app.jobs.id is 'Job id (for mail also the Message-ID).';
comment on column app.jobs.tenant_id is 'Tenant the job works for (null: the whole installation).';
comment on column app.jobs.kind is 'Kind of job (app.job_kinds).';
comment on column app.jobs.payload is
'Arguments of the handler (for mail: template values). A feedback link (key "link") is kept only while '
'the job is PENDING.';
comment on column app.jobs.dedupe_key is 'One job per event (and recipient): a second enqueue is ignored.';
comment on column app.jobs.state is
'PENDING, RUNNING (a non-idempotent job during its call), DONE, PARKED (gave up; see last_error) or '
'CANCELLED (no longer wanted).';
comment on column app.jobs.attempts is 'Attempts so far.';
comment on column app.jobs.next_attempt_at is 'Not before then (scheduled, or backoff after a failure).';
comment on column app.jobs.last_error is 'The last error.';
comment on column app.jobs.created_at is 'When it was queued.';
comment on column app.jobs.started_at is 'When the last attempt started.';
comment on column app.jobs.finished_at is 'When it was done, parked or cancelled.';
comment on column app.jobs.locked_by is 'The worker that ran the last attempt.';
comment on column app.jobs.user_id is 'mail.send: recipient user, when the mail goes to a user.';
comment on column app.jobs.to_address is 'mail.send: recipient address.';
comment on column app.jobs.template is
'mail.send: template in jobs/templates (warning, reminder, expired, escalation, feedback_invitation, ...).';
comment on column app.jobs.lead_id is
'The lead the job is about (a notice or feedback mail), if any; GDPR blanks a pseudonymised lead''s mails by it.';
create unique index jobs_dedupe_key on app.jobs (dedupe_key);
create index jobs_due_idx on app.jobs (next_attempt_at, id) where state = 'PENDING';
create index jobs_running_idx on app.jobs (started_at) where state = 'RUNNING';
create index jobs_tenant_state_idx on app.jobs (tenant_id, state);
create index jobs_kind_state_idx on app.jobs (kind, state);
create index jobs_user_idx on app.jobs (user_id);
create index jobs_lead_idx on app.jobs (lead_id);
create index users_tenant_role_idx on app.users (tenant_id, role) where active;

alter table app.protection_notices enable row level security;
alter table app.job_kinds enable row level security;
alter table app.jobs enable row level security;

create policy select_tenant on app.protection_notices
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.protection_notices is 'Managers, auditors and admins see the tenant''s notices.';

create policy select_all on app.job_kinds
for select to tenant_admin, svc_jobs
using (true);
comment on policy select_all on app.job_kinds is 'Admins and workers read the kinds of job.';

create policy select_admin on app.jobs
for select to tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_admin on app.jobs is 'Tenant admins see their jobs, including parked ones.';

create policy select_worker on app.jobs
for select to svc_jobs
using (true);
comment on policy select_worker on app.jobs is
'Workers read every job; they change jobs only through the lifecycle functions.';

grant select on app.protection_notices to sales_manager, auditor, tenant_admin;
grant select on app.job_kinds to tenant_admin, svc_jobs;
-- Payloads are for the workers only: admins see the queue through api.jobs.
grant select (
    id, tenant_id, kind, dedupe_key, state, attempts, next_attempt_at, last_error, created_at, started_at,
    finished_at, user_id, to_address, template, lead_id
) on app.jobs to tenant_admin;
grant select on app.jobs to svc_jobs;
grant usage on schema app to svc_jobs;
