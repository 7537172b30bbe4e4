-- The audit log (SPEC 3.9) and the settings registry (3.2).
begin;
select plan(31);

select tests.create_tenant('alpha');
select tests.create_org('alpha', 'Süd');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('south@alpha.test', 'sales_rep', 'alpha', 'Süd');
select tests.create_user('other@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');

-- ------------------------------------------------------------ one audit row per change
select tests.register_lead('rep@alpha.test', 'Gasthof Adler', '2026-01-10 09:00+00') as lead \gset
create temporary table steps (step text);
-- (one statement per step: each must see what the previous one wrote)
insert into steps select tests.act('rep@alpha.test', '2026-01-11 09:00+00', format('select api.log_activity(%L, %L)', :'lead', 'DEMO'));
insert into steps select tests.act('rep@alpha.test', '2026-01-11 09:00+00',
    format('select api.add_collaborator(%L, %L, %L)', :'lead', tests.user_id('other@alpha.test'), 'VIEW'));
insert into steps select tests.act('rep@alpha.test', '2026-01-11 09:00+00',
    format('select api.remove_collaborator(%L, %L)', :'lead', tests.user_id('other@alpha.test')));
insert into steps select tests.act('rep@alpha.test', '2026-01-11 09:00+00', format('select api.add_hold(%L, %L)', :'lead', 'CUSTOMER_BLOCKED'));
insert into steps select tests.act('manager@alpha.test', '2026-01-12 09:00+00',
    format('select api.decide_hold(%L, true)', (select id from app.holds where lead_id = :'lead')));
insert into steps select tests.act('rep@alpha.test', '2026-01-13 09:00+00',
    format('select api.end_hold(%L)', (select id from app.holds where lead_id = :'lead')));
insert into steps select tests.act('manager@alpha.test', '2026-01-14 09:00+00',
    format('select api.override_protection(%L, %L, %L)', :'lead', '2026-12-01 09:00+00', 'Strategic customer'));
insert into steps select tests.act('manager@alpha.test', '2026-01-15 09:00+00',
    format('select api.backdate_registration(%L, %L, %L)', :'lead', '2026-01-05 09:00+00', 'Registered by phone'));
insert into steps select tests.act('manager@alpha.test', '2026-01-16 09:00+00',
    format('select api.transfer_lead(%L, %L, %L)', :'lead', tests.user_id('other@alpha.test'), 'Region change'));
insert into steps select tests.act('manager@alpha.test', '2026-01-17 09:00+00',
    format('select api.expire_now(%L, %L)', :'lead', 'Customer closed'));
insert into steps select tests.act('rep@alpha.test', '2026-03-17 09:00+00', format('select api.claim_lead(%L)', :'lead'));
select is(array(select distinct step from steps), array['ok'], 'every step succeeded');

select is(
    array(select action from app.audit_log where lead_id = :'lead' order by id),
    array[
        'lead.registered', 'lead.activity_logged', 'lead.collaborator_added', 'lead.collaborator_removed',
        'lead.hold_added', 'lead.hold_decided', 'lead.hold_ended', 'lead.override',
        'lead.registration_backdated', 'lead.transferred', 'lead.expired_now', 'lead.claimed'
    ],
    'each change wrote exactly one audit row, in order'
);
select is(
    (select actor_role from app.audit_log where lead_id = :'lead' and action = 'lead.override'), 'sales_manager',
    'the actor''s role is recorded'
);
select is(
    (select reason from app.audit_log where lead_id = :'lead' and action = 'lead.override'), 'Strategic customer',
    'and the reason'
);
select is(
    (select after ->> 'owner_id' from app.audit_log where lead_id = :'lead' and action = 'lead.transferred'),
    tests.user_id('other@alpha.test')::text, 'with the state after the change'
);
select is(
    (select actor_id from app.audit_log where lead_id = :'lead' and action = 'lead.expired_now'),
    tests.user_id('manager@alpha.test'), 'a manager''s release names the manager'
);

-- request id from PostgREST's request.headers
select set_config('request.headers', '{"x-request-id": "req-42"}', true);
select is(
    tests.act('rep@alpha.test', '2026-03-18 09:00+00', format('select api.log_activity(%L, %L)', :'lead', 'NOTE')), 'ok',
    'an activity during a request with an id'
);
select is(
    (select request_id from app.audit_log where lead_id = :'lead' order by id desc limit 1), 'req-42',
    'the audit row carries the request id'
);

