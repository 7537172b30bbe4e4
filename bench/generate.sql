-- Benchmark data for the lead-protection engine (SPEC 10.1), generated set-based.
--
--   psql -v n=100000 -f bench/generate.sql     (as the superuser, on a freshly migrated database)
--
-- Shape, for :n leads:
--   2 tenants: "bench-greatest" (mode GREATEST, the default) and "bench-least" (mode LEAST),
--   2 orgs each, 500 sales reps + 1 manager each (1000 reps in all).
--   ~70 % owned (open assignment; registered over the last 240 days, LEAST tenant 165 days;
--        10 % of them claimed from the pool after an earlier, closed cycle of another rep),
--   ~27 % in the pool after release (one closed assignment, release_reason EXPIRED),
--   ~3 % never owned (UNASSIGNED).
--   0-8 activities per owned lead (14 kinds, 7 qualifying); an owned lead registered more than
--   65 days ago has a qualifying activity within the last 72 days (as if the nightly sweep had
--   released the others), so most owned leads are ACTIVE, a few GRACE or EXPIRED-not-released.
--   ~20 % of owned leads have 1-2 APPROVED holds (non-overlapping; some open, some ended),
--   ~1 % of LEAST-tenant leads approved extension requests (+ a few pending),
--   ~0.5 % manager overrides, ~2 % collaborators, one lead_details row per lead.
--
-- The row triggers that keep the per-lead state (app_private.tg_lead_source__refresh) are
-- bypassed with session_replication_role = replica during the load; the state is then computed
-- once per tenant by app_private.refresh_leads_state. Replica mode also skips foreign-key
-- triggers, so the checks at the end verify referential integrity explicitly.
\set ON_ERROR_STOP on
\set QUIET on
\pset footer off
\timing off

select setseed(0.20240601) \gset

set client_min_messages = warning;
drop schema if exists bench cascade;
reset client_min_messages;
create schema bench;
create table bench.timings (step text primary key, seconds numeric not null);
select clock_timestamp() as t_load \gset

\echo [generate] tenants, orgs, 1000 reps, 2 managers
-- Normal inserts: the tenant triggers create the protection configuration and activity kinds.
insert into app.tenants (slug, name) values
('bench-greatest', 'Bench GREATEST'),
('bench-least', 'Bench LEAST');
insert into app.settings_values (key, scope, tenant_id, target_id, value)
select 'lead.protection.mode', 'tenant', t.id, t.id, '"LEAST"'
from app.tenants as t where t.slug = 'bench-least';

insert into app.orgs (tenant_id, name)
select t.id, o.name
from app.tenants as t cross join (values ('Nord'), ('Süd')) as o (name)
where t.slug like 'bench-%';

create table bench.reps as
select
    r.idx,
    gen_random_uuid() as user_id,
    t.id as tenant_id,
    (
        select o.id from app.orgs as o
        where o.tenant_id = t.id order by o.name offset (r.idx % 2) limit 1
    ) as org_id
from generate_series(0, 999) as r (idx)
inner join app.tenants as t on t.slug = case when r.idx < 500 then 'bench-greatest' else 'bench-least' end;
create unique index on bench.reps (idx);

create table bench.managers as
select
    t.id as tenant_id,
    gen_random_uuid() as user_id,
    (select o.id from app.orgs as o where o.tenant_id = t.id order by o.name limit 1) as org_id,
    t.slug
from app.tenants as t where t.slug like 'bench-%';

insert into app.users (id, tenant_id, org_id, email, display_name, role)
select r.user_id, r.tenant_id, r.org_id, format('rep%s@bench.example', r.idx), format('Rep %s', r.idx), 'sales_rep'
from bench.reps as r
union all
select m.user_id, m.tenant_id, m.org_id, format('manager@%s.example', m.slug), 'Manager', 'sales_manager'
from bench.managers as m;

-- ------------------------------------------------------------------ the plan: one row per lead
\echo [generate] planning :n leads
create unlogged table bench.plan as
with base as (
    select
        g as n,
        random() as u_kind,
        floor(random() * 1000)::integer as rep_idx,
        random() as u_reg,
        random() as u_claimed,
        random() as u_prev,
        random() as u_close,
        random() as u_acts,
        random() as u_holds
    from generate_series(1, :n) as g
)
select
    b.n,
    gen_random_uuid() as lead_id,
    r.tenant_id,
    r.user_id as owner_id,
    -- another rep of the same tenant: previous owner of a claimed lead, or a collaborator
    (select p.user_id from bench.reps as p where p.idx = (r.idx / 500) * 500 + (r.idx % 500 + 1) % 500)
        as other_rep_id,
    case when b.u_kind < 0.70 then 'OWNED' when b.u_kind < 0.97 then 'POOL' else 'NEW' end as kind,
    b.u_claimed < 0.10 as claimed,
    b.u_acts,
    b.u_holds,
    r.idx >= 500 as least_mode,
    -- owned: the open cycle
    now() - (case when r.idx >= 500 then 165 else 240 end) * b.u_reg * interval '1 day' as registered_at,
    gen_random_uuid() as assignment_id,
    -- pool, or the earlier cycle of a claimed lead: a closed cycle
    gen_random_uuid() as prev_assignment_id,
    b.u_prev,
    b.u_close
