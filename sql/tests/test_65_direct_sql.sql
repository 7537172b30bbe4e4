-- Direct SQL as a web role (what a bug in a service could expose): the rules still hold, because
-- they live in constraints, policies and checked definer functions, not only in the api functions.
begin;
select plan(29);

select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('other@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('rep@beta.test', 'sales_rep', 'beta');

select tests.register_lead('other@alpha.test', 'Gasthof Adler', '2026-01-10 09:00+00') as lead \gset
select tests.register_lead('rep@alpha.test', 'Hotel Krone', '2026-01-10 09:00+00') as mine \gset
select tests.register_lead('rep@beta.test', 'Elch Nord', '2026-01-10 09:00+00') as beta_lead \gset
select tests.freeze_time('2026-01-20 09:00+00');

select tests.authenticate_as('rep@alpha.test');
select throws_ok(
    format($$ select app_private.open_assignment(%L, app.current_user_id(), now(), 'CLAIMED') $$, :'lead'),
    '42501', null, 'a rep cannot open an assignment directly'
);
select throws_ok(
    format($$ select app_private.close_assignment(%L, 'TRANSFERRED', null, true) $$, :'lead'),
    '42501', null, 'nor close one'
);
select throws_ok(
    format($$ select app_private.release_lead(%L, 'EXPIRED', true) $$, :'lead'),
    '42501', null, 'nor release a lead'
);
select throws_ok(
    $$ select app_private.write_audit(app.current_tenant_id(), 'lead.released', 'lead', null, null, null, null, null, true) $$,
    '42501', null, 'nor write an audit row as the system'
);
select throws_ok(
    format($$ select app_private.audit(%L, 'lead.released', 'lead', null, null, null, null) $$,
        (select id from app.tenants where slug = 'beta')),
    '42501', null, 'nor an audit row into another tenant'
);
select is(
    tests.outcome(format($$ select app_private.acquire_lead(%L, 'CLAIMED') $$, :'beta_lead')),
    'FP305 404', 'the claim entry point does not find another tenant''s lead'
);
select is(
    tests.outcome(format($$ select app_private.acquire_lead(%L, 'CLAIMED') $$, :'lead')),
    'FP306 409', 'and refuses a colleague''s protected lead'
);
select is(
    tests.outcome(format($$ select app_private.acquire_lead(%L, 'REGISTERED') $$, :'lead')),
    'FP102 403', 'a lead cannot be "registered" again by someone else'
);
select is_empty(
    $$ select from app_private.similar_leads('elch nord', '10') $$,
    'similar leads come from the caller''s tenant only'
);
select throws_ok(
    format(
        $$ insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, created_by)
           select tenant_id, id, assignment_id, 'QUALIFIED_CALL', '2100-01-01', app.current_user_id()
           from app.leads where id = %L $$,
        :'mine'
    ),
    '42501', null, 'an activity dated in 2100 is refused by the policy'
);
select tests.clear_authentication();

select tests.authenticate_as('manager@alpha.test');
select throws_ok(
    format(
        $$ insert into app.holds (
               tenant_id, lead_id, assignment_id, reason, start_at, state, requested_by, decided_by, decided_at
           )
           values (
               app.current_tenant_id(), %L, %L, 'FFZ_SAMPLE_DELAY', now(), 'APPROVED', app.current_user_id(),
               app.current_user_id(), now()
           ) $$,
        :'beta_lead', (select assignment_id from app.leads where id = :'beta_lead')
    ),
    '42501', null, 'a manager cannot hold another tenant''s lead by naming it with his own tenant'
);
select throws_ok(
    format(
        $$ insert into app.protection_overrides (tenant_id, lead_id, assignment_id, until, reason, created_by)
           values (app.current_tenant_id(), %L, %L, '2040-01-01', 'Forever and ever', app.current_user_id()) $$,
        :'lead', (select assignment_id from app.leads where id = :'lead')
    ),
    '42501', null, 'nor override beyond two years'
);
select tests.clear_authentication();

select tests.authenticate_as('admin@alpha.test');
select is(
    tests.outcome(
        $$ insert into app.settings_values (key, scope, tenant_id, target_id, value)
           values ('tenant.timezone', 'tenant', app.current_tenant_id(), app.current_tenant_id(), '"Mars/Olympus"') $$
    ),
    'FP203 400', 'a setting written directly is validated all the same'
);
select is(
    tests.outcome(
        $$ insert into app.settings_values (key, scope, tenant_id, target_id, value)
           values ('lead.protection.progressDays', 'user', app.current_tenant_id(), app.current_user_id(), '30') $$
    ),
    'FP202 400', 'including its scope'
);
select is(
    tests.outcome(format(
        $$ insert into app.settings_values (key, scope, tenant_id, target_id, value)
           values ('lead.claim.maxPerMonth', 'org', app.current_tenant_id(), %L, '5') $$,
        (select o.id from app.orgs as o inner join app.tenants as t on o.tenant_id = t.id where t.slug = 'beta')
    )),
    'FP204 404', 'an organisation value must target an organisation of the own tenant'
);
select is(
    tests.outcome(format(
        $$ insert into app.settings_values (key, scope, tenant_id, target_id, value)
           values ('lead.claim.maxPerMonth', 'user', app.current_tenant_id(), %L, '5') $$,
        tests.user_id('rep@beta.test')
    )),
    'FP204 404', 'and a user value a user of the own tenant'
);
select tests.clear_authentication();

