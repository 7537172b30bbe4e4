-- Protection notices (SPEC 3.8) and the mail outbox. A notice is recorded once per lead, kind and
-- protection cycle; delivering it fans out to recipients and channels (INAPP and TASK rows in
-- app.notifications, EMAIL messages in app.outbox for the mail worker in jobs/).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

alter table app.notifications
add column channel text not null default 'INAPP',
add constraint notifications_channel_known check (channel in ('INAPP', 'TASK'));
comment on column app.notifications.channel is 'INAPP: a message in the UI; TASK: a follow-up task for the rep.';

create or replace view api.notifications
with (security_invoker = true)
as
select
    n.id,
    n.user_id,
    n.kind,
    n.lead_id,
    n.created_at,
    n.read_at,
    n.subject,
    n.body,
    n.channel
from app.notifications as n;
comment on column api.notifications.channel is 'INAPP or TASK.';

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

create view api.outbox
with (security_invoker = true)
as
select
    o.id,
    o.to_address,
    o.template,
    o.status,
    o.attempts,
    o.next_attempt_at,
    o.last_error,
    o.created_at,
    o.sent_at
from app.outbox as o;
comment on view api.outbox is 'The tenant''s outgoing mail (tenant admins): parked messages show their error.';
comment on column api.outbox.id is 'Message id.';
comment on column api.outbox.to_address is 'Recipient.';
comment on column api.outbox.template is 'Kind of mail.';
comment on column api.outbox.status is 'PENDING, SENT or PARKED.';
comment on column api.outbox.attempts is 'Delivery attempts.';
comment on column api.outbox.next_attempt_at is 'Next attempt not before.';
comment on column api.outbox.last_error is 'Last delivery error.';
comment on column api.outbox.created_at is 'Queued at.';
comment on column api.outbox.sent_at is 'Accepted by the SMTP server at.';
grant select on api.outbox to tenant_admin;
create trigger _100_read_only instead of insert or update or delete on api.outbox
for each row execute function app.tg_api_view__read_only();

-- German subject and text of in-app notices (mails use the templates in jobs/templates).
create function app.notice_subject(p_kind text, p_facts jsonb) returns text
language sql
immutable
as $$
    select case p_kind
        when 'WARNING' then 'Leadschutz: Fortschritt bald fällig – '
        when 'REMINDER' then 'Aufforderung zur Fortschrittsmeldung – '
        when 'EXPIRED' then 'Leadschutz beendet – '
        when 'ESCALATION' then 'Verlängerungsantrag unentschieden – '
        else 'Hinweis – '
    end || coalesce(p_facts ->> 'company_name', '')
$$;
comment on function app.notice_subject(text, jsonb) is 'German subject of a protection notice.';

create function app.format_german_date(p_at text, p_timezone text) returns text
language sql
immutable
as $$ select to_char(p_at::timestamptz at time zone p_timezone, 'DD.MM.YYYY') $$;
comment on function app.format_german_date(text, text) is 'A timestamp as a German date (TT.MM.JJJJ) in a time zone.';

create function app.notice_text(p_kind text, p_facts jsonb) returns text
language sql
immutable
as $$
    select case p_kind
        when 'WARNING' then format(
            'Für %s ist bis zum %s ein Fortschritt (z. B. ein qualifiziertes Gespräch) nötig, damit der '
            || 'Leadschutz bestehen bleibt.',
            p_facts ->> 'company_name', app.format_german_date(p_facts ->> 'progress_due_at', p_facts ->> 'timezone')
        )
        when 'REMINDER' then format(
            'Für %s wurde seit dem letzten Fortschritt keine Aktivität gemeldet. Bitte melden Sie den Stand '
            || 'bis zum %s in Textform; danach endet der Leadschutz.',
            p_facts ->> 'company_name', app.format_german_date(p_facts ->> 'grace_until', p_facts ->> 'timezone')
        )
        when 'EXPIRED' then format(
            'Der Leadschutz für %s ist am %s abgelaufen. Der Lead ist wieder im Pool.',
            p_facts ->> 'company_name', app.format_german_date(p_facts ->> 'expires_at', p_facts ->> 'timezone')
        )
        when 'ESCALATION' then format(
            'Über den Verlängerungsantrag für %s (%s Tage) wurde seit 48 Stunden nicht entschieden.',
            p_facts ->> 'company_name', p_facts ->> 'days'
        )
    end
