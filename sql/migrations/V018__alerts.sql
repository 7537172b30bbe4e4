-- Alerts (SPEC 9): the thresholds of the six alerts as alert.* settings (the one source that both
-- deploy/prometheus/alerts.yml, through the freshplan_alert_threshold metric, and the pg_cron job
-- below read), the state of each alert that fires for a tenant (so that it is notified once per
-- firing and once when it resolves), and the job that evaluates them every minute.
-- Frozen once on main: change it with a new V file.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

insert into app.settings_registry (key, allowed_scopes, default_value, json_schema, merge_strategy, description)
values
(
    'alert.leadProtection.expiriesPerDay', '{global,tenant}', '20',
    '{"type": "integer", "minimum": 1, "maximum": 1000000}', 'replace',
    'LeadProtectionHighExpiry fires when more protection cycles than this expired in the tenant today.'
),
(
    'alert.aiBudget.warnPercent', '{global,tenant}', '80',
    '{"type": "number", "minimum": 1, "maximum": 1000}', 'replace',
    'AiBudgetExceeded warns when an organisation has spent this share of its monthly AI cap.'
),
(
    'alert.aiBudget.criticalPercent', '{global,tenant}', '100',
    '{"type": "number", "minimum": 1, "maximum": 1000}', 'replace',
    'AiBudgetExceeded is critical when an organisation has spent this share of its monthly AI cap.'
),
(
    'alert.creditCheck.maxMs', '{global,tenant}', '300',
    '{"type": "number", "minimum": 1, "maximum": 600000}', 'replace',
    'CreditCheckSLAViolation fires when today''s p95 of the Allianz Trade calls is above this many milliseconds.'
),
(
    'alert.jobHeartbeat.missedRuns', '{global}', '2',
    '{"type": "number", "minimum": 1, "maximum": 1000}', 'replace',
    'JobHeartbeatMissing fires when a scheduled job has not succeeded for this many of its intervals (plus 60 s).'
),
(
    'alert.jobBacklog.max', '{global,tenant}', '100',
    '{"type": "integer", "minimum": 1, "maximum": 100000000}', 'replace',
    'JobBacklogHigh fires when more jobs of one kind than this wait or run for the tenant.'
),
(
    'alert.integrationDown.minutes', '{global,tenant}', '5',
    '{"type": "number", "minimum": 1, "maximum": 100000}', 'replace',
    'IntegrationDown fires when a configured connector''s last call failed and it has not worked for this long.'
);

create table app.alert_states (
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    alert text not null,
    subject text not null,
    severity text not null,
    value double precision not null,
    threshold double precision not null,
    fired_at timestamptz not null,
    evaluated_at timestamptz not null,
    resolved_at timestamptz,
    primary key (tenant_id, alert, subject),
    constraint alert_states_alert_known check (
        alert in (
            'LeadProtectionHighExpiry', 'AiBudgetExceeded', 'CreditCheckSLAViolation',
            'JobHeartbeatMissing', 'JobBacklogHigh', 'IntegrationDown'
        )
    ),
    constraint alert_states_severity_known check (severity in ('warning', 'critical')),
    constraint alert_states_subject_length check (char_length(subject) <= 200)
);
comment on table app.alert_states is
'Each alert that fired for a tenant, for what (a job, a kind, a connector, an organisation), until and after it '
'resolved: written by app_private.evaluate_alerts (pg_cron, every minute).';
comment on column app.alert_states.tenant_id is 'Tenant notified.';
comment on column app.alert_states.alert is 'Alert name, as in deploy/prometheus/alerts.yml.';
comment on column app.alert_states.subject is
'What it is about: a job name, a job kind, a connector, an organisation id, or empty for the tenant.';
comment on column app.alert_states.severity is 'warning or critical (the last seen while firing).';
comment on column app.alert_states.value is 'The measured value at the last evaluation while firing.';
comment on column app.alert_states.threshold is 'The threshold it was compared with.';
comment on column app.alert_states.fired_at is 'When this firing began.';
comment on column app.alert_states.evaluated_at is 'Last evaluation that found it firing.';
comment on column app.alert_states.resolved_at is 'When it cleared; null while it fires.';

alter table app.alert_states enable row level security;
create policy select_tenant on app.alert_states
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.alert_states is 'Managers, auditors and admins read their tenant''s alerts.';
grant select on app.alert_states to sales_manager, auditor, tenant_admin;

insert into app.job_heartbeats (job_name, schedule, description) values
('alerts', '* * * * *', 'Evaluates the six alerts of every tenant and notifies admins and managers of changes.');

alter table app.connector_states add column down_since timestamptz;
comment on column app.connector_states.down_since is
'First failure after the last success while the connector is down; null while it works (kept by a trigger).';
update app.connector_states
set down_since = last_error_at
where last_error_at is not null and (last_success_at is null or last_error_at > last_success_at);
