-- Internal helpers of the lead functions: checks shared by the api functions, and the few
-- definer steps that change ownership (which no caller may write directly).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create function app.require_role(p_roles text[]) returns void
language plpgsql
stable
as $$
begin
    if app.current_web_role() is null or not app.current_web_role() = any(p_roles) then
        perform app.raise_error(
            'FP102', 403, 'Your role may not do this.', null,
            'Allowed: ' || array_to_string(p_roles, ', ') || '.'
        );
    end if;
end
$$;
comment on function app.require_role(text[]) is 'Raises FP102 (403) unless the caller has one of the roles.';

create function app.check_text(p_value text, p_field text, p_min integer, p_max integer) returns text
language plpgsql
immutable
as $$
declare
    v_value text := btrim(p_value);
begin
    if v_value is null or char_length(v_value) < p_min then
        perform app.raise_error(
            'FP301', 400, format('%s must have at least %s characters.', p_field, p_min), p_field
        );
    end if;
    if char_length(v_value) > p_max then
        perform app.raise_error(
            'FP301', 400, format('%s must have at most %s characters.', p_field, p_max), p_field
        );
    end if;
    return v_value;
end
$$;
comment on function app.check_text(text, text, integer, integer) is
'Trims a text argument and raises FP301 (400, naming the field) unless its length is in range.';

create function app.format_day(p_at timestamptz) returns text
language sql
stable
as $$ select to_char(p_at at time zone (app.my_protection_config()).timezone, 'YYYY-MM-DD') $$;
comment on function app.format_day(timestamptz) is 'A date for messages, in the caller''s tenant time zone.';

create function app_private.lock_lead(p_lead_id uuid) returns void
language sql
volatile
security definer
set search_path = ''
as $$ select from app.leads as l where l.id = p_lead_id and l.tenant_id = app.current_tenant_id() for update $$;
comment on function app_private.lock_lead(uuid) is
'Locks a lead of the caller''s tenant, so concurrent decisions on one lead happen one after the other.';

-- For the ownership-changing definer functions: a lead of the caller's tenant, locked, or FP305
-- (404). Definer functions bypass RLS, so the tenant check is theirs to make; granted to nobody.
create function app_private.my_tenants_lead(p_lead_id uuid) returns app.leads
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead app.leads;
begin
    select l.* into v_lead from app.leads as l
    where l.id = p_lead_id and l.tenant_id = app.current_tenant_id()
    for update;
    if v_lead.id is null then
        perform app.raise_error('FP305', 404, 'The lead does not exist.', 'lead_id');
    end if;
    return v_lead;
end
$$;
comment on function app_private.my_tenants_lead(uuid) is
'Locks and returns a lead of the caller''s tenant (whoever owns it), or raises FP305.';

-- The lead as the caller sees it, locked, or FP305 (404): leads of other tenants and other reps'
-- protected leads do not exist for the caller.
create function app.lead_for_action(p_lead_id uuid) returns app.leads
language plpgsql
volatile
as $$
declare
    v_lead app.leads;
begin
    perform app_private.lock_lead(p_lead_id);
    select l.* into v_lead from app.leads as l where l.id = p_lead_id;
    if v_lead.id is null then
        perform app.raise_error('FP305', 404, 'The lead does not exist.', 'lead_id');
    end if;
    return v_lead;
end
$$;
comment on function app.lead_for_action(uuid) is 'Locks and returns a lead visible to the caller, or raises FP305.';

-- Raises FP310 (409) unless the lead's protection is ACTIVE or GRACE.
create function app.require_live(p_lead app.leads) returns text
language plpgsql
stable
as $$
declare
    v_status text := app.lead_status(p_lead, app.my_protection_config(), app.now());
begin
    if v_status not in ('ACTIVE', 'GRACE') then
        perform app.raise_error(
            'FP310', 409, format('The lead is %s, so its protection cannot be changed.', v_status), 'lead_id'
        );
    end if;
    return v_status;
end
$$;
comment on function app.require_live(
    app.leads
) is 'Raises FP310 unless the lead is ACTIVE or GRACE; returns the status.';

-- The caller owns the lead (reps) or is a manager; anything else is FP102.
create function app.require_owner_or_manager(p_lead app.leads) returns void
language plpgsql
stable
as $$
begin
    if app.current_web_role() = 'sales_manager' then
        return;
    end if;
    if app.current_web_role() = 'sales_rep' and p_lead.owner_id = app.current_user_id() then
        return;
    end if;
    perform app.raise_error('FP102', 403, 'Only the owner of the lead or a manager may do this.', 'lead_id');
end
$$;
comment on function app.require_owner_or_manager(
    app.leads
) is 'Raises FP102 unless the caller owns the lead or is a manager.';

