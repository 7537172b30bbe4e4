-- Reporting for analysts (SPEC 9): read-only views over the KPI snapshots, for plain SQL.
--
-- An analyst is a login in reporting_reader bound to one tenant (app.analysts; freshplan analyst
-- create|drop). The views are security_invoker, like every view here: they read two definer functions
-- that return the snapshot rows of the analyst's own tenant only (by session_user), so an analyst
-- needs no privilege on app or api, sees no other tenant's row and no contact data (the snapshots hold
-- none), writes nothing (no privilege on any table; its sessions start read-only) and works unchanged on
-- a hot standby (nothing here writes). The logins' statement_timeout is reporting.maxQuerySeconds; since
-- any role may set it to 0 (and a DO block may even catch a cancel), the watchdog (pg_cron, every minute)
-- ends the sessions of longer queries, of transactions left open longer, and of any session holding an
-- advisory lock (the application's locks are no analyst's business), and puts the role settings back.
-- pg_cron does not run on a standby: there `freshplan analyst watchdog` ends such sessions (the settings
-- arrive from the primary).

-- ------------------------------------------------------------ the tenant of the session
create or replace function app_private.analyst_tenant() returns uuid
language sql
stable
security definer
set search_path = ''
as $$
    select a.tenant_id from app.analysts as a where a.role_name = session_user
$$;
comment on function app_private.analyst_tenant() is
'The tenant of the analyst login of this session (session_user, which SET ROLE does not change); null for others.';

create or replace function app_private.analyst_kpi_daily() returns setof app.kpi_daily
language sql
stable
security definer
set search_path = ''
as $$
    select k.* from app.kpi_daily as k where k.tenant_id = app_private.analyst_tenant()
$$;
comment on function app_private.analyst_kpi_daily() is 'The daily KPI rows of the analyst''s tenant.';
grant execute on function app_private.analyst_kpi_daily() to reporting_reader;

create or replace function app_private.analyst_rep_weekly() returns setof app.kpi_rep_weekly
language sql
stable
security definer
set search_path = ''
as $$
    select w.* from app.kpi_rep_weekly as w where w.tenant_id = app_private.analyst_tenant()
$$;
comment on function app_private.analyst_rep_weekly() is 'The weekly per-rep rows of the analyst''s tenant.';
grant execute on function app_private.analyst_rep_weekly() to reporting_reader;

-- ------------------------------------------------------------ the views
create or replace view reporting.lead_status_daily
with (security_invoker = true)
as
select
    k.day,
    k.leads_active as active,
    k.leads_grace as grace,
    k.leads_expired as expired,
    k.leads_unassigned as unassigned
from app_private.analyst_kpi_daily() as k;
comment on view reporting.lead_status_daily is
'Leads by protection status per day, as the day''s last snapshot saw them (null: no snapshot that day).';
comment on column reporting.lead_status_daily.day is 'The day (the tenant''s time zone).';
comment on column reporting.lead_status_daily.active is 'Leads under protection (ACTIVE).';
comment on column reporting.lead_status_daily.grace is 'Leads in their grace period after a missed deadline (GRACE).';
comment on column reporting.lead_status_daily.expired is
'Leads whose protection expired (EXPIRED): released to the pool, or past their grace and about to be.';
comment on column reporting.lead_status_daily.unassigned is 'Leads in the pool never owned (UNASSIGNED).';

create or replace view reporting.expiries_daily
with (security_invoker = true)
as
select
    k.day,
    k.registrations,
    k.expiries,
    k.releases,
    k.final,
    k.transfers
from app_private.analyst_kpi_daily() as k;
comment on view reporting.expiries_daily is 'Protection cycles opened, expired and released per day.';
comment on column reporting.expiries_daily.day is 'The day (the tenant''s time zone).';
comment on column reporting.expiries_daily.registrations is 'Cycles opened by a registration or a claim.';
comment on column reporting.expiries_daily.expiries is 'Cycles whose protection ended by expiry.';
comment on column reporting.expiries_daily.releases is 'Leads released to the pool (their cycle closed by expiry).';
comment on column reporting.expiries_daily.transfers is 'Cycles closed by a transfer to another rep.';
comment on column reporting.expiries_daily.final is 'Whether the day is over and counted in full.';

create or replace view reporting.holds_by_reason
with (security_invoker = true)
as
select
    k.day,
    h.key as reason,
    h.value::integer as holds
