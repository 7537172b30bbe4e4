-- Notifications, protection notices, the job queue's lifecycle and api, and the scheduled jobs.
-- Repeatable (Flyway re-applies this file after the V files whenever its text changes; R__ files
-- run in name order, so a file may use what an earlier one defines). Every definition here is
-- the current text of its object: edit it in place. A view whose columns change is dropped and
-- recreated here, a function whose signature changes is dropped here first.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- In-app notifications (rows; mail goes through the job queue).

-- Notices are written by the rules, never by callers directly (app_private.require_our_caller).
create or replace function app_private.notify(
    p_tenant_id uuid, p_user_id uuid, p_kind text, p_lead_id uuid, p_subject text, p_body text,
    p_dedupe_key text default null
) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_stack text;
begin
    get diagnostics v_stack = pg_context;
    perform app_private.require_our_caller(v_stack);
    insert into app.notifications (tenant_id, user_id, kind, lead_id, subject, body, dedupe_key)
    select p_tenant_id, u.id, p_kind, p_lead_id, p_subject, p_body, p_dedupe_key
    from app.users as u
    where
        u.id = p_user_id and u.tenant_id = p_tenant_id and u.active
        -- a user's request may notify only their own tenant
        and (app.current_tenant_id() is null or p_tenant_id = app.current_tenant_id())
    on conflict (user_id, dedupe_key) where dedupe_key is not null do nothing;
end
$$;
comment on function app_private.notify(uuid, uuid, text, uuid, text, text, text) is
'Creates a notification for an active user of the tenant (once per dedupe key); only our functions may call it.';

grant execute on function app_private.notify(uuid, uuid, text, uuid, text, text, text)
to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;

-- Every active user of the tenant with one of the roles.
create or replace function app_private.notify_roles(
    p_tenant_id uuid, p_roles text[], p_kind text, p_lead_id uuid, p_subject text, p_body text,
    p_dedupe_key text default null
) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_stack text;
begin
    get diagnostics v_stack = pg_context;
    perform app_private.require_our_caller(v_stack);
    perform app_private.notify(p_tenant_id, u.id, p_kind, p_lead_id, p_subject, p_body, p_dedupe_key)
    from app.users as u
    where u.tenant_id = p_tenant_id and u.role = any(p_roles) and u.active;
end
$$;
comment on function app_private.notify_roles(uuid, text[], text, uuid, text, text, text) is
'Notifies every active user of the tenant who has one of the roles.';

grant execute on function app_private.notify_roles(uuid, text[], text, uuid, text, text, text)
to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;

-- api functions for settings and notifications; user administration gets audited.

create or replace function api.mark_notification_read(notification_id uuid) returns void
language plpgsql
volatile
as $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_rep', 'sales_manager', 'auditor', 'tenant_admin']);
    update app.notifications as n
    set read_at = coalesce(n.read_at, app.now())
    where n.id = mark_notification_read.notification_id;
    if not found then
        perform app.raise_error('FP806', 404, 'The notification does not exist.', 'notification_id');
    end if;
end
$$;
comment on function api.mark_notification_read(uuid) is 'Marks one of the caller''s notifications read.';

