-- Allianz Trade credit checks and limit requests (SPEC 8.3), and the latency of every connector
-- call. Structure only: tables, constraints, indexes, policies, grants and reference rows. Frozen
-- once on main: change it with a new V file. The functions and views live in R__85_connectors.sql.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

insert into app.connectors (connector, description) values
('allianz', 'Allianz Trade: company grades (credit checks) and credit limit requests.');

-- ------------------------------------------------------------ credit checks
-- One row per grade Allianz Trade gave us for a lead's company (or is still working on). A GRADED
-- row is reused for 8 hours for every lead of the tenant with the same company; the service makes
-- at most one upstream lookup per tenant and company at a time (an advisory lock, so it holds
-- across service processes).
create table app.credit_checks (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    company_id text,
    company_name text,
    status text not null,
    grade text,
    allianz_job_id text,
    checked_at timestamptz not null default pg_catalog.clock_timestamp(),
    valid_until timestamptz,
    requested_by uuid references app.users (id) on delete set null,
    reused_from uuid references app.credit_checks (id) on delete set null,
    constraint credit_checks_status_known check (status in ('GRADED', 'PENDING', 'FAILED')),
    constraint credit_checks_company_id_format check (company_id ~ '^[A-Za-z0-9_-]{1,40}$'),
    constraint credit_checks_company_name_length check (char_length(company_name) between 1 and 300),
    constraint credit_checks_grade_format check (grade ~ '^[A-Za-z0-9.+-]{1,10}$'),
    constraint credit_checks_allianz_job_id_format check (allianz_job_id ~ '^[A-Za-z0-9_-]{1,100}$'),
    constraint credit_checks_graded check ((status = 'GRADED') = (grade is not null)),
    constraint credit_checks_pending check (status <> 'PENDING' or allianz_job_id is not null)
);
comment on table app.credit_checks is
'Credit checks of leads'' companies at Allianz Trade (POST /api/credit-checks); reused for 8 hours.';
comment on column app.credit_checks.id is 'Check id.';
comment on column app.credit_checks.tenant_id is 'Tenant.';
comment on column app.credit_checks.lead_id is 'Lead whose company was checked.';
comment on column app.credit_checks.company_id is 'Allianz Trade''s companyId.';
comment on column app.credit_checks.company_name is 'The company''s name as Allianz Trade knows it.';
comment on column app.credit_checks.status is
'GRADED (grade known), PENDING (Allianz Trade is still grading; the next check resumes it) or FAILED.';
comment on column app.credit_checks.grade is 'The grade Allianz Trade gave (its scale).';
comment on column app.credit_checks.allianz_job_id is 'The grade request''s job at Allianz Trade.';
comment on column app.credit_checks.checked_at is 'When the answer came.';
comment on column app.credit_checks.valid_until is 'Until when Allianz Trade vouches for the grade, if it says.';
comment on column app.credit_checks.requested_by is 'Who asked.';
comment on column app.credit_checks.reused_from is
'The check of another lead of the same company whose grade this one reuses (no upstream call).';
create index credit_checks_lead_idx on app.credit_checks (lead_id, checked_at desc);
create index credit_checks_company_idx on app.credit_checks (tenant_id, company_id, checked_at desc);
create index credit_checks_requested_by_idx on app.credit_checks (requested_by);
create index credit_checks_reused_from_idx on app.credit_checks (reused_from);

