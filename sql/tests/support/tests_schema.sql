-- Test-only helpers (never in a migration): fixtures by name, identity switching exactly as
-- PostgREST does it, a fixed clock, and error-code assertions. Loaded into the pgTAP database
-- by scripts/test, after pgTAP itself (schema tap).
create schema tests;
grant usage on schema tests, tap to public;

create function tests.create_tenant(p_slug text, p_org text default 'Main')
returns uuid
language plpgsql
as $$
declare
    v_id uuid;
begin
    insert into app.tenants (slug, name) values (p_slug, initcap(p_slug)) returning id into v_id;
    insert into app.orgs (tenant_id, name) values (v_id, p_org);
    return v_id;
end
$$;

create function tests.create_org(p_tenant text, p_name text)
returns uuid
language sql
as $$
    insert into app.orgs (tenant_id, name)
    select t.id, p_name from app.tenants as t where t.slug = p_tenant
    returning id
$$;

-- A user in the tenant's first organisation (or the named one).
create function tests.create_user(p_email text, p_role text, p_tenant text, p_org text default null)
returns uuid
language sql
as $$
    insert into app.users (tenant_id, org_id, email, display_name, role)
    select t.id, o.id, p_email, split_part(p_email, '@', 1), p_role
    from app.tenants as t
    inner join app.orgs as o on o.tenant_id = t.id
    where t.slug = p_tenant and (p_org is null or o.name = p_org)
    order by o.created_at, o.name
    limit 1
    returning id
$$;

-- Fixture lookups run as the test's superuser, whoever the test is impersonating.
create function tests.user_id(p_email text)
returns uuid
language sql
stable
security definer
as $$ select u.id from app.users as u where u.email = p_email $$;

create function tests.claims_for(p_email text)
returns jsonb
language sql
stable
security definer
as $$
    select jsonb_build_object(
        'role', u.role, 'sub', u.id, 'tenant_id', u.tenant_id, 'org_id', u.org_id,
        'exp', extract(epoch from now() + interval '1 hour')::bigint
    )
    from app.users as u
    where u.email = p_email
$$;

-- Become a user for the rest of the transaction, as PostgREST does: role, claims, pre-request.
create function tests.authenticate_as(p_email text)
returns void
language plpgsql
as $$
declare
    v_claims jsonb := tests.claims_for(p_email);
begin
    if v_claims is null then
        raise exception 'tests.authenticate_as: no user %', p_email;
    end if;
    perform set_config('request.jwt.claims', v_claims::text, true);
    perform set_config('role', v_claims ->> 'role', true);
    perform app_private.check_request();
end
$$;

-- Become the given role with arbitrary claims (for forged or stale tokens).
create function tests.authenticate_with(p_role text, p_claims jsonb)
returns void
language plpgsql
as $$
begin
    perform set_config('request.jwt.claims', p_claims::text, true);
    perform set_config('role', p_role, true);
end
$$;

create function tests.authenticate_anon()
returns void
language sql
as $$
    select set_config('request.jwt.claims', '', true), set_config('role', 'web_anon', true)
$$;

create function tests.clear_authentication()
returns void
language sql
as $$
    select set_config('request.jwt.claims', '', true), set_config('role', 'none', true)
$$;

create function tests.freeze_time(p_at timestamptz)
returns void
language sql
as $$
    insert into app.clock_override (fixed_at) values (p_at)
    on conflict (singleton) do update set fixed_at = excluded.fixed_at
$$;

-- The registered error code and HTTP status a statement raises (app.raise_error), or what
-- else happened: 'ok' when it succeeded, 'sqlstate XXXXX' for any other error.
create function tests.outcome(p_sql text)
returns text
language plpgsql
as $$
declare
    v_message text;
    v_detail text;
    v_state text;
begin
    execute p_sql;
    return 'ok';
