-- Tenants, organisations, users; identity from the JWT claims; the PostgREST pre-request check.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

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

grant execute on function
app.jwt_claims(), app.current_user_id(), app.current_tenant_id(), app.current_org_id(),
app.current_web_role()
to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;

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

-- ---------------------------------------------------------------- request check
create function app_private.check_request() returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    v_claims jsonb := coalesce(
        nullif(pg_catalog.current_setting('request.jwt.claims', true), ''), '{}'
    )::jsonb;
    v_uuid constant text := '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$';
begin
    -- No token: the request runs as web_anon, which can read nothing.
    if v_claims ->> 'role' is null or v_claims ->> 'role' = 'web_anon' then
        return;
    end if;
    if not (
        coalesce(v_claims ->> 'sub', '') ~ v_uuid
        and coalesce(v_claims ->> 'tenant_id', '') ~ v_uuid
        and coalesce(v_claims ->> 'org_id', '') ~ v_uuid
        and exists (
            select
            from app.users as u
            where
                u.id = (v_claims ->> 'sub')::uuid
                and u.tenant_id = (v_claims ->> 'tenant_id')::uuid
                and u.org_id = (v_claims ->> 'org_id')::uuid
                and u.role = v_claims ->> 'role'
                and u.active
        )
    ) then
        perform app.raise_error(
            'FP101', 401, 'Your session is no longer valid. Please sign in again.',
            'The token does not belong to an active user with this tenant, organisation and role.'
        );
    end if;
end
$$;
comment on function app_private.check_request() is
'PostgREST db-pre-request (and the API service before user calls): rejects tokens whose sub '
'is not an active user of that tenant, organisation and role, so deactivation acts at once.';

grant usage on schema app_private to web_anon, sales_rep, sales_manager, auditor, tenant_admin;
grant execute on function app_private.check_request() to
web_anon, sales_rep, sales_manager, auditor, tenant_admin, svc_api;

-- The `freshplan token` command: claims for an active user, looked up by e-mail.
create function app_private.token_claims(p_email text, p_tenant_slug text default null)
returns table (sub uuid, role text, tenant_id uuid, org_id uuid, tenant_slug text)
language sql
stable
security definer
set search_path = ''
as $$
    select u.id, u.role, u.tenant_id, u.org_id, t.slug
    from app.users as u
    inner join app.tenants as t on u.tenant_id = t.id
    where
        lower(u.email) = lower(p_email)
        and u.active
        and (p_tenant_slug is null or t.slug = p_tenant_slug)
    order by t.slug
$$;
comment on function app_private.token_claims(text, text) is
'Claims for minting a token for an active user (the freshplan token command).';
grant execute on function app_private.token_claims(text, text) to svc_api;
