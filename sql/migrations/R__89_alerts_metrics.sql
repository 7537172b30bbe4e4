-- Metrics and alerts (SPEC 9). One function gives every figure /metrics exports
-- (app_private.metric_samples: snapshots and small aggregates, never a scan of the lead tables), and
-- the alert conditions are the same comparisons over those samples as deploy/prometheus/alerts.yml
-- makes in PromQL, with the same alert.* thresholds (exported as freshplan_alert_threshold). The
-- pg_cron job alerts turns them into notifications for tenant admins and managers: once when an
-- alert starts firing (or gets worse), once when it resolves.
--
-- Repeatable (Flyway re-applies it when its text changes, after the V files): create or replace only.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- ------------------------------------------------------------ helpers

-- How often a pg_cron schedule runs, read from its minute and hour fields (lists count as the
-- coarser step, so the estimate errs on the lenient side).
create or replace function app.cron_interval_seconds(p_schedule text) returns integer
language sql
immutable
parallel safe
set search_path = ''
as $$
    select case
        when f[1] = '*' then 60
        when f[1] ~ '^\*/[0-9]{1,2}$' then substr(f[1], 3)::integer * 60
        when f[2] = '*' then 3600
        when f[2] ~ '^\*/[0-9]{1,2}$' then substr(f[2], 3)::integer * 3600
        when f[3] = '*' and f[5] = '*' then 86400
        when f[3] = '*' then 7 * 86400
        else 31 * 86400
    end
    from (select pg_catalog.regexp_split_to_array(pg_catalog.btrim(p_schedule), '\s+') as f) as s
$$;
comment on function app.cron_interval_seconds(text) is
'Seconds between runs of a pg_cron schedule (minute, hour, day, week or month steps).';

-- A connector is down from its first failure after its last success: kept here, whoever records
-- the call (R__85, R__86), so that IntegrationDown can wait alert.integrationDown.minutes.
create or replace function app_private.tg_connector_states__down_since() returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if new.last_error_at is not null and (new.last_success_at is null or new.last_error_at > new.last_success_at) then
        new.down_since := case
            when tg_op = 'UPDATE' and old.down_since is not null then old.down_since
            else new.last_error_at
        end;
    else
        new.down_since := null;
    end if;
    return new;
end
$$;
comment on function app_private.tg_connector_states__down_since() is
'Sets down_since to the first failure after the last success, and clears it on a success.';
create or replace trigger _050_down_since
before insert or update on app.connector_states
for each row execute function app_private.tg_connector_states__down_since();

-- ------------------------------------------------------------ the samples behind /metrics

