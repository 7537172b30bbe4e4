-- The api surface for identity: api.users, api.user_accounts, whoami, create_user, deactivate_user.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create view api.users
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

create view api.user_accounts
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

create function api.whoami() returns api.users
language sql
stable
as $$
    select u.* from api.users as u where u.id = app.current_user_id()
$$;
comment on function api.whoami() is 'The calling user.';
grant execute on function api.whoami() to sales_rep, sales_manager, auditor, tenant_admin;

create function api.create_user(email text, display_name text, role text, org_id uuid)
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

create function api.deactivate_user(user_id uuid) returns void
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
