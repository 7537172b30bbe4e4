-- Direct SQL as a web role (what a bug in a service could expose): the rules still hold, because
-- they live in constraints, policies and checked definer functions, not only in the api functions.
begin;
select plan(14);

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
select tests.clear_authentication();

select * from finish();
rollback;