grant execute on function api.mark_notification_read(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

-- Protection notices (SPEC 3.8) and the job queue. A notice is recorded once per lead, kind and
-- protection cycle; delivering it fans out to recipients and channels (INAPP and TASK rows in
-- app.notifications, EMAIL messages as mail.send jobs for the worker in jobs/).

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
comment on view api.notifications is 'The caller''s own notifications.';
comment on column api.notifications.id is 'Notification id.';
comment on column api.notifications.user_id is 'Recipient (the caller).';
comment on column api.notifications.kind is 'WARNING, REMINDER, EXPIRED, ESCALATION, HOLD_PENDING, ...';
comment on column api.notifications.lead_id is 'Lead concerned.';
comment on column api.notifications.created_at is 'When.';
comment on column api.notifications.read_at is 'When it was marked read.';
comment on column api.notifications.subject is 'Subject.';
comment on column api.notifications.body is 'Text.';

grant select on api.notifications to sales_rep, sales_manager, auditor, tenant_admin;
comment on column api.notifications.channel is 'INAPP or TASK.';


-- German subject and text of in-app notices (mails use the templates in jobs/templates).
-- The one wording of every subject, for mails and in-app notices alike.
create or replace function app.mail_subject(p_template text, p_values jsonb) returns text
language sql
immutable
as $$
    select case p_template
        when 'warning' then format(
            'Leadschutz: Fortschritt bis %s fällig – %s',
            app.format_german_date(p_values ->> 'progress_due_at', p_values ->> 'timezone'),
            p_values ->> 'company_name'
        )
        when 'reminder' then format(
            'Aufforderung zur Fortschrittsmeldung bis %s – %s',
            app.format_german_date(p_values ->> 'grace_until', p_values ->> 'timezone'),
            p_values ->> 'company_name'
        )
        when 'expired' then format('Leadschutz beendet – %s', p_values ->> 'company_name')
        when 'escalation' then format(
            'Verlängerungsantrag seit 48 Stunden unentschieden – %s', p_values ->> 'company_name'
        )
        when 'feedback_invitation' then 'Ihre FreshFoodz-Probebox: Wie hat es Ihnen geschmeckt?'
        when 'feedback_reminder' then 'Erinnerung: Ihr Feedback zur FreshFoodz-Probebox'
    end
$$;
comment on function app.mail_subject(text, jsonb) is
'German subject of a mail template (null for an unknown template), from the template values.';

create or replace function app.notice_subject(p_kind text, p_facts jsonb) returns text
language sql
immutable
as $$
    select coalesce(
        app.mail_subject(pg_catalog.lower(p_kind), p_facts), 'Hinweis – ' || coalesce(p_facts ->> 'company_name', '')
    )
$$;
comment on function app.notice_subject(text, jsonb) is 'German subject of a protection notice (as its mail''s).';

create or replace function app.notice_text(p_kind text, p_facts jsonb) returns text
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
-- notify roles, or (ESCALATION) the tenant admins; on the channels of the owner's organisation. A role
-- from the tenant's (or the global) value of lead.protection.notify.roles reaches its holders in the
-- whole tenant, a role only the owner's organisation adds reaches that organisation's holders; a rep
-- never receives a notice about another rep's lead (the registry refuses sales_rep there too).
-- Idempotent: notifications and mails carry a dedupe key per notice and recipient.
create or replace function app_private.deliver_notices() returns integer
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
            (n.facts ->> 'owner_org_id')::uuid as owner_org_id,
            case
                when n.kind = 'ESCALATION' then array['tenant_admin']
                when n.kind in ('REMINDER', 'EXPIRED') then array(select jsonb_array_elements_text(
                    app.effective_setting('lead.protection.notify.roles', n.tenant_id, null, null)
                ))
                else array[]::text[]
            end as tenant_roles,
            case
                when n.kind in ('REMINDER', 'EXPIRED') then array(
                    select jsonb_array_elements_text(app.effective_setting(
                        'lead.protection.notify.roles', n.tenant_id, (n.facts ->> 'owner_org_id')::uuid, null
                    ))
                    except
                    select jsonb_array_elements_text(
                        app.effective_setting('lead.protection.notify.roles', n.tenant_id, null, null)
                    )
                )
                else array[]::text[]
            end as org_roles
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
        -- ... and everybody else with one of the roles: of the tenant, or of the owner's organisation
        select
            p.notice_id, p.tenant_id, p.lead_id, p.kind, p.facts, p.channels, u.id, u.email,
            u.display_name, u.role
        from pending as p
        inner join app.users as u
            on
                p.tenant_id = u.tenant_id
                and (u.role = any(p.tenant_roles) or (u.role = any(p.org_roles) and u.org_id = p.owner_org_id))
        where
            u.active
            and u.role <> 'sales_rep'
            and (p.kind = 'ESCALATION' or u.id is distinct from p.owner_id)
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
        insert into app.jobs (tenant_id, kind, user_id, to_address, template, payload, dedupe_key, lead_id)
        select
            f.tenant_id, 'mail.send', f.user_id, f.email, lower(f.kind),
            f.facts || jsonb_build_object('recipient_name', f.display_name, 'recipient_role', f.recipient_role),
            'notice:' || f.notice_id || ':' || f.user_id, f.lead_id
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
    return v_count;
end
$$;
comment on function app_private.deliver_notices() is
'Fans every undelivered protection notice out to its recipients and channels (mail as mail.send jobs).';

-- The scheduled rules (SPEC 3.8): sweep (warning, reminder, expiry and release), hold caps,
-- extension escalation, GDPR pseudonymisation, purging pg_cron's run log, and a heartbeat per job.
-- Every job computes from stored dates ("everything due as of now"), so a missed run is caught up
-- by the next one, and running a job twice (or concurrently) never duplicates a notice.

-- The facts a notice about a lead carries to its recipients and templates.
create or replace function app.notice_facts(
    p_lead app.leads, p_config app.protection_configs, p_at timestamptz
) returns jsonb
language sql
stable
as $$
    select jsonb_build_object(
        'lead_id', p_lead.id,
        'company_name', p_lead.company_name,
        'postal_code', p_lead.postal_code,
        'city', p_lead.city,
        'owner_id', p_lead.owner_id,
        'owner_org_id', (select u.org_id from app.users as u where u.id = p_lead.owner_id),
        'owner_name', (select u.display_name from app.users as u where u.id = p_lead.owner_id),
        'timezone', p_config.timezone,
        'progress_due_at', d.progress_due_at,
        'grace_until', d.grace_until,
        'expires_at', d.expires_at
    )
    from app.lead_deadlines(p_lead, p_config, p_at) as d
$$;
comment on function app.notice_facts(app.leads, app.protection_configs, timestamptz) is
'Company, owner and deadlines of a lead for a notice.';
grant execute on function app.notice_facts(app.leads, app.protection_configs, timestamptz)
to sales_rep, sales_manager, tenant_admin;

-- ------------------------------------------------------------ release (now also records the notice)
create or replace function app_private.release_lead(
    p_lead_id uuid, p_release_reason text, p_as_system boolean, p_reason text default null
) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead app.leads;
    v_config app.protection_configs;
    v_facts jsonb;
    v_ended_at timestamptz;
    v_assignment app.lead_assignments;
begin
    select l.* into v_lead from app.leads as l where l.id = p_lead_id for update;
    if v_lead.owner_id is null then
        return;
    end if;
    select c.* into v_config from app.protection_configs as c where c.tenant_id = v_lead.tenant_id;
    v_facts := app.notice_facts(v_lead, v_config, app.now());
    -- Protection ended at its deadline when it had already expired, else now (the claim cooldown
    -- counts from here).
    v_ended_at := least((v_facts ->> 'expires_at')::timestamptz, app.now());
    v_assignment := app_private.close_assignment(p_lead_id, p_release_reason, v_ended_at, p_as_system);
    delete from app.collaborators where lead_id = p_lead_id;
    update app.leads set released_at = app.now() where id = p_lead_id;

    perform app_private.write_audit(
        v_lead.tenant_id,
        case when p_release_reason = 'EXPIRED_NOW' then 'lead.expired_now' else 'lead.released' end,
        'lead', p_lead_id, p_lead_id,
        jsonb_build_object('owner_id', v_lead.owner_id, 'assignment_id', v_assignment.id),
        jsonb_build_object('release_reason', p_release_reason, 'protection_ended_at', v_ended_at),
        p_reason, p_as_system
    );
    -- the former owner's feedback links end with their cycle
    perform app_private.retire_lead_feedback_tokens(
        p_lead_id, case when p_release_reason = 'EXPIRED_NOW' then 'lead.expired_now' else 'lead.released' end,
        p_as_system
    );
    insert into app.protection_notices (tenant_id, lead_id, kind, cycle_key, facts)
    values (
        v_lead.tenant_id, p_lead_id, 'EXPIRED', v_assignment.id::text,
        v_facts || jsonb_build_object('expires_at', v_ended_at, 'release_reason', p_release_reason)
    )
    on conflict (lead_id, kind, cycle_key) do nothing;
    perform app_private.deliver_notices();
end
$$;
comment on function app_private.release_lead(uuid, text, boolean, text) is
'Releases a lead to the pool (SPEC 3.8): closes its cycle, removes collaborators, audits once '
'(lead.released by the system, or lead.expired_now by a manager), revokes its feedback links and sends the '
'EXPIRED notices.';

-- ------------------------------------------------------------ the sweep
create or replace function app_private.sweep_protection() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_now timestamptz := app.now();
    v_warnings integer;
    v_reminders integer;
    v_released integer := 0;
    v_lead uuid;
begin
    -- WARNING (t >= warning_at, still ACTIVE before the deadline) and REMINDER (t >= progress_due_at:
    -- GRACE). A lead past several deadlines gets only the latest notice; each once per cycle.
    with due as (
        select
            l.id, l.tenant_id, l.assignment_id, l.anchor_at,
            l.assignment_id || '@' || extract(epoch from l.anchor_at) as cycle_key,
            case
                when d.status = 'GRACE' then 'REMINDER'
                when d.status = 'ACTIVE' and v_now < d.progress_due_at then 'WARNING'
            end as kind
        from app.leads as l
        inner join app.protection_configs as c on l.tenant_id = c.tenant_id
        cross join lateral app.protection_deadlines(
        l.registered_at, l.anchor_at, l.held_since_anchor, l.held_since_registration, l.hold_start, l.hold_end,
        l.hold_reason, l.extension_days, l.override_until, c.timezone, c.progress_days, c.warning_days,
        c.grace_days, c.base_months, c.mode, c.hold_max_days, v_now
    ) as d
        where l.owner_id is not null and d.warning_at <= v_now and d.status in ('ACTIVE', 'GRACE')
    ),

    inserted as (
        insert into app.protection_notices (tenant_id, lead_id, kind, cycle_key, facts)
        select due.tenant_id, due.id, due.kind, due.cycle_key, app.notice_facts(l, c, v_now)
        from due
        inner join app.leads as l on due.id = l.id
        inner join app.protection_configs as c on l.tenant_id = c.tenant_id
        -- the facts are computed only for notices not recorded yet
        where due.kind is not null and not exists (
            select from app.protection_notices as n
            where n.lead_id = due.id and n.kind = due.kind and n.cycle_key = due.cycle_key
        )
        on conflict (lead_id, kind, cycle_key) do nothing
        returning kind
    )

    select
        count(*) filter (where inserted.kind = 'WARNING'),
        count(*) filter (where inserted.kind = 'REMINDER')
    into v_warnings, v_reminders
    from inserted;

    -- EXPIRED: release each expired lead (closing its cycle, as claim_lead would).
    for v_lead in
        select l.id
        from app.leads as l
        inner join app.protection_configs as c on l.tenant_id = c.tenant_id
        cross join lateral app.protection_deadlines(
        l.registered_at, l.anchor_at, l.held_since_anchor, l.held_since_registration, l.hold_start, l.hold_end,
        l.hold_reason, l.extension_days, l.override_until, c.timezone, c.progress_days, c.warning_days,
        c.grace_days, c.base_months, c.mode, c.hold_max_days, v_now
    ) as d
        where l.owner_id is not null and d.status = 'EXPIRED'
        for update of l skip locked
    loop
        perform app_private.release_lead(v_lead, 'EXPIRED', true);
        v_released := v_released + 1;
    end loop;

    perform app_private.deliver_notices();
    return jsonb_build_object('warnings', v_warnings, 'reminders', v_reminders, 'released', v_released);
end
$$;
comment on function app_private.sweep_protection() is
'Records due WARNING and REMINDER notices and releases expired leads, as of app.now(); idempotent.';

-- ------------------------------------------------------------ hold caps
create or replace function app_private.close_capped_holds() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_closed integer;
begin
    -- Lock the leads first, in id order, as the api functions do (lead, then hold): no deadlock.
    perform
    from app.leads as l
    where l.id in (
        select h.lead_id
        from app.holds as h
        inner join app.protection_configs as c on h.tenant_id = c.tenant_id
        where
            h.state = 'APPROVED' and h.end_at is null
            and h.start_at + make_interval(secs => 86400 * (c.hold_max_days ->> h.reason)::integer) <= app.now()
    )
    order by l.id
    for update;
    with capped as (
        update app.holds as h
        set end_at = h.start_at + make_interval(secs => 86400 * (c.hold_max_days ->> h.reason)::integer)
        from app.protection_configs as c
        where
            h.tenant_id = c.tenant_id and h.state = 'APPROVED' and h.end_at is null
            and h.start_at + make_interval(secs => 86400 * (c.hold_max_days ->> h.reason)::integer) <= app.now()
        returning h.id, h.tenant_id, h.lead_id, h.end_at
    )

    insert into app.audit_log (tenant_id, action, entity_type, entity_id, lead_id, after, reason)
    select
        capped.tenant_id, 'lead.hold_ended', 'hold', capped.id, capped.lead_id,
        jsonb_build_object('end_at', capped.end_at), 'The hold reached its maximum length.'
    from capped;
    get diagnostics v_closed = row_count;
    return jsonb_build_object('closed', v_closed);
end
$$;
comment on function app_private.close_capped_holds() is 'Closes approved open holds that reached their cap (audited).';

-- ------------------------------------------------------------ escalation
create or replace function app_private.escalate_extension_requests() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_escalated integer;
begin
    perform
    from app.leads as l
    where l.id in (
        select x.lead_id from app.extension_requests as x
        where x.state = 'PENDING' and x.due_at <= app.now() and x.escalated_at is null
    )
    order by l.id
    for update;
    with due as (
        update app.extension_requests as x
        set escalated_at = app.now()
        where x.state = 'PENDING' and x.due_at <= app.now() and x.escalated_at is null
        returning x.id, x.tenant_id, x.lead_id, x.days
    ),

    audited as (
        insert into app.audit_log (tenant_id, action, entity_type, entity_id, lead_id, reason)
        select due.tenant_id, 'lead.extension_escalated', 'extension_request', due.id, due.lead_id,
            'Undecided 48 hours after the request.'
        from due
    )

    insert into app.protection_notices (tenant_id, lead_id, kind, cycle_key, facts)
    select
        due.tenant_id, due.lead_id, 'ESCALATION', due.id::text,
        app.notice_facts(l, c, app.now()) || jsonb_build_object('days', due.days, 'request_id', due.id)
    from due
    inner join app.leads as l on due.lead_id = l.id
    inner join app.protection_configs as c on l.tenant_id = c.tenant_id
    on conflict (lead_id, kind, cycle_key) do nothing;
    get diagnostics v_escalated = row_count;
    perform app_private.deliver_notices();
    return jsonb_build_object('escalated', v_escalated);
end
$$;
comment on function app_private.escalate_extension_requests() is
'Escalates extension requests undecided after 48 hours to the tenant admins (notice and audit).';

-- ------------------------------------------------------------ pg_cron's own log
create or replace function app_private.purge_cron_log() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_count integer := 0;
    v_log regclass := pg_catalog.to_regclass('cron.job_run_details');
begin
    -- pg_cron exists only in cron.database_name; elsewhere there is nothing to purge.
    if v_log is not null then
        execute format('delete from %s where end_time < $1', v_log) using app.now() - interval '14 days';
        get diagnostics v_count = row_count;
    end if;
    return jsonb_build_object('purged', v_count);
end
$$;
comment on function app_private.purge_cron_log() is 'Deletes pg_cron run records older than 14 days.';

-- ------------------------------------------------------------ staleness
create or replace function app_private.job_health() returns table (
    job_name text, healthy boolean, last_succeeded_at timestamptz, last_failed_at timestamptz, last_error text
)
language sql
stable
security definer
set search_path = ''
as $$
    select
        h.job_name,
        -- the daily sweep must have succeeded in the last 26 hours (or the job be younger than that)
        h.job_name <> 'sweep' or coalesce(h.last_succeeded_at, h.created_at) > app.now() - interval '26 hours',
        h.last_succeeded_at,
        h.last_failed_at,
        h.last_error
    from app.job_heartbeats as h
    order by h.job_name
$$;
comment on function app_private.job_health() is 'Per job: healthy, last success and failure (for /health).';

grant execute on function app_private.job_health() to svc_api, tenant_admin;

create or replace function app_private.report_stale_jobs() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_stale text[];
begin
    select array_agg(h.job_name) into v_stale from app_private.job_health() as h where not h.healthy;
    if v_stale is not null then
        perform app_private.notify_roles(
            t.id, array['tenant_admin'], 'JOB_STALE', null,
            'Hintergrundjob ausgefallen: ' || array_to_string(v_stale, ', '),
            'Der Job ' || array_to_string(v_stale, ', ') || ' war seit mehr als 26 Stunden nicht erfolgreich. '
            || 'Erinnerungen und Freigaben von Leads bleiben aus, bis er wieder läuft.',
            'JOB_STALE:' || to_char(app.now() at time zone 'UTC', 'YYYY-MM-DD')
        )
        from app.tenants as t;
    end if;
    return jsonb_build_object('stale', coalesce(v_stale, '{}'));
end
$$;
comment on function app_private.report_stale_jobs() is
'Notifies every tenant''s admins (once a day) while a job is stale.';

-- ------------------------------------------------------------ the runner pg_cron calls
create or replace function app_private.run_job(p_job text) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_result jsonb;
    v_error text;
begin
    update app.job_heartbeats set last_started_at = app.now() where job_name = p_job;
    if not found then
        raise exception 'unknown job %', p_job using errcode = 'invalid_parameter_value';
    end if;
    begin
        v_result := case p_job
            when 'sweep' then app_private.sweep_protection()
            when 'hold_cap' then app_private.close_capped_holds()
            when 'escalation' then app_private.escalate_extension_requests()
            when 'gdpr' then app_private.pseudonymize_released_leads()
            when 'purge_cron_log' then app_private.purge_cron_log()
            when 'staleness' then app_private.report_stale_jobs()
            when 'ai_housekeeping' then app_private.ai_housekeeping()
            when 'xentral_products' then app_private.enqueue_product_syncs()
            when 'mail_imap' then app_private.enqueue_mailbox_job('mail.imap', 'mail')
            when 'kas_quota' then app_private.enqueue_mailbox_job('kas.quota', 'kas')
            when 'kpi_snapshot' then app_private.snapshot_kpis()
            when 'analyst_watchdog' then app_private.cancel_long_analyst_queries()
            when 'alerts' then app_private.evaluate_alerts()
        end;
    exception when others then
        -- The job's changes are undone; the failure is recorded and pg_cron logs the warning.
        get stacked diagnostics v_error = message_text;
        update app.job_heartbeats
        set last_failed_at = app.now(), last_error = left(v_error, 2000)
        where job_name = p_job;
        raise warning 'job % failed: %', p_job, v_error;
        return jsonb_build_object('error', v_error);
    end;
    update app.job_heartbeats
    set last_succeeded_at = app.now(), last_result = v_result, last_error = null
    where job_name = p_job;
    return v_result;
end
$$;
comment on function app_private.run_job(text) is
'Runs one scheduled job and records its heartbeat (success with counts, or failure with the error).';

-- Heartbeats of the mail workers (jobs/), for /health.

create or replace function app_private.worker_health() returns table (live_workers integer, last_seen_at timestamptz)
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

-- GDPR (SPEC 3.8) for samples: pseudonymising a released lead also anonymises the names of the
-- people who gave feedback, revokes the lead's feedback links and cancels their pending mails, and
-- blanks the lead's mails that are no longer pending: the address becomes its SHA-256 hex (as the
-- lead's e-mail does), the template values and the last error (a mail server's answer may name the
-- recipient) are dropped, and a parked mail, which could no longer be sent, is cancelled.

