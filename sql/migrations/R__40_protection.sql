-- The protection engine: deadlines, status and lead state; the lead api (register, claim, activities,
-- collaborators) and the manager actions.
-- Repeatable (Flyway re-applies this file after the V files whenever its text changes; R__ files
-- run in name order, so a file may use what an earlier one defines). Every definition here is
-- the current text of its object: edit it in place. A view whose columns change is dropped and
-- recreated here, a function whose signature changes is dropped here first.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- Per-tenant protection settings, resolved once per tenant so every deadline is a cheap join,
-- and the deadline formulas of SPEC 3.3 as one pure function.

-- ------------------------------------------------------------ deadlines (SPEC 3.3)
-- Pure function of a lead's stored state, its tenant's configuration and the time p_at. Every
-- argument is a plain value (no row types): the function is inlined into the calling query, and
-- field access on a whole-row value would take the row apart again for every reference.
-- Calendar steps ("N days", "N months") are taken on local wall-clock time in the tenant's zone;
-- held time is absolute (seconds), so nothing depends on the session's TimeZone.
-- The latest approved hold of the cycle is evaluated here, clipped to p_at and to its cap;
-- all earlier holds arrive pre-summed in p_held_since_anchor and p_held_since_registration.
create or replace function app.protection_deadlines(
    p_registered_at timestamptz,
    p_anchor_at timestamptz,
    p_held_since_anchor interval,
    p_held_since_registration interval,
    p_hold_start timestamptz,
    p_hold_end timestamptz,
    p_hold_reason text,
    p_extension_days integer,
    p_override_until timestamptz,
    p_timezone text,
    p_progress_days integer,
    p_warning_days integer,
    p_grace_days integer,
    p_base_months integer,
    p_mode text,
    p_hold_max_days jsonb,
    p_at timestamptz
)
returns table (
    progress_due_at timestamptz,
    warning_at timestamptz,
    grace_until timestamptz,
    term_end_at timestamptz,
    expires_at timestamptz,
    status text,
    clock_stopped boolean,
    held_seconds numeric
)
language sql
immutable
parallel safe
as $$
    select
        w.progress_due_at,
        w.warning_at,
        w.grace_until,
        w.term_end_at,
        w.expires_at,
        case
            when p_at >= w.expires_at then 'EXPIRED'
            when p_at >= w.progress_due_at and not coalesce(p_override_until > p_at, false) then 'GRACE'
            else 'ACTIVE'
        end,
        coalesce(p_hold_start <= p_at and p_at < h.hold_stop, false),
        extract(epoch from h.held_registration)
    from (
        -- the latest hold stops counting at its end, its cap or now, whichever comes first
        select
            case when p_hold_start is not null then least(
                coalesce(p_hold_end, 'infinity'),
                p_hold_start + make_interval(
                    secs => 86400 * coalesce((p_hold_max_days ->> p_hold_reason)::integer, 0)
                )
            ) end as hold_stop
    ) as c
    cross join lateral (
        select
            coalesce(p_held_since_anchor, '0') + make_interval(secs => case
                when p_hold_start is null then 0
                else greatest(0, extract(epoch from least(c.hold_stop, p_at) - greatest(p_hold_start, p_anchor_at)))
            end) as held_anchor,
            coalesce(p_held_since_registration, '0') + make_interval(secs => case
                when p_hold_start is null then 0
                else greatest(
                    0, extract(epoch from least(c.hold_stop, p_at) - greatest(p_hold_start, p_registered_at))
                )
            end) as held_registration,
            c.hold_stop
    ) as h
    cross join lateral (
        select
            ((p_anchor_at at time zone p_timezone)
                + make_interval(days => p_progress_days)) at time zone p_timezone
            + h.held_anchor as progress_due_at,
            ((p_anchor_at at time zone p_timezone)
                + make_interval(days => p_progress_days - p_warning_days))
            at time zone p_timezone
            + h.held_anchor as warning_at,
            ((p_anchor_at at time zone p_timezone)
                + make_interval(days => p_progress_days + p_grace_days))
            at time zone p_timezone
            + h.held_anchor as grace_until,
            ((p_registered_at at time zone p_timezone)
                + make_interval(months => p_base_months, days => coalesce(p_extension_days, 0)))
            at time zone p_timezone
            + h.held_registration as term_end_at
    ) as d
    cross join lateral (
        select
            d.progress_due_at,
            d.warning_at,
            d.grace_until,
            d.term_end_at,
            greatest(
                case p_mode when 'LEAST' then least(d.grace_until, d.term_end_at) else d.grace_until end,
                p_override_until
            ) as expires_at
    ) as w
    where p_registered_at is not null
$$;
comment on function app.protection_deadlines(
    timestamptz, timestamptz, interval, interval, timestamptz, timestamptz, text, integer, timestamptz,
    text, integer, integer, integer, integer, text, jsonb, timestamptz
) is
'Deadlines and status of one protection cycle at time p_at (SPEC 3.3); no row for pool leads.';