$$;
comment on function app.notice_text(text, jsonb) is 'German text of an in-app protection notice.';

-- ------------------------------------------------------------ fan-out
-- Delivers every undelivered notice: to the owner and (REMINDER, EXPIRED) the users with the
-- notify roles, or (ESCALATION) the tenant admins; on the channels of the owner's organisation.
-- Idempotent: notifications and mails carry a dedupe key per notice and recipient.
create function app_private.deliver_notices() returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_count integer;
begin
    -- (data-modifying CTEs all run, whether or not the final select reads them)
    with pending as materialized (
        -- settings are resolved once per notice, not once per candidate recipient
        select
            n.id as notice_id, n.tenant_id, n.lead_id, n.kind, n.facts,
            (n.facts ->> 'owner_id')::uuid as owner_id,
            app.effective_setting(
                'lead.protection.reminder.channels', n.tenant_id, (n.facts ->> 'owner_org_id')::uuid, null
            ) as channels,
            case
                when n.kind = 'ESCALATION' then array['tenant_admin']
                when n.kind in ('REMINDER', 'EXPIRED') then array(select jsonb_array_elements_text(
                    app.effective_setting(
                        'lead.protection.notify.roles', n.tenant_id, (n.facts ->> 'owner_org_id')::uuid, null
                    )
                ))
                else array[]::text[]
            end as roles
        from app.protection_notices as n
        where n.delivered_at is null
    ),

    fanout as (
        -- the owner (not for escalations) ...
        select
            p.notice_id, p.tenant_id, p.lead_id, p.kind, p.facts, p.channels, u.id as user_id, u.email,
            u.display_name, 'owner' as recipient_role
        from pending as p
        inner join app.users as u on p.owner_id = u.id
        where u.active and p.kind <> 'ESCALATION'
        union all
        -- ... and everybody else of the tenant with one of the roles
        select
            p.notice_id, p.tenant_id, p.lead_id, p.kind, p.facts, p.channels, u.id, u.email,
            u.display_name, u.role
        from pending as p
        inner join app.users as u on p.tenant_id = u.tenant_id and u.role = any(p.roles)
        where u.active and (p.kind = 'ESCALATION' or u.id is distinct from p.owner_id)
    ),

    in_app as (
        insert into app.notifications (tenant_id, user_id, kind, lead_id, subject, body, dedupe_key, channel)
        select
            f.tenant_id, f.user_id, f.kind, f.lead_id,
            app.notice_subject(f.kind, f.facts),
            app.notice_text(f.kind, f.facts),
            'notice:' || f.notice_id || ':' || c.channel,
            c.channel
        from fanout as f
        -- a task is for the owner of a lead still to work on; anyone else gets TASK as INAPP
        cross join lateral (
            select distinct
                case
                    when ch.value = 'TASK' and (f.recipient_role <> 'owner' or f.kind = 'EXPIRED') then 'INAPP'
                    else ch.value
                end as channel
            from jsonb_array_elements_text(f.channels) as ch
            where ch.value in ('INAPP', 'TASK')
        ) as c
        on conflict (user_id, dedupe_key) where dedupe_key is not null do nothing
        returning 1
    ),

    mail as (
        insert into app.outbox (tenant_id, user_id, to_address, template, payload, dedupe_key)
        select
            f.tenant_id, f.user_id, f.email, lower(f.kind),
            f.facts || jsonb_build_object('recipient_name', f.display_name, 'recipient_role', f.recipient_role),
            'notice:' || f.notice_id || ':' || f.user_id
        from fanout as f
        where f.channels ? 'EMAIL'
        on conflict (dedupe_key) do nothing
        returning 1
    ),

    -- every notice undelivered at the start is done, also one nobody could receive
    delivered as (
        update app.protection_notices
        set delivered_at = app.now()
        where delivered_at is null
        returning 1
    )

    select count(*)::integer into v_count from delivered;
    perform pg_catalog.pg_notify('freshplan_outbox', '');
    return v_count;
end
$$;
comment on function app_private.deliver_notices() is
'Fans every undelivered protection notice out to its recipients and channels; wakes the mail worker.';
