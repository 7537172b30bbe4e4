-- KPIs (SPEC 9): the daily snapshots per tenant (app.kpi_daily, V016) and api.kpi_daily for the admin
-- UI's dashboards. pg_cron runs app_private.snapshot_kpis every 10 minutes (job kpi_snapshot): it keeps
-- today's row (and this week's per-rep figures) current and, once after midnight, counts yesterday's
-- events in full. Lead counts are
-- taken only for today (a status is a moment, not an event): a day whose row was never taken keeps
-- them null rather than invent them.

-- One tenant's row for one day. With p_now, the lead counts, the running holds and the job backlog
-- are taken as of p_now; without it (closing a past day) the day's events are counted again and the
-- holds are those running at its end, while its lead counts stay as last taken.
create or replace function app_private.snapshot_tenant_kpis(p_tenant_id uuid, p_day date, p_now timestamptz)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_zone text := (select c.timezone from app.protection_configs as c where c.tenant_id = p_tenant_id);
    v_from timestamptz := p_day::timestamp at time zone v_zone;
    v_to timestamptz := (p_day + 1)::timestamp at time zone v_zone;
    v_at timestamptz := coalesce(p_now, (p_day + 1)::timestamp at time zone v_zone);
    v_row app.kpi_daily;
begin
    v_row.tenant_id := p_tenant_id;
    v_row.day := p_day;
    v_row.job_backlog := '{}'::jsonb;  -- a past day's backlog is unknown (the row's own is kept)
    if p_now is not null then
        select
            count(*) filter (where o.status = 'ACTIVE'),
            count(*) filter (where o.status = 'GRACE'),
            count(*) filter (where o.status = 'EXPIRED'),
            count(*) filter (where o.status = 'UNASSIGNED')
        into v_row.leads_active, v_row.leads_grace, v_row.leads_expired, v_row.leads_unassigned
        from app.lead_overview as o
        where o.tenant_id = p_tenant_id;
        select coalesce(jsonb_object_agg(b.kind, b.jobs), '{}') into v_row.job_backlog
        from (
            select j.kind, count(*) as jobs from app.jobs as j
            where j.tenant_id = p_tenant_id and j.state in ('PENDING', 'RUNNING')
            group by j.kind
        ) as b;
    end if;
    -- (protection_ended_at is set when the cycle closes by expiry, so the day's cycles are found by their
    -- opening or closing; the two indexes of V017 serve the OR)
    select
        count(*) filter (where a.opened_at >= v_from and a.opened_at < v_to and a.open_reason in ('REGISTERED', 'CLAIMED')),
        count(*) filter (where a.protection_ended_at >= v_from and a.protection_ended_at < v_to),
        count(*) filter (
            where a.closed_at >= v_from and a.closed_at < v_to and a.release_reason in ('EXPIRED', 'EXPIRED_NOW')
        ),
        count(*) filter (where a.closed_at >= v_from and a.closed_at < v_to and a.release_reason = 'TRANSFERRED')
    into v_row.registrations, v_row.expiries, v_row.releases, v_row.transfers
    from app.lead_assignments as a
    where a.tenant_id = p_tenant_id and (a.opened_at >= v_from or a.closed_at >= v_from);
    select coalesce(jsonb_object_agg(h.reason, h.holds), '{}') into v_row.holds_by_reason
    from (
        select h.reason, count(*) as holds from app.holds as h
        where
            h.tenant_id = p_tenant_id and h.state = 'APPROVED' and h.start_at <= v_at
            and (h.end_at is null or h.end_at > v_at)
        group by h.reason
    ) as h;
    v_row.feedback_links_sent := (
        select count(*) from app_private.feedback_tokens as t
        where t.tenant_id = p_tenant_id and t.created_at >= v_from and t.created_at < v_to
    );
    v_row.feedback_answered := (
        select count(*) from app.feedback_submissions as s
        where s.tenant_id = p_tenant_id and s.received_at >= v_from and s.received_at < v_to
    );
    select
        count(*) filter (where not c.cached and c.outcome = 'ok' and c.tier = 'small'),
        count(*) filter (where not c.cached and c.outcome = 'ok' and c.tier = 'large'),
        count(*) filter (where c.cached),
        coalesce(sum(c.cost_eur), 0)
    into v_row.ai_calls_small, v_row.ai_calls_large, v_row.ai_cache_hits, v_row.ai_cost_eur
    from app.ai_calls as c
    where c.tenant_id = p_tenant_id and c.occurred_at >= v_from and c.occurred_at < v_to;
    select
        count(*),
        percentile_cont(0.5) within group (order by c.duration_ms),
        percentile_cont(0.95) within group (order by c.duration_ms)
    into v_row.credit_calls, v_row.credit_p50_ms, v_row.credit_p95_ms
    from app.connector_calls as c
    where
        c.connector = 'allianz' and c.tenant_id = p_tenant_id
        and c.started_at >= v_from and c.started_at < v_to;
    v_row.computed_at := pg_catalog.clock_timestamp();
    v_row.final := p_now is null;
    insert into app.kpi_daily as k
    select v_row.*
    on conflict (tenant_id, day) do update
    set
        -- a past day keeps the lead counts and the backlog it last saw
        leads_active = coalesce(excluded.leads_active, k.leads_active),
        leads_grace = coalesce(excluded.leads_grace, k.leads_grace),
        leads_expired = coalesce(excluded.leads_expired, k.leads_expired),
        leads_unassigned = coalesce(excluded.leads_unassigned, k.leads_unassigned),
        job_backlog = case when excluded.final then k.job_backlog else excluded.job_backlog end,
        registrations = excluded.registrations,
        expiries = excluded.expiries,
        releases = excluded.releases,
        transfers = excluded.transfers,
        holds_by_reason = excluded.holds_by_reason,
        feedback_links_sent = excluded.feedback_links_sent,
        feedback_answered = excluded.feedback_answered,
        ai_calls_small = excluded.ai_calls_small,
        ai_calls_large = excluded.ai_calls_large,
        ai_cache_hits = excluded.ai_cache_hits,
        ai_cost_eur = excluded.ai_cost_eur,
        credit_calls = excluded.credit_calls,
        credit_p50_ms = excluded.credit_p50_ms,
        credit_p95_ms = excluded.credit_p95_ms,
        computed_at = excluded.computed_at,
        final = excluded.final;
