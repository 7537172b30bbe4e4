-- api functions for registration, duplicates, claims, activities and collaborators (SPEC 4.2).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create function api.register_lead(
    company_name text,
    postal_code text,
    city text,
    street text default null,
    country text default 'DE',
    vat_id text default null,
    contact_name text default null,
    contact_email text default null,
    contact_phone text default null
) returns api.leads
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_name text;
    v_postal text;
    v_city text;
    v_vat_key text;
    v_lead_id uuid;
    v_dup record;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_name := app.check_text(register_lead.company_name, 'company_name', 2, 200);
    if app.normalize_company_name(v_name) = '' then
        perform app.raise_error(
            'FP301', 400, 'company_name must contain more than a legal form.', 'company_name'
        );
    end if;
    v_postal := btrim(register_lead.postal_code);
    if v_postal is null or v_postal !~ '^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$' then
        perform app.raise_error(
            'FP301', 400, 'postal_code must be a postal code such as 10115.', 'postal_code'
        );
    end if;
    v_city := app.check_text(register_lead.city, 'city', 1, 100);
    if register_lead.country is null or register_lead.country !~ '^[A-Z]{2}$' then
        perform app.raise_error('FP301', 400, 'country must be a two-letter ISO code such as DE.', 'country');
    end if;
    v_vat_key := app.normalize_vat_id(register_lead.vat_id);
    if register_lead.vat_id is not null and (
        char_length(register_lead.vat_id) > 20 or register_lead.vat_id !~ '^[A-Za-z0-9 .-]+$'
        or v_vat_key is null or v_vat_key !~ '^[A-Z]{2}[A-Z0-9]{2,13}$' or v_vat_key !~ '[0-9]'
    ) then
        perform app.raise_error('FP301', 400, 'vat_id must be a VAT id such as DE123456789.', 'vat_id');
    end if;
    if register_lead.street is not null then
        perform app.check_text(register_lead.street, 'street', 1, 200);
    end if;
    if register_lead.contact_name is not null then
        perform app.check_text(register_lead.contact_name, 'contact_name', 1, 200);
    end if;
    if register_lead.contact_email is not null and (
        char_length(register_lead.contact_email) > 254
        or register_lead.contact_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
    ) then
        perform app.raise_error('FP301', 400, 'contact_email must be an e-mail address.', 'contact_email');
    end if;
    if register_lead.contact_phone is not null and register_lead.contact_phone !~ '^\+?[0-9 ()/.-]{3,40}$' then
        perform app.raise_error(
            'FP301', 400, 'contact_phone must be a phone number such as +49 30 1234567.', 'contact_phone'
        );
    end if;

    begin
        insert into app.leads (tenant_id, company_name, postal_code, city, vat_key, created_by)
        values (app.current_tenant_id(), v_name, v_postal, v_city, v_vat_key, app.current_user_id())
        returning id into v_lead_id;
    exception when unique_violation then
        -- Someone registered this company first (maybe a moment ago, concurrently).
        select d.* into v_dup
        from app_private.duplicate_of(
            app.normalize_company_name(v_name) || '|' || app.normalize_postal_code(v_postal),
            v_vat_key
        ) as d;
        if v_dup.status in ('UNASSIGNED', 'EXPIRED') then
            perform app.raise_error(
                'FP303', 409, 'This company is already in the lead pool: claim it instead of registering it.',
                v_dup.lead_id::text, 'Call claim_lead with this lead id.'
            );
        elsif v_dup.owner_id = app.current_user_id() then
            perform app.raise_error('FP304', 409, 'You already own this lead.', v_dup.lead_id::text);
        end if;
        perform app.raise_error(
            'FP302', 409,
            format('This company is already protected for another agent until %s.', app.format_day(v_dup.expires_at)),
            case when app.current_web_role() = 'sales_manager' then v_dup.lead_id::text end
        );
    end;

    insert into app.lead_details (
        lead_id, tenant_id, street, country, vat_id, contact_name, contact_email, contact_phone
    )
    values (
        v_lead_id, app.current_tenant_id(), btrim(register_lead.street), register_lead.country,
        btrim(register_lead.vat_id), btrim(register_lead.contact_name), btrim(register_lead.contact_email),
        btrim(register_lead.contact_phone)
    );
    perform app_private.acquire_lead(v_lead_id, 'REGISTERED');
    perform app_private.audit(
        app.current_tenant_id(), 'lead.registered', 'lead', v_lead_id, v_lead_id, null,
        jsonb_build_object('company_name', v_name, 'postal_code', v_postal, 'owner_id', app.current_user_id())
    );
    return (select l from api.leads as l where l.id = v_lead_id);
