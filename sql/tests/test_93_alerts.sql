-- Alerts in the database (SPEC 9): the metric samples behind /metrics, each alert's condition
-- against its alert.* threshold (a tenant's own value included), and the job alerts notifying
-- admins and managers once per firing, again when a warning turns critical, once when it resolves.
begin;
select plan(27);

select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('admin@beta.test', 'tenant_admin', 'beta');
select tests.freeze_time('2026-03-01 10:00+00');

create function pg_temp.tenant(p_slug text) returns uuid
language sql as $$ select t.id from app.tenants as t where t.slug = p_slug $$;
create function pg_temp.sample(p_metric text, p_labels jsonb) returns double precision
language sql as $$
    select m.value from app_private.metric_samples() as m where m.metric = p_metric and m.labels = p_labels
$$;
create function pg_temp.notices(p_kind text) returns text
language sql as $$
    select coalesce(string_agg(u.email || ' ' || n.subject, '; ' order by u.email, n.subject), '')
    from app.notifications as n inner join app.users as u on n.user_id = u.id
    where n.kind = p_kind
$$;
create function pg_temp.firing() returns text
language sql as $$
    select coalesce(string_agg(t.slug || ' ' || s.alert || ' ' || s.subject || ' ' || s.severity, '; '
        order by t.slug, s.alert, s.subject), '')
    from app.alert_states as s inner join app.tenants as t on s.tenant_id = t.id
    where s.resolved_at is null
$$;

-- every scheduled job succeeded just now: no heartbeat alert but the ones made below
update app.job_heartbeats set last_succeeded_at = app.now();

-- ------------------------------------------------------------ the samples
select is(app.cron_interval_seconds('* * * * *'), 60, 'every minute');
select is(app.cron_interval_seconds('*/10 * * * *'), 600, 'every ten minutes');
select is(app.cron_interval_seconds('15 * * * *'), 3600, 'hourly');
select is(app.cron_interval_seconds('23 5 * * *'), 86400, 'daily');

select is(
    pg_temp.sample('freshplan_alert_threshold', '{"tenant": "alpha", "setting": "alert.creditCheck.maxMs"}'),
    300::double precision, 'thresholds are exported per tenant, the default until one is set'
);
insert into app.settings_values (key, scope, tenant_id, target_id, value)
values ('alert.jobBacklog.max', 'tenant', pg_temp.tenant('alpha'), pg_temp.tenant('alpha'), '2');
select is(
    pg_temp.sample('freshplan_alert_threshold', '{"tenant": "alpha", "setting": "alert.jobBacklog.max"}'),
    2::double precision, 'a tenant''s own threshold'
);
select is(
    pg_temp.sample('freshplan_alert_threshold', '{"setting": "alert.jobHeartbeat.missedRuns"}'),
    2::double precision, 'a global-only threshold has no tenant label'
);
select is(
    pg_temp.sample('freshplan_integration_jobs_backlog', '{"tenant": "beta", "kind": "mail.send"}'),
    0::double precision, 'a kind without jobs has a backlog of 0'
);

-- ------------------------------------------------------------ firing once
insert into app.jobs (tenant_id, kind, payload)
select pg_temp.tenant(t.slug), 'xentral.products', '{}'
from (values ('alpha'), ('alpha'), ('alpha'), ('beta'), ('beta'), ('beta')) as t (slug);
select is(
    pg_temp.sample('freshplan_integration_jobs_backlog', '{"tenant": "alpha", "kind": "xentral.products"}'),
    3::double precision, 'the backlog counts waiting jobs per tenant and kind'
);
select is(
    app_private.run_job('alerts'), '{"firing": 1, "notified": 1, "resolved": 0}',
    'three waiting jobs are above alpha''s threshold of 2, not above beta''s default of 100'
);
select is(pg_temp.firing(), 'alpha JobBacklogHigh xentral.products warning', 'the firing alert is recorded');
select is(
    pg_temp.notices('ALERT'),
    'admin@alpha.test Warnung: JobBacklogHigh (xentral.products); '
    || 'manager@alpha.test Warnung: JobBacklogHigh (xentral.products)',
    'the tenant''s admins and managers are told, reps and other tenants not'
);
select matches(
    (select min(n.body) from app.notifications as n where n.kind = 'ALERT'),
    '^3 Aufträge der Art xentral.products warten oder laufen \(Schwelle 2\)\. Runbook: docs/operations.md',
    'the notice says the figure, the threshold and where the runbook is'
);
select tests.freeze_time('2026-03-01 10:01+00');
select is(
    app_private.run_job('alerts'), '{"firing": 1, "notified": 0, "resolved": 0}',
    'still firing a minute later: no second notice'
);

-- ------------------------------------------------------------ resolving once
update app.jobs set state = 'DONE', finished_at = app.now() where tenant_id = pg_temp.tenant('alpha');
select tests.freeze_time('2026-03-01 10:02+00');
select is(app_private.run_job('alerts'), '{"firing": 0, "notified": 0, "resolved": 1}', 'the backlog is gone');
select is(
    pg_temp.notices('ALERT_RESOLVED'),
    'admin@alpha.test Behoben: JobBacklogHigh (xentral.products); '
    || 'manager@alpha.test Behoben: JobBacklogHigh (xentral.products)',
    'one resolve notice each'
);
select is(app_private.run_job('alerts'), '{"firing": 0, "notified": 0, "resolved": 0}', 'and no more');

-- ------------------------------------------------------------ warning, then critical
insert into app.ai_budget_months (org_id, tenant_id, month, spent_eur)
select u.org_id, u.tenant_id, '2026-03-01', 850 from app.users as u where u.email = 'rep@alpha.test';
select is(app_private.run_job('alerts') ->> 'notified', '1', '85 % of the cap: a warning');
select is(pg_temp.firing(), 'alpha AiBudgetExceeded ' || (
    select u.org_id::text from app.users as u where u.email = 'rep@alpha.test'
) || ' warning', 'warning for the organisation');
update app.ai_budget_months set spent_eur = 1000;
select is(app_private.run_job('alerts') ->> 'notified', '1', '100 %: critical, told again');
select is(app_private.run_job('alerts') ->> 'notified', '0', 'once');
select is(
    (select count(*)::integer from app.notifications where kind = 'ALERT' and subject like 'Kritisch: AiBudgetExceeded%'),
    2, 'the critical notice went to the admin and the manager'
);
update app.ai_budget_months set spent_eur = 0;
select is(app_private.run_job('alerts') ->> 'resolved', '1', 'spending undone: resolved');

-- ------------------------------------------------------------ the other alerts
-- a connector down for six minutes, counted from its first failure after its last success
update app.connectors set configured = true where connector = 'xentral';
insert into app.connector_states (tenant_id, connector, last_success_at, last_error_at, last_error)
values (pg_temp.tenant('beta'), 'xentral', '2026-03-01 09:00+00', '2026-03-01 09:56+00', 'HTTP 503');
update app.connector_states set last_error_at = '2026-03-01 10:01+00' where tenant_id = pg_temp.tenant('beta');
select is(
    pg_temp.sample('freshplan_integration_down_seconds', '{"tenant": "beta", "connector": "xentral"}'),
    360::double precision, 'down since the first failure, not the last'
);
-- a minute job that has not succeeded for four minutes (2 runs + 60 s = 180 s)
update app.job_heartbeats set last_succeeded_at = '2026-03-01 09:58+00' where job_name = 'mail_imap';
select is(app_private.run_job('alerts') ->> 'notified', '3', 'IntegrationDown for beta, JobHeartbeatMissing for both');
select is(
    pg_temp.firing(),
    'alpha JobHeartbeatMissing mail_imap critical; beta IntegrationDown xentral critical; '
    || 'beta JobHeartbeatMissing mail_imap critical',
    'a job serves every tenant, a connector one'
);
update app.connector_states set last_success_at = '2026-03-01 10:02+00' where tenant_id = pg_temp.tenant('beta');
select is(
    (select down_since from app.connector_states where tenant_id = pg_temp.tenant('beta')), null,
    'a success ends the outage'
);

select * from finish();
rollback;
