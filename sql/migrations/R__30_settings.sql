-- Effective settings, their validation, set_setting and the protection configuration refresh.
-- Repeatable (Flyway re-applies this file after the V files whenever its text changes; R__ files
-- run in name order, so a file may use what an earlier one defines). Every definition here is
-- the current text of its object: edit it in place. A view whose columns change is dropped and
-- recreated here, a function whose signature changes is dropped here first.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- The settings registry (SPEC 3.2): keys with type, allowed scopes, default, JSON schema and merge
-- strategy; values per scope; resolution user > org > tenant > global > default.

-- ------------------------------------------------------------ validation
-- A small, strict subset of JSON Schema: type, enum, minimum, maximum, minLength, maxLength,
-- items, uniqueItems, propertyNames, additionalProperties, format "iana-timezone".
-- Returns the first violation as a sentence naming the path, or null when the value is valid.
create or replace function app.json_schema_error(p_schema jsonb, p_value jsonb, p_path text default 'value')
returns text
language plpgsql
stable
as $$
declare
    v_type text := p_schema ->> 'type';
    v_actual text := jsonb_typeof(p_value);
    v_item record;
    v_error text;
begin
    -- "type" may list several types (e.g. ["number", "null"] for an optional number)
    if jsonb_typeof(p_schema -> 'type') = 'array' then
        if not (p_schema -> 'type') ? v_actual
            and not ((p_schema -> 'type') ? 'integer' and v_actual = 'number'
                and p_value::text::numeric = trunc(p_value::text::numeric)) then
            return format('%s must be of type %s', p_path,
                array_to_string(array(select jsonb_array_elements_text(p_schema -> 'type')), ' or '));
        end if;
    elsif v_type is not null then
        if v_type = 'integer' then
            if v_actual <> 'number' or p_value::text::numeric <> trunc(p_value::text::numeric) then
                return format('%s must be a whole number', p_path);
            end if;
        elsif v_actual is distinct from v_type then
            return format('%s must be of type %s', p_path, v_type);
        end if;
    end if;
    if p_schema ? 'enum' and not (p_schema -> 'enum') @> jsonb_build_array(p_value) then
        return format('%s must be one of %s', p_path, p_schema -> 'enum');
    end if;
    if v_actual = 'number' then
        if p_schema ? 'minimum' and p_value::text::numeric < (p_schema ->> 'minimum')::numeric then
            return format('%s must be at least %s', p_path, p_schema ->> 'minimum');
        end if;
        if p_schema ? 'maximum' and p_value::text::numeric > (p_schema ->> 'maximum')::numeric then
            return format('%s must be at most %s', p_path, p_schema ->> 'maximum');
        end if;
    end if;
    if v_actual = 'string' then
        if p_schema ? 'minLength' and char_length(p_value #>> '{}') < (p_schema ->> 'minLength')::int then
            return format('%s must have at least %s characters', p_path, p_schema ->> 'minLength');
        end if;
        if p_schema ? 'maxLength' and char_length(p_value #>> '{}') > (p_schema ->> 'maxLength')::int then
            return format('%s must have at most %s characters', p_path, p_schema ->> 'maxLength');
        end if;
        -- an ISO 8601 duration such as PT8H or P1DT12H (weeks, years and months too)
        if p_schema ->> 'format' = 'iso8601-duration'
            and (p_value #>> '{}') !~ '^P(?!$)([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+S)?)?$' then
            return format('%s must be an ISO 8601 duration such as PT8H', p_path);
        end if;
        if p_schema ->> 'format' = 'iana-timezone'
            and not exists (select from pg_catalog.pg_timezone_names where name = p_value #>> '{}') then
            return format('%s must be an IANA time zone name such as Europe/Berlin', p_path);
        end if;
    end if;
    if v_actual = 'array' then
        if (p_schema -> 'uniqueItems')::boolean
            and jsonb_array_length(p_value) <> (select count(distinct e) from jsonb_array_elements(p_value) as e) then
            return format('%s must not repeat items', p_path);
        end if;
        if p_schema ? 'items' then
            for v_item in select e.value, e.ordinality from jsonb_array_elements(p_value) with ordinality as e loop
                v_error := app.json_schema_error(
                    p_schema -> 'items', v_item.value, format('%s[%s]', p_path, v_item.ordinality - 1)
                );
                if v_error is not null then
                    return v_error;
                end if;
            end loop;
        end if;
    end if;
    if v_actual = 'object' then
        for v_item in select e.key, e.value from jsonb_each(p_value) as e order by e.key loop
            if p_schema ? 'propertyNames' then
                v_error := app.json_schema_error(
                    p_schema -> 'propertyNames', to_jsonb(v_item.key), format('key %s of %s', v_item.key, p_path)
                );
                if v_error is not null then
                    return v_error;
                end if;
            end if;
            if p_schema ? 'additionalProperties' then
                v_error := app.json_schema_error(
                    p_schema -> 'additionalProperties', v_item.value, format('%s.%s', p_path, v_item.key)
                );
                if v_error is not null then
                    return v_error;
                end if;
            end if;
        end loop;
    end if;
    return null;
end
$$;
comment on function app.json_schema_error(jsonb, jsonb, text) is
'First violation of a value against a settings schema (a JSON Schema subset), or null.';

grant execute on function app.json_schema_error(jsonb, jsonb, text) to tenant_admin;

-- ------------------------------------------------------------ resolution
-- PL/pgSQL, not SQL, although it is one query: PostgreSQL 15 plans the body of a SQL function
-- that it cannot inline on every call (this one, with its CTE and aggregates, is never inlined),
-- which cost about 0.3 ms per call and ran ~20 times per AI call; PL/pgSQL keeps the plan for the
-- session (docs/performance.md, AI router).
create or replace function app.effective_setting(p_key text, p_tenant_id uuid, p_org_id uuid, p_user_id uuid)
returns jsonb
language plpgsql
stable
as $$
begin
    return (
        with v as (
            select
                (array_agg(sv.value) filter (where sv.scope = 'global'))[1] as global_value,
                (array_agg(sv.value) filter (where sv.scope = 'tenant'))[1] as tenant_value,
                (array_agg(sv.value) filter (where sv.scope = 'org'))[1] as org_value,
                (array_agg(sv.value) filter (where sv.scope = 'user'))[1] as user_value
            from app.settings_values as sv
            where
                sv.key = p_key
                and (
                    sv.scope = 'global'
                    or (sv.scope = 'tenant' and sv.target_id = p_tenant_id)
                    or (sv.scope = 'org' and sv.target_id = p_org_id and sv.tenant_id = p_tenant_id)
                    or (sv.scope = 'user' and sv.target_id = p_user_id and sv.tenant_id = p_tenant_id)
                )
        )
        select
            case r.merge_strategy
                when 'merge' then
                    r.default_value || coalesce(v.global_value, '{}') || coalesce(v.tenant_value, '{}')
                    || coalesce(v.org_value, '{}') || coalesce(v.user_value, '{}')
                when 'append' then (
                    select coalesce(jsonb_agg(x.item order by x.first_position), '[]')
                    from (
                        select e.item, min(e.position) as first_position
                        from (
                            select base.item, base.position
                            from jsonb_array_elements(coalesce(v.tenant_value, v.global_value, r.default_value))
                                with ordinality as base (item, position)
                            union all
                            select o.item, 1000 + o.position
                            from jsonb_array_elements(coalesce(v.org_value, '[]')) with ordinality as o (item, position)
                            union all
                            select u.item, 2000 + u.position
                            from jsonb_array_elements(coalesce(v.user_value, '[]')) with ordinality as u (item, position)
                        ) as e
                        group by e.item
                    ) as x
                )
                else coalesce(v.user_value, v.org_value, v.tenant_value, v.global_value, r.default_value)
            end
        from app.settings_registry as r
        cross join v
        where r.key = p_key
    );
end
$$;
comment on function app.effective_setting(text, uuid, uuid, uuid) is
'The value of a setting for a tenant, org and user: user > org > tenant > global > default, '
'combined by the key''s merge strategy.';
grant execute on function app.effective_setting(text, uuid, uuid, uuid)
to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

-- Per-tenant protection settings, resolved once per tenant so every deadline is a cheap join,
-- and the deadline formulas of SPEC 3.3 as one pure function.

create or replace function app_private.refresh_protection_configs(p_tenant_id uuid default null) returns void
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

create or replace function app_private.tg_tenants__create_config() returns trigger
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

create or replace trigger _100_create_config
after insert on app.tenants
for each row execute function app_private.tg_tenants__create_config();

create or replace function app_private.tg_settings__refresh_configs() returns trigger
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

create or replace trigger _100_refresh_configs
after insert or update or delete on app.settings_values
for each row execute function app_private.tg_settings__refresh_configs();

create or replace trigger _100_refresh_configs
after insert or update or delete on app.settings_registry
for each row execute function app_private.tg_settings__refresh_configs();

-- The api views of SPEC 4.1 (leads and everything around them).

create or replace view api.settings_effective
with (security_invoker = true)
as
select
    r.key,
    app.effective_setting(
        r.key, (select app.current_tenant_id()), (select app.current_org_id()), (select app.current_user_id())
    ) as value,
    r.default_value,
    r.allowed_scopes,
    r.description
from app.settings_registry as r
where (select app.current_tenant_id()) is not null;
comment on view api.settings_effective is
'Every setting''s effective value for the caller (user > org > tenant > global > default).';
comment on column api.settings_effective.key is 'Setting key.';
comment on column api.settings_effective.value is 'Effective value.';
comment on column api.settings_effective.default_value is 'Value when no scope sets one.';
comment on column api.settings_effective.allowed_scopes is 'Scopes an admin may set.';
comment on column api.settings_effective.description is 'What it does.';

grant select on api.settings_effective to sales_rep, sales_manager, auditor, tenant_admin;

-- api functions for settings and notifications; user administration gets audited.

create or replace function api.set_setting(key text, scope text, value jsonb, target_id uuid default null)
returns jsonb
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_registry app.settings_registry;
    v_target uuid;
    v_error text;
    v_before jsonb;
begin
    perform app.require_role(array['tenant_admin']);
    select r.* into v_registry from app.settings_registry as r where r.key = set_setting.key;
    if v_registry.key is null then
        perform app.raise_error('FP201', 400, format('%s is not a setting.', coalesce(set_setting.key, 'null')), 'key');
    end if;
    if set_setting.scope is null or set_setting.scope not in ('tenant', 'org', 'user')
        or not set_setting.scope = any(v_registry.allowed_scopes) then
        perform app.raise_error(
            'FP202', 400,
            format('%s cannot be set at scope %s.', set_setting.key, coalesce(set_setting.scope, 'null')), 'scope',
            'Allowed: ' || array_to_string(array(
                select s from unnest(v_registry.allowed_scopes) as s where s <> 'global'
            ), ', ') || '.'
        );
    end if;
    v_target := case set_setting.scope when 'tenant' then app.current_tenant_id() else set_setting.target_id end;
    if set_setting.scope = 'tenant' and set_setting.target_id is not null
        and set_setting.target_id <> app.current_tenant_id() then
        perform app.raise_error('FP204', 404, 'target_id is not your tenant.', 'target_id');
    end if;
    if set_setting.scope = 'org' and not exists (select from app.orgs as o where o.id = v_target) then
        perform app.raise_error('FP204', 404, 'target_id is not an organisation of your tenant.', 'target_id');
    end if;
    if set_setting.scope = 'user' and not exists (select from app.users as u where u.id = v_target) then
        perform app.raise_error('FP204', 404, 'target_id is not a user of your tenant.', 'target_id');
    end if;
    if set_setting.value is not null and set_setting.value <> 'null'::jsonb then
        v_error := app.json_schema_error(v_registry.json_schema, set_setting.value, set_setting.key);
        if v_error is not null then
            perform app.raise_error('FP203', 400, v_error || '.', 'value');
        end if;
    end if;

    select v.value into v_before
    from app.settings_values as v
    where v.key = set_setting.key and v.scope = set_setting.scope and v.target_id = v_target;
    if set_setting.value is null or set_setting.value = 'null'::jsonb then
        -- null removes the value: the key inherits from the broader scope again
        delete from app.settings_values as v
        where v.key = set_setting.key and v.scope = set_setting.scope and v.target_id = v_target;
    elsif v_before is null then
        insert into app.settings_values (key, scope, tenant_id, target_id, value, updated_by)
        values (set_setting.key, set_setting.scope, app.current_tenant_id(), v_target, set_setting.value,
            app.current_user_id());
    else
        update app.settings_values as v
        set value = set_setting.value, updated_by = app.current_user_id(), updated_at = app.now()
        where v.key = set_setting.key and v.scope = set_setting.scope and v.target_id = v_target;
    end if;
    perform app_private.audit(
        app.current_tenant_id(), 'settings.changed', 'setting', v_target, null,
        jsonb_build_object('key', set_setting.key, 'scope', set_setting.scope, 'value', v_before),
        jsonb_build_object('key', set_setting.key, 'scope', set_setting.scope, 'value', set_setting.value)
    );
    return nullif(set_setting.value, 'null'::jsonb);
end
$$;
comment on function api.set_setting(text, text, jsonb, uuid) is
'Stores a setting for the tenant, an organisation or a user (tenant admins); validated against the '
'key''s schema and allowed scopes (400 naming the key and rule). A null value removes it. Returns '
'the stored value. Deadlines follow at once.';

grant execute on function api.set_setting(text, text, jsonb, uuid) to sales_rep, sales_manager, auditor, tenant_admin;

-- Whoever writes a value (set_setting, or SQL by an admin or operator) meets the same rules.
create or replace function app.tg_settings_values__validate() returns trigger
language plpgsql
as $$
declare
    v_registry app.settings_registry;
    v_error text;
begin
    select r.* into v_registry from app.settings_registry as r where r.key = new.key;
    if not new.scope = any(v_registry.allowed_scopes) then
        perform app.raise_error('FP202', 400, format('%s cannot be set at scope %s.', new.key, new.scope), 'scope');
    end if;
    v_error := app.json_schema_error(v_registry.json_schema, new.value, new.key);
    if v_error is not null then
        perform app.raise_error('FP203', 400, v_error || '.', 'value');
    end if;
    -- an organisation or user value is for one of the value's own tenant, however it is written
    if new.scope = 'org' and not exists (
        select from app.orgs as o where o.id = new.target_id and o.tenant_id = new.tenant_id
    ) then
        perform app.raise_error('FP204', 404, 'target_id is not an organisation of your tenant.', 'target_id');
    end if;
    if new.scope = 'user' and not exists (
        select from app.users as u where u.id = new.target_id and u.tenant_id = new.tenant_id
    ) then
        perform app.raise_error('FP204', 404, 'target_id is not a user of your tenant.', 'target_id');
    end if;
    return new;
end
$$;
comment on function app.tg_settings_values__validate() is
'Validates a stored setting against its key''s schema and allowed scopes, and that an org or user value '
'targets an organisation or user of its own tenant.';
grant execute on function app.tg_settings_values__validate() to tenant_admin;

create or replace trigger _050_validate
before insert or update on app.settings_values
for each row execute function app.tg_settings_values__validate();