end
$$;
comment on function app_private.snapshot_tenant_kpis(uuid, date, timestamptz) is
'Writes one tenant''s KPI row of a day: as of p_now (today), or the finished day''s events (p_now null).';

-- The pg_cron job: today's row of every tenant, and the finished days not closed yet, each once. A day is
-- closed from 00:30 on (work that began before midnight has committed by then); after an outage every
-- day since the last closed one is caught up, at most a week back. A tenant whose snapshot fails is
-- reported and skipped; the others are written.
create or replace function app_private.snapshot_kpis() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_tenant record;
    v_local timestamp;
    v_today date;
    v_day date;
    v_now timestamptz := app.now();
    v_tenants integer := 0;
    v_closed integer := 0;
    v_failed integer := 0;
begin
    for v_tenant in
        select t.id, c.timezone from app.tenants as t
        inner join app.protection_configs as c on t.id = c.tenant_id
        order by t.id
    loop
        begin
            v_local := v_now at time zone v_tenant.timezone;
            v_today := v_local::date;
            -- from the day after the last closed one (or the first one snapshotted), at most a week back
            for v_day in
                select d::date from pg_catalog.generate_series(
                    greatest(
                        coalesce(
                            (select max(k.day) + 1 from app.kpi_daily as k where k.tenant_id = v_tenant.id and k.final),
                            (select min(k.day) from app.kpi_daily as k where k.tenant_id = v_tenant.id),
                            v_today
                        ),
                        v_today - 7
                    ),
                    v_today - case when v_local::time >= '00:30' then 1 else 2 end,
                    interval '1 day'
                ) as d
            loop
                perform app_private.snapshot_tenant_kpis(v_tenant.id, v_day, null);
                perform app_private.snapshot_rep_weekly(v_tenant.id, v_day - (extract(isodow from v_day)::integer - 1));
                v_closed := v_closed + 1;
            end loop;
            perform app_private.snapshot_tenant_kpis(v_tenant.id, v_today, v_now);
            perform app_private.snapshot_rep_weekly(v_tenant.id, v_today - (extract(isodow from v_today)::integer - 1));
            v_tenants := v_tenants + 1;
        exception when others then
            raise warning 'KPI snapshot of tenant % failed: %', v_tenant.id, sqlerrm;
            v_failed := v_failed + 1;
        end;
    end loop;
    return jsonb_build_object('tenants', v_tenants, 'days_closed', v_closed, 'failed', v_failed);
