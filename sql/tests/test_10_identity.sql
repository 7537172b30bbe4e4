-- Identity: the pre-request check, whoami, api.users visibility, user administration, the clock.
begin;
select plan(49);

select tests.create_tenant('alpha');
select tests.create_org('alpha', 'Second');
select tests.create_tenant('beta');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('auditor@alpha.test', 'auditor', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('rep2@alpha.test', 'sales_rep', 'alpha', 'Second');
select tests.create_user('admin@beta.test', 'tenant_admin', 'beta');
select tests.create_user('rep@beta.test', 'sales_rep', 'beta');

-- ------------------------------------------------------------ pre-request check
select tests.authenticate_anon();
select is(tests.outcome('select app_private.check_request()'), 'ok', 'no token: the check passes');
select throws_ok(
    'select * from api.users', '42501', null, 'no token: api.users is not readable'
);
select throws_ok('select api.whoami()', '42501', null, 'no token: whoami is not callable');
select tests.clear_authentication();

select tests.authenticate_with('sales_rep', tests.claims_for('rep@alpha.test'));
select is(tests.outcome('select app_private.check_request()'), 'ok', 'valid claims pass');
select tests.clear_authentication();

select tests.authenticate_with(
    'sales_rep', tests.claims_for('rep@alpha.test') || jsonb_build_object('sub', gen_random_uuid())
);
select tests.raises('select app_private.check_request()', 'FP101 401', 'unknown sub is rejected');
select tests.clear_authentication();

select tests.authenticate_with(
    'sales_rep',
    tests.claims_for('rep@alpha.test')
    || jsonb_build_object('tenant_id', (
        select id from app.tenants
        where slug = 'beta'
    ))
);
select tests.raises(
    'select app_private.check_request()', 'FP101 401', 'a tenant claim of another tenant is rejected'
);
select tests.clear_authentication();

select tests.authenticate_with(
    'sales_manager', tests.claims_for('rep@alpha.test') || '{"role": "sales_manager"}'
);
select tests.raises(
    'select app_private.check_request()', 'FP101 401', 'a role the user does not have is rejected'
);
select tests.clear_authentication();

select tests.authenticate_with(
    'sales_rep',
    tests.claims_for('rep@alpha.test')
    || jsonb_build_object('org_id', (
        select id from app.orgs
        where name = 'Second'
    ))
);
select tests.raises(
    'select app_private.check_request()', 'FP101 401', 'an organisation the user is not in is rejected'
);
select tests.clear_authentication();

select tests.authenticate_with(
    'sales_rep',
    jsonb_build_object(
        'role', 'sales_rep', 'sub', 'not-a-uuid', 'exp', extract(epoch from now() + interval '1 hour')
    )
);
select tests.raises('select app_private.check_request()', 'FP101 401', 'a malformed sub is rejected');
select tests.clear_authentication();

-- Token lifetime (SPEC 10.2): exp is required and at most 24 hours (+ 30 s leeway) ahead.
select tests.authenticate_with('sales_rep', tests.claims_for('rep@alpha.test') - 'exp');
select tests.raises('select app_private.check_request()', 'FP104 401', 'a token without exp is rejected');
select tests.clear_authentication();

select tests.authenticate_with(
    'sales_rep',
    tests.claims_for('rep@alpha.test')
    || jsonb_build_object('exp', extract(epoch from now() + interval '10 years')::bigint)
);
select tests.raises(
    'select app_private.check_request()', 'FP104 401', 'a token valid for ten years is rejected'
);
select tests.clear_authentication();

select tests.authenticate_with(
    'sales_rep',
    tests.claims_for('rep@alpha.test')
    || jsonb_build_object('exp', extract(epoch from now() + interval '24 hours 30 seconds'))
);
select is(
    tests.outcome('select app_private.check_request()'), 'ok',
    'exp exactly 24 hours and the 30 s leeway ahead passes'
);
select tests.clear_authentication();

select tests.authenticate_with(
    'sales_rep',
    tests.claims_for('rep@alpha.test')
    || jsonb_build_object('exp', extract(epoch from now() + interval '24 hours 31 seconds'))
);
select tests.raises(
    'select app_private.check_request()', 'FP104 401', 'exp one second beyond 24 hours and the leeway is rejected'
);
select tests.clear_authentication();

select tests.authenticate_with(
    'sales_rep', tests.claims_for('rep@alpha.test') || '{"exp": "2030-01-01"}'
);
select tests.raises('select app_private.check_request()', 'FP104 401', 'a non-numeric exp is rejected');
select tests.clear_authentication();

select tests.authenticate_with(
    'sales_rep', tests.claims_for('rep@alpha.test') || '{"exp": 1e300}'
);
select tests.raises('select app_private.check_request()', 'FP104 401', 'an absurdly large exp is rejected');
select tests.clear_authentication();

select tests.freeze_time('2020-01-01T00:00:00Z');
select tests.authenticate_with('sales_rep', tests.claims_for('rep@alpha.test'));
select is(
    tests.outcome('select app_private.check_request()'), 'ok',
    'the lifetime is measured on the real clock, not the fixed app.now()'
);
select tests.clear_authentication();
delete from app.clock_override;

-- ------------------------------------------------------------ whoami and api.users
select tests.authenticate_as('rep@alpha.test');
select is((api.whoami()).id, tests.user_id('rep@alpha.test'), 'whoami returns the calling rep');
select is((api.whoami()).role, 'sales_rep', 'whoami returns the role');
select is(
    (select count(*) from api.users)::int, 5, 'a rep sees the five active users of their tenant'
);
select is_empty(
    $$ select from api.users where id = tests.user_id('rep@beta.test') $$,
    'a rep sees no user of another tenant'
);
select throws_ok(
    'select * from api.user_accounts', '42501', null, 'a rep cannot read e-mail addresses'
);
select throws_ok(
    'select email from app.users', '42501', null, 'not even from the table itself'
);
select tests.clear_authentication();

select tests.authenticate_as('manager@alpha.test');
select is((api.whoami()).id, tests.user_id('manager@alpha.test'), 'whoami returns the manager');
select is(
    (select count(*) from api.user_accounts)::int, 5, 'a manager reads the accounts of their tenant'
);
select is_empty(
    $$ select from api.user_accounts where email like '%@beta.test' $$,
    'a manager reads no account of another tenant'
);
select tests.clear_authentication();

select tests.authenticate_as('auditor@alpha.test');
select is((api.whoami()).role, 'auditor', 'whoami returns the auditor');
select is((select count(*) from api.user_accounts)::int, 5, 'an auditor reads the accounts');
select tests.clear_authentication();

-- ------------------------------------------------------------ create_user
select tests.authenticate_as('admin@alpha.test');
select is(
    (api.create_user(
        'New.Rep@alpha.test', '  Neue Vertreterin ', 'sales_rep',
        (
            select id from app.orgs
            where name = 'Second'
        )
    )).display_name,
    'Neue Vertreterin',
    'an admin creates a user (name trimmed)'
);
select is(
    (
        select count(*) from api.user_accounts
        where email = 'New.Rep@alpha.test'
    )::int, 1,
    'the new user is stored'
);
select tests.raises(
    $$ select api.create_user('new.rep@ALPHA.test', 'Dup', 'sales_rep',
       (select id from app.orgs where name = 'Main' and tenant_id = app.current_tenant_id())) $$,
    'FP115 409', 'a duplicate e-mail (any case) is a conflict'
);
select tests.raises(
    $$ select api.create_user('not-an-email', 'X', 'sales_rep', app.current_org_id()) $$,
    'FP111 400', 'an invalid e-mail is refused'
);
select tests.raises(
    $$ select api.create_user(repeat('a', 250) || '@x.de', 'X', 'sales_rep', app.current_org_id()) $$,
    'FP111 400', 'an overlong e-mail is refused'
);
select tests.raises(
    $$ select api.create_user('a@b.de', repeat('x', 10000), 'sales_rep', app.current_org_id()) $$,
    'FP112 400', 'a 10 000-character name is refused'
);
select tests.raises(
    $$ select api.create_user('a@b.de', 'X', 'superuser', app.current_org_id()) $$,
    'FP113 400', 'an unknown role is refused'
);
select tests.raises(
    $$ select api.create_user('a@b.de', 'X', 'sales_rep', null) $$,
    'FP114 400', 'a missing organisation is refused'
);
select tests.clear_authentication();
select tests.authenticate_as('admin@alpha.test');
select tests.raises(
    format(
        'select api.create_user(%L, %L, %L, %L)', 'a@b.de', 'X', 'sales_rep',
        (
            select o.id from app.orgs as o inner join app.tenants as t on o.tenant_id = t.id
            where t.slug = 'beta'
        )
    ),
    'FP114 400', 'an organisation of another tenant looks unknown'
);
select tests.clear_authentication();
select is(
    (
        select count(*) from app.users
        where email in ('a@b.de', 'not-an-email')
    )::int, 0,
    'refused calls stored nothing'
);

select tests.authenticate_as('manager@alpha.test');
select tests.raises(
    $$ select api.create_user('m@alpha.test', 'M', 'sales_rep', app.current_org_id()) $$,
    'FP102 403', 'a manager cannot create users'
);
select tests.clear_authentication();
select tests.authenticate_as('rep@alpha.test');
select tests.raises(
    $$ select api.create_user('r@alpha.test', 'R', 'tenant_admin', app.current_org_id()) $$,
    'FP102 403', 'a rep cannot create users'
);
select throws_ok(
    $$ insert into app.users (tenant_id, org_id, email, display_name, role)
       values (app.current_tenant_id(), app.current_org_id(), 'x@y.de', 'x', 'tenant_admin') $$,
    '42501', null, 'nor insert into the table directly'
);
select tests.clear_authentication();

-- ------------------------------------------------------------ deactivate_user
select tests.authenticate_as('admin@alpha.test');
select tests.raises(
    format('select api.deactivate_user(%L)', tests.user_id('admin@alpha.test')),
    'FP117 409', 'an admin cannot deactivate themself'
);
select tests.raises(
    format('select api.deactivate_user(%L)', tests.user_id('rep@beta.test')),
    'FP116 404', 'a user of another tenant looks unknown'
);
select lives_ok(
    format('select api.deactivate_user(%L)', tests.user_id('rep@alpha.test')),
    'an admin deactivates a rep'
);
select lives_ok(
    format('select api.deactivate_user(%L)', tests.user_id('rep@alpha.test')),
    'deactivating twice is harmless'
);
select is_empty(
    $$ select from api.users where id = tests.user_id('rep@alpha.test') $$,
    'a deactivated user leaves api.users'
);
select tests.clear_authentication();

select tests.authenticate_with('sales_rep', tests.claims_for('rep@alpha.test'));
select tests.raises(
    'select app_private.check_request()', 'FP101 401', 'the deactivated user''s token stops working'
);
select tests.clear_authentication();

select tests.authenticate_as('rep2@alpha.test');
select tests.raises(
    format('select api.deactivate_user(%L)', tests.user_id('manager@alpha.test')),
    'FP102 403', 'a rep cannot deactivate users'
);
select tests.clear_authentication();

-- ------------------------------------------------------------ clock
select tests.freeze_time('2026-03-29 00:59:59+00');
select is(app.now(), '2026-03-29 00:59:59+00'::timestamptz, 'app.now() follows the frozen clock');
delete from app.clock_override;
select is(app.now(), now(), 'without an override app.now() is the transaction time');

select * from finish();
rollback;
