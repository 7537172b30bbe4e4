-- In-app notifications (rows; mail delivery comes with the outbox).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

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

-- Notices are written by the rules, never by callers directly.
create function app_private.notify(
    p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text,
    p_dedupe_key text default null
) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    insert into app.notifications (tenant_id, user_id, kind, lead_id, subject, body, dedupe_key)
    select p_tenant_id, u.id, p_kind, p_lead_id, p_subject, p_body, p_dedupe_key
    from app.users as u
    where
        u.id = p_user_id and u.tenant_id = p_tenant_id and u.active
        -- a user's request may notify only their own tenant
        and (app.current_tenant_id() is null or p_tenant_id = app.current_tenant_id())
    on conflict (user_id, dedupe_key) where dedupe_key is not null do nothing
$$;
comment on function app_private.notify(uuid, uuid, text, uuid, text, text, text) is
'Creates a notification for an active user of the tenant (once per dedupe key).';

-- Every active user of the tenant with one of the roles.
create function app_private.notify_roles(
    p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text,
    p_dedupe_key text default null
) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    select app_private.notify(p_tenant_id, u.id, p_kind, p_lead_id, p_subject, p_body, p_dedupe_key)
    from app.users as u
    where u.tenant_id = p_tenant_id and u.role = any(p_roles) and u.active
$$;
comment on function app_private.notify_roles(uuid, text[], text, uuid, text, text, text) is
'Notifies every active user of the tenant who has one of the roles.';

grant execute on function
app_private.notify(uuid, uuid, text, uuid, text, text, text),
app_private.notify_roles(uuid, text[], text, uuid, text, text, text)
to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;
