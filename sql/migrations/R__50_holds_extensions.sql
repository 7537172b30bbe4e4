-- Stop-the-clock holds and extension requests.
-- Repeatable (Flyway re-applies this file after the V files whenever its text changes; R__ files
-- run in name order, so a file may use what an earlier one defines). Every definition here is
-- the current text of its object: edit it in place. A view whose columns change is dropped and
-- recreated here, a function whose signature changes is dropped here first.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- The api views of SPEC 4.1 (leads and everything around them).

create or replace view api.holds
with (security_invoker = true)
as
select
    h.id,
    h.lead_id,
    h.reason,
    h.note,
    h.start_at,
    h.end_at,
    h.state,
    h.requested_by,
    h.decided_by,
    h.decided_at,
    h.decision_note,
    h.created_at
from app.holds as h;
comment on view api.holds is 'Stop-the-clock holds of leads the caller may read in full.';
comment on column api.holds.id is 'Hold id.';
comment on column api.holds.lead_id is 'Lead.';
comment on column api.holds.reason is
'FFZ_PRICE_APPROVAL, FFZ_SAMPLE_DELAY, FFZ_SUPPLY_ISSUE, CUSTOMER_BLOCKED, OTHER.';
comment on column api.holds.note is 'Explanation.';
comment on column api.holds.start_at is 'Start.';
comment on column api.holds.end_at is 'End (exclusive); null while open.';
comment on column api.holds.state is 'PENDING, APPROVED or REJECTED.';
comment on column api.holds.requested_by is 'Who asked for it.';
comment on column api.holds.decided_by is 'Who decided.';
comment on column api.holds.decided_at is 'When it was decided.';
comment on column api.holds.decision_note is 'Note of the decision.';
comment on column api.holds.created_at is 'When it was requested.';

grant select on api.holds to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.extension_requests
with (security_invoker = true)
as
select
    x.id,
    x.lead_id,
    x.days,
    x.reason,
    x.state,
    x.requested_by,
    x.requested_at,
    x.decided_by,
    x.decided_at,
    x.decision_note,
    x.due_at,
    x.escalated_at
from app.extension_requests as x;
comment on view api.extension_requests is 'Extension requests of leads the caller may read in full.';
comment on column api.extension_requests.id is 'Request id.';
comment on column api.extension_requests.lead_id is 'Lead.';
comment on column api.extension_requests.days is 'Days requested.';
comment on column api.extension_requests.reason is 'Why.';
comment on column api.extension_requests.state is 'PENDING, APPROVED or REJECTED.';
comment on column api.extension_requests.requested_by is 'Owner who asked.';
comment on column api.extension_requests.requested_at is 'When.';
comment on column api.extension_requests.decided_by is 'Manager who decided.';
comment on column api.extension_requests.decided_at is 'When it was decided.';
comment on column api.extension_requests.decision_note is 'Note of the decision.';
comment on column api.extension_requests.due_at is 'Decision due; escalated to admins after.';
comment on column api.extension_requests.escalated_at is 'When it was escalated.';

grant select on api.extension_requests to sales_rep, sales_manager, auditor, tenant_admin;

-- api functions for stop-the-clock holds, extensions and manager actions (SPEC 3.4-3.6).

-- The days a hold stops (or may stop) the clock after p_since: from its start to its end, at most
-- its cap (an open hold counts at its cap, since nobody knows when it ends).
create or replace function app.hold_days_since(
    p_start_at timestamptz, p_end_at timestamptz, p_cap_days integer, p_since timestamptz
) returns numeric
language sql
immutable
as $$
    select extract(epoch from greatest(
        least(coalesce(p_end_at, 'infinity'::timestamptz), p_start_at + make_interval(secs => 86400 * p_cap_days))
        - greatest(p_start_at, p_since),
        interval '0'
    )) / 86400
$$;
comment on function app.hold_days_since(timestamptz, timestamptz, integer, timestamptz) is
'Days a hold stops the clock after a moment, at most its cap; an open hold at its cap.';
grant execute on function app.hold_days_since(timestamptz, timestamptz, integer, timestamptz)
to sales_rep, sales_manager, auditor, tenant_admin;

-- Held days of the lead's current protection cycle: its APPROVED holds since the cycle's anchor.
create or replace function app.held_days_in_cycle(p_lead app.leads, p_hold_max_days jsonb) returns numeric
language sql
stable
as $$
    select coalesce(sum(
        app.hold_days_since(h.start_at, h.end_at, (p_hold_max_days ->> h.reason)::integer, p_lead.anchor_at)
    ), 0)
    from app.holds as h
    where h.lead_id = p_lead.id and h.assignment_id = p_lead.assignment_id and h.state = 'APPROVED'