create or replace function app_private.pseudonymize_released_leads() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_due uuid[];
    v_lead uuid;
    v_count integer;
begin
    select coalesce(array_agg(l.id order by l.id), '{}') into v_due
    from (
        select l.id
        from app.leads as l
        inner join app.protection_configs as c on l.tenant_id = c.tenant_id
        where
            l.owner_id is null and l.released_at is not null and l.pseudonymized_at is null
            and l.released_at <= app.now() - make_interval(days => c.pseudonymize_after_days)
        order by l.id
        for update of l
    ) as l;

    update app.lead_details as d
    set
        contact_email = pg_catalog.encode(
            pg_catalog.sha256(pg_catalog.convert_to(lower(d.contact_email), 'UTF8')), 'hex'
        ),
        contact_phone = null,
        notes = null,
        contact_name = 'ANONYMIZED'
    where d.lead_id = any(v_due);

    -- who gave feedback is personal data too
    update app.feedback_submissions as s
    set contact_name = 'ANONYMIZED'
    where s.lead_id = any(v_due) and s.contact_name is not null;
    update app.product_feedback as f
    set contact_name = 'ANONYMIZED'
    where f.lead_id = any(v_due) and f.contact_name is not null;

    -- a link still open (released before links were revoked on release) stops working
    foreach v_lead in array v_due loop
        perform app_private.retire_lead_feedback_tokens(v_lead, 'lead.pseudonymized', true);
    end loop;

    update app.jobs as j
    set
        to_address = case
            when j.to_address like '%@%'
                then pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(lower(j.to_address), 'UTF8')), 'hex')
            else j.to_address
        end,
        payload = '{}',
        last_error = case
            when j.last_error is not null or j.state = 'PARKED'
                then 'Removed when the lead''s contact data was pseudonymised (GDPR).'
        end,
        state = case when j.state = 'PARKED' then 'CANCELLED' else j.state end
    where
        j.lead_id = any(v_due) and j.kind = 'mail.send' and j.state in ('DONE', 'PARKED', 'CANCELLED');

    -- and customers' replies (R__86_inbound_mail.sql)
    perform app_private.pseudonymize_inbound_mails(v_due);

    update app.leads as l
    set pseudonymized_at = app.now()
    where l.id = any(v_due);

    insert into app.audit_log (tenant_id, action, entity_type, entity_id, lead_id, reason)
    select l.tenant_id, 'lead.pseudonymized', 'lead', l.id, l.id, 'Contact data pseudonymised after release (GDPR).'
    from app.leads as l
    where l.id = any(v_due)
    order by l.id;
    get diagnostics v_count = row_count;
    return jsonb_build_object('pseudonymized', v_count);