create or replace function app_private.metric_samples() returns table (
    metric text, labels jsonb, value double precision
)
language sql
stable
security definer
set search_path = ''
as $$
    with tenant as (
        select
            t.id,
            t.slug,
            (app.now() at time zone c.timezone)::date as today,
            k.day,
            k.leads_active,
            k.leads_grace,
            k.leads_expired,
            k.leads_unassigned,
            k.expiries,
            k.ai_calls_small,
            k.ai_calls_large,
            k.ai_cost_eur,
            k.credit_p95_ms,
            k.computed_at
        from app.tenants as t
        inner join app.protection_configs as c on t.id = c.tenant_id
        -- the last snapshot taken (today's, or the last day's before today's first run)
        left join lateral (
            select d.* from app.kpi_daily as d
            where d.tenant_id = t.id
            order by d.day desc
            limit 1
        ) as k on true
    ),

    totals as (
        select
            d.tenant_id,
            sum(d.ai_calls_small) as small,
            sum(d.ai_calls_large) as large,
            sum(d.ai_cache_hits) as hits
        from app.kpi_daily as d
        group by d.tenant_id
    ),

    backlog as (
        select
            j.tenant_id,
            j.kind,
            count(*) as jobs
        from app.jobs as j
        where j.state in ('PENDING', 'RUNNING')
        group by j.tenant_id, j.kind
    ),

    integration as (
        select
            t.slug,
            c.connector,
            s.down_since,
            app.connector_state(
                c.configured, s.last_success_at, s.last_error_at,
                app.connector_troubled(c.connector, t.id, s.last_success_at)
            ) as state
        from tenant as t
        cross join app.connectors as c
        left join app.connector_states as s on t.id = s.tenant_id and c.connector = s.connector
        where c.configured
    ),

    budget as (
        select
            t.slug,
            o.id as org_id,
            coalesce(b.spent_eur, 0) as spent_eur,
            (app.effective_setting('ai.budget.monthly.cap', t.id, o.id, null) #>> '{}')::numeric as cap_eur
        from tenant as t
        inner join app.orgs as o on t.id = o.tenant_id
        left join app.ai_budget_months as b on o.id = b.org_id and b.month = app.ai_month(t.id, app.now())
    )

    select
        'freshplan_lead_protection_' || s.status || '_count',
        jsonb_build_object('tenant', t.slug),
        s.leads::double precision
    from tenant as t
    cross join lateral (
        values
        ('active', t.leads_active), ('grace', t.leads_grace), ('expired', t.leads_expired),
        ('unassigned', t.leads_unassigned)
    ) as s (status, leads)
    where s.leads is not null

    union all
    select
        'freshplan_lead_protection_expiries_day',
        jsonb_build_object('tenant', t.slug),
        case when t.day = t.today then t.expiries else 0 end
    from tenant as t

    union all
    select
        'freshplan_ai_cost_eur_day',
        jsonb_build_object('tenant', t.slug),
        case when t.day = t.today then t.ai_cost_eur else 0 end
    from tenant as t

    union all
    select
        'freshplan_ai_small_large_ratio',
        jsonb_build_object('tenant', t.slug),
        t.ai_calls_small::double precision / t.ai_calls_large
    from tenant as t
    where t.day = t.today and t.ai_calls_large > 0

    union all
    select
        'freshplan_ai_calls_total',
        jsonb_build_object('tenant', t.slug, 'tier', c.tier),
        coalesce(c.calls, 0)
    from tenant as t
    left join totals as s on t.id = s.tenant_id
    cross join lateral (values ('small', s.small), ('large', s.large)) as c (tier, calls)

    union all
    select
        'freshplan_ai_cache_hits_total',
        jsonb_build_object('tenant', t.slug),
        coalesce(s.hits, 0)
    from tenant as t
    left join totals as s on t.id = s.tenant_id

    union all
    select
        'freshplan_credit_check_p95_ms',
        jsonb_build_object('tenant', t.slug),
        t.credit_p95_ms
    from tenant as t
    where t.day = t.today and t.credit_p95_ms is not null

    union all
    select
        'freshplan_kpi_snapshot_age_seconds',
        jsonb_build_object('tenant', t.slug),
        extract(epoch from app.now() - t.computed_at)
    from tenant as t
    where t.computed_at is not null

    union all
    select
        'freshplan_integration_jobs_backlog',
        jsonb_build_object('tenant', t.slug, 'kind', k.kind),
        coalesce(b.jobs, 0)
    from tenant as t
    cross join app.job_kinds as k
    left join backlog as b on t.id = b.tenant_id and k.kind = b.kind

    union all
    select
        'freshplan_job_heartbeat_age_seconds',
        jsonb_build_object('job', h.job_name),
        greatest(extract(epoch from app.now() - coalesce(h.last_succeeded_at, h.created_at)), 0)
    from app.job_heartbeats as h

    union all
    select
        'freshplan_job_heartbeat_interval_seconds',
        jsonb_build_object('job', h.job_name),
        app.cron_interval_seconds(h.schedule)
    from app.job_heartbeats as h

    union all
    select
        'freshplan_ai_budget_used_percent',
        jsonb_build_object('tenant', b.slug, 'org', b.org_id),
        round(100 * b.spent_eur / b.cap_eur, 4)
    from budget as b
    where b.cap_eur > 0

    union all
    select
        'freshplan_integration_up',
        jsonb_build_object('tenant', i.slug, 'connector', i.connector),
        case when i.state = 'down' then 0 else 1 end
    from integration as i

    union all
    select
        'freshplan_integration_down_seconds',
        jsonb_build_object('tenant', i.slug, 'connector', i.connector),
        case when i.state = 'down' then greatest(extract(epoch from app.now() - i.down_since), 0) else 0 end
    from integration as i

    -- the thresholds, so that the Prometheus rules compare with the tenant's own values
    union all
    select
        'freshplan_alert_threshold',
        jsonb_build_object('tenant', t.slug, 'setting', r.key),
        (app.effective_setting(r.key, t.id, null, null) #>> '{}')::double precision
    from app.settings_registry as r
    cross join tenant as t
    where r.key like 'alert.%' and 'tenant' = any(r.allowed_scopes)

    union all
    select
        'freshplan_alert_threshold',
        jsonb_build_object('setting', r.key),
        (app.effective_setting(r.key, null, null, null) #>> '{}')::double precision
    from app.settings_registry as r
    where r.key like 'alert.%' and not 'tenant' = any(r.allowed_scopes)
$$;
comment on function app_private.metric_samples() is
'Every figure of /metrics from the database (SPEC 9): lead counts, AI, credit checks from the KPI snapshots; '
'backlog, heartbeats, budgets, connectors and the alert thresholds from small tables.';
grant execute on function app_private.metric_samples() to svc_api;

-- ------------------------------------------------------------ alerts

-- The alerts firing now, per tenant: the comparisons of deploy/prometheus/alerts.yml over the same
-- samples (tests/test_alerts.py holds the two together).
create or replace function app_private.alert_conditions() returns table (
    tenant_id uuid, alert text, subject text, severity text, value double precision, threshold double precision
)
language sql
stable
security definer
set search_path = ''
as $$
    with sample as materialized (
        select
            m.metric,
            m.labels ->> 'tenant' as tenant,
            m.labels,
            m.value
        from app_private.metric_samples() as m
    ),

    threshold as (
        select
            s.tenant,
            s.labels ->> 'setting' as setting,
            s.value
        from sample as s
        where s.metric = 'freshplan_alert_threshold'
    ),

    firing as (
        select
            s.tenant,
            'LeadProtectionHighExpiry' as alert,
            '' as subject,
            'warning' as severity,
            s.value,
            t.value as threshold
        from sample as s
        inner join threshold as t on s.tenant = t.tenant and t.setting = 'alert.leadProtection.expiriesPerDay'
        where s.metric = 'freshplan_lead_protection_expiries_day' and s.value > t.value

        union all
        select
            s.tenant,
            'AiBudgetExceeded',
            s.labels ->> 'org',
            case when s.value >= c.value then 'critical' else 'warning' end,
            s.value,
            case when s.value >= c.value then c.value else w.value end
        from sample as s
        inner join threshold as w on s.tenant = w.tenant and w.setting = 'alert.aiBudget.warnPercent'
        inner join threshold as c on s.tenant = c.tenant and c.setting = 'alert.aiBudget.criticalPercent'
        where s.metric = 'freshplan_ai_budget_used_percent' and (s.value >= w.value or s.value >= c.value)

        union all
        select
            s.tenant,
            'CreditCheckSLAViolation',
            '',
            'warning',
            s.value,
            t.value
        from sample as s
        inner join threshold as t on s.tenant = t.tenant and t.setting = 'alert.creditCheck.maxMs'
        where s.metric = 'freshplan_credit_check_p95_ms' and s.value > t.value

        union all
        select
            s.tenant,
            'JobBacklogHigh',
            s.labels ->> 'kind',
            'warning',
            s.value,
            t.value
        from sample as s
        inner join threshold as t on s.tenant = t.tenant and t.setting = 'alert.jobBacklog.max'
        where s.metric = 'freshplan_integration_jobs_backlog' and s.value > t.value

        union all
        select
            s.tenant,
            'IntegrationDown',
            s.labels ->> 'connector',
            'critical',
            s.value,
            t.value * 60
        from sample as s
        inner join threshold as t on s.tenant = t.tenant and t.setting = 'alert.integrationDown.minutes'
        where s.metric = 'freshplan_integration_down_seconds' and s.value > t.value * 60

        -- the scheduled jobs serve every tenant: each tenant hears of one that stopped
        union all
        select
            tn.slug,
            'JobHeartbeatMissing',
            a.labels ->> 'job',
            'critical',
            a.value,
            i.value * t.value + 60
        from sample as a
        inner join sample as i on i.metric = 'freshplan_job_heartbeat_interval_seconds' and a.labels = i.labels
        inner join threshold as t on t.tenant is null and t.setting = 'alert.jobHeartbeat.missedRuns'
        cross join app.tenants as tn
        where a.metric = 'freshplan_job_heartbeat_age_seconds' and a.value > i.value * t.value + 60
    )

    select
        tn.id,
        f.alert,
        f.subject,
        f.severity,
        f.value,
        f.threshold
    from firing as f
    inner join app.tenants as tn on f.tenant = tn.slug
$$;
comment on function app_private.alert_conditions() is
'The alerts firing now per tenant (what, severity, value, threshold): deploy/prometheus/alerts.yml in SQL.';

-- German notice texts: what fired, the figure against its threshold, where the runbook is.
create or replace function app_private.alert_text(
    p_alert text, p_subject text, p_value double precision, p_threshold double precision
) returns text
language sql
immutable
set search_path = ''
as $$
    select case p_alert
        when 'LeadProtectionHighExpiry' then
            format('Heute sind %s Leadschutz-Zyklen abgelaufen (Schwelle %s).', p_value, p_threshold)
        when 'AiBudgetExceeded' then
            format('Die Organisation %s hat %s %% ihres monatlichen KI-Budgets verbraucht (Schwelle %s %%).',
                p_subject, round(p_value::numeric, 1), p_threshold)
        when 'CreditCheckSLAViolation' then
            format('Die Bonitätsabfragen bei Allianz Trade brauchen heute im 95. Perzentil %s ms (Schwelle %s ms).',
                round(p_value::numeric), p_threshold)
        when 'JobBacklogHigh' then
            format('%s Aufträge der Art %s warten oder laufen (Schwelle %s).', p_value, p_subject, p_threshold)
        when 'IntegrationDown' then
            format('Die Anbindung %s ist seit %s Minuten gestört (Schwelle %s Minuten).',
                p_subject, round(p_value::numeric / 60), round(p_threshold::numeric / 60))
        when 'JobHeartbeatMissing' then
            format('Der geplante Job %s war seit %s Minuten nicht erfolgreich (Schwelle %s Minuten).',
                p_subject, round(p_value::numeric / 60), round(p_threshold::numeric / 60))
    end
    || ' Runbook: docs/operations.md, Abschnitt ' || p_alert || '.'
$$;
comment on function app_private.alert_text(text, text, double precision, double precision) is
'The German body of an alert notice.';

create or replace function app_private.evaluate_alerts() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_now timestamptz := app.now();
    v_alert record;
    v_state app.alert_states;
    v_firing text[] := array[]::text[];
    v_fired integer := 0;
    v_resolved integer := 0;
    v_title text;
begin
    for v_alert in
        select
            c.*,
            s.fired_at as was_fired_at,
            s.severity as was_severity,
            s.resolved_at is null and s.fired_at is not null as was_firing
        from app_private.alert_conditions() as c
        left join app.alert_states as s
            on c.tenant_id = s.tenant_id and c.alert = s.alert and c.subject = s.subject
        order by c.tenant_id, c.alert, c.subject
    loop
        v_firing := v_firing || (v_alert.tenant_id::text || '/' || v_alert.alert || '/' || v_alert.subject);
        insert into app.alert_states as s (
            tenant_id, alert, subject, severity, value, threshold, fired_at, evaluated_at, resolved_at
        )
        values (
            v_alert.tenant_id, v_alert.alert, v_alert.subject, v_alert.severity, v_alert.value,
            v_alert.threshold, v_now, v_now, null
        )
        on conflict (tenant_id, alert, subject) do update
        set
            severity = excluded.severity,
            value = excluded.value,
            threshold = excluded.threshold,
            -- a firing goes on; one that had resolved starts again
            fired_at = case when s.resolved_at is null then s.fired_at else excluded.fired_at end,
            evaluated_at = excluded.evaluated_at,
            resolved_at = null;
        -- once per firing, and once more if a warning becomes critical
        if not v_alert.was_firing or v_alert.was_severity <> v_alert.severity then
            v_title := case v_alert.severity when 'critical' then 'Kritisch: ' else 'Warnung: ' end
                || v_alert.alert || case when v_alert.subject <> '' then ' (' || v_alert.subject || ')' else '' end;
            perform app_private.notify_roles(
                v_alert.tenant_id, array['tenant_admin', 'sales_manager'], 'ALERT', null, left(v_title, 300),
                app_private.alert_text(v_alert.alert, v_alert.subject, v_alert.value, v_alert.threshold),
                left(
                    'ALERT:' || v_alert.alert || ':' || v_alert.subject || ':' || v_alert.severity || ':'
                    || extract(epoch from case when v_alert.was_firing then v_alert.was_fired_at else v_now end),
                    300
                )
            );
            v_fired := v_fired + 1;
        end if;
    end loop;

    for v_state in
        update app.alert_states as s
        set resolved_at = v_now
        where
            s.resolved_at is null
            and not (s.tenant_id::text || '/' || s.alert || '/' || s.subject) = any(v_firing)
        returning s.*
    loop
        v_title := 'Behoben: ' || v_state.alert
            || case when v_state.subject <> '' then ' (' || v_state.subject || ')' else '' end;
        perform app_private.notify_roles(
            v_state.tenant_id, array['tenant_admin', 'sales_manager'], 'ALERT_RESOLVED', null, left(v_title, 300),
            'Der Alarm ' || v_state.alert || ' vom '
            || to_char(v_state.fired_at at time zone 'UTC', 'DD.MM.YYYY HH24:MI') || ' UTC ist behoben.',
            left(
                'ALERT_RESOLVED:' || v_state.alert || ':' || v_state.subject || ':' || extract(epoch from v_state.fired_at),
                300
            )
        );
        v_resolved := v_resolved + 1;
    end loop;
    return jsonb_build_object('firing', cardinality(v_firing), 'notified', v_fired, 'resolved', v_resolved);
end
$$;
comment on function app_private.evaluate_alerts() is
'Job alerts: records the alerts firing now and notifies admins and managers once per firing (again when a '
'warning becomes critical) and once when one resolves.';

-- ------------------------------------------------------------ for the dashboards
create or replace view api.alerts
with (security_invoker = true)
as
select
    s.alert,
    s.subject,
    s.severity,
    s.value,
    s.threshold,
    s.fired_at,
    s.evaluated_at,
    s.resolved_at
from app.alert_states as s
where s.resolved_at is null or s.resolved_at > app.now() - interval '30 days';
comment on view api.alerts is
'The tenant''s alerts firing now or resolved in the last 30 days (managers, auditors and admins).';
comment on column api.alerts.alert is 'Alert name (docs/operations.md has a section for each).';
comment on column api.alerts.subject is 'What it is about: a job, a job kind, a connector, an organisation, or empty.';
comment on column api.alerts.severity is 'warning or critical.';
comment on column api.alerts.value is 'The measured value at the last evaluation while firing.';
comment on column api.alerts.threshold is 'The threshold (from the alert.* settings).';
comment on column api.alerts.fired_at is 'When this firing began.';
comment on column api.alerts.evaluated_at is 'Last evaluation that found it firing.';
comment on column api.alerts.resolved_at is 'When it cleared; null while it fires.';
grant select on api.alerts to sales_manager, auditor, tenant_admin;