end
$$;
comment on function app_private.snapshot_kpis() is
'Keeps today''s KPI row of every tenant current and closes the finished days once (job kpi_snapshot).';

-- ------------------------------------------------------------ the dashboards
create or replace view api.kpi_daily
with (security_invoker = true)
as
select
    k.day,
    k.leads_active,
    k.leads_grace,
    k.leads_expired,
    k.leads_unassigned,
    k.registrations,
    k.expiries,
    k.releases,
    k.holds_by_reason,
    k.feedback_links_sent,
    k.feedback_answered,
    k.ai_calls_small,
    k.ai_calls_large,
    k.ai_cache_hits,
    k.ai_cost_eur,
    k.credit_calls,
    k.credit_p50_ms,
    k.credit_p95_ms,
    k.job_backlog,
    k.computed_at,
    k.final,
    k.transfers
from app.kpi_daily as k;
comment on view api.kpi_daily is
'The tenant''s KPIs per day (managers, auditors, admins): lead counts by status, the day''s registrations, '
'expiries, feedback, AI use and credit-check latency; today''s row is at most 10 minutes old.';
comment on column api.kpi_daily.day is 'The day, in the tenant''s time zone.';
comment on column api.kpi_daily.leads_active is 'Leads ACTIVE at the day''s last snapshot (null: none was taken).';
comment on column api.kpi_daily.leads_grace is 'Leads in GRACE at the day''s last snapshot.';
comment on column api.kpi_daily.leads_expired is
'Leads EXPIRED at the day''s last snapshot (released to the pool, or past their grace and about to be).';
comment on column api.kpi_daily.leads_unassigned is 'Leads UNASSIGNED at the day''s last snapshot.';
comment on column api.kpi_daily.registrations is 'Protection cycles opened by a registration or claim.';
comment on column api.kpi_daily.expiries is 'Protection cycles whose protection ended by expiry.';
comment on column api.kpi_daily.releases is 'Leads released to the pool (their cycle closed by expiry).';
comment on column api.kpi_daily.transfers is 'Protection cycles closed by a transfer to another rep.';
comment on column api.kpi_daily.holds_by_reason is 'Approved holds running, by reason.';
comment on column api.kpi_daily.feedback_links_sent is 'Feedback links created.';
comment on column api.kpi_daily.feedback_answered is 'Feedback submissions received.';
comment on column api.kpi_daily.ai_calls_small is 'AI calls answered by a small model (not from the cache).';
comment on column api.kpi_daily.ai_calls_large is 'AI calls answered by a large model (not from the cache).';
comment on column api.kpi_daily.ai_cache_hits is 'AI calls answered from the cache.';
comment on column api.kpi_daily.ai_cost_eur is 'EUR charged for AI calls.';
comment on column api.kpi_daily.credit_calls is 'Calls to Allianz Trade.';
comment on column api.kpi_daily.credit_p50_ms is 'Their median duration (ms).';
comment on column api.kpi_daily.credit_p95_ms is 'Their 95th percentile duration (ms).';
comment on column api.kpi_daily.job_backlog is 'Jobs waiting or running at the snapshot, by kind.';
comment on column api.kpi_daily.computed_at is 'When the row was computed.';
comment on column api.kpi_daily.final is 'Whether the day is over and counted in full.';
grant select on api.kpi_daily to sales_manager, auditor, tenant_admin;