end
$$;
comment on function app_private.pseudonymize_released_leads() is
'Pseudonymises contact data of leads released longer than lead.gdpr.pseudonymizeAfterDays ago, with the '
'names in their feedback, revokes their feedback links and blanks their finished mails and customers'' replies.';

-- ------------------------------------------------------------ the job queue (SPEC 8.1)
-- One queue for every side effect. A worker (jobs/, `freshplan worker`) calls take_job in a
-- transaction and keeps the row locked while the handler runs, so a worker that dies mid-call
-- releases it at once and another worker runs it again: at least once, for idempotent kinds. A job
-- of a kind that is not idempotent is marked RUNNING and committed before the call (start_job); if
-- its worker dies, reap_stale_jobs parks it instead of running it again. The outcome is recorded
-- with finish_job or fail_job. Workers hold no UPDATE privilege on app.jobs: these functions are
-- the whole lifecycle.

create or replace function app_private.tg_jobs__wake_workers() returns trigger
language plpgsql
volatile
set search_path = ''
as $$
begin
    perform pg_catalog.pg_notify('freshplan_jobs', '');
    return null;
end
$$;
comment on function app_private.tg_jobs__wake_workers() is
'Wakes the workers (LISTEN freshplan_jobs) once per statement that queues jobs.';
create or replace trigger _900_wake_workers
after insert on app.jobs
for each statement execute function app_private.tg_jobs__wake_workers();

