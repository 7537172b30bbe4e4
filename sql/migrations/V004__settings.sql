-- The settings registry and values, and the per-tenant protection configuration.
-- Baseline (first release). Structure only: tables, constraints, indexes, policies, grants and
-- the few functions that policies and column defaults use. Frozen once on main: change it with a
-- new V file. Views and functions live in the R__ files.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- The settings registry (SPEC 3.2): keys with type, allowed scopes, default, JSON schema and merge
-- strategy; values per scope; resolution user > org > tenant > global > default.

create table app.settings_registry (
    key text primary key,
    allowed_scopes text[] not null,
    default_value jsonb not null,
    json_schema jsonb not null,
    merge_strategy text not null default 'replace',
    description text not null,
    constraint settings_registry_key_format check (key ~ '^[a-z]+(\.[a-zA-Z]+)+$'),
    constraint settings_registry_scopes_known check (
        allowed_scopes <@ array['global', 'tenant', 'org', 'user'] and cardinality(allowed_scopes) > 0
    ),
    constraint settings_registry_merge_known check (merge_strategy in ('replace', 'merge', 'append')),
    constraint settings_registry_description_length check (char_length(description) between 1 and 500)
);
comment on table app.settings_registry is
'Every setting the system knows: who may set it where, its default and the rule for its value.';
comment on column app.settings_registry.key is 'Setting key, e.g. lead.protection.progressDays.';
comment on column app.settings_registry.allowed_scopes is
'Scopes a value may be stored at (global, tenant, org, user).';
comment on column app.settings_registry.default_value is 'Value when no scope sets one.';
comment on column app.settings_registry.json_schema is
'JSON Schema (the subset app.json_schema_error understands) every stored value must satisfy.';
comment on column app.settings_registry.merge_strategy is
'replace: the most specific value wins; merge: objects are merged, specific keys win; '
'append: arrays of narrower scopes are added to the broader value.';
comment on column app.settings_registry.description is 'What the setting does.';

create table app.settings_values (
    id uuid primary key default gen_random_uuid(),
    key text not null references app.settings_registry (key) on delete cascade,
    scope text not null,
    tenant_id uuid references app.tenants (id) on delete cascade,
    target_id uuid,
    value jsonb not null,
    updated_by uuid references app.users (id) on delete set null,
    updated_at timestamptz not null default app.now(),
    constraint settings_values_scope_known check (scope in ('global', 'tenant', 'org', 'user')),
    constraint settings_values_scope_target check (
        (scope = 'global' and tenant_id is null and target_id is null)
        or (scope = 'tenant' and tenant_id is not null and target_id = tenant_id)
        or (scope in ('org', 'user') and tenant_id is not null and target_id is not null)
    )
);
comment on table app.settings_values is 'Values set at a scope; the absence of a row means "inherit".';
comment on column app.settings_values.id is 'Row id.';
comment on column app.settings_values.key is 'Setting key (app.settings_registry).';
comment on column app.settings_values.scope is 'global, tenant, org or user.';
comment on column app.settings_values.tenant_id is 'Tenant of the value; null for global values.';
comment on column app.settings_values.target_id is 'The tenant, org or user id the value applies to; null for global.';
comment on column app.settings_values.value is 'The value (JSON), valid against the key''s schema.';
comment on column app.settings_values.updated_by is 'Who set it last (null: operators, migrations).';
comment on column app.settings_values.updated_at is 'When it was set last.';

-- one value per key, scope and target of a tenant: a tenant can never occupy another's slot
create unique index settings_values_key_scope_target_key
on app.settings_values (
    key, scope, coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'),
    coalesce(target_id, '00000000-0000-0000-0000-000000000000')
);
create index settings_values_tenant_idx on app.settings_values (tenant_id, key);
create index settings_values_updated_by_idx on app.settings_values (updated_by);

alter table app.settings_registry enable row level security;
alter table app.settings_values enable row level security;

create policy select_all on app.settings_registry
for select to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs
using (true);
comment on policy select_all on app.settings_registry is 'The registry is the same for everybody.';

create policy select_visible on app.settings_values
for select to sales_rep
using (
    tenant_id is null
    or (
        tenant_id = (select app.current_tenant_id())
        and (
            scope = 'tenant'
            or (scope = 'org' and target_id = (select app.current_org_id()))
            or (scope = 'user' and target_id = (select app.current_user_id()))
        )
    )
);
comment on policy select_visible on app.settings_values is
'A rep reads global and tenant values, their organisation''s and their own.';

