-- The AI router (SPEC 7): model prices, budgets with reservations, the answer cache, the call log
-- and the calibration maps. Structure only: tables, constraints, indexes, policies, grants and
-- reference rows. Frozen once on main: change it with a new V file. The functions and views live in
-- R__80_ai.sql.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- ------------------------------------------------------------ prices (USD per million tokens)
-- Effective-dated: the price of a call is the row with the latest valid_from on or before the
-- call's day. A configured model without a row is refused when the service starts.
create table app.ai_model_prices (
    provider text not null,
    model text not null,
    valid_from date not null,
    usd_input_per_mtok numeric(12, 6) not null,
    usd_cached_input_per_mtok numeric(12, 6) not null,
    usd_cache_write_per_mtok numeric(12, 6) not null,
    usd_output_per_mtok numeric(12, 6) not null,
    source text not null,
    primary key (provider, model, valid_from),
    constraint ai_model_prices_provider_known check (provider in ('openai', 'anthropic')),
    constraint ai_model_prices_model_format check (model ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
    constraint ai_model_prices_not_negative check (
        usd_input_per_mtok >= 0 and usd_cached_input_per_mtok >= 0
        and usd_cache_write_per_mtok >= 0 and usd_output_per_mtok >= 0
    ),
    constraint ai_model_prices_source_length check (char_length(source) between 1 and 500)
);
comment on table app.ai_model_prices is
'List prices of the AI models in USD per million tokens, effective from a day (SPEC 7.4).';
comment on column app.ai_model_prices.provider is 'openai or anthropic.';
comment on column app.ai_model_prices.model is 'Model id as the provider names it.';
comment on column app.ai_model_prices.valid_from is 'First day (UTC) the price applies.';
comment on column app.ai_model_prices.usd_input_per_mtok is 'USD per million uncached input tokens.';
comment on column app.ai_model_prices.usd_cached_input_per_mtok is
'USD per million input tokens read from the provider''s prompt cache.';
comment on column app.ai_model_prices.usd_cache_write_per_mtok is
'USD per million input tokens written to the provider''s prompt cache.';
comment on column app.ai_model_prices.usd_output_per_mtok is 'USD per million output tokens (reasoning included).';
comment on column app.ai_model_prices.source is 'Where the price was read, and when.';

alter table app.ai_model_prices enable row level security;
create policy select_all on app.ai_model_prices
for select to svc_api, sales_manager, auditor, tenant_admin
using (true);
comment on policy select_all on app.ai_model_prices is 'The price list is the same for everybody who may see costs.';
grant select on app.ai_model_prices to svc_api, sales_manager, auditor, tenant_admin;

insert into app.ai_model_prices (
    provider, model, valid_from, usd_input_per_mtok, usd_cached_input_per_mtok, usd_cache_write_per_mtok,
    usd_output_per_mtok, source
) values
('openai', 'gpt-6-luna', '2026-09-22', 0.10, 0.01, 0.10, 0.50, 'developers.openai.com model page, read 2026-10'),
('openai', 'gpt-6.1-sol', '2026-09-29', 2.00, 0.10, 2.00, 10.00, 'OpenAI pricing, read 2026-10'),
('openai', 'gpt-6.1-terra', '2026-10-26', 1.00, 0.05, 1.00, 5.00, 'OpenAI pricing, read 2026-10'),
('anthropic', 'claude-haiku-5-5', '2026-10-07', 0.10, 0.01, 0.125, 0.50, 'platform.claude.com pricing, read 2026-10'),
('anthropic', 'claude-sonnet-5-5', '2026-10-07', 2.00, 0.10, 2.50, 10.00, 'platform.claude.com pricing, read 2026-10');

-- ------------------------------------------------------------ settings (SPEC 7.4)
insert into app.settings_registry (key, allowed_scopes, default_value, json_schema, merge_strategy, description)
values
(
    'ai.routing.confidence.threshold', '{global,tenant,org,user}', '0.7',
    '{"type": "number", "minimum": 0, "maximum": 1}', 'replace',
    'Calibrated confidence below which a small model''s answer is escalated to the large model.'
),
(
    'ai.budget.monthly.cap', '{global,tenant,org}', '1000',
    '{"type": "number", "minimum": 0, "maximum": 1000000}', 'replace',
    'EUR an organisation may spend on AI calls per calendar month (tenant time zone).'
),
(
    'ai.budget.user.monthly.cap', '{global,tenant,org,user}', 'null',
    '{"type": ["number", "null"], "minimum": 0, "maximum": 1000000}', 'replace',
    'EUR one user may spend on AI calls per calendar month; null: no cap of its own.'
),
(
    'ai.fx.usdEur', '{global}', '0.92',
    '{"type": "number", "minimum": 0.1, "maximum": 10}', 'replace',
    'EUR per USD, used to convert the USD price list.'
),
(
    'ai.cache.ttl', '{global,tenant}', '"PT8H"',
    '{"type": "string", "format": "iso8601-duration"}', 'replace',
    'How long a cached answer of a deterministic use case is served (ISO 8601 duration).'
),
(
    'ai.routing.demotion.cooldown', '{global}', '"PT30M"',
    '{"type": "string", "format": "iso8601-duration"}', 'replace',
    'Longest wait before an open circuit breaker lets a provider try again (ISO 8601 duration).'
),
(
    'ai.provider.rpm', '{global}', '500',
    '{"type": "integer", "minimum": 1, "maximum": 100000}', 'replace',
    'Outbound calls per minute to one AI provider from one service process.'
);

-- ------------------------------------------------------------ budgets
-- One row per organisation and month (tenant time zone): the settled spend. Reservations lock it,
-- so no two calls of an organisation can both see room that only one of them fits into.
create table app.ai_budget_months (
    org_id uuid not null,
    tenant_id uuid not null,
    month date not null,
    spent_eur numeric(14, 8) not null default 0,
    primary key (org_id, month),
    constraint ai_budget_months_org_fkey foreign key (org_id, tenant_id)
    references app.orgs (id, tenant_id) on delete cascade,
    constraint ai_budget_months_first_day check (extract(day from month) = 1),
    constraint ai_budget_months_spent_not_negative check (spent_eur >= 0)
);
comment on table app.ai_budget_months is 'Settled AI spend of an organisation in a calendar month.';
comment on column app.ai_budget_months.org_id is 'Organisation.';
comment on column app.ai_budget_months.tenant_id is 'Tenant of the organisation.';
comment on column app.ai_budget_months.month is 'First day of the month (tenant time zone).';
comment on column app.ai_budget_months.spent_eur is 'EUR settled for calls in this month.';
create index ai_budget_months_tenant_idx on app.ai_budget_months (tenant_id, month);
create index ai_budget_months_org_tenant_idx on app.ai_budget_months (org_id, tenant_id);

-- A reservation holds the worst case of one provider call (its input bound and max_tokens at the
-- model's prices) until the call is settled with its real usage, or until it expires (a crashed
-- call): only live reservations count against a cap.
create table app.ai_reservations (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null,
    org_id uuid not null,
    user_id uuid not null references app.users (id) on delete cascade,
    month date not null,
    provider text not null,
    model text not null,
    amount_eur numeric(14, 8) not null,
    created_at timestamptz not null default app.now(),
    expires_at timestamptz not null,
    settled_at timestamptz,
    cost_eur numeric(14, 8),
    constraint ai_reservations_org_fkey foreign key (org_id, tenant_id)
    references app.orgs (id, tenant_id) on delete cascade,
    constraint ai_reservations_amount_not_negative check (amount_eur >= 0),
    constraint ai_reservations_settled_consistent check ((settled_at is null) = (cost_eur is null))
);
comment on table app.ai_reservations is
'Worst-case cost of one provider call, held against the budgets until the call is settled or expires.';
comment on column app.ai_reservations.id is 'Reservation id.';
comment on column app.ai_reservations.tenant_id is 'Tenant.';
comment on column app.ai_reservations.org_id is 'Organisation whose budget is charged.';
comment on column app.ai_reservations.user_id is 'User whose call it is.';
comment on column app.ai_reservations.month is 'Budget month (first day, tenant time zone).';
comment on column app.ai_reservations.provider is 'Provider called.';
comment on column app.ai_reservations.model is 'Model called.';
comment on column app.ai_reservations.amount_eur is 'EUR held: the call''s worst case.';
comment on column app.ai_reservations.created_at is 'When it was made.';
comment on column app.ai_reservations.expires_at is 'When an unsettled reservation stops counting (10 minutes).';
comment on column app.ai_reservations.settled_at is 'When the call''s real cost was booked.';
comment on column app.ai_reservations.cost_eur is 'The real cost, once settled.';
create index ai_reservations_live_idx on app.ai_reservations (org_id, month) where settled_at is null;
create index ai_reservations_user_month_idx on app.ai_reservations (user_id, month);
create index ai_reservations_tenant_idx on app.ai_reservations (tenant_id);
create index ai_reservations_org_tenant_idx on app.ai_reservations (org_id, tenant_id);

alter table app.ai_budget_months enable row level security;
alter table app.ai_reservations enable row level security;

create policy select_own_org on app.ai_budget_months
for select to sales_rep
using (org_id = (select app.current_org_id()) and tenant_id = (select app.current_tenant_id()));
comment on policy select_own_org on app.ai_budget_months is 'A rep sees the budget of their own organisation.';
create policy select_tenant on app.ai_budget_months
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.ai_budget_months is
'Managers, auditors and admins see every organisation of their tenant.';

create policy select_own_org on app.ai_reservations
for select to sales_rep
using (org_id = (select app.current_org_id()) and tenant_id = (select app.current_tenant_id()));
comment on policy select_own_org on app.ai_reservations is 'A rep sees what is reserved in their own organisation.';
create policy select_tenant on app.ai_reservations
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.ai_reservations is
'Managers, auditors and admins see the reservations of their tenant.';

grant select on app.ai_budget_months, app.ai_reservations to sales_rep, sales_manager, auditor, tenant_admin;

-- ------------------------------------------------------------ the call log
-- One row per router call, cached or not, failed or not. Never the prompt, never personal data.
create table app.ai_calls (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null,
    org_id uuid not null,
    user_id uuid not null references app.users (id) on delete cascade,
    occurred_at timestamptz not null default app.now(),
    use_case text not null,
    prompt_version text not null,
    provider text,
    model text,
    tier text,
    escalated boolean not null default false,
    cached boolean not null default false,
    input_tokens integer not null default 0,
    output_tokens integer not null default 0,
    cost_eur numeric(14, 8) not null default 0,
    latency_ms numeric(10, 2) not null,
    confidence numeric(5, 4),
    outcome text not null,
    constraint ai_calls_org_fkey foreign key (org_id, tenant_id)
    references app.orgs (id, tenant_id) on delete cascade,
    constraint ai_calls_use_case_known check (use_case in (
        'lead_classify', 'email_categorize', 'contact_role_detect', 'help_draft',
        'roi_recommend', 'multi_contact_strategy', 'sample_product_match', 'seasonal_optimize'
    )),
    constraint ai_calls_prompt_version_format check (prompt_version ~ '^[a-z0-9._-]{1,40}$'),
    constraint ai_calls_provider_known check (provider in ('openai', 'anthropic')),
    constraint ai_calls_model_format check (model ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
    constraint ai_calls_tier_known check (tier in ('small', 'large')),
    constraint ai_calls_tokens_not_negative check (input_tokens >= 0 and output_tokens >= 0),
    constraint ai_calls_cost_not_negative check (cost_eur >= 0),
    constraint ai_calls_latency_not_negative check (latency_ms >= 0),
    constraint ai_calls_confidence_range check (confidence between 0 and 1),
    constraint ai_calls_outcome_known check (outcome in (
        'ok', 'budget_exhausted', 'unavailable', 'no_answer'
    ))
);
comment on table app.ai_calls is
'Every call of the AI router (SPEC 7.4): what ran where, its tokens, cost, latency and outcome; '
'no prompt text and no personal data.';
comment on column app.ai_calls.id is 'Call id (the call_id of the answer).';
comment on column app.ai_calls.tenant_id is 'Tenant.';
comment on column app.ai_calls.org_id is 'Organisation whose budget paid.';
comment on column app.ai_calls.user_id is 'Caller.';
comment on column app.ai_calls.occurred_at is 'When the call ended.';
comment on column app.ai_calls.use_case is 'Use case (SPEC 7.2).';
comment on column app.ai_calls.prompt_version is 'Version of the prompt template used.';
comment on column app.ai_calls.provider is 'Provider that served the answer (null: none did).';
comment on column app.ai_calls.model is 'Model that served the answer (null: none did).';
comment on column app.ai_calls.tier is 'small or large: the tier that served the answer.';
comment on column app.ai_calls.escalated is
'True when a small answer was not confident enough and the large model was asked.';
comment on column app.ai_calls.cached is 'True when the answer came from the cache (no provider call, no cost).';
comment on column app.ai_calls.input_tokens is 'Input tokens over all provider calls of this router call.';
comment on column app.ai_calls.output_tokens is 'Output tokens over all provider calls of this router call.';
comment on column app.ai_calls.cost_eur is 'EUR charged to the budget.';
comment on column app.ai_calls.latency_ms is 'Milliseconds from request to answer.';
comment on column app.ai_calls.confidence is 'Calibrated confidence of the answer (small-first use cases).';
comment on column app.ai_calls.outcome is
'ok, budget_exhausted (402), unavailable (no provider answered) or no_answer (no valid answer).';
create index ai_calls_tenant_occurred_idx on app.ai_calls (tenant_id, occurred_at desc);
create index ai_calls_user_occurred_idx on app.ai_calls (user_id, occurred_at desc);
create index ai_calls_org_tenant_idx on app.ai_calls (org_id, tenant_id);

alter table app.ai_calls enable row level security;
create policy select_own on app.ai_calls
for select to sales_rep
using (user_id = (select app.current_user_id()) and tenant_id = (select app.current_tenant_id()));
comment on policy select_own on app.ai_calls is 'A rep sees their own AI calls.';
create policy select_tenant on app.ai_calls
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.ai_calls is 'Managers, auditors and admins see every AI call of their tenant.';
grant select on app.ai_calls to sales_rep, sales_manager, auditor, tenant_admin;

-- ------------------------------------------------------------ the answer cache
-- Exact-match answers of the deterministic use cases, per tenant. The key is the SHA-256 of the
-- masked, normalised request, so the cache never holds personal data. Only the service reads and
-- writes it (through app_private functions); no web role has any policy.
create table app.ai_cache (
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    cache_key bytea not null,
    use_case text not null,
    result jsonb not null,
    confidence numeric(5, 4),
    provider text not null,
    model text not null,
    tier text not null,
    created_at timestamptz not null default app.now(),
    expires_at timestamptz not null,
    primary key (tenant_id, cache_key),
    constraint ai_cache_key_length check (octet_length(cache_key) = 32),
    constraint ai_cache_use_case_cacheable check (
        use_case in ('lead_classify', 'email_categorize', 'contact_role_detect')
    ),
    constraint ai_cache_tier_known check (tier in ('small', 'large')),
    constraint ai_cache_confidence_range check (confidence between 0 and 1)
);
comment on table app.ai_cache is
'Complete, valid answers of lead_classify, email_categorize and contact_role_detect, by the SHA-256 of '
'the masked request, per tenant (SPEC 7.4).';
comment on column app.ai_cache.tenant_id is 'Tenant; tenants never share an entry.';
comment on column app.ai_cache.cache_key is
'SHA-256 of use case, prompt version, provider, model and the masked input.';
comment on column app.ai_cache.use_case is 'Use case.';
comment on column app.ai_cache.result is 'The answer''s result object.';
comment on column app.ai_cache.confidence is 'Its calibrated confidence (small answers).';
comment on column app.ai_cache.provider is 'Provider that answered.';
comment on column app.ai_cache.model is 'Model that answered.';
comment on column app.ai_cache.tier is 'Tier that answered.';
comment on column app.ai_cache.created_at is 'When it was stored.';
comment on column app.ai_cache.expires_at is 'When it stops being served (ai.cache.ttl after created_at).';
create index ai_cache_expires_idx on app.ai_cache (expires_at);
alter table app.ai_cache enable row level security;

-- ------------------------------------------------------------ calibrations (SPEC 7.5)
create table app.ai_calibrations (
    id uuid primary key default gen_random_uuid(),
    use_case text not null,
    provider text not null,
    model text not null,
    prompt_version text not null,
    created_at timestamptz not null default app.now(),
    map jsonb not null,
    report jsonb not null,
    constraint ai_calibrations_use_case_small_first check (
        use_case in ('lead_classify', 'email_categorize', 'contact_role_detect', 'help_draft')
    ),
    constraint ai_calibrations_provider_known check (provider in ('openai', 'anthropic')),
    constraint ai_calibrations_map_shape check (
        jsonb_typeof(map -> 'x') = 'array' and jsonb_typeof(map -> 'y') = 'array'
        and jsonb_array_length(map -> 'x') = jsonb_array_length(map -> 'y')
        and jsonb_array_length(map -> 'x') > 0
    ),
    constraint ai_calibrations_report_object check (jsonb_typeof(report) = 'object')
);
comment on table app.ai_calibrations is
'Isotonic maps from a small model''s raw confidence to the probability that its answer is right, '
'fitted by freshplan ai calibrate; the router uses the newest per use case, provider, model and prompt version.';
comment on column app.ai_calibrations.id is 'Calibration id.';
comment on column app.ai_calibrations.use_case is 'Use case.';
comment on column app.ai_calibrations.provider is 'Provider of the small model.';
comment on column app.ai_calibrations.model is 'Small model id.';
comment on column app.ai_calibrations.prompt_version is 'Prompt version the map was fitted with.';
comment on column app.ai_calibrations.created_at is 'When it was fitted.';
comment on column app.ai_calibrations.map is 'Breakpoints {"x": [raw], "y": [probability]} of the non-decreasing map.';
comment on column app.ai_calibrations.report is
'Items, accuracies, escalation rate, cascade accuracy and calibration error.';
create index ai_calibrations_lookup_idx
on app.ai_calibrations (use_case, provider, model, prompt_version, created_at desc);
alter table app.ai_calibrations enable row level security;
create policy select_all on app.ai_calibrations
for select to svc_api, sales_manager, auditor, tenant_admin
using (true);
comment on policy select_all on app.ai_calibrations is
'Calibrations concern models, not tenants: readable by the service and by who sees AI costs.';
grant select on app.ai_calibrations to svc_api, sales_manager, auditor, tenant_admin;

-- Housekeeping: expired cache entries and old reservations.
insert into app.job_heartbeats (job_name, schedule, description) values
('ai_housekeeping', '25 * * * *', 'Deletes expired AI cache entries and reservations of past months.');