-- Mail subjects and German dates are made here, once, when a mail is queued: the templates in jobs/
-- only place them.
create or replace function app_private.tg_jobs__mail_texts() returns trigger
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_timezone text := new.payload ->> 'timezone';
begin
    -- the Message-ID replies name (app.inbound_mail_lead): the job and a part nobody can guess
    new.message_id := coalesce(
        new.message_id, format('<job-%s.%s@freshplan>', new.id, replace(pg_catalog.gen_random_uuid()::text, '-', ''))
    );
    new.payload := new.payload || jsonb_build_object(
        'subject', app.mail_subject(new.template, new.payload),
        'progress_due', app.format_german_date(new.payload ->> 'progress_due_at', v_timezone),
        'grace_until_date', app.format_german_date(new.payload ->> 'grace_until', v_timezone),
        'expires', app.format_german_date(new.payload ->> 'expires_at', v_timezone)
    );
    return new;
end
$$;
comment on function app_private.tg_jobs__mail_texts() is
'Gives a mail job its Message-ID and adds the subject and the German dates to its template values.';
create or replace trigger _050_mail_texts
before insert on app.jobs
for each row when (new.kind = 'mail.send') execute function app_private.tg_jobs__mail_texts();

-- The next due job of one of the kinds, locked for the caller's transaction; null when none is due.
create or replace function app_private.take_job(p_kinds text[], p_worker text) returns app.jobs
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_job app.jobs;
begin
    select j.* into v_job
    from app.jobs as j
    where j.state = 'PENDING' and j.next_attempt_at <= pg_catalog.now() and j.kind = any(p_kinds)
    order by j.next_attempt_at, j.id
    limit 1
    for update skip locked;
    if v_job.id is null then
        return null;
    end if;
    update app.jobs as j
    set attempts = j.attempts + 1, started_at = pg_catalog.now(), locked_by = left(p_worker, 200)
    where j.id = v_job.id
    returning j.* into v_job;
    return v_job;