from app_private.analyst_kpi_daily() as k
cross join lateral jsonb_each_text(k.holds_by_reason) as h;
comment on view reporting.holds_by_reason is
'Approved holds (stop-the-clock) running per day and reason: at the snapshot for today, at the day''s end before.';
comment on column reporting.holds_by_reason.day is 'The day (the tenant''s time zone).';
comment on column reporting.holds_by_reason.reason is
'FFZ_PRICE_APPROVAL, FFZ_SAMPLE_DELAY, FFZ_SUPPLY_ISSUE, CUSTOMER_BLOCKED or OTHER.';
comment on column reporting.holds_by_reason.holds is 'Holds of that reason running.';

create or replace view reporting.feedback_response
with (security_invoker = true)
as
select
    k.day,
    k.feedback_links_sent as links_sent,
    k.feedback_answered as answered,
    round(k.feedback_answered::numeric / nullif(k.feedback_links_sent, 0), 4) as answered_per_link
from app_private.analyst_kpi_daily() as k;
comment on view reporting.feedback_response is 'Sample feedback links sent and answers received per day.';
comment on column reporting.feedback_response.day is 'The day (the tenant''s time zone).';
comment on column reporting.feedback_response.links_sent is 'Feedback links created (one per test phase and rotation).';
comment on column reporting.feedback_response.answered is 'Feedback submissions received.';
comment on column reporting.feedback_response.answered_per_link is
'Answers per link sent the same day (null without links; answers may come days later).';

create or replace view reporting.ai_usage_daily
with (security_invoker = true)
as
select
    k.day,
    k.ai_calls_small + k.ai_calls_large + k.ai_cache_hits as calls,
    k.ai_calls_small as small,
    k.ai_calls_large as large,
    round(k.ai_calls_small::numeric / nullif(k.ai_calls_large, 0), 4) as small_large_ratio,
    k.ai_cost_eur as cost_eur,
    k.ai_cache_hits as cache_hits,
    round(
        k.ai_cache_hits::numeric / nullif(k.ai_calls_small + k.ai_calls_large + k.ai_cache_hits, 0), 4
    ) as cache_hit_rate
from app_private.analyst_kpi_daily() as k;
comment on view reporting.ai_usage_daily is 'AI router calls per day: by model tier, cost and cache hits.';
comment on column reporting.ai_usage_daily.day is 'The day (the tenant''s time zone).';
comment on column reporting.ai_usage_daily.calls is 'Answered calls (small, large and from the cache).';
comment on column reporting.ai_usage_daily.small is 'Answered by a small model.';
comment on column reporting.ai_usage_daily.large is 'Answered by a large model (escalated or large-only use cases).';
comment on column reporting.ai_usage_daily.small_large_ratio is 'Small per large answer (null without large ones).';
comment on column reporting.ai_usage_daily.cost_eur is 'EUR charged.';
comment on column reporting.ai_usage_daily.cache_hits is 'Answered from the PostgreSQL cache, at no cost.';
comment on column reporting.ai_usage_daily.cache_hit_rate is 'Cache hits per answered call.';

create or replace view reporting.credit_checks_daily
with (security_invoker = true)
as
select
    k.day,
    k.credit_calls as calls,
    k.credit_p50_ms as p50_ms,
    k.credit_p95_ms as p95_ms
from app_private.analyst_kpi_daily() as k;
comment on view reporting.credit_checks_daily is 'Calls to Allianz Trade per day and how long they took.';
comment on column reporting.credit_checks_daily.day is 'The day (the tenant''s time zone).';
comment on column reporting.credit_checks_daily.calls is 'Calls to Allianz Trade (company search, grades, limits).';
comment on column reporting.credit_checks_daily.p50_ms is 'Their median duration in milliseconds.';
comment on column reporting.credit_checks_daily.p95_ms is 'Their 95th percentile duration in milliseconds.';

create or replace view reporting.job_backlog
with (security_invoker = true)
as
select
    k.day,
    k.computed_at as as_of,
    b.key as kind,
    b.value::integer as jobs
from app_private.analyst_kpi_daily() as k
cross join lateral jsonb_each_text(k.job_backlog) as b;
comment on view reporting.job_backlog is
'Jobs of the tenant waiting or running per kind, at the last snapshot of each day.';
comment on column reporting.job_backlog.day is 'The day (the tenant''s time zone).';
comment on column reporting.job_backlog.as_of is 'When the snapshot was taken.';
comment on column reporting.job_backlog.kind is 'Job kind (mail.send, xentral.order, ...).';
comment on column reporting.job_backlog.jobs is 'Jobs of it waiting or running.';

create or replace view reporting.rep_activity_weekly
with (security_invoker = true)
as
select
    w.week,
    w.rep_id,
    w.registrations,
    w.qualifying_activities,
    w.expiries
