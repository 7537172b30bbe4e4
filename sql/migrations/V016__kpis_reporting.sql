-- KPIs and reporting (SPEC 9, first part): daily snapshots per tenant and weekly figures per rep,
-- written by pg_cron (today's kept current), so that no dashboard, scrape or analyst query counts the
-- 1M-lead tables; the analysts' logins and the tenant each is bound to. Structure only; the functions,
-- api.kpi_daily and the reporting views live in R__88_kpis.sql and R__89_reporting.sql. Frozen once on
-- main: change it with a new V file.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

create table app.kpi_daily (
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    day date not null,
    leads_active integer,
    leads_grace integer,
    leads_expired integer,
    leads_unassigned integer,
    registrations integer not null default 0,
    expiries integer not null default 0,
    releases integer not null default 0,
    holds_by_reason jsonb not null default '{}',
    feedback_links_sent integer not null default 0,
    feedback_answered integer not null default 0,
    ai_calls_small integer not null default 0,
    ai_calls_large integer not null default 0,
    ai_cache_hits integer not null default 0,
    ai_cost_eur numeric(14, 4) not null default 0,
    credit_calls integer not null default 0,
    credit_p50_ms numeric(12, 3),
    credit_p95_ms numeric(12, 3),
    job_backlog jsonb not null default '{}',
    computed_at timestamptz not null,
    final boolean not null default false,
    primary key (tenant_id, day),
    constraint kpi_daily_holds_object check (jsonb_typeof(holds_by_reason) = 'object'),
    constraint kpi_daily_backlog_object check (jsonb_typeof(job_backlog) = 'object')
);
comment on table app.kpi_daily is
'One row per tenant and day (the tenant''s time zone): lead counts by status as last taken that day, the '
'day''s events, and the state of holds and the job queue. Written by app_private.snapshot_kpis (pg_cron).';
comment on column app.kpi_daily.tenant_id is 'Tenant.';
comment on column app.kpi_daily.day is 'The day, in the tenant''s time zone (tenant.timezone).';
comment on column app.kpi_daily.leads_active is 'Leads ACTIVE at the last snapshot of the day; null: none was taken.';
comment on column app.kpi_daily.leads_grace is 'Leads in GRACE at the last snapshot of the day.';
comment on column app.kpi_daily.leads_expired is 'Leads EXPIRED (released, not claimed again) at the last snapshot.';
comment on column app.kpi_daily.leads_unassigned is 'Leads UNASSIGNED (never owned) at the last snapshot.';
comment on column app.kpi_daily.registrations is 'Protection cycles opened that day by a registration or a claim.';
comment on column app.kpi_daily.expiries is 'Protection cycles that ended that day because protection expired.';
comment on column app.kpi_daily.releases is 'Protection cycles closed that day for any reason (expiry or transfer).';
comment on column app.kpi_daily.holds_by_reason is
'Approved holds running at the snapshot (at the day''s end once final), by reason.';
comment on column app.kpi_daily.feedback_links_sent is 'Feedback links created that day.';
comment on column app.kpi_daily.feedback_answered is 'Feedback submissions received that day.';
comment on column app.kpi_daily.ai_calls_small is 'AI calls answered by a small model that day (cache hits apart).';
comment on column app.kpi_daily.ai_calls_large is 'AI calls answered by a large model that day (cache hits apart).';
comment on column app.kpi_daily.ai_cache_hits is 'AI router calls answered from the cache that day.';
comment on column app.kpi_daily.ai_cost_eur is 'EUR charged for AI calls that day.';
comment on column app.kpi_daily.credit_calls is 'Calls to Allianz Trade that day.';
comment on column app.kpi_daily.credit_p50_ms is 'Their median duration (ms).';
comment on column app.kpi_daily.credit_p95_ms is 'Their 95th percentile duration (ms).';
comment on column app.kpi_daily.job_backlog is
'Jobs of the tenant waiting or running at the snapshot, by kind (today only).';
comment on column app.kpi_daily.computed_at is 'When the row was last computed.';
comment on column app.kpi_daily.final is 'Whether the day is over and its events were counted in full.';
alter table app.kpi_daily enable row level security;
create policy select_tenant on app.kpi_daily
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.kpi_daily is 'Managers, auditors and admins read their tenant''s KPIs.';
grant select on app.kpi_daily to sales_manager, auditor, tenant_admin;

insert into app.job_heartbeats (job_name, schedule, description) values
('kpi_snapshot', '*/10 * * * *', 'Keeps today''s KPI snapshot of every tenant current and closes yesterday''s.');

-- ------------------------------------------------------------ per rep and week
create table app.kpi_rep_weekly (
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    week date not null,
    rep_id uuid not null references app.users (id) on delete cascade,
    registrations integer not null default 0,
    qualifying_activities integer not null default 0,
    expiries integer not null default 0,
    computed_at timestamptz not null,
    primary key (tenant_id, week, rep_id),
    constraint kpi_rep_weekly_monday check (extract(isodow from week) = 1)
);
comment on table app.kpi_rep_weekly is
'Per rep and ISO week (the tenant''s time zone): registrations, qualifying activities logged and expiries of '
'the rep''s protection cycles. Written with the daily snapshot; no names, no contact data.';
comment on column app.kpi_rep_weekly.tenant_id is 'Tenant.';
comment on column app.kpi_rep_weekly.week is 'The Monday of the week.';
comment on column app.kpi_rep_weekly.rep_id is 'The rep (the cycle''s owner), by id only.';
comment on column app.kpi_rep_weekly.registrations is 'Protection cycles the rep opened by a registration or claim.';
comment on column app.kpi_rep_weekly.qualifying_activities is
'Activities of a progress kind logged in the rep''s cycles.';
comment on column app.kpi_rep_weekly.expiries is 'The rep''s cycles that ended by expiry.';
comment on column app.kpi_rep_weekly.computed_at is 'When the row was last computed.';
create index kpi_rep_weekly_rep_idx on app.kpi_rep_weekly (rep_id);
alter table app.kpi_rep_weekly enable row level security;
-- read by analysts only, through the reporting views' definer functions

-- ------------------------------------------------------------ analysts
-- One login per analyst (freshplan analyst create), a member of reporting_reader, bound to one tenant:
-- the reporting views show that tenant's rows only (app_private.analyst_tenant, by session_user, which
-- no SET ROLE changes).
create table app.analysts (
    role_name text primary key,
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    created_at timestamptz not null default pg_catalog.clock_timestamp(),
    constraint analysts_role_name_format check (role_name ~ '^[a-z][a-z0-9_]{2,39}$')
);
comment on table app.analysts is 'Analyst logins (database roles in reporting_reader) and the tenant each may read.';
comment on column app.analysts.role_name is 'The login role.';
comment on column app.analysts.tenant_id is 'The one tenant whose reporting rows it sees.';
comment on column app.analysts.created_at is 'When it was created.';
create index analysts_tenant_idx on app.analysts (tenant_id);
alter table app.analysts enable row level security;
-- nobody reads it but the definer functions

insert into app.settings_registry (key, allowed_scopes, default_value, json_schema, merge_strategy, description)
values (
    'reporting.maxQuerySeconds', '{global}', '120',
    '{"type": "number", "minimum": 1, "maximum": 86400}', 'replace',
    'The longest an analyst''s query runs: its statement_timeout, and the watchdog cancels any that runs longer.'
);

insert into app.job_heartbeats (job_name, schedule, description) values
('analyst_watchdog', '* * * * *', 'Cancels analyst queries running longer than reporting.maxQuerySeconds.');