end
$$;
comment on function app_private.take_job(text[], text) is
'Takes the next due PENDING job of the given kinds (FOR UPDATE SKIP LOCKED) and counts the attempt; the '
'row stays locked until the caller''s transaction ends. Null when nothing is due.';
grant execute on function app_private.take_job(text[], text) to svc_jobs;

create or replace function app_private.start_job(p_job_id bigint) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    update app.jobs as j set state = 'RUNNING'
    where j.id = p_job_id and j.state = 'PENDING'
$$;
comment on function app_private.start_job(bigint) is
'Marks a taken job RUNNING; the worker commits this before calling a system whose call is not idempotent.';
grant execute on function app_private.start_job(bigint) to svc_jobs;

create or replace function app_private.finish_job(p_job_id bigint) returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
    with done as (
        update app.jobs as j
        set state = 'DONE', finished_at = pg_catalog.now(), last_error = null
        where j.id = p_job_id and j.state in ('PENDING', 'RUNNING')
        returning 1
    )
    select exists (select from done)
$$;
comment on function app_private.finish_job(bigint) is
'Records that a job succeeded; false when it was no longer PENDING or RUNNING (parked meanwhile).';
grant execute on function app_private.finish_job(bigint) to svc_jobs;

-- A failure: another attempt after an exponential backoff, or PARKED after the last attempt or when
-- another try cannot help. The worker may pass its own limits (configuration) over the kind's.
create or replace function app_private.fail_job(
    p_job_id bigint,
    p_error text,
    p_permanent boolean,
    p_max_attempts integer default null,
    p_retry_base_seconds numeric default null
) returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_state text;
begin
    update app.jobs as j
    set
        state = case
            when p_permanent or j.attempts >= coalesce(p_max_attempts, k.max_attempts) then 'PARKED'
            else 'PENDING'
        end,
        finished_at = case
            when p_permanent or j.attempts >= coalesce(p_max_attempts, k.max_attempts) then pg_catalog.now()
        end,
        next_attempt_at = pg_catalog.now() + make_interval(secs => least(
            coalesce(p_retry_base_seconds, k.retry_base_seconds) * 2 ^ greatest(j.attempts - 1, 0),
            k.retry_max_seconds
        )::double precision),
        last_error = left(coalesce(p_error, 'unknown error'), 2000)
    from app.job_kinds as k
    where j.id = p_job_id and j.kind = k.kind and j.state in ('PENDING', 'RUNNING')
    returning j.state into v_state;
    return v_state;