end
$$;
comment on function api.register_lead(text, text, text, text, text, text, text, text, text) is
'Registers a prospect and starts the caller''s protection. A hard duplicate (same normalised name '
'and postal code, or VAT id) is refused with 409: protected (FP302, with the date) or in the pool '
'(FP303, with the lead id to claim).';

-- (A type, because the result columns share names with the arguments.)
create type app.similar_lead as (
    id uuid, company_name text, postal_code text, city text, similarity real, status text
);
comment on type app.similar_lead is 'A row of api.find_similar_leads.';
grant usage on type app.similar_lead to sales_rep, sales_manager, auditor, tenant_admin;

create function api.find_similar_leads(company_name text, postal_code text)
returns setof app.similar_lead
language plpgsql
stable
as $$
#variable_conflict use_column
declare
    v_name_key text := app.normalize_company_name(find_similar_leads.company_name);
    v_area text := left(app.normalize_postal_code(find_similar_leads.postal_code), 2);
begin
    perform app.require_role(array['sales_rep', 'sales_manager', 'auditor', 'tenant_admin']);
    if coalesce(v_name_key, '') = '' or char_length(find_similar_leads.company_name) > 200 then
        perform app.raise_error('FP301', 400, 'company_name must name a company.', 'company_name');
    end if;
    if coalesce(v_area, '') = '' or char_length(find_similar_leads.postal_code) > 10 then
        perform app.raise_error('FP301', 400, 'postal_code must be a postal code.', 'postal_code');
    end if;
    -- Another rep's protected lead is reported without its id: the rep learns that the company
    -- is taken, not by whom, and cannot open it.
    return query
    select
        case when s.status in ('ACTIVE', 'GRACE') and app.current_web_role() = 'sales_rep'
            and s.owner_id is distinct from app.current_user_id()
            and app_private.collaborator_role(s.id) is null
            then null else s.id end,
        s.company_name, s.postal_code, s.city, s.similarity,
        case when s.status in ('ACTIVE', 'GRACE') and app.current_web_role() = 'sales_rep'
            and s.owner_id is distinct from app.current_user_id()
            then 'PROTECTED' else s.status end
    from app_private.similar_leads(v_name_key, v_area) as s;
end
$$;
comment on function api.find_similar_leads(text, text) is
'Leads with a similar name (trigram similarity >= 0.6) in the same postal area, to warn before '
'registering. Other agents'' protected leads show status PROTECTED and no id.';

-- Starts the caller's protection of a lead: right after registering it, or claiming it from the
-- pool. A definer function, so that it may write ownership, with every rule checked here.
create function app_private.acquire_lead(p_lead_id uuid, p_open_reason text) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_me uuid := app.current_user_id();
    v_lead app.leads;
    v_config app.protection_configs;
    v_status text;
    v_last_expiry timestamptz;
    v_quota integer;
begin
    if p_open_reason = 'REGISTERED' then
        perform app.require_role(array['sales_rep', 'sales_manager']);
    elsif p_open_reason = 'CLAIMED' then
        perform app.require_role(array['sales_rep']);
    else
        raise exception 'acquire_lead: unknown reason %', p_open_reason using errcode = 'invalid_parameter_value';
    end if;
    v_lead := app_private.my_tenants_lead(p_lead_id);
    select c.* into v_config from app.protection_configs as c where c.tenant_id = v_lead.tenant_id;

    if p_open_reason = 'REGISTERED' then
        -- only the registering user, for a lead that was never owned
        if v_lead.created_by is distinct from v_me
            or exists (select from app.lead_assignments as a where a.lead_id = v_lead.id) then
            perform app.raise_error('FP102', 403, 'Only a new registration starts protection this way.', 'lead_id');
        end if;
    else
        v_status := app.lead_status(v_lead, v_config, app.now());
        if v_status in ('ACTIVE', 'GRACE') then
            if v_lead.owner_id = v_me then
                perform app.raise_error('FP304', 409, 'You already own this lead.', 'lead_id');
            end if;
            -- (also the answer when someone else claimed it a moment ago)
            perform app.raise_error(
                'FP306', 409, 'The lead is protected for another agent and cannot be claimed.', 'lead_id'
            );
        end if;

        -- The previous owner may not let it lapse and claim it again for a fresh term.
        v_last_expiry := coalesce(
            (
                select max(a.protection_ended_at) from app.lead_assignments as a
                where a.lead_id = v_lead.id and a.owner_id = v_me and a.release_reason in ('EXPIRED', 'EXPIRED_NOW')
            ),
            case when v_lead.owner_id = v_me then
                (select d.expires_at from app.lead_deadlines(v_lead, v_config, app.now()) as d)
            end
        );
        if v_last_expiry + make_interval(days => v_config.cooldown_days) > app.now() then
            perform app.raise_error(
                'FP307', 422,
                format(
                    'Your protection of this lead ended recently; you can claim it again from %s.',
                    app.format_day(v_last_expiry + make_interval(days => v_config.cooldown_days))
                ),
                'lead_id'
            );
        end if;

        -- The quota counts registrations and claims; one claim per user at a time, so parallel
        -- claims cannot all pass the count.
        perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('freshplan.acquire:' || v_me, 0));
        v_quota := (app.effective_setting(
            'lead.claim.maxPerMonth', v_lead.tenant_id, app.current_org_id(), v_me
        ))::integer;
        if (
            select count(*) from app.lead_assignments as a
            where a.owner_id = v_me and a.open_reason in ('REGISTERED', 'CLAIMED')
              and a.opened_at >= app.now() - interval '30 days'
        ) >= v_quota then
            perform app.raise_error(
                'FP308', 422,
                format('You have reached your limit of %s registrations and claims in 30 days.', v_quota),
                'lead_id'
            );
        end if;

        if v_lead.owner_id is not null then
            -- Expired but not yet released by the job: release it now, exactly as the job would.
            perform app_private.release_lead(v_lead.id, 'EXPIRED', true);
        end if;
    end if;

    perform app_private.open_assignment(v_lead.id, v_me, app.now(), p_open_reason);
    if p_open_reason = 'CLAIMED' then
        perform app_private.write_audit(
            v_lead.tenant_id, 'lead.claimed', 'lead', v_lead.id, v_lead.id,
            jsonb_build_object('status', v_status), jsonb_build_object('owner_id', v_me), null, false
        );
    end if;