-- ------------------------------------------------------------ ownership changes (definer)
create function app_private.open_assignment(
    p_lead_id uuid, p_owner_id uuid, p_registered_at timestamptz, p_open_reason text
) returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_id uuid;
begin
    insert into app.lead_assignments (tenant_id, lead_id, owner_id, registered_at, open_reason, opened_by)
    select l.tenant_id, l.id, p_owner_id, p_registered_at, p_open_reason, app.current_user_id()
    from app.leads as l
    where l.id = p_lead_id
    returning id into v_id;
    update app.leads set released_at = null where id = p_lead_id;
    return v_id;
end
$$;
comment on function app_private.open_assignment(uuid, uuid, timestamptz, text) is
'Starts a protection cycle for an owner (the unique index refuses a second open one).';

-- Ends the open cycle: closes the assignment, ends its holds. Returns the closed assignment.
create function app_private.close_assignment(
    p_lead_id uuid, p_release_reason text, p_protection_ended_at timestamptz, p_as_system boolean
) returns app.lead_assignments
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_now timestamptz := app.now();
    v_assignment app.lead_assignments;
begin
    update app.lead_assignments
    set
        closed_at = v_now,
        closed_by = case when not p_as_system then app.current_user_id() end,
        release_reason = p_release_reason,
        protection_ended_at = p_protection_ended_at
    where lead_id = p_lead_id and closed_at is null
    returning * into v_assignment;
    -- holds of the cycle end with it; undecided ones will never be decided
    update app.holds
    set end_at = greatest(v_now, start_at + interval '1 microsecond')
    where assignment_id = v_assignment.id and state = 'APPROVED' and (end_at is null or end_at > v_now);
    update app.holds
    set state = 'REJECTED', decided_at = v_now, decision_note = 'Protection cycle ended.'
    where assignment_id = v_assignment.id and state = 'PENDING';
    update app.extension_requests
    set state = 'REJECTED', decided_at = v_now, decision_note = 'Protection cycle ended.'
    where assignment_id = v_assignment.id and state = 'PENDING';
    return v_assignment;
end
$$;
comment on function app_private.close_assignment(uuid, text, timestamptz, boolean) is
'Closes the open assignment of a lead, ends its approved holds and drops undecided requests.';

-- What registration needs to know about an existing lead with the same keys, whoever owns it.
create function app_private.duplicate_of(p_dup_key text, p_vat_key text)
returns table (lead_id uuid, owner_id uuid, status text, expires_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
    select
        l.id,
        l.owner_id,
        app.lead_status(l, c, app.now()),
        (select d.expires_at from app.lead_deadlines(l, c, app.now()) as d)
    from app.leads as l
    inner join app.protection_configs as c on c.tenant_id = l.tenant_id
    where l.tenant_id = app.current_tenant_id() and (l.dup_key = p_dup_key or l.vat_key = p_vat_key)
    order by l.dup_key = p_dup_key desc
    limit 1
$$;
comment on function app_private.duplicate_of(text, text) is
'The lead of the caller''s tenant with the same duplicate key or VAT id, with its status.';

create function app_private.similar_leads(p_name_key text, p_area text)
returns table (
    id uuid, company_name text, postal_code text, city text, similarity real, owner_id uuid, status text
)
language sql
stable
security definer
set search_path = ''
as $$
    select
        l.id, l.company_name, l.postal_code, l.city,
        extensions.similarity(l.name_key, p_name_key),
        l.owner_id,
        app.lead_status(l, c, app.now())
    from app.leads as l
    inner join app.protection_configs as c on c.tenant_id = l.tenant_id
    where
        l.tenant_id = app.current_tenant_id()
        -- % uses the trigram index (threshold 0.3 by default); the spec's threshold is 0.6
        and l.name_key operator(extensions.%) p_name_key
        and extensions.similarity(l.name_key, p_name_key) >= 0.6
        and left(app.normalize_postal_code(l.postal_code), 2) = p_area
    order by 5 desc, l.company_name
    limit 20
$$;
comment on function app_private.similar_leads(text, text) is
'Leads of the caller''s tenant whose normalised name has trigram similarity >= 0.6, in the same postal area.';

grant execute on function
app.require_role(text[]), app.check_text(text, text, integer, integer), app.format_day(timestamptz),
app.lead_for_action(uuid), app.require_live(app.leads), app.require_owner_or_manager(app.leads),
app_private.lock_lead(uuid)
to sales_rep, sales_manager, auditor, tenant_admin;
grant execute on function app_private.duplicate_of(text, text), app_private.similar_leads(text, text)
to sales_rep, sales_manager, auditor, tenant_admin;