end
$$;
comment on function app_private.fail_job(bigint, text, boolean, integer, numeric) is
'Records a failed attempt: PENDING again after a backoff, or PARKED (permanent error or last attempt). '
'Returns the new state.';
grant execute on function app_private.fail_job(bigint, text, boolean, integer, numeric) to svc_jobs;

-- RUNNING jobs whose worker has not been seen for a while were interrupted mid-call: the outcome
-- is unknown and the kind is not idempotent, so they are parked for an admin, never run again blindly.
create or replace function app_private.reap_stale_jobs(p_after interval default interval '5 minutes')
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
    with reaped as (
        update app.jobs as j
        set
            state = 'PARKED',
            finished_at = pg_catalog.now(),
            last_error = 'The worker stopped during the call; the outcome is unknown. Check the target system, '
            || 'then re-queue the job if it did not happen.'
        where
            j.state = 'RUNNING'
            and j.started_at < pg_catalog.now() - p_after
            and not exists (
                select from app.worker_heartbeats as w
                where w.worker_id = j.locked_by and w.last_seen_at > pg_catalog.now() - p_after
            )
        returning 1
    )
    select count(*)::integer from reaped
$$;
comment on function app_private.reap_stale_jobs(interval) is
'Parks RUNNING jobs whose worker has not been seen for p_after (the outcome of their call is unknown).';
grant execute on function app_private.reap_stale_jobs(interval) to svc_jobs;