-- ------------------------------------------------------------ limit requests
create table app.credit_limit_requests (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    check_id uuid not null references app.credit_checks (id) on delete cascade,
    company_id text not null,
    amount_eur numeric(14, 2) not null,
    state text not null default 'REQUESTED',
    allianz_job_id text,
    submission_started_at timestamptz,
    polls integer not null default 0,
    agreed_eur numeric(14, 2),
    decision text,
    last_error text,
    requested_by uuid references app.users (id) on delete set null,
    requested_at timestamptz not null default pg_catalog.clock_timestamp(),
    decided_at timestamptz,
    constraint credit_limit_requests_amount_range check (amount_eur > 0 and amount_eur <= 100000000),
    constraint credit_limit_requests_state_known check (
        state in ('REQUESTED', 'PENDING', 'AGREED', 'PARTIAL', 'REFUSED', 'FAILED')
    ),
    constraint credit_limit_requests_company_id_format check (company_id ~ '^[A-Za-z0-9_-]{1,40}$'),
    constraint credit_limit_requests_job_format check (allianz_job_id ~ '^[A-Za-z0-9_-]{1,100}$'),
    constraint credit_limit_requests_decision_length check (char_length(decision) <= 100),
    constraint credit_limit_requests_last_error_length check (char_length(last_error) <= 2000),
    constraint credit_limit_requests_decided check (
        (state in ('AGREED', 'PARTIAL', 'REFUSED', 'FAILED')) = (decided_at is not null)
    )
);
comment on table app.credit_limit_requests is
'Credit limit requests at Allianz Trade (POST /api/credit-checks/{id}/limit-request), polled by job allianz.limit.';
comment on column app.credit_limit_requests.id is 'Request id.';
comment on column app.credit_limit_requests.tenant_id is 'Tenant.';
comment on column app.credit_limit_requests.lead_id is 'Lead.';
comment on column app.credit_limit_requests.check_id is 'The credit check it follows.';
comment on column app.credit_limit_requests.company_id is 'Allianz Trade''s companyId.';
comment on column app.credit_limit_requests.amount_eur is 'Requested limit in EUR.';
comment on column app.credit_limit_requests.state is
'REQUESTED (queued), PENDING (Allianz Trade decides), AGREED, PARTIAL, REFUSED or FAILED.';
comment on column app.credit_limit_requests.allianz_job_id is 'Allianz Trade''s job id of the request.';
comment on column app.credit_limit_requests.submission_started_at is
'When the worker first sent it: a request whose answer was lost is not sent twice (FAILED, for a human).';
comment on column app.credit_limit_requests.polls is 'How often the job was polled.';
comment on column app.credit_limit_requests.agreed_eur is 'Agreed limit in EUR (0 when refused).';
comment on column app.credit_limit_requests.decision is 'Allianz Trade''s decision code (e.g. Agreed).';
comment on column app.credit_limit_requests.last_error is 'Why it FAILED, or the last temporary error.';
comment on column app.credit_limit_requests.requested_by is 'Who asked (and is notified of the decision).';
comment on column app.credit_limit_requests.requested_at is 'When.';
comment on column app.credit_limit_requests.decided_at is 'When the decision (or the failure) came.';
create index credit_limit_requests_check_idx on app.credit_limit_requests (check_id, requested_at desc);
create index credit_limit_requests_lead_idx on app.credit_limit_requests (lead_id);
create index credit_limit_requests_tenant_idx on app.credit_limit_requests (tenant_id);
create index credit_limit_requests_requested_by_idx on app.credit_limit_requests (requested_by);

-- ------------------------------------------------------------ connector call latency
-- Every upstream call of a connector, for credit_check_p95_ms and the like (SPEC 8.3, 9).
create table app.connector_calls (
    id bigint generated always as identity primary key,
    tenant_id uuid references app.tenants (id) on delete cascade,
    connector text not null references app.connectors (connector) on delete cascade,
    operation text not null,
    started_at timestamptz not null default pg_catalog.clock_timestamp(),
    duration_ms numeric(12, 3) not null,
    outcome text not null,
    constraint connector_calls_operation_format check (operation ~ '^[a-z][a-z_.]{1,60}$'),
    constraint connector_calls_duration_range check (duration_ms >= 0),
    constraint connector_calls_outcome_format check (outcome ~ '^[a-z0-9_]{1,30}$')
);
comment on table app.connector_calls is 'The latency and outcome of every upstream call of a connector.';
comment on column app.connector_calls.id is 'Call id.';
comment on column app.connector_calls.tenant_id is 'Tenant the call was for.';
comment on column app.connector_calls.connector is 'Connector.';
comment on column app.connector_calls.operation is 'What was called (e.g. company_match, grade_request).';
comment on column app.connector_calls.started_at is 'When the call started.';
comment on column app.connector_calls.duration_ms is 'How long it took, in milliseconds.';
comment on column app.connector_calls.outcome is 'ok, or the error class (unavailable, refused, ...).';
create index connector_calls_connector_time_idx on app.connector_calls (connector, started_at);
create index connector_calls_tenant_idx on app.connector_calls (tenant_id);

-- ------------------------------------------------------------ row-level security
alter table app.credit_checks enable row level security;
alter table app.credit_limit_requests enable row level security;
alter table app.connector_calls enable row level security;
do $$
declare
    v_table text;
begin
    foreach v_table in array array['app.credit_checks', 'app.credit_limit_requests'] loop
        execute format(
            'create policy select_tenant on %s for select to sales_manager, auditor, tenant_admin '
            'using (tenant_id = (select app.current_tenant_id()))',
            v_table
        );
        execute format(
            'comment on policy select_tenant on %s is %L',
            v_table, 'Managers, auditors and admins read the tenant''s credit checks.'
        );
        execute format(
            'create policy select_readable on %s for select to sales_rep '
            'using (tenant_id = (select app.current_tenant_id()) and app.rep_can_read(lead_id))',
            v_table
        );
        execute format(
            'comment on policy select_readable on %s is %L',
            v_table, 'Reps read the credit checks of the leads they own or collaborate on.'
        );
    end loop;
end
$$;
-- writes only through the definer functions; connector_calls is the service's and workers'
grant select on app.credit_checks, app.credit_limit_requests to sales_rep, sales_manager, auditor, tenant_admin;

-- ------------------------------------------------------------ reference rows
insert into app.job_kinds (kind, description, idempotent, max_attempts, retry_base_seconds, retry_max_seconds)
values (
    'allianz.limit',
    'Requests a credit limit at Allianz Trade, then polls its decision. Not idempotent: a request is sent once.',
    false, 10, 60, 3600
);
