-- The AI router's rules in SQL (SPEC 7.4): budget months in the tenant's time zone, effective-dated
-- prices, reservations up to 100 % (large) and 110 % (small), settling, expiry, user caps, the cache
-- (tenant-scoped, honouring the caller's threshold), the call log, housekeeping, the settings' schemas
-- and who may call what.
begin;
select plan(42);

select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
-- created after the others, who are all in Main (create_user picks the first organisation by name)
select tests.create_org('alpha', 'East');
select tests.create_user('east@alpha.test', 'sales_rep', 'alpha', 'East');
select tests.create_user('rep@beta.test', 'sales_rep', 'beta');
select tests.freeze_time('2026-11-20 09:00+00');

create function pg_temp.ids(p_email text, out tenant_id uuid, out org_id uuid, out user_id uuid)
language sql as $$ select u.tenant_id, u.org_id, u.id from app.users as u where u.email = p_email $$;

-- A reservation of 1 000 input and 1 000 output tokens for the caller: small (gpt-6-luna) costs
-- (1000 x 0.10 + 1000 x 0.50) / 1e6 x 0.92 = 0.000552 EUR, large (gpt-6.1-sol) 0.01104 EUR.
create function pg_temp.reserve(p_email text, p_tier text) returns jsonb
language sql as $$
    select app_private.ai_reserve(
        i.tenant_id, i.org_id, i.user_id, 'openai',
        case p_tier when 'small' then 'gpt-6-luna' else 'gpt-6.1-sol' end, p_tier, 1000, 1000
    )
    from pg_temp.ids(p_email) as i
$$;

create function pg_temp.state(p_email text) returns record
language sql as $$
    select (s.spent_eur, s.reserved_eur)
    from pg_temp.ids(p_email) as i, app_private.ai_budget_state(i.tenant_id, i.org_id, i.user_id) as s
$$;

create function pg_temp.reserve_smalls(p_email text, p_count integer) returns integer
language plpgsql as $$
declare
    v_ok integer := 0;
begin
    for i in 1..p_count loop
        if pg_temp.reserve(p_email, 'small') ? 'id' then
            v_ok := v_ok + 1;
        end if;
    end loop;
    return v_ok;
end
$$;

-- ------------------------------------------------------------ months and prices
select is(app.ai_month(tests.create_tenant('gamma'), '2026-01-31 23:30+00'), '2026-02-01'::date,
    'the budget month follows the tenant''s time zone (23:30 UTC on Jan 31 is February in Berlin)');
select is(app.ai_cost_eur('openai', 'gpt-6-luna', '2026-11-30', 1000, 0, 0, 1000), 0.000552,
    'a call''s cost is its tokens at the model''s price, converted at ai.fx.usdEur');
insert into app.ai_model_prices (provider, model, valid_from, usd_input_per_mtok, usd_cached_input_per_mtok,
    usd_cache_write_per_mtok, usd_output_per_mtok, source)
values ('openai', 'gpt-6-luna', '2026-12-01', 0.20, 0.02, 0.20, 1.00, 'test');
select is(app.ai_cost_eur('openai', 'gpt-6-luna', '2026-12-01', 1000, 0, 0, 1000), 0.001104,
    'from its valid_from day on, a newer price applies');
select is(app.ai_cost_eur('openai', 'gpt-6-luna', '2026-11-30', 1000, 0, 0, 1000), 0.000552,
    'the day before, the older one still does');
select is(app.ai_cost_eur('openai', 'gpt-6-luna', '2026-11-30', 0, 1000, 0, 0), 0.0000092,
    'cached input is priced at the cached rate');
select is(app.ai_cost_eur('openai', 'gpt-4o', '2026-11-30', 1, 0, 0, 1), null, 'a model without a price costs null');
select tests.raises(
    $$ select app_private.ai_reserve(i.tenant_id, i.org_id, i.user_id, 'openai', 'gpt-4o', 'small', 10, 10)
       from pg_temp.ids('rep@alpha.test') as i $$,
    'FP1006 503', 'a model without a price cannot be reserved'
);

-- ------------------------------------------------------------ reservations against the cap
insert into app.settings_values (key, scope, tenant_id, target_id, value)
select 'ai.budget.monthly.cap', 'org', tenant_id, org_id, '0.02' from pg_temp.ids('rep@alpha.test');

select ok(pg_temp.reserve('rep@alpha.test', 'large') ? 'id', 'a large call fits under 100 % of the cap');
select is(pg_temp.reserve('rep@alpha.test', 'large'), '{"refused": "small_only"}',
    'a second large call would pass 100 %: only the small tier may still run');
select is(pg_temp.reserve_smalls('rep@alpha.test', 25), 19,
    'small calls fill the cap up to 110 % and no further (0.01104 + 19 x 0.000552 <= 0.022)');
select is(pg_temp.reserve('rep@alpha.test', 'small'), '{"refused": "exhausted"}', 'past that, small calls are refused too');
select is(pg_temp.state('rep@alpha.test'), row(0::numeric, 0.021528::numeric),
    'nothing is spent yet; 0.021528 EUR is reserved');
select is(pg_temp.reserve('east@alpha.test', 'large') ? 'id', true,
    'another organisation of the tenant has its own budget');

-- settling books the real cost once and frees the rest
select is(
    app_private.ai_settle(
        (select r.id from app.ai_reservations as r where r.model = 'gpt-6.1-sol' and r.user_id = tests.user_id('rep@alpha.test')),
        100, 0, 0, 50
    ),
    0.000644, 'settling books the real usage: (100 x 2 + 50 x 10) / 1e6 x 0.92'
);
select is(
    app_private.ai_settle(
        (select r.id from app.ai_reservations as r where r.model = 'gpt-6.1-sol' and r.user_id = tests.user_id('rep@alpha.test')),
        100, 0, 0, 50
    ),
    null, 'a reservation is settled only once'
);
select is(pg_temp.state('rep@alpha.test'), row(0.000644::numeric, 0.010488::numeric),
    'the spend is booked and the reservation no longer held');

-- a crashed call's reservation stops counting after 10 minutes
select tests.freeze_time('2026-11-20 09:10:01+00');
select is(pg_temp.state('rep@alpha.test'), row(0.000644::numeric, 0::numeric),
    'reservations older than 10 minutes are released');
select ok(pg_temp.reserve('rep@alpha.test', 'large') ? 'id', 'and their room is free again');

-- ------------------------------------------------------------ user caps
insert into app.settings_values (key, scope, tenant_id, target_id, value)
select 'ai.budget.user.monthly.cap', 'user', tenant_id, user_id, '0.001' from pg_temp.ids('manager@alpha.test');
select is(pg_temp.reserve_smalls('manager@alpha.test', 5), 1,
    'a user cap of 0.001 EUR admits one small call (0.000552) and refuses the second (110 %: 0.0011)');
select is(pg_temp.reserve('manager@alpha.test', 'large'), '{"refused": "small_only"}',
    'a large call would pass the user''s 100 %');

-- ------------------------------------------------------------ ai_begin: threshold, cache, refusal
create function pg_temp.begin_call(p_email text, p_key text) returns jsonb
language sql as $$
    select app_private.ai_begin(
        i.tenant_id, i.org_id, i.user_id, 'email_categorize', 'v1',
        case when p_key is null then null else sha256(convert_to(p_key, 'UTF8')) end,
        'openai', 'gpt-6-luna', 'small', 100, 100, 3.5
    )
    from pg_temp.ids(p_email) as i
$$;
create function pg_temp.finish_call(p_email text, p_key text, p_confidence numeric, p_tier text) returns jsonb
language sql as $$
    select app_private.ai_finish(
        i.tenant_id, i.org_id, i.user_id, 'email_categorize', 'v1', null, null, 0.5,
        jsonb_build_object('provider', 'openai', 'model', 'gpt-6-luna', 'tier', p_tier, 'latency_ms', 40,
            'input_tokens', 10, 'output_tokens', 5, 'confidence', p_confidence, 'outcome', 'ok'),
        sha256(convert_to(p_key, 'UTF8')),
        jsonb_build_object('result', '{"label": "ORDER"}'::jsonb, 'confidence', p_confidence,
            'provider', 'openai', 'model', 'gpt-6-luna', 'tier', p_tier)
    )
    from pg_temp.ids(p_email) as i
$$;

select is((pg_temp.begin_call('east@alpha.test', null) ->> 'threshold')::numeric, 0.7, 'the default threshold is 0.7');
insert into app.settings_values (key, scope, tenant_id, target_id, value)
select 'ai.routing.confidence.threshold', 'tenant', tenant_id, tenant_id as target_id, '0.6'::jsonb from pg_temp.ids('east@alpha.test')
union all
select 'ai.routing.confidence.threshold', 'org', tenant_id, org_id, '0.8'::jsonb from pg_temp.ids('east@alpha.test')
union all
select 'ai.routing.confidence.threshold', 'user', tenant_id, user_id, '0.9'::jsonb from pg_temp.ids('east@alpha.test');
select is((pg_temp.begin_call('east@alpha.test', null) ->> 'threshold')::numeric, 0.9, 'a user''s threshold wins over org and tenant');
select is((pg_temp.begin_call('admin@alpha.test', null) ->> 'threshold')::numeric, 0.6, 'a tenant''s threshold wins over the global one');
select ok(pg_temp.begin_call('admin@alpha.test', null) ? 'reservation', 'a call without a cache hit gets its reservation');

select is(pg_temp.finish_call('admin@alpha.test', 'mail-1', 0.75, 'small') ->> 'cost_eur', '0.5',
    'ai_finish logs the call with the earlier hops'' cost');
select is(
    (select count(*)::integer from app.ai_cache where confidence = 0.75 and expires_at = app.now() + interval '8 hours'),
    1, 'a valid answer is cached for ai.cache.ttl (PT8H)'
);
select is(pg_temp.begin_call('admin@alpha.test', 'mail-1') -> 'cached' -> 'result', '{"label": "ORDER"}',
    'the same request of the tenant is answered from the cache');
select ok(pg_temp.begin_call('admin@alpha.test', 'mail-1') ? 'call_id', 'and the hit is logged as a call');
select is(
    (select (cached, cost_eur, outcome, latency_ms) from app.ai_calls where cached order by occurred_at desc limit 1),
    row(true, 0::numeric, 'ok'::text, 3.5::numeric), 'a hit costs nothing'
);
select is(pg_temp.begin_call('east@alpha.test', 'mail-1') -> 'cached', null,
    'a small answer below the caller''s threshold (0.75 < 0.9) is not served from the cache');
select is(pg_temp.begin_call('rep@beta.test', 'mail-1') -> 'cached', null, 'another tenant never gets the entry');
select pg_temp.finish_call('admin@alpha.test', 'mail-2', null, 'large');
select is(pg_temp.begin_call('east@alpha.test', 'mail-2') -> 'cached' ->> 'tier', 'large',
    'a large answer is served whatever the threshold');

-- at 110 % every call is refused, cached or not, and the refusal is logged
update app.ai_budget_months set spent_eur = 0.023 where org_id = (select org_id from pg_temp.ids('admin@alpha.test'));
select is(pg_temp.begin_call('admin@alpha.test', 'mail-1') ->> 'refused', 'exhausted',
    'at 110 % of the cap even a cached answer is refused');
select is(
    (select count(*)::integer from app.ai_calls where user_id = tests.user_id('admin@alpha.test') and outcome = 'budget_exhausted'),
    1, 'the refusal is in the call log'
);

-- ------------------------------------------------------------ visibility and privileges
select tests.authenticate_as('east@alpha.test');
select is((select count(*)::integer from api.ai_budget), 1, 'a rep sees only their own organisation''s budget');
select tests.authenticate_as('manager@alpha.test');
select is((select count(*)::integer from api.ai_budget), 2, 'a manager sees every organisation of the tenant');
select is(
    (select (cap_eur, spent_eur) from api.ai_budget where org_id = (select i.org_id from pg_temp.ids('rep@alpha.test') as i)),
    row(0.02::numeric, 0.023::numeric), 'with the organisation''s cap and spend'
);
select throws_ok(
    $$ select app_private.ai_reserve(app.current_tenant_id(), app.current_org_id(), app.current_user_id(),
       'openai', 'gpt-6-luna', 'small', 1, 1) $$,
    '42501', null, 'no web role may reserve budget itself'
);
select throws_ok($$ select * from app.ai_cache $$, '42501', null, 'no web role reads the cache');
select tests.clear_authentication();

-- ------------------------------------------------------------ settings and housekeeping
select tests.authenticate_as('admin@alpha.test');
select tests.raises($$ select api.set_setting('ai.cache.ttl', 'tenant', '"8 hours"') $$, 'FP203 400',
    'ai.cache.ttl must be an ISO 8601 duration');
select tests.raises(
    $$ select api.set_setting('ai.budget.user.monthly.cap', 'user', 'null', app.current_user_id()) $$, 'ok',
    'a user cap may be set back to null (no cap)'
);
select tests.clear_authentication();

select tests.freeze_time('2026-11-20 18:00+00');
select is(app_private.ai_housekeeping() ->> 'cache_entries_deleted', '2', 'housekeeping deletes expired cache entries');

select * from finish();
rollback;
