-- Notifications, protection notices and the mail outbox.
-- Baseline (first release). Structure only: tables, constraints, indexes, policies, grants and
-- the few functions that policies and column defaults use. Frozen once on main: change it with a
-- new V file. Views and functions live in the R__ files.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- In-app notifications (rows; mail delivery comes with the outbox).

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
    constraint notifications_kind_format check (kind ~ '^[A-Z][A-Z_]{1,39}$'),
    constraint notifications_subject_length check (char_length(subject) between 1 and 300),
    constraint notifications_body_length check (char_length(body) <= 10000),
    constraint notifications_dedupe_key_length check (char_length(dedupe_key) <= 300)
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

-- Protection notices (SPEC 3.8) and the mail outbox. A notice is recorded once per lead, kind and
-- protection cycle; delivering it fans out to recipients and channels (INAPP and TASK rows in
-- app.notifications, EMAIL messages in app.outbox for the mail worker in jobs/).

alter table app.notifications
add column channel text not null default 'INAPP',
add constraint notifications_channel_known check (channel in ('INAPP', 'TASK'));
comment on column app.notifications.channel is 'INAPP: a message in the UI; TASK: a follow-up task for the rep.';

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

create table app.outbox (
    id bigint generated always as identity primary key,
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    user_id uuid references app.users (id) on delete set null,
    to_address text not null,
    template text not null,
    payload jsonb not null,
    dedupe_key text not null,
    status text not null default 'PENDING',
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default pg_catalog.now(),
    last_error text,
    created_at timestamptz not null default pg_catalog.now(),
    sent_at timestamptz,
    constraint outbox_status_known check (status in ('PENDING', 'SENT', 'PARKED')),
    constraint outbox_to_address_length check (char_length(to_address) <= 254),
    constraint outbox_template_format check (template ~ '^[a-z_]{1,40}$'),
    constraint outbox_last_error_length check (char_length(last_error) <= 2000),
    constraint outbox_sent_consistent check ((status = 'SENT') = (sent_at is not null))
);
comment on table app.outbox is
'Mail to send. The worker (jobs/) takes PENDING rows due now with FOR UPDATE SKIP LOCKED, one per '
'transaction, sends, and marks them SENT; failures are retried with backoff and PARKED (with the '
'error, visible to admins) after the last attempt. Nothing is ever deleted by the worker.';
comment on column app.outbox.id is 'Message id (also the Message-ID of the mail).';
comment on column app.outbox.tenant_id is 'Tenant.';
comment on column app.outbox.user_id is 'Recipient user, when the mail goes to a user.';
comment on column app.outbox.to_address is 'Recipient address.';
comment on column app.outbox.template is
'Template name in jobs/templates (warning, reminder, expired, escalation, ...).';
comment on column app.outbox.payload is 'Template values.';
comment on column app.outbox.dedupe_key is 'One message per event and recipient.';
comment on column app.outbox.status is 'PENDING, SENT or PARKED (gave up; see last_error).';
comment on column app.outbox.attempts is 'Delivery attempts so far.';
comment on column app.outbox.next_attempt_at is 'Not before then (backoff after a failure).';
comment on column app.outbox.last_error is 'The last delivery error.';
comment on column app.outbox.created_at is 'When it was queued.';
comment on column app.outbox.sent_at is 'When the SMTP server accepted it.';
create unique index outbox_dedupe_key on app.outbox (dedupe_key);
create index outbox_due_idx on app.outbox (next_attempt_at, id) where status = 'PENDING';
create index outbox_tenant_status_idx on app.outbox (tenant_id, status);
create index outbox_user_idx on app.outbox (user_id);
create index users_tenant_role_idx on app.users (tenant_id, role) where active;

alter table app.protection_notices enable row level security;
alter table app.outbox enable row level security;

create policy select_tenant on app.protection_notices
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.protection_notices is 'Managers, auditors and admins see the tenant''s notices.';

create policy select_admin on app.outbox
for select to tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_admin on app.outbox is 'Tenant admins see their mail queue, including parked mail.';

create policy worker_all on app.outbox
for all to svc_jobs
using (true)
with check (true);
comment on policy worker_all on app.outbox is 'The mail worker reads and updates every message.';

grant select on app.protection_notices to sales_manager, auditor, tenant_admin;
grant select on app.outbox to tenant_admin;
grant select, update (status, attempts, next_attempt_at, last_error, sent_at) on app.outbox to svc_jobs;
grant usage on schema app to svc_jobs;