from base as b
inner join bench.reps as r on b.rep_idx = r.idx;

alter table bench.plan add column prev_registered_at timestamptz;
alter table bench.plan add column prev_closed_at timestamptz;
update bench.plan set
    prev_registered_at = case kind
        when 'POOL' then now() - (250 + 200 * u_prev) * interval '1 day'
        when 'OWNED' then case when claimed then registered_at - (100 + 100 * u_prev) * interval '1 day' end
    end,
    prev_closed_at = case kind
        when 'POOL' then now() - (250 + 200 * u_prev) * interval '1 day' + (70 + 100 * u_close) * interval '1 day'
        when 'OWNED' then case
            when claimed then registered_at - (1 + 10 * u_close) * interval '1 day'
        end
    end;
create unique index on bench.plan (n);
analyze bench.plan;

-- ------------------------------------------------------------------ bulk load, triggers off
set session_replication_role = replica;

\echo [generate] app.leads
insert into app.leads (id, tenant_id, company_name, postal_code, city, created_by, created_at, released_at)
select
    p.lead_id,
    p.tenant_id,
    format('Bench Gastro %s', p.n),
    lpad((10000 + p.n % 89999)::text, 5, '0'),
    format('Stadt %s', p.n % 997),
    case when p.claimed and p.kind = 'OWNED' then p.other_rep_id else p.owner_id end,
    coalesce(p.prev_registered_at, case when p.kind = 'OWNED' then p.registered_at end,
        now() - 300 * p.u_prev * interval '1 day'),
    p.prev_closed_at
from bench.plan as p;

\echo [generate] app.lead_details
insert into app.lead_details (lead_id, tenant_id, street, contact_name, contact_email, contact_phone)
select
    p.lead_id, p.tenant_id, format('Hauptstraße %s', p.n % 200 + 1), format('Kontakt %s', p.n),
    format('kontakt%s@gastro.example', p.n), format('+49 40 %s', 100000 + p.n)
from bench.plan as p;

\echo [generate] app.lead_assignments
insert into app.lead_assignments (
    id, tenant_id, lead_id, owner_id, registered_at, open_reason, opened_at, opened_by, closed_at,
    release_reason, protection_ended_at
)
-- the open cycle of every owned lead
select
    p.assignment_id, p.tenant_id, p.lead_id, p.owner_id, p.registered_at,
    case when p.claimed then 'CLAIMED' else 'REGISTERED' end, p.registered_at, p.owner_id, null, null, null
from bench.plan as p where p.kind = 'OWNED'
union all
-- the closed cycle of a pool lead (owner p.owner_id) or of a claimed lead (the other rep)
select
    p.prev_assignment_id, p.tenant_id, p.lead_id,
    case when p.kind = 'POOL' then p.owner_id else p.other_rep_id end,
    p.prev_registered_at, 'REGISTERED', p.prev_registered_at,
    case when p.kind = 'POOL' then p.owner_id else p.other_rep_id end,
    p.prev_closed_at, 'EXPIRED', p.prev_closed_at
from bench.plan as p where p.prev_registered_at is not null;

\echo [generate] app.activities
-- Kinds by index: 1-7 qualifying, 8-14 not (app.default_activity_kinds).
create temporary table kinds as
select
    k.kind,
    row_number() over (order by not k.counts_as_progress, k.kind)::integer as idx
from app.default_activity_kinds as k;

insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note, created_by, created_at)
select
    a.tenant_id, a.lead_id, a.assignment_id, k.kind, a.occurred_at,
    case when a.j % 3 = 0 then 'Bench activity' end, a.created_by, a.occurred_at
from (
    -- current cycle of owned leads: 0-8 activities; an older registration gets a recent qualifying one
    select
        p.tenant_id, p.lead_id, p.assignment_id, p.owner_id as created_by, j.j,
        case
            when j.j = 1 and p.registered_at < now() - interval '65 days'
                then now() - random() * least(interval '72 days', now() - p.registered_at)
            else p.registered_at + random() * (now() - p.registered_at)
        end as occurred_at,
        case
            when j.j = 1 and p.registered_at < now() - interval '65 days' then 1 + floor(random() * 7)::integer
            else 1 + floor(random() * 14)::integer
        end as kind_idx
    from bench.plan as p
    cross join lateral generate_series(
        1,
        case
            when p.registered_at < now() - interval '65 days' then 1 + floor(p.u_acts * 8)::integer
            else floor(p.u_acts * 9)::integer
        end
    ) as j (j)
    where p.kind = 'OWNED'
    union all
    -- closed cycles: 0-4 activities in the first part of the cycle
    select
        p.tenant_id, p.lead_id, p.prev_assignment_id,
        case when p.kind = 'POOL' then p.owner_id else p.other_rep_id end, j.j,
        p.prev_registered_at + random() * greatest(
            interval '0', p.prev_closed_at - interval '70 days' - p.prev_registered_at
        ),
        1 + floor(random() * 14)::integer
    from bench.plan as p
    cross join lateral generate_series(1, floor(p.u_acts * 5)::integer) as j (j)
    where p.prev_registered_at is not null
) as a
inner join kinds as k on a.kind_idx = k.idx;

