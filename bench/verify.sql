-- Checks the generated benchmark data (bench/generate.sql): prints its shape and fails when an
-- invariant does not hold. The load ran with session_replication_role = replica, which skips
-- foreign-key triggers, so referential integrity is checked here explicitly.
--
--   psql -v n=100000 -f bench/verify.sql
\set ON_ERROR_STOP on
\set QUIET on
\pset footer off

\echo [verify] data shape
select
    l.total as leads,
    l.owned,
    round(100.0 * l.owned / l.total, 1) as owned_pct,
    l.released,
    l.never_owned,
    (select count(*) from app.users where email like '%bench.example') as reps,
    (select count(*) from app.lead_assignments) as assignments,
    (select count(*) from app.activities) as activities,
    (select count(*) from app.holds) as holds,
    (select count(*) from app.holds where end_at is null) as open_holds,
    (select count(*) from app.extension_requests) as extensions,
    (select count(*) from app.protection_overrides) as overrides,
    (select count(*) from app.collaborators) as collaborators
from (
    select
        count(*) as total,
        count(owner_id) as owned,
        count(*) filter (where owner_id is null and released_at is not null) as released,
        count(*) filter (where owner_id is null and released_at is null) as never_owned
    from app.leads
) as l;

\echo [verify] status now (engine state, superuser view of every lead)
select t.slug as tenant, c.mode, s.status, count(*) as leads
from app.leads as l
inner join app.protection_configs as c on l.tenant_id = c.tenant_id
inner join app.tenants as t on l.tenant_id = t.id
cross join lateral (select app.lead_status(l, c, app.now()) as status) as s
group by 1, 2, 3
order by 1, 3;

\echo [verify] stored per-lead state
select
    count(*) filter (where anchor_at > registered_at) as anchored_by_activity,
    count(*) filter (where hold_start is not null) as with_latest_hold,
    count(*) filter (where held_since_anchor > '0' or held_since_registration > '0') as with_earlier_holds,
    count(*) filter (where extension_days > 0) as with_extension_days,
    count(*) filter (where override_until is not null) as with_override
from app.leads;

\echo [verify] invariants
create temporary table violations as
select 'lead.n' as rule, count(*) as bad from app.leads having count(*) <> :n
union all
select 'owned share 65-75 %', count(*) from (select count(owner_id)::numeric / count(*) as share from app.leads) as x
where x.share not between 0.65 and 0.75
union all
select 'owned lead matches exactly its one open assignment', count(*)
from app.leads as l
where l.owner_id is not null and not exists (
    select from app.lead_assignments as a
    where a.id = l.assignment_id and a.lead_id = l.id and a.closed_at is null
        and a.owner_id = l.owner_id and a.registered_at = l.registered_at
)
union all
select 'pool lead has no open assignment', count(*)
from app.leads as l
inner join app.lead_assignments as a on l.id = a.lead_id and a.closed_at is null
where l.owner_id is null
union all
select 'at most one open assignment per lead', count(*)
from (select lead_id from app.lead_assignments where closed_at is null group by 1 having count(*) > 1) as x
union all
select 'anchor between registration and now', count(*)
from app.leads where anchor_at < registered_at or anchor_at > now()
union all
select 'activity occurred_at within its cycle', count(*)
from app.activities as ac
inner join app.lead_assignments as a on ac.assignment_id = a.id
where ac.occurred_at < a.registered_at or ac.occurred_at > coalesce(a.closed_at, now())
union all
select 'activity kind exists for the tenant (fk)', count(*)
from app.activities as ac
where not exists (select from app.activity_kinds as k where k.tenant_id = ac.tenant_id and k.kind = ac.kind)
union all
select 'activity, hold, extension, override of its own lead and tenant', count(*)
from (
    select lead_id, tenant_id, assignment_id from app.activities
    union all select lead_id, tenant_id, assignment_id from app.holds
    union all select lead_id, tenant_id, assignment_id from app.extension_requests
    union all select lead_id, tenant_id, assignment_id from app.protection_overrides
) as x
where not exists (
    select from app.lead_assignments as a
    where a.id = x.assignment_id and a.lead_id = x.lead_id and a.tenant_id = x.tenant_id
)
union all
select 'hold within its cycle, not in the future', count(*)
from app.holds as h
inner join app.lead_assignments as a on h.assignment_id = a.id
where h.start_at < a.registered_at or h.start_at > now() or h.end_at > now()
union all
select 'users of leads and assignments exist in the tenant', count(*)
from app.lead_assignments as a
where not exists (select from app.users as u where u.id = a.owner_id and u.tenant_id = a.tenant_id)
union all
select 'collaborator is not the owner', count(*)
from app.collaborators as c inner join app.leads as l on c.lead_id = l.id
where c.user_id = l.owner_id
union all
select 'lead details per lead', count(*)
from app.leads as l where not exists (select from app.lead_details as d where d.lead_id = l.id);

select rule, bad from violations order by rule;

do $$
declare
    v_bad text;
begin
    select string_agg(rule, '; ') into v_bad from violations where bad > 0;
    if v_bad is not null then
        raise exception 'benchmark data violates: %', v_bad;
    end if;
end
$$;
\echo [verify] all invariants hold