grant execute on function app.protection_deadlines(
    timestamptz, timestamptz, interval, interval, timestamptz, timestamptz, text, integer, timestamptz,
    text, integer, integer, integer, integer, text, jsonb, timestamptz
) to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

-- Leads, their contact details, ownership history (assignments) and collaborators, with the
-- per-lead protection state that triggers keep current (V017) and RLS by SPEC 2.4.

-- The caller's tenant configuration as one value (an InitPlan: evaluated once per statement).
create or replace function app.my_protection_config() returns app.protection_configs
language sql
stable
as $$ select c from app.protection_configs as c where c.tenant_id = app.current_tenant_id() $$;
comment on function app.my_protection_config() is 'The protection configuration of the caller''s tenant.';

grant execute on function app.my_protection_config() to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

-- Deadlines of a lead row with its tenant's configuration, at time p_at (for single leads; queries
-- over many leads call app.protection_deadlines with columns, which is much cheaper per row).
create or replace function app.lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamptz)
returns table (
    progress_due_at timestamptz,
    warning_at timestamptz,
    grace_until timestamptz,
    term_end_at timestamptz,
    expires_at timestamptz,
    status text,
    clock_stopped boolean,
    held_seconds numeric
)
language sql
immutable
parallel safe
as $$
    select d.*
    from app.protection_deadlines(
        p_lead.registered_at, p_lead.anchor_at, p_lead.held_since_anchor, p_lead.held_since_registration,
        p_lead.hold_start, p_lead.hold_end, p_lead.hold_reason, p_lead.extension_days,
        p_lead.override_until, p_config.timezone, p_config.progress_days, p_config.warning_days,
        p_config.grace_days, p_config.base_months, p_config.mode, p_config.hold_max_days, p_at
    ) as d
$$;
comment on function app.lead_deadlines(app.leads, app.protection_configs, timestamptz) is
'app.protection_deadlines for a lead row.';

grant execute on function app.lead_deadlines(app.leads, app.protection_configs, timestamptz)
to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

-- Protection status of a lead at p_at: UNASSIGNED or EXPIRED in the pool, else by the deadlines.
create or replace function app.lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamptz)
returns text
language sql
immutable
parallel safe
as $$
    select case
        when p_lead.owner_id is null then case when p_lead.released_at is null then 'UNASSIGNED' else 'EXPIRED' end
        else (select d.status from app.lead_deadlines(p_lead, p_config, p_at) as d)
    end
$$;
comment on function app.lead_status(app.leads, app.protection_configs, timestamptz) is
'UNASSIGNED, ACTIVE, GRACE or EXPIRED.';

grant execute on function app.lead_status(app.leads, app.protection_configs, timestamptz)
to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

-- Activity kinds (per tenant, with the progress flag) and the activity log of leads.

create or replace function app_private.tg_tenants__seed_activity_kinds() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    insert into app.activity_kinds (tenant_id, kind, counts_as_progress, description)
    select new.id, d.kind, d.counts_as_progress, d.description from app.default_activity_kinds as d;
    return null;
end
$$;
comment on function app_private.tg_tenants__seed_activity_kinds() is 'A new tenant gets the default kinds.';

create or replace trigger _110_seed_activity_kinds
after insert on app.tenants
for each row execute function app_private.tg_tenants__seed_activity_kinds();

-- Per-lead protection state, recomputed from its sources by triggers in the same transaction as
-- every change, so reads never aggregate activities or holds.

-- The state each lead should have, derived from assignments, activities, holds, extensions and
-- overrides. Used only to (re)write app.leads, by the definer functions below.
create or replace view app.lead_state_source
with (security_invoker = true)
as
select
    l.id as lead_id,
    l.tenant_id,
    a.id as assignment_id,
    a.owner_id,
    a.registered_at,
    anchor.anchor_at,
    coalesce(closed.held_since_anchor, '0') as held_since_anchor,
    coalesce(closed.held_since_registration, '0') as held_since_registration,
    latest.start_at as hold_start,
    latest.end_at as hold_end,
    latest.reason as hold_reason,
    coalesce(ext.days, 0) as extension_days,
    ovr.until as override_until
