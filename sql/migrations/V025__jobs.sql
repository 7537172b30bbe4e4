-- The scheduled rules (SPEC 3.8): sweep (warning, reminder, expiry and release), hold caps,
-- extension escalation, GDPR pseudonymisation, purging pg_cron's run log, and a heartbeat per job.
-- Every job computes from stored dates ("everything due as of now"), so a missed run is caught up
-- by the next one, and running a job twice (or concurrently) never duplicates a notice.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

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

-- The facts a notice about a lead carries to its recipients and templates.
create function app.notice_facts(
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

-- ------------------------------------------------------------ release (now also records the notice)
create function app_private.release_lead(
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
'(lead.released by the system, or lead.expired_now by a manager) and sends the EXPIRED notices.';

-- ------------------------------------------------------------ the sweep
create function app_private.sweep_protection() returns jsonb
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
create function app_private.close_capped_holds() returns jsonb
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
create function app_private.escalate_extension_requests() returns jsonb
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

-- ------------------------------------------------------------ GDPR
create function app_private.pseudonymize_released_leads() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_count integer;
begin
    with due as (
        select l.id, l.tenant_id
        from app.leads as l
        inner join app.protection_configs as c on l.tenant_id = c.tenant_id
        where
            l.owner_id is null and l.released_at is not null and l.pseudonymized_at is null
            and l.released_at <= app.now() - make_interval(days => c.pseudonymize_after_days)
        for update of l
    ),

    details as (
        update app.lead_details as d
        set
            contact_email = pg_catalog.encode(
                pg_catalog.sha256(pg_catalog.convert_to(lower(d.contact_email), 'UTF8')), 'hex'
            ),
            contact_phone = null,
            notes = null,
            contact_name = 'ANONYMIZED'
        from due
        where d.lead_id = due.id
    ),

    marked as (
        update app.leads as l
        set pseudonymized_at = app.now()
        from due
        where l.id = due.id
        returning l.id, l.tenant_id
    )

    insert into app.audit_log (tenant_id, action, entity_type, entity_id, lead_id, reason)
    select marked.tenant_id, 'lead.pseudonymized', 'lead', marked.id, marked.id,
        'Contact data pseudonymised after release (GDPR).'
    from marked;
    get diagnostics v_count = row_count;
    return jsonb_build_object('pseudonymized', v_count);
end
$$;
comment on function app_private.pseudonymize_released_leads() is
'Pseudonymises contact data of leads released longer than lead.gdpr.pseudonymizeAfterDays ago.';

-- ------------------------------------------------------------ pg_cron's own log
create function app_private.purge_cron_log() returns jsonb
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
create function app_private.job_health() returns table (
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

create function app_private.report_stale_jobs() returns jsonb
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
create function app_private.run_job(p_job text) returns jsonb
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

grant execute on function app_private.job_health() to svc_api, tenant_admin;
grant execute on function app.notice_facts(app.leads, app.protection_configs, timestamptz)
to sales_rep, sales_manager, tenant_admin;