from app_private.analyst_rep_weekly() as w;
comment on view reporting.rep_activity_weekly is
'Per rep (by id only: no names, no contact data) and ISO week: registrations, qualifying activities, expiries.';
comment on column reporting.rep_activity_weekly.week is 'The Monday of the week (the tenant''s time zone).';
comment on column reporting.rep_activity_weekly.rep_id is 'The rep''s user id.';
comment on column reporting.rep_activity_weekly.registrations is
'Protection cycles the rep opened by registering or claiming.';
comment on column reporting.rep_activity_weekly.qualifying_activities is
'Activities of a kind that counts as progress, logged in the rep''s cycles.';
comment on column reporting.rep_activity_weekly.expiries is 'The rep''s cycles that ended by expiry.';

grant select on all tables in schema reporting to reporting_reader;

-- ------------------------------------------------------------ the weekly figures (with the snapshot)
create or replace function app_private.snapshot_rep_weekly(p_tenant_id uuid, p_week date) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_zone text := (select c.timezone from app.protection_configs as c where c.tenant_id = p_tenant_id);
    v_from timestamptz := p_week::timestamp at time zone v_zone;
    v_to timestamptz := (p_week + 7)::timestamp at time zone v_zone;
begin
    -- rewritten whole: a rep whose figures fell to nothing keeps no stale row
    delete from app.kpi_rep_weekly as w where w.tenant_id = p_tenant_id and w.week = p_week;
    insert into app.kpi_rep_weekly as w (
        tenant_id, week, rep_id, registrations, qualifying_activities, expiries, computed_at
    )
    select p_tenant_id, p_week, r.rep_id, sum(r.registrations), sum(r.activities), sum(r.expiries),
        pg_catalog.clock_timestamp()
    from (
        select
            a.owner_id as rep_id,
            count(*) filter (
                where a.opened_at >= v_from and a.opened_at < v_to and a.open_reason in ('REGISTERED', 'CLAIMED')
            ) as registrations,
            0 as activities,
            count(*) filter (where a.protection_ended_at >= v_from and a.protection_ended_at < v_to) as expiries
        from app.lead_assignments as a
        where a.tenant_id = p_tenant_id and (a.opened_at >= v_from or a.closed_at >= v_from)
        group by a.owner_id
        union all
        select a.owner_id, 0, count(*), 0
        from app.activities as ac
        inner join app.activity_kinds as k on ac.tenant_id = k.tenant_id and ac.kind = k.kind and k.counts_as_progress
        inner join app.lead_assignments as a on ac.assignment_id = a.id
        where ac.tenant_id = p_tenant_id and ac.created_at >= v_from and ac.created_at < v_to
        group by a.owner_id
    ) as r
    group by r.rep_id
    having sum(r.registrations) + sum(r.activities) + sum(r.expiries) > 0;
end
$$;
comment on function app_private.snapshot_rep_weekly(uuid, date) is
'Writes the per-rep figures of one tenant''s ISO week (its Monday).';

