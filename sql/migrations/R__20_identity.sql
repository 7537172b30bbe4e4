-- The request check, tokens, and the api of users.
-- Repeatable (Flyway re-applies this file after the V files whenever its text changes; R__ files
-- run in name order, so a file may use what an earlier one defines). Every definition here is
-- the current text of its object: edit it in place. A view whose columns change is dropped and
-- recreated here, a function whose signature changes is dropped here first.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- Tenants, organisations, users; identity from the JWT claims; the PostgREST pre-request check.

-- ---------------------------------------------------------------- request check
create or replace function app_private.check_request() returns void
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
    -- Tokens live at most 24 hours (SPEC 10.2), plus PostgREST's 30 s clock leeway on exp.
    v_max_lifetime_seconds constant numeric := 24 * 3600 + 30;
    v_exp numeric := case
        when pg_catalog.jsonb_typeof(v_claims -> 'exp') = 'number' then (v_claims ->> 'exp')::numeric
    end;
begin
    -- No token: the request runs as web_anon, which can read nothing.
    if v_claims ->> 'role' is null or v_claims ->> 'role' = 'web_anon' then
        return;
    end if;
    -- PostgREST refuses an expired token itself but accepts one without exp or for years.
    -- Measured against the real clock like PostgREST's own check, not app.now(), which tests
    -- may fix at another date.
    if v_exp is null or v_exp > extract(epoch from pg_catalog.now()) + v_max_lifetime_seconds then
        perform app.raise_error(
            'FP104', 401, 'This token is not accepted: it must expire within 24 hours.',
            'The token has no exp claim, or its exp lies more than 24 hours ahead.',
            'Get a new token (freshplan token --ttl at most 24h) and sign in again.'
        );
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
'PostgREST db-pre-request (and the API service before user calls): rejects tokens without exp '
'or valid for more than 24 hours, and tokens whose sub is not an active user of that tenant, '
'organisation and role, so deactivation acts at once.';
grant execute on function app_private.check_request() to
web_anon, sales_rep, sales_manager, auditor, tenant_admin, svc_api;

-- The `freshplan token` command: claims for an active user, looked up by e-mail.
create or replace function app_private.token_claims(p_email text, p_tenant_slug text default null)
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

-- The api surface for identity: api.users, api.user_accounts, whoami, create_user, deactivate_user.

create or replace view api.users
with (security_invoker = true)
as
select
    u.id,
    u.display_name,
    u.role,
    u.org_id
from app.users as u
where u.active;
comment on view api.users is
'Active users of the caller''s tenant (no e-mail addresses: reps see names and roles only).';
comment on column api.users.id is 'User id (JWT sub).';
comment on column api.users.display_name is 'Name shown to colleagues.';
comment on column api.users.role is 'sales_rep, sales_manager, auditor or tenant_admin.';
comment on column api.users.org_id is 'Organisation inside the tenant.';
grant select on api.users to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.user_accounts
with (security_invoker = true)
as
select
    u.id,
    u.email,
    u.display_name,
    u.role,
    u.org_id,
    u.active,
    u.created_at,
    u.deactivated_at
from app.users as u;
comment on view api.user_accounts is
'All users of the caller''s tenant with e-mail and status, for managers, auditors and admins.';
comment on column api.user_accounts.id is 'User id (JWT sub).';
comment on column api.user_accounts.email is 'Sign-in and notification address.';
comment on column api.user_accounts.display_name is 'Name shown to colleagues.';
comment on column api.user_accounts.role is 'sales_rep, sales_manager, auditor or tenant_admin.';
comment on column api.user_accounts.org_id is 'Organisation inside the tenant.';
comment on column api.user_accounts.active is 'False once deactivated.';
comment on column api.user_accounts.created_at is 'When the user was created.';
comment on column api.user_accounts.deactivated_at is 'When the user was deactivated, or null.';
grant select on api.user_accounts to sales_manager, auditor, tenant_admin;

create or replace function api.whoami() returns api.users
language sql
stable
as $$
    select u.* from api.users as u where u.id = app.current_user_id()
$$;
comment on function api.whoami() is 'The calling user.';
grant execute on function api.whoami() to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.create_user(email text, display_name text, role text, org_id uuid)
returns api.users
language plpgsql
volatile
as $$
declare
    v_email text := btrim(create_user.email);
    v_name text := btrim(create_user.display_name);
    v_id uuid;