end
$$;
comment on function app_private.acquire_lead(uuid, text) is
'Starts the caller''s protection of a lead (REGISTERED right after registering it, or CLAIMED from the '
'pool), checking the claim rules: not protected, cooldown, quota.';
grant execute on function app_private.acquire_lead(uuid, text) to sales_rep, sales_manager;

create function api.claim_lead(lead_id uuid) returns api.lead_protection
language plpgsql
volatile
as $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_rep']);
    perform app_private.acquire_lead(claim_lead.lead_id, 'CLAIMED');
    return (select p from api.lead_protection as p where p.lead_id = claim_lead.lead_id);
end
$$;
comment on function api.claim_lead(uuid) is
'Takes a pool lead (unassigned, released, or expired and not yet released) and starts the caller''s '
'protection. Refused during the previous owner''s cooldown (FP307) and beyond the monthly quota (FP308).';

create function api.log_activity(
    lead_id uuid, kind text, occurred_at timestamptz default null, note text default null
) returns api.activities
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_lead app.leads;
    v_at timestamptz := coalesce(log_activity.occurred_at, app.now());
    v_id uuid;
begin
    perform app.require_role(array['sales_rep']);
    v_lead := app.lead_for_action(log_activity.lead_id);
    if not app.rep_can_read(v_lead.id) then
        perform app.raise_error('FP305', 404, 'The lead does not exist.', 'lead_id');
    end if;
    perform app.require_live(v_lead);
    if v_lead.owner_id is distinct from app.current_user_id()
        and app_private.collaborator_role(v_lead.id) is distinct from 'ASSIST'
        and app_private.collaborator_role(v_lead.id) is distinct from 'NEGOTIATE' then
        perform app.raise_error(
            'FP403', 403, 'Only the owner or an assisting collaborator may log activities.', 'lead_id'
        );
    end if;
    if log_activity.kind is null or log_activity.kind = 'SYSTEM' or not exists (
        select from app.activity_kinds as k where k.tenant_id = v_lead.tenant_id and k.kind = log_activity.kind
    ) then
        perform app.raise_error(
            'FP401', 400, 'kind is not an activity kind of your tenant.', 'kind',
            'See api.activity_kinds (SYSTEM is reserved).'
        );
    end if;
    if v_at < v_lead.registered_at or v_at > app.now() + interval '5 minutes' then
        perform app.raise_error(
            'FP402', 422,
            format(
                'occurred_at must lie between the registration (%s) and now.',
                to_char(v_lead.registered_at, 'YYYY-MM-DD"T"HH24:MI:SSOF')
            ),
            'occurred_at'
        );
    end if;
    if char_length(log_activity.note) > 5000 then
        perform app.raise_error('FP301', 400, 'note must have at most 5000 characters.', 'note');
    end if;

    insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note, created_by)
    values (
        v_lead.tenant_id, v_lead.id, v_lead.assignment_id, log_activity.kind, v_at, log_activity.note,
        app.current_user_id()
    )
    returning id into v_id;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.activity_logged', 'activity', v_id, v_lead.id, null,
        jsonb_build_object('kind', log_activity.kind, 'occurred_at', v_at)
    );
    return (select a from api.activities as a where a.id = v_id);
