-- Per-lead protection state, recomputed from its sources by triggers in the same transaction as
-- every change, so reads never aggregate activities or holds.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- The state each lead should have, derived from assignments, activities, holds, extensions and
-- overrides. Used only to (re)write app.leads, by the definer functions below.
create view app.lead_state_source
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
create function app_private.refresh_leads_state(p_lead_ids uuid[]) returns void
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
create function app_private.tg_lead_source__refresh() returns trigger
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

create trigger _200_refresh_lead_state
after insert or update or delete on app.lead_assignments
for each row execute function app_private.tg_lead_source__refresh();

create trigger _200_refresh_lead_state
after insert or update or delete on app.activities
for each row execute function app_private.tg_lead_source__refresh();

create trigger _200_refresh_lead_state
after insert or update or delete on app.holds
for each row execute function app_private.tg_lead_source__refresh();

create trigger _200_refresh_lead_state
after insert or update or delete on app.extension_requests
for each row execute function app_private.tg_lead_source__refresh();

create trigger _200_refresh_lead_state
after insert or update or delete on app.protection_overrides
for each row execute function app_private.tg_lead_source__refresh();

-- Tenant-wide: a kind's progress flag or a hold cap changes the state of many leads.
create function app_private.tg_activity_kinds__refresh_leads() returns trigger
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

create trigger _200_refresh_lead_state
after update of counts_as_progress on app.activity_kinds
for each row when (new.counts_as_progress is distinct from old.counts_as_progress)
execute function app_private.tg_activity_kinds__refresh_leads();

create function app_private.tg_protection_configs__refresh_leads() returns trigger
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

create trigger _200_refresh_lead_state
after update on app.protection_configs
for each row when (new.hold_max_days is distinct from old.hold_max_days)
execute function app_private.tg_protection_configs__refresh_leads();