-- ------------------------------------------------------------ logins (freshplan analyst)
-- Run as the migration role (the CLI's admin connection), which owns these functions and may create
-- roles; nobody else may call them. The password arrives as a SCRAM verifier: the plain text never
-- reaches the server or its logs.
create or replace function app_private.create_analyst(p_login text, p_tenant_slug text, p_verifier text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_tenant uuid := (select t.id from app.tenants as t where t.slug = p_tenant_slug);
begin
    if p_login is null or p_login !~ '^[a-z][a-z0-9_]{2,39}$' then
        raise exception 'an analyst login is 3 to 40 lower-case letters, digits or _, starting with a letter'
            using errcode = 'invalid_parameter_value';
    end if;
    if v_tenant is null then
        raise exception 'no tenant %', p_tenant_slug using errcode = 'invalid_parameter_value';
    end if;
    if exists (select from pg_catalog.pg_roles as r where r.rolname = p_login) then
        raise exception 'the role % exists already', p_login using errcode = 'duplicate_object';
    end if;
    -- anything else PostgreSQL would take for a plain password and hash as one
    if p_verifier is null or p_verifier !~ '^SCRAM-SHA-256\$[0-9]{4,7}:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$'
    then
        raise exception 'the password must come as a SCRAM-SHA-256 verifier' using errcode = 'invalid_parameter_value';
    end if;
    execute format(
        'create role %I login connection limit 5 password %L in role reporting_reader', p_login, p_verifier
    );
    -- the watchdog (this role) may end the analyst's sessions and put its settings back
    execute format('grant %I to %I', p_login, current_user);
    insert into app.analysts (role_name, tenant_id) values (p_login, v_tenant);
    perform app_private.apply_analyst_settings(p_login);
end
$$;
comment on function app_private.create_analyst(text, text, text) is
'Creates an analyst login bound to one tenant: reporting_reader, read-only sessions, the query time limit.';

create or replace function app_private.drop_analyst(p_login text) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    if not exists (select from app.analysts as a where a.role_name = p_login) then
        return false;
    end if;
    perform pg_catalog.pg_terminate_backend(s.pid) from pg_catalog.pg_stat_activity as s where s.usename = p_login;
    delete from app.analysts as a where a.role_name = p_login;
    execute format('drop role if exists %I', p_login);
    return true;
end
$$;
comment on function app_private.drop_analyst(text) is 'Removes an analyst login (and ends its sessions).';

-- ------------------------------------------------------------ the watchdog (pg_cron, every minute)
-- The limit of an analyst's tenant (reporting.maxQuerySeconds, global or per tenant).
create or replace function app_private.analyst_limit_seconds(p_login text) returns integer
language sql
stable
security definer
set search_path = ''
as $$
    select (app.effective_setting('reporting.maxQuerySeconds', a.tenant_id, null, null) #>> '{}')::integer
    from app.analysts as a where a.role_name = p_login
$$;
comment on function app_private.analyst_limit_seconds(text) is 'The query time limit of an analyst login, in seconds.';

-- The login's session defaults, which the analyst may change for itself (ALTER ROLE ... SET): set again.
create or replace function app_private.apply_analyst_settings(p_login text) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    execute format('alter role %I set default_transaction_read_only = on', p_login);
    execute format('alter role %I set statement_timeout = %L', p_login, app_private.analyst_limit_seconds(p_login) || 's');
    execute format('alter role %I set idle_in_transaction_session_timeout = %L', p_login, '10min');
end
$$;
comment on function app_private.apply_analyst_settings(text) is
'Sets an analyst login''s session defaults: read-only, statement_timeout = its limit, idle transactions ended.';

-- The half of the watchdog that ends sessions, apart from the half that sets the logins' defaults
-- again, because a hot standby can run only this half: it reads pg_stat_activity and signals backends,
-- both allowed during recovery, while ALTER ROLE is a write a standby refuses (and the primary's job
-- replicates the defaults to it anyway). The primary's pg_cron job calls it; on a replica `freshplan
-- analyst watchdog` does, as the owner, who is a member of every analyst login (create_analyst) and so
-- may end its sessions without pg_signal_backend.
create or replace function app_private.end_overrunning_analyst_sessions()
returns table (pid integer, analyst text, reason text, since timestamptz)
language sql
volatile
security definer
set search_path = ''
as $$
    with sessions as (
        select
            s.pid,
            a.role_name,
            s.query_start,
            s.state_change,
            s.state = 'active' and s.query_start < l.started_before as over_query,
            s.state in ('idle in transaction', 'idle in transaction (aborted)')
            and s.state_change < l.started_before as over_transaction,
            exists (
                select from pg_catalog.pg_locks as k where k.pid = s.pid and k.locktype = 'advisory'
            ) as holds_lock
        from pg_catalog.pg_stat_activity as s
        inner join app.analysts as a on s.usename = a.role_name
        cross join lateral (
            select
                pg_catalog.clock_timestamp()
                - make_interval(secs => app_private.analyst_limit_seconds(a.role_name)) as started_before
        ) as l
        where s.datname = pg_catalog.current_database()
    ),

    -- materialized: the sessions to end are chosen first, then each is signalled once
    overrunning as materialized (
        select
            x.pid,
            x.role_name,
            case when x.over_query then 'query' when x.over_transaction then 'transaction' else 'advisory lock' end
            as reason,
            case when x.over_query then x.query_start when x.over_transaction then x.state_change end as since
        from sessions as x
        where x.over_query or x.over_transaction or x.holds_lock
    )

    -- ended, not cancelled: a DO block can catch a cancel and go on
    select o.pid, o.role_name, o.reason, o.since
    from overrunning as o
    where pg_catalog.pg_terminate_backend(o.pid)
$$;
comment on function app_private.end_overrunning_analyst_sessions() is
'Ends analyst sessions over reporting.maxQuerySeconds (a query or an open transaction) or holding an advisory '
'lock, and returns them (since: when the query or the idle transaction began; null for a lock). Writes '
'nothing, so it runs on a hot standby too.';

create or replace function app_private.cancel_long_analyst_queries() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_login text;
    v_ended integer;
begin
    select count(*) into v_ended from app_private.end_overrunning_analyst_sessions();
    for v_login in select a.role_name from app.analysts as a order by a.role_name loop
        perform app_private.apply_analyst_settings(v_login);
    end loop;
    return jsonb_build_object('ended', v_ended);
end
$$;
comment on function app_private.cancel_long_analyst_queries() is
'The watchdog job (pg_cron, on the primary): ends analyst sessions over reporting.maxQuerySeconds or holding an '
'advisory lock (end_overrunning_analyst_sessions), and sets the logins'' session defaults again.';