select tests.authenticate_as('admin@alpha.test');
select lives_ok(
    format($$ update app.users set active = false, deactivated_at = now() where id = %L $$, tests.user_id('other@alpha.test')),
    'an admin deactivates a user directly'
);
select lives_ok(
    format($$ update app.users set active = true, deactivated_at = null where id = %L $$, tests.user_id('other@alpha.test')),
    'and reactivates them'
);
select tests.clear_authentication();
select is(
    (select array_agg(action order by id) from app.audit_log where entity_id = tests.user_id('other@alpha.test')
     and action like 'user.%activated'),
    array['user.deactivated', 'user.reactivated'], 'both are audited'
);

-- what a rep learns of a colleague's protected lead through the helper functions
select dup_key as colleague_key from app.leads where id = :'lead' \gset
select dup_key as my_key from app.leads where id = :'mine' \gset
select tests.authenticate_as('rep@alpha.test');
select is(
    (select row(d.lead_id, d.is_mine, d.status)::text from app_private.duplicate_of(:'colleague_key', null) as d),
    row(null::uuid, false, 'ACTIVE'::text)::text, 'duplicate_of names no owner and no id of a colleague''s lead'
);
select is(
    (select row(s.id, s.status)::text from app_private.similar_leads(
        app.normalize_company_name('Gasthof Adler'), '10') as s where s.company_name = 'Gasthof Adler'),
    row(null::uuid, 'PROTECTED'::text)::text, 'nor does similar_leads'
);
select is(
    (select d.lead_id from app_private.duplicate_of(:'my_key', null) as d),
    :'mine'::uuid, 'the own lead comes with its id'
);
-- a rep cannot put items into a colleague's box by naming their own lead
select tests.clear_authentication();
insert into app.products (tenant_id, sku, name, unit)
select id, 'P-1', 'Produkt', 'Stück' from app.tenants where slug = 'alpha';
insert into app.sample_boxes (tenant_id, lead_id) select tenant_id, id from app.leads where id = :'lead';
select id as colleague_box from app.sample_boxes where lead_id = :'lead' \gset
select tests.authenticate_as('rep@alpha.test');
select throws_ok(
    format(
        $$ insert into app.sample_box_items (box_id, tenant_id, lead_id, sku, qty)
           values (%L, app.current_tenant_id(), %L, 'P-1', 1) $$,
        :'colleague_box', :'mine'
    ),
    '23503', null, 'an item belongs to its box''s lead'
);
select tests.clear_authentication();
-- text that ends up in mail headers is one line, however it is written
select throws_ok(
    format($$ update app.leads set company_name = 'Adler' || chr(13) || chr(10) || 'Bcc: x@example.org' where id = %L $$, :'lead'),
    '23514', null, 'a company name with a line break is refused by the table'
);
select throws_ok(
    format($$ update app.users set display_name = 'Rep' || chr(8232) || 'Zwei' where id = %L $$, tests.user_id('rep@alpha.test')),
    '23514', null, 'and so is a display name with a line separator'
);
select tests.authenticate_as('rep@alpha.test');
-- (a top-level call of the writers is refused too: tests/test_direct_sql.py, since every pgTAP
-- assertion runs its statement inside a function)
select throws_ok(
    format($$ do $do$ begin perform app_private.audit(app.current_tenant_id(), 'lead.released', 'lead', %L, %L, null, null); end $do$ $$,
        :'mine', :'mine'),
    '42501', null, 'a rep cannot forge an audit row from an anonymous code block'
);
select throws_ok(
    format($$ do $do$ begin perform app_private.notify(app.current_tenant_id(), %L, 'REMINDER', null, 'Passwort?', 'x'); end $do$ $$,
        tests.user_id('manager@alpha.test')),
    '42501', null, 'nor a notification'
);
select throws_ok(
    format($$ do $do$ begin perform api.log_activity(%L, 'MEETING'); end $do$ $$, :'mine'),
    '42501', null, 'and an api function that audits refuses to run inside one'
);
select tests.clear_authentication();
select is(
    tests.act('rep@alpha.test', '2026-01-20 09:00+00', format('select api.log_activity(%L, %L)', :'mine', 'MEETING')),
    'ok', 'the api functions still audit through the same writers'
);

select * from finish();
rollback;