-- append-only
select throws_ok('update app.audit_log set reason = ''x''', '42501', null, 'the owner cannot update the audit log');
select throws_ok('delete from app.audit_log', '42501', null, 'nor delete from it');
select tests.authenticate_as('manager@alpha.test');
select throws_ok('update app.audit_log set reason = ''x''', '42501', null, 'a manager cannot update it');
select throws_ok('delete from app.audit_log', '42501', null, 'nor delete from it');
select tests.clear_authentication();

-- ------------------------------------------------------------ settings
select is(
    tests.act('admin@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('lead.protection.nope', 'tenant', '1') $$),
    'FP201 400', 'an unknown key is refused'
);
select is(
    tests.act('admin@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('lead.protection.progressDays', 'user', '30') $$),
    'FP202 400', 'a scope the key does not allow is refused'
);
select is(
    tests.act('admin@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('lead.protection.progressDays', 'global', '30') $$),
    'FP202 400', 'tenant admins do not set global values'
);
select is(
    tests.act('admin@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('lead.protection.progressDays', 'tenant', '121') $$),
    'FP203 400', 'a value out of range is refused'
);
select is(
    tests.act('admin@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('lead.protection.mode', 'tenant', '"SOMETIMES"') $$),
    'FP203 400', 'an unknown enum value is refused'
);
select is(
    tests.act('admin@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('tenant.timezone', 'tenant', '"Mars/Olympus"') $$),
    'FP203 400', 'an unknown time zone is refused'
);
select is(
    tests.act('admin@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('lead.protection.hold.maxDays', 'tenant', '{"OTHER": 91}') $$),
    'FP203 400', 'a cap above 90 days is refused'
);
select is(
    tests.act('admin@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('lead.protection.reminder.channels', 'tenant', '["FAX"]') $$),
    'FP203 400', 'an unknown channel is refused'
);
select is(
    tests.act('rep@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('lead.protection.progressDays', 'tenant', '30') $$),
    'FP102 403', 'a rep cannot set settings'
);
select is((select count(*)::int from app.settings_values), 0, 'refused values stored nothing');

-- resolution: user > org > tenant > default, merge and append
select is(
    tests.act('admin@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('lead.claim.maxPerMonth', 'tenant', '40') $$)
    || tests.act('admin@alpha.test', '2026-03-18 09:00+00',
        format($$ select api.set_setting('lead.claim.maxPerMonth', 'org', '30', %L) $$, (select id from app.orgs where name = 'Süd')))
    || tests.act('admin@alpha.test', '2026-03-18 09:00+00',
        format($$ select api.set_setting('lead.claim.maxPerMonth', 'user', '20', %L) $$, tests.user_id('rep@alpha.test')))
    || tests.act('admin@alpha.test', '2026-03-18 09:00+00', $$ select api.set_setting('lead.protection.hold.maxDays', 'tenant', '{"OTHER": 21}') $$)
    || tests.act('admin@alpha.test', '2026-03-18 09:00+00',
        format($$ select api.set_setting('lead.protection.reminder.channels', 'org', '["TASK"]', %L) $$, (select id from app.orgs where name = 'Süd'))),
    'okokokokok', 'values at every scope'
);
select tests.authenticate_as('rep@alpha.test');
select is((select value from api.settings_effective where key = 'lead.claim.maxPerMonth'), '20'::jsonb, 'user beats org and tenant');
select tests.clear_authentication();
select tests.authenticate_as('south@alpha.test');
select is((select value from api.settings_effective where key = 'lead.claim.maxPerMonth'), '30'::jsonb, 'org beats tenant');
select is(
    (select value from api.settings_effective where key = 'lead.protection.reminder.channels'), '["EMAIL", "INAPP", "TASK"]'::jsonb,
    'append: the org adds a channel to the default'
);
select tests.clear_authentication();
select tests.authenticate_as('other@alpha.test');
select is((select value from api.settings_effective where key = 'lead.claim.maxPerMonth'), '40'::jsonb, 'tenant beats default');
select is(
    (select value -> 'OTHER' from api.settings_effective where key = 'lead.protection.hold.maxDays'), '21'::jsonb,
    'merge: the tenant''s cap for OTHER'
);
select is(
    (select value -> 'CUSTOMER_BLOCKED' from api.settings_effective where key = 'lead.protection.hold.maxDays'), '30'::jsonb,
    'merge: the default for the others'
);
select is(
    (select value from api.settings_effective where key = 'lead.protection.progressDays'), '60'::jsonb,
    'an unset key has its default'
);
select tests.clear_authentication();
select is(
    (select count(*)::int from app.audit_log where action = 'settings.changed'), 5, 'every settings change is audited'
);

select * from finish();
rollback;
