-- The baseline for SPEC 10.1 "versus recomputing every window on read": the planning documents'
-- view design, created only in the benchmark database (never in a migration).
--
-- Every row recomputes SPEC 3.3 from the sources, the straightforward way: the anchor from
-- max(activities.occurred_at) of qualifying kinds, held time by summing app.holds intervals (each
-- clipped to its cap, to [from, now]), extension days from app.extension_requests, the latest
-- override, and the tenant settings through app.effective_setting(...) per row. No stored per-lead
-- state (app.leads.anchor_at, held_*, hold_*, extension_days, override_until) and no
-- app.protection_configs are read.
--
-- Security: a security_invoker view cannot be used here, because reps have no privilege on
-- app.protection_overrides (the engine stores override_until on the lead instead). So the view runs
-- with its owner's rights (the superuser that creates it) and filters explicitly to what the
-- calling rep owns: the caller's tenant and open assignments owned by the caller (JWT claims).
-- Like api.lead_protection, a rep sees owner and deadlines of their own leads in every status.
\set ON_ERROR_STOP on
\set QUIET on

create or replace view bench.lead_protection_recompute
with (security_invoker = false)
as
select
    l.id as lead_id,
    a.owner_id as owner_id,
    s.status,
    coalesce(h.clock_stopped, false) as clock_stopped,
    a.registered_at as registered_at,
    anc.anchor_at as last_progress_at,
    d.progress_due_at as progress_due_at,
    d.warning_at as warning_at,
    d.grace_until as grace_until,
    d.term_end_at as term_end_at,
    d.expires_at as expires_at,
    ovr.until as override_until,
    round(h.held_registration_s / 86400, 2) as held_days
from app.leads as l
inner join app.lead_assignments as a on l.id = a.lead_id and a.closed_at is null
cross join lateral (select app.now() as t) as clock
cross join lateral (
    select
        (app.effective_setting('lead.protection.baseMonths', l.tenant_id, null, null))::integer
            as base_months,
        (app.effective_setting('lead.protection.progressDays', l.tenant_id, null, null))::integer
            as progress_days,
        (app.effective_setting('lead.protection.graceDays', l.tenant_id, null, null))::integer
            as grace_days,
        (app.effective_setting('lead.protection.warningDays', l.tenant_id, null, null))::integer
            as warning_days,
        app.effective_setting('lead.protection.mode', l.tenant_id, null, null) #>> '{}' as mode,
        app.effective_setting('tenant.timezone', l.tenant_id, null, null) #>> '{}' as tz,
        app.effective_setting('lead.protection.hold.maxDays', l.tenant_id, null, null) as hold_max_days
) as cfg
cross join lateral (
    select coalesce(max(ac.occurred_at), a.registered_at) as anchor_at
    from app.activities as ac
    inner join app.activity_kinds as k on ac.tenant_id = k.tenant_id and ac.kind = k.kind
    where ac.lead_id = l.id and k.counts_as_progress and ac.occurred_at >= a.registered_at
) as anc
cross join lateral (
    -- each approved hold counts from its start up to its end, its cap or now, clipped to [from, now]
    select
        coalesce(sum(greatest(0, extract(epoch from
            least(x.stop, clock.t) - greatest(x.start_at, anc.anchor_at)))), 0) as held_anchor_s,
        coalesce(sum(greatest(0, extract(epoch from
            least(x.stop, clock.t) - greatest(x.start_at, a.registered_at)))), 0) as held_registration_s,
        coalesce(bool_or(x.start_at <= clock.t and clock.t < x.stop), false) as clock_stopped
    from (
        select
            hh.start_at,
            least(
                coalesce(hh.end_at, 'infinity'),
                hh.start_at + make_interval(days => coalesce((cfg.hold_max_days ->> hh.reason)::integer, 0))
            ) as stop
        from app.holds as hh
        where hh.lead_id = l.id and hh.state = 'APPROVED'
    ) as x
) as h
cross join lateral (
    select coalesce(sum(e.days), 0)::integer as days
    from app.extension_requests as e
    where e.lead_id = l.id and e.assignment_id = a.id and e.state = 'APPROVED'
) as ext
left join lateral (
    select o.until
    from app.protection_overrides as o
    where o.lead_id = l.id and o.assignment_id = a.id
    order by o.created_at desc, o.id desc
    limit 1
) as ovr on true
cross join lateral (
    select
        ((anc.anchor_at at time zone cfg.tz) + make_interval(days => cfg.progress_days))
        at time zone cfg.tz + make_interval(secs => h.held_anchor_s) as progress_due_at,
        ((anc.anchor_at at time zone cfg.tz) + make_interval(days => cfg.progress_days - cfg.warning_days))
        at time zone cfg.tz + make_interval(secs => h.held_anchor_s) as warning_at,
        ((anc.anchor_at at time zone cfg.tz) + make_interval(days => cfg.progress_days + cfg.grace_days))
        at time zone cfg.tz + make_interval(secs => h.held_anchor_s) as grace_until,
        ((a.registered_at at time zone cfg.tz) + make_interval(months => cfg.base_months, days => ext.days))
        at time zone cfg.tz + make_interval(secs => h.held_registration_s) as term_end_at
) as w
cross join lateral (
    select
        w.progress_due_at,
        w.warning_at,
        w.grace_until,
        w.term_end_at,
        greatest(
            case cfg.mode when 'LEAST' then least(w.grace_until, w.term_end_at) else w.grace_until end,
            ovr.until
        ) as expires_at
) as d
cross join lateral (
    select x.status
    from (
        select case
            when clock.t >= d.expires_at then 'EXPIRED'
            when clock.t >= d.progress_due_at and not coalesce(ovr.until > clock.t, false) then 'GRACE'
            else 'ACTIVE'
        end as status
    ) as x
) as s
where l.tenant_id = app.current_tenant_id() and a.owner_id = app.current_user_id();

comment on view bench.lead_protection_recompute is
'Benchmark baseline: api.lead_protection recomputed from the sources on every read (own leads only).';

grant usage on schema bench to sales_rep;
grant select on bench.lead_protection_recompute to sales_rep;
