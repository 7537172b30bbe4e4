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
as $$ select from app.leads as l where l.id = p_lead_id for update $$;
comment on function app_private.lock_lead(uuid) is
'Locks a lead row, so concurrent claims and decisions on one lead happen one after the other.';

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

-- Release to the pool (SPEC 3.8): close the cycle, remove collaborators, audit, notify.
-- Used by the sweep job, by claim_lead for an expired lead and by expire_now.
create function app_private.release_lead(
    p_lead_id uuid, p_release_reason text, p_as_system boolean, p_reason text default null
) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead app.leads;
    v_config app.protection_configs;
    v_ended_at timestamptz;
    v_assignment app.lead_assignments;
    v_subject text;
begin
    select l.* into v_lead from app.leads as l where l.id = p_lead_id for update;
    if v_lead.owner_id is null then
        return;
    end if;
    select c.* into v_config from app.protection_configs as c where c.tenant_id = v_lead.tenant_id;
    v_ended_at := case
        when p_release_reason = 'EXPIRED' then
            (select d.expires_at from app.lead_deadlines(v_lead, v_config, app.now()) as d)
        else app.now()
    end;
    v_assignment := app_private.close_assignment(p_lead_id, p_release_reason, v_ended_at, p_as_system);
    delete from app.collaborators where lead_id = p_lead_id;
    update app.leads set released_at = app.now() where id = p_lead_id;

    perform app_private.audit(
        v_lead.tenant_id, 'lead.released', 'lead', p_lead_id, p_lead_id,
        jsonb_build_object('owner_id', v_lead.owner_id, 'assignment_id', v_assignment.id),
        jsonb_build_object('release_reason', p_release_reason, 'protection_ended_at', v_ended_at),
        p_reason, p_as_system
    );

    v_subject := format('Leadschutz beendet: %s', v_lead.company_name);
    perform app_private.notify(
        v_lead.tenant_id, v_lead.owner_id, 'EXPIRED', p_lead_id, v_subject,
        format(
            'Der Leadschutz für %s ist am %s abgelaufen. Der Lead ist wieder im Pool.',
            v_lead.company_name, to_char(v_ended_at at time zone v_config.timezone, 'DD.MM.YYYY')
        ),
        'EXPIRED:' || v_assignment.id
    );
    perform app_private.notify_roles(
        v_lead.tenant_id,
        array(select jsonb_array_elements_text(
            app.effective_setting('lead.protection.notify.roles', v_lead.tenant_id, null, null)
        )),
        'EXPIRED', p_lead_id, v_subject,
        format('Der Lead %s ist wieder im Pool.', v_lead.company_name),
        'EXPIRED:' || v_assignment.id
    );
end
$$;
comment on function app_private.release_lead(uuid, text, boolean, text) is
'Releases a lead to the pool: closes its cycle, removes collaborators, audits, notifies.';

-- What registration needs to know about an existing lead with the same keys, whoever owns it.
create function app_private.duplicate_of(p_tenant_id uuid, p_dup_key text, p_vat_key text)
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
    where l.tenant_id = p_tenant_id and (l.dup_key = p_dup_key or l.vat_key = p_vat_key)
    order by l.dup_key = p_dup_key desc
    limit 1
$$;
comment on function app_private.duplicate_of(uuid, text, text) is
'The lead of the tenant with the same duplicate key or VAT id, with its status.';

create function app_private.similar_leads(p_tenant_id uuid, p_name_key text, p_area text)
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
        l.tenant_id = p_tenant_id
        -- % uses the trigram index (threshold 0.3 by default); the spec's threshold is 0.6
        and l.name_key operator(extensions.%) p_name_key
        and extensions.similarity(l.name_key, p_name_key) >= 0.6
        and left(app.normalize_postal_code(l.postal_code), 2) = p_area
    order by 5 desc, l.company_name
    limit 20
$$;
comment on function app_private.similar_leads(uuid, text, text) is
'Leads of the tenant whose normalised name has trigram similarity >= 0.6, in the same postal area.';

-- For claims: when the user's own protection of this lead last ended by expiry.
create function app_private.last_expiry_of(p_lead_id uuid, p_user_id uuid) returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
    select max(a.protection_ended_at)
    from app.lead_assignments as a
    where a.lead_id = p_lead_id and a.owner_id = p_user_id and a.release_reason in ('EXPIRED', 'EXPIRED_NOW')
$$;
comment on function app_private.last_expiry_of(uuid, uuid) is
'When the user''s protection of the lead last ended by expiry (claim cooldown).';

create function app_private.acquisitions_since(p_user_id uuid, p_since timestamptz) returns integer
language sql
stable
security definer
set search_path = ''
as $$
    select count(*)::integer
    from app.lead_assignments as a
    where a.owner_id = p_user_id and a.opened_at >= p_since and a.open_reason in ('REGISTERED', 'CLAIMED')
$$;
comment on function app_private.acquisitions_since(uuid, timestamptz) is
'Registrations plus claims of a user since a time (claim quota).';

grant execute on function
app.require_role(text[]), app.check_text(text, text, integer, integer), app.format_day(timestamptz),
app.lead_for_action(uuid), app.require_live(app.leads), app.require_owner_or_manager(app.leads),
app_private.lock_lead(uuid)
to sales_rep, sales_manager, auditor, tenant_admin;
grant execute on function app_private.similar_leads(uuid, text, text) to auditor;
grant execute on function
app_private.open_assignment(uuid, uuid, timestamptz, text),
app_private.close_assignment(uuid, text, timestamptz, boolean),
app_private.release_lead(uuid, text, boolean, text),
app_private.duplicate_of(uuid, text, text),
app_private.similar_leads(uuid, text, text),
app_private.last_expiry_of(uuid, uuid),
app_private.acquisitions_since(uuid, timestamptz)
to sales_rep, sales_manager, tenant_admin;
