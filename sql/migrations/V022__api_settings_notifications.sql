-- api functions for settings and notifications; user administration gets audited.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create function api.set_setting(key text, scope text, value jsonb, target_id uuid default null)
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

create function api.mark_notification_read(notification_id uuid) returns void
language plpgsql
volatile
as $$
#variable_conflict use_column
begin
    perform app.require_role(array['sales_rep', 'sales_manager', 'auditor', 'tenant_admin']);
    update app.notifications as n
    set read_at = coalesce(n.read_at, app.now())
    where n.id = mark_notification_read.notification_id;
    if not found then
        perform app.raise_error('FP806', 404, 'The notification does not exist.', 'notification_id');
    end if;
end
$$;
comment on function api.mark_notification_read(uuid) is 'Marks one of the caller''s notifications read.';

grant execute on function
api.set_setting(text, text, jsonb, uuid),
api.mark_notification_read(uuid)
to sales_rep, sales_manager, auditor, tenant_admin;

-- User administration is audited like every other decision.
create function app_private.tg_users__audit() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' then
        perform app_private.audit(
            new.tenant_id, 'user.created', 'user', new.id, null, null,
            jsonb_build_object('email', new.email, 'role', new.role, 'org_id', new.org_id)
        );
    elsif old.active and not new.active then
        perform app_private.audit(
            new.tenant_id, 'user.deactivated', 'user', new.id, null,
            jsonb_build_object('active', true), jsonb_build_object('active', false)
        );
    end if;
    return null;
end
$$;
comment on function app_private.tg_users__audit() is 'Audits user creation and deactivation.';

create trigger _100_audit
after insert or update of active on app.users
for each row execute function app_private.tg_users__audit();

-- Whoever writes a value (set_setting, or SQL by an admin or operator) meets the same rules.
create function app.tg_settings_values__validate() returns trigger
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
    return new;
end
$$;
comment on function app.tg_settings_values__validate() is
'Validates a stored setting against its key''s schema and allowed scopes.';
grant execute on function app.tg_settings_values__validate() to tenant_admin;

create trigger _050_validate
before insert or update on app.settings_values
for each row execute function app.tg_settings_values__validate();