create policy select_tenant on app.settings_values
for select to sales_manager, auditor, tenant_admin
using (tenant_id is null or tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.settings_values is
'Managers, auditors and admins read global values and every value of their tenant.';

create policy insert_admin on app.settings_values
for insert to tenant_admin
with check (tenant_id = (select app.current_tenant_id()) and scope <> 'global');
comment on policy insert_admin on app.settings_values is
'A tenant admin stores tenant, org and user values of their own tenant only.';

create policy update_admin on app.settings_values
for update to tenant_admin
using (tenant_id = (select app.current_tenant_id()) and scope <> 'global')
with check (tenant_id = (select app.current_tenant_id()) and scope <> 'global');
comment on policy update_admin on app.settings_values is
'A tenant admin changes values of their own tenant only.';

create policy delete_admin on app.settings_values
for delete to tenant_admin
using (tenant_id = (select app.current_tenant_id()) and scope <> 'global');
comment on policy delete_admin on app.settings_values is
'A tenant admin removes values of their own tenant only (the key inherits again).';

grant select on app.settings_registry to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;
grant select on app.settings_values to sales_rep, sales_manager, auditor, tenant_admin;
grant insert (key, scope, tenant_id, target_id, value, updated_by) on app.settings_values to tenant_admin;
grant update (value, updated_by, updated_at) on app.settings_values to tenant_admin;
grant delete on app.settings_values to tenant_admin;

-- ------------------------------------------------------------ the keys of SPEC 3.2
insert into app.settings_registry (key, allowed_scopes, default_value, json_schema, merge_strategy, description)
values
(
    'lead.protection.baseMonths', '{global,tenant}', '6',
    '{"type": "integer", "minimum": 1, "maximum": 24}', 'replace',
    'Protection term in months from registration (mode LEAST).'
),
(
    'lead.protection.progressDays', '{global,tenant}', '60',
    '{"type": "integer", "minimum": 7, "maximum": 120}', 'replace',
    'Days after the last progress (or registration) by which new progress is due.'
),
(
    'lead.protection.graceDays', '{global,tenant}', '10',
    '{"type": "integer", "minimum": 1, "maximum": 30}', 'replace',
    'Grace period in days after the progress deadline, before the lead is released.'
),
(
    'lead.protection.warningDays', '{global,tenant}', '7',
    '{"type": "integer", "minimum": 0, "maximum": 30}', 'replace',
    'Days before the progress deadline when the owner is warned.'
),
(
    'lead.protection.mode', '{global,tenant}', '"GREATEST"',
    '{"type": "string", "enum": ["GREATEST", "LEAST"]}', 'replace',
    'GREATEST: progress renews protection without limit; LEAST: the term ends after baseMonths '
    'unless extended.'
),
(
    'lead.protection.hold.maxDays', '{global,tenant}',
    '{"FFZ_PRICE_APPROVAL": 30, "FFZ_SAMPLE_DELAY": 30, "FFZ_SUPPLY_ISSUE": 30, "CUSTOMER_BLOCKED": 30, "OTHER": 14}',
    '{"type": "object", "propertyNames": {"enum": ["FFZ_PRICE_APPROVAL", "FFZ_SAMPLE_DELAY", '
    '"FFZ_SUPPLY_ISSUE", "CUSTOMER_BLOCKED", "OTHER"]}, '
    '"additionalProperties": {"type": "integer", "minimum": 1, "maximum": 90}}',
    'merge',
    'Longest effective length of a stop-the-clock hold, in days, per reason.'
),
(
    'lead.protection.hold.maxDaysPerCycle', '{global,tenant}', '60',
    '{"type": "integer", "minimum": 0, "maximum": 365}', 'replace',
    'Held days a rep may start without a manager''s approval per protection cycle; beyond it even a '
    'FreshFoodz-caused hold waits for a manager.'
),
(
    'lead.protection.reminder.channels', '{tenant,org}', '["EMAIL", "INAPP"]',
    '{"type": "array", "uniqueItems": true, "items": {"enum": ["EMAIL", "INAPP", "TASK"]}}',
    'append',
    'Channels protection notices are delivered on.'
),
(
    'lead.protection.notify.roles', '{tenant,org}', '["sales_manager"]',
    '{"type": "array", "uniqueItems": true, '
    '"items": {"enum": ["sales_manager", "auditor", "tenant_admin"]}}',
    'append',
    'Roles that receive reminder and expiry notices besides the owner: a tenant value reaches the whole tenant, '
    'an organisation''s value only that organisation. Never sales_rep: reps do not see each other''s leads.'
),
(
    'lead.claim.cooldownDays', '{global,tenant}', '30',
    '{"type": "integer", "minimum": 0, "maximum": 365}', 'replace',
    'Days after their protection expired during which the previous owner may not claim the lead.'
),
(
    'lead.claim.maxPerMonth', '{global,tenant,org,user}', '50',
    '{"type": "integer", "minimum": 1, "maximum": 10000}', 'replace',
    'Most claims plus registrations a rep may make in 30 days.'
),
(
    'lead.gdpr.pseudonymizeAfterDays', '{global,tenant}', '60',
    '{"type": "integer", "minimum": 1, "maximum": 3650}', 'replace',
    'Days after release, without a new claim, before contact data is pseudonymised.'
),
(
    'tenant.timezone', '{global,tenant}', '"Europe/Berlin"',
    '{"type": "string", "format": "iana-timezone"}', 'replace',
    'Time zone of all calendar arithmetic (days, months) for the tenant.'
),
(
    'sample.feedback.tokenDays', '{global,tenant,org}', '30',
    '{"type": "integer", "minimum": 1, "maximum": 180}', 'replace',
    'Days a customer feedback link stays valid.'
),
(
    'sample.feedback.maxSubmissions', '{global,tenant,org}', '5',
    '{"type": "integer", "minimum": 1, "maximum": 50}', 'replace',
    'Submissions one feedback link accepts.'
),
(
    'sample.feedback.reminderDays', '{global,tenant,org}', '5',
    '{"type": "integer", "minimum": 1, "maximum": 30}', 'replace',
    'Days without feedback after which the customer is reminded once.'
),
(
    'sample.feedback.maxRotationsPerDay', '{global,tenant,org}', '3',
    '{"type": "integer", "minimum": 1, "maximum": 50}', 'replace',
    'Times a test phase''s feedback link may be replaced (each mails the contact) in 24 hours.'
);

-- Per-tenant protection settings, resolved once per tenant so every deadline is a cheap join,
-- and the deadline formulas of SPEC 3.3 as one pure function.

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
