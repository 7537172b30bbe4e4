-- The clock, tenants, organisations, users, the identity helpers that policies use, and the audit log.
-- Baseline (first release). Structure only: tables, constraints, indexes, policies, grants and
-- the few functions that policies and column defaults use. Frozen once on main: change it with a
-- new V file. Views and functions live in the R__ files.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- The one place every rule reads the clock from, so tests can fix time.

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

-- Tenants, organisations, users; identity from the JWT claims; the PostgREST pre-request check.

-- ---------------------------------------------------------------- identity helpers
create function app.jwt_claims() returns jsonb
language sql
stable
parallel safe
as $$
    select coalesce(nullif(pg_catalog.current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;
comment on function app.jwt_claims() is
'The claims of the current request, as PostgREST (or the API service) set them; {} when none.';

-- The pre-request check has validated these claims against app.users before any query runs.
create function app.current_user_id() returns uuid
language sql
stable
parallel safe
as $$ select (app.jwt_claims() ->> 'sub')::uuid $$;
comment on function app.current_user_id() is 'The calling user (JWT sub), or null.';

create function app.current_tenant_id() returns uuid
language sql
stable
parallel safe
as $$ select (app.jwt_claims() ->> 'tenant_id')::uuid $$;
comment on function app.current_tenant_id() is 'The calling user''s tenant (JWT tenant_id), or null.';

create function app.current_org_id() returns uuid
language sql
stable
parallel safe
as $$ select (app.jwt_claims() ->> 'org_id')::uuid $$;
comment on function app.current_org_id() is 'The calling user''s organisation (JWT org_id), or null.';

create function app.current_web_role() returns text
language sql
stable
parallel safe
as $$ select app.jwt_claims() ->> 'role' $$;
comment on function app.current_web_role() is
'The calling user''s web role (JWT role): sales_rep, sales_manager, auditor or tenant_admin.';

grant execute on function app.jwt_claims() to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;

grant execute on function app.current_user_id() to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;

grant execute on function app.current_tenant_id() to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;

grant execute on function app.current_org_id() to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;

grant execute on function app.current_web_role() to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;

-- ---------------------------------------------------------------- tables
create table app.tenants (
    id uuid primary key default gen_random_uuid(),
    slug text not null,
    name text not null,
    created_at timestamptz not null default app.now(),
    constraint tenants_slug_format check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    constraint tenants_name_length check (char_length(name) between 1 and 200),
    constraint tenants_slug_key unique (slug)
);
comment on table app.tenants is 'A customer company of FreshPlan; every other row belongs to one.';
comment on column app.tenants.id is 'Tenant id, the tenant_id claim of its users'' tokens.';
comment on column app.tenants.slug is 'Short unique name for operators and the token command.';
comment on column app.tenants.name is 'Display name.';
comment on column app.tenants.created_at is 'When the tenant was created.';

create table app.orgs (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    name text not null,
    created_at timestamptz not null default app.now(),
    constraint orgs_name_length check (char_length(name) between 1 and 200),
    constraint orgs_id_tenant_key unique (id, tenant_id),
    constraint orgs_tenant_name_key unique (tenant_id, name)
);
comment on table app.orgs is 'An organisation (sales region, agency) inside a tenant.';
comment on column app.orgs.id is 'Organisation id, the org_id claim of its users'' tokens.';
comment on column app.orgs.tenant_id is 'Owning tenant.';
comment on column app.orgs.name is 'Display name, unique in the tenant.';
comment on column app.orgs.created_at is 'When the organisation was created.';

create table app.users (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    org_id uuid not null,
    email text not null,
    display_name text not null,
    role text not null,
    active boolean not null default true,
    created_at timestamptz not null default app.now(),
    deactivated_at timestamptz,
    constraint users_org_in_tenant_fkey foreign key (org_id, tenant_id)
    references app.orgs (id, tenant_id) on delete restrict,
    constraint users_email_format check (
        char_length(email) <= 254 and email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
    ),
    constraint users_display_name_length check (char_length(display_name) between 1 and 200),
    -- display names end up in mails: one line, no control or line-separator characters
    constraint users_display_name_one_line check (display_name !~ '[\x01-\x1f\x7f-\x9f\u2028\u2029]'),
    constraint users_role_known check (
        role in ('sales_rep', 'sales_manager', 'auditor', 'tenant_admin')
    ),
    constraint users_deactivated_consistent check (active = (deactivated_at is null))
);
comment on table app.users is
'People who sign in. The JWT sub is users.id; a token works only while the user is active '
'with the tenant, organisation and role the token names.';
comment on column app.users.id is 'User id (JWT sub).';
comment on column app.users.tenant_id is 'Tenant; users never see another tenant.';
comment on column app.users.org_id is 'Organisation inside the tenant.';
comment on column app.users.email is
'Sign-in and notification address, unique per tenant (case-insensitive).';
comment on column app.users.display_name is 'Name shown to colleagues.';
comment on column app.users.role is 'Web role: sales_rep, sales_manager, auditor or tenant_admin.';
comment on column app.users.active is 'False once deactivated: existing tokens stop working at once.';
comment on column app.users.created_at is 'When the user was created.';
comment on column app.users.deactivated_at is 'When the user was deactivated, or null.';

create unique index users_tenant_email_key on app.users (tenant_id, lower(email));
create index users_org_tenant_idx on app.users (org_id, tenant_id);
create index users_email_idx on app.users (lower(email));

-- ---------------------------------------------------------------- row-level security
alter table app.tenants enable row level security;
alter table app.orgs enable row level security;
alter table app.users enable row level security;

create policy select_own on app.tenants
for select to sales_rep, sales_manager, auditor, tenant_admin
using (id = (select app.current_tenant_id()));
comment on policy select_own on app.tenants is 'A user sees only their own tenant.';

create policy select_tenant on app.orgs
for select to sales_rep, sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.orgs is 'A user sees the organisations of their tenant.';

create policy select_tenant on app.users
for select to sales_rep, sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.users is 'A user sees the users of their tenant.';

create policy insert_admin on app.users
for insert to tenant_admin
with check (tenant_id = (select app.current_tenant_id()));
comment on policy insert_admin on app.users is 'A tenant admin creates users in their own tenant only.';

create policy update_admin on app.users
for update to tenant_admin
using (tenant_id = (select app.current_tenant_id()))
with check (tenant_id = (select app.current_tenant_id()));
comment on policy update_admin on app.users is 'A tenant admin changes users of their own tenant only.';

grant select on app.tenants, app.orgs to sales_rep, sales_manager, auditor, tenant_admin;
-- Reps do not get colleagues' e-mail addresses: no column grant on users.email.
grant select (id, tenant_id, org_id, display_name, role, active, created_at)
on app.users to sales_rep;
grant select on app.users to sales_manager, auditor, tenant_admin;
grant insert (tenant_id, org_id, email, display_name, role) on app.users to tenant_admin;
grant update (display_name, active, deactivated_at) on app.users to tenant_admin;

grant usage on schema app_private to web_anon, sales_rep, sales_manager, auditor, tenant_admin;

-- The append-only audit log (SPEC 3.9).

create table app.audit_log (
    id bigint generated always as identity primary key,
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    occurred_at timestamptz not null default app.now(),
    actor_id uuid references app.users (id) on delete set null,
    actor_role text,
    action text not null,
    entity_type text not null,
    entity_id uuid,
    lead_id uuid,
    before jsonb,
    after jsonb,
    reason text,
    request_id text,
    constraint audit_log_action_format check (action ~ '^[a-z_]+\.[a-z_]+$'),
    constraint audit_log_reason_length check (char_length(reason) <= 2000),
    constraint audit_log_request_id_length check (char_length(request_id) <= 200)
);
comment on table app.audit_log is
'Append-only record of every protection decision and settings change. No runtime role may '
'update or delete a row (no privilege, and a trigger refuses it even for the owner).';
comment on column app.audit_log.id is 'Monotonic id: the order rows were written.';
comment on column app.audit_log.tenant_id is 'Tenant the entry belongs to.';
comment on column app.audit_log.occurred_at is 'When the change happened (app.now()).';
comment on column app.audit_log.actor_id is 'The user who acted; null when the system (a job) acted.';
comment on column app.audit_log.actor_role is 'The actor''s web role at the time, or null for the system.';
comment on column app.audit_log.action is 'What happened, e.g. lead.registered, lead.hold_added, settings.changed.';
comment on column app.audit_log.entity_type is 'Kind of entity changed: lead, hold, extension_request, setting, ...';
comment on column app.audit_log.entity_id is 'Id of the entity changed (null for settings).';
comment on column app.audit_log.lead_id is
'The lead concerned, for visibility (a rep sees entries of leads they read).';
comment on column app.audit_log.before is 'State before the change (JSON), or null.';
comment on column app.audit_log.after is 'State after the change (JSON), or null.';
comment on column app.audit_log.reason is 'Reason given by the actor, where the action requires one.';
comment on column app.audit_log.request_id is 'X-Request-Id of the HTTP request that caused it, when known.';

create index audit_log_tenant_time_idx on app.audit_log (tenant_id, occurred_at desc);
create index audit_log_lead_idx on app.audit_log (lead_id, id) where lead_id is not null;
create index audit_log_actor_idx on app.audit_log (actor_id) where actor_id is not null;

alter table app.audit_log enable row level security;
-- Row visibility for reps depends on leads (defined later); managers, auditors and admins
-- read the whole tenant. The rep policy is added with the lead tables.
create policy select_tenant on app.audit_log
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.audit_log is
'Managers, auditors and admins read every entry of their tenant.';

grant select on app.audit_log to sales_rep, sales_manager, auditor, tenant_admin;
