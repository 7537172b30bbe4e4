-- The one place every rule reads the clock from, so tests can fix time.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create table app.clock_override (
    singleton boolean primary key default true,
    fixed_at timestamptz not null,
    constraint clock_override_single_row check (singleton)
);

comment on table app.clock_override is
'At most one row. When present, app.now() returns fixed_at instead of the transaction time. '
'Only the owner (tests, operators) can write it; runtime roles can only read it.';
comment on column app.clock_override.singleton is 'Always true: keeps the table to one row.';
comment on column app.clock_override.fixed_at is 'The time app.now() reports while the row exists.';

alter table app.clock_override enable row level security;

create policy select_all on app.clock_override
for select to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs
using (true);
comment on policy select_all on app.clock_override is
'Every runtime role reads the override, because app.now() runs with its privileges.';

grant select on app.clock_override to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;

create function app.now() returns timestamptz
language sql
stable
parallel safe
as $$
    select coalesce((select o.fixed_at from app.clock_override as o), pg_catalog.now())
$$;

comment on function app.now() is
'Current time for every rule: the transaction time, or app.clock_override.fixed_at when set.';

grant execute on function app.now() to
sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;