create or replace view api.jobs
with (security_invoker = true)
as
select
    j.id,
    j.kind,
    j.state,
    j.attempts,
    j.next_attempt_at,
    j.last_error,
    j.created_at,
    j.started_at,
    j.finished_at,
    j.to_address,
    j.template,
    j.lead_id
from app.jobs as j;
comment on view api.jobs is
'The tenant''s jobs (tenant admins): mail and connector calls; parked jobs show their error.';
comment on column api.jobs.id is 'Job id.';
comment on column api.jobs.kind is 'Kind of job (mail.send, ...).';
comment on column api.jobs.state is 'PENDING, RUNNING, DONE, PARKED or CANCELLED.';
comment on column api.jobs.attempts is 'Attempts so far.';
comment on column api.jobs.next_attempt_at is 'Next attempt not before.';
comment on column api.jobs.last_error is 'Last error.';
comment on column api.jobs.created_at is 'Queued at.';
comment on column api.jobs.started_at is 'Last attempt started at.';
comment on column api.jobs.finished_at is 'Done, parked or cancelled at.';
comment on column api.jobs.to_address is 'mail.send: recipient.';
comment on column api.jobs.template is 'mail.send: kind of mail.';
comment on column api.jobs.lead_id is 'The lead the job is about, if any.';
grant select on api.jobs to tenant_admin;

create or replace function api.requeue_job(job_id bigint) returns setof api.jobs
language plpgsql
volatile
rows 1
as $$
begin
    perform app.require_role(array['tenant_admin']);  -- before app_private says 42501 to other roles
    perform app_private.requeue_job(job_id);
    return query select j.* from api.jobs as j where j.id = requeue_job.job_id;
end
$$;
comment on function api.requeue_job(bigint) is
'Puts a PARKED job of the caller''s tenant back into the queue with a fresh set of attempts (tenant '
'admins; audited).';
grant execute on function api.requeue_job(bigint) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function app_private.requeue_job(p_job_id bigint) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_job app.jobs;
begin
    perform app.require_role(array['tenant_admin']);
    select j.* into v_job from app.jobs as j
    where j.id = p_job_id and j.tenant_id = app.current_tenant_id()
    for update;
    if v_job.id is null then
        perform app.raise_error('FP807', 404, 'The job does not exist.', 'job_id');
    end if;
    if v_job.state <> 'PARKED' then
        perform app.raise_error(
            'FP808', 409, format('Only a parked job can be re-queued; this one is %s.', v_job.state), 'job_id'
        );
    end if;
    -- a feedback mail forgets its link once it leaves PENDING: sent again it could not render
    if v_job.kind = 'mail.send' and v_job.template like 'feedback\_%' and not v_job.payload ? 'link' then
        perform app.raise_error(
            'FP809', 409, 'This mail carried a feedback link, which is not kept: replace the link to mail a new one.',
            'job_id', 'POST /rpc/rotate_feedback_token with the test phase.'
        );
    end if;
    update app.jobs as j
    set state = 'PENDING', attempts = 0, next_attempt_at = pg_catalog.now(), finished_at = null
    where j.id = p_job_id;
    perform app_private.write_audit(
        v_job.tenant_id, 'job.requeued', 'job', null, null,
        -- not the error: a mail server's answer often names the recipient, and the audit is forever
        jsonb_build_object('id', v_job.id, 'kind', v_job.kind, 'state', v_job.state, 'attempts', v_job.attempts),
        jsonb_build_object('id', v_job.id, 'state', 'PENDING', 'attempts', 0),
        null,
        false
    );
    perform pg_catalog.pg_notify('freshplan_jobs', '');
end
$$;
comment on function app_private.requeue_job(bigint) is
'Re-queues a PARKED job of the caller''s tenant (FP807 unknown, FP808 not parked) and audits it.';
grant execute on function app_private.requeue_job(bigint) to tenant_admin;