begin
    if app.current_web_role() is distinct from 'tenant_admin' then
        perform app.raise_error('FP102', 403, 'Only a tenant administrator may do this.');
    end if;
    if v_email is null or char_length(v_email) > 254
        or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' then
        perform app.raise_error(
            'FP111', 400, 'The e-mail address is not valid.', 'email',
            'Use an address like name@example.com (at most 254 characters).'
        );
    end if;
    if v_name is null or char_length(v_name) not between 1 and 200 then
        perform app.raise_error(
            'FP112', 400, 'The display name must have 1 to 200 characters.', 'display_name'
        );
    end if;
    if v_name ~ '[\x01-\x1f\x7f-\x9f\u2028\u2029]' then
        perform app.raise_error(
            'FP112', 400, 'The display name must be one line without control characters.', 'display_name'
        );
    end if;
    if create_user.role is null
        or create_user.role not in ('sales_rep', 'sales_manager', 'auditor', 'tenant_admin') then
        perform app.raise_error(
            'FP113', 400, 'The role is not valid.', 'role',
            'Use sales_rep, sales_manager, auditor or tenant_admin.'
        );
    end if;
    -- RLS shows only the caller's organisations, so another tenant's org looks unknown.
    if create_user.org_id is null
        or not exists (select from app.orgs as o where o.id = create_user.org_id) then
        perform app.raise_error(
            'FP114', 400, 'The organisation does not exist in your tenant.', 'org_id'
        );
    end if;

    begin
        insert into app.users (tenant_id, org_id, email, display_name, role)
        values (app.current_tenant_id(), create_user.org_id, v_email, v_name, create_user.role)
        returning id into v_id;
    exception when unique_violation then
        perform app.raise_error(
            'FP115', 409, 'A user with this e-mail address already exists.', 'email'
        );
    end;

    return (select u from api.users as u where u.id = v_id);
end
$$;
comment on function api.create_user(text, text, text, uuid) is
'Creates a user in the caller''s tenant (tenant admins only) and returns it.';
grant execute on function api.create_user(text, text, text, uuid) to
sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.deactivate_user(user_id uuid) returns void
language plpgsql
volatile
as $$
begin
    if app.current_web_role() is distinct from 'tenant_admin' then
        perform app.raise_error('FP102', 403, 'Only a tenant administrator may do this.');
    end if;
    if deactivate_user.user_id is null
        or not exists (select from app.users as u where u.id = deactivate_user.user_id) then
        perform app.raise_error('FP116', 404, 'The user does not exist.', 'user_id');
    end if;
    if deactivate_user.user_id = app.current_user_id() then
        perform app.raise_error(
            'FP117', 409, 'You cannot deactivate your own account.', 'user_id',
            'Ask another tenant administrator.'
        );
    end if;

    update app.users as u
    set active = false, deactivated_at = app.now()
    where u.id = deactivate_user.user_id and u.active;
end
$$;
comment on function api.deactivate_user(uuid) is
'Deactivates a user of the caller''s tenant (tenant admins only); their tokens stop working at once.';
grant execute on function api.deactivate_user(uuid) to
sales_rep, sales_manager, auditor, tenant_admin;

-- api functions for settings and notifications; user administration gets audited.

-- User administration is audited like every other decision.
create or replace function app_private.tg_users__audit() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' then
        perform app_private.audit(
            new.tenant_id, 'user.created', 'user', new.id, null, null,
            jsonb_build_object('email', new.email, 'role', new.role, 'org_id', new.org_id)
        );
    elsif old.active and not new.active then
        perform app_private.audit(
            new.tenant_id, 'user.deactivated', 'user', new.id, null,
            jsonb_build_object('active', true), jsonb_build_object('active', false)
        );
    elsif not old.active and new.active then
        perform app_private.audit(
            new.tenant_id, 'user.reactivated', 'user', new.id, null,
            jsonb_build_object('active', false), jsonb_build_object('active', true)
        );
    end if;
    if tg_op = 'UPDATE' and new.display_name is distinct from old.display_name then
        perform app_private.audit(
            new.tenant_id, 'user.renamed', 'user', new.id, null,
            jsonb_build_object('display_name', old.display_name), jsonb_build_object('display_name', new.display_name)
        );
    end if;
    return null;
end
$$;
comment on function app_private.tg_users__audit() is
'Audits user creation, deactivation, reactivation and renaming, however they are made.';

create or replace trigger _100_audit
after insert or update of active, display_name on app.users
for each row execute function app_private.tg_users__audit();
