-- Per-tenant protection settings, resolved once per tenant so every deadline is a cheap join,
-- and the deadline formulas of SPEC 3.3 as one pure function.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- One row per tenant, rewritten by triggers whenever a setting that feeds it changes, so a
-- settings change moves every deadline at once and no read resolves settings per lead.
create table app.protection_configs (
    tenant_id uuid primary key references app.tenants (id) on delete cascade,
    base_months integer not null,
    progress_days integer not null,
    grace_days integer not null,
    warning_days integer not null,
    mode text not null,
    timezone text not null,
    hold_max_days jsonb not null,
    cooldown_days integer not null,
    pseudonymize_after_days integer not null,
    constraint protection_configs_mode_known check (mode in ('GREATEST', 'LEAST'))
);
comment on table app.protection_configs is
'Effective protection settings per tenant (derived from the settings registry by triggers; '
'never edited directly).';
comment on column app.protection_configs.tenant_id is 'Tenant.';
comment on column app.protection_configs.base_months is 'lead.protection.baseMonths.';
comment on column app.protection_configs.progress_days is 'lead.protection.progressDays.';
comment on column app.protection_configs.grace_days is 'lead.protection.graceDays.';
comment on column app.protection_configs.warning_days is 'lead.protection.warningDays.';
comment on column app.protection_configs.mode is 'lead.protection.mode: GREATEST or LEAST.';
comment on column app.protection_configs.timezone is 'tenant.timezone: IANA zone of calendar arithmetic.';
comment on column app.protection_configs.hold_max_days is 'lead.protection.hold.maxDays: reason -> days.';
comment on column app.protection_configs.cooldown_days is 'lead.claim.cooldownDays.';
comment on column app.protection_configs.pseudonymize_after_days is 'lead.gdpr.pseudonymizeAfterDays.';

alter table app.protection_configs enable row level security;
create policy select_tenant on app.protection_configs
for select to sales_rep, sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.protection_configs is 'Users read their tenant''s configuration.';
create policy select_all on app.protection_configs
for select to svc_jobs
using (true);
comment on policy select_all on app.protection_configs is 'Jobs work across tenants.';
grant select on app.protection_configs to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

create function app_private.refresh_protection_configs(p_tenant_id uuid default null) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    insert into app.protection_configs as c (
        tenant_id, base_months, progress_days, grace_days, warning_days, mode, timezone,
        hold_max_days, cooldown_days, pseudonymize_after_days
    )
    select
        t.id,
        (app.effective_setting('lead.protection.baseMonths', t.id, null, null))::integer,
        (app.effective_setting('lead.protection.progressDays', t.id, null, null))::integer,
        (app.effective_setting('lead.protection.graceDays', t.id, null, null))::integer,
        (app.effective_setting('lead.protection.warningDays', t.id, null, null))::integer,
        app.effective_setting('lead.protection.mode', t.id, null, null) #>> '{}',
        app.effective_setting('tenant.timezone', t.id, null, null) #>> '{}',
        app.effective_setting('lead.protection.hold.maxDays', t.id, null, null),
        (app.effective_setting('lead.claim.cooldownDays', t.id, null, null))::integer,
        (app.effective_setting('lead.gdpr.pseudonymizeAfterDays', t.id, null, null))::integer
    from app.tenants as t
    where p_tenant_id is null or t.id = p_tenant_id
    on conflict (tenant_id) do update set
        base_months = excluded.base_months,
        progress_days = excluded.progress_days,
        grace_days = excluded.grace_days,
        warning_days = excluded.warning_days,
        mode = excluded.mode,
        timezone = excluded.timezone,
        hold_max_days = excluded.hold_max_days,
        cooldown_days = excluded.cooldown_days,
        pseudonymize_after_days = excluded.pseudonymize_after_days
$$;
comment on function app_private.refresh_protection_configs(uuid) is
'Recomputes app.protection_configs for one tenant (or all when null) from the settings.';

create function app_private.tg_tenants__create_config() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    perform app_private.refresh_protection_configs(new.id);
    return null;
end
$$;
comment on function app_private.tg_tenants__create_config() is 'A new tenant gets its configuration row.';

create trigger _100_create_config
after insert on app.tenants
for each row execute function app_private.tg_tenants__create_config();

create function app_private.tg_settings__refresh_configs() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    -- A registry default or a global value concerns every tenant (null); others one tenant.
    if tg_table_name = 'settings_registry' then
        perform app_private.refresh_protection_configs(null);
    elsif tg_op = 'DELETE' then
        perform app_private.refresh_protection_configs(old.tenant_id);
    else
        perform app_private.refresh_protection_configs(new.tenant_id);
        if tg_op = 'UPDATE' and old.tenant_id is distinct from new.tenant_id then
            perform app_private.refresh_protection_configs(old.tenant_id);
        end if;
    end if;
    return null;
end
$$;
comment on function app_private.tg_settings__refresh_configs() is
'Keeps app.protection_configs in step with settings values and registry defaults.';

create trigger _100_refresh_configs
after insert or update or delete on app.settings_values
for each row execute function app_private.tg_settings__refresh_configs();

create trigger _100_refresh_configs
after insert or update or delete on app.settings_registry
for each row execute function app_private.tg_settings__refresh_configs();

-- Tenants created before this migration.
select app_private.refresh_protection_configs(null);

-- ------------------------------------------------------------ deadlines (SPEC 3.3)
-- Pure function of a lead's stored state, its tenant's configuration and the time p_at. Every
-- argument is a plain value (no row types): the function is inlined into the calling query, and
-- field access on a whole-row value would take the row apart again for every reference.
-- Calendar steps ("N days", "N months") are taken on local wall-clock time in the tenant's zone;
-- held time is absolute (seconds), so nothing depends on the session's TimeZone.
-- The latest approved hold of the cycle is evaluated here, clipped to p_at and to its cap;
-- all earlier holds arrive pre-summed in p_held_since_anchor and p_held_since_registration.
create function app.protection_deadlines(
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
