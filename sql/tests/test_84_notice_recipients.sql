-- Who receives reminder and expiry notices (SPEC 2.4, 3.8): never another rep; a role that only an
-- organisation's value of lead.protection.notify.roles adds reaches that organisation only.
begin;
select plan(9);

select tests.create_tenant('alpha', 'Nord');
select tests.create_org('alpha', 'Sued');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha', 'Nord');
select tests.create_user('colleague@alpha.test', 'sales_rep', 'alpha', 'Nord');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha', 'Sued');
select tests.create_user('auditor.nord@alpha.test', 'auditor', 'alpha', 'Nord');
select tests.create_user('auditor.sued@alpha.test', 'auditor', 'alpha', 'Sued');
select o.id as nord from app.orgs as o where o.name = 'Nord' \gset

select is(
    tests.act('admin@alpha.test', '2026-01-05 09:00+00',
        $$ select api.set_setting('lead.protection.notify.roles', 'tenant', '["sales_rep"]') $$),
    'FP203 400', 'sales_rep is refused as a notify role for the tenant'
);
select is(
    tests.act('admin@alpha.test', '2026-01-05 09:00+00',
        format($$ select api.set_setting('lead.protection.notify.roles', 'org', '["sales_rep"]', %L) $$, :'nord')),
    'FP203 400', '... and for an organisation'
);
select is(
    tests.outcome(format(
        $$ insert into app.settings_values (key, scope, tenant_id, target_id, value)
           select 'lead.protection.notify.roles', 'org', tenant_id, id, '["sales_rep"]' from app.orgs where id = %L $$,
        :'nord'
    )),
    'FP203 400', 'not even written directly'
);
select is(
    tests.act('admin@alpha.test', '2026-01-05 09:00+00',
        format($$ select api.set_setting('lead.protection.notify.roles', 'org', '["auditor"]', %L) $$, :'nord')),
    'ok', 'Nord adds its auditors'
);

-- Registered 2026-01-10 10:00 CET: progress due 2026-03-11 09:00 UTC, grace until 2026-03-21 09:00 UTC.
select tests.register_lead('rep@alpha.test', 'Gasthof Adler', '2026-01-10 09:00+00') as lead \gset
select tests.freeze_time('2026-03-11 09:00+00');
select is(app_private.run_job('sweep') ->> 'reminders', '1', 'the reminder is due');
select is(
    (select array_agg(u.email order by u.email) from app.notifications as n inner join app.users as u on n.user_id = u.id
     where n.lead_id = :'lead' and n.kind = 'REMINDER'),
    array['auditor.nord@alpha.test', 'manager@alpha.test', 'rep@alpha.test'],
    'owner, the tenant''s managers (any organisation) and Nord''s auditors; not Sued''s, not the colleague'
);
select is(
    (select array_agg(j.to_address order by j.to_address) from app.jobs as j
     where j.payload ->> 'lead_id' = :'lead' and j.template = 'reminder'),
    array['auditor.nord@alpha.test', 'manager@alpha.test', 'rep@alpha.test'], 'the mails go to the same people'
);
select tests.freeze_time('2026-03-21 09:00+00');
select is(app_private.run_job('sweep') ->> 'released', '1', 'released at the end of grace');
select is(
    (select array_agg(u.email order by u.email) from app.notifications as n inner join app.users as u on n.user_id = u.id
     where n.lead_id = :'lead' and n.kind = 'EXPIRED'),
    array['auditor.nord@alpha.test', 'manager@alpha.test', 'rep@alpha.test'], 'the expiry reaches the same people'
);

select * from finish();
rollback;