end
$$;
comment on function api.log_activity(uuid, text, timestamptz, text) is
'Logs an activity (owner or ASSIST/NEGOTIATE collaborator, lead ACTIVE or GRACE). A qualifying kind '
'renews protection; occurred_at must lie between registration and now.';

create function api.add_collaborator(lead_id uuid, user_id uuid, role text) returns api.collaborators
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_lead := app.lead_for_action(add_collaborator.lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    if add_collaborator.role is null or add_collaborator.role not in ('VIEW', 'ASSIST', 'NEGOTIATE') then
        perform app.raise_error('FP801', 400, 'role must be VIEW, ASSIST or NEGOTIATE.', 'role');
    end if;
    if not exists (select from api.users as u where u.id = add_collaborator.user_id) then
        perform app.raise_error('FP802', 404, 'The user does not exist.', 'user_id');
    end if;
    if add_collaborator.user_id = v_lead.owner_id then
        perform app.raise_error('FP803', 409, 'The owner cannot also be a collaborator.', 'user_id');
    end if;
    begin
        insert into app.collaborators (lead_id, user_id, tenant_id, role, added_by)
        values (v_lead.id, add_collaborator.user_id, v_lead.tenant_id, add_collaborator.role, app.current_user_id());
    exception when unique_violation then
        perform app.raise_error(
            'FP804', 409, 'The user already collaborates on this lead.', 'user_id',
            'Remove them first to change the role.'
        );
    end;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.collaborator_added', 'collaborator', add_collaborator.user_id, v_lead.id, null,
        jsonb_build_object('user_id', add_collaborator.user_id, 'role', add_collaborator.role)
    );
    return (
        select c from api.collaborators as c
        where c.lead_id = v_lead.id and c.user_id = add_collaborator.user_id
    );
end
$$;
comment on function api.add_collaborator(uuid, uuid, text) is
'Adds a colleague to a lead (owner or manager): VIEW reads, ASSIST and NEGOTIATE also log activities.';

create function api.remove_collaborator(lead_id uuid, user_id uuid) returns void
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_lead app.leads;
    v_role text;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_lead := app.lead_for_action(remove_collaborator.lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    delete from app.collaborators as c
    where c.lead_id = v_lead.id and c.user_id = remove_collaborator.user_id
    returning c.role into v_role;
    if v_role is null then
        perform app.raise_error('FP805', 404, 'The user does not collaborate on this lead.', 'user_id');
    end if;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.collaborator_removed', 'collaborator', remove_collaborator.user_id, v_lead.id,
        jsonb_build_object('user_id', remove_collaborator.user_id, 'role', v_role), null
    );
end
$$;
comment on function api.remove_collaborator(uuid, uuid) is 'Removes a collaborator from a lead (owner or manager).';

create function api.set_activity_kind(kind text, counts_as_progress boolean) returns api.activity_kinds
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_before boolean;
begin
    perform app.require_role(array['tenant_admin']);
    if set_activity_kind.counts_as_progress is null then
        perform app.raise_error('FP301', 400, 'counts_as_progress must be true or false.', 'counts_as_progress');
    end if;
    select k.counts_as_progress into v_before
    from app.activity_kinds as k
    where k.tenant_id = app.current_tenant_id() and k.kind = set_activity_kind.kind;
    if v_before is null then
        perform app.raise_error('FP401', 400, 'kind is not an activity kind of your tenant.', 'kind');
    end if;
    update app.activity_kinds as k
    set counts_as_progress = set_activity_kind.counts_as_progress
    where k.tenant_id = app.current_tenant_id() and k.kind = set_activity_kind.kind;
    perform app_private.audit(
        app.current_tenant_id(), 'activity_kind.changed', 'activity_kind', null, null,
        jsonb_build_object('kind', set_activity_kind.kind, 'counts_as_progress', v_before),
        jsonb_build_object('kind', set_activity_kind.kind, 'counts_as_progress', set_activity_kind.counts_as_progress)
    );
    return (select k from api.activity_kinds as k where k.kind = set_activity_kind.kind);
end
$$;
comment on function api.set_activity_kind(text, boolean) is
'Decides whether a kind counts as progress (tenant admins). Applies to existing activities at once.';

grant execute on function
api.register_lead(text, text, text, text, text, text, text, text, text),
api.find_similar_leads(text, text),
api.claim_lead(uuid),
api.log_activity(uuid, text, timestamptz, text),
api.add_collaborator(uuid, uuid, text),
api.remove_collaborator(uuid, uuid),
api.set_activity_kind(text, boolean)
to sales_rep, sales_manager, auditor, tenant_admin;