from app.leads as l
left join app.lead_assignments as a on l.id = a.lead_id and a.closed_at is null
left join app.protection_configs as c on l.tenant_id = c.tenant_id
left join lateral (
    select coalesce(max(ac.occurred_at), a.registered_at) as anchor_at
    from app.activities as ac
    inner join app.activity_kinds as k on ac.tenant_id = k.tenant_id and ac.kind = k.kind
    where ac.lead_id = l.id and k.counts_as_progress and ac.occurred_at >= a.registered_at
) as anchor on a.id is not null
left join lateral (
    select
        h.id,
        h.start_at,
        h.end_at,
        h.reason
    from app.holds as h
    where h.assignment_id = a.id and h.state = 'APPROVED'
    order by h.start_at desc
    limit 1
) as latest on true
left join lateral (
    -- every earlier approved hold has ended (holds never overlap); each counts up to its cap
    select
        make_interval(secs => sum(greatest(0, extract(epoch from e.stop - greatest(e.start_at, anchor.anchor_at)))))
            as held_since_anchor,
        make_interval(secs => sum(greatest(0, extract(epoch from e.stop - greatest(e.start_at, a.registered_at)))))
            as held_since_registration
    from (
        select
            h.start_at,
            least(
                h.end_at,
                h.start_at + make_interval(secs => 86400 * coalesce((c.hold_max_days ->> h.reason)::integer, 0))
            ) as stop
        from app.holds as h
        where h.assignment_id = a.id and h.state = 'APPROVED' and h.id <> latest.id
    ) as e
) as closed on true
left join lateral (
    select sum(x.days)::integer as days
    from app.extension_requests as x
    where x.assignment_id = a.id and x.state = 'APPROVED'
) as ext on true
left join lateral (
    select o.until
    from app.protection_overrides as o
    where o.assignment_id = a.id
    order by o.created_at desc, o.id desc
    limit 1
) as ovr on true;
comment on view app.lead_state_source is
'The protection state every lead should have, recomputed from its sources (for the refresh functions).';

