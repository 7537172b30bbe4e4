-- The AI router's rules in the database (SPEC 7.4): month and price arithmetic, race-free budget
-- reservations, the cache, the call log and the calibration store, and the api views.
--
-- The service (svc_api) calls the app_private functions with the tenant, organisation and user of a
-- verified token; no web role may execute them, so nobody can book, free or read reservations or
-- cache entries through PostgREST.

-- ------------------------------------------------------------ months and prices
create or replace function app.ai_month(p_tenant_id uuid, p_at timestamptz) returns date
language sql
stable
as $$
    select date_trunc(
        'month', p_at at time zone (app.effective_setting('tenant.timezone', p_tenant_id, null, null) #>> '{}')
    )::date
$$;
comment on function app.ai_month(uuid, timestamptz) is
'First day of the budget month that contains a moment, in the tenant''s time zone.';
grant execute on function app.ai_month(uuid, timestamptz)
to sales_rep, sales_manager, auditor, tenant_admin, svc_api;

-- EUR for a number of tokens of each class at the model's price on a day; null without a price.
-- p_input is the uncached input only (the adapters split OpenAI's inclusive prompt_tokens).
-- The functions a router call runs are PL/pgSQL even where they are one query: PostgreSQL 15
-- plans a SQL function's body on every call it cannot inline, PL/pgSQL once per session.
create or replace function app.ai_cost_eur(
    p_provider text, p_model text, p_on date,
    p_input bigint, p_cached_input bigint, p_cache_write bigint, p_output bigint
) returns numeric
language plpgsql
stable
as $$
begin
    return (
        select round(
            (
                p_input * p.usd_input_per_mtok
                + p_cached_input * p.usd_cached_input_per_mtok
                + p_cache_write * p.usd_cache_write_per_mtok
                + p_output * p.usd_output_per_mtok
            ) / 1000000
            * (app.effective_setting('ai.fx.usdEur', null, null, null) #>> '{}')::numeric,
            8
        )
        from app.ai_model_prices as p
        where p.provider = p_provider and p.model = p_model and p.valid_from <= p_on
        order by p.valid_from desc
        limit 1
    );
end
$$;
comment on function app.ai_cost_eur(text, text, date, bigint, bigint, bigint, bigint) is
'EUR cost of uncached input, cached input, cache-write and output tokens at a model''s price on a day '
'(ai.fx.usdEur); null when the model has no price.';
grant execute on function app.ai_cost_eur(text, text, date, bigint, bigint, bigint, bigint)
to sales_manager, auditor, tenant_admin, svc_api;

-- ------------------------------------------------------------ budgets
-- Where a caller stands: the organisation's and (when capped) the user's month, counting settled
-- spend and live reservations. No lock: ai_reserve decides under the organisation's row lock.
create or replace function app_private.ai_budget_state(p_tenant_id uuid, p_org_id uuid, p_user_id uuid)
returns table (
    month date, cap_eur numeric, spent_eur numeric, reserved_eur numeric,
    user_cap_eur numeric, user_used_eur numeric
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    return query
        with m as (
            select
                app.ai_month(p_tenant_id, app.now()) as month,
                (app.effective_setting('ai.budget.monthly.cap', p_tenant_id, p_org_id, null) #>> '{}')::numeric
                    as cap_eur,
                (app.effective_setting('ai.budget.user.monthly.cap', p_tenant_id, p_org_id, p_user_id) #>> '{}')::numeric
                    as user_cap_eur
        )
        select
            m.month,
            m.cap_eur,
            coalesce((
                select b.spent_eur from app.ai_budget_months as b where b.org_id = p_org_id and b.month = m.month
            ), 0),
            coalesce((
                select sum(r.amount_eur)
                from app.ai_reservations as r
                where r.org_id = p_org_id and r.month = m.month and r.settled_at is null and r.expires_at > app.now()
            ), 0),
            m.user_cap_eur,
            -- summed only under a user cap: it reads every call of the user's month
            case when m.user_cap_eur is null then 0 else coalesce((
                select sum(coalesce(r.cost_eur, case when r.expires_at > app.now() then r.amount_eur else 0 end))
                from app.ai_reservations as r
                where r.user_id = p_user_id and r.month = m.month
            ), 0) end
        from m;
end
$$;
comment on function app_private.ai_budget_state(uuid, uuid, uuid) is
'The caller''s budget month: organisation cap, settled spend and live reservations; user cap and use.';
grant execute on function app_private.ai_budget_state(uuid, uuid, uuid) to svc_api;

-- Reserve the worst case of one provider call. A small call may bring the organisation (and the
-- user) to at most 110 % of the cap, a large one to at most 100 %: since a settled call never costs
-- more than its reservation (the input bound counts bytes, and a token is at least one byte), no
-- interleaving of calls can settle more than 110 %. Reservations of one organisation are
-- serialised by the lock on its month row.
create or replace function app_private.ai_reserve(
    p_tenant_id uuid, p_org_id uuid, p_user_id uuid,
    p_provider text, p_model text, p_tier text, p_max_input_tokens integer, p_max_output_tokens integer
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_month date := app.ai_month(p_tenant_id, app.now());
    v_amount numeric;
    v_state record;
    v_share numeric := case p_tier when 'large' then 1.0 else 1.1 end;
    v_id uuid;
begin
    if p_tier is null or p_tier not in ('small', 'large') then
        raise exception 'unknown tier %', p_tier using errcode = 'invalid_parameter_value';
    end if;
    v_amount := app.ai_cost_eur(
        p_provider, p_model, (app.now() at time zone 'UTC')::date, p_max_input_tokens, 0, 0, p_max_output_tokens
    );
    if v_amount is null then
        perform app.raise_error('FP1006', 503, format('The AI model %s has no price.', p_model), 'model');
    end if;
    insert into app.ai_budget_months (org_id, tenant_id, month)
    values (p_org_id, p_tenant_id, v_month)
    on conflict (org_id, month) do nothing;
    perform from app.ai_budget_months as b where b.org_id = p_org_id and b.month = v_month for update;
    select * into v_state from app_private.ai_budget_state(p_tenant_id, p_org_id, p_user_id) as s;
    if v_state.spent_eur + v_state.reserved_eur + v_amount > v_state.cap_eur * v_share
        or v_state.user_used_eur + v_amount > v_state.user_cap_eur * v_share then
        return jsonb_build_object(
            'refused',
            case
                when v_state.spent_eur + v_state.reserved_eur >= v_state.cap_eur * 1.1
                    or v_state.user_used_eur >= v_state.user_cap_eur * 1.1 then 'exhausted'
                when p_tier = 'large' then 'small_only'
                else 'exhausted'
            end
        );
    end if;
    insert into app.ai_reservations (
        tenant_id, org_id, user_id, month, provider, model, amount_eur, expires_at
    ) values (
        p_tenant_id, p_org_id, p_user_id, v_month, p_provider, p_model, v_amount, app.now() + interval '10 minutes'
    )
    returning id into v_id;
    return jsonb_build_object('id', v_id, 'amount_eur', v_amount);
end
$$;
comment on function app_private.ai_reserve(uuid, uuid, uuid, text, text, text, integer, integer) is
'Reserves the worst case of one provider call against the organisation''s and user''s month, or refuses '
'(small_only: the large tier would pass 100 %; exhausted: the call would pass 110 %).';
grant execute on function app_private.ai_reserve(uuid, uuid, uuid, text, text, text, integer, integer) to svc_api;

-- Book a call's real cost; a reservation is settled once (a second settle returns null).
create or replace function app_private.ai_settle(
    p_reservation_id uuid, p_input_tokens integer, p_cached_input_tokens integer,
    p_cache_write_tokens integer, p_output_tokens integer
) returns numeric
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_reservation app.ai_reservations;
    v_cost numeric;
begin
    select r.* into v_reservation
    from app.ai_reservations as r
    where r.id = p_reservation_id and r.settled_at is null
    for update;
    if v_reservation.id is null then
        return null;
    end if;
    v_cost := coalesce(app.ai_cost_eur(
        v_reservation.provider, v_reservation.model, (v_reservation.created_at at time zone 'UTC')::date,
        greatest(p_input_tokens, 0), greatest(p_cached_input_tokens, 0), greatest(p_cache_write_tokens, 0),
        greatest(p_output_tokens, 0)
    ), 0);
    update app.ai_budget_months as b
    set spent_eur = b.spent_eur + v_cost
    where b.org_id = v_reservation.org_id and b.month = v_reservation.month;
    update app.ai_reservations as r
    set settled_at = app.now(), cost_eur = v_cost
    where r.id = p_reservation_id;
    return v_cost;
end
$$;
comment on function app_private.ai_settle(uuid, integer, integer, integer, integer) is
'Settles a reservation with the call''s real usage (uncached input, cached input, cache writes, output) '
'and returns the cost in EUR; null when it was settled before.';
grant execute on function app_private.ai_settle(uuid, integer, integer, integer, integer) to svc_api;

-- ------------------------------------------------------------ the call log and the cache
create or replace function app_private.ai_log_call(
    p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text, p_call jsonb
) returns uuid
language sql
volatile
security definer
set search_path = ''
as $$
    insert into app.ai_calls (
        tenant_id, org_id, user_id, use_case, prompt_version, provider, model, tier, escalated, cached,
        input_tokens, output_tokens, cost_eur, latency_ms, confidence, outcome
    ) values (
        p_tenant_id, p_org_id, p_user_id, p_use_case, p_prompt_version,
        p_call ->> 'provider', p_call ->> 'model', p_call ->> 'tier',
        coalesce((p_call ->> 'escalated')::boolean, false), coalesce((p_call ->> 'cached')::boolean, false),
        coalesce((p_call ->> 'input_tokens')::integer, 0), coalesce((p_call ->> 'output_tokens')::integer, 0),
        coalesce((p_call ->> 'cost_eur')::numeric, 0), coalesce((p_call ->> 'latency_ms')::numeric, 0),
        round((p_call ->> 'confidence')::numeric, 4), p_call ->> 'outcome'
    )
    returning id
$$;
comment on function app_private.ai_log_call(uuid, uuid, uuid, text, text, jsonb) is
'Writes one row of the AI call log (provider, model, tier, escalated, cached, tokens, cost_eur, '
'latency_ms, confidence, outcome from p_call).';
grant execute on function app_private.ai_log_call(uuid, uuid, uuid, text, text, jsonb) to svc_api;

-- The start of a router call, in one round trip: the caller's threshold and the use case's newest
-- calibration, then the budget (at 110 % every call is refused, cached or not), then the cache,
-- then the reservation of the first provider call. A refusal or a cache hit is logged here.
create or replace function app_private.ai_begin(
    p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text,
    p_cache_key bytea, p_provider text, p_model text, p_tier text,
    p_max_input_tokens integer, p_max_output_tokens integer, p_latency_ms numeric
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_threshold numeric := (
        app.effective_setting('ai.routing.confidence.threshold', p_tenant_id, p_org_id, p_user_id) #>> '{}'
    )::numeric;
    v_calibration jsonb;
    v_state record;
    v_hit app.ai_cache;
    v_reservation jsonb;
    v_refused text;
begin
    select c.map into v_calibration
    from app.ai_calibrations as c
    where c.use_case = p_use_case and c.provider = p_provider and c.model = p_model and c.prompt_version = p_prompt_version
    order by c.created_at desc
    limit 1;

    -- A hit serves only when it would have been accepted for this caller: a large answer, or a
    -- small one at least as confident as the caller's threshold asks; and, like any call, only
    -- below 110 % of the budget. Without a hit, ai_reserve judges the budget itself, so each path
    -- reads the budget state once.
    if p_cache_key is not null then
        select c.* into v_hit
        from app.ai_cache as c
        where c.tenant_id = p_tenant_id and c.cache_key = p_cache_key and c.expires_at > app.now();
        if v_hit.tenant_id is not null and (v_hit.tier = 'large' or v_hit.confidence >= v_threshold) then
            select * into v_state from app_private.ai_budget_state(p_tenant_id, p_org_id, p_user_id) as s;
            if v_state.spent_eur + v_state.reserved_eur >= v_state.cap_eur * 1.1
                or v_state.user_used_eur >= v_state.user_cap_eur * 1.1 then
                v_refused := 'exhausted';
            else
                return jsonb_build_object(
                    'threshold', v_threshold,
                    'cached', jsonb_build_object(
                        'result', v_hit.result, 'confidence', v_hit.confidence, 'provider', v_hit.provider,
                        'model', v_hit.model, 'tier', v_hit.tier
                    ),
                    'call_id', app_private.ai_log_call(
                        p_tenant_id, p_org_id, p_user_id, p_use_case, p_prompt_version,
                        jsonb_build_object(
                            'provider', v_hit.provider, 'model', v_hit.model, 'tier', v_hit.tier, 'cached', true,
                            'latency_ms', p_latency_ms, 'confidence', v_hit.confidence, 'outcome', 'ok'
                        )
                    )
                );
            end if;
        end if;
    end if;

    if v_refused is null then
        v_reservation := app_private.ai_reserve(
            p_tenant_id, p_org_id, p_user_id, p_provider, p_model, p_tier, p_max_input_tokens, p_max_output_tokens
        );
        v_refused := v_reservation ->> 'refused';
    end if;
    if v_refused is not null then
        return jsonb_build_object(
            'threshold', v_threshold,
            'refused', v_refused,
            'call_id', app_private.ai_log_call(
                p_tenant_id, p_org_id, p_user_id, p_use_case, p_prompt_version,
                jsonb_build_object('latency_ms', p_latency_ms, 'outcome', 'budget_exhausted')
            )
        );
    end if;
    return jsonb_build_object('threshold', v_threshold, 'calibration', v_calibration, 'reservation', v_reservation);
end
$$;
comment on function app_private.ai_begin(
    uuid, uuid, uuid, text, text, bytea, text, text, text, integer, integer, numeric
) is
'Starts a router call: threshold and calibration, the budget, a cache hit (logged) or the reservation '
'of the first provider call (a refusal is logged).';
grant execute on function app_private.ai_begin(
    uuid, uuid, uuid, text, text, bytea, text, text, text, integer, integer, numeric
) to svc_api;

-- The end of a router call: settle its last reservation, log it, and cache a complete valid answer
-- of a cacheable use case for ai.cache.ttl. p_prior_cost_eur is what earlier hops already settled.
create or replace function app_private.ai_finish(
    p_tenant_id uuid, p_org_id uuid, p_user_id uuid, p_use_case text, p_prompt_version text,
    p_reservation_id uuid, p_usage jsonb, p_prior_cost_eur numeric, p_call jsonb, p_cache_key bytea, p_cached jsonb
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_cost numeric := coalesce(p_prior_cost_eur, 0);
    v_call_id uuid;
begin
    if p_reservation_id is not null then
        v_cost := v_cost + coalesce(app_private.ai_settle(
            p_reservation_id,
            coalesce((p_usage ->> 'input')::integer, 0), coalesce((p_usage ->> 'cached_input')::integer, 0),
            coalesce((p_usage ->> 'cache_write')::integer, 0), coalesce((p_usage ->> 'output')::integer, 0)
        ), 0);
    end if;
    v_call_id := app_private.ai_log_call(
        p_tenant_id, p_org_id, p_user_id, p_use_case, p_prompt_version,
        p_call || jsonb_build_object('cost_eur', v_cost)
    );
    if p_cache_key is not null and p_cached is not null then
        insert into app.ai_cache (
            tenant_id, cache_key, use_case, result, confidence, provider, model, tier, expires_at
        ) values (
            p_tenant_id, p_cache_key, p_use_case, p_cached -> 'result', round((p_cached ->> 'confidence')::numeric, 4),
            p_cached ->> 'provider', p_cached ->> 'model', p_cached ->> 'tier',
            app.now() + (app.effective_setting('ai.cache.ttl', p_tenant_id, null, null) #>> '{}')::interval
        )
        on conflict (tenant_id, cache_key) do update
        set
            result = excluded.result, confidence = excluded.confidence, provider = excluded.provider,
            model = excluded.model, tier = excluded.tier, created_at = app.now(), expires_at = excluded.expires_at;
    end if;
    return jsonb_build_object('call_id', v_call_id, 'cost_eur', v_cost);
end
$$;
comment on function app_private.ai_finish(
    uuid, uuid, uuid, text, text, uuid, jsonb, numeric, jsonb, bytea, jsonb
) is
'Ends a router call: settles its last reservation, logs the call with its total cost and caches a '
'complete valid answer.';
grant execute on function app_private.ai_finish(
    uuid, uuid, uuid, text, text, uuid, jsonb, numeric, jsonb, bytea, jsonb
) to svc_api;

-- The global settings each service process applies to itself (outbound rate, breaker cool-down).
create or replace function app_private.ai_process_settings() returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
    select jsonb_build_object(
        'rpm', (app.effective_setting('ai.provider.rpm', null, null, null) #>> '{}')::integer,
        'threshold', (app.effective_setting('ai.routing.confidence.threshold', null, null, null) #>> '{}')::numeric,
        'cooldown_seconds', extract(
            epoch from (app.effective_setting('ai.routing.demotion.cooldown', null, null, null) #>> '{}')::interval
        )
    )
$$;
comment on function app_private.ai_process_settings() is
'ai.provider.rpm, ai.routing.demotion.cooldown (in seconds) and the global confidence threshold.';
grant execute on function app_private.ai_process_settings() to svc_api;

-- The models with a price in effect today (the service refuses to start with any other).
create or replace function app_private.ai_priced_models() returns table (provider text, model text)
language sql
stable
security definer
set search_path = ''
as $$
    select distinct p.provider, p.model
    from app.ai_model_prices as p
    where p.valid_from <= (app.now() at time zone 'UTC')::date
$$;
comment on function app_private.ai_priced_models() is 'Models with a price in effect today.';
grant execute on function app_private.ai_priced_models() to svc_api;

-- What a call's usage costs today (freshplan ai calibrate reports it; it books nothing).
create or replace function app_private.ai_usage_cost(
    p_provider text, p_model text, p_input integer, p_cached_input integer, p_cache_write integer, p_output integer
) returns numeric
language sql
stable
security definer
set search_path = ''
as $$
    select app.ai_cost_eur(
        p_provider, p_model, (app.now() at time zone 'UTC')::date, p_input, p_cached_input, p_cache_write, p_output
    )
$$;
comment on function app_private.ai_usage_cost(text, text, integer, integer, integer, integer) is
'EUR of a usage (uncached input, cached input, cache writes, output) at today''s price of a model.';
grant execute on function app_private.ai_usage_cost(text, text, integer, integer, integer, integer) to svc_api;

-- ------------------------------------------------------------ calibration and housekeeping
create or replace function app_private.ai_store_calibration(
    p_use_case text, p_provider text, p_model text, p_prompt_version text, p_map jsonb, p_report jsonb
) returns uuid
language sql
volatile
security definer
set search_path = ''
as $$
    insert into app.ai_calibrations (use_case, provider, model, prompt_version, map, report)
    values (p_use_case, p_provider, p_model, p_prompt_version, p_map, p_report)
    returning id
$$;
comment on function app_private.ai_store_calibration(text, text, text, text, jsonb, jsonb) is
'Stores a fitted calibration map with its report (freshplan ai calibrate).';
grant execute on function app_private.ai_store_calibration(text, text, text, text, jsonb, jsonb) to svc_api;

create or replace function app_private.ai_housekeeping() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_cache integer;
    v_reservations integer;
begin
    delete from app.ai_cache as c where c.expires_at <= app.now();
    get diagnostics v_cache = row_count;
    -- the spend lives on in app.ai_budget_months and app.ai_calls; a reservation is only needed
    -- while its month (and the user cap of it) can still be charged
    delete from app.ai_reservations as r
    where r.month < (date_trunc('month', app.now() at time zone 'UTC') - interval '1 month')::date;
    get diagnostics v_reservations = row_count;
    return jsonb_build_object('cache_entries_deleted', v_cache, 'reservations_deleted', v_reservations);
end
$$;
comment on function app_private.ai_housekeeping() is
'Deletes expired AI cache entries and reservations older than last month (scheduled job ai_housekeeping).';

-- ------------------------------------------------------------ api views
create or replace view api.ai_calls
with (security_invoker = true)
as
select
    c.id,
    c.occurred_at,
    c.user_id,
    c.org_id,
    c.use_case,
    c.provider,
    c.model,
    c.tier,
    c.escalated,
    c.cached,
    c.input_tokens,
    c.output_tokens,
    c.cost_eur,
    c.latency_ms,
    c.outcome
from app.ai_calls as c;
comment on view api.ai_calls is
'The AI call log (SPEC 7.4): reps see their own calls, managers, auditors and admins their tenant''s.';
comment on column api.ai_calls.id is 'Call id (call_id of the answer).';
comment on column api.ai_calls.occurred_at is 'When the call ended.';
comment on column api.ai_calls.user_id is 'Caller.';
comment on column api.ai_calls.org_id is 'Organisation whose budget paid.';
comment on column api.ai_calls.use_case is 'Use case.';
comment on column api.ai_calls.provider is 'Provider that served the answer, or null.';
comment on column api.ai_calls.model is 'Model that served the answer, or null.';
comment on column api.ai_calls.tier is 'small or large.';
comment on column api.ai_calls.escalated is 'The small answer was not confident enough; the large model answered.';
comment on column api.ai_calls.cached is 'Answered from the cache, at no cost.';
comment on column api.ai_calls.input_tokens is 'Input tokens of all provider calls.';
comment on column api.ai_calls.output_tokens is 'Output tokens of all provider calls.';
comment on column api.ai_calls.cost_eur is 'EUR charged.';
comment on column api.ai_calls.latency_ms is 'Milliseconds until the answer.';
comment on column api.ai_calls.outcome is 'ok, budget_exhausted, unavailable or no_answer.';
grant select on api.ai_calls to sales_rep, sales_manager, auditor, tenant_admin;

-- The current month of every visible organisation, and every month with spend.
create or replace view api.ai_budget
with (security_invoker = true)
as
with months as (
    select
        o.id as org_id,
        o.tenant_id,
        app.ai_month(o.tenant_id, app.now()) as month
    from app.orgs as o
    where
        o.tenant_id = (select app.current_tenant_id())
        and ((select app.current_web_role()) <> 'sales_rep' or o.id = (select app.current_org_id()))
    union
    select
        b.org_id,
        b.tenant_id,
        b.month
    from app.ai_budget_months as b
)

select
    m.org_id,
    m.month,
    (app.effective_setting('ai.budget.monthly.cap', m.tenant_id, m.org_id, null) #>> '{}')::numeric as cap_eur,
    coalesce(b.spent_eur, 0) as spent_eur,
    coalesce((
        select sum(r.amount_eur)
        from app.ai_reservations as r
        where r.org_id = m.org_id and r.month = m.month and r.settled_at is null and r.expires_at > app.now()
    ), 0) as reserved_eur
from months as m
left join app.ai_budget_months as b on m.org_id = b.org_id and m.month = b.month;
comment on view api.ai_budget is
'AI spend per organisation and month against the cap (SPEC 7.4): a rep sees their organisation, '
'managers, auditors and admins every organisation of the tenant.';
comment on column api.ai_budget.org_id is 'Organisation.';
comment on column api.ai_budget.month is 'First day of the month (tenant time zone).';
comment on column api.ai_budget.cap_eur is 'ai.budget.monthly.cap of the organisation.';
comment on column api.ai_budget.spent_eur is 'EUR settled.';
comment on column api.ai_budget.reserved_eur is 'EUR held by calls in flight.';
grant select on api.ai_budget to sales_rep, sales_manager, auditor, tenant_admin;