exception when others then
    get stacked diagnostics v_state = returned_sqlstate, v_message = message_text,
        v_detail = pg_exception_detail;
    if v_state = 'PGRST' then
        return (v_message::jsonb ->> 'code') || ' ' || (v_detail::jsonb ->> 'status');
    end if;
    return 'sqlstate ' || v_state;
end
$$;

-- Assert that p_sql fails with the registered code and status, e.g. 'FP102 403'.
create function tests.raises(p_sql text, p_expected text, p_description text)
returns text
language sql
as $$ select tap.is(tests.outcome(p_sql), p_expected, p_description) $$;

grant execute on all functions in schema tests to public;

-- Run p_sql (which returns one count) and undo whatever it did. Returns 'rows N', the
-- registered error ('FP102 403') or 'sqlstate XXXXX'. Used by the authorization matrix.
create function tests.probe(p_sql text)
returns text
language plpgsql
as $$
declare
    v_count bigint;
    v_result text;
begin
    begin
        execute p_sql into v_count;
        v_result := 'rows ' || coalesce(v_count, 0);
        raise sqlstate 'TPRBE';
    exception when sqlstate 'TPRBE' then
        null;  -- the probe's effects are rolled back; keep its result
    end;
    return v_result;
exception when others then
    return tests.outcome(p_sql);
end
$$;
grant execute on function tests.probe(text) to public;

-- Register a lead as a user at a time (the clock stays frozen there). Returns the lead id.
create function tests.register_lead(
    p_email text, p_company text, p_at timestamptz, p_postal_code text default '10115'
) returns uuid
language plpgsql
as $$
declare
    v_id uuid;
begin
    perform tests.freeze_time(p_at);
    perform tests.authenticate_as(p_email);
    v_id := (api.register_lead(p_company, p_postal_code, 'Berlin')).id;
    perform tests.clear_authentication();
    return v_id;
end
$$;

-- A lead's protection row as a user sees it at a time.
create function tests.protection(p_email text, p_lead_id uuid, p_at timestamptz)
returns api.lead_protection
language plpgsql
as $$
declare
    v_row api.lead_protection;
begin
    perform tests.freeze_time(p_at);
    perform tests.authenticate_as(p_email);
    select p.* into v_row from api.lead_protection as p where p.lead_id = p_lead_id;
    perform tests.clear_authentication();
    return v_row;
end
$$;

-- Run a statement as a user at a time; returns its outcome ('ok', 'FP513 422', 'sqlstate ...').
create function tests.act(p_email text, p_at timestamptz, p_sql text)
returns text
language plpgsql
as $$
declare
    v_outcome text;
begin
    perform tests.freeze_time(p_at);
    perform tests.authenticate_as(p_email);
    v_outcome := tests.outcome(p_sql);
    perform tests.clear_authentication();
    return v_outcome;
end
$$;
grant execute on all functions in schema tests to public;

-- The hold and the extension request of a lead, whoever asks (for the authorization matrix).
create function tests.hold_of(p_lead_id uuid) returns uuid
language sql
stable
security definer
as $$ select h.id from app.holds as h where h.lead_id = p_lead_id order by h.created_at limit 1 $$;

create function tests.request_of(p_lead_id uuid) returns uuid
language sql
stable
security definer
as $$ select x.id from app.extension_requests as x where x.lead_id = p_lead_id order by x.requested_at limit 1 $$;

grant execute on all functions in schema tests to public;

-- The first sample box and test phase of a lead, whoever asks (for the authorization matrix).
create function tests.box_of(p_lead_id uuid) returns uuid
language sql
stable
security definer
as $$ select b.id from app.sample_boxes as b where b.lead_id = p_lead_id order by b.configured_at, b.id limit 1 $$;

create function tests.phase_of(p_lead_id uuid) returns uuid
language sql
stable
security definer
as $$ select p.id from app.test_phases as p where p.lead_id = p_lead_id order by p.created_at, p.id limit 1 $$;

grant execute on all functions in schema tests to public;