-- Recomputes the state of some leads. The leads are locked first (in id order, so two refreshes
-- cannot deadlock), and the update runs as a second statement with a fresh snapshot: it sees every
-- change committed by a transaction it had to wait for, so no concurrent change is lost.
create or replace function app_private.refresh_leads_state(p_lead_ids uuid[]) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead_id uuid;
begin
    perform from app.leads as l where l.id = any(p_lead_ids) order by l.id for update;
    if cardinality(p_lead_ids) > 1000 then
        -- many leads (a rule change): one set-based pass over the whole view
        update app.leads as l
        set
            owner_id = s.owner_id, assignment_id = s.assignment_id, registered_at = s.registered_at,
            anchor_at = s.anchor_at, held_since_anchor = s.held_since_anchor,
            held_since_registration = s.held_since_registration, hold_start = s.hold_start,
            hold_end = s.hold_end, hold_reason = s.hold_reason, extension_days = s.extension_days,
            override_until = s.override_until
        from app.lead_state_source as s
        where s.lead_id = l.id and l.id = any(p_lead_ids);
        return;
    end if;
    -- a few leads (every trigger): one lead at a time, so the view is evaluated for that lead only
    -- (an `= any(array)` filter is not pushed into the view's lateral joins)
    foreach v_lead_id in array p_lead_ids loop
        update app.leads as l
        set
            owner_id = s.owner_id, assignment_id = s.assignment_id, registered_at = s.registered_at,
            anchor_at = s.anchor_at, held_since_anchor = s.held_since_anchor,
            held_since_registration = s.held_since_registration, hold_start = s.hold_start,
            hold_end = s.hold_end, hold_reason = s.hold_reason, extension_days = s.extension_days,
            override_until = s.override_until
        from app.lead_state_source as s
        where s.lead_id = v_lead_id and l.id = v_lead_id;
    end loop;
end
$$;
comment on function app_private.refresh_leads_state(uuid[]) is
'Recomputes the protection state of the given leads (locking them first); unchanged rows are not written.';

-- Row triggers: the lead whose sources changed gets its state recomputed.
create or replace function app_private.tg_lead_source__refresh() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' then
        perform app_private.refresh_leads_state(array[new.lead_id]);
    elsif tg_op = 'DELETE' then
        perform app_private.refresh_leads_state(array[old.lead_id]);
    else
        perform app_private.refresh_leads_state(array[old.lead_id, new.lead_id]);
    end if;
    return null;
end
$$;
comment on function app_private.tg_lead_source__refresh() is
'After a change to a lead''s assignments, activities, holds, extensions or overrides, recompute its state.';

create or replace trigger _200_refresh_lead_state
after insert or update or delete on app.lead_assignments
for each row execute function app_private.tg_lead_source__refresh();

create or replace trigger _200_refresh_lead_state
after insert or update or delete on app.activities
for each row execute function app_private.tg_lead_source__refresh();

create or replace trigger _200_refresh_lead_state
after insert or update or delete on app.holds
for each row execute function app_private.tg_lead_source__refresh();

create or replace trigger _200_refresh_lead_state
after insert or update or delete on app.extension_requests
for each row execute function app_private.tg_lead_source__refresh();

create or replace trigger _200_refresh_lead_state
after insert or update or delete on app.protection_overrides
for each row execute function app_private.tg_lead_source__refresh();

-- Tenant-wide: a kind's progress flag or a hold cap changes the state of many leads.
create or replace function app_private.tg_activity_kinds__refresh_leads() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    -- only leads with an activity of this kind can have a different anchor now
    perform app_private.refresh_leads_state(array(
        select distinct a.lead_id from app.activities as a where a.tenant_id = new.tenant_id and a.kind = new.kind
    ));
    return null;
end
$$;
comment on function app_private.tg_activity_kinds__refresh_leads() is
'After a kind''s progress flag changes, recompute the anchors of the leads with such activities.';

create or replace trigger _200_refresh_lead_state
after update of counts_as_progress on app.activity_kinds
for each row when (new.counts_as_progress is distinct from old.counts_as_progress)
execute function app_private.tg_activity_kinds__refresh_leads();

create or replace function app_private.tg_protection_configs__refresh_leads() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    -- only leads with an approved hold in their current cycle count capped hold time
    perform app_private.refresh_leads_state(array(
        select distinct h.lead_id
        from app.holds as h
        inner join app.leads as l on h.assignment_id = l.assignment_id
        where h.tenant_id = new.tenant_id and h.state = 'APPROVED'
    ));
    return null;
end
$$;
comment on function app_private.tg_protection_configs__refresh_leads() is
'After the hold caps of a tenant change, recompute the hold time of its leads.';

create or replace trigger _200_refresh_lead_state
after update on app.protection_configs
for each row when (new.hold_max_days is distinct from old.hold_max_days)
execute function app_private.tg_protection_configs__refresh_leads();

-- The api views of SPEC 4.1 (leads and everything around them).

-- Status and deadlines of every lead the caller may see, computed at read time from the stored
-- state, the tenant's configuration (a join) and the clock. The deadline functions are plain SQL and
-- get inlined into the query: no per-row function call, no per-query re-planning.
create or replace view app.lead_overview
with (security_invoker = true)
as
select
    l.id,
    l.tenant_id,
    l.company_name,
    l.postal_code,
    l.city,
    l.created_at,
    l.released_at,
    l.owner_id,
    l.registered_at,
    l.anchor_at as last_progress_at,
    l.override_until,
    case
        when l.owner_id is null then case when l.released_at is null then 'UNASSIGNED' else 'EXPIRED' end
        else d.status
    end as status,
    d.progress_due_at,
    d.warning_at,
    d.grace_until,
    d.term_end_at,
    d.expires_at,
    round(d.held_seconds / 86400, 2) as held_days,
    coalesce(d.clock_stopped, false) as clock_stopped
from app.leads as l
inner join app.protection_configs as c on l.tenant_id = c.tenant_id
-- The clock once per query, as a plain value: app.now() itself as an argument would be evaluated at
-- every use inside the inlined formulas (three times slower); LIMIT keeps it a separate subquery.
cross join (select app.now() as t limit 1) as clock  -- noqa: ST05, AM09
left join lateral app.protection_deadlines(
    l.registered_at, l.anchor_at, l.held_since_anchor, l.held_since_registration, l.hold_start, l.hold_end,
    l.hold_reason, l.extension_days, l.override_until, c.timezone, c.progress_days, c.warning_days,
    c.grace_days, c.base_months, c.mode, c.hold_max_days, clock.t
) as d on true;
comment on view app.lead_overview is
'Leads visible to the caller with their protection status and deadlines now (basis of the api views).';
grant select on app.lead_overview to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.leads
with (security_invoker = true)
as
select
    o.id,
    o.company_name,
    d.street,
    o.postal_code,
    o.city,
    d.country,
    d.vat_id,
    d.contact_name,
    d.contact_email,
    d.contact_phone,
    o.owner_id,
    o.registered_at,
    o.status,
    o.created_at,
    d.xentral_customer_id
from app.lead_overview as o
left join app.lead_details as d on o.id = d.lead_id;
comment on view api.leads is
'Leads the caller may see. Address and contact fields are empty where the caller may not read them '
'(a rep on a pool lead).';
comment on column api.leads.id is 'Lead id.';
comment on column api.leads.company_name is 'Company name.';
comment on column api.leads.street is 'Street and number.';
comment on column api.leads.postal_code is 'Postal code.';
comment on column api.leads.city is 'City.';
comment on column api.leads.country is 'ISO country code.';
comment on column api.leads.vat_id is 'VAT id.';
comment on column api.leads.contact_name is 'Contact person.';
comment on column api.leads.contact_email is 'Contact e-mail.';
comment on column api.leads.contact_phone is 'Contact phone.';
comment on column api.leads.owner_id is 'Current owner; null in the pool.';
comment on column api.leads.registered_at is 'Start of the current protection.';
comment on column api.leads.status is 'UNASSIGNED, ACTIVE, GRACE or EXPIRED.';
comment on column api.leads.created_at is 'When the lead was first registered.';
comment on column api.leads.xentral_customer_id is 'The linked Xentral customer (link_xentral_customer).';

grant select on api.leads to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.lead_protection
with (security_invoker = true)
as
select
    o.id as lead_id,
    o.owner_id,
    o.status,
    o.clock_stopped,
    o.registered_at,
    o.last_progress_at,
    o.progress_due_at,
    o.warning_at,
    o.grace_until,
    o.term_end_at,
    o.expires_at,
    o.override_until,
    o.held_days
from app.lead_overview as o;
comment on view api.lead_protection is
'Protection of each visible lead now: status, deadlines, stop-the-clock. Owner and deadlines are '
'null for pool leads.';
comment on column api.lead_protection.lead_id is 'Lead id.';
comment on column api.lead_protection.owner_id is 'Owner; null in the pool.';
comment on column api.lead_protection.status is 'UNASSIGNED, ACTIVE, GRACE or EXPIRED.';
comment on column api.lead_protection.clock_stopped is 'An approved hold stops the clock right now.';
comment on column api.lead_protection.registered_at is 'Start of protection.';
comment on column api.lead_protection.last_progress_at is 'Latest qualifying activity, or registration.';
comment on column api.lead_protection.progress_due_at is 'New progress due by then (GRACE after).';
comment on column api.lead_protection.warning_at is 'When the owner is warned.';
comment on column api.lead_protection.grace_until is 'End of the grace period.';
comment on column api.lead_protection.term_end_at is 'End of the term (base months + holds + extensions).';
comment on column api.lead_protection.expires_at is 'When protection ends unless progress is shown.';
comment on column api.lead_protection.override_until is 'Manager override: protected at least until then.';
comment on column api.lead_protection.held_days is 'Days the clock stood still in this cycle.';

grant select on api.lead_protection to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.lead_pool
with (security_invoker = true)
as
select
    o.id,
    o.company_name,
    o.postal_code,
    o.city,
    o.status,
    o.released_at
from app.lead_overview as o
where o.status in ('UNASSIGNED', 'EXPIRED');
comment on view api.lead_pool is
'Leads anyone in the tenant may claim: never owned, released, or expired and not yet released.';
comment on column api.lead_pool.id is 'Lead id (for claim_lead).';
comment on column api.lead_pool.company_name is 'Company name.';
comment on column api.lead_pool.postal_code is 'Postal code.';
comment on column api.lead_pool.city is 'City.';
comment on column api.lead_pool.status is 'UNASSIGNED or EXPIRED.';
comment on column api.lead_pool.released_at is 'When it was last released (null if never owned or not yet released).';

grant select on api.lead_pool to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.activities
with (security_invoker = true)
as
select
    a.id,
    a.lead_id,
    a.kind,
    a.occurred_at,
    a.note,
    k.counts_as_progress,
    a.created_by,
    a.created_at
from app.activities as a
inner join app.activity_kinds as k on a.tenant_id = k.tenant_id and a.kind = k.kind;
comment on view api.activities is 'Activities of leads the caller may read in full.';
comment on column api.activities.id is 'Activity id.';
comment on column api.activities.lead_id is 'Lead.';
comment on column api.activities.kind is 'Kind.';
comment on column api.activities.occurred_at is 'When it happened.';
comment on column api.activities.note is 'Free text.';
comment on column api.activities.counts_as_progress is 'Whether its kind counts as progress (now).';
comment on column api.activities.created_by is 'Who logged it (null: the system).';
comment on column api.activities.created_at is 'When it was logged.';

grant select on api.activities to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.activity_kinds
with (security_invoker = true)
as
select
    k.kind,
    k.counts_as_progress,
    k.description
from app.activity_kinds as k;
comment on view api.activity_kinds is 'Activity kinds of the caller''s tenant and whether they count as progress.';
comment on column api.activity_kinds.kind is 'Kind code.';
comment on column api.activity_kinds.counts_as_progress is 'Qualifying: renews protection.';
comment on column api.activity_kinds.description is 'What it means.';

grant select on api.activity_kinds to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.collaborators
with (security_invoker = true)
as
select
    c.lead_id,
    c.user_id,
    c.role,
    c.added_by,
    c.added_at
from app.collaborators as c;
comment on view api.collaborators is 'Collaborators of leads the caller may read in full.';
comment on column api.collaborators.lead_id is 'Lead.';
comment on column api.collaborators.user_id is 'Collaborating user.';
comment on column api.collaborators.role is 'VIEW, ASSIST or NEGOTIATE.';
comment on column api.collaborators.added_by is 'Who added them.';
comment on column api.collaborators.added_at is 'When.';

grant select on api.collaborators to sales_rep, sales_manager, auditor, tenant_admin;

-- Internal helpers of the lead functions: checks shared by the api functions, and the few
-- definer steps that change ownership (which no caller may write directly).

create or replace function app.format_day(p_at timestamptz) returns text
language sql
stable
as $$ select to_char(p_at at time zone (app.my_protection_config()).timezone, 'YYYY-MM-DD') $$;
comment on function app.format_day(timestamptz) is 'A date for messages, in the caller''s tenant time zone.';

grant execute on function app.format_day(timestamptz) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function app_private.lock_lead(p_lead_id uuid) returns void
language sql
volatile
security definer
set search_path = ''
as $$ select from app.leads as l where l.id = p_lead_id and l.tenant_id = app.current_tenant_id() for update $$;
comment on function app_private.lock_lead(uuid) is
'Locks a lead of the caller''s tenant, so concurrent decisions on one lead happen one after the other.';

grant execute on function app_private.lock_lead(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

-- For the ownership-changing definer functions: a lead of the caller's tenant, locked, or FP305
-- (404). Definer functions bypass RLS, so the tenant check is theirs to make; granted to nobody.
create or replace function app_private.my_tenants_lead(p_lead_id uuid) returns app.leads
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
create or replace function app.lead_for_action(p_lead_id uuid) returns app.leads
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

grant execute on function app.lead_for_action(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

-- Raises FP310 (409) unless the lead's protection is ACTIVE or GRACE.
create or replace function app.require_live(p_lead app.leads) returns text
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

grant execute on function app.require_live(app.leads) to sales_rep, sales_manager, auditor, tenant_admin;

-- The caller owns the lead (reps) or is a manager; anything else is FP102.
create or replace function app.require_owner_or_manager(p_lead app.leads) returns void
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

grant execute on function app.require_owner_or_manager(app.leads) to sales_rep, sales_manager, auditor, tenant_admin;

-- ------------------------------------------------------------ ownership changes (definer)
create or replace function app_private.open_assignment(
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
create or replace function app_private.close_assignment(
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
-- A rep learns that a company is taken and until when, never by whom: another rep's protected lead
-- comes without its id, and no owner is ever returned (these run with the owner's rights).
create or replace function app_private.duplicate_of(p_dup_key text, p_vat_key text)
returns table (lead_id uuid, is_mine boolean, status text, expires_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
    select
        case
            when app.current_web_role() <> 'sales_rep' or l.owner_id is not distinct from app.current_user_id()
                or app.lead_status(l, c, app.now()) in ('UNASSIGNED', 'EXPIRED') then l.id
        end,
        l.owner_id is not distinct from app.current_user_id(),
        app.lead_status(l, c, app.now()),
        (select d.expires_at from app.lead_deadlines(l, c, app.now()) as d)
    from app.leads as l
    inner join app.protection_configs as c on c.tenant_id = l.tenant_id
    where l.tenant_id = app.current_tenant_id() and (l.dup_key = p_dup_key or l.vat_key = p_vat_key)
    order by l.dup_key = p_dup_key desc
    limit 1
$$;
comment on function app_private.duplicate_of(text, text) is
'The lead of the caller''s tenant with the same duplicate key or VAT id, with its status; never its owner, '
'and for a rep no id of another rep''s protected lead.';
grant execute on function app_private.duplicate_of(text, text) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function app_private.similar_leads(p_name_key text, p_area text)
returns table (id uuid, company_name text, postal_code text, city text, similarity real, status text)
language sql
stable
security definer
set search_path = ''
as $$
    -- Another rep's protected lead is reported without its id and as PROTECTED: the rep learns that
    -- the company is taken, not by whom, and cannot open it.
    select
        case
            when app.current_web_role() = 'sales_rep' and s.status in ('ACTIVE', 'GRACE') and not s.readable then null
            else s.id
        end,
        s.company_name, s.postal_code, s.city, s.similarity,
        case
            when app.current_web_role() = 'sales_rep' and s.status in ('ACTIVE', 'GRACE') and not s.mine
                then 'PROTECTED'
            else s.status
        end
    from (
        select
            l.id, l.company_name, l.postal_code, l.city,
            extensions.similarity(l.name_key, p_name_key) as similarity,
            app.lead_status(l, c, app.now()) as status,
            l.owner_id is not distinct from app.current_user_id() as mine,
            l.owner_id is not distinct from app.current_user_id()
            or exists (
                select from app.collaborators as co where co.lead_id = l.id and co.user_id = app.current_user_id()
            ) as readable
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
    ) as s
    order by s.similarity desc, s.company_name
$$;
comment on function app_private.similar_leads(text, text) is
'Leads of the caller''s tenant whose normalised name has trigram similarity >= 0.6, in the same postal area.';
grant execute on function app_private.similar_leads(text, text) to sales_rep, sales_manager, auditor, tenant_admin;

-- api functions for registration, duplicates, claims, activities and collaborators (SPEC 4.2).

create or replace function api.register_lead(
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
    v_name := app.check_line(register_lead.company_name, 'company_name', 2, 200);
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
    v_city := app.check_line(register_lead.city, 'city', 1, 100);
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
        elsif v_dup.is_mine then
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

grant execute on function api.register_lead(text, text, text, text, text, text, text, text, text)
to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.find_similar_leads(company_name text, postal_code text)
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
    return query
    select s.id, s.company_name, s.postal_code, s.city, s.similarity, s.status
    from app_private.similar_leads(v_name_key, v_area) as s;
end
$$;
comment on function api.find_similar_leads(text, text) is
'Leads with a similar name (trigram similarity >= 0.6) in the same postal area, to warn before '
'registering. Other agents'' protected leads show status PROTECTED and no id.';

grant execute on function api.find_similar_leads(text, text) to sales_rep, sales_manager, auditor, tenant_admin;

-- Starts the caller's protection of a lead: right after registering it, or claiming it from the
-- pool. A definer function, so that it may write ownership, with every rule checked here.
create or replace function app_private.acquire_lead(p_lead_id uuid, p_open_reason text) returns void
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

create or replace function api.claim_lead(lead_id uuid) returns api.lead_protection
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

grant execute on function api.claim_lead(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.log_activity(
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

grant execute on function api.log_activity(uuid, text, timestamptz, text)
to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.add_collaborator(lead_id uuid, user_id uuid, role text) returns api.collaborators
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

grant execute on function api.add_collaborator(uuid, uuid, text) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.remove_collaborator(lead_id uuid, user_id uuid) returns void
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

grant execute on function api.remove_collaborator(uuid, uuid) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.set_activity_kind(kind text, counts_as_progress boolean) returns api.activity_kinds
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

grant execute on function api.set_activity_kind(text, boolean) to sales_rep, sales_manager, auditor, tenant_admin;

-- api functions for stop-the-clock holds, extensions and manager actions (SPEC 3.4-3.6).

create or replace function api.override_protection(lead_id uuid, until timestamptz, reason text)
returns api.lead_protection
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_lead app.leads;
    v_reason text;
    v_id uuid;
begin
    perform app.require_role(array['sales_manager']);
    v_reason := app.check_text(override_protection.reason, 'reason', 10, 2000);
    v_lead := app.lead_for_action(override_protection.lead_id);
    if v_lead.owner_id is null then
        perform app.raise_error('FP310', 409, 'The lead is in the pool; assign it with transfer_lead.', 'lead_id');
    end if;
    if override_protection.until is null or override_protection.until <= app.now()
        or override_protection.until > app.now() + interval '2 years' then
        perform app.raise_error('FP703', 400, 'until must lie in the future (at most two years ahead).', 'until');
    end if;
    insert into app.protection_overrides (tenant_id, lead_id, assignment_id, until, reason, created_by)
    values (v_lead.tenant_id, v_lead.id, v_lead.assignment_id, override_protection.until, v_reason, app.current_user_id())
    returning id into v_id;
    perform app_private.audit(
        v_lead.tenant_id, 'lead.override', 'lead', v_lead.id, v_lead.id,
        jsonb_build_object('override_until', v_lead.override_until),
        jsonb_build_object('override_until', override_protection.until), v_reason
    );
    return (select p from api.lead_protection as p where p.lead_id = v_lead.id);
end
$$;
comment on function api.override_protection(uuid, timestamptz, text) is
'Keeps a lead ACTIVE until `until` whatever its progress (managers; also rescues an expired lead '
'before its release).';

grant execute on function api.override_protection(uuid, timestamptz, text)
to sales_rep, sales_manager, auditor, tenant_admin;

-- Manager actions that change ownership: definer functions, so that they may write ownership, with
-- every rule checked here; the api functions validate arguments and call them.
create or replace function app_private.expire_lead_now(p_lead_id uuid, p_reason text) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_manager']);
    v_lead := app_private.my_tenants_lead(p_lead_id);
    if v_lead.owner_id is null then
        perform app.raise_error('FP310', 409, 'The lead is already in the pool.', 'lead_id');
    end if;
    perform app_private.release_lead(v_lead.id, 'EXPIRED_NOW', false, p_reason);
end
$$;
comment on function app_private.expire_lead_now(uuid, text) is 'Releases a lead now (managers of its tenant).';

grant execute on function app_private.expire_lead_now(uuid, text) to sales_manager, tenant_admin;

create or replace function app_private.reassign_lead(p_lead_id uuid, p_new_owner_id uuid, p_reason text) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_manager', 'tenant_admin']);
    v_lead := app_private.my_tenants_lead(p_lead_id);
    if app.current_web_role() = 'tenant_admin' and v_lead.owner_id is not null then
        perform app.raise_error('FP102', 403, 'Tenant admins assign pool leads only.', 'lead_id');
    end if;
    if not exists (
        select from app.users as u
        where u.id = p_new_owner_id and u.tenant_id = v_lead.tenant_id and u.role = 'sales_rep' and u.active
    ) then
        perform app.raise_error('FP704', 400, 'new_owner_id must be an active sales rep of your tenant.', 'new_owner_id');
    end if;
    if p_new_owner_id = v_lead.owner_id then
        perform app.raise_error('FP704', 409, 'The lead already belongs to this rep.', 'new_owner_id');
    end if;
    if v_lead.owner_id is not null then
        perform app_private.close_assignment(v_lead.id, 'TRANSFERRED', null, false);
        -- Collaborators stay, except the new owner, who now owns the lead. (Pool leads have none.)
        delete from app.collaborators as c where c.lead_id = v_lead.id and c.user_id = p_new_owner_id;
    end if;
    perform app_private.open_assignment(
        v_lead.id, p_new_owner_id, app.now(), case when v_lead.owner_id is null then 'ASSIGNED' else 'TRANSFERRED' end
    );
    perform app_private.notify(
        v_lead.tenant_id, p_new_owner_id, 'LEAD_ASSIGNED', v_lead.id,
        format('Neuer Lead: %s', v_lead.company_name),
        format('Ihnen wurde der Lead %s übertragen.', v_lead.company_name),
        'LEAD_ASSIGNED:' || v_lead.id || ':' || app.now()
    );
    perform app_private.write_audit(
        v_lead.tenant_id, 'lead.transferred', 'lead', v_lead.id, v_lead.id,
        jsonb_build_object('owner_id', v_lead.owner_id), jsonb_build_object('owner_id', p_new_owner_id),
        p_reason, false
    );
    -- the former owner's feedback links do not reach into the new owner's cycle
    perform app_private.retire_lead_feedback_tokens(v_lead.id, 'lead.transferred', false);
end
$$;
comment on function app_private.reassign_lead(uuid, uuid, text) is
'Gives a lead to a rep with a fresh cycle (managers: any lead of the tenant; tenant admins: pool leads) and '
'revokes the feedback links of the former cycle.';

grant execute on function app_private.reassign_lead(uuid, uuid, text) to sales_manager, tenant_admin;

create or replace function app_private.backdate_lead(p_lead_id uuid, p_registered_at timestamptz, p_reason text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_manager']);
    v_lead := app_private.my_tenants_lead(p_lead_id);
    if v_lead.owner_id is null then
        perform app.raise_error('FP310', 409, 'The lead is in the pool; there is no registration to backdate.', 'lead_id');
    end if;
    if p_registered_at is null
        or p_registered_at >= v_lead.registered_at
        or p_registered_at > app.now()
        or p_registered_at < v_lead.created_at - interval '365 days' then
        perform app.raise_error(
            'FP705', 422,
            format(
                'registered_at must be earlier than %s and not before %s.',
                app.format_day(v_lead.registered_at), app.format_day(v_lead.created_at - interval '365 days')
            ),
            'registered_at'
        );
    end if;
    update app.lead_assignments set registered_at = p_registered_at where id = v_lead.assignment_id;
    perform app_private.write_audit(
        v_lead.tenant_id, 'lead.registration_backdated', 'lead', v_lead.id, v_lead.id,
        jsonb_build_object('registered_at', v_lead.registered_at), jsonb_build_object('registered_at', p_registered_at),
        p_reason, false
    );
end
$$;
comment on function app_private.backdate_lead(uuid, timestamptz, text) is
'Moves the registration of the current cycle earlier (managers of the lead''s tenant).';

grant execute on function app_private.backdate_lead(uuid, timestamptz, text) to sales_manager, tenant_admin;

create or replace function api.expire_now(lead_id uuid, reason text) returns api.lead_protection
language plpgsql
volatile
as $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_manager']);
    perform app_private.expire_lead_now(expire_now.lead_id, app.check_text(expire_now.reason, 'reason', 10, 2000));
    return (select p from api.lead_protection as p where p.lead_id = expire_now.lead_id);
end
$$;
comment on function api.expire_now(uuid, text) is
'Ends protection at once and releases the lead to the pool (managers).';

grant execute on function api.expire_now(uuid, text) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.transfer_lead(lead_id uuid, new_owner_id uuid, reason text) returns api.lead_protection
language plpgsql
volatile
as $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_manager', 'tenant_admin']);
    perform app_private.reassign_lead(
        transfer_lead.lead_id, transfer_lead.new_owner_id, app.check_text(transfer_lead.reason, 'reason', 10, 2000)
    );
    return (select p from api.lead_protection as p where p.lead_id = transfer_lead.lead_id);
end
$$;
comment on function api.transfer_lead(uuid, uuid, text) is
'Gives a lead to another rep with a fresh protection cycle (managers; tenant admins for pool leads). '
'Collaborators are kept unless the new owner was one.';

grant execute on function api.transfer_lead(uuid, uuid, text) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.backdate_registration(lead_id uuid, registered_at timestamptz, reason text)
returns api.lead_protection
language plpgsql
volatile
as $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_manager']);
    perform app_private.backdate_lead(
        backdate_registration.lead_id, backdate_registration.registered_at,
        app.check_text(backdate_registration.reason, 'reason', 10, 2000)
    );
    return (select p from api.lead_protection as p where p.lead_id = backdate_registration.lead_id);
end
$$;
comment on function api.backdate_registration(uuid, timestamptz, text) is
'Moves the registration of the current cycle earlier (managers; at most 365 days before the lead was created).';

grant execute on function api.backdate_registration(uuid, timestamptz, text)
to sales_rep, sales_manager, auditor, tenant_admin;
