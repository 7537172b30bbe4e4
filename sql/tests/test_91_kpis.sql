-- KPI snapshots (SPEC 9): today's lead counts equal what a manager sees live in api.lead_protection, the
-- day's events are counted in the tenant's time zone, yesterday is closed once, and each tenant sees its own.
begin;
select plan(16);

select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('rep@beta.test', 'sales_rep', 'beta');

create function pg_temp.tenant(p_slug text) returns uuid
language sql as $$ select t.id from app.tenants as t where t.slug = p_slug $$;

-- leads in every state the clock gives them: fresh, due for progress, past their grace period
select tests.register_lead('rep@alpha.test', 'Frisch', '2026-03-01 08:00+00');
select tests.register_lead('rep@alpha.test', 'Gestern', '2026-02-28 12:00+00');
select tests.register_lead('rep@alpha.test', 'Fast Faellig', '2025-12-28 12:00+00');
select tests.register_lead('rep@alpha.test', 'Lange Her', '2025-11-01 12:00+00');
select tests.register_lead('rep@beta.test', 'Anderer Mandant', '2026-03-01 08:00+00');
select tests.freeze_time('2026-03-01 10:00+00');

insert into app.ai_calls (tenant_id, org_id, user_id, use_case, prompt_version, tier, cached, cost_eur, latency_ms, outcome)
select u.tenant_id, u.org_id, u.id, 'email_categorize', 'v1', x.tier, x.cached, x.cost, 5, 'ok'
from app.users as u
cross join (values ('small', false, 0.002), ('large', false, 0.02), ('small', true, 0)) as x (tier, cached, cost)
where u.email = 'rep@alpha.test';
insert into app.connector_calls (tenant_id, connector, operation, started_at, duration_ms, outcome)
select pg_temp.tenant('alpha'), 'allianz', 'matching', '2026-03-01 09:00+00', d, 'ok'
from unnest(array[10, 20, 30, 40, 1000]) as d;

-- the day before: its snapshot (lead counts as they were then)
select tests.freeze_time('2026-02-28 20:00+00');
select is(app_private.run_job('kpi_snapshot'), '{"failed": 0, "tenants": 2, "days_closed": 0}', 'every tenant: today');
select tests.freeze_time('2026-03-01 10:00+00');
select is(
    app_private.run_job('kpi_snapshot'), '{"failed": 0, "tenants": 2, "days_closed": 2}',
    'the next day: today, and yesterday closed'
);

select tests.authenticate_as('manager@alpha.test');
select is(
    (select (leads_active, leads_grace, leads_expired, leads_unassigned)::text from api.kpi_daily where day = '2026-03-01'),
    (select (
        count(*) filter (where status = 'ACTIVE'), count(*) filter (where status = 'GRACE'),
        count(*) filter (where status = 'EXPIRED'), count(*) filter (where status = 'UNASSIGNED')
    )::text from api.lead_protection),
    'today''s lead counts are what the manager sees live'
);
select isnt(
    (select count(distinct status)::int from api.lead_protection), 1, '(leads in more than one status)'
);
select is((select registrations from api.kpi_daily where day = '2026-03-01'), 1, 'one registration today');
select is(
    (select (ai_calls_small, ai_calls_large, ai_cache_hits, ai_cost_eur)::text from api.kpi_daily where day = '2026-03-01'),
    '(1,1,1,0.0220)', 'AI calls by tier, cache hits and cost'
);
select is(
    (select (credit_calls, credit_p50_ms, credit_p95_ms)::text from api.kpi_daily where day = '2026-03-01'),
    '(5,30.000,808.000)', 'Allianz Trade calls with their median and 95th percentile'
);
select is(
    (select (registrations, leads_active is not null, final)::text from api.kpi_daily where day = '2026-02-28'),
    '(1,t,t)', 'yesterday: its events counted in full, its lead counts as taken that day'
);
select is((select count(*)::int from api.kpi_daily), 2, 'the manager sees the own tenant''s rows only');
select tests.clear_authentication();

-- the tenant's day: 23:15 UTC on 1 March is already 2 March in Berlin; 1 March is closed from 00:30 on
select tests.register_lead('rep@alpha.test', 'Nach Mitternacht', '2026-03-01 23:15+00');
select tests.freeze_time('2026-03-01 23:20+00');
select is(app_private.snapshot_kpis() ->> 'days_closed', '0', 'at 00:20 Berlin time 1 March is not closed yet');
select tests.freeze_time('2026-03-01 23:40+00');
select is(app_private.snapshot_kpis() ->> 'days_closed', '2', 'at 00:40 it is');
select is(
    (select registrations from app.kpi_daily where tenant_id = pg_temp.tenant('alpha') and day = '2026-03-02'),
    1, 'a registration at 00:15 Berlin time counts for 2 March'
);
select is(
    (select (registrations, final)::text from app.kpi_daily where tenant_id = pg_temp.tenant('alpha') and day = '2026-03-01'),
    '(1,t)', '1 March keeps its own'
);
select isnt(
    (select leads_active from app.kpi_daily where tenant_id = pg_temp.tenant('alpha') and day = '2026-03-01'), null,
    'and the lead counts it last took'
);
select is(app_private.snapshot_kpis() ->> 'days_closed', '0', 'closed once');

select tests.authenticate_as('rep@alpha.test');
select throws_ok($$ select * from api.kpi_daily $$, '42501', null, 'reps do not read the KPIs');
select tests.clear_authentication();

select * from finish();
rollback;