$$;
comment on function app.held_days_in_cycle(app.leads, jsonb) is
'Days the approved holds of the lead''s current cycle stop (or may stop) the clock.';
grant execute on function app.held_days_in_cycle(app.leads, jsonb) to sales_rep, sales_manager, auditor, tenant_admin;

-- Whether a hold a rep starts must wait for a manager: CUSTOMER_BLOCKED and OTHER always; a
-- FreshFoodz-caused one when it would take the cycle's held days beyond
-- lead.protection.hold.maxDaysPerCycle (chained holds cannot keep a lead alive alone).
create or replace function app.rep_hold_needs_approval(
    p_lead app.leads, p_reason text, p_start_at timestamptz, p_end_at timestamptz
) returns boolean
language sql
stable
as $$
    select
        p_reason not like 'FFZ\_%'
        or app.held_days_in_cycle(p_lead, c.hold_max_days)
        + app.hold_days_since(
            p_start_at, p_end_at, coalesce((c.hold_max_days ->> p_reason)::integer, 0), p_lead.anchor_at
        )
        > (app.effective_setting('lead.protection.hold.maxDaysPerCycle', p_lead.tenant_id, null, null) #>> '{}')::numeric
    from app.protection_configs as c
    where c.tenant_id = p_lead.tenant_id
$$;
comment on function app.rep_hold_needs_approval(app.leads, text, timestamptz, timestamptz) is
'True when a rep''s hold must wait for a manager (its reason, or the held-days cap of the cycle).';
grant execute on function app.rep_hold_needs_approval(app.leads, text, timestamptz, timestamptz)
to sales_rep, sales_manager, auditor, tenant_admin;

-- Holds change only as the api functions change them, whoever writes: an ended hold stays ended, a
-- decision is final, a rep approves only what add_hold would approve and names nobody else as the
-- decider. (Definer jobs, which run as the owner, are not web roles.)
create or replace function app.tg_holds__guard() returns trigger
language plpgsql
as $$
declare
    v_lead app.leads;
begin
    if current_user::text not in ('sales_rep', 'sales_manager', 'auditor', 'tenant_admin') then
        return new;
    end if;
    if tg_op = 'INSERT' then
        if new.decided_by is distinct from (case when new.state = 'APPROVED' then app.current_user_id() end) then
            perform app.raise_error('FP102', 403, 'A hold is decided by the caller only.', 'decided_by');
        end if;
        if current_user::text = 'sales_rep' and new.state = 'APPROVED' then
            select l.* into v_lead from app.leads as l where l.id = new.lead_id;
            if app.rep_hold_needs_approval(v_lead, new.reason, new.start_at, new.end_at) then
                perform app.raise_error('FP102', 403, 'This hold needs a manager''s approval.', 'state');
            end if;
        end if;
        return new;
    end if;
    if old.end_at is not null and (new.end_at is null or new.end_at > old.end_at) then
        perform app.raise_error('FP517', 409, 'The hold has already ended.', 'hold_id');
    end if;
    if new.state is distinct from old.state and old.state <> 'PENDING' then
        perform app.raise_error('FP518', 409, format('The hold was already %s.', lower(old.state)), 'hold_id');
    end if;
    if new.decided_by is distinct from old.decided_by and new.decided_by is distinct from app.current_user_id() then
        perform app.raise_error('FP102', 403, 'A hold is decided by the caller only.', 'decided_by');
    end if;
    return new;
end
$$;
comment on function app.tg_holds__guard() is
'Refuses hold changes the api functions never make: reopening an ended hold, changing a decision, a '
'decider other than the caller, a rep''s approval beyond the rules.';
create or replace trigger _050_guard
before insert or update on app.holds
for each row execute function app.tg_holds__guard();

create or replace function api.add_hold(
    lead_id uuid, reason text, start_at timestamptz default null, end_at timestamptz default null,
    note text default null
) returns api.holds
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_lead app.leads;
    v_config app.protection_configs := app.my_protection_config();
    v_now timestamptz := app.now();
    v_start timestamptz := coalesce(add_hold.start_at, app.now());
    v_state text;
    v_id uuid;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_lead := app.lead_for_action(add_hold.lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    if add_hold.reason is null or add_hold.reason not in (
        'FFZ_PRICE_APPROVAL', 'FFZ_SAMPLE_DELAY', 'FFZ_SUPPLY_ISSUE', 'CUSTOMER_BLOCKED', 'OTHER'
    ) then
        perform app.raise_error(
            'FP511', 400, 'reason is not a hold reason.', 'reason',
            'Use FFZ_PRICE_APPROVAL, FFZ_SAMPLE_DELAY, FFZ_SUPPLY_ISSUE, CUSTOMER_BLOCKED or OTHER.'
        );
    end if;
    if add_hold.reason = 'OTHER' and char_length(btrim(coalesce(add_hold.note, ''))) < 10 then
        perform app.raise_error('FP512', 400, 'A hold for OTHER reasons needs a note of at least 10 characters.', 'note');
    end if;
    if char_length(add_hold.note) > 2000 then
        perform app.raise_error('FP301', 400, 'note must have at most 2000 characters.', 'note');
    end if;
    if v_start > v_now or v_start < v_lead.registered_at or v_start < v_now - interval '30 days' then
        perform app.raise_error(
            'FP513', 422,
            format(
                'start_at must lie between %s and now: not in the future, not before the registration, '
                'at most 30 days back.',
                to_char(greatest(v_lead.registered_at, v_now - interval '30 days'), 'YYYY-MM-DD"T"HH24:MI:SSOF')
            ),
            'start_at'
        );
    end if;
    if add_hold.end_at is not null and add_hold.end_at <= v_start then
        perform app.raise_error('FP514', 400, 'end_at must be after start_at.', 'end_at');
    end if;

    -- An open hold past its cap still blocks new holds until the hourly job closes it; close it now.
    update app.holds as h
    set end_at = h.start_at + make_interval(secs => 86400 * (v_config.hold_max_days ->> h.reason)::integer)
    where
        h.lead_id = v_lead.id and h.state = 'APPROVED' and h.end_at is null
        and h.start_at + make_interval(secs => 86400 * (v_config.hold_max_days ->> h.reason)::integer) <= v_now;

    -- Managers' holds and FreshFoodz-caused holds within the cycle's cap are approved at once; the
    -- rest wait for a manager.
    v_state := case
        when app.current_web_role() = 'sales_manager' then 'APPROVED'
        when app.rep_hold_needs_approval(v_lead, add_hold.reason, v_start, add_hold.end_at) then 'PENDING'
        else 'APPROVED'
    end;
    begin
        insert into app.holds (
            tenant_id, lead_id, assignment_id, reason, note, start_at, end_at, state, requested_by,
            decided_by, decided_at
        )
        values (
            v_lead.tenant_id, v_lead.id, v_lead.assignment_id, add_hold.reason, btrim(add_hold.note), v_start,
            add_hold.end_at, v_state, app.current_user_id(),
            case when v_state = 'APPROVED' then app.current_user_id() end,
            case when v_state = 'APPROVED' then v_now end
        )
        returning id into v_id;
    exception when exclusion_violation then
        perform app.raise_error(
            'FP515', 409, 'The hold overlaps another pending or approved hold of this lead.', 'start_at',
            'End the running hold first.'
        );
    end;
    -- The managers hear of every hold a rep starts: to decide it, or to know the clock stopped.
    if v_state = 'PENDING' then
        perform app_private.notify_roles(
            v_lead.tenant_id, array['sales_manager'], 'HOLD_PENDING', v_lead.id,
            format('Hold wartet auf Entscheidung: %s', v_lead.company_name),
            format('Für %s wurde eine Unterbrechung (%s) beantragt.', v_lead.company_name, add_hold.reason),
            'HOLD_PENDING:' || v_id
        );
    elsif app.current_web_role() = 'sales_rep' then
        perform app_private.notify_roles(
            v_lead.tenant_id, array['sales_manager'], 'HOLD_STARTED', v_lead.id,
            format('Leadschutz angehalten: %s', v_lead.company_name),
            format(
                'Für %s läuft seit dem %s eine Unterbrechung (%s).', v_lead.company_name,
                app.format_german_date(v_start::text, v_config.timezone), add_hold.reason
            ),
            'HOLD_STARTED:' || v_id
        );
    end if;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.hold_added', 'hold', v_id, v_lead.id, null,
        jsonb_build_object(
            'reason', add_hold.reason, 'start_at', v_start, 'end_at', add_hold.end_at, 'state', v_state
        )
    );
    return (select h from api.holds as h where h.id = v_id);
end
$$;
comment on function api.add_hold(uuid, text, timestamptz, timestamptz, text) is
'Stops the clock (owner or manager, lead ACTIVE or GRACE). Managers'' holds are approved at once, and a '
'rep''s FreshFoodz-caused hold while the cycle''s held days stay within lead.protection.hold.maxDaysPerCycle; '
'the rest wait for a manager, who is told of every hold a rep starts. Overlaps are refused (FP515).';

grant execute on function api.add_hold(uuid, text, timestamptz, timestamptz, text)
to sales_rep, sales_manager, auditor, tenant_admin;

-- The hold as the caller sees it, with its lead locked; FP516 (404) when invisible.
create or replace function app.hold_for_action(p_hold_id uuid) returns app.holds
language plpgsql
volatile
as $$
declare
    v_hold app.holds;
begin
    select h.* into v_hold from app.holds as h where h.id = p_hold_id;
    if v_hold.id is null then
        perform app.raise_error('FP516', 404, 'The hold does not exist.', 'hold_id');
    end if;
    perform app_private.lock_lead(v_hold.lead_id);
    select h.* into v_hold from app.holds as h where h.id = p_hold_id;
    return v_hold;
end
$$;
comment on function app.hold_for_action(
    uuid
) is 'Returns a hold visible to the caller with its lead locked, or raises FP516.';
grant execute on function app.hold_for_action(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.end_hold(hold_id uuid) returns api.holds
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_hold app.holds;
    v_lead app.leads;
    v_now timestamptz := app.now();
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_hold := app.hold_for_action(end_hold.hold_id);
    v_lead := app.lead_for_action(v_hold.lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    if v_hold.state = 'REJECTED' or (v_hold.end_at is not null and v_hold.end_at <= v_now) then
        perform app.raise_error('FP517', 409, 'The hold has already ended.', 'hold_id');
    end if;
    if v_hold.start_at >= v_now then
        perform app.raise_error('FP517', 409, 'The hold has not started yet, so it cannot end.', 'hold_id');
    end if;
    update app.holds as h set end_at = v_now where h.id = v_hold.id;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.hold_ended', 'hold', v_hold.id, v_lead.id,
        jsonb_build_object('end_at', v_hold.end_at, 'state', v_hold.state),
        jsonb_build_object('end_at', v_now)
    );
    return (select h from api.holds as h where h.id = v_hold.id);
end
$$;
comment on function api.end_hold(uuid) is 'Ends a running hold now (owner or manager): the clock runs again.';

grant execute on function api.end_hold(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.decide_hold(hold_id uuid, approve boolean, note text default null) returns api.holds
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_hold app.holds;
    v_lead app.leads;
    v_state text := case when decide_hold.approve then 'APPROVED' else 'REJECTED' end;
begin
    perform app.require_role(array['sales_manager']);
    if decide_hold.approve is null then
        perform app.raise_error('FP301', 400, 'approve must be true or false.', 'approve');
    end if;
    if char_length(decide_hold.note) > 2000 then
        perform app.raise_error('FP301', 400, 'note must have at most 2000 characters.', 'note');
    end if;
    v_hold := app.hold_for_action(decide_hold.hold_id);
    v_lead := app.lead_for_action(v_hold.lead_id);
    if v_hold.state <> 'PENDING' then
        perform app.raise_error('FP518', 409, format('The hold was already %s.', lower(v_hold.state)), 'hold_id');
    end if;
    perform app.require_live(v_lead);
    update app.holds as h
    set state = v_state, decided_by = app.current_user_id(), decided_at = app.now(), decision_note = decide_hold.note
    where h.id = v_hold.id;
    perform app_private.notify(
        v_lead.tenant_id, v_hold.requested_by, 'HOLD_DECIDED', v_lead.id,
        format('Hold %s: %s', case when decide_hold.approve then 'genehmigt' else 'abgelehnt' end, v_lead.company_name),
        coalesce(decide_hold.note, ''), 'HOLD_DECIDED:' || v_hold.id
    );
    perform app_private.audit(
        v_lead.tenant_id, 'lead.hold_decided', 'hold', v_hold.id, v_lead.id,
        jsonb_build_object('state', 'PENDING'), jsonb_build_object('state', v_state), decide_hold.note
    );
    return (select h from api.holds as h where h.id = v_hold.id);
end
$$;
comment on function api.decide_hold(uuid, boolean, text) is
'Approves or rejects a pending hold (managers). An approved hold counts from its start_at.';

grant execute on function api.decide_hold(uuid, boolean, text) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.request_extension(lead_id uuid, days integer, reason text) returns api.extension_requests
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_lead app.leads;
    v_reason text;
    v_id uuid;
begin
    perform app.require_role(array['sales_rep']);
    v_lead := app.lead_for_action(request_extension.lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    if (app.my_protection_config()).mode = 'GREATEST' then
        perform app.raise_error(
            'FP601', 422, 'Extensions are not needed: protection renews itself with every progress.', 'lead_id'
        );
    end if;
    if request_extension.days is null or request_extension.days not between 1 and 90 then
        perform app.raise_error('FP602', 400, 'days must be between 1 and 90.', 'days');
    end if;
    v_reason := app.check_text(request_extension.reason, 'reason', 10, 2000);
    begin
        insert into app.extension_requests (
            tenant_id, lead_id, assignment_id, days, reason, state, requested_by, due_at
        )
        values (
            v_lead.tenant_id, v_lead.id, v_lead.assignment_id, request_extension.days, v_reason, 'PENDING',
            app.current_user_id(), app.now() + interval '48 hours'
        )
        returning id into v_id;
    exception when unique_violation then
        perform app.raise_error('FP606', 409, 'An extension request for this lead is already waiting.', 'lead_id');
    end;
    perform app_private.notify_roles(
        v_lead.tenant_id, array['sales_manager'], 'EXTENSION_REQUESTED', v_lead.id,
        format('Verlängerung beantragt: %s', v_lead.company_name),
        format('%s Tage für %s: %s', request_extension.days, v_lead.company_name, v_reason),
        'EXTENSION_REQUESTED:' || v_id
    );
    perform app_private.audit(
        v_lead.tenant_id, 'lead.extension_requested', 'extension_request', v_id, v_lead.id, null,
        jsonb_build_object('days', request_extension.days), v_reason
    );
    return (select x from api.extension_requests as x where x.id = v_id);
end
$$;
comment on function api.request_extension(uuid, integer, text) is
'The owner asks for 1-90 more days (mode LEAST only; FP601 in GREATEST). A manager decides within 48 hours.';

grant execute on function api.request_extension(uuid, integer, text) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.decide_extension(request_id uuid, approve boolean, note text default null)
returns api.extension_requests
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_request app.extension_requests;
    v_lead app.leads;
    v_state text := case when decide_extension.approve then 'APPROVED' else 'REJECTED' end;
begin
    perform app.require_role(array['sales_manager']);
    if decide_extension.approve is null then
        perform app.raise_error('FP301', 400, 'approve must be true or false.', 'approve');
    end if;
    if char_length(decide_extension.note) > 2000 then
        perform app.raise_error('FP301', 400, 'note must have at most 2000 characters.', 'note');
    end if;
    select x.* into v_request from app.extension_requests as x where x.id = decide_extension.request_id;
    if v_request.id is null then
        perform app.raise_error('FP604', 404, 'The extension request does not exist.', 'request_id');
    end if;
    v_lead := app.lead_for_action(v_request.lead_id);
    select x.* into v_request from app.extension_requests as x where x.id = decide_extension.request_id;
    if v_request.state <> 'PENDING' then
        perform app.raise_error(
            'FP605', 409, format('The request was already %s.', lower(v_request.state)), 'request_id'
        );
    end if;
    -- deciding cannot revive an expired lead (only a claim or an override can)
    perform app.require_live(v_lead);
    update app.extension_requests as x
    set state = v_state, decided_by = app.current_user_id(), decided_at = app.now(),
        decision_note = decide_extension.note
    where x.id = v_request.id;
    perform app_private.notify(
        v_lead.tenant_id, v_request.requested_by, 'EXTENSION_DECIDED', v_lead.id,
        format('Verlängerung %s: %s', case when decide_extension.approve then 'genehmigt' else 'abgelehnt' end,
            v_lead.company_name),
        coalesce(decide_extension.note, ''), 'EXTENSION_DECIDED:' || v_request.id
    );
    perform app_private.audit(
        v_lead.tenant_id, 'lead.extension_decided', 'extension_request', v_request.id, v_lead.id,
        jsonb_build_object('state', 'PENDING'), jsonb_build_object('state', v_state, 'days', v_request.days),
        decide_extension.note
    );
    return (select x from api.extension_requests as x where x.id = v_request.id);
end
$$;
comment on function api.decide_extension(uuid, boolean, text) is
'Approves or rejects an extension request (managers); approved days extend term_end_at.';

grant execute on function api.decide_extension(uuid, boolean, text) to sales_rep, sales_manager, auditor, tenant_admin;