\echo [generate] app.holds
-- ~20 % of owned leads: one hold in the second half of the cycle (open in 30 % of cases), and
-- for half of them an earlier, ended hold in the first half; halves never overlap.
insert into app.holds (
    tenant_id, lead_id, assignment_id, reason, note, start_at, end_at, state, requested_by,
    decided_by, decided_at, created_at
)
select
    h.tenant_id, h.lead_id, h.assignment_id, h.reason, 'Bench hold: waiting for the customer',
    h.start_at, h.end_at, 'APPROVED', h.owner_id,
    case when h.reason like 'FFZ\_%' then h.owner_id else m.user_id end, h.start_at, h.start_at
from (
    select
        p.tenant_id, p.lead_id, p.assignment_id, p.owner_id,
        (array['FFZ_PRICE_APPROVAL', 'FFZ_SAMPLE_DELAY', 'FFZ_SUPPLY_ISSUE', 'CUSTOMER_BLOCKED', 'OTHER'])[
            1 + floor(random() * 5)::integer
        ] as reason,
        x.start_at,
        case
            when x.second and random() < 0.3 then null
            else least(x.start_at + (1 + 20 * random()) * interval '1 day', x.half_end)
        end as end_at
    from bench.plan as p
    cross join lateral (
        select
            true as second,
            p.registered_at + (now() - p.registered_at) * (0.5 + 0.45 * random()) as start_at,
            now() as half_end
        union all
        select
            false,
            p.registered_at + (now() - p.registered_at) * 0.4 * random(),
            p.registered_at + (now() - p.registered_at) * 0.5
        where p.u_holds < 0.10
    ) as x
    where p.kind = 'OWNED' and p.u_holds < 0.20
) as h
inner join bench.managers as m on h.tenant_id = m.tenant_id;

\echo [generate] app.extension_requests, app.protection_overrides, app.collaborators
insert into app.extension_requests (
    tenant_id, lead_id, assignment_id, days, reason, state, requested_by, requested_at, due_at,
    decided_by, decided_at
)
select
    e.tenant_id, e.lead_id, e.assignment_id, e.days, 'Customer decides after the trade fair', e.state,
    e.owner_id, e.requested_at, e.requested_at + interval '48 hours',
    case when e.state <> 'PENDING' then m.user_id end,
    case when e.state <> 'PENDING' then least(e.requested_at + interval '1 day', now()) end
from (
    select
        p.tenant_id, p.lead_id, p.assignment_id, p.owner_id,
        1 + floor(random() * 30)::integer as days,
        case when p.u_holds > 0.997 then 'PENDING' else 'APPROVED' end as state,
        case
            when p.u_holds > 0.997 then now() - random() * interval '2 days'
            else p.registered_at + random() * (now() - p.registered_at)
        end as requested_at
    from bench.plan as p
    where p.kind = 'OWNED' and p.least_mode and p.u_holds > 0.987
) as e
inner join bench.managers as m on e.tenant_id = m.tenant_id;

insert into app.protection_overrides (tenant_id, lead_id, assignment_id, until, reason, created_by, created_at)
select
    p.tenant_id, p.lead_id, p.assignment_id, now() + (10 + 50 * random()) * interval '1 day',
    'Key account: protected during the tender', m.user_id, now() - 10 * random() * interval '1 day'
from bench.plan as p
inner join bench.managers as m on p.tenant_id = m.tenant_id
where p.kind = 'OWNED' and p.u_holds between 0.50 and 0.505;

insert into app.collaborators (lead_id, user_id, tenant_id, role, added_by, added_at)
select
    p.lead_id, p.other_rep_id, p.tenant_id,
    (array['VIEW', 'ASSIST', 'NEGOTIATE'])[1 + p.n % 3], p.owner_id, p.registered_at
from bench.plan as p
where p.kind = 'OWNED' and p.u_holds between 0.60 and 0.62;

reset session_replication_role;
insert into bench.timings values ('load', extract(epoch from clock_timestamp() - :'t_load'::timestamptz));

-- ------------------------------------------------------------------ per-lead state, once
\echo [generate] per-lead state: app_private.refresh_leads_state per tenant
select clock_timestamp() as t_state \gset
\timing on
do $$
declare
    v_tenant uuid;
begin
    for v_tenant in select t.id from app.tenants as t where t.slug like 'bench-%' order by t.slug loop
        perform app_private.refresh_leads_state(array(select l.id from app.leads as l where l.tenant_id = v_tenant));
    end loop;
end
$$;
\timing off
insert into bench.timings values ('state refresh', extract(epoch from clock_timestamp() - :'t_state'::timestamptz));

\echo [generate] vacuum (full on app.leads, whose rows the refresh rewrote) and analyze
select clock_timestamp() as t_vacuum \gset
\timing on
vacuum (full, analyze) app.leads;
vacuum analyze;
\timing off
insert into bench.timings values ('vacuum', extract(epoch from clock_timestamp() - :'t_vacuum'::timestamptz));
